//! Vendor records normalised to ECS: every format's record of the same event must give the ECS
//! fields Elastic's rules read, as each integration would, and leave out what a product or its
//! integration does not provide.

use detsim::ecs::normalise;
use detsim::scenario::load_str;
use detsim::sim::Timeline;
use detsim_generators::model::{Origin, ProcessEvent};
use detsim_generators::{Format, Record, RenderOptions};
use serde_json::{Value, json};

const SCENARIO: &str = r#"
scenario: normalisation
host: WS-0900.corp.example.com
steps:
  - id: surrogate
    parent: services.exe
    image: C:\Windows\System32\dllhost.exe
    command_line: C:\Windows\system32\DllHost.exe /Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}
    running: true
  - id: shell
    parent: surrogate
    image: C:\Windows\System32\cmd.exe
    command_line: cmd.exe /c "echo a b"
  - id: orphan
    parent: lsass.exe
    image: C:\Windows\System32\cmd.exe
    parent_unknown: true
"#;

fn step<'a>(events: &'a [ProcessEvent], id: &str) -> &'a ProcessEvent {
    events
        .iter()
        .find(|e| matches!(&e.label.origin, Origin::Step { step } if step == id))
        .unwrap()
}

fn ecs_of(event: &ProcessEvent, format: Format) -> Record {
    let mut line = String::new();
    format.render(event, &RenderOptions::default(), &mut line);
    let record = format
        .read(&line)
        .unwrap_or_else(|e| panic!("{format}: {e}"));
    normalise(format, &record).into_owned()
}

/// Whether a field holds a value, or an array with that value.
fn has(record: &Record, field: &str, wanted: &str) -> bool {
    match record.get(field) {
        Some(Value::String(s)) => s == wanted,
        Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(wanted)),
        _ => false,
    }
}

#[test]
fn every_format_gives_the_fields_the_rule_reads() {
    let scenario = load_str(SCENARIO, "normalisation.yaml", 1)
        .unwrap()
        .remove(0);
    let events: Vec<ProcessEvent> = Timeline::new(&scenario, 1).collect();
    let shell = step(&events, "shell");
    for format in Format::ALL {
        let ecs = ecs_of(shell, format);
        let context = format!("{format}: {:#?}", ecs.to_flat_json());
        assert!(has(&ecs, "host.os.type", "windows"), "{context}");
        assert!(has(&ecs, "event.type", "start"), "{context}");
        assert!(has(&ecs, "event.category", "process"), "{context}");
        assert!(has(&ecs, "process.name", "cmd.exe"), "{context}");
        assert!(has(&ecs, "process.parent.name", "dllhost.exe"), "{context}");
        assert!(
            has(
                &ecs,
                "process.parent.args",
                "/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}"
            ),
            "{context}"
        );
        assert_eq!(
            ecs.get("process.args"),
            Some(&json!(["cmd.exe", "/c", "echo a b"])),
            "{context}"
        );
        assert_eq!(
            ecs.get("process.pid"),
            Some(&json!(shell.process.pid)),
            "{context}"
        );
        assert!(
            ecs.get("@timestamp").and_then(Value::as_str).is_some(),
            "{context}"
        );
    }
}

#[test]
fn an_unattributed_parent_leaves_no_parent_name() {
    let scenario = load_str(SCENARIO, "normalisation.yaml", 1)
        .unwrap()
        .remove(0);
    let events: Vec<ProcessEvent> = Timeline::new(&scenario, 1).collect();
    let orphan = step(&events, "orphan");
    for format in Format::ALL {
        let ecs = ecs_of(orphan, format);
        assert_eq!(ecs.get("process.parent.name"), None, "{format}");
        assert!(has(&ecs, "process.name", "cmd.exe"), "{format}");
    }
}

#[test]
fn integration_quirks_are_reproduced() {
    let scenario = load_str(SCENARIO, "normalisation.yaml", 1)
        .unwrap()
        .remove(0);
    let events: Vec<ProcessEvent> = Timeline::new(&scenario, 1).collect();
    let shell = step(&events, "shell");

    // m365_defender lower-cases the host name; the Windows integration keeps Sysmon's Computer.
    let defender = ecs_of(shell, Format::Defender);
    assert_eq!(
        defender.get_str("host.name"),
        Some("ws-0900.corp.example.com")
    );
    assert_eq!(
        defender.get_str("process.parent.group_leader.name"),
        Some("services.exe")
    );
    let sysmon = ecs_of(shell, Format::Sysmon);
    assert_eq!(
        sysmon.get_str("host.name"),
        Some("WS-0900.corp.example.com")
    );
    // Sysmon's user.id is the Sysmon service account, not the process user.
    assert_eq!(sysmon.get_str("user.id"), Some("S-1-5-18"));

    // SentinelOne drops the grandparent and takes user.* from the creator.
    let s1 = ecs_of(shell, Format::SentinelOne);
    assert!(s1.iter().all(|(name, _)| !name.contains("group_leader")));
    assert!(s1.get("process.pe.original_file_name").is_none());

    // Elastic Defend passes through: the normalised record is the record itself.
    let mut line = String::new();
    Format::Ecs.render(shell, &RenderOptions::default(), &mut line);
    let record = Format::Ecs.read(&line).unwrap();
    assert_eq!(*normalise(Format::Ecs, &record), record);
}
