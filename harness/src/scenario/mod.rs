//! The scenario DSL: YAML files, templated with tera, that describe attack chains as process
//! trees and the benign noise around them.
//!
//! Loading runs in stages so that every problem can be reported with its file, line and column:
//! YAML syntax ([`serde_yaml`]), positions of every value ([`positions`]), `matrix:` expansion
//! and templating ([`template`]), typed decoding with unknown-key hints ([`load`]) and semantic
//! checks (parents, hosts, users, profiles). The result is a list of concrete [`Scenario`]s.

mod check;
pub mod duration;
pub mod error;
mod expect;
pub mod load;
pub mod positions;
mod raw;
pub mod template;

use chrono::{DateTime, TimeDelta, Utc};
use detsim_generators::model::{Account, Expectation, HostRole, Integrity, Language};

pub use check::netbios_domain;
pub use error::{ScenarioError, ScenarioErrors};
pub use load::{load_path, load_paths, load_str};

/// One concrete scenario, after matrix expansion and templating.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub techniques: Vec<String>,
    /// The file it came from (`builtin:scenarios/x.yaml` for the embedded suite).
    pub source: String,
    /// Start of the timeline.
    pub start: DateTime<Utc>,
    pub hosts: Vec<HostSpec>,
    pub users: Vec<UserSpec>,
    pub steps: Vec<Step>,
    pub noise: Vec<NoiseSpec>,
    /// Expected alert counts per rule, for known false positives.
    pub counts: Vec<CountExpectation>,
}

/// A host of the scenario.
#[derive(Clone, Debug)]
pub struct HostSpec {
    /// How steps refer to the host (defaults to the short name).
    pub id: String,
    pub fqdn: String,
    pub role: HostRole,
    pub ip: Option<[u8; 4]>,
}

/// A named interactive user.
#[derive(Clone, Debug)]
pub struct UserSpec {
    pub id: String,
    pub account: Account,
    /// Members of the local Administrators group get high-integrity shells when elevated.
    pub admin: bool,
}

/// Who a step runs as.
#[derive(Clone, Debug, PartialEq)]
pub enum UserRef {
    /// A user of the scenario, by index.
    Scenario(usize),
    /// `NT AUTHORITY\SYSTEM`.
    System,
    LocalService,
    NetworkService,
}

/// What a step's parent is.
#[derive(Clone, Debug, PartialEq)]
pub enum ParentRef {
    /// No parent given: the catalogue's usual parent is not modelled, the process has none.
    None,
    /// Another step, by index.
    Step(usize),
    /// A running process of the host by file name (`explorer.exe`), from its baseline or the
    /// catalogue.
    Process(String),
}

/// One process of the chain.
#[derive(Clone, Debug)]
pub struct Step {
    pub id: String,
    /// Index into [`Scenario::hosts`].
    pub host: usize,
    pub parent: ParentRef,
    pub image: String,
    pub command_line: Option<String>,
    pub user: Option<UserRef>,
    pub integrity: Option<Integrity>,
    pub cwd: Option<String>,
    /// Delay after the previous step.
    pub after: Option<TimeDelta>,
    /// Offset from the start of the timeline; overrides `after`.
    pub at: Option<TimeDelta>,
    /// Already running: can be a parent, emits no event.
    pub running: bool,
    pub malicious: bool,
    pub techniques: Vec<String>,
    pub expect: Vec<Expectation>,
    /// Catalogue binary whose version resource the file carries (a renamed binary).
    pub binary: Option<String>,
    /// Overrides the version resource's original file name.
    pub original_file_name: Option<String>,
    /// Run the 32-bit copy from SysWOW64.
    pub wow64: bool,
    /// The sensor cannot attribute the parent (Sysmon writes `-`).
    pub parent_unknown: bool,
    /// Free text for the reader of a report.
    pub note: Option<String>,
}

/// Background noise on one host.
#[derive(Clone, Debug)]
pub struct NoiseSpec {
    pub profile: String,
    pub host: usize,
    pub amount: NoiseAmount,
    /// Activities switched on beyond the profile's defaults.
    pub enable: Vec<String>,
}

/// How much noise to make.
#[derive(Clone, Debug, PartialEq)]
pub enum NoiseAmount {
    /// Exactly this many events, at the profile's rate unless one is given (events per second).
    Count { events: u64, rate: Option<f64> },
    /// Events at a rate (per second) for a duration.
    Rate { rate: f64, duration: TimeDelta },
}

/// Bounds on how many alerts a rule may raise on the scenario's benign events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountExpectation {
    pub rule: String,
    pub format: Option<String>,
    pub language: Option<Language>,
    pub exactly: Option<u64>,
    pub at_least: Option<u64>,
    pub at_most: Option<u64>,
    pub reason: Option<String>,
}

impl CountExpectation {
    /// Whether an alert count satisfies every bound.
    pub fn accepts(&self, count: u64) -> bool {
        self.exactly.is_none_or(|n| count == n)
            && self.at_least.is_none_or(|n| count >= n)
            && self.at_most.is_none_or(|n| count <= n)
    }

    /// The bounds as text (`exactly 2`, `at least 1, at most 3`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.exactly {
            parts.push(format!("exactly {n}"));
        }
        if let Some(n) = self.at_least {
            parts.push(format!("at least {n}"));
        }
        if let Some(n) = self.at_most {
            parts.push(format!("at most {n}"));
        }
        parts.join(", ")
    }
}
