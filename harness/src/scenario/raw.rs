//! The shapes scenario files are decoded into before they are checked: serde types that mirror
//! the YAML, with unknown keys refused.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_yaml::Value as Yaml;

use detsim_generators::model::{HostRole, Integrity, Language};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub(super) scenario: String,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) techniques: Vec<String>,
    pub(super) start: Option<String>,
    pub(super) host: Option<String>,
    #[serde(default)]
    pub(super) hosts: Vec<RawHost>,
    #[serde(default)]
    pub(super) users: Vec<RawUser>,
    #[serde(default)]
    pub(super) steps: Vec<RawStep>,
    pub(super) noise: Option<OneOrMany<RawNoise>>,
    #[serde(default)]
    pub(super) counts: Vec<RawCount>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHost {
    pub(super) name: String,
    pub(super) id: Option<String>,
    pub(super) role: Option<HostRole>,
    pub(super) ip: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUser {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) sid: Option<String>,
    #[serde(default)]
    pub(super) admin: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    pub(super) id: String,
    pub(super) host: Option<String>,
    pub(super) parent: Option<String>,
    pub(super) image: String,
    pub(super) command_line: Option<String>,
    pub(super) user: Option<String>,
    pub(super) integrity: Option<Integrity>,
    pub(super) cwd: Option<String>,
    pub(super) after: Option<String>,
    pub(super) at: Option<String>,
    #[serde(default)]
    pub(super) running: bool,
    #[serde(default)]
    pub(super) malicious: bool,
    #[serde(default)]
    pub(super) techniques: Vec<String>,
    #[serde(default)]
    pub(super) expect: IndexMap<String, Yaml>,
    pub(super) binary: Option<String>,
    pub(super) original_file_name: Option<String>,
    #[serde(default)]
    pub(super) wow64: bool,
    #[serde(default)]
    pub(super) parent_unknown: bool,
    pub(super) note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNoise {
    pub(super) profile: String,
    pub(super) events: Option<u64>,
    pub(super) rate: Option<String>,
    pub(super) duration: Option<String>,
    pub(super) host: Option<String>,
    #[serde(default)]
    pub(super) enable: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCount {
    pub(super) rule: String,
    pub(super) format: Option<String>,
    pub(super) language: Option<Language>,
    pub(super) exactly: Option<u64>,
    pub(super) at_least: Option<u64>,
    pub(super) at_most: Option<u64>,
    pub(super) why: Option<String>,
}
