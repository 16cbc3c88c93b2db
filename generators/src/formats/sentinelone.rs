//! SentinelOne Cloud Funnel process creation: one flat JSON object per line with dotted keys
//! (`"tgt.process.name":"..."`), not nested objects.
//!
//! `src.process` is the creating process (the parent), `tgt.process` the new one (the child),
//! `src.process.parent` the grandparent. Times are epoch milliseconds.

use super::{is_native_64bit, known_grandparent, known_parent};
use crate::RenderOptions;
use crate::ids;
use crate::model::{Binary, Host, HostRole, Integrity, Process, ProcessEvent, SignerKind};
use crate::read::{ReadError, parse_object};
use crate::record::Record;
use crate::text::json::JsonWriter;
use crate::text::time;

/// The field a labelled dataset joins on.
pub const NATIVE_ID_FIELD: &str = "event.id";

/// Agent version and console constants written in every record (placeholders: the model has
/// no SentinelOne deployment).
const AGENT_VERSION: &str = "23.4.2.14";
const MGMT_URL: &str = "detsim-example.sentinelone.net";
const SITE_NAME: &str = "Default site";

/// Writes one event as a single-line flat Cloud Funnel object.
pub fn render(event: &ProcessEvent, _options: &RenderOptions, out: &mut String) {
    let host = &*event.host;
    let process = &*event.process;
    let millis = time::epoch_millis(&event.time);
    let record = event.record_id.to_le_bytes();
    let machine = &host.machine_id.0;
    let mut w = JsonWriter::new(out);
    w.string("event.type", "Process Creation");
    w.string("event.category", "process");
    w.string("meta.event.name", "PROCESSCREATION");
    w.i64("event.time", millis);
    w.quoted("event.id", |o| push_event_id(o, event));
    w.quoted("trace.id", |o| push_trace_id(o, event));
    w.quoted("packet.id", |o| {
        ids::push_hex(o, &ids::bytes::<16>("s1-packet", &[machine, &record]), true)
    });
    w.quoted("process.unique.key", |o| {
        ids::push_hex(o, &process_uid(host, process), true)
    });

    w.string("endpoint.name", host.short_name());
    w.string("endpoint.os", "windows");
    w.string("endpoint.type", endpoint_type(host.role));
    w.string("os.name", &host.os.name);
    w.string("mgmt.osRevision", os_build(&host.os.kernel));
    w.quoted("agent.uuid", |o| {
        ids::push_hex(o, &ids::bytes::<16>("s1-agent", &[machine]), false)
    });
    w.string("agent.version", AGENT_VERSION);
    let domain = host.domain.as_bytes();
    w.quoted("site.id", |o| {
        crate::text::push_u64(o, ids::decimal18("s1-site", &[domain]))
    });
    w.string("site.name", SITE_NAME);
    w.quoted("account.id", |o| {
        crate::text::push_u64(o, ids::decimal18("s1-account", &[domain]))
    });
    w.quoted("group.id", |o| {
        crate::text::push_u64(o, ids::decimal18("s1-group", &[domain]))
    });
    w.quoted("mgmt.id", |o| {
        crate::text::push_u64(o, ids::decimal18("s1-mgmt", &[domain]) % 100_000)
    });
    w.string("mgmt.url", MGMT_URL);
    w.string("dataSource.name", "SentinelOne");
    w.string("dataSource.category", "security");
    w.string("i.scheme", "edr");
    w.string("i.version", "preprocess-lib-1.0");

    // The creator. An unattributed parent keeps only its pid (detsim's choice, see docs).
    let parent = known_parent(event);
    match parent {
        Some(parent) => {
            let root = known_grandparent(event).is_none_or(|g| g.logon.guid != parent.logon.guid);
            write_process(&mut w, &SRC, host, parent, Some(root));
        }
        None => w.u64(SRC.pid, event.parent.pid().into()),
    }
    if let Some(grandparent) = known_grandparent(event) {
        // Whether the grandparent began its storyline depends on its own parent, unknown here.
        write_process(&mut w, &SRC_PARENT, host, grandparent, None);
    }
    let root = parent.is_none_or(|p| p.logon.guid != process.logon.guid);
    write_process(&mut w, &TGT, host, process, Some(root));
    w.string(
        "tgt.file.isSigned",
        if is_signed(&process.binary) {
            "signed"
        } else {
            "unsigned"
        },
    );
    w.finish();
}

/// The keys of one process block (`src.process`, `src.process.parent` or `tgt.process`).
struct Keys {
    name: &'static str,
    display_name: &'static str,
    cmdline: &'static str,
    pid: &'static str,
    uid: &'static str,
    storyline: &'static str,
    user: &'static str,
    integrity: &'static str,
    session: &'static str,
    start: &'static str,
    path: &'static str,
    md5: &'static str,
    sha1: &'static str,
    sha256: &'static str,
    executable: Option<&'static str>,
    publisher: &'static str,
    signed: &'static str,
    verified: Option<&'static str>,
    subsystem: &'static str,
    storyline_root: &'static str,
    native64: &'static str,
    redirect: &'static str,
}

macro_rules! keys {
    ($prefix:literal, executable: $executable:expr, verified: $verified:expr) => {
        Keys {
            name: concat!($prefix, ".name"),
            display_name: concat!($prefix, ".displayName"),
            cmdline: concat!($prefix, ".cmdline"),
            pid: concat!($prefix, ".pid"),
            uid: concat!($prefix, ".uid"),
            storyline: concat!($prefix, ".storyline.id"),
            user: concat!($prefix, ".user"),
            integrity: concat!($prefix, ".integrityLevel"),
            session: concat!($prefix, ".sessionId"),
            start: concat!($prefix, ".startTime"),
            path: concat!($prefix, ".image.path"),
            md5: concat!($prefix, ".image.md5"),
            sha1: concat!($prefix, ".image.sha1"),
            sha256: concat!($prefix, ".image.sha256"),
            executable: if $executable {
                Some(concat!($prefix, ".image.binaryIsExecutable"))
            } else {
                None
            },
            publisher: concat!($prefix, ".publisher"),
            signed: concat!($prefix, ".signedStatus"),
            verified: if $verified {
                Some(concat!($prefix, ".verifiedStatus"))
            } else {
                None
            },
            subsystem: concat!($prefix, ".subsystem"),
            storyline_root: concat!($prefix, ".isStorylineRoot"),
            native64: concat!($prefix, ".isNative64Bit"),
            redirect: concat!($prefix, ".isRedirectCmdProcessor"),
        }
    };
}

const SRC: Keys = keys!("src.process", executable: true, verified: true);
const SRC_PARENT: Keys = keys!("src.process.parent", executable: false, verified: false);
const TGT: Keys = keys!("tgt.process", executable: true, verified: true);

/// One process block; `storyline_root` is written only when it is known.
fn write_process(
    w: &mut JsonWriter<'_>,
    keys: &Keys,
    host: &Host,
    process: &Process,
    storyline_root: Option<bool>,
) {
    let binary = &*process.binary;
    let account = process.account();
    w.string(keys.name, process.name());
    // The file description, or the file name when the file has none (inferred).
    let description = if binary.description.is_empty() {
        process.name()
    } else {
        &binary.description
    };
    w.string(keys.display_name, description);
    w.string(keys.cmdline, &process.command_line);
    w.u64(keys.pid, process.pid.into());
    w.quoted(keys.uid, |o| {
        ids::push_hex(o, &process_uid(host, process), true)
    });
    w.quoted(keys.storyline, |o| {
        ids::push_hex(o, &storyline_id(host, process), true)
    });
    w.joined(keys.user, &[&account.domain, "\\", &account.name]);
    w.string(keys.integrity, integrity_level(process.integrity));
    w.u64(keys.session, process.logon.session.into());
    w.i64(keys.start, time::epoch_millis(&process.start));
    w.string(keys.path, &process.image);
    w.lower(keys.md5, &binary.md5);
    w.lower(keys.sha1, &binary.sha1);
    w.lower(keys.sha256, &binary.sha256);
    if let Some(key) = keys.executable {
        w.bool(key, true);
    }
    let signed = is_signed(binary);
    if signed {
        // Upper-cased, as SentinelOne shows publishers.
        w.upper(keys.publisher, &binary.signer);
    }
    w.string(keys.signed, if signed { "signed" } else { "unsigned" });
    if let Some(key) = keys.verified {
        w.string(key, if signed { "verified" } else { "unverified" });
    }
    w.string(keys.subsystem, "SYS_WIN32");
    if let Some(root) = storyline_root {
        w.bool(keys.storyline_root, root);
    }
    w.bool(keys.native64, is_native_64bit(&process.image));
    w.bool(keys.redirect, false);
}

fn is_signed(binary: &Binary) -> bool {
    binary.signer_kind != SignerKind::Unsigned && !binary.signer.is_empty()
}

/// SentinelOne's integrity spelling: upper case.
fn integrity_level(integrity: Integrity) -> &'static str {
    match integrity {
        Integrity::Untrusted => "UNTRUSTED",
        Integrity::Low => "LOW",
        Integrity::Medium => "MEDIUM",
        Integrity::High => "HIGH",
        Integrity::System => "SYSTEM",
    }
}

fn endpoint_type(role: HostRole) -> &'static str {
    match role {
        HostRole::Workstation => "desktop",
        HostRole::Server | HostRole::DomainController => "server",
    }
}

/// The build number of a kernel version (`10.0.22631.4460` gives `22631`).
fn os_build(kernel: &str) -> &str {
    kernel.split('.').nth(2).unwrap_or(kernel)
}

/// A process's uid: 16 upper-case hex digits derived from the host and the process GUID.
fn process_uid(host: &Host, process: &Process) -> [u8; 8] {
    ids::bytes("s1-process-uid", &[&host.machine_id.0, &process.guid.0])
}

/// The storyline: detsim approximates SentinelOne's process-tree storylines by one storyline
/// per logon session (inferred; see docs/formats.md).
fn storyline_id(host: &Host, process: &Process) -> [u8; 8] {
    ids::bytes("s1-storyline", &[&host.machine_id.0, &process.logon.guid.0])
}

/// `trace.id`: a ULID whose time part is the event time.
fn push_trace_id(out: &mut String, event: &ProcessEvent) {
    let millis = u64::try_from(time::epoch_millis(&event.time)).unwrap_or(0);
    let record = event.record_id.to_le_bytes();
    ids::push_ulid(
        out,
        millis,
        "s1-trace",
        &[&event.host.machine_id.0, &record],
    );
}

/// `event.id`: the trace id, `_`, the record counter.
fn push_event_id(out: &mut String, event: &ProcessEvent) {
    push_trace_id(out, event);
    out.push('_');
    crate::text::push_u64(out, event.record_id);
}

/// Reads one line: the flat keys as they are (nested objects, if any, flattened with dots).
pub fn read(line: &str) -> Result<Record, ReadError> {
    let object = parse_object(line)?;
    let mut record = Record::with_capacity(object.len());
    for (name, value) in &object {
        record.flatten_json(name, value);
    }
    Ok(record)
}

/// The event's `event.id`.
pub fn native_id(event: &ProcessEvent) -> String {
    let mut out = String::with_capacity(40);
    push_event_id(&mut out, event);
    out
}

/// The `event.id` of a read record.
pub fn record_id(record: &Record) -> Option<String> {
    record.get_str(NATIVE_ID_FIELD).map(str::to_string)
}
