//! A fast projected reader for JSON records: walks the bytes of one object, decides on each key
//! through a [`Projection`], and skips what is not kept without decoding it. Kept values are
//! parsed with serde_json (strings and arrays of strings directly), so what is returned is
//! exactly what [`crate::flat_json::parse_flat_projected`] returns for a valid record.
//!
//! Skipping rests on a structural index built first ([`structure`]): bit maps of the quotes
//! that delimit strings, the brackets outside strings and the backslashes inside them. The end
//! of a string is the next quote bit, and skipping an object or array a walk over bracket bits.
//!
//! Skipped values are checked for structure only (strings closed, brackets balanced, a value
//! where one is due); a malformed number or escape inside a skipped value is not noticed. That
//! is the price of speed: use [`crate::flat_json`] where every byte must be validated.

mod structure;

use structure::Index;

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
    Skimmer::default().read(bytes, projection)
}

/// A projected reader that keeps its working memory from one record to the next: use one per
/// stream of records.
#[derive(Debug, Default)]
pub struct Skimmer {
    index: Index,
    name: String,
}

impl Skimmer {
    /// Reads one JSON object, keeping only the fields the projection names.
    pub fn read(&mut self, bytes: &[u8], projection: &Projection) -> Result<Record, SkimError> {
        self.index.build(bytes)?;
        let mut cursor = Cursor {
            bytes,
            at: 0,
            index: &self.index,
        };
        let mut record = Record::with_capacity(projection.len());
        self.name.clear();
        cursor.whitespace();
        cursor.object(
            Some(&projection.root),
            &mut self.name,
            &mut record,
            projection,
        )?;
        cursor.whitespace();
        if cursor.at != bytes.len() {
            return Err(cursor.error("trailing characters after the object"));
        }
        Ok(record)
    }
}

/// A position in the text and the text's structural index.
struct Cursor<'b> {
    bytes: &'b [u8],
    at: usize,
    index: &'b Index,
}

impl<'b> Cursor<'b> {
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

    /// Moves past the bracket at the cursor. A bracket the index does not hold (one the
    /// index places inside a string, as after a stray backslash outside any string) is
    /// malformed input.
    fn bracket(&mut self) -> Result<(), SkimError> {
        if !self.index.is_bracket(self.at) {
            return Err(self.error("unexpected character"));
        }
        self.at += 1;
        Ok(())
    }

    fn open(&mut self, byte: u8, what: &str) -> Result<(), SkimError> {
        if self.peek() != Some(byte) {
            return Err(self.error(&format!("expected {what}")));
        }
        self.bracket()
    }

    /// The string at the cursor: the bytes between its quotes, and whether they hold escapes.
    #[inline(always)]
    fn string(&mut self) -> Result<(&'b [u8], bool), SkimError> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string"));
        }
        // A string that never closes was refused when the index was built, so a quote the
        // index does not pair is one it places inside a string: malformed input.
        let Some((end, escapes)) = self.index.string_at(self.at) else {
            return Err(self.error("unexpected character"));
        };
        let start = self.at + 1;
        self.at = end + 1;
        Ok((&self.bytes[start..end], escapes))
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
        self.open(b'{', "`{`")?;
        self.whitespace();
        if self.peek() == Some(b'}') {
            return self.bracket();
        }
        loop {
            self.whitespace();
            let (raw, escaped) = self.string()?;
            self.whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after a key"));
            }
            self.at += 1;
            self.whitespace();
            // Keys with escapes are decoded before the lookup; plain keys are looked up as bytes.
            let decoded = if escaped {
                Some(self.decode_key(raw)?)
            } else {
                None
            };
            let lookup: &[u8] = decoded.as_ref().map_or(raw, |k| k.as_bytes());
            match level.and_then(|l| l.find(lookup)) {
                None => self.skip_value()?,
                Some((key, kept)) => {
                    let base = name.len();
                    if base > 0 {
                        name.push('.');
                    }
                    name.push_str(key);
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
                Some(b'}') => return self.bracket(),
                _ => return Err(self.error("expected `,` or `}` in an object")),
            }
        }
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

    /// A string's text, checked to be UTF-8, with its escapes decoded; `None` for the rare
    /// escapes left to serde_json (`\\u`) and for anything malformed, which serde_json then
    /// reports.
    fn text(body: &[u8], escaped: bool) -> Option<String> {
        if !escaped {
            return std::str::from_utf8(body).ok().map(str::to_string);
        }
        let mut text = Vec::with_capacity(body.len());
        let mut bytes = body.iter();
        while let Some(&byte) = bytes.next() {
            if byte != b'\\' {
                text.push(byte);
                continue;
            }
            text.push(match bytes.next()? {
                b'"' => b'"',
                b'\\' => b'\\',
                b'/' => b'/',
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                _ => return None,
            });
        }
        String::from_utf8(text).ok()
    }

    /// Parses the value here and flattens it under `name`; with `filter`, only the leaves the
    /// projection names are kept. Strings and arrays of strings, the common cases, are read
    /// directly; anything else goes through serde_json.
    fn keep_value(
        &mut self,
        name: &str,
        record: &mut Record,
        filter: Option<&Projection>,
    ) -> Result<(), SkimError> {
        let start = self.at;
        if filter.is_none() {
            match self.peek() {
                Some(b'"') => {
                    let (body, escaped) = self.string()?;
                    if let Some(text) = Self::text(body, escaped) {
                        record.insert(name, Value::String(text));
                        return Ok(());
                    }
                }
                Some(b'[') => {
                    if let Some(items) = self.string_array()? {
                        record.insert(name, Value::Array(items));
                        return Ok(());
                    }
                }
                _ => {}
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

    /// The array at the cursor when every item is a string `text` decodes; `None` (with the
    /// cursor somewhere inside) when it holds anything else.
    fn string_array(&mut self) -> Result<Option<Vec<Value>>, SkimError> {
        self.bracket()?;
        let mut items = Vec::new();
        self.whitespace();
        if self.peek() == Some(b']') {
            self.bracket()?;
            return Ok(Some(items));
        }
        loop {
            self.whitespace();
            if self.peek() != Some(b'"') {
                return Ok(None);
            }
            let (body, escaped) = self.string()?;
            let Some(text) = Self::text(body, escaped) else {
                return Ok(None);
            };
            items.push(Value::String(text));
            self.whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.bracket()?;
                    return Ok(Some(items));
                }
                _ => return Ok(None),
            }
        }
    }

    /// Moves past one value without decoding it.
    fn skip_value(&mut self) -> Result<(), SkimError> {
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'{' | b'[') => self.skip_container(),
            Some(b',' | b'}' | b']' | b':') | None => Err(self.error("expected a value")),
            Some(_) => {
                // A number, `true`, `false` or `null`: up to the next delimiter. Quotes and
                // brackets end it too, so that the cursor never passes a token unseen.
                while !matches!(
                    self.peek(),
                    None | Some(
                        b',' | b'}' | b']' | b'{' | b'[' | b'"' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                ) {
                    self.at += 1;
                }
                Ok(())
            }
        }
    }

    /// An object or array, matched bracket by bracket over the index's brackets, which leave
    /// out those inside strings.
    fn skip_container(&mut self) -> Result<(), SkimError> {
        // The open brackets as a stack of bits (1 for `{`, 0 for `[`), deepest last; documents
        // nest far less than 64 levels, and deeper ones are refused rather than mis-read.
        let mut stack: u64 = 0;
        let mut depth: u32 = 0;
        if !self.index.is_bracket(self.at) {
            return Err(self.error("unexpected character"));
        }
        let mut from = self.at;
        while let Some(position) = self.index.next_bracket(from) {
            let byte = self.bytes[position];
            from = position + 1;
            if byte == b'{' || byte == b'[' {
                if depth == 64 {
                    self.at = position;
                    return Err(self.error("nested more than 64 levels"));
                }
                stack = (stack << 1) | u64::from(byte == b'{');
                depth += 1;
            } else {
                let opened_object = stack & 1 == 1;
                if opened_object != (byte == b'}') {
                    self.at = position;
                    return Err(self.error("mismatched bracket"));
                }
                stack >>= 1;
                depth -= 1;
                if depth == 0 {
                    self.at = from;
                    return Ok(());
                }
            }
        }
        self.at = self.bytes.len();
        Err(self.error("unterminated object or array"))
    }
}

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
            // Keys holding dots, as SentinelOne writes them, alone and beside nested objects.
            json!({"process.name": "cmd.exe", "process": {"parent.name": "lsass.exe",
                "parent": {"args": ["a"]}}, "event.type": ["start"], "host.os.type": "windows",
                "sig.name": "whole", "host.os": {"x": 1}, "process.parent.args.extra": 1}),
            json!({"process": {"parent": {"args": ["a", 1, null], "name": "x\"y"}},
                "event": {"type": ["a", ["b"]], "category": "c"}}),
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
    fn damaged_records_are_read_as_the_full_parser_reads_them_or_refused() {
        // Records with a byte deleted, replaced or inserted (quotes, backslashes and brackets
        // above all): whatever the full parser accepts, the skimmer must read the same; what
        // it refuses, the skimmer may refuse or (inside a skipped value) accept, never panic.
        let projection = Projection::new(FIELDS.into_iter().chain(["process.command_line"]));
        let mut skimmer = Skimmer::default();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut random = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let mut line = String::new();
        let (mut agreed, mut refused) = (0, 0);
        for n in 0..200 {
            line.clear();
            let event = crate::testing::varied_event(n);
            crate::Format::Ecs.render(&event, &crate::RenderOptions::default(), &mut line);
            for _ in 0..20 {
                let mut bytes = line.clone().into_bytes();
                let at = random(bytes.len());
                const DAMAGE: &[u8] = b"\"\\{}[]:, x";
                let byte = DAMAGE[random(DAMAGE.len())];
                match random(3) {
                    0 => {
                        bytes.remove(at);
                    }
                    1 => bytes[at] = byte,
                    _ => bytes.insert(at, byte),
                }
                let skimmed = skimmer.read(&bytes, &projection);
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    continue;
                };
                match parse_flat_projected(text, &projection) {
                    Ok(expected) => {
                        assert_eq!(skimmed, Ok(expected), "{text}");
                        agreed += 1;
                    }
                    Err(_) => refused += 1,
                }
            }
        }
        // Both kinds of damage were met.
        assert!(
            agreed > 100 && refused > 100,
            "{agreed} read, {refused} refused"
        );
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
            "{\"a\": tr\"ue\"}",
            "{\"a\": \\\"x\"}",
            "{\"a\": [1, 2]]}",
            "{\"a\": {\"b\": 1]}",
            "{\"process\": {\"name\": \"cmd.exe\"}, \"x\": [{]}",
            "{\"event\": {\"type\": [\"start\",]}}",
        ] {
            assert!(
                skim_projected(text.as_bytes(), &projection).is_err(),
                "{text}"
            );
        }
    }
}
