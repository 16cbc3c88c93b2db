//! Elastic Defend process start event (`logs-endpoint.events.process-*`), one ECS document per
//! line.
//!
//! Fields follow Elastic's Windows process create/exit field list; fields that list does not
//! have (`process.pe.company`, `process.parent.pe.*`, a parent user, an ECS integrity field)
//! are never written.

use super::{Elevation, elevation, known_grandparent, known_parent, push_guid};
use crate::RenderOptions;
use crate::args::{for_each_arg, split_program};
use crate::ids;
use crate::model::{Binary, Host, Process, ProcessEvent, SignerKind};
use crate::read::{ReadError, parse_flat_object};
use crate::record::Record;
use crate::text::json::{JsonWriter, key, push_string, push_words};
use crate::text::json_string::push_escaped;
use crate::text::{self, AsciiBuf, push_ascii, push_hex_u64, push_lower, push_u64, time};

/// The field a labelled dataset joins on.
pub const NATIVE_ID_FIELD: &str = "event.id";

/// Agent and ECS versions written in every document (constants; elastic/endpoint-package
/// issue #561 reports agent 8.12.2 sending `ecs.version` 8.10.0).
macro_rules! agent_version {
    () => {
        "8.12.2"
    };
}
macro_rules! ecs_version {
    () => {
        "8.10.0"
    };
}

/// Writes one event as a single-line Elastic Defend document.
pub fn render(event: &ProcessEvent, _options: &RenderOptions, out: &mut String) {
    let host = &*event.host;
    let process = &*event.process;
    // Values written twice are formatted once.
    let agent = agent_text(host);
    let mut w = JsonWriter::new(out);
    let timestamp = w.quoted_marked(key!("@timestamp"), |o| time::push_iso(o, &event.time, 7));
    w.begin(key!("agent"));
    w.quoted(key!("id"), |o| push_ascii(o, agent.as_bytes()));
    w.literal(concat!(
        r#","type":"endpoint","version":""#,
        agent_version!(),
        '"'
    ));
    w.end();
    w.literal(concat!(
        r#","data_stream":{"dataset":"endpoint.events.process","namespace":"default","#,
        r#""type":"logs"},"ecs":{"version":""#,
        ecs_version!(),
        r#""}"#
    ));
    w.begin(key!("elastic"));
    w.begin(key!("agent"));
    w.quoted(key!("id"), |o| push_ascii(o, agent.as_bytes()));
    w.end();
    w.end();

    w.begin(key!("event"));
    w.literal(r#","action":"start","category":["process"]"#);
    w.quoted_again(key!("created"), timestamp);
    w.literal(r#","dataset":"endpoint.events.process""#);
    w.quoted(key!("id"), |o| push_event_id(o, event));
    w.literal(r#","kind":"event","module":"endpoint""#);
    w.u64(key!("sequence"), event.record_id);
    w.literal(r#","type":["start"]"#);
    w.end();

    write_host(&mut w, host);
    w.literal(r#","message":"Endpoint process event""#);

    let mut scratch = Vec::new();
    w.begin(key!("process"));
    w.begin(key!("Ext"));
    let parent = known_parent(event);
    let agent_text = agent_base64(&agent);
    let parent_entity = parent.map(|parent| entity_id(&agent_text, parent));
    if let Some(parent_entity) = &parent_entity {
        w.raw(key!("ancestry"), |o| {
            o.push_str("[\"");
            push_ascii(o, parent_entity.as_bytes());
            if let Some(grandparent) = known_grandparent(event) {
                o.push_str("\",\"");
                push_ascii(o, entity_id(&agent_text, grandparent).as_bytes());
            }
            o.push_str("\"]");
        });
    }
    w.quoted(key!("authentication_id"), |o| {
        push_hex_u64(o, process.logon.id)
    });
    write_code_signature(&mut w, &process.binary, true);
    w.begin(key!("token"));
    let elevation = match elevation(process) {
        Elevation::Default => "default",
        Elevation::Full => "full",
    };
    w.string(key!("elevation_level"), elevation);
    w.quoted(key!("integrity_level_name"), |o| {
        push_lower(o, process.integrity.name())
    });
    w.end();
    w.end();
    write_args(&mut w, &process.command_line, &mut scratch);
    write_code_signature(&mut w, &process.binary, false);
    w.string(key!("command_line"), &process.command_line);
    w.quoted(key!("entity_id"), |o| {
        push_ascii(o, entity_id(&agent_text, process).as_bytes())
    });
    w.string(key!("executable"), &process.image);
    w.begin(key!("hash"));
    w.string(key!("md5"), &process.binary.md5);
    w.string(key!("sha1"), &process.binary.sha1);
    w.string(key!("sha256"), &process.binary.sha256);
    w.end();
    w.string(key!("name"), process.name());

    w.begin(key!("parent"));
    if let (Some(parent), Some(parent_entity)) = (parent, &parent_entity) {
        w.begin(key!("Ext"));
        write_code_signature(&mut w, &parent.binary, true);
        w.end();
        write_args(&mut w, &parent.command_line, &mut scratch);
        write_code_signature(&mut w, &parent.binary, false);
        w.string(key!("command_line"), &parent.command_line);
        w.quoted(key!("entity_id"), |o| {
            push_ascii(o, parent_entity.as_bytes())
        });
        w.string(key!("executable"), &parent.image);
        w.string(key!("name"), parent.name());
    }
    // An unattributed parent keeps only its pid (detsim's choice, see docs/formats.md).
    w.u64(key!("pid"), event.parent.pid().into());
    w.end();

    let binary = &*process.binary;
    if !binary.imphash.is_empty() || !binary.original_file_name.is_empty() {
        w.begin(key!("pe"));
        if !binary.imphash.is_empty() {
            w.string(key!("imphash"), &binary.imphash);
        }
        if !binary.original_file_name.is_empty() {
            w.string(key!("original_file_name"), &binary.original_file_name);
        }
        w.end();
    }
    w.u64(key!("pid"), process.pid.into());
    w.string(key!("working_directory"), &process.cwd);
    w.end();

    w.begin(key!("user"));
    w.string(key!("domain"), &process.account().domain);
    w.string(key!("id"), &process.account().sid);
    w.string(key!("name"), &process.account().name);
    w.end();
    w.finish();
}

fn write_host(w: &mut JsonWriter<'_>, host: &Host) {
    w.begin(key!("host"));
    w.literal(r#","architecture":"x86_64""#);
    // Elastic Endpoint lower-cases host.name (elastic/endpoint-package issue #453); the short
    // name is the default, the FQDN an agent-policy option.
    w.lower(key!("hostname"), host.short_name());
    w.quoted(key!("id"), |o| push_guid(o, &host.machine_id, false, false));
    w.raw(key!("ip"), |o| {
        o.push_str("[\"");
        for (index, octet) in host.ip.iter().enumerate() {
            if index > 0 {
                o.push('.');
            }
            push_u64(o, (*octet).into());
        }
        o.push_str("\",\"127.0.0.1\",\"::1\"]");
    });
    w.raw(key!("mac"), |o| {
        let mut text = [b':'; 17];
        for (index, byte) in host.mac.iter().enumerate() {
            text[3 * index] = b"0123456789abcdef"[usize::from(byte >> 4)];
            text[3 * index + 1] = b"0123456789abcdef"[usize::from(byte & 0xf)];
        }
        o.push_str("[\"");
        push_ascii(o, &text);
        o.push_str("\"]");
    });
    w.lower(key!("name"), host.short_name());
    w.begin(key!("os"));
    w.begin(key!("Ext"));
    w.string(key!("variant"), &host.os.name);
    w.end();
    w.literal(r#","family":"windows""#);
    let (name, version, kernel) = (&host.os.name, &host.os.version, &host.os.kernel);
    w.joined(key!("full"), &[name, " ", version, " (", kernel, ")"]);
    let release = w.quoted_marked(key!("kernel"), |o| {
        for part in [version.as_str(), " (", kernel, ")"] {
            push_escaped(o, part);
        }
    });
    w.literal(r#","name":"Windows","platform":"windows","type":"windows""#);
    w.quoted_again(key!("version"), release);
    w.end();
    w.end();
}

/// `args` (split as `CommandLineToArgvW` does) and `args_count`.
fn write_args(w: &mut JsonWriter<'_>, command_line: &str, scratch: &mut Vec<u8>) {
    let mut count = 0;
    w.raw(key!("args"), |o| {
        o.push('[');
        count = match split_program(command_line) {
            None => 0,
            // Without a quote after the program, arguments are the blank-separated words.
            Some((program, rest)) if !rest.contains('"') => {
                push_string(o, program);
                1 + push_words(o, rest)
            }
            Some(_) => {
                let mut written = 0;
                for_each_arg(command_line, scratch, |arg| {
                    if written > 0 {
                        o.push(',');
                    }
                    written += 1;
                    push_string(o, arg);
                })
            }
        };
        o.push(']');
    });
    w.u64(key!("args_count"), count as u64);
}

/// `code_signature` (an object) or, with `ext`, `Ext.code_signature` (a list of one).
fn write_code_signature(w: &mut JsonWriter<'_>, binary: &Binary, ext: bool) {
    if ext {
        w.begin_list_of_one(key!("code_signature"));
    } else {
        w.begin(key!("code_signature"));
    }
    let signed = binary.signer_kind != SignerKind::Unsigned && !binary.signer.is_empty();
    if signed {
        w.literal(r#","exists":true,"status":"trusted""#);
        w.string(key!("subject_name"), &binary.signer);
        w.literal(r#","trusted":true"#);
    } else {
        w.literal(r#","exists":false"#);
    }
    w.end();
}

/// The Endpoint agent id: a version-4 UUID derived from the machine id, as text.
fn agent_text(host: &Host) -> AsciiBuf<36> {
    let uuid = ids::uuid4("elastic-agent-id", &[&host.machine_id.0]);
    let mut text = AsciiBuf::<36>::new();
    for (index, byte) in uuid.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push(b"-");
        }
        let digits = b"0123456789abcdef";
        text.push(&[
            digits[usize::from(byte >> 4)],
            digits[usize::from(byte & 0xf)],
        ]);
    }
    text
}

/// `process.entity_id`: base64 of `<agent id>-<pid>-<start as FILETIME seconds, 9 decimals>`,
/// the layout Elastic's published sample decodes to. The agent id's 36 characters encode to
/// 48 base64 characters on their own ([`agent_base64`]), so only the rest is encoded here.
fn entity_id(agent_base64: &AsciiBuf<48>, process: &Process) -> AsciiBuf<128> {
    let mut plain = AsciiBuf::<48>::new();
    plain.push(b"-");
    plain.push_u64(process.pid.into(), 1);
    plain.push(b"-");
    let ticks = time::filetime(&process.start);
    plain.push_u64(ticks / 10_000_000, 1);
    plain.push(b".");
    plain.push_u64((ticks % 10_000_000) * 100, 9);
    let mut encoded = AsciiBuf::<128>::new();
    encoded.push(agent_base64.as_bytes());
    encoded.push_base64(plain.as_bytes());
    encoded
}

/// The base64 of the agent id's hyphenated text, the first 48 characters of every entity id.
fn agent_base64(agent: &AsciiBuf<36>) -> AsciiBuf<48> {
    let mut encoded = AsciiBuf::<48>::new();
    encoded.push_base64(agent.as_bytes());
    encoded
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
    parse_flat_object(line)
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
