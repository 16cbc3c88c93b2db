//! Factors the conditions a pipeline adds to every rule (its logsource gate) out of the rules,
//! so they are tested once per record instead of once per rule.
//!
//! rsigma's candidate index picks, for `selection and gate`, the most selective-looking witness,
//! and an exact gate such as `EventID: 1` beats `Image|endswith`: every process record then
//! becomes a candidate for every rule. Testing the shared gate once and indexing the rules
//! without it keeps the index useful; the verdicts are the same, as each rule is `rule and gate`.

use rsigma_eval::compiler::eval_condition;
use rsigma_eval::{CompiledRule, Engine, MatchDetailLevel, compile_rule};
use rsigma_parser::{ConditionExpr, Detection, SigmaRule};

use crate::event::RecordEvent;

/// Below this many rules sharing a gate, the rules keep their gate: testing it apart costs more
/// than the few rules it would spare (measured with `examples/bench.rs`).
const MIN_SHARED: usize = 8;

/// Rules compiled together, with the added conditions they share when those were factored out.
pub(crate) struct Group {
    gate: Option<CompiledRule>,
    pub engine: Engine,
}

impl Group {
    /// Whether the group's shared conditions hold on the record (always, without a gate).
    pub fn gate_holds(&self, event: &RecordEvent<'_>) -> bool {
        let Some(gate) = &self.gate else {
            return true;
        };
        // The condition alone, without building a match result: the gate holds on most records.
        let mut matched = Vec::new();
        gate.conditions
            .iter()
            .any(|condition| eval_condition(condition, &gate.detections, event, &mut matched))
    }
}

/// A rule, by its index in the detector, whole and split.
struct Pending {
    index: usize,
    whole: SigmaRule,
    split: Option<SigmaRule>,
}

/// Compiles rules (with their indices) into groups by shared gate. Returns the groups and the
/// rules rsigma could not compile, with its message.
pub(crate) fn compile_groups(
    ready: Vec<(usize, Box<SigmaRule>)>,
) -> (Vec<Group>, Vec<(usize, String)>) {
    // Rules grouped by gate key; the empty key holds rules kept whole.
    let mut keyed: Vec<(String, Option<CompiledRule>, Vec<Pending>)> = Vec::new();
    for (index, rule) in ready {
        let whole = *rule;
        let (key, gate, split) = match split(&whole) {
            Some(split) => match compile_rule(&split.gate) {
                Ok(gate) => (split.key, Some(gate), Some(split.rule)),
                Err(_) => (String::new(), None, None),
            },
            None => (String::new(), None, None),
        };
        let pending = Pending {
            index,
            whole,
            split,
        };
        match keyed.iter_mut().find(|(known, ..)| *known == key) {
            Some((_, _, rules)) => rules.push(pending),
            None => keyed.push((key, gate, vec![pending])),
        }
    }

    // Factored groups get an engine each; every rule kept whole shares one more engine, so a
    // record's fields are probed once for all of them.
    let mut groups = Vec::with_capacity(keyed.len());
    let mut rejected = Vec::new();
    let mut whole: Vec<(usize, &SigmaRule)> = Vec::new();
    for (_, gate, rules) in &keyed {
        if gate.is_none() || rules.len() < MIN_SHARED {
            whole.extend(rules.iter().map(|rule| (rule.index, &rule.whole)));
            continue;
        }
        let split: Vec<(usize, &SigmaRule)> = rules
            .iter()
            .map(|rule| (rule.index, rule.split.as_ref().unwrap_or(&rule.whole)))
            .collect();
        groups.push(Group {
            gate: gate.clone(),
            engine: engine(&split, &mut rejected),
        });
    }
    if !whole.is_empty() {
        groups.push(Group {
            gate: None,
            engine: engine(&whole, &mut rejected),
        });
    }
    (groups, rejected)
}

/// The prefix rsigma gives the detections an `add_condition` transformation creates.
pub(crate) const ADDED: &str = "__pipeline_cond_";

/// A transformed rule split into its own detection and the pipeline's added conditions.
pub(crate) struct Split {
    /// The rule without the added conditions.
    pub rule: SigmaRule,
    /// A rule made of the added conditions alone.
    pub gate: SigmaRule,
    /// Identifies gates with the same conditions, so rules can share one.
    pub key: String,
}

/// Splits `rule` when every one of its conditions is `core and added...`; `None` when it has no
/// added conditions or they cannot be factored out safely.
pub(crate) fn split(rule: &SigmaRule) -> Option<Split> {
    let mut cores = Vec::new();
    let mut gate_refs: Option<Vec<(String, bool)>> = None;
    for condition in &rule.detection.conditions {
        let (core, mut refs) = peel(condition);
        refs.sort();
        match &gate_refs {
            None => gate_refs = Some(refs),
            Some(known) if *known == refs => {}
            Some(_) => return None,
        }
        cores.push(core);
    }
    let refs = gate_refs.filter(|refs| !refs.is_empty())?;

    // A selector such as `1 of *` would see the added detections: leave such rules whole.
    let names: Vec<&str> = refs.iter().map(|(name, _)| name.as_str()).collect();
    if cores.iter().any(|core| selects_any(core, &names)) {
        return None;
    }

    let mut stripped = rule.clone();
    stripped.detection.conditions = cores;
    let mut gate = rule.clone();
    gate.detection.named.clear();
    let mut parts = Vec::new();
    let mut key_parts = Vec::new();
    for (name, negated) in &refs {
        let detection = stripped.detection.named.remove(name)?;
        key_parts.push(format!("{negated}:{}", canonical(&detection)));
        let reference = ConditionExpr::Identifier(name.clone());
        parts.push(if *negated {
            ConditionExpr::Not(Box::new(reference))
        } else {
            reference
        });
        gate.detection.named.insert(name.clone(), detection);
    }
    gate.detection.conditions = vec![ConditionExpr::And(parts)];
    key_parts.sort();
    Some(Split {
        rule: stripped,
        gate,
        key: key_parts.join("|"),
    })
}

fn engine(rules: &[(usize, &SigmaRule)], rejected: &mut Vec<(usize, String)>) -> Engine {
    let mut engine = Engine::new();
    // Matches name their selection, so alerts can leave the pipeline's added conditions out
    // whether or not they were factored; the detail is only built for matching rules.
    engine.set_match_detail(MatchDetailLevel::Summary);
    for (position, err) in engine.add_rules(rules.iter().map(|(_, rule)| *rule)) {
        rejected.push((rules[position].0, err.to_string()));
    }
    engine
}

/// Strips `... and __pipeline_cond_N` (or `and not`, or prepended) layers off a condition.
fn peel(condition: &ConditionExpr) -> (ConditionExpr, Vec<(String, bool)>) {
    let mut core = condition.clone();
    let mut refs = Vec::new();
    while let ConditionExpr::And(parts) = &core {
        if parts.len() != 2 {
            break;
        }
        let (added, rest) = match (added_ref(&parts[0]), added_ref(&parts[1])) {
            (None, Some(added)) => (added, parts[0].clone()),
            (Some(added), None) => (added, parts[1].clone()),
            _ => break,
        };
        refs.push(added);
        core = rest;
    }
    (core, refs)
}

/// `__pipeline_cond_N` or `not __pipeline_cond_N`, with the negation.
fn added_ref(expr: &ConditionExpr) -> Option<(String, bool)> {
    match expr {
        ConditionExpr::Identifier(name) if name.starts_with(ADDED) => Some((name.clone(), false)),
        ConditionExpr::Not(inner) => match inner.as_ref() {
            ConditionExpr::Identifier(name) if name.starts_with(ADDED) => {
                Some((name.clone(), true))
            }
            _ => None,
        },
        _ => None,
    }
}

fn selects_any(expr: &ConditionExpr, names: &[&str]) -> bool {
    match expr {
        ConditionExpr::And(parts) | ConditionExpr::Or(parts) => {
            parts.iter().any(|part| selects_any(part, names))
        }
        ConditionExpr::Not(inner) => selects_any(inner, names),
        ConditionExpr::Identifier(name) => names.contains(&name.as_str()),
        ConditionExpr::Selector { pattern, .. } => names
            .iter()
            .any(|name| pattern.matches_detection_name(name)),
    }
}

/// The detection's items as text, in a fixed order (rsigma builds them from a hash map).
fn canonical(detection: &Detection) -> String {
    match detection {
        Detection::AllOf(items) => {
            let mut items: Vec<String> = items.iter().map(|item| format!("{item:?}")).collect();
            items.sort();
            items.join(",")
        }
        other => format!("{other:?}"),
    }
}
