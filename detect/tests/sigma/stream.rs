//! Stream evaluation over a file of records.

use std::io::Cursor;

use detsim_detect::eval_lines;
use detsim_generators::{Format, Record};

use crate::bundled::bundled_rules;
use crate::detector;

/// A stand-in reader for flat JSON lines (the generators' readers replace it).
fn read_flat_json(line: &str) -> Result<Record, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|err| err.to_string())?;
    let mut record = Record::new();
    record.flatten_json("", &value);
    Ok(record)
}

#[test]
fn alerts_carry_line_numbers_and_bad_lines_are_counted() {
    let rules = bundled_rules();
    let detector = detector(&rules, Format::SentinelOne);
    let line = |parent: &str, id: &str| {
        let record = serde_json::json!({
            "event.type": "Process Creation",
            "endpoint.os": "windows",
            "tgt.process.image.path": r"C:\Windows\System32\cmd.exe",
            "src.process.image.path": parent,
            "event.id": id,
        });
        format!("{record}\n")
    };
    let input = [
        line(r"C:\Windows\System32\lsass.exe", "a"),
        "not json\n".to_string(),
        "\n".to_string(),
        line(r"C:\Windows\explorer.exe", "b"),
    ]
    .concat();
    let mut lines = Vec::new();
    let summary = eval_lines(
        &detector,
        Cursor::new(input),
        read_flat_json,
        |record| record.get_str("event.id").map(str::to_string),
        |alert| lines.push(alert),
    );
    assert_eq!(summary.records, 2);
    assert_eq!(summary.bad_lines.len(), 1);
    assert_eq!(summary.bad_lines[0].0, 2);
    assert_eq!(summary.alerts(), 1);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].line, 1);
    assert_eq!(lines[0].record_id.as_deref(), Some("a"));
    assert_eq!(lines[0].alert.rule_key, "cmd-unusual-parent");
}
