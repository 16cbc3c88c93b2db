//! Applies a pipeline to one rule, turning pySigma's failure transformations into reports.
//!
//! rsigma's own `Pipeline::apply` stops with an error at a `rule_failure` or
//! `detection_item_failure`, and ignores a `detection_item_failure`'s `field_name_conditions`
//! (it fails on any detection item). detsim walks the items itself with rsigma's public
//! conditions and transformations: `rule_failure` makes the rule not applicable to the format,
//! with the item's message as the reason, and `detection_item_failure` collects the rule's
//! fields that the item's field-name and detection-item conditions select as unmappable.

use std::collections::HashMap;

use rsigma_eval::pipeline::{Transformation, TransformationItem, eval_condition_expr};
use rsigma_eval::{Pipeline, PipelineState};
use rsigma_parser::{Detection, DetectionItem, SigmaRule};

/// What a pipeline made of one rule.
#[derive(Clone, Debug)]
pub(crate) enum Transformed {
    /// The rewritten rule, ready to compile.
    Ready(Box<SigmaRule>),
    /// A `rule_failure` item applied; the text is its message.
    NotApplicable(String),
    /// `detection_item_failure` items selected these fields of the rule (its own names).
    Unmappable(Vec<String>),
    /// A transformation raised an error.
    Rejected(String),
}

pub(crate) fn transform(pipeline: &Pipeline, original: &SigmaRule) -> Transformed {
    let mut rule = original.clone();
    let mut state = PipelineState::new(pipeline.vars.clone());
    state.reset_rule();
    let mut unmappable: Vec<String> = Vec::new();

    for item in &pipeline.transformations {
        if !rule_conditions_match(item, &rule, &state) {
            continue;
        }
        state.reset_detection_item();
        let applied = match &item.transformation {
            Transformation::RuleFailure { message } => {
                return Transformed::NotApplicable(message.clone());
            }
            Transformation::DetectionItemFailure { .. } => {
                let fields = failing_fields(&rule, &state, item);
                let hit = !fields.is_empty();
                for field in fields {
                    if !unmappable.contains(&field) {
                        unmappable.push(field);
                    }
                }
                hit
            }
            other => match other.apply(
                &mut rule,
                &mut state,
                &item.detection_item_conditions,
                &item.field_name_conditions,
                item.field_name_cond_not,
            ) {
                Ok(applied) => applied,
                Err(err) => return Transformed::Rejected(err.to_string()),
            },
        };
        if applied && let Some(id) = &item.id {
            state.mark_applied(id);
        }
    }

    if unmappable.is_empty() {
        Transformed::Ready(Box::new(rule))
    } else {
        Transformed::Unmappable(unmappable)
    }
}

/// rsigma's rule-condition semantics: all conditions, or the item's expression over their ids
/// (unnamed conditions are `cond_0`, `cond_1`...).
fn rule_conditions_match(
    item: &TransformationItem,
    rule: &SigmaRule,
    state: &PipelineState,
) -> bool {
    if item.rule_conditions.is_empty() {
        return true;
    }
    let Some(expression) = &item.rule_cond_expr else {
        return item
            .rule_conditions
            .iter()
            .all(|named| named.condition.matches_rule(rule, state));
    };
    let results: HashMap<String, bool> = item
        .rule_conditions
        .iter()
        .enumerate()
        .map(|(index, named)| {
            let id = named.id.clone().unwrap_or_else(|| format!("cond_{index}"));
            (id, named.condition.matches_rule(rule, state))
        })
        .collect();
    eval_condition_expr(expression, &results)
}

/// The rule's field names that the failure item's conditions select, in rule order.
fn failing_fields(
    rule: &SigmaRule,
    state: &PipelineState,
    item: &TransformationItem,
) -> Vec<String> {
    let mut names: Vec<&String> = rule.detection.named.keys().collect();
    names.sort();
    let mut fields = Vec::new();
    for name in names {
        visit_items(&rule.detection.named[name], &mut |detection_item| {
            let Some(field) = detection_item.field.name.as_deref() else {
                return;
            };
            let conditions = &item.field_name_conditions;
            let all = conditions
                .iter()
                .all(|condition| condition.matches_field_name(field, state));
            let by_name = conditions.is_empty() || all != item.field_name_cond_not;
            let by_item = item
                .detection_item_conditions
                .iter()
                .all(|condition| condition.matches_item(detection_item, state));
            if by_name && by_item && !fields.iter().any(|f| f == field) {
                fields.push(field.to_string());
            }
        });
    }
    fields
}

/// Calls `visit` on every field-or-keyword item of a detection tree.
pub(crate) fn visit_items(detection: &Detection, visit: &mut dyn FnMut(&DetectionItem)) {
    match detection {
        Detection::AllOf(items) => {
            for item in items {
                visit(item);
            }
        }
        Detection::AnyOf(branches) | Detection::And(branches) => {
            branches
                .iter()
                .for_each(|branch| visit_items(branch, visit));
        }
        Detection::ArrayMatch { body, .. } => visit_items(body, visit),
        Detection::Conditional { named, .. } => {
            named.values().for_each(|branch| visit_items(branch, visit));
        }
        Detection::Keywords(_) => {}
    }
}
