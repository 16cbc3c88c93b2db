//! The detector: rules compiled for one format through its pipeline, evaluated over records.

use std::path::Path;

use detsim_generators::{Format, Record};
use rsigma_eval::{CompiledRule, EvaluationResult, compile_rule};
use serde::Serialize;
use serde_json::Value;

use crate::error::DetectError;
use crate::event::RecordEvent;
use crate::gate::{ADDED, Group, compile_groups};
use crate::pipeline::{FormatPipeline, Transformed, transform};
use crate::rules::SigmaRule;

/// The custom attribute that carries a rule's index in [`SigmaDetector::rules`] through rsigma.
const RULE_INDEX: &str = "detsim.rule_index";

/// One rule firing on one record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    pub rule_key: String,
    pub rule_id: Option<String>,
    pub title: String,
    pub level: Option<String>,
    /// The record fields (in the format's own names) whose values made the rule fire; the
    /// conditions the pipeline added (the logsource gate) are not listed.
    pub matched: Vec<(String, Value)>,
}

/// Whether and how a rule runs on the detector's format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Coverage {
    /// Compiled and evaluated on every record.
    Applicable,
    /// The rule's logsource is not what this format's records are; never evaluated here.
    NotApplicable { reason: String },
    /// The rule uses Sigma fields the format cannot express (the rule's own names); never
    /// evaluated here, as a SIEM backend would refuse to convert it.
    Unmappable { fields: Vec<String> },
    /// The pipeline or rsigma's compiler raised an error for this rule.
    Rejected { message: String },
}

/// A rule's [`Coverage`] on one format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleCoverage {
    pub rule_key: String,
    pub rule_id: Option<String>,
    #[serde(serialize_with = "format_name")]
    pub format: Format,
    #[serde(flatten)]
    pub coverage: Coverage,
}

fn format_name<S: serde::Serializer>(format: &Format, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(format.name())
}

#[derive(Clone, Debug)]
pub(crate) struct RuleEntry {
    pub rule: SigmaRule,
    pub coverage: Coverage,
    /// The rule after the pipeline, for explanations.
    pub transformed: Option<Box<rsigma_parser::SigmaRule>>,
}

/// Sigma rules compiled for ONE format through its processing pipeline.
pub struct SigmaDetector {
    format: Format,
    pipeline: FormatPipeline,
    groups: Vec<Group>,
    pub(crate) entries: Vec<RuleEntry>,
}

impl SigmaDetector {
    /// Compiles `rules` for `format`, through the user's pipeline file when one is given and
    /// through the bundled one otherwise.
    pub fn new(
        rules: &[SigmaRule],
        format: Format,
        pipeline: Option<&Path>,
    ) -> Result<SigmaDetector, DetectError> {
        let pipeline = match pipeline {
            Some(path) => FormatPipeline::from_file(path)?,
            None => FormatPipeline::bundled(format)?,
        };
        Ok(SigmaDetector::with_pipeline(rules, format, pipeline))
    }

    /// Compiles `rules` for `format` through an already loaded pipeline.
    pub fn with_pipeline(
        rules: &[SigmaRule],
        format: Format,
        pipeline: FormatPipeline,
    ) -> SigmaDetector {
        let mut entries = Vec::with_capacity(rules.len());
        let mut ready = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let (coverage, transformed) = match transform(pipeline.rsigma(), &rule.parsed) {
                Transformed::Ready(mut transformed) => {
                    let tag = yaml_serde::Value::from(index as u64);
                    transformed
                        .custom_attributes
                        .insert(RULE_INDEX.to_string(), tag);
                    ready.push((index, transformed.clone()));
                    (Coverage::Applicable, Some(transformed))
                }
                Transformed::NotApplicable(reason) => (Coverage::NotApplicable { reason }, None),
                Transformed::Unmappable(fields) => (Coverage::Unmappable { fields }, None),
                Transformed::Rejected(message) => (Coverage::Rejected { message }, None),
            };
            entries.push(RuleEntry {
                rule: rule.clone(),
                coverage,
                transformed,
            });
        }

        let (groups, rejected) = compile_groups(ready);
        for (index, message) in rejected {
            entries[index].coverage = Coverage::Rejected { message };
        }
        SigmaDetector {
            format,
            pipeline,
            groups,
            entries,
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn pipeline(&self) -> &FormatPipeline {
        &self.pipeline
    }

    /// The rules given to [`SigmaDetector::new`], in their order.
    pub fn rules(&self) -> impl Iterator<Item = &SigmaRule> {
        self.entries.iter().map(|entry| &entry.rule)
    }

    /// The alerts of every applicable rule that matches `record`.
    pub fn evaluate(&self, record: &Record) -> Vec<Alert> {
        let event = RecordEvent::new(record);
        let mut alerts = Vec::new();
        for group in &self.groups {
            if !group.gate_holds(&event) {
                continue;
            }
            self.collect_alerts(group.engine.evaluate(&event), &mut alerts);
        }
        alerts
    }

    fn collect_alerts(&self, results: Vec<EvaluationResult>, alerts: &mut Vec<Alert>) {
        for result in results {
            let Some(entry) = rule_index(&result.header.custom_attributes)
                .and_then(|index| self.entries.get(index))
            else {
                continue;
            };
            let matched = result
                .as_detection()
                .map(|body| {
                    body.matched_fields
                        .iter()
                        .filter(|field| {
                            let selection = field.selection.as_deref().unwrap_or_default();
                            !selection.starts_with(ADDED)
                        })
                        .map(|field| (field.field.clone(), field.value.clone()))
                        .collect()
                })
                .unwrap_or_default();
            alerts.push(Alert {
                rule_key: entry.rule.key.clone(),
                rule_id: entry.rule.id.clone(),
                title: entry.rule.title.clone(),
                level: entry.rule.level.clone(),
                matched,
            });
        }
    }

    /// Every rule's coverage on this detector's format, in rule order.
    pub fn coverage(&self) -> Vec<RuleCoverage> {
        self.entries
            .iter()
            .map(|entry| RuleCoverage {
                rule_key: entry.rule.key.clone(),
                rule_id: entry.rule.id.clone(),
                format: self.format,
                coverage: entry.coverage.clone(),
            })
            .collect()
    }

    /// Each applicable rule as the pipeline rewrote it (renamed fields, added gate conditions,
    /// changed logsource), with its key: what rsigma compiles and evaluates.
    pub fn transformed_rules(&self) -> Vec<(&str, &rsigma_parser::SigmaRule)> {
        self.entries
            .iter()
            .filter(|entry| entry.coverage == Coverage::Applicable)
            .filter_map(|entry| Some((entry.rule.key.as_str(), entry.transformed.as_deref()?)))
            .collect()
    }

    /// The record fields the applicable rules read, as the pipeline renamed them and with the
    /// conditions it added, so a reader may keep only those; `None` when a rule may read any
    /// field (a keyword search, an item without a field, a field reference).
    pub fn fields(&self) -> Option<std::collections::BTreeSet<String>> {
        let mut fields = std::collections::BTreeSet::new();
        for (_, rule) in self.transformed_rules() {
            for detection in rule.detection.named.values() {
                detection_fields(detection, &mut fields)?;
            }
        }
        Some(fields)
    }

    /// The entry of the rule with this key or Sigma id.
    pub(crate) fn entry(&self, name: &str) -> Result<&RuleEntry, DetectError> {
        self.entries
            .iter()
            .find(|entry| entry.rule.key == name)
            .or_else(|| self.entries.iter().find(|entry| entry.rule.is_named(name)))
            .ok_or_else(|| DetectError::UnknownRule(name.to_string()))
    }

    /// The compiled form of an applicable rule, with the pipeline's conditions in it.
    pub(crate) fn compiled(&self, entry: &RuleEntry) -> Option<CompiledRule> {
        compile_rule(entry.transformed.as_deref()?).ok()
    }
}

fn rule_index(attributes: &std::collections::HashMap<String, Value>) -> Option<usize> {
    attributes
        .get(RULE_INDEX)
        .and_then(Value::as_u64)
        .and_then(|index| usize::try_from(index).ok())
}

/// Adds the fields a detection reads; `None` when it may read any field.
fn detection_fields(
    detection: &rsigma_parser::Detection,
    fields: &mut std::collections::BTreeSet<String>,
) -> Option<()> {
    use rsigma_parser::{Detection, Modifier};
    match detection {
        Detection::AllOf(items) => {
            for item in items {
                if item.field.has_modifier(Modifier::FieldRef) {
                    return None;
                }
                fields.insert(item.field.name.clone()?);
            }
        }
        Detection::AnyOf(detections) | Detection::And(detections) => {
            for detection in detections {
                detection_fields(detection, fields)?;
            }
        }
        Detection::Keywords(_) => return None,
        // The array is kept whole; the body reads its members.
        Detection::ArrayMatch { field, .. } => {
            fields.insert(field.clone());
        }
        Detection::Conditional { named, .. } => {
            for detection in named.values() {
                detection_fields(detection, fields)?;
            }
        }
    }
    Some(())
}
