//! Rule loading, keys, errors, lint and explanations.

use std::path::PathBuf;

use detsim_detect::{LintLevel, find_rule, lint_rules, load_sigma_rules, parse_sigma_rule};
use detsim_generators::Format;

use crate::bundled::bundled_rules;
use crate::records::{cmd_under, record};
use crate::{detector, rule};

#[test]
fn rules_are_found_by_key_and_by_id() {
    let rules = bundled_rules();
    assert_eq!(rules.len(), 2);
    let by_key = find_rule(&rules, "cmd-unusual-parent").unwrap();
    let by_id = find_rule(&rules, "4B991083-3D0E-44CE-8FC4-B254025D8D4B").unwrap();
    assert_eq!(by_key.key, by_id.key);
    assert_eq!(by_key.tags, ["attack.execution", "attack.t1059"]);
    assert!(find_rule(&rules, "cmd").is_none());
}

#[test]
fn bad_rules_get_errors_naming_the_file_and_the_problem() {
    let rows = [
        (
            "title: x\nlogsource:\n  category: [unclosed\n",
            "bad.yml:4:1: invalid yaml: did not find expected ',' or ']'",
        ),
        (
            "title: x\nlogsource:\n  category: process_creation\ndetection:\n  sel:\n    \
             Image|endswithh: a\n  condition: sel\n",
            "bad.yml:6:11: rsigma rejects the rule: Unknown modifier 'endswithh'",
        ),
        (
            "title: many\nid: 3e1d8c4a-7b6f-4e5d-9c8b-2a1f0e9d8c7b\ncorrelation:\n  type: \
             event_count\n  rules: [a]\n  group-by: [User]\n  timespan: 1m\n  condition:\n    \
             gte: 3\n",
            "unsupported: correlation rule `many`",
        ),
        ("# nothing\n", "bad.yml: no sigma rule in the file"),
    ];
    for (text, expected) in rows {
        let err = parse_sigma_rule(text, "bad.yml").unwrap_err().to_string();
        assert!(
            err.starts_with(expected) || err.contains(expected),
            "got `{err}`"
        );
    }
}

#[test]
fn directories_load_yml_and_yaml_files_and_report_the_bad_ones() {
    let dir = std::env::temp_dir().join(format!("detsim-detect-load-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let good = "title: a\nid: 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f\nlogsource:\n  category: \
                process_creation\n  product: windows\ndetection:\n  sel:\n    Image: x\n  \
                condition: sel\n";
    std::fs::write(dir.join("a.yml"), good).unwrap();
    std::fs::write(dir.join("sub/b.yaml"), good.replace("1c2d", "9c2d")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a rule").unwrap();
    std::fs::write(dir.join("c.yml"), good).unwrap();
    let (rules, errors) = load_sigma_rules(&[dir.clone(), PathBuf::from("/nonexistent.yml")]);
    std::fs::remove_dir_all(&dir).unwrap();

    let keys: Vec<&str> = rules.iter().map(|rule| rule.key.as_str()).collect();
    assert_eq!(keys, ["a", "b"]);
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].contains("c.yml: duplicate rule key `1c2d3e4f"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("/nonexistent.yml: cannot read"),
        "{messages:?}"
    );
}

#[test]
fn lint_reports_what_each_format_cannot_run() {
    let mut rules = bundled_rules();
    rules.extend(rule(
        "    selection:\n        Imagee|endswith: '\\cmd.exe'\n        Company: x\n    \
         condition: selection",
    ));
    let findings = lint_rules(&rules);
    let has = |key: &str, code: &str, text: &str| {
        findings
            .iter()
            .any(|f| f.rule_key == key && f.code == code && f.message.contains(text))
    };
    assert!(
        has("test-rule", "unknown-field", "did you mean `Image`?"),
        "{findings:#?}"
    );
    assert!(has(
        "test-rule",
        "unmappable-field",
        "unmappable on ecs: `Company`"
    ));
    assert!(has(
        "cmd-unusual-parent-sysmon",
        "not-applicable",
        "not applicable on ecs"
    ));
    let generic_problems = findings
        .iter()
        .filter(|f| f.rule_key == "cmd-unusual-parent" && f.level != LintLevel::Info)
        .count();
    assert_eq!(generic_problems, 0, "{findings:#?}");
}

#[test]
fn explain_walks_every_field() {
    let rules = bundled_rules();
    let detector = detector(&rules, Format::Ecs);
    let quiet = record(Format::Ecs, &cmd_under(r"C:\Windows\explorer.exe"));
    let text = detector.explain("cmd-unusual-parent", &quiet).unwrap();
    assert!(text.contains("verdict: quiet"), "{text}");
    assert!(text.contains("process.parent.executable"), "{text}");
    assert!(text.contains("no match: value differs"), "{text}");
    assert!(
        text.contains(r#"record has "C:\\Windows\\explorer.exe""#),
        "{text}"
    );

    let alert = record(Format::Ecs, &cmd_under(r"C:\Windows\System32\lsass.exe"));
    let text = detector
        .explain("4b991083-3d0e-44ce-8fc4-b254025d8d4b", &alert)
        .unwrap();
    assert!(text.contains("verdict: fires"), "{text}");

    let text = detector
        .explain("cmd-unusual-parent-sysmon", &alert)
        .unwrap();
    assert!(text.contains("verdict: not applicable"), "{text}");
    let err = detector.explain("nope", &alert).unwrap_err().to_string();
    assert_eq!(
        err,
        "unknown rule `nope`, expected a rule key or a sigma id of the loaded rules"
    );
}

#[test]
fn a_detector_names_the_fields_its_rules_read_through_the_pipeline() {
    let plain = rule(
        "    sel:\n        Image|endswith: '\\cmd.exe'\n        ParentImage: x\n    condition: sel",
    );
    let fields = detector(&plain, Format::Ecs).fields().unwrap();
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    // Sigma's names as the Elastic Defend pipeline renames them, and its gate's fields.
    for field in [
        "process.executable",
        "process.parent.executable",
        "event.category",
        "event.type",
    ] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    assert!(!fields.contains(&"Image"), "{fields:?}");

    // A keyword search may match any field: no projection.
    let keywords = rule("    keywords:\n        - whoami\n    condition: keywords");
    assert_eq!(detector(&keywords, Format::Ecs).fields(), None);
}
