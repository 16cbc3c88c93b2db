//! Loading Elastic detection rules from detection-rules TOML files and plain `.eql` files.

use crate::error::{EqlError, RuleError};
use crate::query::Query;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// An Elastic detection rule, from a detection-rules TOML file or a plain `.eql` file.
#[derive(Debug)]
pub struct Rule {
    /// The file name without its extension.
    pub key: String,
    pub rule_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub risk_score: Option<u32>,
    pub severity: Option<String>,
    pub index: Vec<String>,
    /// ATT&CK ids from `[[rule.threat]]`: tactic ids, then technique and subtechnique ids.
    pub techniques: Vec<String>,
    pub query: Query,
    pub query_text: String,
    pub path: Option<PathBuf>,
    /// `metadata.maturity == "deprecated"`.
    pub deprecated: bool,
    pub maturity: Option<String>,
    pub tags: Vec<String>,
    pub rule_type: Option<String>,
    pub from: Option<String>,
    pub timestamp_override: Option<String>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    metadata: Metadata,
    rule: Spanned<RuleSection>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    maturity: Option<String>,
}

#[derive(Deserialize)]
struct RuleSection {
    rule_id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    risk_score: Option<u32>,
    severity: Option<String>,
    #[serde(default)]
    index: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(rename = "type")]
    rule_type: Option<String>,
    from: Option<String>,
    timestamp_override: Option<String>,
    language: Option<Spanned<String>>,
    query: Option<Spanned<String>>,
    #[serde(default)]
    threat: Vec<Threat>,
}

#[derive(Deserialize)]
struct Threat {
    tactic: Option<Attack>,
    #[serde(default)]
    technique: Vec<Technique>,
}

#[derive(Deserialize)]
struct Attack {
    id: String,
}

#[derive(Deserialize)]
struct Technique {
    id: String,
    #[serde(default)]
    subtechnique: Vec<Attack>,
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn key_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Byte offset of an EQL error inside the query text.
fn query_offset(query: &str, e: &EqlError) -> usize {
    let mut off = 0;
    for (i, line) in query.split_inclusive('\n').enumerate() {
        if i + 1 == e.line() {
            let col: usize = line
                .chars()
                .take(e.column().saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return off + col;
        }
        off += line.len();
    }
    off
}

impl Rule {
    /// Reads a detection-rules TOML file whose `[rule]` has `language = "eql"`.
    pub fn from_toml(text: &str, path: &Path) -> Result<Rule, RuleError> {
        let toml_err = |line, column, message: String| RuleError::Toml {
            path: path.to_path_buf(),
            line,
            column,
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let (l, c) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            toml_err(l, c, e.message().trim_end_matches('\n').to_string())
        })?;
        let rule_span = file.rule.span();
        let rule = file.rule.into_inner();
        let (rl, rc) = line_col(text, rule_span.start);
        match &rule.language {
            Some(lang) if lang.get_ref() == "eql" => {}
            Some(lang) => {
                let (line, column) = line_col(text, lang.span().start);
                return Err(RuleError::Language {
                    path: path.to_path_buf(),
                    line,
                    column,
                    language: lang.get_ref().clone(),
                });
            }
            None => return Err(toml_err(rl, rc, "`[rule]` has no `language` key".into())),
        }
        let Some(query) = rule.query else {
            return Err(toml_err(rl, rc, "`[rule]` has no `query` key".into()));
        };
        let span = query.span();
        let query_text = query.into_inner();
        let compiled = Query::parse(&query_text).map_err(|e| {
            let raw = &text[span.clone()];
            let quote = if raw.starts_with("'''") || raw.starts_with("\"\"\"") {
                3
            } else {
                1
            };
            let mut start = span.start + quote;
            if quote == 3 {
                if text[start..].starts_with("\r\n") {
                    start += 2;
                } else if text[start..].starts_with('\n') {
                    start += 1;
                }
            }
            let (line, column) = line_col(text, start + query_offset(&query_text, &e));
            RuleError::Query {
                path: path.to_path_buf(),
                line,
                column,
                source: e,
            }
        })?;
        let mut techniques = Vec::new();
        for t in &rule.threat {
            let tactic = t.tactic.iter().map(|a| a.id.clone());
            let techs = t.technique.iter().flat_map(|tech| {
                std::iter::once(tech.id.clone())
                    .chain(tech.subtechnique.iter().map(|s| s.id.clone()))
            });
            for id in tactic.chain(techs) {
                if !techniques.contains(&id) {
                    techniques.push(id);
                }
            }
        }
        let key = key_of(path);
        Ok(Rule {
            name: rule.name.unwrap_or_else(|| key.clone()),
            key,
            rule_id: rule.rule_id,
            description: rule.description,
            risk_score: rule.risk_score,
            severity: rule.severity,
            index: rule.index,
            techniques,
            query: compiled,
            query_text,
            path: Some(path.to_path_buf()),
            deprecated: file.metadata.maturity.as_deref() == Some("deprecated"),
            maturity: file.metadata.maturity,
            tags: rule.tags,
            rule_type: rule.rule_type,
            from: rule.from,
            timestamp_override: rule.timestamp_override,
        })
    }

    /// Reads a plain `.eql` file: the whole file is the query; the rule key and name are the
    /// file name without its extension.
    pub fn from_eql(text: &str, path: &Path) -> Result<Rule, RuleError> {
        let query = Query::parse(text).map_err(|e| RuleError::Query {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            source: e,
        })?;
        let key = key_of(path);
        Ok(Rule {
            name: key.clone(),
            key,
            rule_id: None,
            description: None,
            risk_score: None,
            severity: None,
            index: Vec::new(),
            techniques: Vec::new(),
            query,
            query_text: text.to_string(),
            path: Some(path.to_path_buf()),
            deprecated: false,
            maturity: None,
            tags: Vec::new(),
            rule_type: None,
            from: None,
            timestamp_override: None,
        })
    }

    /// Loads a rule by extension: `.toml` or `.eql`.
    pub fn load(path: &Path) -> Result<Rule, RuleError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let read = || {
            std::fs::read_to_string(path).map_err(|source| RuleError::Io {
                path: path.to_path_buf(),
                source,
            })
        };
        match ext {
            "toml" => Rule::from_toml(&read()?, path),
            "eql" => Rule::from_eql(&read()?, path),
            _ => Err(RuleError::Extension {
                path: path.to_path_buf(),
            }),
        }
    }
}
