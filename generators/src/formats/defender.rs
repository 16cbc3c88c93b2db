//! Microsoft Defender XDR `DeviceProcessEvents` row (ActionType `ProcessCreated`), one JSON
//! object per line; optionally wrapped as the streaming API writes it to a storage account or
//! an Event Hub.
//!
//! Columns follow the documented table order. Missing values are JSON `null`, as in streamed
//! records. `InitiatingProcess*` describe the parent, `InitiatingProcessParent*` the
//! grandparent.

use serde_json::{Map, Value};

use super::{Elevation, elevation, known_grandparent, known_parent};
use crate::RenderOptions;
use crate::ids;
use crate::model::{Account, Binary, Host, Process, ProcessEvent, SignerKind};
use crate::read::{ReadError, ReadErrorKind, describe, parse_object};
use crate::record::Record;
use crate::text::json::JsonWriter;
use crate::text::time;

/// The fields a labelled dataset joins on, written `DeviceId:ReportId`: ReportId is a
/// per-device counter, so it identifies a row only together with the device.
pub const NATIVE_ID_FIELD: &str = "DeviceId:ReportId";

/// Writes one event as a single-line row, or with `options.envelope` as a streaming record
/// (`{"time","tenantId","operationName","category","properties":{...}}`).
pub fn render(event: &ProcessEvent, options: &RenderOptions, out: &mut String) {
    let mut w = JsonWriter::new(out);
    if options.envelope {
        // The real `time` is when Defender received the event, seconds to minutes later; the
        // model has no such delay, so the sensor time is used.
        w.quoted("time", |o| time::push_iso(o, &event.time, 7));
        w.quoted("tenantId", |o| ids::push_uuid(o, &tenant_id(&event.host)));
        w.string("operationName", "Publish");
        w.string("category", "AdvancedHunting-DeviceProcessEvents");
        w.begin("properties");
    }
    write_columns(&mut w, event);
    if options.envelope {
        // Streamed events are decorated with the device's MachineGroup (Microsoft's Event Hubs
        // streaming page); a device in no group reports `UnassignedGroup`.
        w.string("MachineGroup", "UnassignedGroup");
    }
    w.finish();
}

fn write_columns(w: &mut JsonWriter<'_>, event: &ProcessEvent) {
    let host = &*event.host;
    let process = &*event.process;
    let binary = &*process.binary;
    w.quoted("Timestamp", |o| time::push_iso_trimmed(o, &event.time, 7));
    w.quoted("DeviceId", |o| ids::push_hex(o, &device_id(host), false));
    w.lower("DeviceName", &host.fqdn);
    w.string("ActionType", "ProcessCreated");
    w.string("FileName", process.name());
    w.string("FolderPath", &process.image);
    w.lower("SHA1", &binary.sha1);
    w.lower("SHA256", &binary.sha256);
    w.lower("MD5", &binary.md5);
    w.u64("FileSize", binary.size);
    write_version_info(w, &PROCESS_VERSION_INFO, Some(binary));
    w.u64("ProcessId", process.pid.into());
    w.string("ProcessCommandLine", &process.command_line);
    w.string("ProcessIntegrityLevel", process.integrity.name());
    w.string("ProcessTokenElevation", token_elevation(process));
    w.quoted("ProcessCreationTime", |o| {
        time::push_iso_trimmed(o, &process.start, 7)
    });
    write_account(w, &ACCOUNT, Some(process), host);
    w.u64("LogonId", process.logon.id);

    // The parent; an unattributed one keeps only its pid (detsim's choice, see docs).
    let parent = known_parent(event);
    write_account(w, &INITIATING_ACCOUNT, parent, host);
    match parent {
        Some(parent) => w.u64("InitiatingProcessLogonId", parent.logon.id),
        None => w.null("InitiatingProcessLogonId"),
    }
    w.opt_string(
        "InitiatingProcessIntegrityLevel",
        parent.map(|p| p.integrity.name()),
    );
    w.opt_string(
        "InitiatingProcessTokenElevation",
        parent.map(token_elevation),
    );
    match parent {
        Some(parent) => {
            let binary = &*parent.binary;
            w.lower("InitiatingProcessSHA1", &binary.sha1);
            w.lower("InitiatingProcessSHA256", &binary.sha256);
            w.lower("InitiatingProcessMD5", &binary.md5);
            w.string("InitiatingProcessFileName", parent.name());
            w.u64("InitiatingProcessFileSize", binary.size);
        }
        None => {
            for column in [
                "InitiatingProcessSHA1",
                "InitiatingProcessSHA256",
                "InitiatingProcessMD5",
                "InitiatingProcessFileName",
                "InitiatingProcessFileSize",
            ] {
                w.null(column);
            }
        }
    }
    write_version_info(w, &INITIATING_VERSION_INFO, parent.map(|p| &*p.binary));
    w.u64("InitiatingProcessId", event.parent.pid().into());
    w.opt_string(
        "InitiatingProcessCommandLine",
        parent.map(|p| p.command_line.as_str()),
    );
    match parent {
        Some(parent) => {
            w.quoted("InitiatingProcessCreationTime", |o| {
                time::push_iso_trimmed(o, &parent.start, 7)
            });
            // Lower-cased in the streamed records seen (see docs/formats.md).
            w.lower("InitiatingProcessFolderPath", &parent.image);
        }
        None => {
            w.null("InitiatingProcessCreationTime");
            w.null("InitiatingProcessFolderPath");
        }
    }

    // The grandparent: no folder-path column exists for it.
    match known_grandparent(event) {
        Some(grandparent) => {
            w.u64("InitiatingProcessParentId", grandparent.pid.into());
            w.string("InitiatingProcessParentFileName", grandparent.name());
            w.quoted("InitiatingProcessParentCreationTime", |o| {
                time::push_iso_trimmed(o, &grandparent.start, 7)
            });
        }
        None => {
            w.null("InitiatingProcessParentId");
            w.null("InitiatingProcessParentFileName");
            w.null("InitiatingProcessParentCreationTime");
        }
    }
    let (signer, status) = match parent.map(|p| &*p.binary) {
        Some(binary) => signature(binary),
        None => (None, None),
    };
    w.opt_string("InitiatingProcessSignerType", signer);
    w.opt_string("InitiatingProcessSignatureStatus", status);

    w.u64("ReportId", event.record_id);
    w.string("AppGuardContainerId", "");
    w.null("AdditionalFields");
    match parent {
        Some(parent) => w.u64("InitiatingProcessSessionId", parent.logon.session.into()),
        None => w.null("InitiatingProcessSessionId"),
    }
    // Remote (RDP) sessions are not modelled: every session is local.
    match parent {
        Some(_) => w.bool("IsInitiatingProcessRemoteSession", false),
        None => w.null("IsInitiatingProcessRemoteSession"),
    }
    w.null("InitiatingProcessRemoteSessionDeviceName");
    w.null("InitiatingProcessRemoteSessionIP");
    w.u64("CreatedProcessSessionId", process.logon.session.into());
    w.bool("IsProcessRemoteSession", false);
    w.null("ProcessRemoteSessionDeviceName");
    w.null("ProcessRemoteSessionIP");
}

/// The model field each version-resource column reads, in column order.
const VERSION_FIELDS: [fn(&Binary) -> &str; 6] = [
    |b| &b.company,
    |b| &b.product,
    |b| &b.product_version,
    |b| &b.internal_name,
    |b| &b.original_file_name,
    |b| &b.description,
];

const PROCESS_VERSION_INFO: [&str; 6] = [
    "ProcessVersionInfoCompanyName",
    "ProcessVersionInfoProductName",
    "ProcessVersionInfoProductVersion",
    "ProcessVersionInfoInternalFileName",
    "ProcessVersionInfoOriginalFileName",
    "ProcessVersionInfoFileDescription",
];

const INITIATING_VERSION_INFO: [&str; 6] = [
    "InitiatingProcessVersionInfoCompanyName",
    "InitiatingProcessVersionInfoProductName",
    "InitiatingProcessVersionInfoProductVersion",
    "InitiatingProcessVersionInfoInternalFileName",
    "InitiatingProcessVersionInfoOriginalFileName",
    "InitiatingProcessVersionInfoFileDescription",
];

/// Version-resource columns; a field the file lacks is `null`, and so is every column of an
/// unattributed parent.
fn write_version_info(w: &mut JsonWriter<'_>, columns: &[&str; 6], binary: Option<&Binary>) {
    for (column, field) in columns.iter().zip(VERSION_FIELDS) {
        let value = binary.map(field).filter(|value| !value.is_empty());
        w.opt_string(column, value);
    }
}

const ACCOUNT: [&str; 5] = [
    "AccountDomain",
    "AccountName",
    "AccountSid",
    "AccountUpn",
    "AccountObjectId",
];

const INITIATING_ACCOUNT: [&str; 5] = [
    "InitiatingProcessAccountDomain",
    "InitiatingProcessAccountName",
    "InitiatingProcessAccountSid",
    "InitiatingProcessAccountUpn",
    "InitiatingProcessAccountObjectId",
];

/// `<prefix>Account{Domain,Name,Sid,Upn,ObjectId}`. Domain and name are lower-cased as in the
/// streamed records seen; the UPN is inferred for domain accounts; Entra object ids are not
/// modelled.
fn write_account(
    w: &mut JsonWriter<'_>,
    columns: &[&str; 5],
    process: Option<&Process>,
    host: &Host,
) {
    let [domain, name, sid, upn, object_id] = *columns;
    let Some(process) = process else {
        columns.iter().for_each(|column| w.null(column));
        return;
    };
    let account = process.account();
    w.lower(domain, &account.domain);
    w.lower(name, &account.name);
    w.string(sid, &account.sid);
    match upn_suffix(account, host) {
        Some(suffix) => w.joined_lower(upn, &[&account.name, "@", suffix]),
        None => w.null(upn),
    }
    w.null(object_id);
}

/// The DNS domain of a domain account's UPN: the host's DNS suffix, when the account belongs
/// to the host's own domain (inferred: the model has no UPN).
fn upn_suffix<'h>(account: &Account, host: &'h Host) -> Option<&'h str> {
    let suffix = host.fqdn.split_once('.').map(|(_, suffix)| suffix)?;
    let same_domain = account.domain.eq_ignore_ascii_case(&host.domain);
    (same_domain && !account.is_builtin_service() && !suffix.is_empty()).then_some(suffix)
}

fn token_elevation(process: &Process) -> &'static str {
    match elevation(process) {
        Elevation::Default => "TokenElevationTypeDefault",
        Elevation::Full => "TokenElevationTypeFull",
    }
}

/// `InitiatingProcessSignerType` and `InitiatingProcessSignatureStatus` of a file.
fn signature(binary: &Binary) -> (Option<&'static str>, Option<&'static str>) {
    match binary.signer_kind {
        SignerKind::OsVendor => (Some("OsVendor"), Some("Valid")),
        SignerKind::ThirdParty => (Some("ThirdParty"), Some("Valid")),
        SignerKind::Unsigned => (None, Some("Unsigned")),
    }
}

/// DeviceId: 40 lower-case hex digits derived from the machine id.
fn device_id(host: &Host) -> [u8; 20] {
    ids::bytes("defender-device-id", &[&host.machine_id.0])
}

/// The tenant: one per NetBIOS domain of the simulated fleet.
fn tenant_id(host: &Host) -> [u8; 16] {
    ids::uuid4(
        "defender-tenant-id",
        &[host.domain.to_ascii_uppercase().as_bytes()],
    )
}

/// Reads one line: a plain row, a streaming record (its `properties` columns, then `category`,
/// `time`, `tenantId`, `operationName`), or an Event Hubs batch holding exactly one record.
pub fn read(line: &str) -> Result<Record, ReadError> {
    let mut records = read_batch(line)?;
    match records.len() {
        1 => Ok(records.remove(0)),
        0 => Err(ReadError::missing("records[0]")),
        count => Err(ReadError::new(ReadErrorKind::Batch(count))),
    }
}

/// Reads one line that may be an Event Hubs batch (`{"records":[...]}`), giving every record.
pub(crate) fn read_batch(line: &str) -> Result<Vec<Record>, ReadError> {
    let object = parse_object(line)?;
    if object.contains_key("properties") || !object.contains_key("records") {
        return Ok(vec![read_object(&object)?]);
    }
    let Some(Value::Array(items)) = object.get("records") else {
        let found = object.get("records").map(describe).unwrap_or_default();
        return Err(ReadError::unexpected("`records` to be an array", &found));
    };
    items
        .iter()
        .map(|item| match item {
            Value::Object(record) => read_object(record),
            other => Err(ReadError::unexpected(
                "each of `records` to be an object",
                &describe(other),
            )),
        })
        .collect()
}

fn read_object(object: &Map<String, Value>) -> Result<Record, ReadError> {
    let mut record = Record::with_capacity(72);
    match object.get("properties") {
        None => {
            for (name, value) in object {
                record.flatten_json(name, value);
            }
        }
        Some(Value::Object(properties)) => {
            for (name, value) in properties {
                record.flatten_json(name, value);
            }
            for name in ["category", "time", "tenantId", "operationName"] {
                if let Some(value) = object.get(name) {
                    record.flatten_json(name, value);
                }
            }
        }
        Some(other) => {
            return Err(ReadError::unexpected(
                "`properties` to be an object",
                &describe(other),
            ));
        }
    }
    Ok(record)
}

/// `DeviceId:ReportId` of the event.
pub fn native_id(event: &ProcessEvent) -> String {
    let mut out = String::with_capacity(48);
    ids::push_hex(&mut out, &device_id(&event.host), false);
    out.push(':');
    crate::text::push_u64(&mut out, event.record_id);
    out
}

/// `DeviceId:ReportId` of a read record (`None` when either is missing).
pub fn record_id(record: &Record) -> Option<String> {
    let device = record.get_str("DeviceId")?;
    let report = match record.get("ReportId")? {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.clone(),
        _ => return None,
    };
    Some(format!("{}:{report}", device.to_ascii_lowercase()))
}
