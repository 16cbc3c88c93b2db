//! Rule linting: problems a detection engineer should fix before trusting a rule's verdicts.
//!
//! rsigma's own linter runs on the rule's text (metadata, modifiers, conditions); detsim adds
//! what only it knows: fields unmappable or a logsource not applicable on some format, and field
//! names outside the process_creation taxonomy.

use detsim_generators::Format;
use serde::Serialize;

use crate::detector::{Coverage, SigmaDetector};
use crate::error::quote_list;
use crate::pipeline::{TAXONOMY_FIELDS, apply::visit_items};
use crate::rules::SigmaRule;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LintLevel {
    Error,
    Warning,
    Info,
}

/// One problem found in one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    pub rule_key: String,
    pub path: String,
    pub level: LintLevel,
    /// A stable short name (`missing-id`, `unmappable-field`, `rsigma:<lint rule>`...).
    pub code: String,
    pub message: String,
}

/// Lints every rule against every format's bundled pipeline.
pub fn lint_rules(rules: &[SigmaRule]) -> Vec<LintFinding> {
    let mut findings: Vec<LintFinding> = rules.iter().flat_map(lint_rule).collect();
    for format in [
        Format::Sysmon,
        Format::Ecs,
        Format::Defender,
        Format::SentinelOne,
    ] {
        let Ok(detector) = SigmaDetector::new(rules, format, None) else {
            continue;
        };
        for (rule, coverage) in rules.iter().zip(detector.coverage()) {
            let (level, code, message) = match coverage.coverage {
                Coverage::Applicable => continue,
                Coverage::NotApplicable { reason } => (
                    LintLevel::Info,
                    "not-applicable",
                    format!("not applicable on {format}: {reason}"),
                ),
                Coverage::Unmappable { fields } => (
                    LintLevel::Warning,
                    "unmappable-field",
                    format!("unmappable on {format}: {}", quote_list(&fields)),
                ),
                Coverage::Rejected { message } => (
                    LintLevel::Error,
                    "rejected",
                    format!("rejected on {format}: {message}"),
                ),
            };
            findings.push(finding(rule, level, code, message));
        }
    }
    findings
}

/// Lints one rule on its own (no format).
pub fn lint_rule(rule: &SigmaRule) -> Vec<LintFinding> {
    let mut findings = Vec::new();
    let parsed = &rule.parsed;
    if rule.title.trim().is_empty() {
        findings.push(finding(
            rule,
            LintLevel::Error,
            "missing-title",
            "no `title`".into(),
        ));
    }
    match &rule.id {
        None => findings.push(finding(
            rule,
            LintLevel::Warning,
            "missing-id",
            "no `id`: the rule can only be found by its file name".into(),
        )),
        Some(id) if !is_uuid(id) => findings.push(finding(
            rule,
            LintLevel::Warning,
            "id-not-uuid",
            format!("`id` \"{id}\" is not a UUID"),
        )),
        Some(_) => {}
    }

    let (category, product, _) = rule.logsource();
    let is_process_creation = category.is_some_and(|c| c.eq_ignore_ascii_case("process_creation"));
    if !is_process_creation && rule.logsource().2.is_none() {
        let shown = category.unwrap_or("(none)");
        findings.push(finding(
            rule,
            LintLevel::Warning,
            "logsource",
            format!(
                "logsource category `{shown}` is not process_creation: detsim simulates process \
                 creations only"
            ),
        ));
    }
    if product.is_some_and(|p| !p.eq_ignore_ascii_case("windows")) {
        findings.push(finding(
            rule,
            LintLevel::Warning,
            "logsource",
            format!(
                "logsource product `{}` is not windows",
                product.unwrap_or_default()
            ),
        ));
    }

    if is_process_creation {
        let mut unknown = Vec::new();
        for detection in parsed.detection.named.values() {
            visit_items(detection, &mut |item| {
                if let Some(field) = item.field.name.as_deref()
                    && !TAXONOMY_FIELDS.contains(&field)
                    && !unknown.iter().any(|known: &String| known == field)
                {
                    unknown.push(field.to_string());
                }
            });
        }
        unknown.sort();
        for field in unknown {
            let hint = closest_taxonomy_field(&field)
                .map_or(String::new(), |near| format!("; did you mean `{near}`?"));
            findings.push(finding(
                rule,
                LintLevel::Warning,
                "unknown-field",
                format!(
                    "`{field}` is not a process_creation taxonomy field: no pipeline maps it, \
                     so each format looks it up under that exact name{hint}"
                ),
            ));
        }
    }

    if let Ok(text) = std::fs::read_to_string(&rule.path) {
        for warning in rsigma_parser::lint_yaml_str(&text) {
            let level = match warning.severity {
                rsigma_parser::Severity::Error => LintLevel::Error,
                rsigma_parser::Severity::Warning => LintLevel::Warning,
                _ => LintLevel::Info,
            };
            let code = format!("rsigma:{}", warning.rule);
            let message = format!("{} (at {})", warning.message, warning.path);
            findings.push(finding(rule, level, &code, message));
        }
    }
    findings
}

fn finding(rule: &SigmaRule, level: LintLevel, code: &str, message: String) -> LintFinding {
    LintFinding {
        rule_key: rule.key.clone(),
        path: rule.path.clone(),
        level,
        code: code.to_string(),
        message,
    }
}

fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    groups.len() == 5
        && groups
            .iter()
            .zip(lengths)
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A taxonomy field within two edits of `field`, ignoring case.
fn closest_taxonomy_field(field: &str) -> Option<&'static str> {
    let lower = field.to_ascii_lowercase();
    TAXONOMY_FIELDS
        .iter()
        .map(|candidate| {
            (
                edit_distance(&lower, &candidate.to_ascii_lowercase()),
                *candidate,
            )
        })
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}
