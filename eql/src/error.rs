//! Typed errors: query errors with line and column, and rule-loading errors naming the file.

use std::path::PathBuf;

/// A position in query text: 1-based line and column (in characters), and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// An error found while parsing, validating or compiling a query.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EqlError {
    /// The text is not valid EQL.
    #[error("{message} at {line}:{column}")]
    Parse {
        line: usize,
        column: usize,
        message: String,
        /// The source line with a caret under the offending text.
        snippet: String,
    },
    /// Valid EQL (or an EQL dialect feature) that this engine refuses, named in `feature`.
    #[error("unsupported {feature} at {line}:{column}")]
    Unsupported {
        feature: String,
        line: usize,
        column: usize,
    },
    /// Syntactically valid EQL that Elasticsearch would reject at validation time
    /// (wrong number of arguments, a `~` on a function without a case-insensitive variant...).
    #[error("{message} at {line}:{column}")]
    Invalid {
        line: usize,
        column: usize,
        message: String,
    },
}

impl EqlError {
    pub(crate) fn parse(src: &str, pos: Pos, message: impl Into<String>) -> Self {
        EqlError::Parse {
            line: pos.line,
            column: pos.column,
            message: message.into(),
            snippet: snippet(src, pos),
        }
    }

    pub(crate) fn unsupported(pos: Pos, feature: impl Into<String>) -> Self {
        EqlError::Unsupported {
            feature: feature.into(),
            line: pos.line,
            column: pos.column,
        }
    }

    pub(crate) fn invalid(pos: Pos, message: impl Into<String>) -> Self {
        EqlError::Invalid {
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// The 1-based line of the error in the query text.
    pub fn line(&self) -> usize {
        match self {
            EqlError::Parse { line, .. }
            | EqlError::Unsupported { line, .. }
            | EqlError::Invalid { line, .. } => *line,
        }
    }

    /// The 1-based column (in characters) of the error in the query text.
    pub fn column(&self) -> usize {
        match self {
            EqlError::Parse { column, .. }
            | EqlError::Unsupported { column, .. }
            | EqlError::Invalid { column, .. } => *column,
        }
    }

    /// The message without the position.
    pub fn message(&self) -> String {
        match self {
            EqlError::Parse { message, .. } | EqlError::Invalid { message, .. } => message.clone(),
            EqlError::Unsupported { feature, .. } => format!("unsupported {feature}"),
        }
    }

    /// The refused feature, for an [`EqlError::Unsupported`] error.
    pub fn feature(&self) -> Option<&str> {
        match self {
            EqlError::Unsupported { feature, .. } => Some(feature),
            _ => None,
        }
    }
}

/// The line holding `pos`, and a caret line under the column.
fn snippet(src: &str, pos: Pos) -> String {
    let line = src.lines().nth(pos.line.saturating_sub(1)).unwrap_or("");
    let caret = " ".repeat(pos.column.saturating_sub(1));
    format!("{line}\n{caret}^")
}

/// An error loading a detection rule file.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{}: cannot read the file: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: unknown rule file extension, expected `.toml` or `.eql`", path.display())]
    Extension { path: PathBuf },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Toml {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}:{line}:{column}: rule language `{language}` is not supported, only `eql`",
        path.display())]
    Language {
        path: PathBuf,
        line: usize,
        column: usize,
        language: String,
    },
    /// The query failed to load; `line` and `column` are positions in the rule file.
    #[error("{}:{line}:{column}: {}", path.display(), source.message())]
    Query {
        path: PathBuf,
        line: usize,
        column: usize,
        #[source]
        source: EqlError,
    },
}

impl RuleError {
    /// The query error behind this rule error, if the query is what failed.
    pub fn eql_error(&self) -> Option<&EqlError> {
        match self {
            RuleError::Query { source, .. } => Some(source),
            _ => None,
        }
    }
}
