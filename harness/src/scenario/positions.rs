//! Where each value of a YAML document sits, so that errors found after parsing can still point
//! at a line and column.
//!
//! serde_yaml gives no positions once a document is deserialized, so the document is walked a
//! second time with yaml-rust2's event parser, recording the position of every key and value
//! under its path (`steps[1].parent`), the same path syntax serde_path_to_error reports.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// Positions of keys and values by path; 1-based line and column.
#[derive(Debug, Default, Clone)]
pub struct Positions {
    values: HashMap<String, (usize, usize)>,
    keys: HashMap<String, (usize, usize)>,
}

impl Positions {
    /// Indexes a document; a document that does not parse gives an empty index (its syntax error
    /// is reported by serde_yaml, with its own position).
    pub fn index(text: &str) -> Positions {
        let mut walker = Walker::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut walker, false).is_err() {
            return Positions::default();
        }
        walker.positions
    }

    /// Position of the value at `path`, or of the nearest enclosing value that has one.
    pub fn value(&self, path: &str) -> (usize, usize) {
        let mut path = path;
        loop {
            if let Some(position) = self.values.get(path) {
                return *position;
            }
            match parent_path(path) {
                Some(parent) => path = parent,
                None => return self.values.get("").copied().unwrap_or((1, 1)),
            }
        }
    }

    /// Position of the key that introduces `path` (falls back to the value's position).
    pub fn key(&self, path: &str) -> (usize, usize) {
        self.keys
            .get(path)
            .copied()
            .unwrap_or_else(|| self.value(path))
    }
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → none.
fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

/// One open collection while walking the events.
enum Frame {
    Map {
        path: String,
        pending_key: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct Walker {
    stack: Vec<Frame>,
    positions: Positions,
}

impl Walker {
    /// The path a new node gets, given the innermost open collection. For a mapping this either
    /// consumes the pending key (the node is a value) or returns `None` (the node is a key).
    fn next_path(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let child = format!("{path}[{next}]");
                *next += 1;
                Some(child)
            }
            Some(Frame::Map { path, pending_key }) => {
                let key = pending_key.take()?;
                Some(if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                })
            }
        }
    }

    fn record_value(&mut self, path: &str, mark: Marker) {
        self.positions
            .values
            .entry(path.to_string())
            .or_insert((mark.line(), mark.col() + 1));
    }
}

impl MarkedEventReceiver for Walker {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(text, ..) => match self.next_path() {
                Some(path) => self.record_value(&path, mark),
                None => {
                    if let Some(Frame::Map { path, pending_key }) = self.stack.last_mut() {
                        let full = if path.is_empty() {
                            text.clone()
                        } else {
                            format!("{path}.{text}")
                        };
                        self.positions
                            .keys
                            .insert(full, (mark.line(), mark.col() + 1));
                        *pending_key = Some(text);
                    }
                }
            },
            Event::Alias(_) => {
                let _ = self.next_path();
            }
            Event::SequenceStart(..) => {
                let path = self.next_path().unwrap_or_default();
                self.record_value(&path, mark);
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingStart(..) => {
                let path = self.next_path().unwrap_or_default();
                self.record_value(&path, mark);
                self.stack.push(Frame::Map {
                    path,
                    pending_key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_and_keys_by_path() {
        let text = "scenario: x\nsteps:\n  - id: a\n    image: b\n  - id: c\n    parent: a\n";
        let positions = Positions::index(text);
        assert_eq!(positions.value("scenario"), (1, 11));
        assert_eq!(positions.value("steps[1].parent"), (6, 13));
        assert_eq!(positions.key("steps[1].parent"), (6, 5));
        assert_eq!(positions.value("steps[0].image"), (4, 12));
        // Unknown paths fall back to their closest known ancestor.
        assert_eq!(
            positions.value("steps[1].nothing"),
            positions.value("steps[1]")
        );
    }
}
