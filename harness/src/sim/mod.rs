//! The simulator: turns a [`Scenario`] into a timeline of canonical process-creation events.
//!
//! Each host keeps its own state (pids, logons, GUID counters, baseline processes). The chain's
//! steps are built up front, since there are few of them; noise is generated lazily, one
//! activity at a time, by [`noise::NoiseStream`]s. The timeline repeatedly emits the earliest
//! pending event of any source, so events come out in time order, strictly increasing per host,
//! with memory bounded by the activities in flight rather than by the number of events.

mod chain;
pub mod host;
mod noise;

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::sync::Arc;

use detsim_generators::model::{Host, Label, Parent, Process, ProcessEvent};
use rand::Rng as _;

use crate::catalogue::Catalogue;
use crate::scenario::Scenario;
use crate::seed;
use host::{HostState, SECOND, to_datetime};
use noise::NoiseStream;

/// An event waiting to be emitted; `time` is when the sensor logs it.
pub struct Pending {
    pub time: i64,
    pub process: Arc<Process>,
    pub parent: Parent,
    pub grandparent: Option<Arc<Process>>,
    pub label: Arc<Label>,
}

/// A pending event in a priority queue, ordered by time, then by creation order.
pub struct Queued {
    pub time: i64,
    pub order: u64,
    pub event: Pending,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.order).cmp(&(other.time, other.order))
    }
}

/// The events of one scenario, in time order.
pub struct Timeline {
    hosts: Vec<HostState>,
    /// Chain events per host, in time order.
    chain: Vec<VecDeque<Pending>>,
    noise: Vec<NoiseStream>,
    seq: u64,
}

/// Where the next event comes from.
#[derive(Clone, Copy)]
enum Source {
    Chain(usize),
    Noise(usize),
}

impl Timeline {
    /// Prepares the timeline of a scenario; the same scenario and seed give the same events.
    pub fn new(scenario: &Scenario, seed: u64) -> Timeline {
        let catalogue = Catalogue::builtin();
        let start = scenario.start.timestamp_nanos_opt().unwrap_or(0);
        let mut hosts: Vec<HostState> = scenario
            .hosts
            .iter()
            .map(|spec| HostState::new(spec, &scenario.users, start, seed))
            .collect();
        for (index, host) in hosts.iter_mut().enumerate() {
            let profile_name = scenario
                .noise
                .iter()
                .find(|n| n.host == index)
                .map(|n| n.profile.as_str())
                .unwrap_or(role_profile(host.host.role));
            let profile = crate::noise::profile(profile_name).expect("built-in profile");
            host.start_baseline(profile);
        }

        let span = scenario
            .noise
            .iter()
            .map(NoiseStream::span)
            .max()
            .unwrap_or(0);
        let mut rng = seed::rng(seed, &["anchor", &scenario.name]);
        let anchor = if span > 0 {
            start + (span as f64 * rng.random_range(0.1..0.6)) as i64
        } else {
            start + SECOND
        };
        let mut chain: Vec<VecDeque<Pending>> = (0..hosts.len()).map(|_| VecDeque::new()).collect();
        let mut events = chain::materialise(scenario, &mut hosts, anchor, catalogue);
        events.sort_by_key(|(_, pending)| pending.time);
        for (host, pending) in events {
            chain[host].push_back(pending);
        }

        let noise = scenario
            .noise
            .iter()
            .enumerate()
            .map(|(i, spec)| NoiseStream::new(spec, i, &scenario.name, start, seed))
            .collect();
        Timeline {
            hosts,
            chain,
            noise,
            seq: 0,
        }
    }

    /// The hosts of the timeline.
    pub fn hosts(&self) -> Vec<Arc<Host>> {
        self.hosts.iter().map(|h| h.host.clone()).collect()
    }

    /// The source with the earliest next event, by the time it would be logged.
    fn earliest(&mut self) -> Option<Source> {
        let mut best: Option<(i64, usize, Source)> = None;
        let mut consider = |time: i64, host: usize, source: Source, hosts: &[HostState]| {
            let effective = time.max(hosts[host].last_time.saturating_add(100));
            if best.is_none_or(|(t, _, _)| effective < t) {
                best = Some((effective, host, source));
            }
        };
        for (host, queue) in self.chain.iter().enumerate() {
            if let Some(front) = queue.front() {
                consider(front.time, host, Source::Chain(host), &self.hosts);
            }
        }
        for (index, stream) in self.noise.iter_mut().enumerate() {
            let host = stream.host;
            if let Some(time) = stream.peek(&mut self.hosts[host]) {
                consider(time, host, Source::Noise(index), &self.hosts);
            }
        }
        best.map(|(_, _, source)| source)
    }
}

impl Iterator for Timeline {
    type Item = ProcessEvent;

    fn next(&mut self) -> Option<ProcessEvent> {
        let (host_index, pending) = match self.earliest()? {
            Source::Chain(host) => (host, self.chain[host].pop_front()?),
            Source::Noise(index) => (self.noise[index].host, self.noise[index].pop()?),
        };
        let host = &mut self.hosts[host_index];
        // Times are strictly increasing per host, in 100 ns ticks.
        let time = pending.time.max(host.last_time.saturating_add(100));
        host.last_time = time;
        host.record_id += 1;
        let event = ProcessEvent {
            seq: self.seq,
            time: to_datetime(time),
            host: host.host.clone(),
            record_id: host.record_id,
            process: pending.process,
            parent: pending.parent,
            grandparent: pending.grandparent,
            label: pending.label,
        };
        self.seq += 1;
        Some(event)
    }
}

/// The noise profile whose baseline a host of this role runs when the scenario gives none.
fn role_profile(role: detsim_generators::model::HostRole) -> &'static str {
    match role {
        detsim_generators::model::HostRole::Workstation => "workstation",
        detsim_generators::model::HostRole::Server => "server",
        detsim_generators::model::HostRole::DomainController => "domain-controller",
    }
}

/// Sensor latency between a process starting and its event being logged: 50 µs to 1.5 ms.
pub fn latency(rng: &mut seed::Rng) -> i64 {
    rng.random_range(500..15_000) * 100
}
