//! Reading a JSON document straight into a flat [`Record`], without building the document's
//! tree first: object keys are joined into dotted names in one reused buffer and each leaf is
//! moved into the record as the parser reaches it. This is what makes the JSON readers cheap;
//! the result is the same as parsing into a `serde_json::Value` and calling
//! [`Record::flatten_owned`].

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use crate::record::Record;

/// Parses one JSON object into a flat record. Anything but an object is an error, reported by
/// serde_json with its position.
pub fn parse_flat(text: &str) -> Result<Record, serde_json::Error> {
    let mut record = Record::with_capacity(128);
    let mut name = String::with_capacity(96);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    Root {
        record: &mut record,
        name: &mut name,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(record)
}

/// The top level: must be an object.
struct Root<'a> {
    record: &'a mut Record,
    name: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for Root<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(Node {
            record: self.record,
            name: self.name,
            root: true,
        })
    }
}

/// Any value at the dotted name held in `name`.
struct Node<'a> {
    record: &'a mut Record,
    name: &'a mut String,
    root: bool,
}

impl Node<'_> {
    fn leaf(self, value: Value) {
        self.record.insert(self.name.clone(), value);
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
            if base > 0 {
                self.name.push('.');
            }
            self.name.push_str(&key);
            map.next_value_seed(Node {
                record: self.record,
                name: self.name,
                root: false,
            })?;
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
                    self.record.push_value(leaf_name, leaf);
                }
            }
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
    fn refuses_what_is_not_one_object() {
        for text in ["[1]", "\"x\"", "{\"a\":1} {}", "{\"a\":", "", "{\"a\":1,}"] {
            assert!(parse_flat(text).is_err(), "{text}");
        }
    }
}
