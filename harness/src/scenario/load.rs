//! Loading scenario files: YAML, matrix expansion, templating, typed decoding and checks.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_yaml::Value as Yaml;

use super::Scenario;
use super::check::Checker;
use super::error::{ScenarioError, did_you_mean};
use super::positions::Positions;
use super::raw::RawScenario;
use super::template;
use crate::catalogue::Catalogue;

/// Where a timeline starts when the scenario does not say: a Monday morning.
pub const DEFAULT_START: &str = "2026-01-05T08:00:00Z";

/// Loads every scenario of files and directories (directories recursively, `*.yaml`/`*.yml`,
/// in name order). Returns the scenarios that loaded and every problem found.
pub fn load_paths(paths: &[PathBuf], seed: u64) -> (Vec<Scenario>, Vec<ScenarioError>) {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match load_path(path, seed) {
            Ok(mut loaded) => scenarios.append(&mut loaded),
            Err(mut found) => errors.append(&mut found),
        }
    }
    (scenarios, errors)
}

/// Loads one scenario file, or every scenario file under a directory.
pub fn load_path(path: &Path, seed: u64) -> Result<Vec<Scenario>, Vec<ScenarioError>> {
    let files = scenario_files(path).map_err(|e| vec![e])?;
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let loaded = std::fs::read_to_string(&file)
            .map_err(|e| vec![ScenarioError::new(&file, format!("cannot read file: {e}"))])
            .and_then(|text| load_str(&text, &file.display().to_string(), seed));
        match loaded {
            Ok(mut found) => scenarios.append(&mut found),
            Err(mut found) => errors.append(&mut found),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(errors)
    }
}

/// The scenario files a path names, sorted.
pub fn scenario_files(path: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ScenarioError::new(path, format!("cannot read path: {e}")))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| ScenarioError::new(&dir, format!("cannot read directory: {e}")))?;
        for entry in entries {
            let entry = entry
                .map_err(|e| ScenarioError::new(&dir, format!("cannot read directory: {e}")))?;
            let child = entry.path();
            if child.is_dir() {
                pending.push(child);
            } else if matches!(
                child.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                files.push(child);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Loads the scenarios of one file's text; `source` names the file in errors.
pub fn load_str(text: &str, source: &str, seed: u64) -> Result<Vec<Scenario>, Vec<ScenarioError>> {
    let error = |message: String| ScenarioError::new(source, message);
    let root: Yaml = serde_yaml::from_str(text).map_err(|e| {
        let location = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        vec![error(format!("invalid YAML: {}", strip_location(&e.to_string()))).at(location)]
    })?;
    let positions = Positions::index(text);
    let Yaml::Mapping(mut root) = root else {
        return Err(vec![
            error("expected a mapping with `scenario:` and `steps:` at the top".into()).at((1, 1)),
        ]);
    };

    let locate = |path: &str| positions.value(path);
    let vars = root.remove("vars").unwrap_or(Yaml::Null);
    let matrix = root.remove("matrix");
    let combinations = match &matrix {
        None => vec![IndexMap::new()],
        Some(matrix) => expand_matrix(matrix).map_err(|m| vec![error(m).at(locate("matrix"))])?,
    };
    let name_is_templated = root
        .get("scenario")
        .and_then(Yaml::as_str)
        .is_some_and(template::is_template);

    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for (index, combination) in combinations.iter().enumerate() {
        let mut context = tera::Context::new();
        if let Yaml::Mapping(vars) = &vars {
            for (key, value) in vars {
                if let Some(key) = key.as_str() {
                    context.insert(key, &to_json(value));
                }
            }
        } else if !vars.is_null() {
            errors.push(
                error("`vars` must be a mapping of names to values".into()).at(locate("vars")),
            );
            break;
        }
        for (key, value) in combination {
            context.insert(key.as_str(), &to_json(value));
        }

        let mut document = Yaml::Mapping(root.clone());
        let scope = format!("{source}#{index}");
        if let Err(failure) = template::render_tree(&mut document, &context, seed, &scope) {
            errors.push(
                error(format!("template error: {}", failure.message)).at(locate(&failure.path)),
            );
            continue;
        }
        let raw: RawScenario = match serde_path_to_error::deserialize(document) {
            Ok(raw) => raw,
            Err(failure) => {
                errors.push(decode_error(source, &positions, &failure));
                continue;
            }
        };
        let suffix =
            (!combination.is_empty() && !name_is_templated).then(|| matrix_suffix(combination));
        let mut checker = Checker::new(source, &positions, Catalogue::builtin());
        let scenario = checker.scenario(raw, seed, suffix);
        if checker.errors.is_empty() {
            scenarios.push(scenario);
        } else {
            errors.append(&mut checker.errors);
        }
    }
    // A matrix repeats each semantic error once per combination; report it once.
    let mut seen = HashSet::new();
    errors.retain(|e| seen.insert((e.line, e.column, e.message.clone())));
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(errors)
    }
}

/// serde_yaml appends ` at line L column C` to its messages; the location is reported apart.
fn strip_location(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

fn to_json(value: &Yaml) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// A mapping of lists gives the cartesian product in file order; a list of mappings gives one
/// combination per item.
fn expand_matrix(matrix: &Yaml) -> Result<Vec<IndexMap<String, Yaml>>, String> {
    let invalid = "`matrix` must be a mapping of names to lists of values, or a list of mappings";
    match matrix {
        Yaml::Mapping(map) => {
            let mut combinations = vec![IndexMap::new()];
            for (key, values) in map {
                let key = key.as_str().ok_or(invalid)?.to_string();
                let Yaml::Sequence(values) = values else {
                    return Err(format!("matrix `{key}` must be a list of values"));
                };
                if values.is_empty() {
                    return Err(format!("matrix `{key}` has no values"));
                }
                combinations = combinations
                    .into_iter()
                    .flat_map(|combination| {
                        let key = key.clone();
                        values.iter().map(move |value| {
                            let mut next = combination.clone();
                            next.insert(key.clone(), value.clone());
                            next
                        })
                    })
                    .collect();
            }
            Ok(combinations)
        }
        Yaml::Sequence(items) if !items.is_empty() => items
            .iter()
            .map(|item| match item {
                Yaml::Mapping(map) => map
                    .iter()
                    .map(|(k, v)| Ok((k.as_str().ok_or(invalid)?.to_string(), v.clone())))
                    .collect(),
                _ => Err(invalid.to_string()),
            })
            .collect(),
        _ => Err(invalid.to_string()),
    }
}

/// `/lsass.exe` for a one-key matrix, `/lsass.exe-system` for more keys; a combination with a
/// `name` key is named by it alone, and a mapping value contributes its own `name`.
fn matrix_suffix(combination: &IndexMap<String, Yaml>) -> String {
    if let Some(name) = combination.get("name").and_then(Yaml::as_str) {
        return format!("/{name}");
    }
    let parts: Vec<String> = combination
        .values()
        .map(|value| match value {
            Yaml::String(s) => s.clone(),
            Yaml::Mapping(map) => map
                .get("name")
                .and_then(Yaml::as_str)
                .unwrap_or("item")
                .to_string(),
            other => serde_yaml::to_string(other)
                .unwrap_or_default()
                .trim()
                .to_string(),
        })
        .collect();
    format!("/{}", parts.join("-"))
}

/// A typed-decoding failure, located by its path; unknown keys get a did-you-mean hint.
fn decode_error(
    source: &str,
    positions: &Positions,
    failure: &serde_path_to_error::Error<serde_yaml::Error>,
) -> ScenarioError {
    let path = failure.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let message = strip_location(&failure.inner().to_string()).to_string();
    let hint = unknown_key_hint(&message);
    let (location, message) = if message.starts_with("unknown field") {
        (positions.key(&path), message)
    } else if message.starts_with("missing field") {
        (positions.value(&path), message)
    } else {
        let at = if path.is_empty() {
            String::new()
        } else {
            format!("`{path}`: ")
        };
        (positions.value(&path), format!("{at}{message}"))
    };
    ScenarioError::new(source, message)
        .at(location)
        .with_hint(hint)
}

/// From serde's "unknown field `x`, expected one of `a`, `b`", the closest expected key.
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(key, candidates)
}
