//! The outcome matrix of one scenario, as text: one row per chain event (and per noise event a
//! rule alerted on), one column per format and rule, then the counts. This is what snapshots
//! pin, so a change to a rule, a mapping or a generator shows up as a reviewed diff.

use std::fmt::Write;

use detsim_generators::model::{Verdict, file_name};

use crate::outcome::{Cell, ScenarioOutcome};
use crate::rules::language_name;

/// The matrix of one scenario.
pub fn matrix(outcome: &ScenarioOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario: {}", outcome.scenario);
    if !outcome.description.is_empty() {
        let _ = writeln!(out, "description: {}", outcome.description);
    }
    let _ = writeln!(
        out,
        "events: {} ({} chain, {} noise)",
        outcome.events,
        outcome.chain_events,
        outcome.events - outcome.chain_events
    );
    out.push_str("rules:\n");
    let tags = tags(outcome);
    for (tag, rule) in tags.iter().zip(&outcome.columns) {
        let _ = writeln!(
            out,
            "  {tag}  {} ({})  {}",
            rule.key,
            language_name(rule.language),
            rule.title
        );
    }
    for (f, format) in outcome.formats.iter().enumerate() {
        for (c, tag) in tags.iter().enumerate() {
            let status = &outcome.status[f][c];
            if !status.is_evaluated() {
                let _ = writeln!(out, "  {tag} on {format}: {}", status.describe());
            }
        }
    }
    out.push_str(
        "legend: A alert, . quiet, - rule not run on this format; \
         * known gap as expected (missed or false positive), ! not as expected\n\n",
    );

    let widths: Vec<usize> = outcome
        .formats
        .iter()
        .map(|f| f.name().len().max(tags.len() * 3 - 1))
        .collect();
    let labels: Vec<String> = outcome.rows.iter().map(label).collect();
    let label_width = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 72);
    let mut header = format!("{:<label_width$}", "event");
    let mut subheader = format!("{:<label_width$}", "");
    for (format, width) in outcome.formats.iter().zip(&widths) {
        let _ = write!(header, " | {:<width$}", format.name());
        let _ = write!(subheader, " | {:<width$}", tags.join(" "));
    }
    out.push_str(header.trim_end());
    out.push('\n');
    out.push_str(subheader.trim_end());
    out.push('\n');
    for (row, label) in outcome.rows.iter().zip(&labels) {
        let mut line = format!("{label:<label_width$}");
        for (cells, width) in row.cells.iter().zip(&widths) {
            let symbols: Vec<String> = cells.iter().map(symbol).collect();
            let _ = write!(line, " | {:<width$}", symbols.join(" "));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }

    out.push_str("\ncounts (TP FP FN TN):\n");
    for (f, format) in outcome.formats.iter().enumerate() {
        let parts: Vec<String> = tags
            .iter()
            .enumerate()
            .map(|(c, tag)| {
                if outcome.status[f][c].is_evaluated() {
                    let n = outcome.counts[f][c];
                    format!("{tag} {} {} {} {}", n.tp, n.fp, n.fn_, n.tn)
                } else {
                    format!("{tag} -")
                }
            })
            .collect();
        let _ = writeln!(out, "  {:<12} {}", format.name(), parts.join("   "));
    }
    for check in &outcome.count_checks {
        let _ = writeln!(
            out,
            "count {} on {}: {} (expected {}){}",
            check.rule,
            check.format,
            check.count,
            check.bounds,
            if check.ok { "" } else { " FAILED" }
        );
    }
    out
}

/// `step image < parent`, shortened to 72 characters.
fn label(row: &crate::outcome::Row) -> String {
    let parent = row.parent.as_deref().map_or("?", file_name);
    let label = format!("{} {} < {}", row.origin, file_name(&row.image), parent);
    if label.chars().count() <= 72 {
        return label;
    }
    let mut short: String = label.chars().take(71).collect();
    short.push('~');
    short
}

/// Short names for the rule columns: `E1`, `S1`, `S2`...
fn tags(outcome: &ScenarioOutcome) -> Vec<String> {
    let (mut eql, mut sigma) = (0, 0);
    outcome
        .columns
        .iter()
        .map(|rule| match rule.language {
            detsim_generators::model::Language::Eql => {
                eql += 1;
                format!("E{eql}")
            }
            detsim_generators::model::Language::Sigma => {
                sigma += 1;
                format!("S{sigma}")
            }
        })
        .collect()
}

/// Two characters per cell: the verdict and its mark.
fn symbol(cell: &Cell) -> String {
    let Some(fired) = cell.fired else {
        return "- ".into();
    };
    let verdict = if fired { 'A' } else { '.' };
    let mark = if !cell.ok {
        '!'
    } else if matches!(
        cell.expected,
        Some(Verdict::Missed | Verdict::FalsePositive)
    ) || cell.counted
    {
        '*'
    } else {
        ' '
    };
    format!("{verdict}{mark}")
}
