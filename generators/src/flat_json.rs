//! Reading a JSON document straight into a flat [`Record`], without building the document's
//! tree first: object keys are joined into dotted names in one reused buffer and each leaf is
//! moved into the record as the parser reaches it. This is what makes the JSON readers cheap;
//! the result is the same as parsing into a `serde_json::Value` and calling
//! [`Record::flatten_owned`].

use std::fmt;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use crate::record::Record;

/// Parses one JSON object into a flat record. Anything but an object is an error, reported by
/// serde_json with its position.
pub fn parse_flat(text: &str) -> Result<Record, serde_json::Error> {
    parse(text, None)
}

/// Like [`parse_flat`], keeping only the fields a [`Projection`] names: everything else is
/// skipped by the parser without being stored, which is several times faster when a rule reads
/// five fields of a hundred.
pub fn parse_flat_projected(
    text: &str,
    projection: &Projection,
) -> Result<Record, serde_json::Error> {
    parse(text, Some(projection))
}

/// [`parse_flat_projected`] over bytes, which saves validating the UTF-8 of what is skipped.
pub fn parse_flat_projected_bytes(
    bytes: &[u8],
    projection: &Projection,
) -> Result<Record, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let record = parse_with(&mut deserializer, Some(projection))?;
    deserializer.end()?;
    Ok(record)
}

fn parse(text: &str, projection: Option<&Projection>) -> Result<Record, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let record = parse_with(&mut deserializer, projection)?;
    deserializer.end()?;
    Ok(record)
}

fn parse_with<'de, R: serde_json::de::Read<'de>>(
    deserializer: &mut serde_json::Deserializer<R>,
    projection: Option<&Projection>,
) -> Result<Record, serde_json::Error> {
    let capacity = projection.map_or(128, |p| p.fields.len());
    let mut record = Record::with_capacity(capacity);
    let mut name = String::with_capacity(96);
    let root = Node {
        record: &mut record,
        name: &mut name,
        root: true,
        projection: projection.map(|p| &p.root),
        fields: projection,
    };
    deserializer.deserialize_map(root)?;
    Ok(record)
}

/// The dotted field names a reader keeps, as a tree of object keys so that the parser decides
/// on each key with one lookup of the key alone.
#[derive(Clone, Debug, Default)]
pub struct Projection {
    pub(crate) root: Level,
    /// The kept fields' full names.
    fields: FxHashSet<String>,
}

/// The keys kept at one level of objects.
#[derive(Clone, Debug, Default)]
pub(crate) struct Level {
    keys: Vec<(String, Kept)>,
    /// Where each key is in `keys`, once there are too many to compare one by one.
    positions: Option<FxHashMap<Vec<u8>, usize>>,
    /// The first bytes of the keys, a bit each: most keys of a record are told apart from
    /// every kept one by their first byte alone.
    first_bytes: [u64; 4],
}

/// Up to this many keys a level is searched by comparing each key (lengths first, so most
/// comparisons are one instruction), which beats hashing the key.
const SEARCHED_KEYS: usize = 12;

impl Level {
    /// The kept key equal to `key`, and what is done with it.
    pub(crate) fn get(&self, key: &[u8]) -> Option<(&str, &Kept)> {
        let found = match &self.positions {
            // Length and first byte first: most keys differ there, without a call to compare.
            None => self.keys.iter().find(|(k, _)| {
                let k = k.as_bytes();
                k.len() == key.len() && k.first() == key.first() && k == key
            }),
            Some(positions) => positions.get(key).map(|&n| &self.keys[n]),
        };
        found.map(|(k, kept)| (k.as_str(), kept))
    }

    /// What is done with an object's key, which may itself hold dots (SentinelOne writes
    /// `"src.process.name"` as one key): a dotted key is followed part by part through the
    /// levels. Gives the key as text (the name to record) with what is kept.
    #[inline]
    pub(crate) fn find<'a>(&'a self, key: &'a [u8]) -> Option<(&'a str, &'a Kept)> {
        // A dotted key's first part starts as the key does, so one test rules out both.
        if let Some(&first) = key.first()
            && self.first_bytes[usize::from(first / 64)] >> (first % 64) & 1 == 0
        {
            return None;
        }
        self.find_listed(key)
    }

    fn find_listed<'a>(&'a self, key: &'a [u8]) -> Option<(&'a str, &'a Kept)> {
        if let Some(found) = self.get(key) {
            return Some(found);
        }
        let dot = key.iter().position(|&b| b == b'.')?;
        let (_, kept) = self.get(&key[..dot])?;
        let kept = match kept {
            // The first part is kept whole, so is everything under it.
            Kept::Field => kept,
            Kept::Object(inner) => inner.find(&key[dot + 1..])?.1,
        };
        Some((std::str::from_utf8(key).ok()?, kept))
    }

    /// The entry for `key`, added with `make` when absent.
    fn entry(&mut self, key: &str, make: impl FnOnce() -> Kept) -> &mut Kept {
        let n = match self.keys.iter().position(|(k, _)| k == key) {
            Some(n) => n,
            None => {
                if let Some(&first) = key.as_bytes().first() {
                    self.first_bytes[usize::from(first / 64)] |= 1 << (first % 64);
                }
                self.keys.push((key.to_string(), make()));
                if self.keys.len() > SEARCHED_KEYS {
                    let positions = self.keys.iter().enumerate();
                    self.positions = Some(
                        positions
                            .map(|(n, (k, _))| (k.as_bytes().to_vec(), n))
                            .collect(),
                    );
                }
                self.keys.len() - 1
            }
        };
        &mut self.keys[n].1
    }
}

/// What a projection does with a key.
#[derive(Clone, Debug)]
pub(crate) enum Kept {
    /// A kept field: its value is read whole.
    Field,
    /// The object holding kept fields: it is descended into.
    Object(Level),
}

impl Projection {
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(fields: I) -> Projection {
        let mut projection = Projection::default();
        for field in fields {
            let field: String = field.into();
            let mut level = &mut projection.root;
            let mut parts = field.split('.').peekable();
            while let Some(part) = parts.next() {
                if parts.peek().is_none() {
                    *level.entry(part, || Kept::Field) = Kept::Field;
                    break;
                }
                match level.entry(part, || Kept::Object(Level::default())) {
                    Kept::Object(next) => level = next,
                    // A shorter field already keeps this whole object.
                    Kept::Field => break,
                }
            }
            projection.fields.insert(field);
        }
        projection
    }

    /// How many fields the projection keeps.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Whether the projection keeps this exact field.
    pub fn contains(&self, name: &str) -> bool {
        self.fields.contains(name)
    }
}

/// Any value at the dotted name held in `name`.
struct Node<'a> {
    record: &'a mut Record,
    name: &'a mut String,
    root: bool,
    /// When set, only these keys are kept at this level (and `name` is a kept object's).
    projection: Option<&'a Level>,
    /// The projection, for filtering arrays of objects by full name.
    fields: Option<&'a Projection>,
}

impl Node<'_> {
    fn leaf(self, value: Value) {
        // A scalar where a projection expected an object holding kept fields: nothing to keep.
        if self.projection.is_none() {
            self.record.insert(self.name.clone(), value);
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if self.root {
            "a JSON object"
        } else {
            "a JSON value"
        })
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.leaf(Value::Bool(v));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.leaf(Value::Number(v.into()));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.leaf(Value::Number(v.into()));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.leaf(Number::from_f64(v).map_or(Value::Null, Value::Number));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.leaf(Value::String(v.to_owned()));
        Ok(())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.leaf(Value::String(v));
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.leaf(Value::Null);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.name.len();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            // Under a projection: a kept field is read whole, an object holding kept fields is
            // descended into, and anything else is skipped unread.
            let projection = match self.projection {
                Some(level) => match level.find(key.as_bytes()).map(|(_, kept)| kept) {
                    Some(Kept::Field) => None,
                    Some(Kept::Object(next)) => Some(next),
                    None => {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                },
                None => None,
            };
            if base > 0 {
                self.name.push('.');
            }
            self.name.push_str(&key);
            let child = Node {
                record: self.record,
                name: self.name,
                root: false,
                projection,
                // A kept field is read whole, whatever it holds.
                fields: projection.and(self.fields),
            };
            map.next_value_seed(child)?;
            self.name.truncate(base);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // Arrays of scalars stay arrays; an array holding objects becomes one multi-valued field
        // per leaf, as Elasticsearch indexes it (and as Record::flatten_owned does).
        let mut items: Vec<Value> = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        if items.iter().any(Value::is_object) {
            for item in items {
                let mut part = Record::new();
                part.flatten_owned(self.name, item);
                for (leaf_name, leaf) in part.into_fields() {
                    if self.fields.is_none_or(|p| p.contains(&leaf_name)) {
                        self.record.push_value(leaf_name, leaf);
                    }
                }
            }
        } else if self.projection.is_some() {
            // An array where an object with kept fields was expected: nothing to keep.
        } else {
            self.leaf(Value::Array(items));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_flattening_the_parsed_tree() {
        let documents = [
            json!({"process": {"name": "cmd.exe", "args": ["cmd.exe", "/c"], "parent": {"pid": 4}}}),
            json!({"sig": [{"trusted": true, "name": "a"}, {"trusted": false}], "n": null}),
            json!({"a.b": 1, "a": {"c": -2, "d": 1.5, "e": "x\"\\\u{1}é"}, "empty": {}, "list": []}),
            json!({"big": u64::MAX, "nested": [[1, 2], [3]], "mixed": [1, {"k": "v"}]}),
        ];
        for document in documents {
            let text = document.to_string();
            let mut expected = Record::new();
            expected.flatten_owned("", document.clone());
            assert_eq!(parse_flat(&text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn keys_holding_dots_are_projected_as_nested_keys_are() {
        // The flattened names are the same either way, so the projection must keep the same
        // fields: those named, and those under a name kept whole.
        let kept = ["src.process.name", "event.type", "meta", "tgt.process.args"];
        let projection = Projection::new(kept);
        for text in [
            json!({"src.process.name": "cmd.exe", "src.process.pid": 4, "event.type": "x",
                "meta.event.name": "P", "tgt.process": {"args": ["a"], "name": "n"},
                "tgt": {"process.args": ["b"]}}),
            json!({"src": {"process.name": "cmd.exe"}, "event": {"type": "x"},
                "meta": {"event.name": "P"}, "tgt.process.args.x": 1}),
        ] {
            let text = text.to_string();
            let whole = parse_flat(&text).unwrap();
            let expected: Vec<(&str, &Value)> = whole
                .iter()
                .filter(|(name, _)| {
                    kept.iter().any(|k| {
                        name == k || name.strip_prefix(k).is_some_and(|r| r.starts_with('.'))
                    })
                })
                .collect();
            let record = parse_flat_projected(&text, &projection).unwrap();
            assert_eq!(record.iter().collect::<Vec<_>>(), expected, "{text}");
        }
    }

    #[test]
    fn a_projection_keeps_only_the_named_fields() {
        let text = json!({
            "process": {"name": "cmd.exe", "pid": 4, "parent": {"name": "lsass.exe", "args": ["a"]}},
            "event": {"type": ["start"], "category": ["process"]},
            "host": {"os": {"type": "windows"}},
            "sig": [{"name": "a", "ok": true}, {"name": "b"}],
            "noise": {"deep": {"deeper": [1, {"x": 2}]}},
            "missing": "a scalar where a kept field's parent object was expected",
            "sig2": [{"a": 1}, {"b": [2]}]
        })
        .to_string();
        let projection = Projection::new([
            "sig2",
            "process.name",
            "process.parent.args",
            "event.type",
            "host.os",
            "sig.name",
            "missing.field",
        ]);
        let record = parse_flat_projected(&text, &projection).unwrap();
        let mut names: Vec<&str> = record.iter().map(|(n, _)| n).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "event.type",
                "host.os.type",
                "process.name",
                "process.parent.args",
                "sig.name",
                "sig2.a",
                "sig2.b"
            ]
        );
        assert_eq!(record.get("sig.name"), Some(&json!(["a", "b"])));
        assert_eq!(
            record.get("host.os.type"),
            Some(&json!("windows")),
            "a kept object is read whole"
        );
        assert!(
            parse_flat_projected("{\"a\": ", &projection).is_err(),
            "skipped parts are still checked"
        );
    }

    #[test]
    fn refuses_what_is_not_one_object() {
        for text in ["[1]", "\"x\"", "{\"a\":1} {}", "{\"a\":", "", "{\"a\":1,}"] {
            assert!(parse_flat(text).is_err(), "{text}");
        }
    }
}
