//! detsim-detect's integration tests: Sigma semantics, bundled rules and pipelines on every
//! format, rule loading, explanations and stream evaluation.

mod bundled;
mod loading;
mod pipelines;
mod records;
mod rendered;
mod semantics;
mod snapshots;
mod stream;

use detsim_detect::{SigmaDetector, SigmaRule, parse_sigma_rule};
use detsim_generators::{Format, Record};

/// A process_creation rule with this detection block (indented as under `detection:`).
pub fn rule(detection: &str) -> Vec<SigmaRule> {
    let text = format!(
        "title: Test rule\nid: 0b4e6d1c-5f2a-4c3b-9d8e-7f6a5b4c3d2e\nlogsource:\n    \
         category: process_creation\n    product: windows\ndetection:\n{detection}\nlevel: low\n"
    );
    parse_sigma_rule(&text, "test-rule.yml").unwrap_or_else(|err| panic!("{err}\n{text}"))
}

pub fn detector(rules: &[SigmaRule], format: Format) -> SigmaDetector {
    SigmaDetector::new(rules, format, None).expect("bundled pipeline loads")
}

/// The keys of the rules that fire on the record.
pub fn fired(detector: &SigmaDetector, record: &Record) -> Vec<String> {
    detector
        .evaluate(record)
        .into_iter()
        .map(|alert| alert.rule_key)
        .collect()
}

#[test]
fn detectors_can_be_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<SigmaDetector>();
    shared::<SigmaRule>();
}
