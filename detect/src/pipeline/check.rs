//! Checks a pipeline's YAML before rsigma parses it, and translates pySigma's spellings.
//!
//! rsigma ignores keys it does not know, so a pySigma pipeline using one of them would load and
//! quietly do something else. Every key is checked here against what rsigma 0.23 reads; the
//! pySigma rule-condition forms (`rule_cond_op`, `rule_cond_not`, named `rule_conditions` with
//! `rule_cond_expr`) are rewritten into rsigma's `rule_cond_expression`.

use serde_yaml::{Mapping, Value};

use crate::error::{Location, PipelineError};
use crate::rules::{locate, strip_location};

pub(crate) struct Translated {
    pub yaml: String,
    pub warnings: Vec<String>,
}

const TOP_LEVEL: &[&str] = &[
    "name",
    "priority",
    "vars",
    "transformations",
    "finalizers",
    "postprocessing",
    "allowed_backends",
];

const ITEM_KEYS: &[&str] = &[
    "id",
    "type",
    "rule_conditions",
    "rule_cond_expr",
    "rule_cond_expression",
    "rule_cond_op",
    "rule_cond_not",
    "detection_item_conditions",
    "field_name_conditions",
    "field_name_cond_not",
];

/// pySigma item keys that rsigma 0.23 does not implement.
const UNSUPPORTED_ITEM_KEYS: &[&str] = &[
    "detection_item_cond_op",
    "detection_item_cond_not",
    "detection_item_cond_expr",
    "field_name_cond_op",
    "field_name_cond_expr",
    "include",
];

/// The parameters rsigma reads for each transformation type.
fn transformation_params(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "field_name_mapping" | "field_name_prefix_mapping" | "map_string" => &["mapping"],
        "field_name_prefix" => &["prefix"],
        "field_name_suffix" => &["suffix"],
        "drop_detection_item" | "value_placeholders" | "wildcard_placeholders" | "regex" => &[],
        "add_condition" => &["conditions", "field_refs", "negated", "prepend"],
        "change_logsource" => &["category", "product", "service"],
        "replace_string" => &["regex", "replacement", "skip_special"],
        "query_expression_placeholders" => &["expression"],
        "set_state" => &["key", "value"],
        "rule_failure" | "detection_item_failure" => &["message"],
        "field_name_transform" => &["transform_func", "mapping"],
        "hashes_fields" => &["valid_hash_algos", "field_prefix", "drop_algo_prefix"],
        "set_value" => &["value"],
        "convert_type" => &["target_type"],
        "add_field" | "remove_field" => &["field"],
        "set_field" => &["fields"],
        "set_custom_attribute" => &["attribute", "value"],
        "case_transformation" | "case" => &["case_type", "case"],
        "nest" => &["items", "transformations"],
        _ => return None,
    })
}

/// The parameters rsigma reads for each condition type, by condition level.
fn condition_params(level: &str, kind: &str) -> Option<&'static [&'static str]> {
    Some(match (level, kind) {
        ("rule_conditions", "logsource") => &["category", "product", "service"],
        ("rule_conditions", "contains_detection_item") => &["field", "value"],
        ("rule_conditions", "rule_attribute") => &["attribute", "value"],
        ("rule_conditions", "tag") => &["tag"],
        ("rule_conditions", "is_sigma_rule" | "is_sigma_correlation_rule") => &[],
        (_, "processing_item_applied") => &["processing_item_id"],
        (_, "processing_state") => &["key", "val"],
        ("field_name_conditions", "include_fields" | "exclude_fields") => &["fields", "match_type"],
        ("detection_item_conditions", "match_string") => &["pattern", "negate"],
        ("detection_item_conditions", "is_null") => &["negate"],
        _ => return None,
    })
}

pub(crate) fn check_and_translate(text: &str, source: &str) -> Result<Translated, PipelineError> {
    let mut root: Value = serde_yaml::from_str(text).map_err(|err| {
        let location = match err.location() {
            Some(at) => Location::at(source, at.line(), at.column()),
            None => Location::file(source),
        };
        PipelineError::new(
            location,
            format!("invalid yaml: {}", strip_location(&err.to_string())),
        )
    })?;
    let fail =
        |needle: &str, message: String| PipelineError::new(locate(text, source, needle), message);

    let Some(map) = root.as_mapping_mut() else {
        return Err(fail("", "a pipeline must be a yaml mapping".to_string()));
    };
    for key in map.keys() {
        let key = key.as_str().unwrap_or_default();
        if !TOP_LEVEL.contains(&key) {
            let message = format!(
                "unknown key `{key}`, expected one of: {}",
                TOP_LEVEL.join(", ")
            );
            return Err(fail(&format!("{key}:"), message));
        }
    }

    let mut warnings = Vec::new();
    if let Some(items) = map.get_mut("transformations") {
        let Some(items) = items.as_sequence_mut() else {
            return Err(fail(
                "transformations:",
                "`transformations` must be a list".to_string(),
            ));
        };
        for (index, item) in items.iter_mut().enumerate() {
            check_item(item, &mut warnings).map_err(|message| {
                let id = item_id(item);
                let needle = id
                    .as_deref()
                    .map_or("transformations:".to_string(), |id| format!("id: {id}"));
                let name = id.map_or(String::new(), |id| format!(" `{id}`"));
                fail(
                    &needle,
                    format!("transformation {}{name}: {message}", index + 1),
                )
            })?;
        }
    }

    let yaml = serde_yaml::to_string(&root)
        .map_err(|err| PipelineError::new(Location::file(source), err.to_string()))?;
    Ok(Translated { yaml, warnings })
}

fn item_id(item: &Value) -> Option<String> {
    item.get("id").and_then(Value::as_str).map(str::to_string)
}

fn check_item(item: &mut Value, warnings: &mut Vec<String>) -> Result<(), String> {
    let Some(map) = item.as_mapping_mut() else {
        return Err("a transformation must be a mapping".to_string());
    };
    let kind = map
        .get("type")
        .and_then(Value::as_str)
        .ok_or("missing `type`")?
        .to_string();
    let Some(params) = transformation_params(&kind) else {
        return Err(format!("unknown transformation type `{kind}`"));
    };
    for key in map.keys() {
        let key = key.as_str().unwrap_or_default();
        if UNSUPPORTED_ITEM_KEYS.contains(&key) {
            return Err(format!(
                "`{key}` is a pySigma key that rsigma 0.23 does not implement"
            ));
        }
        if !ITEM_KEYS.contains(&key) && !params.contains(&key) {
            return Err(format!(
                "unknown parameter `{key}` for `{kind}`; rsigma reads: {}",
                params.join(", ")
            ));
        }
    }
    if kind == "hashes_fields" {
        warnings.push(
            "`hashes_fields`: rsigma turns a list of alternative hashes into items that must \
             all match, so a rule listing several hashes never fires"
                .to_string(),
        );
    }
    if kind == "nest" {
        for key in ["items", "transformations"] {
            if let Some(Value::Sequence(inner)) = map.get_mut(key) {
                for nested in inner {
                    check_item(nested, warnings)?;
                }
            }
        }
    }

    for level in ["detection_item_conditions", "field_name_conditions"] {
        if let Some(conditions) = map.get_mut(level) {
            *conditions = Value::Sequence(named_to_list(conditions.clone(), level)?);
            check_conditions(conditions, level)?;
        }
    }
    translate_rule_conditions(map)
}

/// pySigma accepts conditions as a list or as a mapping of names to conditions; rsigma wants
/// a list whose entries carry the name as `id`.
fn named_to_list(conditions: Value, level: &str) -> Result<Vec<Value>, String> {
    match conditions {
        Value::Sequence(list) => Ok(list),
        Value::Mapping(named) => named
            .into_iter()
            .map(|(name, mut condition)| {
                let map = condition
                    .as_mapping_mut()
                    .ok_or(format!("each of `{level}` must be a mapping"))?;
                map.insert(Value::from("id"), name);
                Ok(condition)
            })
            .collect(),
        _ => Err(format!("`{level}` must be a list or a mapping")),
    }
}

fn check_conditions(conditions: &Value, level: &str) -> Result<(), String> {
    for condition in conditions.as_sequence().into_iter().flatten() {
        let kind = condition
            .get("type")
            .and_then(Value::as_str)
            .ok_or(format!("a condition in `{level}` has no `type`"))?;
        let Some(params) = condition_params(level, kind) else {
            return Err(format!("unknown condition type `{kind}` in `{level}`"));
        };
        for key in condition.as_mapping().into_iter().flat_map(Mapping::keys) {
            let key = key.as_str().unwrap_or_default();
            if key != "type" && key != "id" && !params.contains(&key) {
                return Err(format!(
                    "unknown parameter `{key}` for condition `{kind}`; rsigma reads: {}",
                    params.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// Rewrites pySigma's `rule_cond_op`, `rule_cond_not` and `rule_cond_expr` as rsigma's
/// `rule_cond_expression` over condition ids.
fn translate_rule_conditions(map: &mut Mapping) -> Result<(), String> {
    let Some(conditions) = map.get("rule_conditions").cloned() else {
        for key in [
            "rule_cond_expr",
            "rule_cond_expression",
            "rule_cond_op",
            "rule_cond_not",
        ] {
            if map.contains_key(key) {
                return Err(format!("`{key}` without `rule_conditions`"));
            }
        }
        return Ok(());
    };
    let mut list = named_to_list(conditions, "rule_conditions")?;
    let mut ids = Vec::new();
    for (index, condition) in list.iter_mut().enumerate() {
        let id = match condition.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => format!("cond_{index}"),
        };
        if let Some(map) = condition.as_mapping_mut() {
            map.insert(Value::from("id"), Value::from(id.clone()));
        }
        ids.push(id);
    }
    let list = Value::Sequence(list);
    check_conditions(&list, "rule_conditions")?;
    map.insert(Value::from("rule_conditions"), list);

    let expression = match (
        map.remove("rule_cond_expr")
            .or_else(|| map.remove("rule_cond_expression")),
        map.remove("rule_cond_op"),
        map.remove("rule_cond_not"),
    ) {
        (Some(expr), None, None) => {
            let expr = expr.as_str().ok_or("`rule_cond_expr` must be text")?;
            spaced(expr, &ids)?
        }
        (Some(_), _, _) => {
            return Err("`rule_cond_expr` cannot be combined with `rule_cond_op`/`not`".into());
        }
        (None, op, not) => {
            let op = match op.as_ref().map(|op| op.as_str()) {
                None | Some(Some("and")) => "and",
                Some(Some("or")) => "or",
                _ => return Err("`rule_cond_op` must be `and` or `or`".to_string()),
            };
            let not = match not {
                None => false,
                Some(Value::Bool(not)) => not,
                Some(_) => return Err("`rule_cond_not` must be true or false".to_string()),
            };
            if !not && op == "and" {
                return Ok(());
            }
            let joined = ids.join(&format!(" {op} "));
            if not {
                format!("not ( {joined} )")
            } else {
                joined
            }
        }
    };
    map.insert(Value::from("rule_cond_expression"), Value::from(expression));
    Ok(())
}

/// Puts spaces around parentheses (rsigma splits expressions on whitespace) and checks that
/// every name refers to a condition.
fn spaced(expr: &str, ids: &[String]) -> Result<String, String> {
    let spaced = expr.replace('(', " ( ").replace(')', " ) ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    for word in &words {
        let keyword = matches!(word.to_ascii_lowercase().as_str(), "and" | "or" | "not");
        if !keyword && *word != "(" && *word != ")" && !ids.iter().any(|id| id == word) {
            return Err(format!(
                "`rule_cond_expr` names `{word}`, which is no condition id"
            ));
        }
    }
    Ok(words.join(" "))
}
