//! Holds detsim's output against real published records and field lists of each product
//! (reference data, not part of the repository): every sample line must read, and the names and
//! JSON types detsim writes must be those the products use. The directory is `DETSIM_SAMPLES`,
//! or `../shared/samples` beside the repository; the checks are skipped, with a note, where it
//! is absent (CI runs on a clean clone).

use std::collections::BTreeMap;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use detsim_generators::{Format, Record, RenderOptions, read_lines, testing};
use serde_json::Value;

fn samples() -> Option<PathBuf> {
    let path = std::env::var_os("DETSIM_SAMPLES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/samples"),
        PathBuf::from,
    );
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "note: {} is absent; skipping the real-sample checks",
            path.display()
        );
        None
    }
}

fn read_file(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sample_records(dir: &Path, format: Format, name: &str) -> Vec<Record> {
    read_lines(format, Cursor::new(read_file(dir, name)))
        .map(|(line, result)| result.unwrap_or_else(|e| panic!("{name}:{line}: {e}")))
        .collect()
}

fn ours(format: Format, envelope: bool) -> Vec<Record> {
    let events = [
        testing::event(),
        testing::varied_event(3),
        testing::varied_event(4),
    ];
    events
        .iter()
        .map(|event| {
            let mut line = String::new();
            format.render(event, &RenderOptions { envelope }, &mut line);
            format.read(&line).unwrap()
        })
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// For every field both sides have, the JSON types agree (a sample's null says nothing).
fn assert_same_types(format: Format, ours: &[Record], theirs: &[Record]) {
    let mut types = BTreeMap::new();
    for record in theirs {
        for (name, value) in record.iter().filter(|(_, value)| !value.is_null()) {
            types.insert(name.to_string(), kind(value));
        }
    }
    for record in ours {
        for (name, value) in record.iter().filter(|(_, value)| !value.is_null()) {
            if let Some(expected) = types.get(name) {
                assert_eq!(kind(value), *expected, "{format}: type of `{name}`");
            }
        }
    }
}

#[test]
fn every_sample_line_reads() {
    let Some(dir) = samples() else { return };
    for (format, name, count) in [
        (Format::Sysmon, "sysmon.xml", 3),
        (Format::SysmonJson, "sysmon-json.ndjson", 3),
        (Format::Ecs, "ecs.ndjson", 1),
        (Format::Defender, "defender.ndjson", 2),
        (Format::SentinelOne, "sentinelone.ndjson", 1),
    ] {
        let records = sample_records(&dir, format, name);
        assert_eq!(records.len(), count, "{name}");
        // The second Defender sample is cut short before ReportId; the others carry their id.
        for record in records
            .iter()
            .filter(|r| format != Format::Defender || r.contains("ReportId"))
        {
            assert!(format.record_id(record).is_some(), "{name}: no native id");
        }
    }
}

#[test]
fn sysmon_event_data_names_and_types_match_the_samples() {
    let Some(dir) = samples() else { return };
    let expected: Vec<String> = read_file(&dir, "sysmon-eventdata-fields.txt")
        .lines()
        .map(str::to_string)
        .collect();
    for format in [Format::Sysmon, Format::SysmonJson] {
        for record in ours(format, false) {
            let names: Vec<String> = record
                .iter()
                .map(|(name, _)| name.to_string())
                .skip(15)
                .collect();
            assert_eq!(names, expected, "{format}");
        }
    }
    let theirs = sample_records(&dir, Format::SysmonJson, "sysmon-json.ndjson");
    assert_same_types(
        Format::SysmonJson,
        &ours(Format::SysmonJson, false),
        &theirs,
    );
    let theirs = sample_records(&dir, Format::Sysmon, "sysmon.xml");
    let system: Vec<&str> = theirs[0].iter().map(|(name, _)| name).take(15).collect();
    let our_system: Vec<String> = ours(Format::Sysmon, false)[0]
        .iter()
        .map(|(n, _)| n.to_string())
        .take(15)
        .collect();
    assert_eq!(
        our_system, system,
        "System fields in the rendered-XML order"
    );
}

#[test]
fn ecs_fields_are_in_the_defend_field_list() {
    let Some(dir) = samples() else { return };
    let allowed = read_file(&dir, "ecs-defend-fields.txt");
    let allowed: Vec<&str> = allowed.lines().collect();
    for record in ours(Format::Ecs, false) {
        for (name, _) in record.iter() {
            assert!(
                allowed.contains(&name),
                "`{name}` is not in Elastic Defend's field list"
            );
        }
    }
    let theirs = sample_records(&dir, Format::Ecs, "ecs.ndjson");
    assert_same_types(Format::Ecs, &ours(Format::Ecs, false), &theirs);
}

#[test]
fn defender_columns_and_types_match_the_documentation() {
    let Some(dir) = samples() else { return };
    let documented: Vec<(String, String)> = read_file(&dir, "defender-column-types.tsv")
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, kind)| (name.to_string(), kind.to_string()))
        .collect();
    for record in ours(Format::Defender, false) {
        let names: Vec<&str> = record.iter().map(|(name, _)| name).collect();
        let expected: Vec<&str> = documented.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, expected, "columns in table order");
        for (name, documented_kind) in &documented {
            let value = record.get(name).unwrap();
            let json = match documented_kind.as_str() {
                "long" => "number",
                "bool" => "bool",
                _ => "string",
            };
            assert!(
                value.is_null() || kind(value) == json,
                "`{name}`: {documented_kind} written as {value}"
            );
        }
    }
    let theirs = sample_records(&dir, Format::Defender, "defender.ndjson");
    assert_same_types(Format::Defender, &ours(Format::Defender, true), &theirs);
}

#[test]
fn sentinelone_keys_and_types_match_the_sample() {
    let Some(dir) = samples() else { return };
    let theirs = sample_records(&dir, Format::SentinelOne, "sentinelone.ndjson");
    for record in ours(Format::SentinelOne, false) {
        for (name, _) in record.iter() {
            assert!(
                theirs[0].contains(name),
                "`{name}` is not a key of the Cloud Funnel sample"
            );
        }
    }
    assert_same_types(
        Format::SentinelOne,
        &ours(Format::SentinelOne, false),
        &theirs,
    );
}
