//! Parse errors and refusals: messages quote the offending text and give line:column.

use detsim_eql::{EqlError, Query};

fn err(q: &str) -> String {
    match Query::parse(q) {
        Ok(_) => panic!("expected an error for {q:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn parse_errors_name_the_text_and_position() {
    let rows = [
        (
            "process where host.os.type == \"windows\" and\n  process.name \"cmd.exe\"",
            "expected a comparison operator after `process.name`, found `\"cmd.exe\"` at 2:16",
        ),
        (
            "process where",
            "expected a field, a value or a function call, found the end of the query at 1:14",
        ),
        (
            "process where a == 'x'",
            "single-quoted strings are not supported in EQL, use double quotes at 1:20",
        ),
        (
            "process where a = \"x\"",
            "`=` is not an EQL operator, use `==` or `:` at 1:17",
        ),
        ("process where a == \"x", "unterminated string at 1:20"),
        (
            "process where a == \"x\ny\"",
            "unterminated string (a string cannot span lines) at 1:20",
        ),
        (
            "process where a == \"\\q\"",
            "unknown escape sequence `\\q` in string (use `\\\\` for a backslash) at 1:21",
        ),
        (
            "process where a < b < c",
            "comparisons cannot be chained: join them with `and` (`a < b and b < c`) at 1:21",
        ),
        (
            "process where (a == 1",
            "expected `)`, found the end of the query at 1:22",
        ),
        (
            "process where a == 1 AND b == 2",
            "expected `and` or `or` after `a == 1`, found `AND` \
             (EQL keywords are lower case: `and`) at 1:22",
        ),
        (
            "process a == 1",
            "expected `where` after the event category, found `a` at 1:9",
        ),
        (
            "where a == 1",
            "expected an event category such as `process` or `any`, found `where` at 1:1",
        ),
        (
            "process where a : 5",
            "expected a string after `:`, found `5` at 1:19",
        ),
        (
            "process where a in \"x\"",
            "expected `(` to open the list after `in`, found `\"x\"` at 1:20",
        ),
        (
            "process where a == 1 /* open",
            "unterminated comment `/*` at 1:22",
        ),
        ("process where a == 1 #", "unexpected character `#` at 1:22"),
        (
            "sequence [process where true]",
            "expected at least two bracketed subqueries `[...]` in a sequence, \
             found the end of the query at 1:30",
        ),
        (
            "sequence with maxspan=5 [a where true] [b where true]",
            "expected a time unit (`ms`, `s`, `m`, `h` or `d`) after the number, found `[` at 1:25",
        ),
        (
            "sequence with maxspan=5y [a where true] [b where true]",
            "expected a time unit (`ms`, `s`, `m`, `h` or `d`), found `y` at 1:24",
        ),
        (
            "sequence with maxspan=5m by a [a where true] [b where true]",
            "write `sequence by ...` before `with maxspan`, not after at 1:26",
        ),
        (
            "sequence [a where true] ![b where true]",
            "missing events `![...]` need `with maxspan=...` on the sequence at 1:25",
        ),
        (
            "sequence [a where true] with runs=0 [b where true]",
            "expected a number from 1 to 100 for `runs`, found `0` at 1:35",
        ),
        (
            "sequence [a where true] by x [b where true]",
            "every subquery needs the same number of `by` keys: the first has 1, \
             this one has 0 at 1:30",
        ),
        (
            "sample by h [a where true] [b where true] until [c where true]",
            "`until` is not allowed in a sample at 1:43",
        ),
        (
            "process where a == 1 | head",
            "expected a number after `| head`, found the end of the query at 1:28",
        ),
        (
            "process where a == 1 ]",
            "expected `and`, `or`, a pipe `|` or the end of the query, found `]` at 1:22",
        ),
        (
            "process where a regex \"a{2\"",
            "invalid regular expression: invalid repetition `{` in regex at 1:23",
        ),
    ];
    for (q, want) in rows {
        assert_eq!(err(q), want, "{q}");
    }
}

#[test]
fn refusals_name_the_feature() {
    let rows = [
        ("process where a == 1 | filter b == 2", "pipe `| filter`"),
        ("process where a == 1 | unique a", "pipe `| unique`"),
        ("process where a == 1 | count", "pipe `| count`"),
        ("process where a == 1 | sort a", "pipe `| sort`"),
        (
            "join [a where true] [b where true]",
            "`join` (Elasticsearch EQL has no joins)",
        ),
        (
            "process where child of [process where true]",
            "lineage `child of [...]`",
        ),
        (
            "process where descendant of [process where true]",
            "lineage `descendant of [...]`",
        ),
        ("process where match(a, \"x\")", "function `match`"),
        (
            "process where a == b",
            "comparison between two fields (Elasticsearch EQL rejects it too)",
        ),
        (
            "process where a in (\"x\", b)",
            "field inside an `in` list (only constants are allowed)",
        ),
        (
            "process where a regex \"~x\"",
            "Lucene regex complement `~`",
        ),
        (
            "process where a regex \"a&b\"",
            "Lucene regex intersection `&`",
        ),
        (
            "process where a regex \"<1-5>\"",
            "Lucene regex interval or named automaton `<...>`",
        ),
        ("process where a[0] == 1", "array index `[n]` on a field"),
        (
            "process where a !: \"x\"",
            "operator `!:` (use `not ... : ...`)",
        ),
    ];
    for (q, feature) in rows {
        match Query::parse(q) {
            Err(EqlError::Unsupported { feature: f, .. }) => assert_eq!(f, feature, "{q}"),
            other => panic!("{q}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn parse_error_snippet_points_at_the_column() {
    match Query::parse("process where\n  a == 'x'") {
        Err(EqlError::Parse {
            line,
            column,
            snippet,
            ..
        }) => {
            assert_eq!((line, column), (2, 8));
            assert_eq!(snippet, "  a == 'x'\n       ^");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_missing_connective_is_named() {
    assert_eq!(
        err("process where process.name : \"a\" process.parent.name : \"b\""),
        "expected `and` or `or` after `process.name : \"a\"`, found `process` at 1:34"
    );
    assert_eq!(
        err("process where a == 1 b == 2"),
        "expected `and` or `or` after `a == 1`, found `b` at 1:22"
    );
}
