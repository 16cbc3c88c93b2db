//! Semantic checks of a decoded scenario: hosts, users, noise, steps and their lineage, each
//! problem located by the path of the value it concerns.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use detsim_generators::model::{Account, HostRole};

use super::duration::{parse_duration, parse_rate};
use super::error::{ScenarioError, did_you_mean};
use super::load::DEFAULT_START;
use super::positions::Positions;
use super::raw::{OneOrMany, RawHost, RawNoise, RawScenario, RawStep, RawUser};
use super::template::random_user_name;
use super::{HostSpec, NoiseAmount, NoiseSpec, ParentRef, Scenario, Step, UserRef, UserSpec};
use crate::catalogue::Catalogue;
use crate::{noise, seed};

/// Semantic checks of one decoded scenario, collecting every error with its position.
pub(super) struct Checker<'a> {
    source: &'a str,
    positions: &'a Positions,
    pub(super) errors: Vec<ScenarioError>,
    pub(super) catalogue: &'static Catalogue,
}

impl<'a> Checker<'a> {
    pub(super) fn new(
        source: &'a str,
        positions: &'a Positions,
        catalogue: &'static Catalogue,
    ) -> Checker<'a> {
        Checker {
            source,
            positions,
            errors: Vec::new(),
            catalogue,
        }
    }

    pub(super) fn fail(&mut self, path: &str, message: String, hint: Option<String>) {
        let error = ScenarioError::new(self.source, message)
            .at(self.positions.value(path))
            .with_hint(hint);
        self.errors.push(error);
    }

    pub(super) fn scenario(
        &mut self,
        raw: RawScenario,
        seed: u64,
        suffix: Option<String>,
    ) -> Scenario {
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
