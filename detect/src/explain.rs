//! Readable explanations: field by field, why a rule fired or stayed quiet on one record.
//!
//! The verdict and every per-field reason come from rsigma's explain machinery, which walks the
//! compiled rule without short-circuiting; this module only lays the trace out as text.

use std::fmt::Write;

use detsim_generators::Record;
use rsigma_eval::{ConditionTrace, DetectionTrace, ItemTrace, MatchReason, explain_rule};

use crate::detector::{Coverage, SigmaDetector};
use crate::error::{DetectError, quote_list};
use crate::event::RecordEvent;
use crate::pipeline::apply::visit_items;

impl SigmaDetector {
    /// Explains, field by field, why the rule named `rule_key` (its key or Sigma id) fires or
    /// not on `record`. A rule that does not run on this format gets the reason instead.
    pub fn explain(&self, rule_key: &str, record: &Record) -> Result<String, DetectError> {
        let entry = self.entry(rule_key)?;
        let rule = &entry.rule;
        let mut out = String::new();
        let id = rule
            .id
            .as_deref()
            .map_or(String::new(), |id| format!(" ({id})"));
        let _ = writeln!(out, "rule `{}`{id}: {}", rule.key, rule.title);
        let _ = writeln!(
            out,
            "format {} through pipeline {} ({})",
            self.format(),
            self.pipeline().name,
            self.pipeline().source
        );

        let compiled = match &entry.coverage {
            Coverage::Applicable => self.compiled(entry),
            Coverage::NotApplicable { reason } => {
                let _ = writeln!(out, "verdict: not applicable, never evaluated: {reason}");
                return Ok(out);
            }
            Coverage::Unmappable { fields } => {
                let _ = writeln!(
                    out,
                    "verdict: unmappable, never evaluated: the format has no field for {}",
                    quote_list(fields)
                );
                return Ok(out);
            }
            Coverage::Rejected { message } => {
                let _ = writeln!(out, "verdict: rejected, never evaluated: {message}");
                return Ok(out);
            }
        };
        let Some(compiled) = compiled else {
            let _ = writeln!(out, "verdict: the rule did not compile");
            return Ok(out);
        };

        if let Some(transformed) = &entry.transformed {
            let pairs = field_pairs(&rule.parsed, transformed);
            if !pairs.is_empty() {
                let shown: Vec<String> = pairs
                    .iter()
                    .map(|(sigma, field)| format!("{sigma} -> {field}"))
                    .collect();
                let _ = writeln!(out, "fields: {}", shown.join(", "));
            }
        }

        let explanation = explain_rule(&compiled, &RecordEvent::new(record));
        let verdict = if explanation.matched {
            "fires"
        } else {
            "quiet"
        };
        let _ = writeln!(out, "verdict: {verdict}");
        for (index, condition) in explanation.conditions.iter().enumerate() {
            let text = rule.parsed.detection.condition_strings.get(index);
            let _ = writeln!(
                out,
                "condition `{}` and the pipeline's conditions: {}",
                text.map_or("", String::as_str),
                mark(condition.matched())
            );
            write_condition(&mut out, condition, 1);
        }
        Ok(out)
    }
}

/// The rule's field names beside the record fields the pipeline renamed them to, where the
/// pipeline kept each selection's shape (a one-to-many mapping changes it; those are skipped).
fn field_pairs(
    original: &rsigma_parser::SigmaRule,
    transformed: &rsigma_parser::SigmaRule,
) -> Vec<(String, String)> {
    let fields = |detection: &rsigma_parser::Detection| {
        let mut names = Vec::new();
        visit_items(detection, &mut |item| names.push(item.field.name.clone()));
        names
    };
    let mut selections: Vec<&String> = original.detection.named.keys().collect();
    selections.sort();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for name in selections {
        let Some(after) = transformed.detection.named.get(name) else {
            continue;
        };
        let (before, after) = (fields(&original.detection.named[name]), fields(after));
        if before.len() != after.len() {
            continue;
        }
        for (sigma, field) in before.into_iter().zip(after) {
            if let (Some(sigma), Some(field)) = (sigma, field)
                && !pairs.iter().any(|(known, _)| *known == sigma)
            {
                pairs.push((sigma, field));
            }
        }
    }
    pairs
}

fn mark(matched: bool) -> &'static str {
    if matched { "true" } else { "false" }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_condition(out: &mut String, trace: &ConditionTrace, depth: usize) {
    indent(out, depth);
    match trace {
        ConditionTrace::Selection {
            name,
            matched,
            detection,
        } => {
            let origin = if name.starts_with("__pipeline") {
                " (added by the pipeline)"
            } else {
                ""
            };
            let _ = writeln!(out, "{name}{origin}: {}", mark(*matched));
            match detection {
                // rsigma keeps a pipeline's added conditions in a hash map: sorted here so the
                // text is the same from run to run.
                DetectionTrace::AllOf { items, .. } if !origin.is_empty() => {
                    let mut items: Vec<&ItemTrace> = items.iter().collect();
                    items.sort_by(|a, b| a.field.cmp(&b.field));
                    for item in items {
                        write_item(out, item, depth + 1);
                    }
                }
                _ => write_detection(out, detection, depth + 1),
            }
        }
        ConditionTrace::And { matched, children } | ConditionTrace::Or { matched, children } => {
            let word = if matches!(trace, ConditionTrace::And { .. }) {
                "and"
            } else {
                "or"
            };
            let _ = writeln!(out, "{word}: {}", mark(*matched));
            for child in children {
                write_condition(out, child, depth + 1);
            }
        }
        ConditionTrace::Not { matched, child } => {
            let _ = writeln!(out, "not: {}", mark(*matched));
            write_condition(out, child, depth + 1);
        }
        ConditionTrace::Quantified {
            quantifier,
            matched,
            need,
            got,
            branches,
        } => {
            let _ = writeln!(
                out,
                "{quantifier} of ({got} of {} matched, {need} needed): {}",
                branches.len(),
                mark(*matched)
            );
            for branch in branches {
                indent(out, depth + 1);
                let _ = writeln!(out, "{}: {}", branch.name, mark(branch.matched));
                write_detection(out, &branch.detection, depth + 2);
            }
        }
    }
}

fn write_detection(out: &mut String, trace: &DetectionTrace, depth: usize) {
    match trace {
        DetectionTrace::AllOf { items, .. } => {
            for item in items {
                write_item(out, item, depth);
            }
        }
        DetectionTrace::AnyOf { matched, branches } | DetectionTrace::And { matched, branches } => {
            let word = if matches!(trace, DetectionTrace::AnyOf { .. }) {
                "any of"
            } else {
                "all of"
            };
            indent(out, depth);
            let _ = writeln!(out, "{word}: {}", mark(*matched));
            for branch in branches {
                write_detection(out, branch, depth + 1);
            }
        }
        DetectionTrace::Keywords { item, .. } => write_item(out, item, depth),
        DetectionTrace::ArrayMatch {
            field,
            quantifier,
            matched,
            member_count,
            matched_count,
            ..
        } => {
            indent(out, depth);
            let _ = writeln!(
                out,
                "{field}[{quantifier}]: {matched_count} of {member_count} members: {}",
                mark(*matched)
            );
        }
        DetectionTrace::Conditional { matched, condition } => {
            indent(out, depth);
            let _ = writeln!(out, "conditional: {}", mark(*matched));
            write_condition(out, condition, depth + 1);
        }
        DetectionTrace::Other { kind, matched } => {
            indent(out, depth);
            let _ = writeln!(out, "{kind}: {}", mark(*matched));
        }
    }
}

fn write_item(out: &mut String, item: &ItemTrace, depth: usize) {
    indent(out, depth);
    let field = item.field.as_deref().unwrap_or("(any field, keyword)");
    let matcher = serde_json::to_value(item.matcher)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default();
    let pattern = item
        .pattern
        .as_deref()
        .map_or(String::new(), |pattern| format!(" {pattern}"));
    let reason = match item.reason {
        MatchReason::Matched => "match",
        MatchReason::FieldAbsent => "no match: the record has no such field",
        MatchReason::ValueMismatch => "no match: value differs",
        MatchReason::CaseMismatch => "no match: value differs only in letter case",
        MatchReason::Existence => "no match: existence check failed",
        MatchReason::NoKeywordMatch => "no match: no string value contains it",
    };
    let actual = item
        .actual
        .as_ref()
        .map_or(String::new(), |value| format!(", record has {value}"));
    let _ = writeln!(out, "{field} {matcher}{pattern}: {reason}{actual}");
}
