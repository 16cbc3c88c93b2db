//! Loading scenario files: YAML, matrix expansion, templating, typed decoding and checks.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use detsim_generators::Format;
use detsim_generators::model::{Account, Expectation, HostRole, Integrity, Language, Verdict};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_yaml::Value as Yaml;

use super::duration::{parse_duration, parse_rate};
use super::error::{ScenarioError, did_you_mean};
use super::positions::Positions;
use super::template::{self, random_user_name};
use super::{
    CountExpectation, HostSpec, NoiseAmount, NoiseSpec, ParentRef, Scenario, Step, UserRef,
    UserSpec,
};
use crate::catalogue::Catalogue;
use crate::{noise, seed};

/// The words an expectation may use, for messages.
const VERDICTS: &str = "`alert`, `quiet`, `missed` or `false-positive`";

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
        let mut checker = Checker {
            source,
            positions: &positions,
            errors: Vec::new(),
            catalogue: Catalogue::builtin(),
        };
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    scenario: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    techniques: Vec<String>,
    start: Option<String>,
    host: Option<String>,
    #[serde(default)]
    hosts: Vec<RawHost>,
    #[serde(default)]
    users: Vec<RawUser>,
    #[serde(default)]
    steps: Vec<RawStep>,
    noise: Option<OneOrMany<RawNoise>>,
    #[serde(default)]
    counts: Vec<RawCount>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHost {
    name: String,
    id: Option<String>,
    role: Option<HostRole>,
    ip: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    id: String,
    name: Option<String>,
    sid: Option<String>,
    #[serde(default)]
    admin: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: String,
    host: Option<String>,
    parent: Option<String>,
    image: String,
    command_line: Option<String>,
    user: Option<String>,
    integrity: Option<Integrity>,
    cwd: Option<String>,
    after: Option<String>,
    at: Option<String>,
    #[serde(default)]
    running: bool,
    #[serde(default)]
    malicious: bool,
    #[serde(default)]
    techniques: Vec<String>,
    #[serde(default)]
    expect: IndexMap<String, Yaml>,
    binary: Option<String>,
    original_file_name: Option<String>,
    #[serde(default)]
    wow64: bool,
    #[serde(default)]
    parent_unknown: bool,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNoise {
    profile: String,
    events: Option<u64>,
    rate: Option<String>,
    duration: Option<String>,
    host: Option<String>,
    #[serde(default)]
    enable: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCount {
    rule: String,
    format: Option<String>,
    language: Option<Language>,
    exactly: Option<u64>,
    at_least: Option<u64>,
    at_most: Option<u64>,
    why: Option<String>,
}

/// Semantic checks of one decoded scenario, collecting every error with its position.
struct Checker<'a> {
    source: &'a str,
    positions: &'a Positions,
    errors: Vec<ScenarioError>,
    catalogue: &'static Catalogue,
}

impl Checker<'_> {
    fn fail(&mut self, path: &str, message: String, hint: Option<String>) {
        let error = ScenarioError::new(self.source, message)
            .at(self.positions.value(path))
            .with_hint(hint);
        self.errors.push(error);
    }

    fn scenario(&mut self, raw: RawScenario, seed: u64, suffix: Option<String>) -> Scenario {
        let name = format!("{}{}", raw.scenario.trim(), suffix.unwrap_or_default());
        if raw.scenario.trim().is_empty() {
            self.fail("scenario", "the scenario name is empty".into(), None);
        }
        let start = match &raw.start {
            None => DEFAULT_START.parse().expect("valid default start"),
            Some(text) => text.parse::<DateTime<Utc>>().unwrap_or_else(|_| {
                self.fail(
                    "start",
                    format!("invalid start `{text}`: expected an RFC 3339 time such as `{DEFAULT_START}`"),
                    None,
                );
                DEFAULT_START.parse().expect("valid default start")
            }),
        };
        let noise_raw = match raw.noise {
            None => Vec::new(),
            Some(OneOrMany::One(one)) => vec![(String::from("noise"), one)],
            Some(OneOrMany::Many(many)) => many
                .into_iter()
                .enumerate()
                .map(|(i, n)| (format!("noise[{i}]"), n))
                .collect(),
        };
        let hosts = self.hosts(raw.host, raw.hosts, &noise_raw, seed, &name);
        let users = self.users(raw.users, &hosts, seed, &name);
        let noise = noise_raw
            .into_iter()
            .filter_map(|(path, item)| self.noise(&path, item, &hosts))
            .collect();
        let steps = self.steps(raw.steps, &hosts, &users);
        let counts = raw
            .counts
            .into_iter()
            .enumerate()
            .filter_map(|(i, count)| self.count(&format!("counts[{i}]"), count))
            .collect();
        Scenario {
            name,
            description: raw.description,
            techniques: raw.techniques,
            source: self.source.to_string(),
            start,
            hosts,
            users,
            steps,
            noise,
            counts,
        }
    }

    fn hosts(
        &mut self,
        host: Option<String>,
        hosts: Vec<RawHost>,
        noise: &[(String, RawNoise)],
        seed: u64,
        scenario: &str,
    ) -> Vec<HostSpec> {
        if host.is_some() && !hosts.is_empty() {
            self.fail(
                "hosts",
                "give either `host` or `hosts`, not both".into(),
                None,
            );
        }
        let mut raw_hosts = hosts;
        if let Some(name) = host {
            raw_hosts.push(RawHost {
                name,
                id: None,
                role: None,
                ip: None,
            });
        }
        if raw_hosts.is_empty() {
            let mut rng = seed::rng(seed, &["default-host", scenario]);
            let number = rand::Rng::random_range(&mut rng, 1..10_000);
            raw_hosts.push(RawHost {
                name: format!("WS-{number:04}.corp.example.com"),
                id: None,
                role: None,
                ip: None,
            });
        }
        let mut specs: Vec<HostSpec> = Vec::new();
        for (i, raw) in raw_hosts.into_iter().enumerate() {
            let path = format!("hosts[{i}]");
            let fqdn = raw.name.trim().to_string();
            if fqdn.is_empty() || fqdn.contains(char::is_whitespace) {
                self.fail(&path, format!("invalid host name `{fqdn}`"), None);
            }
            let id = raw
                .id
                .unwrap_or_else(|| fqdn.split('.').next().unwrap_or("").to_string());
            if specs.iter().any(|h| h.id.eq_ignore_ascii_case(&id)) {
                self.fail(&path, format!("duplicate host id `{id}`"), None);
            }
            let ip = raw.ip.as_deref().and_then(|text| {
                let parsed = text
                    .parse::<std::net::Ipv4Addr>()
                    .ok()
                    .map(|ip| ip.octets());
                if parsed.is_none() {
                    self.fail(
                        &format!("{path}.ip"),
                        format!("invalid IPv4 address `{text}`"),
                        None,
                    );
                }
                parsed
            });
            specs.push(HostSpec {
                id,
                fqdn,
                role: raw.role.unwrap_or(HostRole::Workstation),
                ip,
            });
            // A host without an explicit role takes the role of the noise profile it runs.
            if raw.role.is_none() {
                let profile_role = noise.iter().find_map(|(_, n)| {
                    let targets_host = match &n.host {
                        None => i == 0,
                        Some(h) => h.eq_ignore_ascii_case(&specs[i].id),
                    };
                    targets_host
                        .then(|| noise::profile(&n.profile).map(|p| p.role))
                        .flatten()
                });
                if let Some(role) = profile_role {
                    specs[i].role = role;
                }
            }
        }
        specs
    }

    fn users(
        &mut self,
        users: Vec<RawUser>,
        hosts: &[HostSpec],
        seed: u64,
        scenario: &str,
    ) -> Vec<UserSpec> {
        let domain = netbios_domain(&hosts[0].fqdn);
        let mut specs: Vec<UserSpec> = Vec::new();
        for (i, raw) in users.into_iter().enumerate() {
            let path = format!("users[{i}]");
            if specs.iter().any(|u| u.id == raw.id) {
                self.fail(&path, format!("duplicate user id `{}`", raw.id), None);
            }
            let qualified = raw.name.unwrap_or_else(|| raw.id.clone());
            let (user_domain, name) = match qualified.split_once('\\') {
                Some((d, n)) => (d.to_string(), n.to_string()),
                None => (domain.clone(), qualified.clone()),
            };
            let sid = raw
                .sid
                .unwrap_or_else(|| domain_sid(seed, &user_domain, &name));
            specs.push(UserSpec {
                id: raw.id,
                account: Account {
                    domain: user_domain,
                    name,
                    sid,
                },
                admin: raw.admin,
            });
        }
        if specs.is_empty() {
            let mut rng = seed::rng(seed, &["default-user", scenario]);
            let name = random_user_name(&mut rng);
            specs.push(UserSpec {
                id: name.clone(),
                account: Account {
                    domain: domain.clone(),
                    sid: domain_sid(seed, &domain, &name),
                    name,
                },
                admin: false,
            });
        }
        specs
    }

    fn noise(&mut self, path: &str, raw: RawNoise, hosts: &[HostSpec]) -> Option<NoiseSpec> {
        let Some(profile) = noise::profile(&raw.profile) else {
            let hint = did_you_mean(&raw.profile, noise::profile_names());
            let names = noise::profile_names().collect::<Vec<_>>().join(", ");
            self.fail(
                &format!("{path}.profile"),
                format!(
                    "unknown noise profile `{}`, expected one of: {names}",
                    raw.profile
                ),
                hint,
            );
            return None;
        };
        let host = self.host_ref(&format!("{path}.host"), raw.host.as_deref(), hosts)?;
        let rate = match &raw.rate {
            None => None,
            Some(text) => match parse_rate(text) {
                Ok(rate) => Some(rate),
                Err(message) => {
                    self.fail(&format!("{path}.rate"), message, None);
                    return None;
                }
            },
        };
        let amount = match (raw.events, &raw.duration) {
            (Some(_), Some(_)) => {
                self.fail(
                    path,
                    "give either `events` or `duration`, not both".into(),
                    None,
                );
                return None;
            }
            (Some(events), None) => NoiseAmount::Count { events, rate },
            (None, Some(text)) => match parse_duration(text) {
                Ok(duration) => NoiseAmount::Rate {
                    rate: rate.unwrap_or(profile.rate),
                    duration,
                },
                Err(message) => {
                    self.fail(&format!("{path}.duration"), message, None);
                    return None;
                }
            },
            (None, None) => {
                self.fail(
                    path,
                    "noise needs `events` (a count) or `duration`".into(),
                    None,
                );
                return None;
            }
        };
        for (i, name) in raw.enable.iter().enumerate() {
            if profile.activity(name).is_none() {
                let hint = did_you_mean(name, profile.activities.iter().map(|a| a.name.as_str()));
                self.fail(
                    &format!("{path}.enable[{i}]"),
                    format!("profile `{}` has no activity `{name}`", profile.name),
                    hint,
                );
            }
        }
        Some(NoiseSpec {
            profile: raw.profile,
            host,
            amount,
            enable: raw.enable,
        })
    }

    fn host_ref(&mut self, path: &str, name: Option<&str>, hosts: &[HostSpec]) -> Option<usize> {
        let Some(name) = name else { return Some(0) };
        let found = hosts
            .iter()
            .position(|h| h.id.eq_ignore_ascii_case(name) || h.fqdn.eq_ignore_ascii_case(name));
        if found.is_none() {
            let hint = did_you_mean(name, hosts.iter().map(|h| h.id.as_str()));
            self.fail(path, format!("unknown host `{name}`"), hint);
        }
        found
    }

    fn steps(
        &mut self,
        raw_steps: Vec<RawStep>,
        hosts: &[HostSpec],
        users: &[UserSpec],
    ) -> Vec<Step> {
        let mut ids: HashMap<String, usize> = HashMap::new();
        for (i, step) in raw_steps.iter().enumerate() {
            if !is_valid_id(&step.id) {
                self.fail(
                    &format!("steps[{i}].id"),
                    format!(
                        "invalid step id `{}`: use letters, digits, `-`, `_` and `.`",
                        step.id
                    ),
                    None,
                );
            }
            if ids.insert(step.id.clone(), i).is_some() {
                self.fail(
                    &format!("steps[{i}].id"),
                    format!("duplicate step id `{}`", step.id),
                    None,
                );
            }
        }

        let mut steps = Vec::new();
        for (i, raw) in raw_steps.into_iter().enumerate() {
            let path = format!("steps[{i}]");
            let host = self
                .host_ref(&format!("{path}.host"), raw.host.as_deref(), hosts)
                .unwrap_or(0);
            let parent = self.parent(&path, raw.parent.as_deref(), &ids);
            let user = raw
                .user
                .as_deref()
                .and_then(|u| self.user_ref(&format!("{path}.user"), u, users));
            let after = self.duration(&format!("{path}.after"), raw.after.as_deref());
            let at = self.duration(&format!("{path}.at"), raw.at.as_deref());
            let expect = self.expectations(&format!("{path}.expect"), raw.expect);
            if raw.running && !expect.is_empty() {
                self.fail(
                    &format!("{path}.expect"),
                    "a running step emits no event, so it cannot carry expectations".into(),
                    None,
                );
            }
            if raw.image.trim().is_empty() {
                self.fail(
                    &format!("{path}.image"),
                    "the image path is empty".into(),
                    None,
                );
            }
            if let Some(binary) = &raw.binary
                && self.catalogue.get(binary).is_none()
            {
                let hint = did_you_mean(binary, self.catalogue.names());
                self.fail(
                    &format!("{path}.binary"),
                    format!("`{binary}` is not in the process catalogue"),
                    hint,
                );
            }
            steps.push(Step {
                id: raw.id,
                host,
                parent,
                image: raw.image,
                command_line: raw.command_line,
                user,
                integrity: raw.integrity,
                cwd: raw.cwd,
                after,
                at,
                running: raw.running,
                malicious: raw.malicious,
                techniques: raw.techniques,
                expect,
                binary: raw.binary,
                original_file_name: raw.original_file_name,
                wow64: raw.wow64,
                parent_unknown: raw.parent_unknown,
                note: raw.note,
            });
        }
        self.check_lineage(&steps);
        steps
    }

    fn parent(
        &mut self,
        path: &str,
        parent: Option<&str>,
        ids: &HashMap<String, usize>,
    ) -> ParentRef {
        let Some(name) = parent else {
            return ParentRef::None;
        };
        if let Some(index) = ids.get(name) {
            return ParentRef::Step(*index);
        }
        if !name.contains('\\') && self.catalogue.get(name).is_some() {
            return ParentRef::Process(name.to_string());
        }
        let candidates = ids.keys().map(String::as_str).chain(self.catalogue.names());
        let hint = did_you_mean(name, candidates);
        self.fail(
            &format!("{path}.parent"),
            format!(
                "undefined parent `{name}`: not a step of this scenario nor a catalogue process"
            ),
            hint,
        );
        ParentRef::None
    }

    /// Parents must form a tree: no cycles, a parent listed before its child, on the same host.
    fn check_lineage(&mut self, steps: &[Step]) {
        for (i, step) in steps.iter().enumerate() {
            let ParentRef::Step(parent) = step.parent else {
                continue;
            };
            let path = format!("steps[{i}].parent");
            if let Some(cycle) = cycle_from(steps, i) {
                // Report each cycle once, at its first step.
                if cycle.iter().min() == Some(&i) {
                    let mut names: Vec<&str> =
                        cycle.iter().map(|&s| steps[s].id.as_str()).collect();
                    names.push(&step.id);
                    self.fail(
                        &path,
                        format!(
                            "cyclic parents: {} (each step's parent follows it)",
                            names.join(" → ")
                        ),
                        None,
                    );
                }
            } else if parent > i {
                self.fail(
                    &path,
                    format!(
                        "parent `{}` is listed after `{}`: a process must be created after its parent",
                        steps[parent].id, step.id
                    ),
                    None,
                );
            } else if steps[parent].host != step.host {
                self.fail(
                    &path,
                    format!(
                        "parent `{}` runs on another host than `{}`",
                        steps[parent].id, step.id
                    ),
                    None,
                );
            }
        }
    }

    fn user_ref(&mut self, path: &str, name: &str, users: &[UserSpec]) -> Option<UserRef> {
        if let Some(index) = users.iter().position(|u| u.id == name) {
            return Some(UserRef::Scenario(index));
        }
        let bare = name
            .strip_prefix("NT AUTHORITY\\")
            .unwrap_or(name)
            .to_ascii_uppercase();
        match bare.as_str() {
            "SYSTEM" => return Some(UserRef::System),
            "LOCAL SERVICE" => return Some(UserRef::LocalService),
            "NETWORK SERVICE" => return Some(UserRef::NetworkService),
            _ => {}
        }
        if let Some(index) = users.iter().position(|u| {
            u.account.qualified().eq_ignore_ascii_case(name)
                || u.account.name.eq_ignore_ascii_case(name)
        }) {
            return Some(UserRef::Scenario(index));
        }
        let candidates = users.iter().map(|u| u.id.as_str()).chain([
            "SYSTEM",
            "LOCAL SERVICE",
            "NETWORK SERVICE",
        ]);
        let hint = did_you_mean(name, candidates);
        self.fail(
            path,
            format!("unknown user `{name}`: declare it under `users:` or use SYSTEM, LOCAL SERVICE or NETWORK SERVICE"),
            hint,
        );
        None
    }

    fn duration(&mut self, path: &str, text: Option<&str>) -> Option<chrono::TimeDelta> {
        let text = text?;
        match parse_duration(text) {
            Ok(duration) => Some(duration),
            Err(message) => {
                self.fail(path, message, None);
                None
            }
        }
    }

    /// `rule: alert`, or `rule: {all: alert, sysmon: quiet, eql/ecs: quiet, why: ...}`.
    fn expectations(&mut self, path: &str, expect: IndexMap<String, Yaml>) -> Vec<Expectation> {
        let mut out = Vec::new();
        for (rule, spec) in expect {
            let rule_path = format!("{path}.{rule}");
            match spec {
                Yaml::String(text) => {
                    if let Some(verdict) = self.verdict(&rule_path, &text) {
                        out.push(Expectation { rule, verdict, format: None, language: None, reason: None });
                    }
                }
                Yaml::Mapping(map) => {
                    let reason = map.get("why").and_then(Yaml::as_str).map(str::to_string);
                    for (selector, verdict) in &map {
                        let Some(selector) = selector.as_str() else { continue };
                        if selector == "why" {
                            continue;
                        }
                        let entry_path = format!("{rule_path}.{selector}");
                        let Some(text) = verdict.as_str() else {
                            self.fail(
                                &entry_path,
                                format!("expected {VERDICTS}"),
                                None,
                            );
                            continue;
                        };
                        let Some(verdict) = self.verdict(&entry_path, text) else { continue };
                        if let Some((language, format)) = self.selector(&entry_path, selector) {
                            out.push(Expectation {
                                rule: rule.clone(),
                                verdict,
                                format,
                                language,
                                reason: reason.clone(),
                            });
                        }
                    }
                }
                _ => self.fail(
                    &rule_path,
                    "expected `alert`, `quiet`, `missed`, `false-positive`, or a mapping of selectors (`all`, a format, a language, `language/format`) to them".into(),
                    None,
                ),
            }
        }
        out
    }

    fn verdict(&mut self, path: &str, text: &str) -> Option<Verdict> {
        const ALL: [Verdict; 4] = [
            Verdict::Alert,
            Verdict::Quiet,
            Verdict::Missed,
            Verdict::FalsePositive,
        ];
        if let Some(verdict) = ALL.into_iter().find(|v| v.name() == text) {
            return Some(verdict);
        }
        let hint = did_you_mean(text, ALL.map(Verdict::name));
        self.fail(
            path,
            format!("invalid expectation `{text}`: expected {VERDICTS}"),
            hint,
        );
        None
    }

    /// `all`, `sigma`, `eql`, a format name, or `language/format`.
    fn selector(
        &mut self,
        path: &str,
        selector: &str,
    ) -> Option<(Option<Language>, Option<String>)> {
        let language = |s: &str| match s {
            "sigma" => Some(Language::Sigma),
            "eql" => Some(Language::Eql),
            _ => None,
        };
        let format = |s: &str| s.parse::<Format>().ok().map(|f| f.name().to_string());
        let parsed = match selector.split_once('/') {
            None if selector == "all" => Some((None, None)),
            None => match (language(selector), format(selector)) {
                (Some(l), _) => Some((Some(l), None)),
                (_, Some(f)) => Some((None, Some(f))),
                _ => None,
            },
            Some((l, f)) => match (language(l), format(f)) {
                (Some(l), Some(f)) => Some((Some(l), Some(f))),
                _ => None,
            },
        };
        if parsed.is_none() {
            let mut candidates = vec![
                "all".to_string(),
                "sigma".into(),
                "eql".into(),
                "why".into(),
            ];
            candidates.extend(Format::ALL.iter().map(|f| f.name().to_string()));
            let hint = did_you_mean(selector, candidates.iter().map(String::as_str));
            self.fail(
                path,
                format!(
                    "invalid selector `{selector}`: expected `all`, `sigma`, `eql`, a format ({}), or `language/format`",
                    Format::names()
                ),
                hint,
            );
        }
        parsed
    }

    fn count(&mut self, path: &str, raw: RawCount) -> Option<CountExpectation> {
        if raw.exactly.is_none() && raw.at_least.is_none() && raw.at_most.is_none() {
            self.fail(
                path,
                "a count expectation needs `exactly`, `at_least` or `at_most`".into(),
                None,
            );
            return None;
        }
        let format = match raw.format {
            None => None,
            Some(name) => match name.parse::<Format>() {
                Ok(format) => Some(format.name().to_string()),
                Err(error) => {
                    self.fail(&format!("{path}.format"), error.to_string(), None);
                    return None;
                }
            },
        };
        Some(CountExpectation {
            rule: raw.rule,
            format,
            language: raw.language,
            exactly: raw.exactly,
            at_least: raw.at_least,
            at_most: raw.at_most,
            reason: raw.why,
        })
    }
}

/// The steps of the parent cycle through `start`, from `start` up its parents, if there is one.
fn cycle_from(steps: &[Step], start: usize) -> Option<Vec<usize>> {
    let mut chain = vec![start];
    let mut current = start;
    while let ParentRef::Step(next) = steps[current].parent {
        if next == start {
            return Some(chain);
        }
        if chain.contains(&next) {
            return None;
        }
        chain.push(next);
        current = next;
    }
    None
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The NetBIOS domain of a host: the first label of its DNS domain, upper-cased (`CORP` for
/// `WS-1.corp.example.com`), or `WORKGROUP` for a bare name.
pub fn netbios_domain(fqdn: &str) -> String {
    match fqdn.split('.').nth(1) {
        Some(label) if !label.is_empty() => label.to_ascii_uppercase(),
        _ => "WORKGROUP".to_string(),
    }
}

/// A stable domain-account SID: a seeded domain identifier and a relative id from the name.
fn domain_sid(seed: u64, domain: &str, name: &str) -> String {
    let domain_id = seed::derive(seed, &["domain-sid", &domain.to_ascii_lowercase()]);
    let rid = 1_100 + seed::derive(seed, &["rid", &name.to_ascii_lowercase()]) % 8_000;
    format!(
        "S-1-5-21-{}-{}-{}-{rid}",
        (domain_id & 0x3fff_ffff) + 1_000_000_000,
        ((domain_id >> 30) & 0x3fff_ffff) + 1_000_000_000,
        ((domain_id >> 60) * 100_000_000) + 1_000_000_000,
    )
}
