//! The simulator: the DSL's contract example, determinism, and the consistency of every
//! timeline (ids, times, ancestry, logons, labels).

use std::collections::HashMap;
use std::sync::Arc;

use detsim::scenario::{Scenario, load_str};
use detsim::sim::Timeline;
use detsim_generators::model::{Origin, Parent, Process, ProcessEvent, Verdict};

use crate::support::root;

fn load_one(text: &str, seed: u64) -> Scenario {
    let mut scenarios = load_str(text, "test.yaml", seed).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(scenarios.len(), 1);
    scenarios.remove(0)
}

fn events(text: &str, seed: u64) -> Vec<ProcessEvent> {
    Timeline::new(&load_one(text, seed), seed).collect()
}

fn example() -> String {
    std::fs::read_to_string(root().join("scenarios/lsass-spawns-cmd.yaml")).unwrap()
}

fn step_of(event: &ProcessEvent) -> Option<&str> {
    match &event.label.origin {
        Origin::Step { step } => Some(step),
        Origin::Noise { .. } => None,
    }
}

#[test]
fn the_contract_example_yields_two_chain_events_among_two_hundred_noise_events() {
    let events = events(&example(), 1);
    let chain: Vec<&ProcessEvent> = events.iter().filter(|e| step_of(e).is_some()).collect();
    let noise = events.iter().filter(|e| step_of(e).is_none()).count();

    assert_eq!(chain.len(), 2);
    assert_eq!(noise, 200);
    assert_eq!(step_of(chain[0]), Some("shell"));
    assert_eq!(step_of(chain[1]), Some("discovery"));
    assert!(
        events
            .iter()
            .all(|e| e.host.fqdn == "WS-0042.corp.example.com")
    );

    // Interleaved: noise on both sides of the chain.
    let first_chain = events.iter().position(|e| step_of(e).is_some()).unwrap();
    let last_chain = events.iter().rposition(|e| step_of(e).is_some()).unwrap();
    assert!(
        first_chain > 0 && last_chain < events.len() - 1,
        "{first_chain}..{last_chain}"
    );

    let (shell, discovery) = (chain[0], chain[1]);
    assert_eq!(shell.process.image, r"C:\Windows\System32\cmd.exe");
    assert_eq!(
        shell.process.command_line,
        r#"cmd.exe /c "whoami /all > C:\Users\Public\o.txt""#
    );
    assert_eq!(shell.process.binary.original_file_name, "Cmd.Exe");
    let lsass = shell.parent.process().expect("lsass is known");
    assert_eq!(lsass.image, r"C:\Windows\System32\lsass.exe");
    assert_eq!(
        shell.process.account().name,
        "SYSTEM",
        "cmd.exe inherits lsass.exe's token"
    );
    assert!(shell.label.malicious && discovery.label.malicious);
    assert_eq!(shell.label.techniques, ["T1059.003"]);
    assert_eq!(shell.label.expect.len(), 1);
    assert_eq!(shell.label.expect[0].rule, "cmd-unusual-parent");
    assert_eq!(shell.label.expect[0].verdict, Verdict::Alert);

    // whoami.exe's parent is the very cmd.exe process, 2 s later; its grandparent is lsass.exe.
    assert!(Arc::ptr_eq(
        discovery.parent.process().unwrap(),
        &shell.process
    ));
    assert_eq!(discovery.grandparent.as_ref().unwrap().guid, lsass.guid);
    let gap = discovery.process.start - shell.process.start;
    assert_eq!(gap.num_milliseconds(), 2_000);
    assert!(
        events
            .iter()
            .filter(|e| step_of(e).is_none())
            .all(|e| !e.label.malicious)
    );
}

fn canonical_bytes(text: &str, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for event in Timeline::new(&load_one(text, seed), seed) {
        serde_json::to_writer(&mut out, &event).unwrap();
        out.push(b'\n');
    }
    out
}

#[test]
fn the_same_seed_gives_identical_bytes_and_another_seed_other_values() {
    let text = example();
    let first = canonical_bytes(&text, 7);
    assert_eq!(first, canonical_bytes(&text, 7));
    assert_ne!(first, canonical_bytes(&text, 8));
}

/// Checks every invariant the simulator promises on one timeline.
fn assert_consistent(events: &[ProcessEvent]) {
    let mut last_time: HashMap<&str, chrono::DateTime<chrono::Utc>> = HashMap::new();
    let mut last_record: HashMap<&str, u64> = HashMap::new();
    let mut by_guid: HashMap<(String, String), Arc<Process>> = HashMap::new();
    let mut pid_owner: HashMap<(String, u32), Arc<Process>> = HashMap::new();
    let mut logons: HashMap<(String, u64), (String, u32, String)> = HashMap::new();

    for (i, event) in events.iter().enumerate() {
        let host = event.host.fqdn.as_str();
        let process = &event.process;
        assert_eq!(event.seq, i as u64);
        assert_eq!(
            process.pid % 4,
            0,
            "pid {} is not a multiple of 4",
            process.pid
        );
        assert!(event.time >= process.start, "logged before it started");

        if let Some(previous) = last_time.insert(host, event.time) {
            assert!(
                event.time > previous,
                "time not strictly increasing on {host} at {i}"
            );
        }
        let record = last_record.entry(host).or_insert(0);
        *record += 1;
        assert_eq!(event.record_id, *record);

        let key = (host.to_string(), process.guid.to_string());
        assert!(
            by_guid.insert(key, process.clone()).is_none(),
            "guid reused at {i}"
        );

        if let Parent::Known { process: parent } = &event.parent {
            assert!(
                process.start > parent.start,
                "child started before its parent at {i}"
            );
            // The parent fields are the real parent's: equal to the event that created it.
            if let Some(created) = by_guid.get(&(host.to_string(), parent.guid.to_string())) {
                assert_eq!(
                    **created, **parent,
                    "parent fields differ from the parent at {i}"
                );
            }
            // No other process took the parent's pid while the parent lived.
            if let Some(owner) = pid_owner.get(&(host.to_string(), parent.pid)) {
                assert!(
                    owner.guid == parent.guid || owner.start < parent.start,
                    "pid {} reused while its process lived at {i}",
                    parent.pid
                );
            }
            pid_owner
                .entry((host.to_string(), parent.pid))
                .or_insert_with(|| parent.clone());
        }
        if let Some(grandparent) = &event.grandparent {
            let parent = event
                .parent
                .process()
                .expect("a grandparent implies a known parent");
            assert!(parent.start > grandparent.start);
        }
        pid_owner.insert((host.to_string(), process.pid), process.clone());

        // Every process of one logon shares its GUID, session and account.
        let logon = &process.logon;
        let identity = (
            logon.guid.to_string(),
            logon.session,
            logon.account.qualified(),
        );
        let known = logons
            .entry((host.to_string(), logon.id))
            .or_insert_with(|| identity.clone());
        assert_eq!(
            *known, identity,
            "logon {:#x} inconsistent at {i}",
            logon.id
        );
    }
}

const THREE_HOSTS: &str = r#"
scenario: three-hosts
hosts:
  - name: WS-0101.corp.example.com
  - name: SRV-APP01.corp.example.com
    id: app
  - name: DC01.corp.example.com
    id: dc
users:
  - id: alice
    name: CORP\alice
  - id: admin
    name: CORP\adm-bob
    admin: true
steps:
  - id: shell
    parent: explorer.exe
    image: C:\Windows\System32\cmd.exe
    user: alice
  - id: remote
    host: app
    parent: services.exe
    image: C:\Windows\PSEXESVC.exe
    user: SYSTEM
    after: 30s
  - id: dc-shell
    host: dc
    parent: wsmprovhost.exe
    image: C:\Windows\System32\cmd.exe
    user: admin
    integrity: high
noise:
  - profile: workstation
    events: 3000
  - profile: server
    host: app
    duration: 2h
  - profile: domain-controller
    host: dc
    events: 3000
"#;

#[test]
fn timelines_are_consistent_across_hosts_profiles_and_the_bundled_suite() {
    let three = events(THREE_HOSTS, 3);
    assert_consistent(&three);
    let hosts: std::collections::BTreeSet<&str> =
        three.iter().map(|e| e.host.fqdn.as_str()).collect();
    assert_eq!(hosts.len(), 3);

    let (scenarios, errors) = detsim::suite::scenarios(1);
    assert!(errors.is_empty(), "{errors:?}");
    for scenario in &scenarios {
        let events: Vec<ProcessEvent> = Timeline::new(scenario, 1).collect();
        assert_consistent(&events);
    }
}

#[test]
fn chain_defaults_come_from_parent_users_and_catalogue() {
    let events = events(THREE_HOSTS, 3);
    let step = |id: &str| events.iter().find(|e| step_of(e) == Some(id)).unwrap();

    let shell = step("shell");
    assert_eq!(shell.process.account().qualified(), r"CORP\alice");
    assert_eq!(shell.parent.process().unwrap().name(), "explorer.exe");
    assert_eq!(
        shell.process.cwd, r"C:\Windows\system32\",
        "cmd.exe's catalogue directory"
    );

    let remote = step("remote");
    assert_eq!(remote.host.fqdn, "SRV-APP01.corp.example.com");
    assert_eq!(remote.process.account().name, "SYSTEM");
    assert_eq!(remote.process.logon.id, 0x3e7);
    assert_eq!(remote.process.binary.original_file_name, "psexesvc.exe");

    let dc_shell = step("dc-shell");
    assert_eq!(
        dc_shell.host.role,
        detsim_generators::model::HostRole::DomainController
    );
    assert_eq!(
        dc_shell.process.integrity,
        detsim_generators::model::Integrity::High
    );
    assert_eq!(dc_shell.process.account().qualified(), r"CORP\adm-bob");
}

#[test]
fn identity_mutations_for_evasion_tests() {
    let text = r#"
scenario: evasions
host: WS-0007.corp.example.com
steps:
  - id: renamed
    parent: lsass.exe
    image: C:\Users\Public\svch0st.exe
    binary: cmd.exe
  - id: upper
    parent: lsass.exe
    image: C:\WINDOWS\SYSTEM32\CMD.EXE
  - id: wow64
    parent: lsass.exe
    image: C:\Windows\System32\cmd.exe
    wow64: true
  - id: orphan
    parent: lsass.exe
    image: C:\Windows\System32\cmd.exe
    parent_unknown: true
  - id: implant
    parent: lsass.exe
    image: C:\ProgramData\x.exe
"#;
    let events = events(text, 1);
    let step = |id: &str| events.iter().find(|e| step_of(e) == Some(id)).unwrap();

    let renamed = step("renamed");
    assert_eq!(renamed.process.image, r"C:\Users\Public\svch0st.exe");
    assert_eq!(renamed.process.binary.original_file_name, "Cmd.Exe");

    let upper = step("upper");
    assert_eq!(upper.process.image, r"C:\WINDOWS\SYSTEM32\CMD.EXE");
    assert_eq!(upper.process.binary.original_file_name, "Cmd.Exe");

    assert_eq!(step("wow64").process.image, r"C:\Windows\SysWOW64\cmd.exe");

    let orphan = step("orphan");
    assert!(matches!(orphan.parent, Parent::Unknown { pid } if pid > 0));
    assert!(orphan.grandparent.is_none());

    let implant = step("implant");
    assert_eq!(implant.process.binary.original_file_name, "");
    assert_eq!(
        implant.process.binary.signer_kind,
        detsim_generators::model::SignerKind::Unsigned
    );
    assert_eq!(implant.process.command_line, r#""C:\ProgramData\x.exe""#);
}

#[test]
fn matrix_expands_into_named_scenarios_with_templates() {
    let text = r#"
scenario: cmd-under
matrix:
  parent: [lsass.exe, csrss.exe, spoolsv.exe]
vars:
  payload: C:\Users\Public\o.txt
host: "{{ random_host(prefix='WS') }}.corp.example.com"
steps:
  - id: shell
    parent: "{{ parent }}"
    image: C:\Windows\System32\cmd.exe
    command_line: cmd.exe /c whoami > {{ payload }} & rem {{ hex(len=6) }}
"#;
    let scenarios = load_str(text, "matrix.yaml", 5).unwrap();
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cmd-under/lsass.exe",
            "cmd-under/csrss.exe",
            "cmd-under/spoolsv.exe"
        ]
    );
    for (scenario, parent) in scenarios
        .iter()
        .zip(["lsass.exe", "csrss.exe", "spoolsv.exe"])
    {
        let events: Vec<ProcessEvent> = Timeline::new(scenario, 5).collect();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].parent.process().unwrap().name(), parent);
        assert!(
            events[0]
                .process
                .command_line
                .starts_with(r"cmd.exe /c whoami > C:\Users\Public\o.txt & rem ")
        );
        assert!(scenario.hosts[0].fqdn.starts_with("WS-"));
    }
    // Templates draw the same values for the same seed, and others for another.
    let again = load_str(text, "matrix.yaml", 5).unwrap();
    let other = load_str(text, "matrix.yaml", 6).unwrap();
    assert_eq!(
        again[0].steps[0].command_line,
        scenarios[0].steps[0].command_line
    );
    assert_ne!(
        other[0].steps[0].command_line,
        scenarios[0].steps[0].command_line
    );

    let named = text.replace("scenario: cmd-under", "scenario: cmd-under-{{ parent }}");
    let scenarios = load_str(&named, "matrix.yaml", 5).unwrap();
    assert_eq!(scenarios[1].name, "cmd-under-csrss.exe");
}

#[test]
fn noise_by_rate_over_a_duration() {
    let text = "scenario: rate\nnoise:\n  profile: server\n  rate: 600/h\n  duration: 4h\n";
    let events = events(text, 2);
    // A Poisson process: 2,400 expected; allow a wide margin, the point is the order of size.
    assert!((1_900..=2_900).contains(&events.len()), "{}", events.len());
    let span = events.last().unwrap().time - events.first().unwrap().time;
    assert!(span.num_minutes() >= 220, "{span}");
}

#[test]
fn rule_tripping_activities_stay_off_unless_enabled() {
    let cmd_under_google_update = |events: &[ProcessEvent]| {
        events
            .iter()
            .filter(|e| {
                e.process.name() == "cmd.exe"
                    && e.parent
                        .process()
                        .is_some_and(|p| p.name() == "GoogleUpdate.exe")
            })
            .count()
    };
    let quiet = "scenario: n\nnoise:\n  profile: workstation\n  events: 5000\n";
    assert_eq!(cmd_under_google_update(&events(quiet, 4)), 0);

    let enabled = format!("{quiet}  enable: [google-update-shell]\n");
    assert!(cmd_under_google_update(&events(&enabled, 4)) > 0);
}

#[test]
fn noise_contains_the_near_misses_that_false_positives_are_made_of() {
    let events = events(
        "scenario: n\nnoise:\n  profile: workstation\n  events: 20000\n",
        9,
    );
    let cmd_parents: std::collections::BTreeSet<&str> = events
        .iter()
        .filter(|e| e.process.name().eq_ignore_ascii_case("cmd.exe"))
        .filter_map(|e| e.parent.process().map(|p| p.name()))
        .collect();
    for parent in ["explorer.exe", "services.exe", "svchost.exe", "cmd.exe"] {
        assert!(
            cmd_parents.contains(parent),
            "no cmd.exe under {parent}: {cmd_parents:?}"
        );
    }
    let rule_parent_activity = [
        "SearchProtocolHost.exe",
        "WerFault.exe",
        "wermgr.exe",
        "jucheck.exe",
    ];
    for child in rule_parent_activity {
        assert!(
            events.iter().any(|e| e.process.name() == child),
            "no {child}"
        );
    }
    let conhost_under_cmd = events.iter().any(|e| {
        e.process.name() == "conhost.exe"
            && e.parent.process().is_some_and(|p| p.name() == "cmd.exe")
    });
    assert!(conhost_under_cmd);
}
