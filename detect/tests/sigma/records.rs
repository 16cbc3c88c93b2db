//! One hand-built record per format for a process, in each product's own field names.

use detsim_generators::{Format, Record};
use serde_json::{Value, json};

/// The facts of one process creation (or, with `kind`, a record of another kind).
#[derive(Clone, Debug)]
pub struct Proc {
    pub image: &'static str,
    pub parent_image: &'static str,
    pub command_line: &'static str,
    pub parent_command_line: &'static str,
    /// `None`: the record has no such field (old Sysmon, or a product without it).
    pub original_file_name: Option<&'static str>,
    pub kind: Kind,
}

/// What the record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ProcessStart,
    /// Sysmon Event ID 3, ECS network event, Defender ConnectionSuccess, S1 IP Connect.
    Network,
}

impl Default for Proc {
    fn default() -> Self {
        Proc {
            image: r"C:\Windows\System32\cmd.exe",
            parent_image: r"C:\Windows\explorer.exe",
            command_line: r#"C:\Windows\System32\cmd.exe /c "whoami""#,
            parent_command_line: r"C:\Windows\explorer.exe",
            original_file_name: Some("Cmd.Exe"),
            kind: Kind::ProcessStart,
        }
    }
}

/// The process as cmd.exe under a parent at this path.
pub fn cmd_under(parent_image: &'static str) -> Proc {
    Proc {
        parent_image,
        parent_command_line: parent_image,
        ..Proc::default()
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('\\').next().unwrap_or(path)
}

fn args(command_line: &str) -> Value {
    Value::Array(
        command_line
            .split_whitespace()
            .map(|arg| json!(arg))
            .collect(),
    )
}

pub fn record(format: Format, p: &Proc) -> Record {
    let mut r = Record::new();
    match format {
        Format::Sysmon | Format::SysmonJson => {
            let numbers = format == Format::SysmonJson;
            let event_id = if p.kind == Kind::ProcessStart { 1 } else { 3 };
            let number = |n: i64| {
                if numbers {
                    json!(n)
                } else {
                    json!(n.to_string())
                }
            };
            r.insert("EventID", number(event_id));
            r.insert("Channel", "Microsoft-Windows-Sysmon/Operational");
            r.insert("Provider", "Microsoft-Windows-Sysmon");
            r.insert("Computer", "ws01.corp.example");
            r.insert("ProcessId", number(4242));
            r.insert("Image", p.image);
            if p.kind == Kind::ProcessStart {
                r.insert("CommandLine", p.command_line);
                r.insert("CurrentDirectory", r"C:\Windows\system32\");
                r.insert("User", r"NT AUTHORITY\SYSTEM");
                r.insert("LogonId", "0x3e7");
                r.insert("TerminalSessionId", number(0));
                r.insert("IntegrityLevel", "System");
                r.insert("Company", "Microsoft Corporation");
                r.insert(
                    "Hashes",
                    "SHA256=8C9F8D7A6B5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D1E0F9A",
                );
                r.insert("ParentProcessId", number(700));
                r.insert("ParentImage", p.parent_image);
                r.insert("ParentCommandLine", p.parent_command_line);
                if let Some(name) = p.original_file_name {
                    r.insert("OriginalFileName", name);
                }
            } else {
                r.insert("DestinationIp", "203.0.113.7");
                r.insert("DestinationPort", number(443));
            }
        }
        Format::Ecs => {
            let (category, kind) = match p.kind {
                Kind::ProcessStart => ("process", "start"),
                Kind::Network => ("network", "connection"),
            };
            r.insert("event.category", json!([category]));
            r.insert("event.type", json!([kind]));
            r.insert("event.action", kind);
            r.insert("host.os.type", "windows");
            r.insert("process.executable", p.image);
            r.insert("process.name", basename(p.image));
            r.insert("process.pid", 4242);
            r.insert("process.command_line", p.command_line);
            r.insert("process.args", args(p.command_line));
            r.insert("process.working_directory", r"C:\Windows\system32\");
            r.insert("process.Ext.token.integrity_level_name", "system");
            r.insert("process.Ext.authentication_id", "0x3e7");
            r.insert("process.parent.executable", p.parent_image);
            r.insert("process.parent.name", basename(p.parent_image));
            r.insert("process.parent.command_line", p.parent_command_line);
            r.insert("process.parent.args", args(p.parent_command_line));
            r.insert("process.parent.pid", 700);
            r.insert("user.name", "SYSTEM");
            r.insert("user.domain", "NT AUTHORITY");
            if let Some(name) = p.original_file_name {
                r.insert("process.pe.original_file_name", name);
            }
        }
        Format::Defender => {
            let action = match p.kind {
                Kind::ProcessStart => "ProcessCreated",
                Kind::Network => "ConnectionSuccess",
            };
            r.insert("ActionType", action);
            r.insert("FileName", basename(p.image));
            r.insert("FolderPath", p.image);
            r.insert("ProcessId", 4242);
            r.insert("ProcessCommandLine", p.command_line);
            r.insert("ProcessIntegrityLevel", "System");
            r.insert("AccountDomain", "nt authority");
            r.insert("AccountName", "system");
            r.insert("LogonId", 999);
            r.insert("ProcessVersionInfoCompanyName", "Microsoft Corporation");
            r.insert("InitiatingProcessFileName", basename(p.parent_image));
            r.insert("InitiatingProcessFolderPath", p.parent_image);
            r.insert("InitiatingProcessCommandLine", p.parent_command_line);
            r.insert("InitiatingProcessId", 700);
            if let Some(name) = p.original_file_name {
                r.insert("ProcessVersionInfoOriginalFileName", name);
            }
        }
        Format::SentinelOne => {
            let kind = match p.kind {
                Kind::ProcessStart => "Process Creation",
                Kind::Network => "IP Connect",
            };
            r.insert("event.type", kind);
            r.insert("endpoint.os", "windows");
            r.insert("tgt.process.image.path", p.image);
            r.insert("tgt.process.name", basename(p.image));
            r.insert("tgt.process.cmdline", p.command_line);
            r.insert("tgt.process.pid", 4242);
            r.insert("tgt.process.user", r"NT AUTHORITY\SYSTEM");
            r.insert("tgt.process.integrityLevel", "SYSTEM");
            r.insert("tgt.process.publisher", "MICROSOFT WINDOWS");
            r.insert("src.process.image.path", p.parent_image);
            r.insert("src.process.name", basename(p.parent_image));
            r.insert("src.process.cmdline", p.parent_command_line);
            r.insert("src.process.pid", 700);
        }
    }
    r
}
