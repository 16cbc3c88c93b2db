//! Sequence rules over multi-step scenarios: the harness runs EQL sequences over each format's
//! whole timeline and attributes a hit to the event that completes it.

use detsim::detect::FormatDetectors;
use detsim::outcome::run_scenario;
use detsim::rules::RuleSet;
use detsim::scenario::load_path;
use detsim_generators::Format;

use crate::support::root;

#[test]
fn a_sequence_rule_alerts_on_the_completing_event_where_its_join_fields_exist() {
    let dir = root().join("tests/fixtures/sequence");
    let (rules, problems) = RuleSet::load(&[dir.join("cmd-then-whoami.eql")]);
    assert!(problems.is_empty(), "{problems:?}");
    let scenario = load_path(&dir.join("shell-discovery.yaml"), 1)
        .unwrap()
        .remove(0);
    let detectors: Vec<FormatDetectors> = Format::ALL
        .iter()
        .map(|&f| FormatDetectors::new(&rules, f, None).unwrap())
        .collect();

    let outcome = run_scenario(&scenario, 1, &detectors).unwrap();
    assert!(outcome.passed(), "{:#?}", outcome.failures);

    let row = |origin: &str| outcome.rows.iter().find(|r| r.origin == origin).unwrap();
    let fired = |origin: &str| -> Vec<Option<bool>> {
        row(origin)
            .cells
            .iter()
            .map(|cells| cells[0].fired)
            .collect()
    };
    // sysmon, sysmon-json, ecs, defender, sentinelone
    let expected = vec![Some(true), Some(true), Some(true), Some(false), Some(true)];
    assert_eq!(fired("discovery"), expected);
    assert_eq!(
        fired("shell"),
        vec![Some(false); 5],
        "the first event does not carry the alert"
    );
    assert_eq!(fired("late-whoami"), vec![Some(false); 5], "beyond maxspan");
}
