//! Sysmon Event ID 1 in the JSON shape of the `evtx` crate (Chainsaw, Hayabusa, SigmaHQ's
//! regression data): `{"Event":{"#attributes":...,"System":{...},"EventData":{...}}}`.
//!
//! Same fields as [`super::sysmon`]; integers are JSON numbers, GUIDs upper case without braces,
//! `SystemTime` has 6 fractional digits.

use serde_json::{Map, Value};

use super::push_guid;
use super::sysmon::{
    ATTRIBUTE_CARRIERS, DataValue, PROVIDER_GUID, SERVICE_SID, event_data, push_hashes,
    system_attribute_name,
};
use crate::RenderOptions;
use crate::model::ProcessEvent;
use crate::read::{ReadError, describe, parse_object};
use crate::record::Record;
use crate::text::json::JsonWriter;
use crate::text::{push_hex_u64, time};

/// The field a labelled dataset joins on: one process creation, one ProcessGuid.
pub const NATIVE_ID_FIELD: &str = "ProcessGuid";

/// Writes one event as a single line of evtx-crate JSON.
pub fn render(event: &ProcessEvent, _options: &RenderOptions, out: &mut String) {
    let mut w = JsonWriter::new(out);
    w.begin("Event");
    w.begin("#attributes");
    w.string(
        "xmlns",
        "http://schemas.microsoft.com/win/2004/08/events/event",
    );
    w.end();

    w.begin("System");
    w.begin("Provider");
    w.begin("#attributes");
    w.string("Name", "Microsoft-Windows-Sysmon");
    w.quoted("Guid", |o| push_guid(o, &PROVIDER_GUID, true, false));
    w.end();
    w.end();
    w.u64("EventID", 1);
    w.u64("Version", 5);
    w.u64("Level", 4);
    w.u64("Task", 1);
    w.u64("Opcode", 0);
    w.string("Keywords", "0x8000000000000000");
    w.begin("TimeCreated");
    w.begin("#attributes");
    w.quoted("SystemTime", |o| time::push_iso(o, &event.time, 6));
    w.end();
    w.end();
    w.u64("EventRecordID", event.record_id);
    w.null("Correlation");
    w.begin("Execution");
    w.begin("#attributes");
    w.u64("ProcessID", event.host.sensor_pid.into());
    w.u64("ThreadID", event.host.sensor_tid.into());
    w.end();
    w.end();
    w.string("Channel", "Microsoft-Windows-Sysmon/Operational");
    w.string("Computer", &event.host.fqdn);
    w.begin("Security");
    w.begin("#attributes");
    w.string("UserID", SERVICE_SID);
    w.end();
    w.end();
    w.end();

    w.begin("EventData");
    event_data(event, |name, value| match value {
        DataValue::Text(text) => w.string(name, text),
        DataValue::Number(number) => w.u64(name, number),
        DataValue::Guid(guid) => w.quoted(name, |o| push_guid(o, &guid, true, false)),
        DataValue::Hex(value) => w.quoted(name, |o| push_hex_u64(o, value)),
        DataValue::UtcTime(time) => w.quoted(name, |o| time::push_sysmon_utc(o, time)),
        DataValue::Hashes(binary) => w.quoted(name, |o| push_hashes(o, binary)),
        DataValue::Account(Some(account)) => {
            w.joined(name, &[&account.domain, "\\", &account.name])
        }
        DataValue::Account(None) => w.string(name, "-"),
    });
    w.finish();
}

/// Reads one evtx-crate JSON event into its field view: the System fields under the names
/// listed in `docs/formats.md`, then every EventData member, JSON types kept.
pub fn read(line: &str) -> Result<Record, ReadError> {
    let mut root = parse_object(line)?;
    let mut event = match root.shift_remove("Event") {
        Some(Value::Object(event)) => event,
        Some(other) => {
            return Err(ReadError::unexpected(
                "`Event` to be an object",
                &describe(&other),
            ));
        }
        None => return Err(ReadError::missing("Event")),
    };
    let mut record = Record::with_capacity(40);
    match event.get("System") {
        Some(Value::Object(system)) => read_system(system, &mut record),
        Some(Value::Null) | None => {}
        Some(other) => {
            return Err(ReadError::unexpected(
                "`System` to be an object",
                &describe(other),
            ));
        }
    }
    match event.shift_remove("EventData") {
        Some(Value::Object(data)) => {
            for (name, value) in data.into_iter().filter(|(name, _)| name != "#attributes") {
                record.flatten_owned(&name, value);
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => {
            return Err(ReadError::unexpected(
                "`EventData` to be an object",
                &describe(&other),
            ));
        }
    }
    Ok(record)
}

/// System members: `{"#attributes":{...}}` wrappers give one field per attribute, `#text` the
/// element's own value; plain members keep their JSON value.
fn read_system(system: &Map<String, Value>, record: &mut Record) {
    for (name, value) in system {
        match value {
            Value::Object(element) => {
                if let Some(Value::Object(attributes)) = element.get("#attributes") {
                    for (attribute, value) in attributes {
                        record.insert(system_attribute_name(name, attribute), value.clone());
                    }
                }
                if let Some(text) = element.get("#text") {
                    record.insert(name.clone(), text.clone());
                }
            }
            Value::Null if ATTRIBUTE_CARRIERS.contains(&name.as_str()) => {}
            value => record.insert(name.clone(), value.clone()),
        }
    }
}

/// The event's ProcessGuid as this format writes it: upper case, no braces.
pub fn native_id(event: &ProcessEvent) -> String {
    let mut out = String::with_capacity(36);
    push_guid(&mut out, &event.process.guid, true, false);
    out
}

/// The ProcessGuid of a read record, normalised to this format's form whatever its case.
pub fn record_id(record: &Record) -> Option<String> {
    record
        .get_str(NATIVE_ID_FIELD)
        .map(|text| super::normalise_guid(text, true, false))
}
