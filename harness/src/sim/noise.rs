//! A stream of benign events from one noise profile on one host, generated lazily in time order
//! so that memory stays bounded however many events are asked for.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use detsim_generators::model::{Label, Origin, Parent};
use rand::Rng as _;

use super::chain::round_to_tick;
use super::host::{
    HostState, Node as ProcessNode, ProcessSpec, SECOND, default_cwd, typical_integrity,
};
use super::{Pending, Queued};
use crate::noise::{AccountKind, Fill, Node, Profile};
use crate::scenario::{NoiseAmount, NoiseSpec};
use crate::seed::{self, Rng};

/// Nanoseconds per millisecond.
const MILLI: i64 = 1_000_000;

enum Limit {
    /// Events still to create.
    Count(u64),
    /// No activity starts at or after this time.
    Until(i64),
}

/// Lazily generated noise of one [`NoiseSpec`].
pub struct NoiseStream {
    pub host: usize,
    profile: &'static Profile,
    /// Enabled activities with their cumulative weights.
    choices: Vec<(usize, f64)>,
    labels: Vec<Arc<Label>>,
    rng: Rng,
    next_activity: i64,
    /// Mean time between two activities, in nanoseconds.
    mean_gap: f64,
    limit: Limit,
    pending: BinaryHeap<Reverse<Queued>>,
    counter: u64,
}

impl NoiseStream {
    pub fn new(
        spec: &NoiseSpec,
        index: usize,
        scenario: &str,
        start: i64,
        seed: u64,
    ) -> NoiseStream {
        let profile =
            crate::noise::profile(&spec.profile).expect("checked when the scenario loaded");
        let mut choices = Vec::new();
        let mut total = 0.0;
        let mut weighted_size = 0.0;
        for (i, activity) in profile.activities.iter().enumerate() {
            let enabled = activity.enabled || spec.enable.contains(&activity.name);
            if enabled && activity.weight > 0.0 {
                total += activity.weight;
                weighted_size += activity.weight * expected_size(&activity.root);
                choices.push((i, total));
            }
        }
        let mean_size = weighted_size / total;
        let (rate, limit) = match spec.amount {
            NoiseAmount::Count { events, rate } => {
                (rate.unwrap_or(profile.rate), Limit::Count(events))
            }
            NoiseAmount::Rate { rate, duration } => (
                rate,
                Limit::Until(start + duration.num_nanoseconds().unwrap_or(i64::MAX / 4)),
            ),
        };
        let labels = profile
            .activities
            .iter()
            .map(|activity| {
                Arc::new(Label {
                    scenario: scenario.to_string(),
                    origin: Origin::Noise {
                        profile: profile.name.clone(),
                        activity: activity.name.clone(),
                    },
                    malicious: false,
                    techniques: Vec::new(),
                    expect: Vec::new(),
                })
            })
            .collect();
        let mut rng = seed::rng(seed, &["noise", scenario, &index.to_string()]);
        let mean_gap = mean_size / rate * SECOND as f64;
        let first = start + (rng.random::<f64>() * mean_gap) as i64;
        NoiseStream {
            host: spec.host,
            profile,
            choices,
            labels,
            rng,
            next_activity: first,
            mean_gap,
            limit,
            pending: BinaryHeap::new(),
            counter: 0,
        }
    }

    /// How long this stream's noise lasts at its rate (for placing the chain inside it).
    pub fn span(spec: &NoiseSpec) -> i64 {
        let profile =
            crate::noise::profile(&spec.profile).expect("checked when the scenario loaded");
        match spec.amount {
            NoiseAmount::Count { events, rate } => {
                (events as f64 / rate.unwrap_or(profile.rate) * SECOND as f64) as i64
            }
            NoiseAmount::Rate { duration, .. } => {
                duration.num_nanoseconds().unwrap_or(i64::MAX / 4)
            }
        }
    }

    /// The start time of the next event, generating activities until it is known.
    pub fn peek(&mut self, host: &mut HostState) -> Option<i64> {
        while !self.is_exhausted()
            && self
                .pending
                .peek()
                .is_none_or(|Reverse(q)| q.time >= self.next_activity)
        {
            self.instantiate(host);
        }
        self.pending.peek().map(|Reverse(q)| q.time)
    }

    pub fn pop(&mut self) -> Option<Pending> {
        self.pending.pop().map(|Reverse(q)| q.event)
    }

    fn is_exhausted(&self) -> bool {
        match self.limit {
            Limit::Count(left) => left == 0,
            Limit::Until(end) => self.next_activity >= end,
        }
    }

    /// Draws the next activity and queues the events of its process tree.
    fn instantiate(&mut self, host: &mut HostState) {
        let pick = self.rng.random::<f64>() * self.choices.last().map_or(0.0, |c| c.1);
        let index = self
            .choices
            .iter()
            .find(|(_, cumulative)| pick < *cumulative)
            .unwrap_or(&self.choices[0])
            .0;
        let activity = &self.profile.activities[index];
        let budget = match self.limit {
            Limit::Count(left) => left,
            Limit::Until(_) => u64::MAX,
        };
        let mut remaining = budget;
        let start = round_to_tick(self.next_activity);
        let plan = plan(&activity.root, start, &mut self.rng, &mut remaining);
        if let Limit::Count(left) = &mut self.limit {
            *left = remaining;
        }
        let gap = -(1.0 - self.rng.random::<f64>()).ln() * self.mean_gap;
        self.next_activity += (gap as i64).max(1_000);

        let parent_id = &self.profile.baseline[activity.parent].id;
        let root_parent = host
            .baseline
            .get(parent_id)
            .expect("baseline started for this profile")
            .clone();
        let label = self.labels[index].clone();
        if let Some(plan) = plan {
            self.create(&plan, &root_parent, host, &label);
        }
    }

    /// Creates the processes of a planned tree, parents first, and queues their events.
    fn create(
        &mut self,
        plan: &Plan,
        parent: &Arc<ProcessNode>,
        host: &mut HostState,
        label: &Arc<Label>,
    ) {
        let spec = plan.spec;
        let logon = host.logon_for(spec.account, Some(&parent.process.logon));
        let integrity = spec.integrity.unwrap_or_else(|| {
            if Arc::ptr_eq(&logon, &parent.process.logon) && spec.account == AccountKind::Inherit {
                parent.process.integrity
            } else {
                typical_integrity(spec.typical_integrity, &logon)
            }
        });
        let (image, command_line, cwd) = {
            let fill = Fill {
                user: &logon.account.name,
                host: host.host.short_name(),
            };
            let image = spec.image.render(&fill, &mut self.rng);
            let command_line = spec.command_line.render(&fill, &mut self.rng);
            let cwd = match &spec.cwd {
                Some(cwd) => cwd.render(&fill, &mut self.rng),
                None => default_cwd(&logon),
            };
            (image, command_line, cwd)
        };
        let spec = ProcessSpec {
            image,
            command_line,
            cwd,
            logon,
            integrity,
            binary: spec.binary.clone(),
        };
        let process = Arc::new(host.create(spec, plan.start, plan.end));
        let grandparent = parent.parent.as_ref().map(|g| g.process.clone());
        self.counter += 1;
        let time = plan.start + super::latency(&mut self.rng);
        self.pending.push(Reverse(Queued {
            time,
            order: self.counter,
            event: Pending {
                time,
                process: process.clone(),
                parent: Parent::Known {
                    process: parent.process.clone(),
                },
                grandparent,
                label: label.clone(),
            },
        }));
        if plan.children.is_empty() {
            return;
        }
        let node = Arc::new(ProcessNode {
            process,
            parent: Some(parent.clone()),
        });
        for child in &plan.children {
            self.create(child, &node, host, label);
        }
    }
}

/// A process of an activity with its times decided, before pids and GUIDs are handed out.
struct Plan<'a> {
    spec: &'a Node,
    start: i64,
    end: i64,
    children: Vec<Plan<'a>>,
}

/// Decides the times of a tree; each process takes one unit of `budget`, and the tree stops
/// growing when the budget runs out.
fn plan<'a>(spec: &'a Node, start: i64, rng: &mut Rng, budget: &mut u64) -> Option<Plan<'a>> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    let mut children = Vec::new();
    let mut clock = start;
    let mut last_child = start;
    for child in &spec.children {
        let repeat = rng.random_range(child.repeat.low..=child.repeat.high);
        for _ in 0..repeat {
            clock += round_to_tick(draw(child.delay, rng) * MILLI).max(100);
            if let Some(planned) = plan(child, clock, rng, budget) {
                last_child = last_child.max(planned.start);
                children.push(planned);
            }
        }
    }
    let lifetime = draw(spec.lifetime, rng) * MILLI;
    let end = (start + lifetime).max(last_child + MILLI);
    Some(Plan {
        spec,
        start,
        end,
        children,
    })
}

fn draw(range: crate::noise::Range, rng: &mut Rng) -> i64 {
    rng.random_range(range.low..=range.high) as i64
}

/// Expected number of processes a node's tree creates.
fn expected_size(node: &Node) -> f64 {
    1.0 + node
        .children
        .iter()
        .map(|child| (child.repeat.low + child.repeat.high) as f64 / 2.0 * expected_size(child))
        .sum::<f64>()
}
