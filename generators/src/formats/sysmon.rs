//! Sysmon Event ID 1 (Process Create), template version 5, as Windows renders the event XML:
//! one `<Event>` element per line.
//!
//! The EventData list is shared with [`super::sysmon_json`] through [`event_data`]; only the
//! serialization differs.

use chrono::{DateTime, Utc};

use super::{known_parent, push_guid};
use crate::RenderOptions;
use crate::model::{Account, Binary, Guid, ProcessEvent};
use crate::read::{ReadError, ReadErrorKind};
use crate::record::Record;
use crate::text::{push_hex_u64, push_u64, time, xml, xml_read};

/// The field a labelled dataset joins on: one process creation, one ProcessGuid.
pub const NATIVE_ID_FIELD: &str = "ProcessGuid";

/// `Microsoft-Windows-Sysmon`'s provider GUID, `{5770385F-C22A-43E0-BF4C-06F5698FFBD9}`.
pub(crate) const PROVIDER_GUID: Guid = Guid([
    0x57, 0x70, 0x38, 0x5f, 0xc2, 0x2a, 0x43, 0xe0, 0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9,
]);

/// The SID of the account the Sysmon service runs as (`Security/@UserID`).
pub(crate) const SERVICE_SID: &str = "S-1-5-18";

/// One EventData value before serialization.
pub(crate) enum DataValue<'a> {
    Text(&'a str),
    Number(u64),
    Guid(Guid),
    /// `LogonId`: `0x`-prefixed lower-case hex text in both serializations.
    Hex(u64),
    UtcTime(&'a DateTime<Utc>),
    Hashes(&'a Binary),
    /// `DOMAIN\name`, or `-` for an unattributed parent.
    Account(Option<&'a Account>),
}

/// Calls `emit` with each EventData field of Process Create v5, in the manifest's order.
///
/// Version-resource fields the file lacks are `-`, as Sysmon writes them. An unattributed
/// parent gives `-` for its image, command line and user and the all-zero GUID.
pub(crate) fn event_data<'a>(
    event: &'a ProcessEvent,
    mut emit: impl FnMut(&'static str, DataValue<'a>),
) {
    let process = &*event.process;
    let binary = &*process.binary;
    let resource = |value: &'a str| DataValue::Text(if value.is_empty() { "-" } else { value });
    emit("RuleName", DataValue::Text("-"));
    emit("UtcTime", DataValue::UtcTime(&process.start));
    emit("ProcessGuid", DataValue::Guid(process.guid));
    emit("ProcessId", DataValue::Number(process.pid.into()));
    emit("Image", DataValue::Text(&process.image));
    emit("FileVersion", resource(&binary.file_version));
    emit("Description", resource(&binary.description));
    emit("Product", resource(&binary.product));
    emit("Company", resource(&binary.company));
    emit("OriginalFileName", resource(&binary.original_file_name));
    emit("CommandLine", DataValue::Text(&process.command_line));
    emit("CurrentDirectory", DataValue::Text(&process.cwd));
    emit("User", DataValue::Account(Some(process.account())));
    emit("LogonGuid", DataValue::Guid(process.logon.guid));
    emit("LogonId", DataValue::Hex(process.logon.id));
    emit(
        "TerminalSessionId",
        DataValue::Number(process.logon.session.into()),
    );
    emit("IntegrityLevel", DataValue::Text(process.integrity.name()));
    emit("Hashes", DataValue::Hashes(binary));
    let parent = known_parent(event);
    emit(
        "ParentProcessGuid",
        DataValue::Guid(parent.map_or(Guid::NIL, |p| p.guid)),
    );
    emit(
        "ParentProcessId",
        DataValue::Number(event.parent.pid().into()),
    );
    emit(
        "ParentImage",
        DataValue::Text(parent.map_or("-", |p| &p.image)),
    );
    emit(
        "ParentCommandLine",
        DataValue::Text(parent.map_or("-", |p| &p.command_line)),
    );
    emit(
        "ParentUser",
        DataValue::Account(parent.map(|p| p.account())),
    );
}

/// Appends the Sysmon `Hashes` value, `MD5=...,SHA256=...,IMPHASH=...`, in upper case.
///
/// The algorithms are those of a common `HashAlgorithms md5,sha256,IMPHASH` configuration.
/// Digests are written character by character, keeping only ASCII letters and digits, so a
/// malformed digest in the model cannot break the record.
pub(crate) fn push_hashes(out: &mut String, binary: &Binary) {
    let pairs = [
        ("MD5=", &binary.md5),
        ("SHA256=", &binary.sha256),
        ("IMPHASH=", &binary.imphash),
    ];
    for (index, (label, digest)) in pairs.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(label);
        if digest.is_empty() {
            // Sysmon writes an all-zero IMPHASH when it cannot compute one.
            out.push_str("00000000000000000000000000000000");
        }
        out.extend(
            digest
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase()),
        );
    }
}

/// Writes one event as a single line of rendered event XML.
pub fn render(event: &ProcessEvent, _options: &RenderOptions, out: &mut String) {
    out.push_str(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
         <Provider Name='Microsoft-Windows-Sysmon' Guid='",
    );
    push_guid(out, &PROVIDER_GUID, false, true);
    out.push_str(
        "'/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task>\
         <Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='",
    );
    time::push_iso(out, &event.time, 7);
    out.push_str("'/><EventRecordID>");
    push_u64(out, event.record_id);
    out.push_str("</EventRecordID><Correlation/><Execution ProcessID='");
    push_u64(out, event.host.sensor_pid.into());
    out.push_str("' ThreadID='");
    push_u64(out, event.host.sensor_tid.into());
    out.push_str("'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>");
    xml::push_escaped(out, &event.host.fqdn);
    out.push_str("</Computer><Security UserID='");
    out.push_str(SERVICE_SID);
    out.push_str("'/></System><EventData>");
    event_data(event, |name, value| {
        out.push_str("<Data Name='");
        out.push_str(name);
        out.push_str("'>");
        match value {
            DataValue::Account(Some(account)) => {
                xml::push_escaped(out, &account.domain);
                out.push('\\');
                xml::push_escaped(out, &account.name);
            }
            DataValue::Account(None) => out.push('-'),
            DataValue::Text(text) => xml::push_escaped(out, text),
            DataValue::Number(number) => push_u64(out, number),
            DataValue::Guid(guid) => push_guid(out, &guid, false, true),
            DataValue::Hex(value) => push_hex_u64(out, value),
            DataValue::UtcTime(time) => time::push_sysmon_utc(out, time),
            DataValue::Hashes(binary) => push_hashes(out, binary),
        }
        out.push_str("</Data>");
    });
    out.push_str("</EventData></Event>");
}

/// Reads one rendered `<Event>` into its field view: the System fields under the names listed
/// in `docs/formats.md`, then every named `<Data>` element. All values are strings.
pub fn read(line: &str) -> Result<Record, ReadError> {
    let root = xml_read::parse(line.trim())
        .map_err(|error| ReadError::new(ReadErrorKind::Xml(error.to_string())))?;
    if root.name != "Event" {
        return Err(ReadError::unexpected(
            "an `<Event>` element",
            &format!("<{}>", root.name),
        ));
    }
    let mut record = Record::with_capacity(40);
    if let Some(system) = root.child("System") {
        for element in &system.children {
            for (attribute, value) in &element.attributes {
                record.insert(
                    system_attribute_name(&element.name, attribute),
                    value.clone(),
                );
            }
            if !ATTRIBUTE_CARRIERS.contains(&element.name.as_str()) {
                record.insert(element.name.clone(), element.text.clone());
            }
        }
    }
    if let Some(data) = root.child("EventData") {
        for element in data
            .children
            .iter()
            .filter(|element| element.name == "Data")
        {
            if let Some(name) = element.attribute("Name") {
                record.insert(name, element.text.clone());
            }
        }
    }
    Ok(record)
}

/// System elements whose values are all in attributes; their own text is not a field.
pub(crate) const ATTRIBUTE_CARRIERS: [&str; 5] = [
    "Provider",
    "TimeCreated",
    "Correlation",
    "Execution",
    "Security",
];

/// The record name of a System attribute: `Provider/@Name` is `Provider`, `Provider/@Guid` is
/// `ProviderGuid`, `TimeCreated/@SystemTime` is `TimeCreated`; others keep their own name
/// (`ProcessID`, `ThreadID`, `UserID`, `ActivityID`).
pub(crate) fn system_attribute_name(element: &str, attribute: &str) -> String {
    match (element, attribute) {
        ("Provider", "Name") => "Provider".to_string(),
        ("Provider", "Guid") => "ProviderGuid".to_string(),
        ("TimeCreated", "SystemTime") => "TimeCreated".to_string(),
        _ => attribute.to_string(),
    }
}

/// The event's ProcessGuid as this format writes it: lower case, braced.
pub fn native_id(event: &ProcessEvent) -> String {
    let mut out = String::with_capacity(38);
    push_guid(&mut out, &event.process.guid, false, true);
    out
}

/// The ProcessGuid of a read record, normalised to this format's form whatever its case.
pub fn record_id(record: &Record) -> Option<String> {
    record
        .get_str(NATIVE_ID_FIELD)
        .map(|text| super::normalise_guid(text, false, true))
}
