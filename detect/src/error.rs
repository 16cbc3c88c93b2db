//! Typed errors of the Sigma detector: rule files, pipelines and detector calls.

use std::fmt;

/// Where a problem is: a file (or embedded source name), with a line and column when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub source: String,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
}

impl Location {
    pub fn file(source: impl Into<String>) -> Self {
        Location {
            source: source.into(),
            line: None,
            column: None,
        }
    }

    pub fn at(source: impl Into<String>, line: usize, column: usize) -> Self {
        Location {
            source: source.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// A rule file or document that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct RuleError {
    pub location: Location,
    pub kind: RuleErrorKind,
}

/// What went wrong with a rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleErrorKind {
    #[error("cannot read: {0}")]
    Read(String),
    #[error("invalid yaml: {0}")]
    Yaml(String),
    /// rsigma's parser refused the document; the text is rsigma's own message.
    #[error("rsigma rejects the rule: {0}")]
    Rejected(String),
    /// A valid Sigma construct that detsim's per-event evaluation does not run.
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("no sigma rule in the file")]
    Empty,
    #[error("duplicate rule key `{key}`, first loaded from {first}")]
    DuplicateKey { key: String, first: String },
}

impl RuleError {
    pub(crate) fn new(location: Location, kind: RuleErrorKind) -> Self {
        RuleError { location, kind }
    }
}

/// A processing pipeline that could not be loaded or applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("pipeline {location}: {message}")]
pub struct PipelineError {
    pub location: Location,
    pub message: String,
}

impl PipelineError {
    pub(crate) fn new(location: Location, message: impl Into<String>) -> Self {
        PipelineError {
            location,
            message: message.into(),
        }
    }
}

/// Errors of [`crate::SigmaDetector`] calls.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DetectError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("unknown rule `{0}`, expected a rule key or a sigma id of the loaded rules")]
    UnknownRule(String),
}

/// `a`, `b` as backquoted, comma-separated text.
pub(crate) fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
