//! Reading vendor records back: the error every reader returns, line-by-line reading of a
//! stream, and the JSON entry check the JSON formats share.

use std::collections::VecDeque;
use std::io::BufRead;

use serde_json::{Map, Value};

use crate::format::Format;
use crate::record::Record;
use crate::text::snippet;

/// Why a line could not be read as a record of its format.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", line_prefix(.line))]
pub struct ReadError {
    kind: ReadErrorKind,
    /// 1-based line of the stream, when read through [`read_lines`].
    line: Option<usize>,
}

/// What was wrong with a line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadErrorKind {
    #[error("empty record")]
    Empty,
    #[error("invalid UTF-8: {0}")]
    Encoding(String),
    #[error("cannot read the stream: {0}")]
    Io(String),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("invalid XML: {0}")]
    Xml(String),
    /// Well-formed input of the wrong shape: `expected a JSON object, found `[``.
    #[error("expected {expected}, found `{found}`")]
    Unexpected { expected: String, found: String },
    #[error("missing `{0}`")]
    Missing(String),
    #[error("a batch of {0} records on one line; read it with `read_lines`")]
    Batch(usize),
}

fn line_prefix(line: &Option<usize>) -> String {
    line.map(|line| format!("line {line}: "))
        .unwrap_or_default()
}

impl ReadError {
    pub fn new(kind: ReadErrorKind) -> Self {
        ReadError { kind, line: None }
    }

    pub fn kind(&self) -> &ReadErrorKind {
        &self.kind
    }

    /// The 1-based line number, for errors from [`read_lines`].
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The same error, placed on a line of a stream.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    pub(crate) fn unexpected(expected: impl Into<String>, found: &str) -> Self {
        ReadError::new(ReadErrorKind::Unexpected {
            expected: expected.into(),
            found: snippet(found, 24),
        })
    }

    pub(crate) fn missing(name: impl Into<String>) -> Self {
        ReadError::new(ReadErrorKind::Missing(name.into()))
    }
}

/// Parses a line that must hold one JSON object.
pub(crate) fn parse_object(line: &str) -> Result<Map<String, Value>, ReadError> {
    let trimmed = json_text(line)?;
    serde_json::from_str(trimmed)
        .map_err(|error| ReadError::new(ReadErrorKind::Json(error.to_string())))
}

/// Reads a line holding one JSON object straight into a flat record (nested objects joined
/// into dotted names), with the same checks and messages as [`parse_object`].
pub(crate) fn parse_flat_object(line: &str) -> Result<Record, ReadError> {
    let trimmed = json_text(line)?;
    crate::flat_json::parse_flat(trimmed)
        .map_err(|error| ReadError::new(ReadErrorKind::Json(error.to_string())))
}

/// The text of a JSON object line: BOM and blanks removed, refused unless it opens an object.
fn json_text(line: &str) -> Result<&str, ReadError> {
    let trimmed = line.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(ReadError::new(ReadErrorKind::Empty));
    }
    if !trimmed.starts_with('{') {
        let found = match trimmed.chars().next() {
            Some(c @ ('[' | '"')) => c.to_string(),
            _ => trimmed.to_string(),
        };
        return Err(ReadError::unexpected("a JSON object", &found));
    }
    Ok(trimmed)
}

/// A short description of a JSON value for messages (`an array`, `the number 5`).
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(value) => value.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => format!("\"{}\"", snippet(text, 20)),
        Value::Array(_) => "[".to_string(),
        Value::Object(_) => "{".to_string(),
    }
}

/// Reads a whole stream line by line.
///
/// Blank lines are skipped. A malformed line gives an error carrying its 1-based line number
/// and reading goes on with the next line; an I/O error ends the stream after being reported.
/// A Defender Event Hubs batch (`{"records":[...]}`) gives one item per record, all with the
/// batch's line number.
pub fn read_lines<R: BufRead>(
    format: Format,
    reader: R,
) -> impl Iterator<Item = (usize, Result<Record, ReadError>)> {
    LineReader {
        format,
        reader,
        line: 0,
        buffer: Vec::new(),
        pending: VecDeque::new(),
        done: false,
    }
}

struct LineReader<R> {
    format: Format,
    reader: R,
    line: usize,
    buffer: Vec<u8>,
    pending: VecDeque<(usize, Result<Record, ReadError>)>,
    done: bool,
}

impl<R: BufRead> Iterator for LineReader<R> {
    type Item = (usize, Result<Record, ReadError>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            self.buffer.clear();
            match self.reader.read_until(b'\n', &mut self.buffer) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => self.line += 1,
                Err(error) => {
                    self.done = true;
                    let error = ReadError::new(ReadErrorKind::Io(error.to_string()));
                    return Some((self.line + 1, Err(error.at_line(self.line + 1))));
                }
            }
            let line = self.line;
            let text = match std::str::from_utf8(&self.buffer) {
                Ok(text) => text.trim_end_matches(['\n', '\r']),
                Err(error) => {
                    let error = ReadError::new(ReadErrorKind::Encoding(error.to_string()));
                    return Some((line, Err(error.at_line(line))));
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            match self.format {
                Format::Defender => match crate::formats::defender::read_batch(text) {
                    Ok(records) => self
                        .pending
                        .extend(records.into_iter().map(|r| (line, Ok(r)))),
                    Err(error) => return Some((line, Err(error.at_line(line)))),
                },
                format => return Some((line, format.read(text).map_err(|e| e.at_line(line)))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_check_names_what_it_found() {
        let message = |line: &str| parse_object(line).unwrap_err().to_string();
        assert_eq!(message("[1]"), "expected a JSON object, found `[`");
        assert_eq!(message("  42"), "expected a JSON object, found `42`");
        assert_eq!(message(""), "empty record");
        assert_eq!(
            message("{\"a\":"),
            "invalid JSON: EOF while parsing a value at line 1 column 5"
        );
        assert!(parse_object(" {\"a\": 1} ").is_ok());
    }

    #[test]
    fn line_numbers_prefix_the_message() {
        let error = ReadError::missing("Event").at_line(7);
        assert_eq!(error.to_string(), "line 7: missing `Event`");
        assert_eq!(error.line(), Some(7));
    }
}
