//! Reports of test outcomes: the readable table, the outcome matrix that snapshots pin, and
//! machine formats for CI (JSON, JUnit XML).

mod junit;
mod matrix;
mod table;

pub use junit::junit;
pub use matrix::matrix;
pub use table::{summary_table, totals};

use serde::Serialize;

use crate::outcome::ScenarioOutcome;

/// The whole run as one JSON document.
pub fn json(outcomes: &[ScenarioOutcome]) -> String {
    #[derive(Serialize)]
    struct Report<'a> {
        passed: bool,
        scenarios: &'a [ScenarioOutcome],
        totals: Vec<table::Total>,
    }
    let report = Report {
        passed: outcomes.iter().all(ScenarioOutcome::passed),
        scenarios: outcomes,
        totals: totals(outcomes),
    };
    serde_json::to_string_pretty(&report).expect("outcomes serialize")
}
