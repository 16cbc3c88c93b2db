//! A minimal streaming JSON object writer: keys in the order written, strings escaped as
//! RFC 8259 requires, numbers without allocation.
//!
//! Renderers write each record straight into the caller's buffer; `serde_json` reads them back,
//! and the round-trip tests hold the two to the same escaping.

use super::json_string::{needs_escape, push_escaped, push_escaped_case, push_escaped_lower};
pub use super::json_string::{push_string, push_words};
use std::ops::Range;

use super::{push_i64, push_u64};

/// The key fragment `,"name":` for [`JsonWriter`] methods, built at compile time.
macro_rules! key {
    ($name:expr) => {
        concat!(",\"", $name, "\":")
    };
}
pub(crate) use key;

/// Writes one JSON object, nested objects included, member by member.
pub struct JsonWriter<'a> {
    out: &'a mut String,
    /// Bit `n` is set once the object open at depth `n` has a member, so the next needs a comma.
    filled: u64,
    depth: u32,
    /// Depths at which an object was opened inside a one-element array (`[{`).
    in_list: u64,
}

impl<'a> JsonWriter<'a> {
    /// Opens the root object.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        JsonWriter {
            out,
            filled: 0,
            depth: 0,
            in_list: 0,
        }
    }

    /// Writes a member's key. `key` is either a bare name, or a fragment made by [`key!`]
    /// (`,"name":`, recognised by its leading comma) that costs a single copy.
    fn key(&mut self, key: &str) {
        let bit = 1u64 << self.depth;
        let filled = self.filled & bit != 0;
        self.filled |= bit;
        if let Some(quoted) = key.strip_prefix(',') {
            debug_assert!(quoted.starts_with('"'));
            self.out.push_str(if filled { key } else { quoted });
            return;
        }
        debug_assert!(!key.bytes().any(needs_escape));
        if filled {
            self.out.push(',');
        }
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
    }

    /// Writes complete constant members given as one fragment that starts with a comma
    /// (`,"a":"b","c":{"d":1}`), in a single copy; the comma is dropped for a first member.
    pub fn literal(&mut self, members: &'static str) {
        debug_assert!(members.starts_with(",\""));
        self.key(members);
    }

    pub fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        push_string(self.out, value);
    }

    /// A string member, or `null` when there is no value.
    pub fn opt_string(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(value) => self.string(key, value),
            None => self.null(key),
        }
    }

    /// A string member holding `value` lower-cased.
    pub fn lower(&mut self, key: &str, value: &str) {
        self.key(key);
        self.out.push('"');
        push_escaped_lower(self.out, value);
        self.out.push('"');
    }

    /// A string member holding `value` upper-cased.
    pub fn upper(&mut self, key: &str, value: &str) {
        self.key(key);
        self.out.push('"');
        push_escaped_case(self.out, value, true);
        self.out.push('"');
    }

    /// A string member made of `parts` lower-cased.
    pub fn joined_lower(&mut self, key: &str, parts: &[&str]) {
        self.key(key);
        self.out.push('"');
        for part in parts {
            push_escaped_lower(self.out, part);
        }
        self.out.push('"');
    }

    /// A string member made of `parts` written one after the other.
    pub fn joined(&mut self, key: &str, parts: &[&str]) {
        self.key(key);
        self.out.push('"');
        for part in parts {
            push_escaped(self.out, part);
        }
        self.out.push('"');
    }

    /// A string member whose text `write` appends, already escaped (times, hex digests,
    /// identifiers, or text passed through [`push_escaped`]).
    pub fn quoted(&mut self, key: &str, write: impl FnOnce(&mut String)) {
        self.key(key);
        self.out.push('"');
        write(self.out);
        self.out.push('"');
    }

    /// A member whose JSON value `write` appends as it is (arrays built in place).
    pub fn raw(&mut self, key: &str, write: impl FnOnce(&mut String)) {
        self.key(key);
        write(self.out);
    }

    /// As [`JsonWriter::quoted`], returning where the text landed in the output so that a
    /// later member can repeat it with [`JsonWriter::quoted_again`].
    pub fn quoted_marked(&mut self, key: &str, write: impl FnOnce(&mut String)) -> Range<usize> {
        let mut range = 0..0;
        self.quoted(key, |out| {
            range.start = out.len();
            write(out);
            range.end = out.len();
        });
        range
    }

    /// A string member repeating text this writer wrote earlier, without formatting it again.
    pub fn quoted_again(&mut self, key: &str, range: Range<usize>) {
        self.quoted(key, |out| out.extend_from_within(range));
    }

    pub fn u64(&mut self, key: &str, value: u64) {
        self.key(key);
        push_u64(self.out, value);
    }

    pub fn i64(&mut self, key: &str, value: i64) {
        self.key(key);
        push_i64(self.out, value);
    }

    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
    }

    pub fn null(&mut self, key: &str) {
        self.key(key);
        self.out.push_str("null");
    }

    /// Opens a nested object; close it with [`JsonWriter::end`].
    pub fn begin(&mut self, key: &str) {
        self.key(key);
        self.open('{', false);
    }

    /// Opens an object that is the only element of an array (`"key":[{`); close it with
    /// [`JsonWriter::end`].
    pub fn begin_list_of_one(&mut self, key: &str) {
        self.key(key);
        self.out.push('[');
        self.open('{', true);
    }

    fn open(&mut self, bracket: char, in_list: bool) {
        self.out.push(bracket);
        self.depth += 1;
        debug_assert!(self.depth < 64);
        self.filled &= !(1u64 << self.depth);
        if in_list {
            self.in_list |= 1u64 << self.depth;
        } else {
            self.in_list &= !(1u64 << self.depth);
        }
    }

    /// Closes the innermost open object.
    pub fn end(&mut self) {
        debug_assert!(self.depth > 0);
        self.out.push('}');
        if self.in_list & (1u64 << self.depth) != 0 {
            self.out.push(']');
        }
        self.depth -= 1;
    }

    /// Closes every open object and the root.
    pub fn finish(mut self) {
        while self.depth > 0 {
            self.end();
        }
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_objects_and_lists() {
        let mut out = String::new();
        let mut w = JsonWriter::new(&mut out);
        w.string("a", "x");
        w.begin("b");
        w.u64("c", 1);
        w.begin_list_of_one("d");
        w.bool("e", true);
        w.end();
        w.literal(r#","f":["g","h"]"#);
        w.end();
        w.opt_string("i", None);
        w.quoted("j", |o| o.push_str("2026"));
        w.i64("k", -3);
        w.finish();
        assert_eq!(
            out,
            r#"{"a":"x","b":{"c":1,"d":[{"e":true}],"f":["g","h"]},"i":null,"j":"2026","k":-3}"#
        );
    }
}
