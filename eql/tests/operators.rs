//! Table-driven tests of operators, case rules, arrays, null and missing fields.

mod common;

use common::check_table;
use serde_json::json;

#[test]
fn categories() {
    check_table(&[
        (
            "process where true",
            json!({"event.category": "process"}),
            true,
        ),
        (
            "process where true",
            json!({"event.category": "file"}),
            false,
        ),
        (
            "process where true",
            json!({"event.category": ["file", "process"]}),
            true,
        ),
        (
            "process where true",
            json!({"event.category": "Process"}),
            false,
        ),
        ("process where true", json!({}), false),
        ("any where true", json!({}), true),
        ("any where true", json!({"event.category": "x"}), true),
        (
            "\"my-cat\" where true",
            json!({"event.category": "my-cat"}),
            true,
        ),
        ("file where false", json!({"event.category": "file"}), false),
    ]);
}

#[test]
fn equality_is_case_sensitive_without_wildcards() {
    check_table(&[
        (
            "any where host.os.type == \"windows\"",
            json!({"host.os.type": "windows"}),
            true,
        ),
        (
            "any where host.os.type == \"windows\"",
            json!({"host.os.type": "Windows"}),
            false,
        ),
        ("any where a == \"c*\"", json!({"a": "cmd"}), false),
        ("any where a == \"c*\"", json!({"a": "c*"}), true),
        ("any where a == \"c?d\"", json!({"a": "cmd"}), false),
        ("any where a != \"x\"", json!({"a": "y"}), true),
        ("any where a != \"x\"", json!({"a": "x"}), false),
        ("any where a != \"x\"", json!({"a": "X"}), true),
        ("any where a == 4", json!({"a": 4}), true),
        ("any where a == 4", json!({"a": "4"}), true),
        ("any where a == 4", json!({"a": 4.0}), true),
        ("any where a == 4.5", json!({"a": 4.5}), true),
        ("any where a == 4", json!({"a": 5}), false),
        ("any where a == \"4624\"", json!({"a": 4624}), true),
        ("any where a == true", json!({"a": true}), true),
        ("any where a == true", json!({"a": false}), false),
        ("any where a == false", json!({"a": false}), true),
        ("any where a == true", json!({"a": "true"}), true),
        ("any where \"x\" == a", json!({"a": "x"}), true),
    ]);
}

#[test]
fn ordering() {
    check_table(&[
        ("any where a < 5", json!({"a": 4}), true),
        ("any where a < 5", json!({"a": 5}), false),
        ("any where a <= 5", json!({"a": 5}), true),
        ("any where a > 5", json!({"a": 5.5}), true),
        ("any where a >= 5", json!({"a": 4}), false),
        ("any where 5 > a", json!({"a": 4}), true),
        ("any where 5 > a", json!({"a": 6}), false),
        ("any where a > \"b\"", json!({"a": "c"}), true),
        ("any where a > \"b\"", json!({"a": "B"}), false),
        ("any where a > 1", json!({"a": "10"}), true),
        ("any where a > 1", json!({}), false),
        ("any where not a > 1", json!({}), true),
        ("any where a > 1", json!({"a": [0, 3]}), true),
    ]);
}

#[test]
fn seq_operator_is_insensitive_with_wildcards_and_lists() {
    check_table(&[
        ("any where a : \"cmd.exe\"", json!({"a": "CMD.EXE"}), true),
        (
            "any where a : \"cmd.exe\"",
            json!({"a": "cmd.exe.bak"}),
            false,
        ),
        (
            "any where a : \"*.EXE\"",
            json!({"a": "c:\\x\\b.exe"}),
            true,
        ),
        (
            "any where a : \"c:\\\\windows\\\\*\"",
            json!({"a": "C:\\Windows\\x.dll"}),
            true,
        ),
        (
            "any where a : \"c:\\\\windows\\\\*\"",
            json!({"a": "D:\\Windows\\x.dll"}),
            false,
        ),
        ("any where a : \"doc?\"", json!({"a": "DOCS"}), true),
        ("any where a : \"doc?\"", json!({"a": "doc"}), false),
        ("any where a : \"?doc\"", json!({"a": "asciidoc"}), false),
        ("any where a : (\"x\", \"y*\")", json!({"a": "Yes"}), true),
        ("any where a : (\"x\", \"y*\")", json!({"a": "no"}), false),
        ("any where a : \"*\"", json!({"a": ""}), true),
        ("any where a : \"*\"", json!({}), false),
        ("any where a : \"ß*\"", json!({"a": "ßx"}), true),
        ("any where a : \"é\"", json!({"a": "É"}), true),
        ("any where a : \"4624\"", json!({"a": 4624}), true),
    ]);
}

#[test]
fn like_and_like_insensitive() {
    check_table(&[
        ("any where a like \"DOC*\"", json!({"a": "DOCUMENT"}), true),
        ("any where a like \"DOC*\"", json!({"a": "document"}), false),
        ("any where a like \"D?C\"", json!({"a": "DOC"}), true),
        ("any where a like \"D?C\"", json!({"a": "DISC"}), false),
        ("any where a like~ \"doc*\"", json!({"a": "DOCUMENT"}), true),
        (
            "any where a like~ (\"x*\", \"*ps1\")",
            json!({"a": "RUN.PS1"}),
            true,
        ),
        (
            "any where a like~ (\"x*\", \"*ps1\")",
            json!({"a": "run.bat"}),
            false,
        ),
        (
            "any where a like (\"x*\", \"*ps1\")",
            json!({"a": "RUN.PS1"}),
            false,
        ),
    ]);
}

#[test]
fn regex_whole_value() {
    check_table(&[
        (
            "any where a regex \"[24][0-9]{3}\"",
            json!({"a": "4624"}),
            true,
        ),
        (
            "any where a regex \"[24][0-9]{3}\"",
            json!({"a": "14624"}),
            false,
        ),
        ("any where a regex \"abc\"", json!({"a": "xabcx"}), false),
        ("any where a regex \".*abc.*\"", json!({"a": "xabcx"}), true),
        ("any where a regex \"abc\"", json!({"a": "ABC"}), false),
        ("any where a regex~ \"abc\"", json!({"a": "ABC"}), true),
        (
            "any where a regex~ (\"x\", \"a.c\")",
            json!({"a": "AbC"}),
            true,
        ),
        (
            "any where a regex \"\"\"C:\\\\Temp\\\\.*\\.exe\"\"\"",
            json!({"a": "C:\\Temp\\a.exe"}),
            true,
        ),
        (
            "any where a regex \"\"\"C:\\\\Temp\\\\.*\\.exe\"\"\"",
            json!({"a": "C:\\Temp\\a_exe"}),
            false,
        ),
        ("any where a regex \"\\\\w+\"", json!({"a": "abc_1"}), true),
        ("any where a regex \"\\\\d+\"", json!({"a": "12a"}), false),
    ]);
}

#[test]
fn lookups() {
    check_table(&[
        ("any where a in (\"x\", \"y\")", json!({"a": "y"}), true),
        ("any where a in (\"x\", \"y\")", json!({"a": "Y"}), false),
        ("any where a in (\"x*\")", json!({"a": "xyz"}), false),
        ("any where a in~ (\"x\", \"y\")", json!({"a": "Y"}), true),
        ("any where a in~ (\"x*\")", json!({"a": "xyz"}), false),
        ("any where a not in (\"x\", \"y\")", json!({"a": "z"}), true),
        (
            "any where a not in (\"x\", \"y\")",
            json!({"a": "x"}),
            false,
        ),
        ("any where a not in (\"x\", \"y\")", json!({}), true),
        (
            "any where a not in~ (\"x\", \"y\")",
            json!({"a": "X"}),
            false,
        ),
        (
            "any where a not in~ (\"x\", \"y\")",
            json!({"a": "Z"}),
            true,
        ),
        ("any where a in (1, 2, 3)", json!({"a": 2}), true),
        ("any where a in (1, 2, 3)", json!({"a": "3"}), true),
        ("any where a in (1, 2, 3)", json!({"a": 4}), false),
        ("any where a in (null, \"x\")", json!({}), true),
    ]);
}

#[test]
fn arrays_match_when_any_element_does() {
    let e = json!({
        "event.type": ["start", "process_started"],
        "process.args": ["cmd", "/c", "whoami"],
    });
    check_table(&[
        ("any where event.type == \"start\"", e.clone(), true),
        (
            "any where event.type == \"process_started\"",
            e.clone(),
            true,
        ),
        ("any where event.type == \"end\"", e.clone(), false),
        ("any where event.type != \"start\"", e.clone(), false),
        (
            "any where event.type in (\"end\", \"start\")",
            e.clone(),
            true,
        ),
        ("any where event.type : \"PROCESS_*\"", e.clone(), true),
        ("any where process.args : \"who*\"", e.clone(), true),
        ("any where process.args like \"/C\"", e.clone(), false),
        (
            "any where stringContains(process.args, \"oam\")",
            e.clone(),
            true,
        ),
        (
            "any where startsWith~(process.args, \"WHO\")",
            e.clone(),
            true,
        ),
        ("any where endsWith(process.args, \"x\")", e.clone(), false),
        ("any where length(process.args) == 6", e.clone(), true),
        (
            "any where event.type == null",
            json!({"event.type": []}),
            true,
        ),
        (
            "any where event.type != null",
            json!({"event.type": []}),
            false,
        ),
    ]);
}

#[test]
fn missing_and_null() {
    check_table(&[
        ("any where a == \"x\"", json!({}), false),
        ("any where not a == \"x\"", json!({}), true),
        ("any where not (a == \"x\")", json!({"a": null}), true),
        ("any where a != \"x\"", json!({}), true),
        ("any where a != \"x\"", json!({"a": null}), true),
        ("any where a == null", json!({}), true),
        ("any where a == null", json!({"a": null}), true),
        ("any where a == null", json!({"a": ""}), false),
        ("any where a != null", json!({}), false),
        ("any where a != null", json!({"a": null}), false),
        ("any where a != null", json!({"a": 0}), true),
        ("any where ?a != null", json!({"a": "v"}), true),
        ("any where ?a == null", json!({"a": "v"}), false),
        ("any where a : \"x*\"", json!({}), false),
        ("any where not a : \"x*\"", json!({}), true),
        ("any where not a like~ \"x*\"", json!({"a": null}), true),
        ("any where a < 3", json!({}), false),
        ("any where not startsWith(a, \"x\")", json!({}), true),
        ("any where startsWith(a, \"x\")", json!({}), false),
        (
            "any where `my field` == \"v\"",
            json!({"my field": "v"}),
            true,
        ),
        (
            "any where `process.Ext.effective_parent.name` : \"x\"",
            json!({"process.Ext.effective_parent.name": "X"}),
            true,
        ),
        ("any where a.`b-c` == 1", json!({"a.b-c": 1}), true),
        ("any where a.`b-c` == 1", json!({"a.b-c": 2}), false),
        ("any where a == true", json!({}), false),
        ("any where not a == true", json!({}), true),
    ]);
}

#[test]
fn boolean_logic_and_precedence() {
    check_table(&[
        (
            "any where a == 1 or b == 1 and c == 1",
            json!({"a": 1}),
            true,
        ),
        (
            "any where (a == 1 or b == 1) and c == 1",
            json!({"a": 1}),
            false,
        ),
        (
            "any where not a == 1 and b == 1",
            json!({"a": 2, "b": 1}),
            true,
        ),
        (
            "any where not (a == 1 and b == 1)",
            json!({"a": 1, "b": 1}),
            false,
        ),
        ("any where not not a == 1", json!({"a": 1}), true),
        ("any where true and not false", json!({}), true),
        (
            "any where a == 1 // trailing comment\n and b == 2",
            json!({"a": 1, "b": 2}),
            true,
        ),
        (
            "any where /* block /* nested */ comment */ a == 1",
            json!({"a": 2}),
            false,
        ),
    ]);
}

#[test]
fn arithmetic() {
    check_table(&[
        ("any where a + 1 == 5", json!({"a": 4}), true),
        ("any where a - 1 == 5", json!({"a": 4}), false),
        ("any where a * 2 == 8", json!({"a": 4}), true),
        ("any where a / 3 == 1", json!({"a": 4}), true),
        ("any where a / 3.0 > 1.3", json!({"a": 4}), true),
        ("any where a % 3 == 1", json!({"a": 4}), true),
        ("any where -a == -4", json!({"a": 4}), true),
        ("any where a + 2 * 3 == 10", json!({"a": 4}), true),
        ("any where (a + 2) * 3 == 10", json!({"a": 4}), false),
        ("any where a / 0 == 1", json!({"a": 4}), false),
        ("any where a + 1 == 5", json!({}), false),
        ("any where length(a) - 1 > 2", json!({"a": "abcd"}), true),
    ]);
}

#[test]
fn strings_and_escapes() {
    check_table(&[
        ("any where a == \"x\\\"y\"", json!({"a": "x\"y"}), true),
        ("any where a == \"x\\\\y\"", json!({"a": "x\\y"}), true),
        ("any where a == \"x\\ty\\n\"", json!({"a": "x\ty\n"}), true),
        (
            "any where a == \"\\u{200f}\"",
            json!({"a": "\u{200f}"}),
            true,
        ),
        (
            "any where a == \"\"\"raw \\ \" string\"\"\"",
            json!({"a": "raw \\ \" string"}),
            true,
        ),
        (
            "any where a == \"\"\"raw \\n\"\"\"",
            json!({"a": "raw \n"}),
            false,
        ),
    ]);
}
