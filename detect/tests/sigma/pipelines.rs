//! Pipelines: unmappable fields, not-applicable logsources, and users' own pipelines.

use detsim_detect::{Coverage, FormatPipeline, SigmaDetector};
use detsim_generators::Format;

use crate::records::{Proc, record};
use crate::{detector, fired, rule};

fn coverage_of(detection: &str, format: Format) -> Coverage {
    let rules = rule(detection);
    detector(&rules, format).coverage().remove(0).coverage
}

#[test]
fn unmappable_fields_are_reported_per_format() {
    let rows = [
        ("Company", Format::Ecs, true),
        ("Company", Format::Sysmon, false),
        ("Company", Format::Defender, false),
        ("CurrentDirectory", Format::Defender, true),
        ("CurrentDirectory", Format::Ecs, false),
        ("OriginalFileName", Format::SentinelOne, true),
        ("OriginalFileName", Format::SysmonJson, false),
        ("Hashes", Format::Ecs, true),
        ("ParentUser", Format::Ecs, true),
        ("sha256", Format::Sysmon, true),
    ];
    for (field, format, unmappable) in rows {
        let detection =
            format!("    selection:\n        {field}|contains: 'x'\n    condition: selection");
        let coverage = coverage_of(&detection, format);
        if unmappable {
            let expected = Coverage::Unmappable {
                fields: vec![field.to_string()],
            };
            assert_eq!(coverage, expected, "{field} on {format}");
        } else {
            assert_eq!(coverage, Coverage::Applicable, "{field} on {format}");
        }
    }
}

#[test]
fn an_unmappable_rule_is_never_evaluated() {
    let rules = rule(
        "    selection:\n        Image|endswith: '\\cmd.exe'\n    filter:\n        \
         Company: 'Evil Corp'\n    condition: selection and not filter",
    );
    let ecs = detector(&rules, Format::Ecs);
    assert!(fired(&ecs, &record(Format::Ecs, &Proc::default())).is_empty());
    let sysmon = detector(&rules, Format::Sysmon);
    assert_eq!(
        fired(&sysmon, &record(Format::Sysmon, &Proc::default())).len(),
        1
    );
}

#[test]
fn a_users_pipeline_replaces_the_bundled_one() {
    // A deliberately wrong mapping: the parent's path for Image. The rule then fires on the
    // parent, which is what a user validating a mapping needs to see.
    let text = "name: mine\ntransformations:\n  - id: map\n    type: field_name_mapping\n    \
                mapping:\n      Image: process.parent.executable\n";
    let pipeline = FormatPipeline::parse(text, "mine.yml").unwrap();
    let rules =
        rule("    selection:\n        Image|endswith: '\\explorer.exe'\n    condition: selection");
    let detector = SigmaDetector::with_pipeline(&rules, Format::Ecs, pipeline);
    assert_eq!(
        fired(&detector, &record(Format::Ecs, &Proc::default())).len(),
        1
    );
}

#[test]
fn pysigma_condition_keys_are_translated() {
    let text = "name: mine\ntransformations:\n  - id: gate\n    type: add_condition\n    \
                conditions:\n      event.category: process\n    rule_conditions:\n      \
                - type: logsource\n        category: process_creation\n  - id: refuse\n    \
                type: rule_failure\n    message: not mine\n    rule_conditions:\n      \
                - type: processing_item_applied\n        processing_item_id: gate\n    \
                rule_cond_not: true\n";
    let pipeline = FormatPipeline::parse(text, "mine.yml").unwrap();
    let rules = rule("    selection:\n        process.name: cmd.exe\n    condition: selection");
    let detector = SigmaDetector::with_pipeline(&rules, Format::Ecs, pipeline);
    assert_eq!(detector.coverage()[0].coverage, Coverage::Applicable);
}

#[test]
fn bad_pipelines_name_the_file_and_the_problem() {
    let rows = [
        ("name: [unclosed\n", "pipeline bad.yml:2:1: invalid yaml"),
        (
            "name: x\ntransformations:\n  - id: m\n    type: field_name_mapping\n    \
             mappings: {}\n",
            "pipeline bad.yml:3:5: transformation 1 `m`: unknown parameter `mappings` for \
             `field_name_mapping`; rsigma reads: mapping",
        ),
        (
            "name: x\ntransformations:\n  - type: set_state\n    key: a\n    val: b\n",
            "unknown parameter `val` for `set_state`; rsigma reads: key, value",
        ),
        (
            "name: x\ntransformations:\n  - type: drop_detection_item\n    \
             detection_item_cond_not: true\n",
            "`detection_item_cond_not` is a pySigma key that rsigma 0.23 does not implement",
        ),
        (
            "name: x\ntransformation: []\n",
            "pipeline bad.yml:2:1: unknown key `transformation`",
        ),
        (
            "name: x\ntransformations:\n  - type: nonsense\n",
            "unknown transformation type `nonsense`",
        ),
    ];
    for (text, expected) in rows {
        let err = FormatPipeline::parse(text, "bad.yml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "got `{err}`, expected `{expected}`");
    }
}

#[test]
fn a_missing_pipeline_file_is_an_error_naming_it() {
    let rules = rule("    selection:\n        Image: x\n    condition: selection");
    let err = SigmaDetector::new(&rules, Format::Ecs, Some("/nonexistent/p.yml".as_ref()))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("pipeline /nonexistent/p.yml: cannot read"),
        "{err}"
    );
}

#[test]
fn every_bundled_pipeline_loads_without_warnings() {
    for format in Format::ALL {
        let pipeline = FormatPipeline::bundled(format).unwrap();
        assert!(
            pipeline.warnings.is_empty(),
            "{format}: {:?}",
            pipeline.warnings
        );
    }
}

#[test]
fn defender_reads_well_known_logon_ids_in_decimal() {
    let rules = rule("    selection:\n        LogonId: '0x3e7'\n    condition: selection");
    for format in Format::ALL {
        let detector = detector(&rules, format);
        let fires = !fired(&detector, &record(format, &Proc::default())).is_empty();
        let coverage = detector.coverage().remove(0).coverage;
        if format == Format::SentinelOne {
            assert!(
                matches!(coverage, Coverage::Unmappable { .. }),
                "{coverage:?}"
            );
        } else {
            assert!(fires, "LogonId 0x3e7 on {format}");
        }
    }
}

#[test]
fn added_conditions_hold_negated_prepended_and_beside_selectors() {
    // The detector tests a pipeline's added conditions once per record; these rows pin that
    // the verdicts stay those of `rule and conditions`.
    let text = "name: gates\ntransformations:\n  - id: start\n    type: add_condition\n    \
                prepend: true\n    conditions:\n      event.type: start\n  - id: no_unknown\n    \
                type: add_condition\n    negated: true\n    conditions:\n      \
                process.parent.executable: '-'\n";
    let pipeline = FormatPipeline::parse(text, "gates.yml").unwrap();
    let mut rules = rule("    selection:\n        process.name: cmd.exe\n    condition: selection");
    rules.extend(crate::rule(
        "    sel_a:\n        process.name: cmd.exe\n    sel_b:\n        process.name: x.exe\n    \
         condition: 1 of sel_*",
    ));
    rules.extend(crate::rule(
        "    sel_a:\n        process.name: cmd.exe\n    condition: 1 of *",
    ));
    // Enough rules share the conditions for the detector to factor them out.
    for i in 0..8 {
        let detection =
            format!("    selection:\n        process.name: other{i}.exe\n    condition: selection");
        rules.extend(crate::rule(&detection));
    }
    let detector = SigmaDetector::with_pipeline(&rules, Format::Ecs, pipeline);
    let rows = [
        ("cmd.exe under explorer: all three fire", Proc::default(), 3),
        (
            "parent unknown: the negated condition holds them",
            crate::records::cmd_under("-"),
            0,
        ),
    ];
    for (name, proc, expected) in rows {
        let alerts = detector.evaluate(&record(Format::Ecs, &proc));
        assert_eq!(alerts.len(), expected, "{name}");
    }
    let mut network = record(Format::Ecs, &Proc::default());
    network.insert("event.type", serde_json::json!(["connection"]));
    assert!(
        detector.evaluate(&network).is_empty(),
        "event.type is not start: quiet"
    );
}

#[test]
fn pysigma_named_conditions_and_expressions_are_translated() {
    // pySigma's newer form: conditions as a mapping of names, combined by `rule_cond_expr`.
    let text = "name: mine\ntransformations:\n  - id: refuse\n    type: rule_failure\n    \
                message: only windows process creations\n    rule_conditions:\n      \
                proc:\n        type: logsource\n        category: process_creation\n      \
                win:\n        type: logsource\n        product: windows\n    \
                rule_cond_expr: not (proc and win)\n";
    let pipeline = FormatPipeline::parse(text, "mine.yml").unwrap();
    let mut rules = rule("    selection:\n        Image: x\n    condition: selection");
    let linux = "title: l\nlogsource:\n  category: process_creation\n  product: linux\n\
                 detection:\n  sel:\n    Image: x\n  condition: sel\n";
    rules.extend(detsim_detect::parse_sigma_rule(linux, "linux.yml").unwrap());
    let detector = SigmaDetector::with_pipeline(&rules, Format::Ecs, pipeline);
    let coverage: Vec<Coverage> = detector
        .coverage()
        .into_iter()
        .map(|c| c.coverage)
        .collect();
    assert_eq!(coverage[0], Coverage::Applicable);
    assert_eq!(
        coverage[1],
        Coverage::NotApplicable {
            reason: "only windows process creations".to_string()
        }
    );

    let unknown = text.replace("not (proc and win)", "not (proc and windows)");
    let err = FormatPipeline::parse(&unknown, "mine.yml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("names `windows`, which is no condition id"),
        "{err}"
    );
}
