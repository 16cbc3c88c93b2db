//! Outcomes: what each rule did with each event in each format, classified against what the
//! scenario expects, with the metrics and failures a report shows.
//!
//! For every (event, rule, format) the verdict is alert or quiet. The class (TP, FP, FN, TN)
//! comes from the expectation: `alert` and `missed` mark events the rule is meant to catch,
//! `quiet` and `false-positive` (and no expectation) events it is not. A judgement passes when
//! the verdict is the one expected, so a known gap is pinned: it passes while it lasts, it is
//! counted as FN or FP in the metrics, and it fails the day the rule's behaviour changes.

pub mod classify;
mod run;

use detsim_generators::Format;
use detsim_generators::model::Verdict;
use serde::Serialize;
use serde_json::Value;

pub use classify::Class;
pub use run::{RunError, run_scenario};

use crate::detect::Status;
use crate::rules::RuleInfo;
use crate::scenario::CountExpectation;

/// One cell of the outcome matrix: a rule on a format for one event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    /// `None` when the rule does not run on this format.
    pub fired: Option<bool>,
    pub expected: Option<Verdict>,
    pub class: Option<Class>,
    pub ok: bool,
    /// Covered by a count expectation rather than judged alone.
    pub counted: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<(String, Value)>,
}

/// An event shown in the matrix: every chain event, and noise events some rule alerted on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub seq: u64,
    pub host: String,
    /// The step id, or `noise:<activity>`.
    pub origin: String,
    pub image: String,
    pub parent: Option<String>,
    pub malicious: bool,
    /// `[format][column]`.
    pub cells: Vec<Vec<Cell>>,
}

/// Outcome counts of one rule on one format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub tp: u64,
    pub fp: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
    pub tn: u64,
}

impl Counts {
    pub fn add(&mut self, class: Class) {
        match class {
            Class::TruePositive => self.tp += 1,
            Class::FalsePositive => self.fp += 1,
            Class::FalseNegative => self.fn_ += 1,
            Class::TrueNegative => self.tn += 1,
        }
    }

    pub fn merge(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
        self.tn += other.tn;
    }

    /// TP / (TP + FP); `None` when the rule never fired.
    pub fn precision(&self) -> Option<f64> {
        let fired = self.tp + self.fp;
        (fired > 0).then(|| self.tp as f64 / fired as f64)
    }

    /// TP / (TP + FN); `None` when there was nothing to catch.
    pub fn recall(&self) -> Option<f64> {
        let positives = self.tp + self.fn_;
        (positives > 0).then(|| self.tp as f64 / positives as f64)
    }
}

/// A judgement that did not go as expected.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    pub scenario: String,
    pub seq: u64,
    pub origin: String,
    pub host: String,
    pub image: String,
    pub format: String,
    pub rule: String,
    pub expected: String,
    pub observed: String,
    pub message: String,
    /// The record's native identifier in that format.
    pub record_id: String,
    /// The fields that decided the verdict, with their values.
    pub fields: Vec<(String, Value)>,
    /// Why the rule decided as it did: Sigma's field by field, an EQL event query's clause by
    /// clause (none for sequences).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// A count expectation checked on one rule and format.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CountCheck {
    pub rule: String,
    pub format: String,
    pub bounds: String,
    pub count: u64,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Everything one scenario produced.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioOutcome {
    pub scenario: String,
    pub description: String,
    pub source: String,
    pub events: u64,
    pub chain_events: u64,
    #[serde(serialize_with = "format_names")]
    pub formats: Vec<Format>,
    #[serde(serialize_with = "column_labels")]
    pub columns: Vec<RuleInfo>,
    /// `[format][column]`: whether the rule runs there.
    #[serde(skip)]
    pub status: Vec<Vec<Status>>,
    pub rows: Vec<Row>,
    /// `[format][column]`.
    pub counts: Vec<Vec<Counts>>,
    pub failures: Vec<Failure>,
    pub count_checks: Vec<CountCheck>,
    /// Expectations naming rules that are not loaded.
    pub unknown_rules: Vec<String>,
}

impl ScenarioOutcome {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.count_checks.iter().all(|c| c.ok)
    }
}

fn format_names<S: serde::Serializer>(formats: &[Format], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(formats.iter().map(|f| f.name()))
}

fn column_labels<S: serde::Serializer>(columns: &[RuleInfo], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(columns.iter().map(RuleInfo::label))
}

/// Keeps the bounds of a count expectation for reports.
pub fn bounds(count: &CountExpectation) -> String {
    count.describe()
}
