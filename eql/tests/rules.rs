//! Rule loading, and the bundled rule `rules/eql/cmd-unusual-parent.toml` over its cases.

mod common;

use common::ev;
use detsim_eql::{Rule, RuleError};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn bundled() -> Rule {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rules/eql/cmd-unusual-parent.toml");
    Rule::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn cmd(parent: &str, parent_args: Option<Value>) -> Value {
    let mut e = json!({
        "event.category": ["process"],
        "event.type": ["start", "process_started"],
        "host.os.type": "windows",
        "process.name": "cmd.exe",
        "process.parent.name": parent,
    });
    if let Some(a) = parent_args {
        e["process.parent.args"] = a;
    }
    e
}

#[test]
fn bundled_rule_metadata() {
    let r = bundled();
    assert_eq!(r.key, "cmd-unusual-parent");
    assert_eq!(
        r.rule_id.as_deref(),
        Some("3b47900d-e793-49e8-968f-c90dc3526aa1")
    );
    assert_eq!(r.name, "Unusual Parent Process for cmd.exe");
    assert_eq!(r.risk_score, Some(47));
    assert_eq!(r.severity.as_deref(), Some("medium"));
    assert_eq!(r.techniques, vec!["TA0002", "T1059"]);
    assert_eq!(r.index.len(), 6);
    assert!(!r.deprecated);
    assert!(!r.query.is_sequence());
    assert_eq!(r.timestamp_override.as_deref(), Some("event.ingested"));
}

#[test]
fn bundled_rule_cases() {
    let r = bundled();
    let clsid = "/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}";
    let mut windows_cap = cmd("lsass.exe", None);
    windows_cap["host.os.type"] = json!("Windows");
    let mut upper = cmd("SearchIndexer.EXE", None);
    upper["process.name"] = json!("CMD.EXE");
    let mut not_start = cmd("lsass.exe", None);
    not_start["event.type"] = json!(["end"]);
    let mut file_cat = cmd("lsass.exe", None);
    file_cat["event.category"] = json!("file");
    let rows: Vec<(&str, Value, bool)> = vec![
        ("unusual parent", cmd("lsass.exe", None), true),
        ("usual parent", cmd("explorer.exe", None), false),
        (
            "dllhost with the excluded CLSID",
            cmd(
                "dllhost.exe",
                Some(json!(["C:\\Windows\\system32\\DllHost.exe", clsid])),
            ),
            false,
        ),
        (
            "dllhost, CLSID in other case",
            cmd(
                "DllHost.exe",
                Some(json!(["dllhost.exe", clsid.to_lowercase()])),
            ),
            false,
        ),
        (
            "dllhost with other args",
            cmd(
                "dllhost.exe",
                Some(json!([
                    "dllhost.exe",
                    "/Processid:{00000000-0000-0000-0000-000000000000}"
                ])),
            ),
            true,
        ),
        (
            "dllhost without parent args",
            cmd("dllhost.exe", None),
            true,
        ),
        (
            "dllhost with null parent args",
            cmd("dllhost.exe", Some(Value::Null)),
            true,
        ),
        ("Windows in host.os.type", windows_cap, false),
        ("CMD.EXE under SearchIndexer.EXE", upper, true),
        ("not a start", not_start, false),
        ("not a process event", file_cat, false),
    ];
    for (what, e, want) in rows {
        assert_eq!(r.query.matches(&ev(e)), want, "{what}");
    }
}

#[test]
fn toml_query_errors_point_into_the_file() {
    let text = "[metadata]\nmaturity = \"production\"\n\n[rule]\nname = \"x\"\nlanguage = \"eql\"\n\
                query = '''\nprocess where\n  process.name \"cmd.exe\"\n'''\n";
    let err = Rule::from_toml(text, Path::new("rules/x.toml")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rules/x.toml:9:16: expected a comparison operator after `process.name`, \
         found `\"cmd.exe\"`"
    );
    assert!(matches!(
        err,
        RuleError::Query {
            line: 9,
            column: 16,
            ..
        }
    ));
    let one_line =
        "[rule]\nname = \"x\"\nlanguage = \"eql\"\nquery = \"process where a | unique a\"\n";
    let err = Rule::from_toml(one_line, Path::new("y.toml")).unwrap_err();
    assert_eq!(err.to_string(), "y.toml:4:28: unsupported pipe `| unique`");
}

#[test]
fn non_eql_languages_are_refused_by_name() {
    for lang in ["kuery", "esql", "lucene"] {
        let text = format!("[rule]\nname = \"x\"\nlanguage = \"{lang}\"\nquery = \"a:b\"\n");
        let err = Rule::from_toml(&text, Path::new("k.toml")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("k.toml:3:12: rule language `{lang}` is not supported, only `eql`")
        );
    }
    let bad = Rule::from_toml("[rule\nname = 1", Path::new("b.toml")).unwrap_err();
    assert!(bad.to_string().starts_with("b.toml:1:"), "{bad}");
}

#[test]
fn toml_metadata_and_threats() {
    let text = r#"
[metadata]
maturity = "deprecated"

[rule]
name = "Deprecated thing"
rule_id = "abc"
language = "eql"
risk_score = 21
severity = "low"
index = ["logs-*"]
query = '''
file where file.name : "x"
'''

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1027"
name = "Obfuscated Files or Information"
[[rule.threat.technique.subtechnique]]
id = "T1027.013"
name = "Encrypted/Encoded File"
[rule.threat.tactic]
id = "TA0005"
name = "Defense Evasion"
"#;
    let r = Rule::from_toml(text, Path::new("dir/some_rule.toml")).unwrap();
    assert_eq!(r.key, "some_rule");
    assert!(r.deprecated);
    assert_eq!(r.techniques, vec!["TA0005", "T1027", "T1027.013"]);
    assert_eq!(r.query_text.trim(), "file where file.name : \"x\"");
}

#[test]
fn plain_eql_files() {
    let dir = std::env::temp_dir().join(format!("detsim-eql-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("my-rule.eql");
    std::fs::write(&good, "// a comment\nprocess where process.name : \"x\"\n").unwrap();
    let r = Rule::load(&good).unwrap();
    assert_eq!((r.key.as_str(), r.name.as_str()), ("my-rule", "my-rule"));
    assert!(r.query.matches(&ev(
        json!({"event.category": "process", "process.name": "X"})
    )));
    let bad = dir.join("bad.eql");
    std::fs::write(&bad, "process where\n  a = 1\n").unwrap();
    let e = Rule::load(&bad).unwrap_err().to_string();
    assert!(
        e.ends_with("bad.eql:2:5: `=` is not an EQL operator, use `==` or `:`"),
        "{e}"
    );
    let other = dir.join("x.yml");
    std::fs::write(&other, "x").unwrap();
    assert!(matches!(
        Rule::load(&other),
        Err(RuleError::Extension { .. })
    ));
    assert!(matches!(
        Rule::load(&dir.join("absent.eql")),
        Err(RuleError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn compiled_queries_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<detsim_eql::Query>();
    assert_send_sync::<Rule>();
}

#[test]
fn queries_list_the_fields_they_read() {
    let query = detsim_eql::Query::parse(
        r#"sequence by host.id [process where process.name : "cmd.exe" and
             startsWith(process.parent.name, "a")] [file where ?file.path != null]"#,
    )
    .unwrap();
    assert_eq!(
        query.fields(),
        [
            "file.path",
            "host.id",
            "process.name",
            "process.parent.name"
        ]
    );
}
