//! Loading Sigma rule files: parsing through rsigma, keys, ids, and errors that name the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Location, RuleError, RuleErrorKind};

/// One Sigma detection rule, parsed, with the names detsim finds it by.
#[derive(Clone, Debug)]
pub struct SigmaRule {
    /// The file name without its extension (`cmd-unusual-parent`); a file holding several rules
    /// gives `name#2`, `name#3`... to the second and later ones.
    pub key: String,
    /// The Sigma `id`, when the rule has one.
    pub id: Option<String>,
    pub title: String,
    /// The file the rule came from, or the source name given to [`parse_sigma_rule`].
    pub path: String,
    pub level: Option<String>,
    pub tags: Vec<String>,
    pub(crate) parsed: rsigma_parser::SigmaRule,
}

impl SigmaRule {
    /// The rule as rsigma parsed it (before any pipeline).
    pub fn parsed(&self) -> &rsigma_parser::SigmaRule {
        &self.parsed
    }

    /// The rule's logsource as `category`, `product`, `service` (each `None` when absent).
    pub fn logsource(&self) -> (Option<&str>, Option<&str>, Option<&str>) {
        let logsource = &self.parsed.logsource;
        (
            logsource.category.as_deref(),
            logsource.product.as_deref(),
            logsource.service.as_deref(),
        )
    }

    /// Whether `name` is this rule's key or its Sigma id (ids compare case-insensitively).
    pub fn is_named(&self, name: &str) -> bool {
        names_rule(name, &self.key, self.id.as_deref())
    }
}

/// Whether `name` designates the rule with this key and id: the key exactly, or the id (a
/// UUID, compared without regard to case).
pub fn names_rule(name: &str, key: &str, id: Option<&str>) -> bool {
    key == name || id.is_some_and(|id| id.eq_ignore_ascii_case(name))
}

/// Finds a rule by key or by Sigma id.
pub fn find_rule<'r>(rules: &'r [SigmaRule], name: &str) -> Option<&'r SigmaRule> {
    rules
        .iter()
        .find(|rule| rule.key == name)
        .or_else(|| rules.iter().find(|rule| rule.is_named(name)))
}

/// Loads every rule under `paths`: files are read as they are, directories are walked for
/// `.yml` and `.yaml` files in name order. Every problem is returned beside the rules that did
/// load; a rule whose key or id repeats an earlier one is refused.
pub fn load_sigma_rules(paths: &[PathBuf]) -> (Vec<crate::SigmaRule>, Vec<RuleError>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect_rule_files(path, &mut files, &mut errors);
        } else {
            files.push(path.clone());
        }
    }

    let mut seen: HashMap<String, String> = HashMap::new();
    for file in files {
        let source = file.display().to_string();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(err) => {
                let kind = RuleErrorKind::Read(err.to_string());
                errors.push(RuleError::new(Location::file(source), kind));
                continue;
            }
        };
        match parse_sigma_rule(&text, &source) {
            Ok(parsed) => {
                for rule in parsed {
                    match first_duplicate(&seen, &rule) {
                        Some((key, first)) => errors.push(RuleError::new(
                            Location::file(&source),
                            RuleErrorKind::DuplicateKey { key, first },
                        )),
                        None => {
                            seen.insert(rule.key.clone(), source.clone());
                            if let Some(id) = &rule.id {
                                seen.insert(id.to_ascii_lowercase(), source.clone());
                            }
                            rules.push(rule);
                        }
                    }
                }
            }
            Err(err) => errors.push(err),
        }
    }
    (rules, errors)
}

fn first_duplicate(seen: &HashMap<String, String>, rule: &SigmaRule) -> Option<(String, String)> {
    if let Some(first) = seen.get(&rule.key) {
        return Some((rule.key.clone(), first.clone()));
    }
    let id = rule.id.as_ref()?;
    seen.get(&id.to_ascii_lowercase())
        .map(|first| (id.clone(), first.clone()))
}

fn collect_rule_files(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<RuleError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            let location = Location::file(dir.display().to_string());
            errors.push(RuleError::new(
                location,
                RuleErrorKind::Read(err.to_string()),
            ));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_rule_files(&path, files, errors);
        } else if is_rule_file(&path) {
            files.push(path);
        }
    }
}

fn is_rule_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|ext| ext.to_str()),
        Some("yml" | "yaml")
    )
}

/// Parses the rules of one Sigma YAML text (one or more documents). `source` names the text in
/// errors and gives the rules their key (its file name without the extension).
pub fn parse_sigma_rule(text: &str, source: &str) -> Result<Vec<crate::SigmaRule>, RuleError> {
    check_yaml(text, source)?;

    let collection = rsigma_parser::parse_sigma_yaml(text).map_err(|err| {
        let location = match err.location() {
            Some(at) => Location::at(source, at.line as usize, at.col as usize),
            None => locate_quoted(text, source, &err.to_string()),
        };
        RuleError::new(location, RuleErrorKind::Rejected(err.to_string()))
    })?;
    if let Some(message) = collection.errors.first() {
        let location = locate_quoted(text, source, message);
        return Err(RuleError::new(
            location,
            RuleErrorKind::Rejected(message.clone()),
        ));
    }
    if let Some(correlation) = collection.correlations.first() {
        let what = format!(
            "correlation rule `{}`: correlations are stateful, and detsim evaluates one record \
             at a time",
            correlation.title
        );
        return Err(RuleError::new(
            locate(text, source, "correlation:"),
            RuleErrorKind::Unsupported(what),
        ));
    }
    if !collection.filters.is_empty() {
        let what =
            "sigma filter documents (`filter:` with `rules:`); write the exclusion into the \
                    rule's own condition"
                .to_string();
        return Err(RuleError::new(
            locate(text, source, "filter:"),
            RuleErrorKind::Unsupported(what),
        ));
    }
    if collection.rules.is_empty() {
        return Err(RuleError::new(Location::file(source), RuleErrorKind::Empty));
    }

    let stem = Path::new(source)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or(source)
        .to_string();
    let count = collection.rules.len();
    Ok(collection
        .rules
        .into_iter()
        .enumerate()
        .map(|(index, parsed)| SigmaRule {
            key: if index == 0 || count == 1 {
                stem.clone()
            } else {
                format!("{stem}#{}", index + 1)
            },
            id: parsed.id.clone(),
            title: parsed.title.clone(),
            path: source.to_string(),
            level: parsed
                .level
                .map(|level| format!("{level:?}").to_lowercase()),
            tags: parsed.tags.clone(),
            parsed,
        })
        .collect())
}

/// Reports YAML syntax errors with serde_yaml's line and column, which rsigma's own messages
/// lack.
fn check_yaml(text: &str, source: &str) -> Result<(), RuleError> {
    let mut documents = 0;
    for document in serde_yaml::Deserializer::from_str(text) {
        match serde_yaml::Value::deserialize(document) {
            Ok(serde_yaml::Value::Null) => {}
            Ok(_) => documents += 1,
            Err(err) => {
                let location = match err.location() {
                    Some(at) => Location::at(source, at.line(), at.column()),
                    None => Location::file(source),
                };
                let message = strip_location(&err.to_string());
                return Err(RuleError::new(location, RuleErrorKind::Yaml(message)));
            }
        }
    }
    if documents == 0 {
        return Err(RuleError::new(Location::file(source), RuleErrorKind::Empty));
    }
    Ok(())
}

/// serde_yaml appends " at line L column C"; the location is already shown in front.
pub(crate) fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Points at the first occurrence of the first `'quoted'` word of an rsigma message (such as an
/// unknown modifier's name), or at the file alone when the word is not in the text.
fn locate_quoted(text: &str, source: &str, message: &str) -> Location {
    let quoted = message
        .split('\'')
        .nth(1)
        .filter(|word| !word.is_empty() && message.matches('\'').count() >= 2);
    match quoted {
        Some(word) => locate(text, source, word),
        None => Location::file(source),
    }
}

/// The 1-based line and column of the first occurrence of `needle`, or the file alone.
pub(crate) fn locate(text: &str, source: &str, needle: &str) -> Location {
    for (index, line) in text.lines().enumerate() {
        if let Some(column) = line.find(needle) {
            return Location::at(source, index + 1, column + 1);
        }
    }
    Location::file(source)
}
