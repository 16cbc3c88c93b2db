//! No panics on any input: every corpus query, truncated at many points, parses or errors.
//!
//! The corpus is Elastic's published detection rules (the TOML files of elastic/detection-rules),
//! which the repository does not carry: set `DETSIM_EQL_CORPUS` to a checkout's `rules/`
//! directory, or keep it at `../shared/corpus/elastic-eql` beside this repository. Without it the
//! corpus checks are skipped with a note.

use detsim_eql::{Query, Rule};
use std::path::{Path, PathBuf};

/// Where the corpus is: `DETSIM_EQL_CORPUS`, or the default beside the repository.
fn corpus() -> PathBuf {
    std::env::var_os("DETSIM_EQL_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/elastic-eql"),
        PathBuf::from,
    )
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
}

fn cut_points(q: &str) -> Vec<usize> {
    let mut cuts: Vec<usize> = (1..12).map(|k| q.len() * k / 12).collect();
    cuts.extend([1, 2, 3, q.len().saturating_sub(1)]);
    cuts.retain(|&c| c <= q.len());
    cuts.into_iter()
        .map(|mut c| {
            while !q.is_char_boundary(c) {
                c -= 1;
            }
            c
        })
        .collect()
}

#[test]
fn truncated_corpus_queries_error_without_panicking() {
    let corpus = corpus();
    if !corpus.is_dir() {
        println!(
            "note: {} is absent, skipping the corpus truncation test",
            corpus.display()
        );
        return;
    }
    let mut files = Vec::new();
    walk(&corpus, &mut files);
    assert!(!files.is_empty());
    let mut tried = 0;
    for f in &files {
        let rule = Rule::load(f).unwrap_or_else(|e| panic!("{e}"));
        let q = &rule.query_text;
        for cut in cut_points(q) {
            let _ = Query::parse(&q[..cut]);
            let _ = Query::parse(&q[cut..]);
            tried += 2;
        }
    }
    println!("parsed {tried} truncated queries without a panic");
}

#[test]
fn odd_inputs_error_without_panicking() {
    let deep = format!("any where {}a == 1{}", "(".repeat(5000), ")".repeat(5000));
    let nots = format!("any where {}a == 1", "not ".repeat(5000));
    let minus = format!("any where {}1 == a", "-".repeat(5000));
    let inputs = [
        "",
        " ",
        "\"",
        "\"\"\"",
        "`",
        "/*",
        "//",
        "any",
        "any where",
        "any where (",
        "any where a :",
        "any where a : (",
        "any where a in (",
        "any where f(",
        "any where f~",
        "sequence",
        "sequence by",
        "sequence [",
        "sequence ![",
        "sample by",
        "any where a | head -1",
        "any where \"\\u{110000}\" == a",
        "any where \"\\u{zz}\" == a",
        "any where 99999999999999999999 == a",
        "any where 1e999 == a",
        "any where a regex \"[\"",
        "any where ?",
        "any where a.",
        "any where `a",
        "é where true",
        "any where a == \"é",
        "any where a == \"\\",
        "\"\\u{",
        "sequence with maxspan = 5 m [a where true] [b where true]",
        "sequence with maxspan=99999999999d [a where true] [b where true]",
        deep.as_str(),
        nots.as_str(),
        minus.as_str(),
    ];
    for i in inputs {
        let _ = Query::parse(i);
    }
}

/// Every corpus query evaluated over assorted records (arrays, nulls, numbers, odd strings):
/// no panics, and event queries agree between `matches` and `run`.
#[test]
fn corpus_queries_evaluate_without_panicking() {
    let corpus = corpus();
    if !corpus.is_dir() {
        println!(
            "note: {} is absent, skipping the corpus evaluation test",
            corpus.display()
        );
        return;
    }
    let mut files = Vec::new();
    walk(&corpus, &mut files);
    let cats = [
        "process",
        "file",
        "network",
        "registry",
        "library",
        "authentication",
        "iam",
    ];
    let values = [
        serde_json::json!("cmd.exe"),
        serde_json::json!("C:\\Windows\\System32\\rundll32.exe"),
        serde_json::json!(["start", "process_started"]),
        serde_json::json!(null),
        serde_json::json!(4624),
        serde_json::json!(-1.5),
        serde_json::json!(true),
        serde_json::json!("10.1.2.3"),
        serde_json::json!(["a", null, 3]),
        serde_json::json!("é\u{200f}"),
        serde_json::json!(""),
    ];
    let mut events = Vec::new();
    for (i, cat) in cats.iter().enumerate() {
        for (j, v) in values.iter().enumerate() {
            let mut m = serde_json::Map::new();
            m.insert("event.category".into(), serde_json::json!(cat));
            for f in FIELDS {
                let pick = &values[(i + j + f.len()) % values.len()];
                m.insert((*f).into(), pick.clone());
            }
            m.insert("process.name".into(), v.clone());
            events.push(m);
        }
    }
    for f in &files {
        let rule = Rule::load(f).unwrap_or_else(|e| panic!("{e}"));
        let hits = rule.query.run(
            events
                .iter()
                .enumerate()
                .map(|(i, e)| (i as i64 * 1_000_000_000, e)),
        );
        if !rule.query.is_sequence() {
            let direct = events.iter().filter(|e| rule.query.matches(*e)).count();
            assert_eq!(hits.len(), direct, "{}", f.display());
        }
    }
}

const FIELDS: &[&str] = &[
    "host.os.type",
    "event.type",
    "event.action",
    "event.code",
    "process.args",
    "process.command_line",
    "process.executable",
    "process.parent.name",
    "process.parent.executable",
    "process.parent.args",
    "file.path",
    "file.name",
    "file.extension",
    "destination.ip",
    "source.ip",
    "registry.path",
    "registry.data.strings",
    "user.name",
    "host.id",
    "process.entity_id",
    "process.pid",
    "dll.name",
    "process.code_signature.trusted",
    "process.args_count",
];
