//! The state of one simulated host: identity, process ids in use, logon sessions, the processes
//! running before the timeline starts, and the counters behind GUIDs and record ids.

use std::collections::HashMap;
use std::sync::Arc;

use detsim_generators::model::{
    Account, Binary, Guid, Host, HostRole, Integrity, Logon, OsInfo, Process,
};
use rand::Rng as _;

use crate::catalogue::Catalogue;
use crate::noise::{AccountKind, Fill, Profile};
use crate::scenario::{HostSpec, UserSpec};
use crate::seed::{self, Rng};

/// Process ids are multiples of 4, first drawn below 4 × this bound; the space grows when a
/// host runs more processes at once.
const PID_SLOTS: usize = 16_384;
/// Nanoseconds per second.
pub const SECOND: i64 = 1_000_000_000;

/// A process together with its ancestry, as far as it is known.
#[derive(Debug)]
pub struct Node {
    pub process: Arc<Process>,
    pub parent: Option<Arc<Node>>,
}

/// Everything about a new process but its ids and time.
pub struct ProcessSpec {
    pub image: String,
    pub command_line: String,
    pub cwd: String,
    pub logon: Arc<Logon>,
    pub integrity: Integrity,
    pub binary: Arc<Binary>,
}

/// Which logon session a process belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogonKey {
    System,
    LocalService,
    NetworkService,
    Dwm,
    Umfd,
    /// A scenario user, by index.
    User(usize),
}

/// Everything that must stay consistent across the events of one host.
pub struct HostState {
    pub host: Arc<Host>,
    pub boot: i64,
    pub rng: Rng,
    /// For each pid slot, the time until which it is taken (exclusive); `i64::MAX` = forever.
    busy_until: Vec<i64>,
    guid_counter: u32,
    pub record_id: u64,
    pub last_time: i64,
    users: Vec<Account>,
    /// Index of the user logged on interactively (the first scenario user).
    pub interactive: usize,
    logons: HashMap<LogonKey, Arc<Logon>>,
    /// Processes running when the timeline starts, by baseline id, then by file name.
    pub baseline: HashMap<String, Arc<Node>>,
    by_name: HashMap<String, Arc<Node>>,
}

impl HostState {
    pub fn new(spec: &HostSpec, users: &[UserSpec], start: i64, seed: u64) -> HostState {
        let mut rng = seed::rng(seed, &["host", &spec.fqdn.to_ascii_lowercase()]);
        let machine_id = Guid(rng.random());
        let ip = spec.ip.unwrap_or_else(|| {
            [
                10,
                rng.random_range(1..250),
                rng.random_range(0..255),
                rng.random_range(10..250),
            ]
        });
        let mut mac = [0x00, 0x15, 0x5d, 0, 0, 0];
        rng.fill(&mut mac[3..]);
        let (os, uptime) = match spec.role {
            HostRole::Workstation => (
                OsInfo {
                    name: "Windows 11 Enterprise".into(),
                    version: "23H2".into(),
                    kernel: "10.0.22631.4460".into(),
                },
                rng.random_range(3_600..36_000),
            ),
            HostRole::Server | HostRole::DomainController => (
                OsInfo {
                    name: "Windows Server 2022 Datacenter".into(),
                    version: "21H2".into(),
                    kernel: "10.0.20348.2849".into(),
                },
                rng.random_range(2 * 86_400..30 * 86_400),
            ),
        };
        let host = Host {
            fqdn: spec.fqdn.clone(),
            domain: crate::scenario::netbios_domain(&spec.fqdn),
            role: spec.role,
            machine_id,
            ip,
            mac,
            os,
            sensor_pid: 4 * rng.random_range(500..1_500),
            sensor_tid: 4 * rng.random_range(1_000..3_000),
        };
        let mut state = HostState {
            host: Arc::new(host),
            boot: start - uptime * SECOND,
            rng,
            busy_until: vec![i64::MIN; PID_SLOTS],
            guid_counter: 0,
            record_id: 0,
            last_time: i64::MIN,
            users: users.iter().map(|u| u.account.clone()).collect(),
            interactive: 0,
            logons: HashMap::new(),
            baseline: HashMap::new(),
            by_name: HashMap::new(),
        };
        // Pids of the System and Registry processes and of the sensor are never handed out.
        state.busy_until[1] = i64::MAX;
        state.busy_until[(state.host.sensor_pid / 4) as usize] = i64::MAX;
        state
    }

    /// A free pid for a process living over `[start, end)`, marked taken until `end`.
    ///
    /// A pid is only handed out when every earlier holder has exited before `start`, so pids are
    /// never shared by two live processes whatever order the streams allocate in.
    pub fn allocate_pid(&mut self, start: i64, end: i64) -> u32 {
        let slots = self.busy_until.len();
        for _ in 0..64 {
            let slot = self.rng.random_range(32..slots);
            if self.busy_until[slot] < start {
                self.busy_until[slot] = end;
                return (slot * 4) as u32;
            }
        }
        // A crowded host: the first free slot, or a larger pid space when every one is taken
        // (Windows hands out larger pids as more processes run).
        let slot = match (32..slots).find(|&s| self.busy_until[s] < start) {
            Some(slot) => slot,
            None => {
                self.busy_until.resize(slots * 2, i64::MIN);
                slots
            }
        };
        self.busy_until[slot] = end;
        (slot * 4) as u32
    }

    /// A Sysmon-style GUID: machine part, creation time in seconds, then a per-host counter.
    pub fn process_guid(&mut self, start: i64) -> Guid {
        self.guid_counter = self.guid_counter.wrapping_add(1);
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&self.host.machine_id.0[..4]);
        let seconds = (start.div_euclid(SECOND)) as u32;
        bytes[4..6].copy_from_slice(&(seconds as u16).to_be_bytes());
        bytes[6..8].copy_from_slice(&((seconds >> 16) as u16).to_be_bytes());
        bytes[8..12].copy_from_slice(&self.guid_counter.to_le_bytes());
        bytes[14] = 0x11;
        Guid(bytes)
    }

    /// The logon session for a key, created on first use.
    pub fn logon(&mut self, key: LogonKey) -> Arc<Logon> {
        if let Some(logon) = self.logons.get(&key) {
            return logon.clone();
        }
        let server = self.host.role != HostRole::Workstation;
        let (id, session, account): (u64, u32, Account) = match key {
            LogonKey::System => (0x3e7, 0, builtin("NT AUTHORITY", "SYSTEM", "S-1-5-18")),
            LogonKey::LocalService => (
                0x3e5,
                0,
                builtin("NT AUTHORITY", "LOCAL SERVICE", "S-1-5-19"),
            ),
            LogonKey::NetworkService => (
                0x3e4,
                0,
                builtin("NT AUTHORITY", "NETWORK SERVICE", "S-1-5-20"),
            ),
            LogonKey::Dwm => (
                self.rng.random_range(0x8000..0xffff),
                1,
                builtin("Window Manager", "DWM-1", "S-1-5-90-0-1"),
            ),
            LogonKey::Umfd => (
                self.rng.random_range(0x8000..0xffff),
                1,
                builtin("Font Driver Host", "UMFD-1", "S-1-5-96-0-1"),
            ),
            LogonKey::User(index) => (
                self.rng.random_range(0x1_0000..0x40_0000),
                index as u32 + if server { 2 } else { 1 },
                self.users[index].clone(),
            ),
        };
        let logon_time = self.boot + self.rng.random_range(5..600) * SECOND;
        let mut guid = [0u8; 16];
        guid[..4].copy_from_slice(&self.host.machine_id.0[..4]);
        let seconds = logon_time.div_euclid(SECOND) as u32;
        guid[4..6].copy_from_slice(&(seconds as u16).to_be_bytes());
        guid[6..8].copy_from_slice(&((seconds >> 16) as u16).to_be_bytes());
        guid[8..16].copy_from_slice(&id.to_le_bytes());
        let logon = Arc::new(Logon {
            id,
            guid: Guid(guid),
            session,
            account: Arc::new(account),
        });
        self.logons.insert(key, logon.clone());
        logon
    }

    /// The logon a noise account kind stands for.
    pub fn logon_for(&mut self, kind: AccountKind, parent: Option<&Arc<Logon>>) -> Arc<Logon> {
        match kind {
            AccountKind::System => self.logon(LogonKey::System),
            AccountKind::LocalService => self.logon(LogonKey::LocalService),
            AccountKind::NetworkService => self.logon(LogonKey::NetworkService),
            AccountKind::Dwm => self.logon(LogonKey::Dwm),
            AccountKind::Umfd => self.logon(LogonKey::Umfd),
            AccountKind::User => self.logon(LogonKey::User(self.interactive)),
            AccountKind::Inherit => match parent {
                Some(logon) => logon.clone(),
                None => self.logon(LogonKey::System),
            },
        }
    }

    /// User name and host name for placeholder filling.
    pub fn fill(&self) -> (String, String) {
        (
            self.users[self.interactive].name.clone(),
            self.host.short_name().to_string(),
        )
    }

    /// Starts the profile's baseline: processes running since boot, in list order.
    pub fn start_baseline(&mut self, profile: &Profile) {
        let (user, host) = self.fill();
        let fill = Fill {
            user: &user,
            host: &host,
        };
        let mut nodes: Vec<Arc<Node>> = Vec::new();
        let mut time = self.boot + SECOND;
        for item in &profile.baseline {
            time += self.rng.random_range(SECOND / 20..3 * SECOND);
            let parent = item.parent.map(|i| nodes[i].clone());
            let logon = self.logon_for(item.account, parent.as_ref().map(|p| &p.process.logon));
            let image = item.image.render(&fill, &mut self.rng);
            let command_line = item.command_line.render(&fill, &mut self.rng);
            let cwd = match &item.cwd {
                Some(cwd) => cwd.render(&fill, &mut self.rng),
                None => default_cwd(&logon),
            };
            let spec = ProcessSpec {
                image,
                command_line,
                cwd,
                logon,
                integrity: item.integrity,
                binary: item.binary.clone(),
            };
            let node = self.start_running(spec, parent, time);
            self.by_name
                .entry(crate::catalogue::file_name_key(node.process.name()))
                .or_insert_with(|| node.clone());
            self.baseline.insert(item.id.clone(), node.clone());
            nodes.push(node);
        }
    }

    /// A baseline process by file name, if the host runs one.
    pub fn baseline_process(&self, name: &str) -> Option<Arc<Node>> {
        self.by_name
            .get(&crate::catalogue::file_name_key(name))
            .cloned()
    }

    /// A running process by file name: from the baseline, or started from the catalogue.
    pub fn running(&mut self, name: &str, catalogue: &Catalogue) -> Arc<Node> {
        let key = crate::catalogue::file_name_key(name);
        if let Some(node) = self.by_name.get(&key) {
            return node.clone();
        }
        let entry = catalogue
            .get(name)
            .expect("checked when the scenario loaded");
        let logon = self.logon_for(entry.account.into(), None);
        let (user, host) = self.fill();
        let fill = Fill {
            user: &user,
            host: &host,
        };
        let render = |text: &str, rng: &mut Rng| {
            crate::noise::Pattern::compile(text)
                .map(|p| p.render(&fill, rng))
                .unwrap_or_else(|_| text.to_string())
        };
        let image = render(&entry.path, &mut self.rng);
        let command_line = render(&entry.command_line, &mut self.rng);
        let cwd = entry
            .cwd
            .as_deref()
            .map(|c| render(c, &mut self.rng))
            .unwrap_or_else(|| default_cwd(&logon));
        let integrity = typical_integrity(entry.integrity, &logon);
        let time = self.boot + self.rng.random_range(60..3_600) * SECOND;
        let binary = catalogue.binary(name).expect("checked above");
        let spec = ProcessSpec {
            image,
            command_line,
            cwd,
            logon,
            integrity,
            binary,
        };
        let node = self.start_running(spec, None, time);
        self.by_name.insert(key, node.clone());
        node
    }

    /// Creates a process that lives for the whole timeline.
    pub fn start_running(
        &mut self,
        spec: ProcessSpec,
        parent: Option<Arc<Node>>,
        start: i64,
    ) -> Arc<Node> {
        let process = self.create(spec, start, i64::MAX);
        Arc::new(Node {
            process: Arc::new(process),
            parent,
        })
    }

    /// Creates a process living over `[start, end)`: a free pid for that span, a GUID, and the
    /// start time in 100 ns ticks.
    pub fn create(&mut self, spec: ProcessSpec, start: i64, end: i64) -> Process {
        let start = start - start.rem_euclid(100);
        Process {
            guid: self.process_guid(start),
            pid: self.allocate_pid(start, end),
            image: spec.image,
            command_line: spec.command_line,
            cwd: spec.cwd,
            logon: spec.logon,
            integrity: spec.integrity,
            binary: spec.binary,
            start: to_datetime(start),
        }
    }
}

fn builtin(domain: &str, name: &str, sid: &str) -> Account {
    Account {
        domain: domain.into(),
        name: name.into(),
        sid: sid.into(),
    }
}

/// The working directory Windows gives a process by default: the user's profile for users,
/// `C:\Windows\system32\` for services.
pub fn default_cwd(logon: &Logon) -> String {
    if is_service_logon(logon) {
        r"C:\Windows\system32\".to_string()
    } else {
        format!(r"C:\Users\{}\", logon.account.name)
    }
}

fn is_service_logon(logon: &Logon) -> bool {
    logon.session == 0
        || logon.account.sid.starts_with("S-1-5-90-")
        || logon.account.sid.starts_with("S-1-5-96-")
}

/// The catalogue's usual integrity, adjusted to the account: user processes run at medium
/// unless the catalogue says lower, service accounts at system.
pub fn typical_integrity(typical: Integrity, logon: &Logon) -> Integrity {
    if is_service_logon(logon) {
        Integrity::System
    } else if matches!(typical, Integrity::Low | Integrity::Untrusted) {
        typical
    } else {
        Integrity::Medium
    }
}

/// Nanoseconds since the epoch to a UTC time.
pub fn to_datetime(nanos: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_nanos(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use detsim_generators::model::HostRole;

    fn host() -> HostState {
        let spec = HostSpec {
            id: "h".into(),
            fqdn: "H.corp.example.com".into(),
            role: HostRole::Workstation,
            ip: None,
        };
        HostState::new(&spec, &[], 0, 1)
    }

    #[test]
    fn pids_are_never_shared_by_live_processes_even_on_a_crowded_host() {
        let mut host = host();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..40_000 {
            let pid = host.allocate_pid(10, i64::MAX);
            assert_eq!(pid % 4, 0);
            assert!(seen.insert(pid), "pid {pid} handed out twice while alive");
        }
        // Once a process has exited, its pid may be used again.
        let mut host = self::host();
        let first = host.allocate_pid(0, 5);
        let reused = (0..100_000)
            .map(|_| host.allocate_pid(10, 11))
            .any(|pid| pid == first);
        assert!(reused);
    }
}
