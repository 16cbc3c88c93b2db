//! The field view of one vendor record: field name, in the product's own spelling, to value.
//!
//! Readers turn a line of a format into a [`Record`]; the detectors evaluate rules over records,
//! so a rule sees exactly what a product wrote, not the canonical model. Nested JSON is
//! flattened into dotted names (`process.parent.name`), and an array of objects becomes one
//! multi-valued field per leaf, which is how Elasticsearch indexes such documents.

use std::hash::BuildHasherDefault;

use indexmap::IndexMap;
use rustc_hash::FxHasher;
use serde_json::Value;

/// Field names are short and never attacker-chosen hash-flooding material inside one record, so
/// a fast non-cryptographic hash serves lookups better than the default SipHash.
type Fields = IndexMap<String, Value, BuildHasherDefault<FxHasher>>;

/// One record's fields, in the order the record holds them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    fields: Fields,
}

impl Record {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(capacity: usize) -> Self {
        Record {
            fields: Fields::with_capacity_and_hasher(capacity, Default::default()),
        }
    }

    /// The value of a field, `None` when the record does not have it.
    ///
    /// A field present with JSON `null` gives `Some(&Value::Null)`: absent and null differ.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// The field as text when it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// Sets a field, replacing an earlier value of the same name.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.fields.insert(name.into(), value.into());
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.fields.shift_remove(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Fields in record order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.fields
            .iter()
            .map(|(name, value)| (name.as_str(), value))
    }

    /// Adds every leaf of a JSON value under `prefix`, joining object keys with dots.
    ///
    /// Arrays of scalars stay arrays. Arrays of objects become one array per leaf name, so
    /// `[{"a":1},{"a":2}]` under `x` gives `x.a = [1, 2]`.
    pub fn flatten_json(&mut self, prefix: &str, value: &Value) {
        self.flatten_owned(prefix, value.clone());
    }

    /// [`Record::flatten_json`] taking the value, so leaves move instead of being copied.
    pub fn flatten_owned(&mut self, prefix: &str, value: Value) {
        let mut name = String::with_capacity(64);
        name.push_str(prefix);
        self.flatten_into(&mut name, value);
    }

    /// Walks `value` with `name` as a reusable buffer holding the current dotted prefix.
    fn flatten_into(&mut self, name: &mut String, value: Value) {
        match value {
            Value::Object(map) => {
                let base = name.len();
                for (key, child) in map {
                    if base > 0 {
                        name.push('.');
                    }
                    name.push_str(&key);
                    self.flatten_into(name, child);
                    name.truncate(base);
                }
            }
            Value::Array(items) if items.iter().any(Value::is_object) => {
                for item in items {
                    let mut part = Record::new();
                    part.flatten_owned(name, item);
                    for (leaf_name, leaf) in part.fields {
                        self.push_value(leaf_name, leaf);
                    }
                }
            }
            leaf => {
                self.fields.insert(name.clone(), leaf);
            }
        }
    }

    /// The fields, consumed, in record order.
    pub fn into_fields(self) -> impl Iterator<Item = (String, Value)> {
        self.fields.into_iter()
    }

    /// Appends to a multi-valued field, turning a single value into an array when needed.
    pub(crate) fn push_value(&mut self, name: String, value: Value) {
        let slot = self
            .fields
            .entry(name)
            .or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            let first = slot.take();
            *slot = Value::Array(vec![first]);
        }
        if let Value::Array(items) = slot {
            match value {
                Value::Array(more) => items.extend(more),
                other => items.push(other),
            }
        }
    }

    /// Rebuilds nested JSON from the dotted names (the inverse of [`Record::flatten_json`] for
    /// records without arrays of objects).
    pub fn to_nested_json(&self) -> Value {
        let mut root = serde_json::Map::new();
        for (name, value) in &self.fields {
            insert_nested(&mut root, name, value.clone());
        }
        Value::Object(root)
    }

    /// The record as one flat JSON object with dotted keys.
    pub fn to_flat_json(&self) -> Value {
        Value::Object(
            self.fields
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        )
    }
}

impl FromIterator<(String, Value)> for Record {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Record {
            fields: iter.into_iter().collect(),
        }
    }
}

fn insert_nested(map: &mut serde_json::Map<String, Value>, name: &str, value: Value) {
    match name.split_once('.') {
        None => {
            map.insert(name.to_string(), value);
        }
        Some((head, rest)) => {
            let child = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if !child.is_object() {
                // A scalar and an object share a name; keep the scalar under the full name.
                map.insert(name.to_string(), value);
                return;
            }
            if let Value::Object(inner) = child {
                insert_nested(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_objects_and_arrays_of_objects() {
        let doc = json!({
            "process": {"name": "cmd.exe", "args": ["cmd.exe", "/c"], "parent": {"pid": 4}},
            "sig": [{"trusted": true, "name": "a"}, {"trusted": false}],
            "nothing": null
        });
        let mut record = Record::new();
        record.flatten_json("", &doc);
        assert_eq!(record.get_str("process.name"), Some("cmd.exe"));
        assert_eq!(record.get("process.args"), Some(&json!(["cmd.exe", "/c"])));
        assert_eq!(record.get("process.parent.pid"), Some(&json!(4)));
        assert_eq!(record.get("sig.trusted"), Some(&json!([true, false])));
        assert_eq!(record.get("sig.name"), Some(&json!(["a"])));
        assert_eq!(record.get("nothing"), Some(&Value::Null));
        assert_eq!(record.get("missing"), None);
    }

    #[test]
    fn nests_dotted_names_back() {
        let mut record = Record::new();
        record.insert("a.b", 1);
        record.insert("a.c", "x");
        record.insert("d", true);
        assert_eq!(
            record.to_nested_json(),
            json!({"a": {"b": 1, "c": "x"}, "d": true})
        );
    }
}
