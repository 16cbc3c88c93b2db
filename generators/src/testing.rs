//! Test support: complete canonical events built directly from the model, for the format tests,
//! hand-written fixtures and the benchmark. The simulator does not use it.
//!
//! Values are invented for detsim (hosts under `lab.example.org`, digests derived from names)
//! and taken from no real record.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::ids;
use crate::model::{
    Account, Binary, Guid, Host, HostRole, Integrity, Label, Logon, Origin, OsInfo, Parent,
    Process, ProcessEvent, SignerKind,
};

/// A workstation of the lab domain; `index` varies its name, ids and addresses.
pub fn host(index: u32) -> Arc<Host> {
    let seed = index.to_le_bytes();
    Arc::new(Host {
        fqdn: format!("WKS-{index:04}.lab.example.org"),
        domain: "LAB".to_string(),
        role: if index % 5 == 4 {
            HostRole::Server
        } else {
            HostRole::Workstation
        },
        machine_id: Guid(ids::bytes("testing-machine", &[&seed])),
        ip: [10, 20, (index >> 8) as u8, index as u8],
        mac: [0x02, 0x11, 0x22, 0x33, (index >> 8) as u8, index as u8],
        os: OsInfo {
            name: "Windows 11 Enterprise".to_string(),
            version: "23H2".to_string(),
            kernel: "10.0.22631.3880".to_string(),
        },
        sensor_pid: 2_104 + index * 4,
        sensor_tid: 3_320 + index * 4,
    })
}

/// A logon session of `domain\name` on a host.
pub fn logon(domain: &str, name: &str, sid: &str, id: u64, session: u32) -> Arc<Logon> {
    Arc::new(Logon {
        id,
        guid: Guid(ids::bytes(
            "testing-logon",
            &[name.as_bytes(), &id.to_le_bytes()],
        )),
        session,
        account: Arc::new(Account {
            domain: domain.to_string(),
            name: name.to_string(),
            sid: sid.to_string(),
        }),
    })
}

/// The SYSTEM logon (`0x3e7`, session 0).
pub fn system_logon() -> Arc<Logon> {
    logon("NT AUTHORITY", "SYSTEM", "S-1-5-18", 0x3e7, 0)
}

/// An interactive domain user's logon.
pub fn user_logon() -> Arc<Logon> {
    logon(
        "LAB",
        "r.osei",
        "S-1-5-21-3623811015-3361044348-30300820-1604",
        0x5a2c1,
        2,
    )
}

/// A file with a version resource and digests derived from `original_file_name`.
pub fn binary(original_file_name: &str, description: &str, signer_kind: SignerKind) -> Arc<Binary> {
    let name = original_file_name.as_bytes();
    let hex = |purpose: &str, length: usize| {
        let mut text = String::new();
        ids::push_hex(
            &mut text,
            &ids::bytes::<32>(purpose, &[name])[..length],
            false,
        );
        text
    };
    let (company, product, signer) = match signer_kind {
        SignerKind::OsVendor => (
            "Microsoft Corporation",
            "Microsoft® Windows® Operating System",
            "Microsoft Windows",
        ),
        SignerKind::ThirdParty => ("Contoso Tools Ltd", "Contoso Toolkit", "Contoso Tools Ltd"),
        SignerKind::Unsigned => ("", "", ""),
    };
    Arc::new(Binary {
        original_file_name: original_file_name.to_string(),
        internal_name: original_file_name.trim_end_matches(".exe").to_string(),
        description: description.to_string(),
        product: product.to_string(),
        company: company.to_string(),
        file_version: if company.is_empty() {
            String::new()
        } else {
            "10.0.22631.3880 (WinBuild.160101.0800)".into()
        },
        product_version: if company.is_empty() {
            String::new()
        } else {
            "10.0.22631.3880".into()
        },
        md5: hex("testing-md5", 16),
        sha1: hex("testing-sha1", 20),
        sha256: hex("testing-sha256", 32),
        imphash: hex("testing-imphash", 16),
        size: 10_000 + u64::from(name.iter().map(|b| u32::from(*b)).sum::<u32>()) * 97,
        signer: signer.to_string(),
        signer_kind,
    })
}

/// A file with no version resource and no signature, as an attacker's tool would be.
pub fn unknown_binary(tag: &str) -> Arc<Binary> {
    let mut binary = (*binary(tag, "", SignerKind::Unsigned)).clone();
    binary.original_file_name.clear();
    binary.internal_name.clear();
    Arc::new(binary)
}

/// A process started at `start`; its GUID is derived from the host and pid.
#[allow(clippy::too_many_arguments)]
pub fn process(
    host: &Host,
    pid: u32,
    image: &str,
    command_line: &str,
    cwd: &str,
    logon: Arc<Logon>,
    integrity: Integrity,
    binary: Arc<Binary>,
    start: DateTime<Utc>,
) -> Arc<Process> {
    let mut guid = ids::bytes::<16>("testing-process", &[&host.machine_id.0, &pid.to_le_bytes()]);
    guid[..4].copy_from_slice(&host.machine_id.0[..4]);
    Arc::new(Process {
        guid: Guid(guid),
        pid,
        image: image.to_string(),
        command_line: command_line.to_string(),
        cwd: cwd.to_string(),
        logon,
        integrity,
        binary,
        start,
    })
}

/// 2026-03-02 09:15:00 UTC plus `offset`.
pub fn time(offset: Duration) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 15, 0)
        .single()
        .unwrap_or_default()
        + offset
}

/// A typical chain on host 7: `explorer.exe` (grandparent) starts `cmd.exe` (parent), which
/// starts `whoami.exe /all` as a medium-integrity domain user.
pub fn event() -> ProcessEvent {
    let host = host(7);
    let user = user_logon();
    let os = |name: &str, description: &str| binary(name, description, SignerKind::OsVendor);
    let explorer = process(
        &host,
        5_112,
        r"C:\Windows\explorer.exe",
        r"C:\Windows\Explorer.EXE",
        r"C:\Windows\system32\",
        user.clone(),
        Integrity::Medium,
        os("EXPLORER.EXE", "Windows Explorer"),
        time(-Duration::minutes(47) + Duration::nanoseconds(123_456_700)),
    );
    let cmd = process(
        &host,
        8_836,
        r"C:\Windows\System32\cmd.exe",
        r#""C:\Windows\system32\cmd.exe" "#,
        r"C:\Users\r.osei\",
        user.clone(),
        Integrity::Medium,
        os("Cmd.Exe", "Windows Command Processor"),
        time(-Duration::seconds(95) + Duration::nanoseconds(402_881_300)),
    );
    let whoami = process(
        &host,
        10_244,
        r"C:\Windows\System32\whoami.exe",
        "whoami  /all",
        r"C:\Users\r.osei\",
        user,
        Integrity::Medium,
        os("whoami.exe", "whoami - displays logged on user information"),
        time(Duration::nanoseconds(250_118_900)),
    );
    ProcessEvent {
        seq: 0,
        time: time(Duration::nanoseconds(262_504_300)),
        host,
        record_id: 4_211,
        process: whoami,
        parent: Parent::Known { process: cmd },
        grandparent: Some(explorer),
        label: label(),
    }
}

/// The same event with its parent unattributed (only the pid known) and no grandparent.
pub fn event_with_unknown_parent() -> ProcessEvent {
    let mut event = event();
    event.parent = Parent::Unknown { pid: 8_836 };
    event.grandparent = None;
    event
}

fn label() -> Arc<Label> {
    Arc::new(Label {
        scenario: "testing".to_string(),
        origin: Origin::Noise {
            profile: "testing".to_string(),
            activity: "whoami".to_string(),
        },
        malicious: false,
        techniques: Vec::new(),
        expect: Vec::new(),
    })
}

/// The `n`th event of a varied synthetic stream (see [`Fleet`]).
pub fn varied_event(n: u64) -> ProcessEvent {
    Fleet::new(16).event(n)
}

/// A small simulated fleet producing varied events that share hosts, files, logons and parent
/// processes through `Arc`s, as the simulator's events do: 16 hosts, several images and
/// command-line lengths, SYSTEM and user logons, unsigned tools, unknown parents.
pub struct Fleet {
    hosts: Vec<Arc<Host>>,
    binaries: Vec<Arc<Binary>>,
    logons: [Arc<Logon>; 2],
    /// Per host: a parent (cmd.exe, grandparent explorer.exe) and its grandparent.
    parents: Vec<(Arc<Process>, Arc<Process>)>,
    label: Arc<Label>,
}

/// Images the fleet starts: path, original file name, description.
const IMAGES: [(&str, &str, &str); 6] = [
    (
        r"C:\Windows\System32\svchost.exe",
        "svchost.exe",
        "Host Process for Windows Services",
    ),
    (
        r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
        "PowerShell.EXE",
        "Windows PowerShell",
    ),
    (
        r"C:\Windows\System32\conhost.exe",
        "CONHOST.EXE",
        "Console Window Host",
    ),
    (
        r"C:\Program Files (x86)\Contoso\agent.exe",
        "agent.exe",
        "Contoso Agent",
    ),
    (r"C:\Users\Public\Downloads\tool.exe", "", ""),
    (
        r"C:\Windows\System32\rundll32.exe",
        "RUNDLL32.EXE",
        "Windows host process (Rundll32)",
    ),
];

impl Fleet {
    pub fn new(host_count: u32) -> Fleet {
        let hosts: Vec<Arc<Host>> = (0..host_count.max(1)).map(host).collect();
        let binaries = IMAGES
            .iter()
            .enumerate()
            .map(|(index, (_, original, description))| match index {
                3 => binary(original, description, SignerKind::ThirdParty),
                4 => unknown_binary("tool"),
                _ => binary(original, description, SignerKind::OsVendor),
            })
            .collect();
        let template = event();
        let parents = hosts
            .iter()
            .map(|host| {
                let rehost = |process: &Process| {
                    let mut process = process.clone();
                    process.guid.0[..4].copy_from_slice(&host.machine_id.0[..4]);
                    Arc::new(process)
                };
                let parent = template
                    .parent
                    .process()
                    .map_or_else(|| template.process.clone(), |p| p.clone());
                let grandparent = template
                    .grandparent
                    .clone()
                    .unwrap_or_else(|| parent.clone());
                (rehost(&parent), rehost(&grandparent))
            })
            .collect();
        Fleet {
            hosts,
            binaries,
            logons: [system_logon(), user_logon()],
            parents,
            label: label(),
        }
    }

    /// The `n`th event: a new process with its own command line, on host `n % hosts`.
    pub fn event(&self, n: u64) -> ProcessEvent {
        let slot = (n % self.hosts.len() as u64) as usize;
        let host = self.hosts[slot].clone();
        let kind = (n % 6) as usize;
        let (image, _, _) = IMAGES[kind];
        let system = n.is_multiple_of(3);
        let logon = self.logons[usize::from(!system)].clone();
        let integrity = if system {
            Integrity::System
        } else {
            Integrity::Medium
        };
        let arguments = " -k netsvcs -p -s Schedule".repeat(1 + (n % 7) as usize);
        let command_line = format!("\"{image}\"{arguments} /id {n}");
        let start = time(
            Duration::milliseconds(n as i64 * 37) + Duration::nanoseconds((n % 9_999) as i64 * 100),
        );
        let pid = 1_000 + ((n * 4) % 60_000) as u32;
        let binary = self.binaries[kind].clone();
        let process = process(
            &host,
            pid,
            image,
            &command_line,
            r"C:\Windows\system32\",
            logon,
            integrity,
            binary,
            start,
        );
        let (parent, grandparent) = &self.parents[slot];
        let (parent, grandparent) = if n % 20 == 19 {
            (
                Parent::Unknown {
                    pid: 4 + (n % 1_000) as u32 * 4,
                },
                None,
            )
        } else {
            (
                Parent::Known {
                    process: parent.clone(),
                },
                Some(grandparent.clone()),
            )
        };
        ProcessEvent {
            seq: n,
            time: start + Duration::microseconds(1_250),
            host,
            record_id: n + 1,
            process,
            parent,
            grandparent,
            label: self.label.clone(),
        }
    }
}
