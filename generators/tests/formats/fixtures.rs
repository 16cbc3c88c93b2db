//! Readers accept the variations real records show, on hand-written fixtures (see
//! `tests/fixtures/README.md`): what each line must read as, and what must stay absent.

use std::io::Cursor;

use detsim_generators::{Format, Record, read_lines};
use serde_json::{Value, json};

const SYSMON: &str = include_str!("../fixtures/sysmon.xml");
const SYSMON_JSON: &str = include_str!("../fixtures/sysmon-json.ndjson");
const ECS: &str = include_str!("../fixtures/ecs.ndjson");
const DEFENDER: &str = include_str!("../fixtures/defender.ndjson");
const SENTINELONE: &str = include_str!("../fixtures/sentinelone.ndjson");

/// Every line of a fixture file, read with `read_lines`; all must read.
fn records(format: Format, text: &str) -> Vec<Record> {
    read_lines(format, Cursor::new(text))
        .map(|(line, result)| {
            result.unwrap_or_else(|e| panic!("{format} fixture line {line}: {e}"))
        })
        .collect()
}

fn assert_fields(record: &Record, expected: &[(&str, Value)]) {
    for (field, value) in expected {
        assert_eq!(record.get(field), Some(value), "field `{field}`");
    }
}

#[test]
fn sysmon_xml_variations() {
    let records = records(Format::Sysmon, SYSMON);
    assert_eq!(records.len(), 2);

    // Double quotes, a prolog, spaces between elements, `<Data Name="x"/>`, an older template
    // without OriginalFileName/ParentUser, RenderingInfo after EventData.
    assert_fields(
        &records[0],
        &[
            ("EventID", json!("1")),
            ("Qualifiers", json!("")),
            ("RuleName", json!("")),
            (
                "ProviderGuid",
                json!("{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"),
            ),
            ("TimeCreated", json!("2025-11-04T16:02:33.118204500Z")),
            ("ProcessID", json!("3120")),
            ("Computer", json!("LAPTOP-77.branch.example.net")),
            (
                "CommandLine",
                json!(r#""C:\Program Files\Notes\notes.exe" --open "C:\Users\m.ruiz\a & b.txt""#),
            ),
            ("ParentImage", json!(r"C:\Windows\explorer.exe")),
        ],
    );
    for absent in [
        "OriginalFileName",
        "ParentUser",
        "Hashes",
        "Correlation",
        "Message",
        "RenderingInfo",
    ] {
        assert_eq!(records[0].get(absent), None, "{absent}");
    }
    assert_eq!(
        Format::Sysmon.record_id(&records[0]).as_deref(),
        Some("{b1c2d3e4-0a0b-690a-2a01-000000002f00}")
    );

    // Single quotes, a comment, every predefined entity, a correlation activity id, fields in
    // another order, an unattributed parent.
    assert_fields(
        &records[1],
        &[
            ("CommandLine", json!(r#"cmd.exe /c echo <x> "y" 'z' AB"#)),
            (
                "ActivityID",
                json!("{11111111-2222-3333-4444-555555555555}"),
            ),
            ("ParentImage", json!("-")),
            ("LogonId", json!("0x3e7")),
            (
                "RuleName",
                json!("technique_id=T1059,technique_name=Command and Scripting Interpreter"),
            ),
        ],
    );
}

#[test]
fn sysmon_json_variations() {
    let records = records(Format::SysmonJson, SYSMON_JSON);
    assert_eq!(records.len(), 2);
    // Spaces after colons, EventID with qualifiers, an extra top-level member.
    assert_fields(
        &records[0],
        &[
            ("EventID", json!(1)),
            ("Qualifiers", json!(0)),
            ("ProcessId", json!(4404)),
            ("TerminalSessionId", json!(1)),
            (
                "CommandLine",
                json!(r#"reg  query HKCU\Software\Tools /v "Last Path""#),
            ),
            ("RuleName", json!("")),
        ],
    );
    assert_eq!(records[0].get("Extra.source"), None);
    assert_eq!(
        Format::SysmonJson.record_id(&records[0]).as_deref(),
        Some("AB12CD34-56EF-68CB-0F02-000000000900")
    );
    // EventData before System, most fields missing, a nested extra value flattened.
    assert_fields(
        &records[1],
        &[
            ("ParentUser", json!(r"CORP\svc_build")),
            ("CommandLine", json!("")),
            ("Unexpected.nested", json!(true)),
            ("EventID", json!(1)),
        ],
    );
    assert_eq!(records[1].get("ParentImage"), None);
}

#[test]
fn ecs_variations() {
    let records = records(Format::Ecs, ECS);
    assert_fields(
        &records[0],
        &[
            (
                "process.args",
                json!([r"c:\windows\system32\inetsrv\w3wp.exe", "-ap", "Site Pool"]),
            ),
            ("process.parent.args", json!([])),
            ("process.Ext.code_signature.trusted", json!([true, false])),
            (
                "process.Ext.code_signature.subject_name",
                json!(["Microsoft Windows"]),
            ),
            ("cloud.provider", json!("example")),
            ("user.domain", json!("WEB01")),
        ],
    );
    assert_eq!(
        Format::Ecs.record_id(&records[0]).as_deref(),
        Some("Zm9yLWEtdGVzdC1vbmx5LTE=")
    );
    assert_eq!(records[1].get("process.parent.name"), None);
    assert_eq!(Format::Ecs.record_id(&records[1]), None);
}

#[test]
fn defender_variations() {
    let records = records(Format::Defender, DEFENDER);
    assert_eq!(records.len(), 4, "the batch line gives two records");
    // A plain row with another column order and an extra column.
    assert_fields(
        &records[0],
        &[
            ("LogonId", json!(999)),
            ("ExtraColumn", json!("kept")),
            ("InitiatingProcessFileName", json!("services.exe")),
        ],
    );
    assert_eq!(records[0].get("category"), None);
    assert_eq!(
        Format::Defender.record_id(&records[0]).as_deref(),
        Some("00112233445566778899aabbccddeeff00112233:77")
    );
    // A streaming record: its columns, then the envelope fields; unknown envelope keys dropped.
    assert_fields(
        &records[1],
        &[
            ("FileName", json!("net.exe")),
            ("InitiatingProcessCreationTime", Value::Null),
            ("AdditionalFields.Note", json!("dynamic in Log Analytics")),
            ("category", json!("AdvancedHunting-DeviceProcessEvents")),
            ("operationName", json!("Publish")),
            ("tenantId", json!("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")),
        ],
    );
    assert_eq!(records[1].get("Tenant"), None);
    let names: Vec<&str> = records[1].iter().map(|(name, _)| name).collect();
    assert_eq!(names.last(), Some(&"operationName"));
    // The Event Hubs batch: one record each.
    assert_eq!(records[2].get_str("FileName"), Some("a.exe"));
    assert_eq!(records[3].get_str("FileName"), Some("b.exe"));
    let batch = DEFENDER.lines().nth(2).unwrap();
    let error = Format::Defender.read(batch).unwrap_err();
    assert_eq!(
        error.to_string(),
        "a batch of 2 records on one line; read it with `read_lines`"
    );
}

#[test]
fn sentinelone_variations() {
    let records = records(Format::SentinelOne, SENTINELONE);
    assert_fields(
        &records[0],
        &[
            ("tgt.process.name", json!("rclone.exe")),
            ("src.process.childProcCount", json!(12)),
            ("sca:ingestTime", json!(1_751_371_260u64)),
            ("event.time", json!(1_751_371_200_123u64)),
        ],
    );
    assert_eq!(
        Format::SentinelOne.record_id(&records[0]).as_deref(),
        Some("01JZ0000000000000000000000_5")
    );
    assert_eq!(records[1].get_str("event.type"), Some("ProcessCreation"));
    assert_eq!(records[1].get("src.process.name"), None);
}
