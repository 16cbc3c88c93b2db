//! The readable summary of a run: a table per rule and format with TP/FP/FN/TN, precision and
//! recall over every scenario, then every failed expectation with the fields that decided it.

use std::fmt::Write;

use serde::Serialize;

use crate::outcome::{Counts, ScenarioOutcome};

/// Totals of one rule on one format across the run.
#[derive(Clone, Debug, Serialize)]
pub struct Total {
    pub rule: String,
    pub format: String,
    #[serde(flatten)]
    pub counts: Counts,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

/// Counts summed over every scenario, per rule and format, in column order.
pub fn totals(outcomes: &[ScenarioOutcome]) -> Vec<Total> {
    let mut totals: Vec<Total> = Vec::new();
    for outcome in outcomes {
        for (c, rule) in outcome.columns.iter().enumerate() {
            for (f, format) in outcome.formats.iter().enumerate() {
                if !outcome.status[f][c].is_evaluated() {
                    continue;
                }
                let (rule, format) = (rule.label(), format.name().to_string());
                let index = match totals
                    .iter()
                    .position(|t| t.rule == rule && t.format == format)
                {
                    Some(index) => index,
                    None => {
                        totals.push(Total {
                            rule,
                            format,
                            counts: Counts::default(),
                            precision: None,
                            recall: None,
                        });
                        totals.len() - 1
                    }
                };
                totals[index].counts.merge(outcome.counts[f][c]);
            }
        }
    }
    for total in &mut totals {
        total.precision = total.counts.precision();
        total.recall = total.counts.recall();
    }
    totals
}

fn ratio(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.3}"))
}

/// The table, the failures and a one-line verdict.
pub fn summary_table(outcomes: &[ScenarioOutcome]) -> String {
    let mut out = String::new();
    let totals = totals(outcomes);
    let width = totals
        .iter()
        .map(|t| t.rule.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "{:<width$}  {:<11}  {:>6}  {:>6}  {:>6}  {:>8}  {:>9}  {:>6}",
        "rule", "format", "TP", "FP", "FN", "TN", "precision", "recall"
    );
    for t in &totals {
        let _ = writeln!(
            out,
            "{:<width$}  {:<11}  {:>6}  {:>6}  {:>6}  {:>8}  {:>9}  {:>6}",
            t.rule,
            t.format,
            t.counts.tp,
            t.counts.fp,
            t.counts.fn_,
            t.counts.tn,
            ratio(t.precision),
            ratio(t.recall)
        );
    }

    let failures: Vec<_> = outcomes.iter().flat_map(|o| &o.failures).collect();
    let failed_counts: Vec<_> = outcomes
        .iter()
        .flat_map(|o| o.count_checks.iter().filter(|c| !c.ok).map(move |c| (o, c)))
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nfailed expectations ({}):", failures.len());
        for f in &failures {
            let _ = writeln!(
                out,
                "  {} / {} (event {}, {}) on {}, {}: {}",
                f.scenario, f.origin, f.seq, f.image, f.format, f.rule, f.message
            );
            let _ = writeln!(out, "    record {}", f.record_id);
            if !f.fields.is_empty() {
                let fields: Vec<String> =
                    f.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = writeln!(out, "    fields: {}", fields.join(", "));
            }
            if let Some(explanation) = &f.explanation {
                for line in explanation.lines() {
                    let _ = writeln!(out, "    | {line}");
                }
            }
        }
    }
    if !failed_counts.is_empty() {
        let _ = writeln!(
            out,
            "\nfailed count expectations ({}):",
            failed_counts.len()
        );
        for (outcome, check) in &failed_counts {
            let _ = writeln!(
                out,
                "  {}: {} on {} alerted {} times on events without an expectation, expected {}",
                outcome.scenario, check.rule, check.format, check.count, check.bounds
            );
        }
    }
    let unknown: Vec<String> = outcomes
        .iter()
        .flat_map(|o| {
            o.unknown_rules
                .iter()
                .map(move |r| format!("{} ({})", r, o.scenario))
        })
        .collect();
    if !unknown.is_empty() {
        let _ = writeln!(
            out,
            "\nwarning: expectations name rules that are not loaded: {}",
            unknown.join(", ")
        );
    }

    let passed = outcomes.iter().filter(|o| o.passed()).count();
    let events: u64 = outcomes.iter().map(|o| o.events).sum();
    let _ = writeln!(
        out,
        "\n{} scenarios ({} events): {} passed, {} failed",
        outcomes.len(),
        events,
        passed,
        outcomes.len() - passed
    );
    out
}
