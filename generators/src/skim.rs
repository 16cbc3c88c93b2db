//! A fast projected reader for JSON records: walks the bytes of one object, decides on each key
//! through a [`Projection`], and skips what is not kept by matching quotes and brackets only,
//! without decoding it. Kept values are parsed with serde_json, so what is returned is exactly
//! what [`crate::flat_json::parse_flat_projected`] returns for a valid record.
//!
//! Skipped values are checked for structure only (strings closed, brackets balanced, a value
//! where one is due); a malformed number or escape inside a skipped value is not noticed. That
//! is the price of speed: use [`crate::flat_json`] where every byte must be validated.

use serde_json::Value;

use crate::flat_json::{Kept, Level, Projection};
use crate::record::Record;

/// Why a line is not a JSON object, with the byte offset where reading stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct SkimError {
    pub offset: usize,
    pub message: String,
}

/// Reads one JSON object, keeping only the fields the projection names.
pub fn skim_projected(bytes: &[u8], projection: &Projection) -> Result<Record, SkimError> {
    let mut skimmer = Skimmer { bytes, at: 0 };
    let mut record = Record::with_capacity(16);
    let mut name = String::with_capacity(96);
    skimmer.whitespace();
    skimmer.object(Some(&projection.root), &mut name, &mut record, projection)?;
    skimmer.whitespace();
    if skimmer.at != bytes.len() {
        return Err(skimmer.error("trailing characters after the object"));
    }
    Ok(record)
}

struct Skimmer<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Skimmer<'b> {
    fn error(&self, message: &str) -> SkimError {
        SkimError {
            offset: self.at,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), SkimError> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    /// An object at `name`: kept keys are read, objects holding kept keys descended into, the
    /// rest skipped. `level` is `None` when the whole object is kept.
    fn object(
        &mut self,
        level: Option<&Level>,
        name: &mut String,
        record: &mut Record,
        projection: &Projection,
    ) -> Result<(), SkimError> {
        self.expect(b'{', "`{`")?;
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.whitespace();
            let (raw, escaped) = self.key()?;
            self.whitespace();
            self.expect(b':', "`:` after a key")?;
            self.whitespace();
            // Keys with escapes are decoded before the lookup; plain keys are looked up as bytes.
            let decoded = if escaped {
                Some(self.decode_key(raw)?)
            } else {
                None
            };
            let lookup: &[u8] = decoded.as_ref().map_or(raw, |k| k.as_bytes());
            let kept = level.and_then(|l| l.keys.get(lookup));
            match kept {
                None => self.skip_value()?,
                Some(kept) => {
                    let base = name.len();
                    if base > 0 {
                        name.push('.');
                    }
                    match &decoded {
                        Some(key) => name.push_str(key),
                        None => name.push_str(
                            std::str::from_utf8(raw)
                                .map_err(|_| self.error("invalid UTF-8 in a key"))?,
                        ),
                    }
                    match kept {
                        Kept::Field => self.keep_value(name, record, None)?,
                        Kept::Object(inner) if self.peek() == Some(b'{') => {
                            self.object(Some(inner), name, record, projection)?
                        }
                        // An array (or a scalar) where an object holding kept fields was
                        // expected: keep the leaves the projection names.
                        Kept::Object(_) => self.keep_value(name, record, Some(projection))?,
                    }
                    name.truncate(base);
                }
            }
            self.whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err(self.error("expected `,` or `}` in an object")),
            }
        }
    }

    /// A key's raw bytes between its quotes, and whether it holds escapes.
    fn key(&mut self) -> Result<(&'b [u8], bool), SkimError> {
        self.expect(b'"', "a key string")?;
        let start = self.at;
        let escaped = self.skip_string_body()?;
        let bytes: &'b [u8] = self.bytes;
        Ok((&bytes[start..self.at - 1], escaped))
    }

    /// A key with escapes, decoded as JSON does.
    fn decode_key(&self, raw: &[u8]) -> Result<String, SkimError> {
        let mut quoted = Vec::with_capacity(raw.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(raw);
        quoted.push(b'"');
        serde_json::from_slice::<String>(&quoted)
            .map_err(|e| self.error(&format!("invalid key: {e}")))
    }

    /// Parses the value here with serde_json and flattens it under `name`; with `filter`, only
    /// the leaves the projection names are kept.
    fn keep_value(
        &mut self,
        name: &str,
        record: &mut Record,
        filter: Option<&Projection>,
    ) -> Result<(), SkimError> {
        let start = self.at;
        if filter.is_none() && self.peek() == Some(b'"') {
            // A string without escapes needs no JSON decoding: the common case.
            self.at += 1;
            let escaped = self.skip_string_body()?;
            if !escaped {
                let text =
                    std::str::from_utf8(&self.bytes[start + 1..self.at - 1]).map_err(|_| {
                        SkimError {
                            offset: start,
                            message: "invalid UTF-8 in a string".into(),
                        }
                    })?;
                record.insert(name, Value::String(text.to_string()));
                return Ok(());
            }
            self.at = start;
        }
        self.skip_value()?;
        let value: Value =
            serde_json::from_slice(&self.bytes[start..self.at]).map_err(|e| SkimError {
                offset: start,
                message: e.to_string(),
            })?;
        match filter {
            None => record.flatten_owned(name, value),
            Some(projection) => {
                let mut part = Record::new();
                part.flatten_owned(name, value);
                for (leaf, leaf_value) in part.into_fields() {
                    if projection.contains(&leaf) {
                        record.push_value(leaf, leaf_value);
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves past one value without decoding it.
    fn skip_value(&mut self) -> Result<(), SkimError> {
        match self.peek() {
            Some(b'"') => {
                self.at += 1;
                self.skip_string_body().map(|_| ())
            }
            Some(b'{' | b'[') => self.skip_container(),
            Some(b',' | b'}' | b']' | b':') | None => Err(self.error("expected a value")),
            Some(_) => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.at += 1;
                }
                Ok(())
            }
        }
    }

    /// From just after an opening quote to just after the closing one; whether it held escapes.
    fn skip_string_body(&mut self) -> Result<bool, SkimError> {
        let mut escaped = false;
        loop {
            let Some(offset) = memchr::memchr2(b'"', b'\\', &self.bytes[self.at..]) else {
                self.at = self.bytes.len();
                return Err(self.error("unterminated string"));
            };
            self.at += offset;
            if self.bytes[self.at] == b'"' {
                self.at += 1;
                return Ok(escaped);
            }
            // A backslash escapes the next byte, quote or backslash included.
            escaped = true;
            self.at += 2;
            if self.at > self.bytes.len() {
                return Err(self.error("unterminated string"));
            }
        }
    }

    /// An object or array, matched bracket by bracket, strings skipped whole.
    fn skip_container(&mut self) -> Result<(), SkimError> {
        // The open brackets as a stack of bits (1 for `{`, 0 for `[`), deepest last; documents
        // nest far less than 64 levels, and deeper ones are refused rather than mis-read.
        let mut stack: u64 = 0;
        let mut depth: u32 = 0;
        let bytes = self.bytes;
        let mut at = self.at;
        while at < bytes.len() {
            let byte = bytes[at];
            at += 1;
            if !STRUCTURAL[byte as usize] {
                continue;
            }
            match byte {
                b'"' => {
                    self.at = at;
                    self.skip_string_body()?;
                    at = self.at;
                }
                b'{' | b'[' => {
                    if depth == 64 {
                        self.at = at - 1;
                        return Err(self.error("nested more than 64 levels"));
                    }
                    stack = (stack << 1) | u64::from(byte == b'{');
                    depth += 1;
                }
                _ => {
                    let opened_object = stack & 1 == 1;
                    if depth == 0 || opened_object != (byte == b'}') {
                        self.at = at - 1;
                        return Err(self.error("mismatched bracket"));
                    }
                    stack >>= 1;
                    depth -= 1;
                    if depth == 0 {
                        self.at = at;
                        return Ok(());
                    }
                }
            }
        }
        self.at = at;
        Err(self.error("unterminated object or array"))
    }
}

/// The bytes that matter while skipping a container: quotes and brackets.
static STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'"' as usize] = true;
    table[b'{' as usize] = true;
    table[b'}' as usize] = true;
    table[b'[' as usize] = true;
    table[b']' as usize] = true;
    table
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flat_json::parse_flat_projected;
    use serde_json::json;

    const FIELDS: [&str; 8] = [
        "process.name",
        "process.parent.name",
        "process.parent.args",
        "event.type",
        "host.os",
        "sig.name",
        "odd key.\"q\"",
        "missing.field",
    ];

    #[test]
    fn agrees_with_the_full_parser_under_a_projection() {
        let projection = Projection::new(FIELDS);
        let documents = [
            json!({
                "process": {"name": "cmd.exe", "pid": 4, "parent": {"name": "lsass.exe",
                    "args": ["a \"b\"", "c\\\\d"], "x": {"y": [1, {"z": "}]{["}]}}},
                "event": {"type": ["start"], "category": ["process"]},
                "host": {"os": {"type": "windows", "name": "Windows 11"}},
                "sig": [{"name": "a", "ok": true}, {"name": "b"}],
                "odd key": {"\"q\"": "escaped key"},
                "noise": [1.5e3, -2, true, false, null, "x\u{1}y", {"deep": [[], {}]}],
                "missing": "a scalar where an object was expected"
            }),
            json!({}),
            json!({"process": "not an object", "event": {"type": []}}),
        ];
        for document in documents {
            for text in [
                document.to_string(),
                serde_json::to_string_pretty(&document).unwrap(),
            ] {
                let expected = parse_flat_projected(&text, &projection).unwrap();
                let skimmed = skim_projected(text.as_bytes(), &projection).unwrap();
                assert_eq!(skimmed, expected, "{text}");
            }
        }
    }

    #[test]
    fn agrees_on_every_format_record_detsim_writes() {
        let projection = Projection::new(FIELDS.into_iter().chain([
            "process.command_line",
            "user.name",
            "tgt.process.cmdline",
            "src.process.name",
            "process.Ext.code_signature",
        ]));
        let mut line = String::new();
        for n in 0..300 {
            let event = crate::testing::varied_event(n);
            for format in [crate::Format::Ecs, crate::Format::SentinelOne] {
                line.clear();
                format.render(&event, &crate::RenderOptions::default(), &mut line);
                let expected = parse_flat_projected(&line, &projection).unwrap();
                let skimmed = skim_projected(line.as_bytes(), &projection).unwrap();
                assert_eq!(skimmed, expected, "{format} event {n}");
            }
        }
    }

    #[test]
    fn refuses_broken_structure() {
        let projection = Projection::new(FIELDS);
        for text in [
            "",
            "[1]",
            "{\"a\": }",
            "{\"a\": \"unterminated}",
            "{\"a\": [1, 2}",
            "{\"a\": 1",
            "{\"a\": 1} trailing",
            "{\"process\": {\"name\": }}",
            "{a: 1}",
        ] {
            assert!(
                skim_projected(text.as_bytes(), &projection).is_err(),
                "{text}"
            );
        }
    }
}
