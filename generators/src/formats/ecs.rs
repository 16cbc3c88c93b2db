//! Elastic Defend process start event (`logs-endpoint.events.process-*`), one ECS document per
//! line.
//!
//! Fields follow Elastic's Windows process create/exit field list; fields that list does not
//! have (`process.pe.company`, `process.parent.pe.*`, a parent user, an ECS integrity field)
//! are never written.

use super::{Elevation, elevation, known_grandparent, known_parent, push_guid};
use crate::RenderOptions;
use crate::args::for_each_arg;
use crate::ids;
use crate::model::{Binary, Host, Process, ProcessEvent, SignerKind};
use crate::read::{ReadError, parse_object};
use crate::record::Record;
use crate::text::json::{JsonWriter, push_string};
use crate::text::{self, push_hex_u64, push_lower, push_u64, time};

/// The field a labelled dataset joins on.
pub const NATIVE_ID_FIELD: &str = "event.id";

/// Agent and ECS versions written in every document (constants; elastic/endpoint-package
/// issue #561 reports agent 8.12.2 sending `ecs.version` 8.10.0).
const AGENT_VERSION: &str = "8.12.2";
const ECS_VERSION: &str = "8.10.0";

/// Writes one event as a single-line Elastic Defend document.
pub fn render(event: &ProcessEvent, _options: &RenderOptions, out: &mut String) {
    let host = &*event.host;
    let process = &*event.process;
    let agent = agent_id(host);
    let mut w = JsonWriter::new(out);
    w.quoted("@timestamp", |o| time::push_iso(o, &event.time, 7));
    w.begin("agent");
    w.quoted("id", |o| ids::push_uuid(o, &agent));
    w.string("type", "endpoint");
    w.string("version", AGENT_VERSION);
    w.end();
    w.begin("data_stream");
    w.string("dataset", "endpoint.events.process");
    w.string("namespace", "default");
    w.string("type", "logs");
    w.end();
    w.begin("ecs");
    w.string("version", ECS_VERSION);
    w.end();
    w.begin("elastic");
    w.begin("agent");
    w.quoted("id", |o| ids::push_uuid(o, &agent));
    w.end();
    w.end();

    w.begin("event");
    w.string("action", "start");
    w.strings("category", ["process"]);
    w.quoted("created", |o| time::push_iso(o, &event.time, 7));
    w.string("dataset", "endpoint.events.process");
    w.quoted("id", |o| push_event_id(o, event));
    w.string("kind", "event");
    w.string("module", "endpoint");
    w.u64("sequence", event.record_id);
    w.strings("type", ["start"]);
    w.end();

    write_host(&mut w, host);
    w.string("message", "Endpoint process event");

    let mut scratch = Vec::new();
    w.begin("process");
    w.begin("Ext");
    let parent = known_parent(event);
    let grandparent = known_grandparent(event);
    if let Some(parent) = parent {
        w.raw("ancestry", |o| {
            o.push_str("[\"");
            push_entity_id(o, &agent, parent);
            if let Some(grandparent) = grandparent {
                o.push_str("\",\"");
                push_entity_id(o, &agent, grandparent);
            }
            o.push_str("\"]");
        });
    }
    w.quoted("authentication_id", |o| push_hex_u64(o, process.logon.id));
    write_code_signature(&mut w, &process.binary, true);
    w.begin("token");
    let elevation = match elevation(process) {
        Elevation::Default => "default",
        Elevation::Full => "full",
    };
    w.string("elevation_level", elevation);
    w.quoted("integrity_level_name", |o| {
        push_lower(o, process.integrity.name())
    });
    w.end();
    w.end();
    write_args(&mut w, &process.command_line, &mut scratch);
    write_code_signature(&mut w, &process.binary, false);
    w.string("command_line", &process.command_line);
    w.quoted("entity_id", |o| push_entity_id(o, &agent, process));
    w.string("executable", &process.image);
    w.begin("hash");
    w.string("md5", &process.binary.md5);
    w.string("sha1", &process.binary.sha1);
    w.string("sha256", &process.binary.sha256);
    w.end();
    w.string("name", process.name());

    w.begin("parent");
    if let Some(parent) = parent {
        w.begin("Ext");
        write_code_signature(&mut w, &parent.binary, true);
        w.end();
        write_args(&mut w, &parent.command_line, &mut scratch);
        write_code_signature(&mut w, &parent.binary, false);
        w.string("command_line", &parent.command_line);
        w.quoted("entity_id", |o| push_entity_id(o, &agent, parent));
        w.string("executable", &parent.image);
        w.string("name", parent.name());
    }
    // An unattributed parent keeps only its pid (detsim's choice, see docs/formats.md).
    w.u64("pid", event.parent.pid().into());
    w.end();

    let binary = &*process.binary;
    if !binary.imphash.is_empty() || !binary.original_file_name.is_empty() {
        w.begin("pe");
        if !binary.imphash.is_empty() {
            w.string("imphash", &binary.imphash);
        }
        if !binary.original_file_name.is_empty() {
            w.string("original_file_name", &binary.original_file_name);
        }
        w.end();
    }
    w.u64("pid", process.pid.into());
    w.string("working_directory", &process.cwd);
    w.end();

    w.begin("user");
    w.string("domain", &process.account().domain);
    w.string("id", &process.account().sid);
    w.string("name", &process.account().name);
    w.end();
    w.finish();
}

fn write_host(w: &mut JsonWriter<'_>, host: &Host) {
    w.begin("host");
    w.string("architecture", "x86_64");
    // Elastic Endpoint lower-cases host.name (elastic/endpoint-package issue #453); the short
    // name is the default, the FQDN an agent-policy option.
    w.quoted("hostname", |o| push_lower(o, host.short_name()));
    w.quoted("id", |o| push_guid(o, &host.machine_id, false, false));
    w.raw("ip", |o| {
        o.push_str("[\"");
        for (index, octet) in host.ip.iter().enumerate() {
            if index > 0 {
                o.push('.');
            }
            push_u64(o, (*octet).into());
        }
        o.push_str("\",\"127.0.0.1\",\"::1\"]");
    });
    w.raw("mac", |o| {
        o.push_str("[\"");
        for (index, byte) in host.mac.iter().enumerate() {
            if index > 0 {
                o.push(':');
            }
            crate::model::push_hex_byte(o, *byte, false);
        }
        o.push_str("\"]");
    });
    w.quoted("name", |o| push_lower(o, host.short_name()));
    w.begin("os");
    w.begin("Ext");
    w.string("variant", &host.os.name);
    w.end();
    w.string("family", "windows");
    w.joined(
        "full",
        &[
            &host.os.name,
            " ",
            &host.os.version,
            " (",
            &host.os.kernel,
            ")",
        ],
    );
    w.joined("kernel", &[&host.os.version, " (", &host.os.kernel, ")"]);
    w.string("name", "Windows");
    w.string("platform", "windows");
    w.string("type", "windows");
    w.joined("version", &[&host.os.version, " (", &host.os.kernel, ")"]);
    w.end();
    w.end();
}

/// `args` (split as `CommandLineToArgvW` does) and `args_count`.
fn write_args(w: &mut JsonWriter<'_>, command_line: &str, scratch: &mut Vec<u8>) {
    let mut count = 0;
    w.raw("args", |o| {
        o.push('[');
        let mut written = 0;
        count = for_each_arg(command_line, scratch, |arg| {
            if written > 0 {
                o.push(',');
            }
            written += 1;
            push_string(o, arg);
        });
        o.push(']');
    });
    w.u64("args_count", count as u64);
}

/// `code_signature` (an object) or, with `ext`, `Ext.code_signature` (a list of one).
fn write_code_signature(w: &mut JsonWriter<'_>, binary: &Binary, ext: bool) {
    if ext {
        w.begin_list_of_one("code_signature");
    } else {
        w.begin("code_signature");
    }
    let signed = binary.signer_kind != SignerKind::Unsigned && !binary.signer.is_empty();
    w.bool("exists", signed);
    if signed {
        w.string("status", "trusted");
        w.string("subject_name", &binary.signer);
        w.bool("trusted", true);
    }
    w.end();
}

/// The Endpoint agent id: a version-4 UUID derived from the machine id.
fn agent_id(host: &Host) -> [u8; 16] {
    ids::uuid4("elastic-agent-id", &[&host.machine_id.0])
}

/// `process.entity_id`: base64 of `<agent id>-<pid>-<start as FILETIME seconds, 9 decimals>`,
/// the layout Elastic's published sample decodes to.
fn push_entity_id(out: &mut String, agent: &[u8; 16], process: &Process) {
    let mut plain = String::with_capacity(72);
    ids::push_uuid(&mut plain, agent);
    plain.push('-');
    push_u64(&mut plain, process.pid.into());
    plain.push('-');
    let ticks = time::filetime(&process.start);
    push_u64(&mut plain, ticks / 10_000_000);
    plain.push('.');
    time::push_padded(&mut plain, (ticks % 10_000_000) * 100, 9);
    text::push_base64(out, plain.as_bytes());
}

/// `event.id`: 18 bytes derived from the host and record id, base64 (24 characters).
fn push_event_id(out: &mut String, event: &ProcessEvent) {
    let bytes = ids::bytes::<18>(
        "elastic-event-id",
        &[&event.host.machine_id.0, &event.record_id.to_le_bytes()],
    );
    text::push_base64(out, &bytes);
}

/// Reads one document into its field view: every leaf under its dotted name, arrays kept.
pub fn read(line: &str) -> Result<Record, ReadError> {
    let object = parse_object(line)?;
    let mut record = Record::with_capacity(96);
    record.flatten_json("", &serde_json::Value::Object(object));
    Ok(record)
}

/// The event's `event.id`.
pub fn native_id(event: &ProcessEvent) -> String {
    let mut out = String::with_capacity(24);
    push_event_id(&mut out, event);
    out
}

/// The `event.id` of a read record.
pub fn record_id(record: &Record) -> Option<String> {
    record.get_str(NATIVE_ID_FIELD).map(str::to_string)
}
