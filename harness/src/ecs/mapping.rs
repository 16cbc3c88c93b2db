//! A vendor-to-ECS mapping loaded from its data file, and its application to records.

use detsim_generators::Record;
use serde::Deserialize;
use serde_json::Value;

use super::transform::{Transform, text_of};

/// A mapping file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MappingError(String);

/// How one product's records become ECS records.
#[derive(Debug)]
pub struct Mapping {
    /// The Elastic integration this mapping reproduces.
    pub integration: String,
    absent: Vec<String>,
    fields: Vec<Field>,
}

#[derive(Debug)]
struct Field {
    ecs: String,
    source: Source,
    /// Applied in order; any step giving nothing leaves the field absent.
    transforms: Vec<Transform>,
    when: Vec<Condition>,
}

#[derive(Debug)]
enum Source {
    Constant(Value),
    /// The first of these vendor fields that is present and not an absent value.
    Fields(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Condition {
    field: String,
    /// The value's text equals this exactly.
    equals: Option<String>,
    /// The value's text contains this, ignoring case.
    contains: Option<String>,
    /// The field is present (`true`) or absent (`false`).
    present: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    #[allow(dead_code)]
    format: String,
    integration: String,
    #[allow(dead_code)]
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    ecs: String,
    value: Option<Value>,
    from: Option<OneOrMany>,
    transform: Option<OneOrMany>,
    #[serde(default)]
    when: Vec<Condition>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Mapping {
    pub fn parse(text: &str) -> Result<Mapping, MappingError> {
        let raw: RawMapping =
            serde_yaml::from_str(text).map_err(|e| MappingError(e.to_string()))?;
        let mut fields = Vec::with_capacity(raw.fields.len());
        for field in raw.fields {
            let source = match (field.value, field.from) {
                (Some(value), None) => Source::Constant(value),
                (None, Some(OneOrMany::One(name))) => Source::Fields(vec![name]),
                (None, Some(OneOrMany::Many(names))) if !names.is_empty() => Source::Fields(names),
                _ => {
                    return Err(MappingError(format!(
                        "`{}`: give exactly one of `value` or `from`",
                        field.ecs
                    )));
                }
            };
            for condition in &field.when {
                let kinds = [
                    condition.equals.is_some(),
                    condition.contains.is_some(),
                    condition.present.is_some(),
                ];
                if kinds.iter().filter(|k| **k).count() != 1 {
                    return Err(MappingError(format!(
                        "`{}`: a condition on `{}` needs exactly one of `equals`, `contains` or \
                         `present`",
                        field.ecs, condition.field
                    )));
                }
            }
            let names = match field.transform {
                None => Vec::new(),
                Some(OneOrMany::One(name)) => vec![name],
                Some(OneOrMany::Many(names)) => names,
            };
            let transforms = names
                .iter()
                .map(|name| Transform::parse(name))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| MappingError(format!("`{}`: {e}", field.ecs)))?;
            fields.push(Field {
                ecs: field.ecs,
                source,
                transforms,
                when: field.when,
            });
        }
        Ok(Mapping {
            integration: raw.integration,
            absent: raw.absent,
            fields,
        })
    }

    /// The vendor fields the mapping reads to produce these ECS fields: their sources and the
    /// fields their conditions test. An ECS field also asks for the fields under it, and for
    /// the object holding it, when the mapping produces those.
    pub fn sources<'a>(&self, ecs_fields: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let wanted: Vec<&str> = ecs_fields.into_iter().collect();
        let related = |ecs: &str| {
            wanted.iter().any(|w| {
                ecs == *w
                    || ecs
                        .strip_prefix(w)
                        .is_some_and(|rest| rest.starts_with('.'))
                    || w.strip_prefix(ecs)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        };
        let mut sources: Vec<String> = Vec::new();
        for field in self.fields.iter().filter(|f| related(&f.ecs)) {
            if let Source::Fields(names) = &field.source {
                sources.extend(names.iter().cloned());
            }
            sources.extend(field.when.iter().map(|c| c.field.clone()));
        }
        sources.sort();
        sources.dedup();
        sources
    }

    /// The ECS record of a vendor record.
    pub fn apply(&self, record: &Record) -> Record {
        let mut out = Record::with_capacity(self.fields.len());
        for field in &self.fields {
            if !field.when.iter().all(|c| self.holds(c, record)) {
                continue;
            }
            let value = match &field.source {
                Source::Constant(value) => Some(value.clone()),
                Source::Fields(names) => names
                    .iter()
                    .find_map(|name| self.lookup(record, name))
                    .and_then(|value| {
                        let mut value = value.clone();
                        for transform in &field.transforms {
                            value = transform.apply(&value)?;
                        }
                        Some(value)
                    }),
            };
            if let Some(value) = value {
                out.insert(field.ecs.as_str(), value);
            }
        }
        out
    }

    /// A vendor field's value, unless it is missing, null or one of the absent values.
    fn lookup<'r>(&self, record: &'r Record, name: &str) -> Option<&'r Value> {
        let value = record.get(name)?;
        match value {
            Value::Null => None,
            Value::String(text) if self.absent.iter().any(|a| a == text) => None,
            _ => Some(value),
        }
    }

    fn holds(&self, condition: &Condition, record: &Record) -> bool {
        let value = self.lookup(record, &condition.field);
        if let Some(present) = condition.present {
            return value.is_some() == present;
        }
        let Some(text) = value.and_then(text_of) else {
            return false;
        };
        match (&condition.equals, &condition.contains) {
            (Some(expected), _) => text == *expected,
            (_, Some(part)) => text.to_lowercase().contains(&part.to_lowercase()),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MAPPING: &str = r#"
format: test
integration: test
absent: ["", "-"]
fields:
  - {ecs: event.category, value: [process], when: [{field: EventID, equals: "1"}]}
  - {ecs: event.type, value: [start], when: [{field: Action, contains: processcreated}]}
  - {ecs: process.executable, from: Image}
  - {ecs: process.name, from: [Name, Image], transform: basename}
  - {ecs: process.parent.executable, from: ParentImage}
  - {ecs: host.os.type, value: windows, when: [{field: Sid, present: true}]}
  - {ecs: process.args, from: Line, transform: [trim_quotes, split_args]}
"#;

    fn record(fields: &[(&str, Value)]) -> Record {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn maps_conditions_fallbacks_and_absent_values() {
        let mapping = Mapping::parse(MAPPING).unwrap();
        let ecs = mapping.apply(&record(&[
            ("EventID", json!(1)),
            ("Action", json!("ProcessCreated")),
            ("Image", json!(r"C:\x\cmd.exe")),
            ("ParentImage", json!("-")),
        ]));
        assert_eq!(ecs.get("event.category"), Some(&json!(["process"])));
        assert_eq!(ecs.get("event.type"), Some(&json!(["start"])));
        assert_eq!(ecs.get_str("process.name"), Some("cmd.exe"));
        assert_eq!(
            ecs.get("process.parent.executable"),
            None,
            "`-` means absent"
        );
        assert_eq!(ecs.get("host.os.type"), None);

        let chained = mapping.apply(&record(&[
            ("Sid", json!("S-1-5-18")),
            ("Line", json!("\"a b\"")),
        ]));
        assert_eq!(chained.get_str("host.os.type"), Some("windows"));
        assert_eq!(chained.get("process.args"), Some(&json!(["a", "b"])));

        let other = mapping.apply(&record(&[("EventID", json!("3")), ("Image", json!("x"))]));
        assert_eq!(other.get("event.category"), None);
        assert_eq!(other.get("process.name"), None, "no backslash, no name");
    }

    #[test]
    fn refuses_malformed_mappings() {
        let both = "format: t\nintegration: t\nfields:\n  - {ecs: a, value: 1, from: b}\n";
        assert!(
            Mapping::parse(both)
                .unwrap_err()
                .to_string()
                .contains("exactly one")
        );
        let bad = "format: t\nintegration: t\nfields:\n  - {ecs: a, from: b, transform: upper}\n";
        assert!(
            Mapping::parse(bad)
                .unwrap_err()
                .to_string()
                .contains("unknown transform")
        );
        let two = "format: t\nintegration: t\nfields:\n  - {ecs: a, value: 1, when: [{field: b, \
                   equals: x, present: true}]}\n";
        assert!(
            Mapping::parse(two)
                .unwrap_err()
                .to_string()
                .contains("exactly one of")
        );
    }
}
