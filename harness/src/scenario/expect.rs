//! Checking what steps expect of rules: verdicts, selectors and alert counts.

use detsim_generators::Format;
use detsim_generators::model::{Expectation, Language, Verdict};
use indexmap::IndexMap;
use serde_yaml::Value as Yaml;

use super::CountExpectation;
use super::check::Checker;
use super::error::did_you_mean;
use super::raw::RawCount;

/// The words an expectation may use, for messages.
const VERDICTS: &str = "`alert`, `quiet`, `missed` or `false-positive`";

impl Checker<'_> {
    /// `rule: alert`, or `rule: {all: alert, sysmon: quiet, eql/ecs: quiet, why: ...}`.
    pub(super) fn expectations(
        &mut self,
        path: &str,
        expect: IndexMap<String, Yaml>,
    ) -> Vec<Expectation> {
        let mut out = Vec::new();
        for (rule, spec) in expect {
            let rule_path = format!("{path}.{rule}");
            match spec {
                Yaml::String(text) => {
                    if let Some(verdict) = self.verdict(&rule_path, &text) {
                        out.push(Expectation { rule, verdict, format: None, language: None, reason: None });
                    }
                }
                Yaml::Mapping(map) => {
                    let reason = map.get("why").and_then(Yaml::as_str).map(str::to_string);
                    for (selector, verdict) in &map {
                        let Some(selector) = selector.as_str() else { continue };
                        if selector == "why" {
                            continue;
                        }
                        let entry_path = format!("{rule_path}.{selector}");
                        let Some(text) = verdict.as_str() else {
                            self.fail(
                                &entry_path,
                                format!("expected {VERDICTS}"),
                                None,
                            );
                            continue;
                        };
                        let Some(verdict) = self.verdict(&entry_path, text) else { continue };
                        if let Some((language, format)) = self.selector(&entry_path, selector) {
                            out.push(Expectation {
                                rule: rule.clone(),
                                verdict,
                                format,
                                language,
                                reason: reason.clone(),
                            });
                        }
                    }
                }
                _ => self.fail(
                    &rule_path,
                    "expected `alert`, `quiet`, `missed`, `false-positive`, or a mapping of selectors (`all`, a format, a language, `language/format`) to them".into(),
                    None,
                ),
            }
        }
        out
    }

    fn verdict(&mut self, path: &str, text: &str) -> Option<Verdict> {
        const ALL: [Verdict; 4] = [
            Verdict::Alert,
            Verdict::Quiet,
            Verdict::Missed,
            Verdict::FalsePositive,
        ];
        if let Some(verdict) = ALL.into_iter().find(|v| v.name() == text) {
            return Some(verdict);
        }
        let hint = did_you_mean(text, ALL.map(Verdict::name));
        self.fail(
            path,
            format!("invalid expectation `{text}`: expected {VERDICTS}"),
            hint,
        );
        None
    }

    /// `all`, `sigma`, `eql`, a format name, or `language/format`.
    fn selector(
        &mut self,
        path: &str,
        selector: &str,
    ) -> Option<(Option<Language>, Option<String>)> {
        let language = |s: &str| match s {
            "sigma" => Some(Language::Sigma),
            "eql" => Some(Language::Eql),
            _ => None,
        };
        let format = |s: &str| s.parse::<Format>().ok().map(|f| f.name().to_string());
        let parsed = match selector.split_once('/') {
            None if selector == "all" => Some((None, None)),
            None => match (language(selector), format(selector)) {
                (Some(l), _) => Some((Some(l), None)),
                (_, Some(f)) => Some((None, Some(f))),
                _ => None,
            },
            Some((l, f)) => match (language(l), format(f)) {
                (Some(l), Some(f)) => Some((Some(l), Some(f))),
                _ => None,
            },
        };
        if parsed.is_none() {
            let mut candidates = vec![
                "all".to_string(),
                "sigma".into(),
                "eql".into(),
                "why".into(),
            ];
            candidates.extend(Format::ALL.iter().map(|f| f.name().to_string()));
            let hint = did_you_mean(selector, candidates.iter().map(String::as_str));
            self.fail(
                path,
                format!(
                    "invalid selector `{selector}`: expected `all`, `sigma`, `eql`, a format ({}), or `language/format`",
                    Format::names()
                ),
                hint,
            );
        }
        parsed
    }

    pub(super) fn count(&mut self, path: &str, raw: RawCount) -> Option<CountExpectation> {
        if raw.exactly.is_none() && raw.at_least.is_none() && raw.at_most.is_none() {
            self.fail(
                path,
                "a count expectation needs `exactly`, `at_least` or `at_most`".into(),
                None,
            );
            return None;
        }
        let format = match raw.format {
            None => None,
            Some(name) => match name.parse::<Format>() {
                Ok(format) => Some(format.name().to_string()),
                Err(error) => {
                    self.fail(&format!("{path}.format"), error.to_string(), None);
                    return None;
                }
            },
        };
        Some(CountExpectation {
            rule: raw.rule,
            format,
            language: raw.language,
            exactly: raw.exactly,
            at_least: raw.at_least,
            at_most: raw.at_most,
            reason: raw.why,
        })
    }
}
