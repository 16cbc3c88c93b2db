//! Loading and checking noise profiles.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use detsim_generators::model::{Binary, HostRole, Integrity};
use serde::Deserialize;

use super::placeholder::Pattern;
use crate::catalogue::{Catalogue, TypicalAccount};
use crate::scenario::duration::{parse_duration, parse_rate};

/// The profiles compiled into detsim, by name.
const BUILTIN: [(&str, &str); 3] = [
    (
        "workstation",
        include_str!("../../data/noise/workstation.yaml"),
    ),
    ("server", include_str!("../../data/noise/server.yaml")),
    (
        "domain-controller",
        include_str!("../../data/noise/domain-controller.yaml"),
    ),
];

/// The account a noise process runs as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountKind {
    System,
    LocalService,
    NetworkService,
    /// The host's interactive user.
    User,
    Dwm,
    Umfd,
    /// The parent's logon (the default for child processes).
    Inherit,
}

impl From<TypicalAccount> for AccountKind {
    fn from(account: TypicalAccount) -> Self {
        match account {
            TypicalAccount::System => AccountKind::System,
            TypicalAccount::LocalService => AccountKind::LocalService,
            TypicalAccount::NetworkService => AccountKind::NetworkService,
            TypicalAccount::User => AccountKind::User,
            TypicalAccount::Dwm => AccountKind::Dwm,
            TypicalAccount::Umfd => AccountKind::Umfd,
        }
    }
}

/// An inclusive range of integers (milliseconds for times, counts for repeats).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub low: u64,
    pub high: u64,
}

/// A noise profile, checked and compiled.
#[derive(Debug)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub role: HostRole,
    /// Events per second when a scenario gives a count but no rate.
    pub rate: f64,
    pub baseline: Vec<Baseline>,
    pub activities: Vec<Activity>,
}

/// A process running before the timeline starts; it emits no creation event.
#[derive(Debug)]
pub struct Baseline {
    pub id: String,
    pub image: Pattern,
    pub command_line: Pattern,
    /// Index of the parent in the baseline, listed earlier.
    pub parent: Option<usize>,
    pub account: AccountKind,
    pub integrity: Integrity,
    pub cwd: Option<Pattern>,
    pub binary: Arc<Binary>,
}

/// One kind of benign activity.
#[derive(Debug)]
pub struct Activity {
    pub name: String,
    pub description: String,
    pub weight: f64,
    /// Activities that legitimately trip detection rules are off unless a scenario enables them.
    pub enabled: bool,
    /// Index of the baseline process the tree starts under.
    pub parent: usize,
    pub root: Node,
}

/// A process of an activity's tree.
#[derive(Debug)]
pub struct Node {
    pub image: Pattern,
    pub command_line: Pattern,
    pub account: AccountKind,
    pub integrity: Option<Integrity>,
    /// The catalogue's usual integrity for the binary, used when neither the node nor its
    /// parent decides.
    pub typical_integrity: Integrity,
    pub cwd: Option<Pattern>,
    /// Delay before this process starts, after its parent or previous sibling (ms).
    pub delay: Range,
    /// How many times the node is instantiated.
    pub repeat: Range,
    /// How long the process lives (ms).
    pub lifetime: Range,
    pub binary: Arc<Binary>,
    pub children: Vec<Node>,
}

/// A built-in profile by name.
pub fn profile(name: &str) -> Option<&'static Profile> {
    builtin().get(name)
}

/// Names of the built-in profiles.
pub fn profile_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(name, _)| *name)
}

fn builtin() -> &'static HashMap<String, Profile> {
    static PROFILES: OnceLock<HashMap<String, Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        BUILTIN
            .iter()
            .map(|(name, text)| {
                let profile = Profile::parse(text, Catalogue::builtin())
                    .unwrap_or_else(|e| panic!("built-in noise profile `{name}` is invalid: {e}"));
                (name.to_string(), profile)
            })
            .collect()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    profile: String,
    description: String,
    role: HostRole,
    rate: String,
    baseline: Vec<RawBaseline>,
    activities: Vec<RawActivity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    id: String,
    image: String,
    command_line: Option<String>,
    parent: Option<String>,
    account: Option<AccountKind>,
    integrity: Option<Integrity>,
    cwd: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActivity {
    name: String,
    description: String,
    weight: f64,
    #[serde(default = "yes")]
    enabled: bool,
    parent: String,
    tree: RawNode,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    image: String,
    command_line: Option<String>,
    account: Option<AccountKind>,
    integrity: Option<Integrity>,
    cwd: Option<String>,
    delay: Option<String>,
    repeat: Option<String>,
    lifetime: Option<String>,
    #[serde(default)]
    children: Vec<RawNode>,
}

fn yes() -> bool {
    true
}

impl Profile {
    /// Parses and checks a profile against the catalogue: every image must be a catalogue binary.
    pub fn parse(text: &str, catalogue: &Catalogue) -> Result<Profile, String> {
        let raw: RawProfile = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut baseline = Vec::new();
        for item in raw.baseline {
            let entry = catalogue.get(&item.image).ok_or_else(|| {
                format!(
                    "baseline `{}`: `{}` is not in the catalogue",
                    item.id, item.image
                )
            })?;
            let parent = match &item.parent {
                None => None,
                Some(parent) => Some(*ids.get(parent).ok_or_else(|| {
                    format!(
                        "baseline `{}`: parent `{parent}` is not listed before it",
                        item.id
                    )
                })?),
            };
            let image = image_path(&item.image, &entry.path);
            baseline.push(Baseline {
                id: item.id.clone(),
                image: Pattern::compile(&image)?,
                command_line: Pattern::compile(
                    item.command_line.as_deref().unwrap_or(&entry.command_line),
                )?,
                parent,
                account: item.account.unwrap_or(entry.account.into()),
                integrity: item.integrity.unwrap_or(entry.integrity),
                cwd: item.cwd.as_deref().map(Pattern::compile).transpose()?,
                binary: catalogue.binary(&item.image).expect("looked up above"),
            });
            if ids.insert(item.id.clone(), baseline.len() - 1).is_some() {
                return Err(format!("duplicate baseline id `{}`", item.id));
            }
        }

        let mut activities = Vec::new();
        for item in raw.activities {
            let parent = *ids.get(&item.parent).ok_or_else(|| {
                format!(
                    "activity `{}`: parent `{}` is not a baseline id",
                    item.name, item.parent
                )
            })?;
            let root = compile_node(item.tree, catalogue, true)
                .map_err(|e| format!("activity `{}`: {e}", item.name))?;
            if !(item.weight >= 0.0 && item.weight.is_finite()) {
                return Err(format!(
                    "activity `{}`: weight must be a non-negative number",
                    item.name
                ));
            }
            activities.push(Activity {
                name: item.name,
                description: item.description,
                weight: item.weight,
                enabled: item.enabled,
                parent,
                root,
            });
        }
        if activities.iter().all(|a| !a.enabled || a.weight == 0.0) {
            return Err("the profile has no enabled activity with a positive weight".into());
        }
        Ok(Profile {
            name: raw.profile,
            description: raw.description,
            role: raw.role,
            rate: parse_rate(&raw.rate)?,
            baseline,
            activities,
        })
    }

    /// The activity with this name.
    pub fn activity(&self, name: &str) -> Option<&Activity> {
        self.activities.iter().find(|a| a.name == name)
    }

    /// The baseline process with this id.
    pub fn baseline_index(&self, id: &str) -> Option<usize> {
        self.baseline.iter().position(|b| b.id == id)
    }
}

/// A bare catalogue name stands for the catalogue's usual path; a path is kept as written.
fn image_path(image: &str, catalogue_path: &str) -> String {
    if image.contains('\\') {
        image.to_string()
    } else {
        catalogue_path.to_string()
    }
}

fn compile_node(raw: RawNode, catalogue: &Catalogue, is_root: bool) -> Result<Node, String> {
    let entry = catalogue
        .get(&raw.image)
        .ok_or_else(|| format!("`{}` is not in the catalogue", raw.image))?;
    let default_account = if is_root {
        entry.account.into()
    } else {
        AccountKind::Inherit
    };
    let children = raw
        .children
        .into_iter()
        .map(|child| compile_node(child, catalogue, false))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Node {
        image: Pattern::compile(&image_path(&raw.image, &entry.path))?,
        command_line: Pattern::compile(raw.command_line.as_deref().unwrap_or(&entry.command_line))?,
        account: raw.account.unwrap_or(default_account),
        integrity: raw.integrity,
        typical_integrity: entry.integrity,
        cwd: raw.cwd.as_deref().map(Pattern::compile).transpose()?,
        delay: time_range(raw.delay.as_deref(), "50ms-2s")?,
        repeat: count_range(raw.repeat.as_deref())?,
        lifetime: time_range(raw.lifetime.as_deref(), "500ms-45s")?,
        binary: catalogue.binary(&raw.image).expect("looked up above"),
        children,
    })
}

/// `100ms-2s` or a single duration.
fn time_range(text: Option<&str>, default: &str) -> Result<Range, String> {
    let text = text.unwrap_or(default);
    let (low, high) = text.split_once('-').unwrap_or((text, text));
    let low = parse_duration(low)?.num_milliseconds().max(0) as u64;
    let high = parse_duration(high)?.num_milliseconds().max(0) as u64;
    if low > high {
        return Err(format!(
            "invalid range `{text}`: the low end is above the high end"
        ));
    }
    Ok(Range { low, high })
}

/// `1-4` or a single count.
fn count_range(text: Option<&str>) -> Result<Range, String> {
    let text = text.unwrap_or("1");
    let (low, high) = text.split_once('-').unwrap_or((text, text));
    let parse = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("invalid repeat `{text}`: expected a count or `A-B`"))
    };
    let (low, high) = (parse(low)?, parse(high)?);
    if low > high || high > 1_000 {
        return Err(format!("invalid repeat `{text}`: expected A <= B <= 1000"));
    }
    Ok(Range { low, high })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_load() {
        for name in profile_names() {
            let profile = profile(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(profile.name, name);
            assert!(!profile.baseline.is_empty());
            assert!(
                profile.activities.len() >= 10,
                "{name}: {}",
                profile.activities.len()
            );
        }
        assert!(profile("laptop").is_none());
    }

    #[test]
    fn profiles_hold_near_misses_and_rule_parent_activity() {
        let workstation = profile("workstation").unwrap();
        let has_cmd_under = |parent: &str| {
            workstation.activities.iter().any(|a| {
                workstation.baseline[a.parent].id == parent
                    && a.root.binary.original_file_name == "Cmd.Exe"
            })
        };
        assert!(has_cmd_under("explorer"), "cmd.exe under explorer.exe");
        assert!(has_cmd_under("services"), "cmd.exe under services.exe");
    }
}
