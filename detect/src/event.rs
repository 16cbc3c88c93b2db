//! rsigma's `Event` over a [`Record`]: rules read a record in the product's own field names.
//!
//! A record's field names are flat keys that may contain dots (`process.parent.name`). The
//! exact name is looked up first; only when it is absent does the adapter try to descend into an
//! object value under a dotted prefix, which hand-built records may hold. No record is converted
//! to another JSON document on the evaluation path.

use std::borrow::Cow;

use detsim_generators::Record;
use rsigma_eval::{Event, EventValue};
use serde_json::Value;

/// Nesting depth past which values are not searched (keyword search and nested lookups).
const MAX_DEPTH: usize = 64;

/// A borrowed [`Record`] seen as an rsigma event.
#[derive(Clone, Copy, Debug)]
pub struct RecordEvent<'a> {
    record: &'a Record,
}

impl<'a> RecordEvent<'a> {
    pub fn new(record: &'a Record) -> Self {
        RecordEvent { record }
    }

    pub fn record(&self) -> &'a Record {
        self.record
    }
}

impl<'a> From<&'a Record> for RecordEvent<'a> {
    fn from(record: &'a Record) -> Self {
        RecordEvent::new(record)
    }
}

impl Event for RecordEvent<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        if let Some(value) = self.record.get(path) {
            return Some(EventValue::from(value));
        }
        nested_lookup(self.record, path).map(EventValue::from)
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        self.record
            .iter()
            .any(|(_, value)| any_string(value, pred, MAX_DEPTH))
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut out = Vec::new();
        for (_, value) in self.record.iter() {
            visit_strings(value, &mut |text| out.push(Cow::Borrowed(text)), MAX_DEPTH);
        }
        out
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        for (_, value) in self.record.iter() {
            visit_strings(value, visit, MAX_DEPTH);
        }
    }

    fn to_json(&self) -> Value {
        self.record.to_flat_json()
    }

    fn field_keys(&self) -> Vec<Cow<'_, str>> {
        self.record
            .iter()
            .map(|(name, _)| Cow::Borrowed(name))
            .collect()
    }

    fn top_level_keys(&self) -> Option<Vec<Cow<'_, str>>> {
        Some(self.field_keys())
    }

    fn visit_top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        for (name, _) in self.record.iter() {
            visit(name);
        }
        true
    }
}

/// Finds `a.b.c` as key `a.b` holding an object with key `c` (or `a` holding `{"b": {"c"}}`),
/// trying the longest flat prefix first.
fn nested_lookup<'r>(record: &'r Record, path: &str) -> Option<&'r Value> {
    let mut end = path.len();
    while let Some(dot) = path[..end].rfind('.') {
        if let Some(Value::Object(map)) = record.get(&path[..dot]) {
            return descend(map, &path[dot + 1..]);
        }
        end = dot;
    }
    None
}

fn descend<'v>(map: &'v serde_json::Map<String, Value>, rest: &str) -> Option<&'v Value> {
    if let Some(value) = map.get(rest) {
        return Some(value);
    }
    let (head, tail) = rest.split_once('.')?;
    match map.get(head)? {
        Value::Object(inner) => descend(inner, tail),
        _ => None,
    }
}

fn any_string(value: &Value, pred: &dyn Fn(&str) -> bool, depth: usize) -> bool {
    if depth == 0 {
        return false;
    }
    match value {
        Value::String(text) => pred(text),
        Value::Array(items) => items.iter().any(|item| any_string(item, pred, depth - 1)),
        Value::Object(map) => map.values().any(|item| any_string(item, pred, depth - 1)),
        _ => false,
    }
}

fn visit_strings<'v, F>(value: &'v Value, visit: &mut F, depth: usize)
where
    F: FnMut(&'v str) + ?Sized,
{
    if depth == 0 {
        return;
    }
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items
            .iter()
            .for_each(|item| visit_strings(item, visit, depth - 1)),
        Value::Object(map) => map
            .values()
            .for_each(|item| visit_strings(item, visit, depth - 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Record {
        let mut record = Record::new();
        record.insert("process.parent.name", "lsass.exe");
        record.insert("event.type", json!(["start"]));
        record.insert("nothing", Value::Null);
        record.insert("pid", 4);
        record.insert("host", json!({"os": {"type": "windows"}}));
        record
    }

    #[test]
    fn looks_up_flat_dotted_names_first() {
        let record = record();
        let event = RecordEvent::new(&record);
        assert_eq!(
            event.get_field("process.parent.name"),
            Some(EventValue::Str(Cow::Borrowed("lsass.exe")))
        );
        assert_eq!(event.get_field("pid"), Some(EventValue::Int(4)));
        assert_eq!(event.get_field("nothing"), Some(EventValue::Null));
        assert_eq!(event.get_field("process.parent"), None);
        assert_eq!(event.get_field("missing"), None);
    }

    #[test]
    fn descends_into_object_values_only_when_the_flat_name_is_absent() {
        let record = record();
        let event = RecordEvent::new(&record);
        assert_eq!(
            event.get_field("host.os.type"),
            Some(EventValue::Str(Cow::Borrowed("windows")))
        );
        assert_eq!(event.get_field("host.os.name"), None);
    }

    #[test]
    fn keyword_search_sees_every_string_including_array_members() {
        let record = record();
        let event = RecordEvent::new(&record);
        assert!(event.any_string_value(&|text| text == "start"));
        assert!(event.any_string_value(&|text| text == "windows"));
        assert!(!event.any_string_value(&|text| text == "4"));
        assert_eq!(event.all_string_values().len(), 3);
    }
}
