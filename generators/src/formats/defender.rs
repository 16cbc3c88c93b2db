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
use crate::text::json::{JsonWriter, key};
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
        w.quoted(key!("time"), |o| time::push_iso(o, &event.time, 7));
        w.quoted(key!("tenantId"), |o| {
            ids::push_uuid(o, &tenant_id(&event.host))
        });
        w.string(key!("operationName"), "Publish");
        w.string(key!("category"), "AdvancedHunting-DeviceProcessEvents");
        w.begin(key!("properties"));
    }
    write_columns(&mut w, event);
    if options.envelope {
        // Streamed events are decorated with the device's MachineGroup (Microsoft's Event Hubs
        // streaming page); a device in no group reports `UnassignedGroup`.
        w.string(key!("MachineGroup"), "UnassignedGroup");
    }
    w.finish();
}

fn write_columns(w: &mut JsonWriter<'_>, event: &ProcessEvent) {
    let host = &*event.host;
    let process = &*event.process;
    let binary = &*process.binary;
    w.quoted(key!("Timestamp"), |o| {
        time::push_iso_trimmed(o, &event.time, 7)
    });
    w.quoted(key!("DeviceId"), |o| {
        ids::push_hex(o, &device_id(host), false)
    });
    w.lower(key!("DeviceName"), &host.fqdn);
    w.literal(r#","ActionType":"ProcessCreated""#);
    w.string(key!("FileName"), process.name());
    w.string(key!("FolderPath"), &process.image);
    w.string(key!("SHA1"), &binary.sha1);
    w.string(key!("SHA256"), &binary.sha256);
    w.string(key!("MD5"), &binary.md5);
    w.u64(key!("FileSize"), binary.size);
    write_version_info(w, &PROCESS_VERSION_INFO, Some(binary));
    w.u64(key!("ProcessId"), process.pid.into());
    w.string(key!("ProcessCommandLine"), &process.command_line);
    w.string(key!("ProcessIntegrityLevel"), process.integrity.name());
    w.string(key!("ProcessTokenElevation"), token_elevation(process));
    w.quoted(key!("ProcessCreationTime"), |o| {
        time::push_iso_trimmed(o, &process.start, 7)
    });
    write_account(w, &ACCOUNT, Some(process), host);
    w.u64(key!("LogonId"), process.logon.id);

    // The parent; an unattributed one keeps only its pid (detsim's choice, see docs).
    let parent = known_parent(event);
    write_account(w, &INITIATING_ACCOUNT, parent, host);
    match parent {
        Some(parent) => w.u64(key!("InitiatingProcessLogonId"), parent.logon.id),
        None => w.null(key!("InitiatingProcessLogonId")),
    }
    w.opt_string(
        key!("InitiatingProcessIntegrityLevel"),
        parent.map(|p| p.integrity.name()),
    );
    w.opt_string(
        key!("InitiatingProcessTokenElevation"),
        parent.map(token_elevation),
    );
    match parent {
        Some(parent) => {
            let binary = &*parent.binary;
            w.string(key!("InitiatingProcessSHA1"), &binary.sha1);
            w.string(key!("InitiatingProcessSHA256"), &binary.sha256);
            w.string(key!("InitiatingProcessMD5"), &binary.md5);
            w.string(key!("InitiatingProcessFileName"), parent.name());
            w.u64(key!("InitiatingProcessFileSize"), binary.size);
        }
        None => {
            for column in [
                key!("InitiatingProcessSHA1"),
                key!("InitiatingProcessSHA256"),
                key!("InitiatingProcessMD5"),
                key!("InitiatingProcessFileName"),
                key!("InitiatingProcessFileSize"),
            ] {
                w.null(column);
            }
        }
    }
    write_version_info(w, &INITIATING_VERSION_INFO, parent.map(|p| &*p.binary));
    w.u64(key!("InitiatingProcessId"), event.parent.pid().into());
    w.opt_string(
        key!("InitiatingProcessCommandLine"),
        parent.map(|p| p.command_line.as_str()),
    );
    match parent {
        Some(parent) => {
            w.quoted(key!("InitiatingProcessCreationTime"), |o| {
                time::push_iso_trimmed(o, &parent.start, 7)
            });
            // Lower-cased in the streamed records seen (see docs/formats.md).
            w.lower(key!("InitiatingProcessFolderPath"), &parent.image);
        }
        None => {
            w.null(key!("InitiatingProcessCreationTime"));
            w.null(key!("InitiatingProcessFolderPath"));
        }
    }

    // The grandparent: no folder-path column exists for it.
    match known_grandparent(event) {
        Some(grandparent) => {
            w.u64(key!("InitiatingProcessParentId"), grandparent.pid.into());
            w.string(key!("InitiatingProcessParentFileName"), grandparent.name());
            w.quoted(key!("InitiatingProcessParentCreationTime"), |o| {
                time::push_iso_trimmed(o, &grandparent.start, 7)
            });
        }
        None => {
            w.null(key!("InitiatingProcessParentId"));
            w.null(key!("InitiatingProcessParentFileName"));
            w.null(key!("InitiatingProcessParentCreationTime"));
        }
    }
    let (signer, status) = match parent.map(|p| &*p.binary) {
        Some(binary) => signature(binary),
        None => (None, None),
    };
    w.opt_string(key!("InitiatingProcessSignerType"), signer);
    w.opt_string(key!("InitiatingProcessSignatureStatus"), status);

    w.u64(key!("ReportId"), event.record_id);
    w.literal(r#","AppGuardContainerId":"","AdditionalFields":null"#);
    match parent {
        Some(parent) => w.u64(
            key!("InitiatingProcessSessionId"),
            parent.logon.session.into(),
        ),
        None => w.null(key!("InitiatingProcessSessionId")),
    }
    // Remote (RDP) sessions are not modelled: every session is local.
    match parent {
        Some(_) => w.bool(key!("IsInitiatingProcessRemoteSession"), false),
        None => w.null(key!("IsInitiatingProcessRemoteSession")),
    }
    w.literal(r#","InitiatingProcessRemoteSessionDeviceName":null,"InitiatingProcessRemoteSessionIP":null"#);
    w.u64(
        key!("CreatedProcessSessionId"),
        process.logon.session.into(),
    );
    w.literal(concat!(
        r#","IsProcessRemoteSession":false,"ProcessRemoteSessionDeviceName":null,"#,
        r#""ProcessRemoteSessionIP":null"#
    ));
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
    key!("ProcessVersionInfoCompanyName"),
    key!("ProcessVersionInfoProductName"),
    key!("ProcessVersionInfoProductVersion"),
    key!("ProcessVersionInfoInternalFileName"),
    key!("ProcessVersionInfoOriginalFileName"),
    key!("ProcessVersionInfoFileDescription"),
];

const INITIATING_VERSION_INFO: [&str; 6] = [
    key!("InitiatingProcessVersionInfoCompanyName"),
    key!("InitiatingProcessVersionInfoProductName"),
    key!("InitiatingProcessVersionInfoProductVersion"),
    key!("InitiatingProcessVersionInfoInternalFileName"),
    key!("InitiatingProcessVersionInfoOriginalFileName"),
    key!("InitiatingProcessVersionInfoFileDescription"),
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
    key!("AccountDomain"),
    key!("AccountName"),
    key!("AccountSid"),
    key!("AccountUpn"),
    key!("AccountObjectId"),
];

const INITIATING_ACCOUNT: [&str; 5] = [
    key!("InitiatingProcessAccountDomain"),
    key!("InitiatingProcessAccountName"),
    key!("InitiatingProcessAccountSid"),
    key!("InitiatingProcessAccountUpn"),
    key!("InitiatingProcessAccountObjectId"),
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
    let mut object = parse_object(line)?;
    if object.contains_key("properties") || !object.contains_key("records") {
        return Ok(vec![read_object(object)?]);
    }
    let items = match object.shift_remove("records") {
        Some(Value::Array(items)) => items,
        other => {
            let found = other.as_ref().map(describe).unwrap_or_default();
            return Err(ReadError::unexpected("`records` to be an array", &found));
        }
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(record) => read_object(record),
            other => Err(ReadError::unexpected(
                "each of `records` to be an object",
                &describe(&other),
            )),
        })
        .collect()
}

fn read_object(mut object: Map<String, Value>) -> Result<Record, ReadError> {
    let mut record = Record::with_capacity(72);
    match object.shift_remove("properties") {
        None => {
            for (name, value) in object {
                record.flatten_owned(&name, value);
            }
        }
        Some(Value::Object(properties)) => {
            for (name, value) in properties {
                record.flatten_owned(&name, value);
            }
            for name in ["category", "time", "tenantId", "operationName"] {
                if let Some(value) = object.shift_remove(name) {
                    record.flatten_owned(name, value);
                }
            }
        }
        Some(other) => {
            return Err(ReadError::unexpected(
                "`properties` to be an object",
                &describe(&other),
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
