//! What each format must carry for an event: (field, value) pairs computed from the model
//! independently of the renderers, so a round trip checks the rendering, the escaping and the
//! reader together.

use detsim_generators::Format;
use detsim_generators::args::split_command_line;
use detsim_generators::model::{Account, Process, ProcessEvent};
use serde_json::{Value, json};

/// The model-derived fields `format` writes for `event`.
pub fn fields(format: Format, event: &ProcessEvent) -> Vec<(&'static str, Value)> {
    match format {
        Format::Sysmon => sysmon(event, false),
        Format::SysmonJson => sysmon(event, true),
        Format::Ecs => ecs(event),
        Format::Defender => defender(event),
        Format::SentinelOne => sentinelone(event),
    }
}

fn qualified(account: &Account) -> String {
    format!("{}\\{}", account.domain, account.name)
}

/// Lower-casing character by character, as the renderers (and .NET's invariant lower-casing)
/// do, without Rust's final-sigma rule.
pub fn lower(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

fn or_dash(text: &str) -> Value {
    json!(if text.is_empty() { "-" } else { text })
}

fn sysmon(event: &ProcessEvent, typed: bool) -> Vec<(&'static str, Value)> {
    let p = &*event.process;
    let number = |n: u64| {
        if typed {
            json!(n)
        } else {
            json!(n.to_string())
        }
    };
    let mut fields = vec![
        ("EventID", number(1)),
        ("Computer", json!(event.host.fqdn)),
        ("EventRecordID", number(event.record_id)),
        ("ProcessId", number(p.pid.into())),
        ("Image", json!(p.image)),
        ("CommandLine", json!(p.command_line)),
        ("CurrentDirectory", json!(p.cwd)),
        ("User", json!(qualified(p.account()))),
        ("LogonId", json!(format!("{:#x}", p.logon.id))),
        ("TerminalSessionId", number(p.logon.session.into())),
        ("IntegrityLevel", json!(p.integrity.name())),
        ("OriginalFileName", or_dash(&p.binary.original_file_name)),
        ("Description", or_dash(&p.binary.description)),
        ("Company", or_dash(&p.binary.company)),
        ("ParentProcessId", number(event.parent.pid().into())),
    ];
    match event.parent.process() {
        Some(parent) => fields.extend([
            ("ParentImage", json!(parent.image)),
            ("ParentCommandLine", json!(parent.command_line)),
            ("ParentUser", json!(qualified(parent.account()))),
        ]),
        None => fields.extend([
            ("ParentImage", json!("-")),
            ("ParentCommandLine", json!("-")),
            ("ParentUser", json!("-")),
        ]),
    }
    fields
}

fn ecs(event: &ProcessEvent) -> Vec<(&'static str, Value)> {
    let p = &*event.process;
    let mut fields = vec![
        ("process.executable", json!(p.image)),
        ("process.name", json!(p.name())),
        ("process.command_line", json!(p.command_line)),
        ("process.args", json!(split_command_line(&p.command_line))),
        (
            "process.args_count",
            json!(split_command_line(&p.command_line).len()),
        ),
        ("process.working_directory", json!(p.cwd)),
        ("process.pid", json!(p.pid)),
        ("process.hash.sha256", json!(p.binary.sha256)),
        ("user.name", json!(p.account().name)),
        ("user.domain", json!(p.account().domain)),
        ("user.id", json!(p.account().sid)),
        ("process.parent.pid", json!(event.parent.pid())),
        ("event.type", json!(["start"])),
        ("event.category", json!(["process"])),
    ];
    if let Some(parent) = event.parent.process() {
        fields.extend([
            ("process.parent.executable", json!(parent.image)),
            ("process.parent.name", json!(parent.name())),
            ("process.parent.command_line", json!(parent.command_line)),
            (
                "process.parent.args",
                json!(split_command_line(&parent.command_line)),
            ),
        ]);
    }
    fields
}

fn defender(event: &ProcessEvent) -> Vec<(&'static str, Value)> {
    let p = &*event.process;
    let mut fields = vec![
        ("ActionType", json!("ProcessCreated")),
        ("DeviceName", json!(lower(&event.host.fqdn))),
        ("FileName", json!(p.name())),
        ("FolderPath", json!(p.image)),
        ("ProcessCommandLine", json!(p.command_line)),
        ("ProcessId", json!(p.pid)),
        ("AccountName", json!(lower(&p.account().name))),
        ("AccountDomain", json!(lower(&p.account().domain))),
        ("AccountSid", json!(p.account().sid)),
        ("LogonId", json!(p.logon.id)),
        ("ProcessIntegrityLevel", json!(p.integrity.name())),
        ("InitiatingProcessId", json!(event.parent.pid())),
        ("ReportId", json!(event.record_id)),
    ];
    match event.parent.process() {
        Some(parent) => fields.extend(initiating(parent)),
        None => fields.extend([
            ("InitiatingProcessFileName", Value::Null),
            ("InitiatingProcessFolderPath", Value::Null),
            ("InitiatingProcessCommandLine", Value::Null),
            ("InitiatingProcessAccountName", Value::Null),
            ("InitiatingProcessParentFileName", Value::Null),
        ]),
    }
    if let (Some(_), Some(grandparent)) = (event.parent.process(), &event.grandparent) {
        fields.push(("InitiatingProcessParentFileName", json!(grandparent.name())));
        fields.push(("InitiatingProcessParentId", json!(grandparent.pid)));
    }
    fields
}

fn initiating(parent: &Process) -> Vec<(&'static str, Value)> {
    vec![
        ("InitiatingProcessFileName", json!(parent.name())),
        ("InitiatingProcessFolderPath", json!(lower(&parent.image))),
        ("InitiatingProcessCommandLine", json!(parent.command_line)),
        (
            "InitiatingProcessAccountName",
            json!(lower(&parent.account().name)),
        ),
        (
            "InitiatingProcessAccountDomain",
            json!(lower(&parent.account().domain)),
        ),
        ("InitiatingProcessLogonId", json!(parent.logon.id)),
    ]
}

fn sentinelone(event: &ProcessEvent) -> Vec<(&'static str, Value)> {
    let p = &*event.process;
    let mut fields = vec![
        ("event.type", json!("Process Creation")),
        ("event.time", json!(event.time.timestamp_millis())),
        ("tgt.process.image.path", json!(p.image)),
        ("tgt.process.name", json!(p.name())),
        ("tgt.process.cmdline", json!(p.command_line)),
        ("tgt.process.pid", json!(p.pid)),
        ("tgt.process.user", json!(qualified(p.account()))),
        ("tgt.process.startTime", json!(p.start.timestamp_millis())),
        ("src.process.pid", json!(event.parent.pid())),
    ];
    if let Some(parent) = event.parent.process() {
        fields.extend([
            ("src.process.image.path", json!(parent.image)),
            ("src.process.name", json!(parent.name())),
            ("src.process.cmdline", json!(parent.command_line)),
            ("src.process.user", json!(qualified(parent.account()))),
        ]);
        if let Some(grandparent) = &event.grandparent {
            fields.extend([
                ("src.process.parent.image.path", json!(grandparent.image)),
                (
                    "src.process.parent.cmdline",
                    json!(grandparent.command_line),
                ),
                (
                    "src.process.parent.user",
                    json!(qualified(grandparent.account())),
                ),
            ]);
        }
    }
    fields
}

/// Fields a format must not write when the parent is unattributed.
pub fn absent_without_parent(format: Format) -> &'static [&'static str] {
    match format {
        Format::Sysmon | Format::SysmonJson | Format::Defender => &[],
        Format::Ecs => &[
            "process.parent.name",
            "process.parent.executable",
            "process.parent.command_line",
            "process.parent.entity_id",
            "process.Ext.ancestry",
        ],
        Format::SentinelOne => &[
            "src.process.name",
            "src.process.image.path",
            "src.process.cmdline",
            "src.process.user",
            "src.process.parent.name",
        ],
    }
}
