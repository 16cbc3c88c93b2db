//! The scenario's chain: its steps turned into processes with times, parents and accounts.

use std::sync::Arc;

use detsim_generators::model::{Binary, Integrity, Label, Origin, Parent};
use rand::Rng as _;

use super::Pending;
use super::host::{HostState, LogonKey, Node, ProcessSpec, SECOND, default_cwd, typical_integrity};
use crate::catalogue::{Catalogue, unknown_binary};
use crate::noise::{Fill, Pattern};
use crate::scenario::{ParentRef, Scenario, Step, UserRef};

/// Builds every step's process in file order and returns the creation events of the steps that
/// are not `running`, each with its host index.
pub fn materialise(
    scenario: &Scenario,
    hosts: &mut [HostState],
    anchor: i64,
    catalogue: &Catalogue,
) -> Vec<(usize, Pending)> {
    let mut nodes: Vec<Arc<Node>> = Vec::with_capacity(scenario.steps.len());
    let mut events = Vec::new();
    let mut clock = anchor;
    let mut first = true;
    for step in &scenario.steps {
        let host = &mut hosts[step.host];
        let parent = match &step.parent {
            ParentRef::Step(index) => Some(nodes[*index].clone()),
            ParentRef::Process(name) => Some(host.running(name, catalogue)),
            ParentRef::None if step.running => None,
            ParentRef::None => Some(default_parent(step, host, catalogue)),
        };

        let start = if step.running {
            host.boot + host.rng.random_range(30..1_800) * SECOND
        } else {
            let mut time = match (step.at, step.after) {
                (Some(at), _) => scenario_start(scenario) + nanos(at),
                (None, Some(after)) if first => anchor + nanos(after),
                (None, Some(after)) => clock + nanos(after),
                (None, None) if first => anchor,
                (None, None) => clock + host.rng.random_range(SECOND / 2..4 * SECOND),
            };
            // A process never starts before its parent.
            if let Some(parent) = &parent {
                time = time
                    .max(parent.process.start.timestamp_nanos_opt().unwrap_or(0) + SECOND / 1_000);
            }
            time = round_to_tick(time);
            clock = time;
            first = false;
            time
        };

        // A running step that only names an image is the host's own copy of that process (the
        // implant lives in *the* lsass.exe), when the host runs one.
        let reused = (step.running && is_plain(step))
            .then(|| host.baseline_process(&step.image))
            .flatten();
        let node = reused.unwrap_or_else(|| build(step, parent, start, host, catalogue));
        if !step.running {
            let label = Arc::new(Label {
                scenario: scenario.name.clone(),
                origin: Origin::Step {
                    step: step.id.clone(),
                },
                malicious: step.malicious,
                techniques: if step.techniques.is_empty() && step.malicious {
                    scenario.techniques.clone()
                } else {
                    step.techniques.clone()
                },
                expect: step.expect.clone(),
            });
            let parent_view = match (&node.parent, step.parent_unknown) {
                (Some(parent), false) => Parent::Known {
                    process: parent.process.clone(),
                },
                (Some(parent), true) => Parent::Unknown {
                    pid: parent.process.pid,
                },
                (None, _) => Parent::Unknown { pid: 0 },
            };
            let grandparent = match (&node.parent, step.parent_unknown) {
                (Some(parent), false) => parent.parent.as_ref().map(|g| g.process.clone()),
                _ => None,
            };
            events.push((
                step.host,
                Pending {
                    time: start + super::latency(&mut host.rng),
                    process: node.process.clone(),
                    parent: parent_view,
                    grandparent,
                    label,
                },
            ));
        }
        nodes.push(node);
    }
    events
}

/// A step that says nothing about its process beyond the image.
fn is_plain(step: &Step) -> bool {
    step.parent == ParentRef::None
        && step.command_line.is_none()
        && step.user.is_none()
        && step.integrity.is_none()
        && step.cwd.is_none()
        && step.binary.is_none()
        && step.original_file_name.is_none()
        && !step.wow64
}

fn scenario_start(scenario: &Scenario) -> i64 {
    scenario.start.timestamp_nanos_opt().unwrap_or(0)
}

fn nanos(delta: chrono::TimeDelta) -> i64 {
    delta.num_nanoseconds().unwrap_or(i64::MAX / 4)
}

/// Windows keeps times in 100 ns ticks.
pub fn round_to_tick(nanos: i64) -> i64 {
    nanos - nanos.rem_euclid(100)
}

/// A step without a parent is started by the user's shell (explorer.exe) when it runs as a user
/// and by the service control manager (services.exe) otherwise.
fn default_parent(step: &Step, host: &mut HostState, catalogue: &Catalogue) -> Arc<Node> {
    let as_user = match &step.user {
        Some(UserRef::Scenario(_)) => true,
        Some(_) => false,
        None => catalogue
            .get(&step.image)
            .is_none_or(|entry| entry.account == crate::catalogue::TypicalAccount::User),
    };
    host.running(
        if as_user {
            "explorer.exe"
        } else {
            "services.exe"
        },
        catalogue,
    )
}

/// The process of one step, with defaults from its parent and the catalogue.
fn build(
    step: &Step,
    parent: Option<Arc<Node>>,
    start: i64,
    host: &mut HostState,
    catalogue: &Catalogue,
) -> Arc<Node> {
    let entry = step
        .binary
        .as_deref()
        .map_or_else(|| catalogue.get(&step.image), |b| catalogue.get(b));
    let parent_logon = parent.as_ref().map(|p| p.process.logon.clone());
    let logon = match &step.user {
        Some(UserRef::Scenario(index)) => host.logon(LogonKey::User(*index)),
        Some(UserRef::System) => host.logon(LogonKey::System),
        Some(UserRef::LocalService) => host.logon(LogonKey::LocalService),
        Some(UserRef::NetworkService) => host.logon(LogonKey::NetworkService),
        None => match (&parent_logon, entry) {
            (Some(logon), _) => logon.clone(),
            (None, Some(entry)) => host.logon_for(entry.account.into(), None),
            (None, None) => host.logon(LogonKey::User(host.interactive)),
        },
    };
    let integrity = step.integrity.unwrap_or_else(|| match &parent {
        Some(parent) if Arc::ptr_eq(&parent.process.logon, &logon) => parent.process.integrity,
        _ => typical_integrity(entry.map_or(Integrity::Medium, |e| e.integrity), &logon),
    });

    let user = logon.account.name.clone();
    let host_name = host.host.short_name().to_string();
    let fill = Fill {
        user: &user,
        host: &host_name,
    };
    let mut render = |text: &str| match Pattern::compile(text) {
        Ok(pattern) => pattern.render(&fill, &mut host.rng),
        Err(_) => text.to_string(),
    };
    let mut image = render(&step.image);
    if step.wow64 {
        image = match catalogue
            .get(&step.image)
            .and_then(|e| e.wow64_path.clone())
        {
            Some(path) => render(&path),
            None => to_syswow64(&image),
        };
    }
    let command_line = match (&step.command_line, catalogue.get(&step.image)) {
        (Some(line), _) => line.clone(),
        (None, Some(entry)) if step.binary.is_none() => render(&entry.command_line),
        (None, _) => format!("\"{image}\""),
    };
    let cwd = match (&step.cwd, entry) {
        (Some(cwd), _) => cwd.clone(),
        (None, Some(entry)) => match &entry.cwd {
            Some(cwd) => render(cwd),
            None => default_cwd(&logon),
        },
        (None, None) => default_cwd(&logon),
    };
    let binary = binary_for(step, &image, catalogue);
    // Chain processes live for the rest of the timeline: start_running reserves their pid.
    let spec = ProcessSpec {
        image,
        command_line,
        cwd,
        logon,
        integrity,
        binary,
    };
    host.start_running(spec, parent, start)
}

/// The file's version resource: the catalogue's (or that of `binary:` for a renamed file), with
/// `original_file_name:` applied; an unknown file has none.
fn binary_for(step: &Step, image: &str, catalogue: &Catalogue) -> Arc<Binary> {
    let known = step
        .binary
        .as_deref()
        .map_or_else(|| catalogue.binary(image), |b| catalogue.binary(b));
    let binary = known.unwrap_or_else(|| Arc::new(unknown_binary(image)));
    match &step.original_file_name {
        None => binary,
        Some(name) => {
            let mut changed = (*binary).clone();
            changed.original_file_name = name.clone();
            Arc::new(changed)
        }
    }
}

/// `C:\Windows\System32\cmd.exe` → `C:\Windows\SysWOW64\cmd.exe`, keeping the rest as written.
fn to_syswow64(image: &str) -> String {
    let lower = image.to_ascii_lowercase();
    match lower.find(r"\system32\") {
        Some(at) => format!(
            "{}\\SysWOW64\\{}",
            &image[..at],
            &image[at + r"\system32\".len()..]
        ),
        None => image.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syswow64_path_keeps_the_rest() {
        assert_eq!(
            to_syswow64(r"C:\Windows\System32\cmd.exe"),
            r"C:\Windows\SysWOW64\cmd.exe"
        );
        assert_eq!(
            to_syswow64(r"C:\WINDOWS\SYSTEM32\CMD.EXE"),
            r"C:\WINDOWS\SysWOW64\CMD.EXE"
        );
        assert_eq!(to_syswow64(r"C:\tools\x.exe"), r"C:\tools\x.exe");
    }
}
