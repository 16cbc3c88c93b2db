//! Rules of both languages, loaded from files, directories or the built-in suite, and the
//! columns they make in reports: one per rule and language.
//!
//! A file's extension decides its language: `.yml`/`.yaml` are Sigma, `.toml` (Elastic
//! detection-rules) and `.eql` are EQL. A rule's key is its file name without the extension,
//! so the Sigma and EQL restatements of one detection can share a key and one expectation.

use std::fmt;
use std::path::{Path, PathBuf};

use detsim_detect::{SigmaRule, parse_sigma_rule};
use detsim_generators::model::Language;

use crate::suite;

/// A loaded rule as reports name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub key: String,
    pub id: Option<String>,
    pub title: String,
    pub language: Language,
    /// The file it came from (`builtin:rules/...` for the embedded suite).
    pub source: String,
    /// Ids and keys of the rules this one restates (Sigma `related` of type `derived` or
    /// `similar`): it answers to their expectations where an event does not name it directly.
    pub related: Vec<String>,
}

impl RuleInfo {
    /// Whether `name` (from an expectation or the command line) designates this rule.
    pub fn is_named(&self, name: &str) -> bool {
        detsim_detect::names_rule(name, &self.key, self.id.as_deref())
    }

    /// Whether `name` designates this rule or a rule it restates.
    pub fn answers_to(&self, name: &str) -> bool {
        self.is_named(name) || self.related.iter().any(|r| r.eq_ignore_ascii_case(name))
    }

    /// `cmd-unusual-parent (eql)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.key, language_name(self.language))
    }
}

/// The word for a rule language.
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::Sigma => "sigma",
        Language::Eql => "eql",
    }
}

/// A rule file that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleProblem {
    pub source: String,
    pub message: String,
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Loaders already name the file in most messages; do not repeat it.
        if self.message.starts_with(&self.source) {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.source, self.message)
        }
    }
}

/// Every loaded rule, Sigma and EQL.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub sigma: Vec<SigmaRule>,
    pub eql: Vec<detsim_eql::Rule>,
}

impl RuleSet {
    /// The rules bundled with detsim.
    pub fn builtin() -> (RuleSet, Vec<RuleProblem>) {
        let mut set = RuleSet::default();
        let mut problems = Vec::new();
        for file in suite::rule_files() {
            let source = format!("builtin:{}", file.path);
            set.add_text(file.text, &source, Path::new(&file.path), &mut problems);
        }
        (set, problems)
    }

    /// Rules from files and directories (recursively, in name order).
    pub fn load(paths: &[PathBuf]) -> (RuleSet, Vec<RuleProblem>) {
        let mut set = RuleSet::default();
        let mut problems = Vec::new();
        for file in rule_files(paths, &mut problems) {
            let source = file.display().to_string();
            match std::fs::read_to_string(&file) {
                Ok(text) => set.add_text(&text, &source, &file, &mut problems),
                Err(error) => problems.push(RuleProblem {
                    source,
                    message: format!("cannot read file: {error}"),
                }),
            }
        }
        (set, problems)
    }

    fn add_text(&mut self, text: &str, source: &str, path: &Path, problems: &mut Vec<RuleProblem>) {
        let problem = |message: String| RuleProblem {
            source: source.to_string(),
            message,
        };
        match path.extension().and_then(|e| e.to_str()) {
            Some("yml" | "yaml") => match parse_sigma_rule(text, source) {
                Ok(mut rules) => self.sigma.append(&mut rules),
                Err(error) => problems.push(problem(error.to_string())),
            },
            Some("toml") => match detsim_eql::Rule::from_toml(text, path) {
                Ok(rule) => self.eql.push(rule),
                Err(error) => problems.push(problem(error.to_string())),
            },
            Some("eql") => match detsim_eql::Rule::from_eql(text, path) {
                Ok(rule) => self.eql.push(rule),
                Err(error) => problems.push(problem(error.to_string())),
            },
            _ => problems.push(problem(
                "not a rule file: expected .yml or .yaml (Sigma), .toml or .eql (EQL)".into(),
            )),
        }
    }

    /// Keeps only the rules `names` designate (by key or id); the names that matched nothing.
    pub fn retain_named(&mut self, names: &[String]) -> Vec<String> {
        if names.is_empty() {
            return Vec::new();
        }
        let wanted = |info: &RuleInfo| names.iter().any(|n| info.is_named(n));
        let sigma_infos: Vec<RuleInfo> = self.sigma.iter().map(sigma_info).collect();
        let eql_infos: Vec<RuleInfo> = self.eql.iter().map(eql_info).collect();
        let unmatched = names
            .iter()
            .filter(|n| !sigma_infos.iter().chain(&eql_infos).any(|i| i.is_named(n)))
            .cloned()
            .collect();
        let mut keep = sigma_infos.iter().map(wanted);
        self.sigma.retain(|_| keep.next().unwrap_or(false));
        let mut keep = eql_infos.iter().map(wanted);
        self.eql.retain(|_| keep.next().unwrap_or(false));
        unmatched
    }

    /// One column per rule, sorted by key, EQL before Sigma.
    pub fn columns(&self) -> Vec<RuleInfo> {
        let mut columns: Vec<RuleInfo> = self
            .eql
            .iter()
            .map(eql_info)
            .chain(self.sigma.iter().map(sigma_info))
            .collect();
        columns.sort_by(|a, b| (&a.key, a.language).cmp(&(&b.key, b.language)));
        // A related id also brings the keys of the loaded rules that carry it.
        let ids: Vec<(String, String)> = columns
            .iter()
            .filter_map(|c| {
                c.id.clone()
                    .map(|id| (id.to_ascii_lowercase(), c.key.clone()))
            })
            .collect();
        for column in &mut columns {
            let mut keys: Vec<String> = ids
                .iter()
                .filter(|(id, _)| column.related.iter().any(|r| r.eq_ignore_ascii_case(id)))
                .map(|(_, key)| key.clone())
                .filter(|key| *key != column.key)
                .collect();
            column.related.append(&mut keys);
        }
        columns
    }

    pub fn is_empty(&self) -> bool {
        self.sigma.is_empty() && self.eql.is_empty()
    }
}

pub fn sigma_info(rule: &SigmaRule) -> RuleInfo {
    use rsigma_parser::RelationType;
    RuleInfo {
        key: rule.key.clone(),
        id: rule.id.clone(),
        title: rule.title.clone(),
        language: Language::Sigma,
        source: rule.path.clone(),
        related: rule
            .parsed()
            .related
            .iter()
            .filter(|r| {
                matches!(
                    r.relation_type,
                    RelationType::Derived | RelationType::Similar
                )
            })
            .map(|r| r.id.clone())
            .collect(),
    }
}

pub fn eql_info(rule: &detsim_eql::Rule) -> RuleInfo {
    RuleInfo {
        key: rule.key.clone(),
        id: rule.rule_id.clone(),
        title: rule.name.clone(),
        language: Language::Eql,
        source: rule
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        related: Vec::new(),
    }
}

/// The rule files under `paths`, sorted; unreadable paths are reported.
fn rule_files(paths: &[PathBuf], problems: &mut Vec<RuleProblem>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        let mut pending = vec![path.clone()];
        while let Some(next) = pending.pop() {
            if next.is_dir() {
                match std::fs::read_dir(&next) {
                    Ok(entries) => pending.extend(entries.filter_map(|e| e.ok()).map(|e| e.path())),
                    Err(error) => problems.push(RuleProblem {
                        source: next.display().to_string(),
                        message: format!("cannot read directory: {error}"),
                    }),
                }
            } else if next == *path || is_rule_file(&next) {
                if next.exists() {
                    files.push(next);
                } else {
                    problems.push(RuleProblem {
                        source: next.display().to_string(),
                        message: "no such file or directory".into(),
                    });
                }
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

fn is_rule_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yml" | "yaml" | "toml" | "eql")
    )
}
