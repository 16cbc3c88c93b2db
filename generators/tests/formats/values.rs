//! The textual forms each product uses, checked on the test-support event: GUID casing and
//! braces, logon id forms, hash casing, timestamp precision, integrity spelling, relatives.

use std::sync::Arc;

use detsim_generators::model::{Guid, ProcessEvent, SignerKind};
use detsim_generators::{Format, Record, RenderOptions, testing};
use serde_json::{Value, json};

fn render(format: Format, event: &ProcessEvent, envelope: bool) -> String {
    let mut line = String::new();
    format.render(event, &RenderOptions { envelope }, &mut line);
    line
}

fn read(format: Format, event: &ProcessEvent) -> Record {
    format.read(&render(format, event, false)).unwrap()
}

fn text(record: &Record, field: &str) -> String {
    record
        .get_str(field)
        .unwrap_or_else(|| panic!("`{field}` missing or not text"))
        .to_string()
}

/// The EventData names of Process Create template version 5, in manifest order.
const SYSMON_EVENT_DATA: [&str; 23] = [
    "RuleName",
    "UtcTime",
    "ProcessGuid",
    "ProcessId",
    "Image",
    "FileVersion",
    "Description",
    "Product",
    "Company",
    "OriginalFileName",
    "CommandLine",
    "CurrentDirectory",
    "User",
    "LogonGuid",
    "LogonId",
    "TerminalSessionId",
    "IntegrityLevel",
    "Hashes",
    "ParentProcessGuid",
    "ParentProcessId",
    "ParentImage",
    "ParentCommandLine",
    "ParentUser",
];

const SYSTEM_FIELDS: [&str; 15] = [
    "Provider",
    "ProviderGuid",
    "EventID",
    "Version",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "TimeCreated",
    "EventRecordID",
    "ProcessID",
    "ThreadID",
    "Channel",
    "Computer",
    "UserID",
];

#[test]
fn sysmon_xml_forms() {
    let event = testing::event();
    let line = render(Format::Sysmon, &event, false);
    assert!(
        line.starts_with("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>")
    );
    let record = read(Format::Sysmon, &event);
    let names: Vec<&str> = record.iter().map(|(name, _)| name).collect();
    assert_eq!(names[..15], SYSTEM_FIELDS);
    assert_eq!(names[15..], SYSMON_EVENT_DATA);
    assert!(
        record.iter().all(|(_, value)| value.is_string()),
        "XML values are strings"
    );

    assert_eq!(
        text(&record, "ProviderGuid"),
        "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"
    );
    assert_eq!(
        text(&record, "ProcessGuid"),
        event.process.guid.to_text(false, true)
    );
    assert_eq!(text(&record, "LogonId"), "0x5a2c1");
    assert_eq!(text(&record, "TimeCreated"), "2026-03-02T09:15:00.2625043Z");
    assert_eq!(text(&record, "UtcTime"), "2026-03-02 09:15:00.250");
    assert_eq!(text(&record, "RuleName"), "-");
    assert_eq!(text(&record, "UserID"), "S-1-5-18");
    assert_eq!(text(&record, "Keywords"), "0x8000000000000000");
    let binary = &event.process.binary;
    let hashes = format!(
        "MD5={},SHA256={},IMPHASH={}",
        binary.md5.to_uppercase(),
        binary.sha256.to_uppercase(),
        binary.imphash.to_uppercase()
    );
    assert_eq!(text(&record, "Hashes"), hashes);
}

#[test]
fn sysmon_json_forms() {
    let event = testing::event();
    let record = read(Format::SysmonJson, &event);
    let names: Vec<&str> = record.iter().map(|(name, _)| name).collect();
    assert_eq!(names[..15], SYSTEM_FIELDS);
    assert_eq!(names[15..], SYSMON_EVENT_DATA);
    assert_eq!(
        record.get("ProcessGuid"),
        Some(&json!(event.process.guid.to_text(true, false)))
    );
    assert_eq!(
        record.get("ProviderGuid"),
        Some(&json!("5770385F-C22A-43E0-BF4C-06F5698FFBD9"))
    );
    assert_eq!(record.get("ProcessId"), Some(&json!(10_244)));
    assert_eq!(record.get("EventRecordID"), Some(&json!(4_211)));
    assert_eq!(record.get("ProcessID"), Some(&json!(event.host.sensor_pid)));
    assert_eq!(record.get("LogonId"), Some(&json!("0x5a2c1")));
    assert_eq!(
        record.get("TimeCreated"),
        Some(&json!("2026-03-02T09:15:00.262504Z"))
    );
    assert_eq!(record.get("Correlation"), None);
}

#[test]
fn sysmon_unattributed_parent_and_unknown_binary() {
    let mut event = testing::event_with_unknown_parent();
    Arc::make_mut(&mut event.process).binary = testing::unknown_binary("implant");
    for format in [Format::Sysmon, Format::SysmonJson] {
        let record = read(format, &event);
        let nil = Guid::NIL.to_text(format == Format::SysmonJson, format == Format::Sysmon);
        assert_eq!(text(&record, "ParentProcessGuid"), nil);
        for field in ["ParentImage", "ParentCommandLine", "ParentUser"] {
            assert_eq!(text(&record, field), "-", "{format} {field}");
        }
        for field in [
            "FileVersion",
            "Description",
            "Product",
            "Company",
            "OriginalFileName",
        ] {
            assert_eq!(text(&record, field), "-", "{format} {field}");
        }
    }
}

#[test]
fn ecs_forms() {
    let event = testing::event();
    let record = read(Format::Ecs, &event);
    assert_eq!(text(&record, "@timestamp"), "2026-03-02T09:15:00.2625043Z");
    assert_eq!(text(&record, "event.action"), "start");
    assert_eq!(text(&record, "event.dataset"), "endpoint.events.process");
    assert_eq!(
        text(&record, "process.Ext.token.integrity_level_name"),
        "medium"
    );
    assert_eq!(text(&record, "process.Ext.authentication_id"), "0x5a2c1");
    assert_eq!(text(&record, "process.pe.original_file_name"), "whoami.exe");
    assert_eq!(
        text(&record, "host.id"),
        event.host.machine_id.to_text(false, false)
    );
    assert_eq!(text(&record, "host.name"), "wks-0007");
    assert_eq!(text(&record, "host.os.type"), "windows");
    assert_eq!(
        record.get("process.Ext.code_signature.trusted"),
        Some(&json!([true]))
    );
    let hash = text(&record, "process.hash.md5");
    assert_eq!(hash, hash.to_lowercase());

    // entity_id: base64 of `<agent id>-<pid>-<FILETIME seconds>.<9 digits>`.
    let decoded = decode_base64(&text(&record, "process.entity_id"));
    let agent = text(&record, "agent.id");
    assert_eq!(decoded, format!("{agent}-10244-13416916500.250118900"));
    let ancestry = record
        .get("process.Ext.ancestry")
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        ancestry[0],
        json!(text(&record, "process.parent.entity_id"))
    );
    assert_eq!(ancestry.len(), 2);

    // Elastic Defend's Windows process event has none of these.
    for absent in [
        "process.pe.company",
        "process.pe.description",
        "process.pe.product",
        "process.pe.file_version",
        "process.parent.pe.original_file_name",
        "process.parent.user.name",
        "process.parent.hash.md5",
        "process.integrity_level",
    ] {
        assert_eq!(record.get(absent), None, "{absent}");
    }
}

#[test]
fn ecs_unsigned_file() {
    let mut event = testing::event();
    Arc::make_mut(&mut event.process).binary = testing::binary("x.exe", "", SignerKind::Unsigned);
    let record = read(Format::Ecs, &event);
    assert_eq!(
        record.get("process.code_signature.exists"),
        Some(&json!(false))
    );
    assert_eq!(record.get("process.code_signature.subject_name"), None);
    assert_eq!(record.get("process.code_signature.trusted"), None);
}

#[test]
fn defender_forms() {
    let event = testing::event();
    let record = read(Format::Defender, &event);
    let device = text(&record, "DeviceId");
    assert!(
        device.len() == 40
            && device
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(text(&record, "Timestamp"), "2026-03-02T09:15:00.2625043Z");
    assert_eq!(text(&record, "DeviceName"), "wks-0007.lab.example.org");
    assert_eq!(record.get("LogonId"), Some(&json!(0x5a2c1)));
    assert_eq!(text(&record, "AccountDomain"), "lab");
    assert_eq!(text(&record, "AccountUpn"), "r.osei@lab.example.org");
    assert_eq!(record.get("AccountObjectId"), Some(&Value::Null));
    assert_eq!(text(&record, "InitiatingProcessFileName"), "cmd.exe");
    assert_eq!(
        text(&record, "InitiatingProcessFolderPath"),
        r"c:\windows\system32\cmd.exe"
    );
    assert_eq!(
        text(&record, "InitiatingProcessParentFileName"),
        "explorer.exe"
    );
    assert_eq!(record.get("InitiatingProcessParentId"), Some(&json!(5_112)));
    assert_eq!(text(&record, "InitiatingProcessSignerType"), "OsVendor");
    assert_eq!(
        text(&record, "ProcessTokenElevation"),
        "TokenElevationTypeDefault"
    );
    assert_eq!(record.get("ReportId"), Some(&json!(4_211)));
    assert_eq!(record.get("IsProcessRemoteSession"), Some(&json!(false)));
    assert_eq!(record.len(), 66, "the documented columns, no more");

    // SYSTEM: lower-cased `nt authority` / `system`, no UPN.
    let mut system = testing::event();
    Arc::make_mut(&mut system.process).logon = testing::system_logon();
    let record = read(Format::Defender, &system);
    assert_eq!(
        (text(&record, "AccountDomain"), text(&record, "AccountName")),
        ("nt authority".into(), "system".into())
    );
    assert_eq!(record.get("AccountUpn"), Some(&Value::Null));
    assert_eq!(record.get("LogonId"), Some(&json!(999)));
}

#[test]
fn defender_envelope_and_unattributed_parent() {
    let event = testing::event_with_unknown_parent();
    let line = render(Format::Defender, &event, true);
    assert!(line.starts_with(r#"{"time":""#));
    let record = Format::Defender.read(&line).unwrap();
    assert_eq!(
        text(&record, "category"),
        "AdvancedHunting-DeviceProcessEvents"
    );
    assert_eq!(text(&record, "operationName"), "Publish");
    assert!(
        record
            .get_str("tenantId")
            .is_some_and(|t| Guid::parse(t).is_some())
    );
    assert_eq!(text(&record, "MachineGroup"), "UnassignedGroup");
    assert_eq!(record.get("InitiatingProcessId"), Some(&json!(8_836)));
    for column in [
        "InitiatingProcessFileName",
        "InitiatingProcessSHA1",
        "InitiatingProcessAccountSid",
        "InitiatingProcessVersionInfoCompanyName",
        "InitiatingProcessParentId",
        "InitiatingProcessSignerType",
    ] {
        assert_eq!(record.get(column), Some(&Value::Null), "{column}");
    }
    // The documented columns, MachineGroup, then the four envelope fields.
    assert_eq!(record.len(), 66 + 1 + 4);
}

#[test]
fn sentinelone_forms() {
    let event = testing::event();
    let record = read(Format::SentinelOne, &event);
    assert_eq!(text(&record, "meta.event.name"), "PROCESSCREATION");
    assert_eq!(text(&record, "tgt.process.name"), "whoami.exe");
    assert_eq!(text(&record, "src.process.name"), "cmd.exe");
    assert_eq!(text(&record, "src.process.parent.name"), "explorer.exe");
    assert_eq!(text(&record, "tgt.process.integrityLevel"), "MEDIUM");
    assert_eq!(text(&record, "tgt.process.publisher"), "MICROSOFT WINDOWS");
    assert_eq!(
        record.get("event.time"),
        Some(&json!(event.time.timestamp_millis()))
    );
    let uid = text(&record, "tgt.process.uid");
    assert!(
        uid.len() == 16
            && uid
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    );
    assert_eq!(text(&record, "process.unique.key"), uid);
    let event_id = text(&record, "event.id");
    assert!(
        event_id.starts_with(&text(&record, "trace.id")),
        "{event_id}"
    );
    // One logon session, one storyline; the child did not start it.
    assert_eq!(
        text(&record, "src.process.storyline.id"),
        text(&record, "tgt.process.storyline.id")
    );
    assert_eq!(
        record.get("tgt.process.isStorylineRoot"),
        Some(&json!(false))
    );
    assert_eq!(record.get("src.process.parent.isStorylineRoot"), None);
    assert_eq!(record.get("src.process.isNative64Bit"), Some(&json!(true)));
}

/// Standard base64 decoding for the entity-id check.
fn decode_base64(text: &str) -> String {
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = Vec::new();
    for c in text.trim_end_matches('=').chars() {
        let value = alphabet.find(c).unwrap();
        bits.extend((0..6).rev().map(|shift| (value >> shift) & 1));
    }
    let bytes: Vec<u8> = bits
        .chunks_exact(8)
        .map(|byte| byte.iter().fold(0u8, |acc, bit| (acc << 1) | *bit as u8))
        .collect();
    String::from_utf8(bytes).unwrap()
}
