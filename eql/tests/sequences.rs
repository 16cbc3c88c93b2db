//! Sequences, samples and pipes over time-ordered streams.

mod common;

use common::run;
use serde_json::{Value, json};

type Hits = Vec<Vec<usize>>;
type Timed<'a> = &'a [(i64, &'a str, &'a str)];
type Pairs<'a> = &'a [(&'a str, &'a str)];
type Times<'a> = &'a [(i64, &'a str)];

fn p(user: &str, name: &str) -> Value {
    json!({"event.category": "process", "user.name": user, "process.name": name})
}

fn tagged(tag: &str, host: &str) -> Value {
    json!({"event.category": "process", "tag": tag, "host.id": host})
}

#[test]
fn state_machine_per_key_as_elasticsearch_documents() {
    // The example of Elasticsearch's "How sequence queries handle matches".
    let events: Vec<(i64, Value)> = [
        ("root", "attrib"),
        ("root", "attrib"),
        ("elkbee", "bash"),
        ("root", "bash"),
        ("root", "bash"),
        ("elkbee", "attrib"),
        ("root", "attrib"),
        ("elkbee", "bash"),
        ("root", "cat"),
        ("elkbee", "cat"),
        ("root", "cat"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (u, n))| (i as i64, p(u, n)))
    .collect();
    let q = r#"sequence by user.name
        [process where process.name == "attrib"]
        [process where process.name == "bash"]
        [process where process.name == "cat"]"#;
    assert_eq!(run(q, &events), vec![vec![1, 3, 8], vec![5, 7, 9]]);
    assert_eq!(run(&format!("{q} | head 1"), &events), vec![vec![1, 3, 8]]);
    assert_eq!(run(&format!("{q} | tail 1"), &events), vec![vec![5, 7, 9]]);
    assert_eq!(
        run(&format!("{q} | tail 5 | head 0"), &events),
        Vec::<Vec<usize>>::new()
    );
}

#[test]
fn order_matters() {
    let q = "sequence by host.id [process where tag == \"a\"] [process where tag == \"b\"]";
    let table: &[(Timed<'_>, Hits)] = &[
        (&[(0, "a", "h"), (1, "b", "h")], vec![vec![0, 1]]),
        (&[(0, "b", "h"), (1, "a", "h")], vec![]),
        (&[(0, "a", "h"), (1, "b", "other")], vec![]),
        (
            &[(0, "a", "h"), (1, "a", "h"), (2, "b", "h")],
            vec![vec![1, 2]],
        ),
        (
            &[(0, "a", "h"), (1, "a", "g"), (2, "b", "g"), (3, "b", "h")],
            vec![vec![0, 3], vec![1, 2]],
        ),
    ];
    for (evs, want) in table {
        let events: Vec<(i64, Value)> =
            evs.iter().map(|(t, tag, h)| (*t, tagged(tag, h))).collect();
        assert_eq!(&run(q, &events), want, "{evs:?}");
    }
}

#[test]
fn maxspan_expires_partial_sequences() {
    let q = "sequence by host.id with maxspan=5s \
             [process where tag == \"a\"] [process where tag == \"b\"]";
    let table: &[(Times<'_>, Hits)] = &[
        (&[(0, "a"), (6, "b")], vec![]),
        (&[(0, "a"), (5, "b")], vec![vec![0, 1]]),
        (&[(0, "a"), (4, "b")], vec![vec![0, 1]]),
        (&[(0, "a"), (3, "a"), (7, "b")], vec![vec![1, 2]]),
        (&[(0, "a"), (100, "a"), (1000, "b")], vec![]),
    ];
    for (evs, want) in table {
        let events: Vec<(i64, Value)> = evs.iter().map(|(t, tag)| (*t, tagged(tag, "h"))).collect();
        assert_eq!(&run(q, &events), want, "{evs:?}");
    }
    for (unit, secs, hit) in [
        ("1500ms", 1, true),
        ("2m", 119, true),
        ("2m", 121, false),
        ("1h", 3600, true),
        ("1d", 86401, false),
    ] {
        let q = format!(
            "sequence with maxspan={unit} [process where tag == \"a\"] [process where tag == \"b\"]"
        );
        let events = vec![(0, tagged("a", "h")), (secs, tagged("b", "h"))];
        assert_eq!(!run(&q, &events).is_empty(), hit, "{unit} over {secs}s");
    }
}

#[test]
fn per_subquery_keys_and_optional_keys() {
    let q = r#"sequence by user.name
        [file where file.extension == "exe"] by file.path
        [process where true] by process.executable"#;
    let f = |u: &str, path: &str| {
        json!({
            "event.category": "file",
            "user.name": u,
            "file.extension": "exe",
            "file.path": path,
        })
    };
    let pr = |u: &str, exe: &str| {
        json!({
            "event.category": "process",
            "user.name": u,
            "process.executable": exe,
        })
    };
    assert_eq!(
        run(
            q,
            &[(0, f("bob", "C:\\x.exe")), (1, pr("bob", "C:\\x.exe"))]
        ),
        vec![vec![0, 1]]
    );
    assert_eq!(
        run(
            q,
            &[(0, f("bob", "C:\\x.exe")), (1, pr("bob", "C:\\y.exe"))]
        ),
        Vec::<Vec<usize>>::new()
    );
    assert_eq!(
        run(
            q,
            &[(0, f("bob", "C:\\x.exe")), (1, pr("eve", "C:\\x.exe"))]
        ),
        Vec::<Vec<usize>>::new()
    );
    // A missing required key keeps an event out; an optional key may be null.
    let missing = json!({"event.category": "process", "tag": "a"});
    let missing_b = json!({"event.category": "process", "tag": "b"});
    let strict = "sequence by host.id [process where tag == \"a\"] [process where tag == \"b\"]";
    let optional = "sequence by ?host.id [process where tag == \"a\"] [process where tag == \"b\"]";
    let evs = [(0, missing), (1, missing_b)];
    assert_eq!(run(strict, &evs), Vec::<Vec<usize>>::new());
    assert_eq!(run(optional, &evs), vec![vec![0, 1]]);
}

#[test]
fn until_drops_pending_sequences() {
    let q = r#"sequence by host.id
        [process where tag == "a"]
        [process where tag == "b"]
      until [process where tag == "c"]"#;
    let table: &[(&[&str], Vec<Vec<usize>>)] = &[
        (&["a", "b"], vec![vec![0, 1]]),
        (&["a", "b", "c"], vec![vec![0, 1]]),
        (&["a", "c", "b"], vec![]),
        (&["a", "c", "a", "b"], vec![vec![2, 3]]),
    ];
    for (tags, want) in table {
        let events: Vec<(i64, Value)> = tags
            .iter()
            .enumerate()
            .map(|(i, t)| (i as i64, tagged(t, "h")))
            .collect();
        assert_eq!(&run(q, &events), want, "{tags:?}");
    }
    let other_host = vec![
        (0, tagged("a", "h")),
        (1, tagged("c", "g")),
        (2, tagged("b", "h")),
    ];
    assert_eq!(run(q, &other_host), vec![vec![0, 2]]);
}

#[test]
fn runs_repeat_a_subquery() {
    let q = r#"sequence by host.id with maxspan=1m
        [process where tag == "fail"] with runs=3
        [process where tag == "ok"]"#;
    let table: &[(&[&str], Vec<Vec<usize>>)] = &[
        (&["fail", "fail", "ok"], vec![]),
        (&["fail", "fail", "fail", "ok"], vec![vec![0, 1, 2, 3]]),
        (
            &["fail", "fail", "fail", "fail", "ok"],
            vec![vec![1, 2, 3, 4]],
        ),
        (&["ok", "fail", "fail", "fail"], vec![]),
    ];
    for (tags, want) in table {
        let events: Vec<(i64, Value)> = tags
            .iter()
            .enumerate()
            .map(|(i, t)| (i as i64, tagged(t, "h")))
            .collect();
        assert_eq!(&run(q, &events), want, "{tags:?}");
    }
}

#[test]
fn missing_events() {
    let trailing = r#"sequence by host.id with maxspan=5m
        [process where tag == "a"]
       ![process where tag == "m"]"#;
    let middle = r#"sequence by host.id with maxspan=5m
        [process where tag == "a"]
       ![process where tag == "m"]
        [process where tag == "b"]"#;
    let leading = r#"sequence by host.id with maxspan=5m
       ![process where tag == "m"]
        [process where tag == "a"]
        [process where tag == "b"]"#;
    let table: &[(&str, Timed<'_>, Hits)] = &[
        (trailing, &[(0, "a", "h")], vec![vec![0]]),
        (trailing, &[(0, "a", "h"), (60, "m", "h")], vec![]),
        (
            trailing,
            &[(0, "a", "h"), (60, "m", "other")],
            vec![vec![0]],
        ),
        (trailing, &[(0, "a", "h"), (400, "m", "h")], vec![vec![0]]),
        (
            trailing,
            &[(0, "a", "h"), (400, "x", "h"), (500, "m", "h")],
            vec![vec![0]],
        ),
        (
            middle,
            &[(0, "a", "h"), (1, "m", "h"), (2, "b", "h")],
            vec![],
        ),
        (middle, &[(0, "a", "h"), (1, "b", "h")], vec![vec![0, 1]]),
        (
            middle,
            &[(0, "m", "h"), (1, "a", "h"), (2, "b", "h")],
            vec![vec![1, 2]],
        ),
        (
            middle,
            &[(0, "a", "h"), (1, "b", "h"), (2, "m", "h")],
            vec![vec![0, 1]],
        ),
        (
            leading,
            &[(0, "m", "h"), (1, "a", "h"), (2, "b", "h")],
            vec![],
        ),
        (
            leading,
            &[(0, "m", "h"), (400, "a", "h"), (401, "b", "h")],
            vec![vec![1, 2]],
        ),
        (leading, &[(1, "a", "h"), (2, "b", "h")], vec![vec![0, 1]]),
    ];
    for (q, evs, want) in table {
        let events: Vec<(i64, Value)> =
            evs.iter().map(|(t, tag, h)| (*t, tagged(tag, h))).collect();
        assert_eq!(&run(q, &events), want, "{q}\n{evs:?}");
    }
}

#[test]
fn samples_ignore_order() {
    let q = r#"sample by host.id
        [process where tag == "a"]
        [process where tag == "b"]"#;
    let table: &[(Pairs<'_>, Hits)] = &[
        (&[("a", "h"), ("b", "h")], vec![vec![0, 1]]),
        (&[("b", "h"), ("a", "h")], vec![vec![1, 0]]),
        (&[("a", "h"), ("b", "g")], vec![]),
        (
            &[("a", "h"), ("a", "g"), ("b", "g"), ("b", "h")],
            vec![vec![1, 2], vec![0, 3]],
        ),
        (
            &[("a", "h"), ("b", "h"), ("a", "h"), ("b", "h")],
            vec![vec![0, 1]],
        ),
    ];
    for (evs, want) in table {
        let events: Vec<(i64, Value)> = evs
            .iter()
            .enumerate()
            .map(|(i, (t, h))| (i as i64, tagged(t, h)))
            .collect();
        assert_eq!(&run(q, &events), want, "{evs:?}");
    }
}

#[test]
fn event_query_run_and_pipes() {
    let events: Vec<(i64, Value)> = (0..6)
        .map(|i| (i, tagged(if i % 2 == 0 { "a" } else { "b" }, "h")))
        .collect();
    let q = "process where tag == \"a\"";
    assert_eq!(run(q, &events), vec![vec![0], vec![2], vec![4]]);
    assert_eq!(
        run(&format!("{q} | head 2"), &events),
        vec![vec![0], vec![2]]
    );
    assert_eq!(
        run(&format!("{q} | tail 2"), &events),
        vec![vec![2], vec![4]]
    );
    assert_eq!(
        run(&format!("{q} | tail 2 | head 1"), &events),
        vec![vec![2]]
    );
    assert_eq!(run("file where true", &events), Vec::<Vec<usize>>::new());
    let seq =
        detsim_eql::Query::parse("sequence [process where true] [process where true]").unwrap();
    assert!(seq.is_sequence());
    assert!(!seq.matches(&common::ev(tagged("a", "h"))));
}
