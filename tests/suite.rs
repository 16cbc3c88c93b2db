//! The built-in suite as insta snapshots: one outcome matrix per bundled scenario, in
//! `snapshots/suite__<scenario>.snap`. A change to a rule, a pipeline, an ECS mapping, a
//! generator or a scenario shows up as a snapshot diff to review; a benign scenario's snapshot
//! shows zero alerts on purpose. Every expectation of every scenario must also hold.

use std::collections::BTreeSet;

use detsim::detect::FormatDetectors;
use detsim::outcome::run_scenario;
use detsim::report::matrix;
use detsim::review::snapshot_name;
use detsim::rules::RuleSet;
use detsim_generators::Format;

use crate::support::{root, with_snapshots};

#[test]
fn every_bundled_scenario_matches_its_outcome_snapshot() {
    let (scenarios, errors) = detsim::suite::scenarios(1);
    assert!(errors.is_empty(), "{errors:?}");
    let (rules, problems) = RuleSet::builtin();
    assert!(problems.is_empty(), "{problems:?}");
    let detectors: Vec<FormatDetectors> = Format::ALL
        .iter()
        .map(|&format| FormatDetectors::new(&rules, format, None).expect("bundled rules compile"))
        .collect();

    let mut expected = BTreeSet::new();
    let mut failures = Vec::new();
    for scenario in &scenarios {
        let outcome = run_scenario(scenario, 1, &detectors).expect("records read back");
        if !outcome.passed() {
            failures.push(format!("{}: {:#?}", outcome.scenario, outcome.failures));
        }
        let name = format!(
            "suite__{}",
            snapshot_name(&scenario.name).trim_end_matches(".txt")
        );
        with_snapshots(|| insta::assert_snapshot!(name.clone(), matrix(&outcome)));
        expected.insert(format!("{name}.snap"));
    }
    assert!(
        failures.is_empty(),
        "failed expectations:\n{}",
        failures.join("\n")
    );
    assert_no_orphans("suite__", &expected);
}

/// Fails on snapshot files with `prefix` that no test produced (renamed or removed scenarios).
pub fn assert_no_orphans(prefix: &str, expected: &BTreeSet<String>) {
    let orphans: Vec<String> = std::fs::read_dir(root().join("snapshots"))
        .expect("snapshots directory")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(prefix) && name.ends_with(".snap"))
        .filter(|name| !expected.contains(name))
        .collect();
    assert!(
        orphans.is_empty(),
        "unreferenced snapshots, delete them: {orphans:?}"
    );
}
