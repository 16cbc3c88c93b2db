//! The canonical process-creation event: the one internal form every vendor renderer reads.
//!
//! The simulator builds [`ProcessEvent`]s; each format module renders them into the record a
//! product would write. The model holds facts about processes, hosts and accounts, never a
//! product's spelling of them: casing of GUIDs and hashes, timestamp precision or how a user name
//! is split are decisions of the renderers.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// A 128-bit identifier (process GUID, logon GUID) kept as raw bytes.
///
/// `Display` gives the neutral form `0197231E-7EB9-6A1E-0C03-000000001100`: upper case, hyphens,
/// no braces. Renderers add braces or change case where their product does.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// The all-zero GUID, which Sysmon writes for a parent it could not attribute.
    pub const NIL: Guid = Guid([0; 16]);

    /// Formats the GUID in upper or lower case, with or without braces.
    pub fn to_text(&self, upper: bool, braces: bool) -> String {
        let mut out = String::with_capacity(38);
        if braces {
            out.push('{');
        }
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                out.push('-');
            }
            push_hex_byte(&mut out, *byte, upper);
        }
        if braces {
            out.push('}');
        }
        out
    }

    /// Parses `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`, with or without braces, in any case.
    pub fn parse(text: &str) -> Option<Guid> {
        let inner = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        if inner.len() != 36 {
            return None;
        }
        let mut bytes = [0u8; 16];
        let mut nibbles = inner.bytes().filter(|b| *b != b'-');
        for byte in &mut bytes {
            let hi = hex_value(nibbles.next()?)?;
            let lo = hex_value(nibbles.next()?)?;
            *byte = (hi << 4) | lo;
        }
        if nibbles.next().is_some() || inner.bytes().filter(|b| *b == b'-').count() != 4 {
            return None;
        }
        Some(Guid(bytes))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text(true, false))
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({self})")
    }
}

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Appends a byte as two hex digits.
pub fn push_hex_byte(out: &mut String, byte: u8, upper: bool) {
    let digits = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    out.push(digits[(byte >> 4) as usize] as char);
    out.push(digits[(byte & 0xf) as usize] as char);
}

/// Formats bytes as hex text.
pub fn hex(bytes: &[u8], upper: bool) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        push_hex_byte(&mut out, *byte, upper);
    }
    out
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Windows mandatory integrity level of a process token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Integrity {
    Untrusted,
    Low,
    Medium,
    High,
    System,
}

impl Integrity {
    /// The level's name with an initial capital, as Windows' own tools spell it (`Medium`).
    pub fn name(self) -> &'static str {
        match self {
            Integrity::Untrusted => "Untrusted",
            Integrity::Low => "Low",
            Integrity::Medium => "Medium",
            Integrity::High => "High",
            Integrity::System => "System",
        }
    }

    /// The mandatory-label SID of the level (`S-1-16-8192` for medium).
    pub fn sid(self) -> &'static str {
        match self {
            Integrity::Untrusted => "S-1-16-0",
            Integrity::Low => "S-1-16-4096",
            Integrity::Medium => "S-1-16-8192",
            Integrity::High => "S-1-16-12288",
            Integrity::System => "S-1-16-16384",
        }
    }
}

/// A Windows security principal: `domain\name` plus its SID.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Account {
    /// NetBIOS domain or authority, as Windows spells it (`NT AUTHORITY`, `CORP`).
    pub domain: String,
    /// Account name (`SYSTEM`, `alice`).
    pub name: String,
    /// Security identifier.
    pub sid: String,
}

impl Account {
    /// `DOMAIN\name`, the form Sysmon writes.
    pub fn qualified(&self) -> String {
        format!("{}\\{}", self.domain, self.name)
    }

    /// Whether this is one of the built-in service accounts (`S-1-5-18`, `-19`, `-20`).
    pub fn is_builtin_service(&self) -> bool {
        matches!(self.sid.as_str(), "S-1-5-18" | "S-1-5-19" | "S-1-5-20")
    }
}

/// One logon session of an account on a host; every process of that logon shares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Logon {
    /// The logon id (LUID), e.g. `0x3e7` = 999 for SYSTEM.
    pub id: u64,
    /// Sysmon's LogonGuid for this logon.
    pub guid: Guid,
    /// Terminal-services session id (0 for services).
    pub session: u32,
    pub account: Arc<Account>,
}

/// What the file on disk says about itself: PE version resource, hashes, signature.
///
/// A renamed binary keeps its `Binary` while its image path changes, which is what evasion
/// tests rely on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Binary {
    /// File name from the PE version resource, spelled as the vendor spelled it (`Cmd.Exe`).
    pub original_file_name: String,
    pub internal_name: String,
    pub description: String,
    pub product: String,
    pub company: String,
    /// File version as the resource gives it (`10.0.22621.2506 (WinBuild.160101.0800)`).
    pub file_version: String,
    /// Product version (`10.0.22621.2506`).
    pub product_version: String,
    /// Lower-case hex digests of the file.
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
    pub imphash: String,
    pub size: u64,
    /// Subject of the Authenticode signature (`Microsoft Windows`), empty when unsigned.
    pub signer: String,
    pub signer_kind: SignerKind,
}

/// Who signed a binary, in the coarse classes EDRs report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignerKind {
    /// Signed by the operating-system vendor.
    OsVendor,
    /// Signed by another publisher.
    ThirdParty,
    Unsigned,
}

/// A process as it exists on a host: created once, possibly parent of others.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Process {
    pub guid: Guid,
    /// Process id; a multiple of 4, unique on its host while the process lives.
    pub pid: u32,
    /// Full path of the image as the kernel reports it (`C:\Windows\System32\cmd.exe`).
    pub image: String,
    pub command_line: String,
    /// Working directory, with the trailing backslash Windows keeps.
    pub cwd: String,
    pub logon: Arc<Logon>,
    pub integrity: Integrity,
    pub binary: Arc<Binary>,
    /// Creation time of the process.
    pub start: DateTime<Utc>,
}

impl Process {
    /// The account the process runs as.
    pub fn account(&self) -> &Account {
        &self.logon.account
    }

    /// The file-name part of the image path (`cmd.exe`), in the path's own case.
    pub fn name(&self) -> &str {
        file_name(&self.image)
    }
}

/// The last component of a Windows path.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// The creating process as the sensor saw it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Parent {
    /// The sensor knows the parent and reports its details.
    Known { process: Arc<Process> },
    /// The sensor could not attribute the parent (it exited, or started before the sensor):
    /// only the pid is known. Sysmon then writes `-` for the parent's image and command line.
    Unknown { pid: u32 },
}

impl Parent {
    pub fn process(&self) -> Option<&Arc<Process>> {
        match self {
            Parent::Known { process } => Some(process),
            Parent::Unknown { .. } => None,
        }
    }

    pub fn pid(&self) -> u32 {
        match self {
            Parent::Known { process } => process.pid,
            Parent::Unknown { pid } => *pid,
        }
    }
}

/// The role a host plays, which decides its noise and its OS edition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostRole {
    Workstation,
    Server,
    DomainController,
}

/// A simulated Windows machine with a stable identity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Host {
    /// Fully qualified DNS name (`WS-0042.corp.example.com`).
    pub fqdn: String,
    /// NetBIOS domain of the machine (`CORP`).
    pub domain: String,
    pub role: HostRole,
    /// Stable machine identifier; per-product ids (Defender DeviceId, Elastic agent id, ...) are
    /// derived from it by the renderers.
    pub machine_id: Guid,
    pub ip: [u8; 4],
    pub mac: [u8; 6],
    pub os: OsInfo,
    /// Pid of the sensor service (Sysmon writes it in `Execution/@ProcessID`).
    pub sensor_pid: u32,
    pub sensor_tid: u32,
}

impl Host {
    /// The first label of the FQDN (`WS-0042`).
    pub fn short_name(&self) -> &str {
        self.fqdn.split('.').next().unwrap_or(&self.fqdn)
    }
}

/// Operating-system identity of a host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OsInfo {
    /// Product name (`Windows 11 Enterprise`, `Windows Server 2022 Datacenter`).
    pub name: String,
    /// Marketing version (`23H2`, `21H2`).
    pub version: String,
    /// Kernel version with build (`10.0.22631.4460`).
    pub kernel: String,
}

/// What a rule is expected to do with an event.
///
/// `Alert` and `Quiet` are the rule working as intended. `Missed` and `FalsePositive` record a
/// known gap truthfully: the rule stays quiet on an event it is meant to catch, or fires on one
/// it is not, and the test suite expects exactly that, while the metrics count it as a false
/// negative or a false positive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Alert,
    Quiet,
    Missed,
    FalsePositive,
}

impl Verdict {
    /// Whether the rule is expected to fire.
    pub fn fires(self) -> bool {
        matches!(self, Verdict::Alert | Verdict::FalsePositive)
    }

    /// Whether the event is one the rule is meant to catch.
    pub fn is_positive(self) -> bool {
        matches!(self, Verdict::Alert | Verdict::Missed)
    }

    /// The word scenario files use.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Alert => "alert",
            Verdict::Quiet => "quiet",
            Verdict::Missed => "missed",
            Verdict::FalsePositive => "false-positive",
        }
    }
}

/// Rule language an expectation may be narrowed to.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Sigma,
    Eql,
}

/// One expected outcome for one rule, optionally narrowed to a format or a rule language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// Rule key (file name without extension) or rule id.
    pub rule: String,
    pub verdict: Verdict,
    /// Only for this format (`sysmon`, `ecs`, ...); all formats when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Only for rules of this language; both when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Why the rule behaves this way, for the reader of a report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Where an event came from in its scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// A step of the scenario's chain, by step id.
    Step { step: String },
    /// Benign background activity from a noise profile.
    Noise { profile: String, activity: String },
}

/// The ground truth attached to every event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    pub scenario: String,
    #[serde(flatten)]
    pub origin: Origin,
    pub malicious: bool,
    pub techniques: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<Expectation>,
}

/// One process creation, as every sensor would observe it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProcessEvent {
    /// Position of the event in its timeline, from 0.
    pub seq: u64,
    /// Time the sensor logged the creation (a little after `process.start`).
    pub time: DateTime<Utc>,
    #[serde(serialize_with = "serialize_host_name")]
    pub host: Arc<Host>,
    /// Per-host counter of sensor records, from 1 (Sysmon `EventRecordID`, Defender `ReportId`).
    pub record_id: u64,
    pub process: Arc<Process>,
    pub parent: Parent,
    /// The parent's parent, when it is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grandparent: Option<Arc<Process>>,
    pub label: Arc<Label>,
}

fn serialize_host_name<S: Serializer>(host: &Arc<Host>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&host.fqdn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_text_forms_round_trip() {
        let guid = Guid([
            0x01, 0x97, 0x23, 0x1e, 0x7e, 0xb9, 0x6a, 0x1e, 0x0c, 0x03, 0, 0, 0, 0, 0x11, 0,
        ]);
        assert_eq!(guid.to_string(), "0197231E-7EB9-6A1E-0C03-000000001100");
        assert_eq!(
            guid.to_text(false, true),
            "{0197231e-7eb9-6a1e-0c03-000000001100}"
        );
        assert_eq!(Guid::parse(&guid.to_text(false, true)), Some(guid));
        assert_eq!(Guid::parse(&guid.to_string()), Some(guid));
        assert_eq!(Guid::parse("0197231E7EB96A1E0C03000000001100"), None);
        assert_eq!(Guid::parse("{0197231E-7EB9-6A1E-0C03-00000000110Z}"), None);
    }

    #[test]
    fn file_name_takes_last_component() {
        assert_eq!(file_name(r"C:\Windows\System32\cmd.exe"), "cmd.exe");
        assert_eq!(file_name("cmd.exe"), "cmd.exe");
        assert_eq!(file_name(""), "");
    }
}
