//! SentinelOne Cloud Funnel process creation: one flat JSON object per line with dotted keys
//! (`"tgt.process.name":"..."`), not nested objects.
//!
//! `src.process` is the creating process (the parent), `tgt.process` the new one (the child),
//! `src.process.parent` the grandparent. Times are epoch milliseconds.

use super::{is_native_64bit, known_grandparent, known_parent};
use crate::RenderOptions;
use crate::ids;
use crate::model::{Binary, Host, HostRole, Integrity, Process, ProcessEvent, SignerKind};
use crate::read::{ReadError, parse_flat_object};
use crate::record::Record;
use crate::text::json::{JsonWriter, key};
use crate::text::{AsciiBuf, push_ascii, push_u64, time};

/// The field a labelled dataset joins on.
pub const NATIVE_ID_FIELD: &str = "event.id";

/// Agent version and console constants written in every record (placeholders: the model has
/// no SentinelOne deployment).
macro_rules! agent_version {
    () => {
        "23.4.2.14"
    };
}
macro_rules! mgmt_url {
    () => {
        "detsim-example.sentinelone.net"
    };
}
macro_rules! site_name {
    () => {
        "Default site"
    };
}

/// Writes one event as a single-line flat Cloud Funnel object.
pub fn render(event: &ProcessEvent, _options: &RenderOptions, out: &mut String) {
    let host = &*event.host;
    let process = &*event.process;
    let millis = time::epoch_millis(&event.time);
    let record = event.record_id.to_le_bytes();
    let machine = &host.machine_id.0;
    let mut w = JsonWriter::new(out);
    w.literal(r#","event.type":"Process Creation","event.category":"process","meta.event.name":"PROCESSCREATION""#);
    w.i64(key!("event.time"), millis);
    let mut trace = AsciiBuf::<26>::new();
    push_trace_id(&mut trace, event);
    w.quoted(key!("event.id"), |o| {
        push_ascii(o, trace.as_bytes());
        o.push('_');
        push_u64(o, event.record_id);
    });
    w.quoted(key!("trace.id"), |o| push_ascii(o, trace.as_bytes()));
    w.quoted(key!("packet.id"), |o| {
        ids::push_hex(o, &ids::bytes::<16>("s1-packet", &[machine, &record]), true)
    });
    let uid = process_uid(host, process);
    w.quoted(key!("process.unique.key"), |o| ids::push_hex(o, &uid, true));

    w.string(key!("endpoint.name"), host.short_name());
    w.literal(r#","endpoint.os":"windows""#);
    w.literal(match host.role {
        HostRole::Workstation => r#","endpoint.type":"desktop""#,
        HostRole::Server | HostRole::DomainController => r#","endpoint.type":"server""#,
    });
    w.string(key!("os.name"), &host.os.name);
    w.string(key!("mgmt.osRevision"), os_build(&host.os.kernel));
    w.quoted(key!("agent.uuid"), |o| {
        ids::push_hex(o, &ids::bytes::<16>("s1-agent", &[machine]), false)
    });
    w.literal(concat!(r#","agent.version":""#, agent_version!(), '"'));
    // Site, account, group and console ids: one per NetBIOS domain of the fleet.
    let console = ids::bytes::<32>("s1-console", &[host.domain.as_bytes()]);
    let console_id = |index: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&console[8 * index..8 * index + 8]);
        100_000_000_000_000_000 + u64::from_le_bytes(word) % 900_000_000_000_000_000
    };
    w.quoted(key!("site.id"), |o| push_u64(o, console_id(0)));
    w.literal(concat!(r#","site.name":""#, site_name!(), '"'));
    w.quoted(key!("account.id"), |o| push_u64(o, console_id(1)));
    w.quoted(key!("group.id"), |o| push_u64(o, console_id(2)));
    w.quoted(key!("mgmt.id"), |o| push_u64(o, console_id(3) % 100_000));
    w.literal(concat!(
        r#","mgmt.url":""#,
        mgmt_url!(),
        r#"","dataSource.name":"SentinelOne","dataSource.category":"security","#,
        r#""i.scheme":"edr","i.version":"preprocess-lib-1.0""#
    ));

    // Storyline ids follow logons, so relatives of one logon share one computation.
    let storyline = storyline_id(host, process);
    let storyline_of = |relative: &Process, known: &Process, id: [u8; 8]| {
        if relative.logon.guid == known.logon.guid {
            id
        } else {
            storyline_id(host, relative)
        }
    };

    // The creator. An unattributed parent keeps only its pid (detsim's choice, see docs).
    let parent = known_parent(event);
    let parent_storyline = parent.map(|parent| storyline_of(parent, process, storyline));
    match (parent, parent_storyline) {
        (Some(parent), Some(parent_storyline)) => {
            let root = known_grandparent(event).is_none_or(|g| g.logon.guid != parent.logon.guid);
            let ids = Ids {
                uid: process_uid(host, parent),
                storyline: parent_storyline,
            };
            write_process(&mut w, &SRC, ids, parent, Some(root));
            if let Some(grandparent) = known_grandparent(event) {
                let storyline = storyline_of(grandparent, parent, parent_storyline);
                let ids = Ids {
                    uid: process_uid(host, grandparent),
                    storyline,
                };
                // Whether the grandparent began its storyline depends on its own parent.
                write_process(&mut w, &SRC_PARENT, ids, grandparent, None);
            }
        }
        _ => w.u64(SRC.pid, event.parent.pid().into()),
    }
    let root = parent.is_none_or(|p| p.logon.guid != process.logon.guid);
    write_process(&mut w, &TGT, Ids { uid, storyline }, process, Some(root));
    w.literal(if is_signed(&process.binary) {
        r#","tgt.file.isSigned":"signed""#
    } else {
        r#","tgt.file.isSigned":"unsigned""#
    });
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
    /// `subsystem` and `isRedirectCmdProcessor`, constant members written as one literal.
    constants: &'static str,
    storyline_root: &'static str,
    native64: &'static str,
}

macro_rules! keys {
    ($prefix:literal, executable: $executable:expr, verified: $verified:expr) => {
        Keys {
            name: concat!(",\"", $prefix, ".name\":"),
            display_name: concat!(",\"", $prefix, ".displayName\":"),
            cmdline: concat!(",\"", $prefix, ".cmdline\":"),
            pid: concat!(",\"", $prefix, ".pid\":"),
            uid: concat!(",\"", $prefix, ".uid\":"),
            storyline: concat!(",\"", $prefix, ".storyline.id\":"),
            user: concat!(",\"", $prefix, ".user\":"),
            integrity: concat!(",\"", $prefix, ".integrityLevel\":"),
            session: concat!(",\"", $prefix, ".sessionId\":"),
            start: concat!(",\"", $prefix, ".startTime\":"),
            path: concat!(",\"", $prefix, ".image.path\":"),
            md5: concat!(",\"", $prefix, ".image.md5\":"),
            sha1: concat!(",\"", $prefix, ".image.sha1\":"),
            sha256: concat!(",\"", $prefix, ".image.sha256\":"),
            executable: if $executable {
                Some(concat!(",\"", $prefix, ".image.binaryIsExecutable\":"))
            } else {
                None
            },
            publisher: concat!(",\"", $prefix, ".publisher\":"),
            signed: concat!(",\"", $prefix, ".signedStatus\":"),
            verified: if $verified {
                Some(concat!(",\"", $prefix, ".verifiedStatus\":"))
            } else {
                None
            },
            constants: concat!(
                ",\"",
                $prefix,
                ".subsystem\":\"SYS_WIN32\",\"",
                $prefix,
                ".isRedirectCmdProcessor\":false"
            ),
            storyline_root: concat!(",\"", $prefix, ".isStorylineRoot\":"),
            native64: concat!(",\"", $prefix, ".isNative64Bit\":"),
        }
    };
}

const SRC: Keys = keys!("src.process", executable: true, verified: true);
const SRC_PARENT: Keys = keys!("src.process.parent", executable: false, verified: false);
const TGT: Keys = keys!("tgt.process", executable: true, verified: true);

/// A process's derived identifiers.
#[derive(Clone, Copy)]
struct Ids {
    uid: [u8; 8],
    storyline: [u8; 8],
}

/// One process block; `storyline_root` is written only when it is known.
fn write_process(
    w: &mut JsonWriter<'_>,
    keys: &Keys,
    ids: Ids,
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
    w.quoted(keys.uid, |o| ids::push_hex(o, &ids.uid, true));
    w.quoted(keys.storyline, |o| ids::push_hex(o, &ids.storyline, true));
    w.joined(keys.user, &[&account.domain, "\\", &account.name]);
    w.string(keys.integrity, integrity_level(process.integrity));
    w.u64(keys.session, process.logon.session.into());
    w.i64(keys.start, time::epoch_millis(&process.start));
    w.string(keys.path, &process.image);
    w.string(keys.md5, &binary.md5);
    w.string(keys.sha1, &binary.sha1);
    w.string(keys.sha256, &binary.sha256);
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
    if let Some(root) = storyline_root {
        w.bool(keys.storyline_root, root);
    }
    w.bool(keys.native64, is_native_64bit(&process.image));
    w.literal(keys.constants);
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
fn push_trace_id(out: &mut AsciiBuf<26>, event: &ProcessEvent) {
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
    let mut trace = AsciiBuf::<26>::new();
    push_trace_id(&mut trace, event);
    push_ascii(out, trace.as_bytes());
    out.push('_');
    push_u64(out, event.record_id);
}

/// Reads one line: the flat keys as they are (nested objects, if any, flattened with dots).
pub fn read(line: &str) -> Result<Record, ReadError> {
    parse_flat_object(line)
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
