//! Sequence and sample evaluation over a time-ordered stream: one state machine per join key.
//!
//! Sequences follow Elasticsearch's matcher: each stage holds at most one pending sequence per
//! key (a newer one replaces an older one), a pending sequence advances when the next stage
//! matches an event with the same key, `maxspan` bounds the time from the first to the last
//! event (`last - first <= maxspan`), and an `until` event drops the key's pending sequences.
//! Missing-event stages `![...]` reject a sequence when a matching event with the same key lies
//! between its neighbours (or, for leading and trailing ones, within `maxspan`).

use crate::compile::VExpr;
use crate::event::Event;
use crate::query::{Filter, Hit};
use crate::value::Val;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// A join key expression; `optional` (`?field`) keys may be null.
#[derive(Debug)]
pub(crate) struct KeyExpr {
    pub expr: VExpr,
    pub optional: bool,
}

/// A hashable join-key value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum KeyVal {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(String),
    List(Vec<KeyVal>),
}

impl KeyVal {
    fn of(v: &Val<'_>) -> KeyVal {
        match v {
            Val::Null => KeyVal::Null,
            Val::Bool(b) => KeyVal::Bool(*b),
            Val::Int(i) => KeyVal::Int(*i),
            Val::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => KeyVal::Int(*f as i64),
            Val::Float(f) => KeyVal::Float(f.to_bits()),
            Val::Str(s) => KeyVal::Str(s.to_string()),
            Val::Many(items) if items.len() == 1 => KeyVal::of(&items[0]),
            Val::Many(items) => KeyVal::List(items.iter().map(KeyVal::of).collect()),
        }
    }
}

pub(crate) type Key = Vec<KeyVal>;

/// The key of `ev` from the query-level and the subquery-level key expressions, or `None` when
/// a required key is null.
pub(crate) fn key_of(common: &[KeyExpr], own: &[KeyExpr], ev: &dyn Event) -> Option<Key> {
    let mut key = Vec::with_capacity(common.len() + own.len());
    for k in common.iter().chain(own) {
        let v = k.expr.eval(ev);
        if v.is_null() && !k.optional {
            return None;
        }
        key.push(KeyVal::of(&v));
    }
    Some(key)
}

#[derive(Debug)]
pub(crate) struct Stage {
    pub filter: usize,
    pub keys: usize,
    pub missing: bool,
}

#[derive(Debug)]
pub(crate) struct SeqPlan {
    pub filters: Vec<Filter>,
    pub key_sets: Vec<Vec<KeyExpr>>,
    pub common: Vec<KeyExpr>,
    pub stages: Vec<Stage>,
    pub until: Option<Stage>,
    pub maxspan: Option<i64>,
}

#[derive(Debug, Clone)]
struct Partial {
    start_ts: i64,
    /// The positive events so far: (index, timestamp).
    events: Vec<(usize, i64)>,
}

#[derive(Default)]
struct KeyState {
    /// Pending sequence per stage (positive stages only).
    stages: Vec<Option<Partial>>,
    /// Recent events matching each missing stage: (timestamp, index).
    missing: Vec<VecDeque<(i64, usize)>>,
    /// Completed sequences waiting for their trailing missing-event window to close.
    trailing: Vec<(i64, u64)>,
}

impl KeyState {
    fn is_empty(&self) -> bool {
        self.stages.iter().all(Option::is_none)
            && self.missing.iter().all(VecDeque::is_empty)
            && self.trailing.is_empty()
    }
}

/// Runs a sequence over events given in time order.
pub(crate) struct SeqRunner<'p> {
    plan: &'p SeqPlan,
    positives: Vec<usize>,
    /// For each stage: (previous positive ordinal, next positive ordinal) in `Partial::events`.
    neighbours: Vec<(Option<usize>, Option<usize>)>,
    has_missing: bool,
    has_trailing: bool,
    keys: HashMap<Key, KeyState>,
    waiting: BTreeMap<(i64, u64), (Key, Partial)>,
    next_id: u64,
    last_sweep: i64,
    matched: Vec<bool>,
    pub hits: Vec<Hit>,
}

impl<'p> SeqRunner<'p> {
    pub(crate) fn new(plan: &'p SeqPlan) -> Self {
        let positives: Vec<usize> = (0..plan.stages.len())
            .filter(|&s| !plan.stages[s].missing)
            .collect();
        let neighbours = (0..plan.stages.len())
            .map(|s| {
                let before = positives.iter().filter(|&&p| p < s).count();
                let prev = before.checked_sub(1);
                let next = (before < positives.len()).then_some(before);
                (prev, next)
            })
            .collect();
        let has_missing = plan.stages.iter().any(|s| s.missing);
        let has_trailing = plan.stages.last().is_some_and(|s| s.missing);
        SeqRunner {
            plan,
            positives,
            neighbours,
            has_missing,
            has_trailing,
            keys: HashMap::new(),
            waiting: BTreeMap::new(),
            next_id: 0,
            last_sweep: i64::MIN,
            matched: vec![false; plan.filters.len()],
            hits: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, idx: usize, ts: i64, ev: &dyn Event) {
        let plan = self.plan;
        self.release(ts);
        self.sweep(ts);
        for (m, f) in self.matched.iter_mut().zip(&plan.filters) {
            *m = f.matches(ev);
        }
        if let Some(u) = &plan.until
            && self.matched[u.filter]
            && let Some(k) = key_of(&plan.common, &plan.key_sets[u.keys], ev)
            && let Some(ks) = self.keys.get_mut(&k)
        {
            ks.stages.iter_mut().for_each(|s| *s = None);
        }
        for (s, stage) in plan.stages.iter().enumerate() {
            if !stage.missing || !self.matched[stage.filter] {
                continue;
            }
            let Some(k) = key_of(&plan.common, &plan.key_sets[stage.keys], ev) else {
                continue;
            };
            let trailing = self.neighbours[s].1.is_none();
            let maxspan = plan.maxspan.unwrap_or(i64::MAX);
            let ks = state(&mut self.keys, k.clone(), plan.stages.len());
            ks.missing[s].push_back((ts, idx));
            if trailing {
                let ids = std::mem::take(&mut ks.trailing);
                let mut keep = Vec::new();
                for id in ids {
                    let Some((_, p)) = self.waiting.get(&id) else {
                        continue;
                    };
                    let last = p.events.last().map_or(0, |e| e.0);
                    if idx > last && ts.saturating_sub(p.start_ts) <= maxspan {
                        self.waiting.remove(&id);
                    } else {
                        keep.push(id);
                    }
                }
                if let Some(ks) = self.keys.get_mut(&k) {
                    ks.trailing = keep;
                }
            }
        }
        for oi in (0..self.positives.len()).rev() {
            let s = self.positives[oi];
            let stage = &plan.stages[s];
            if !self.matched[stage.filter] {
                continue;
            }
            let Some(k) = key_of(&plan.common, &plan.key_sets[stage.keys], ev) else {
                continue;
            };
            let last = oi + 1 == self.positives.len();
            let partial = if oi == 0 {
                Partial {
                    start_ts: ts,
                    events: vec![(idx, ts)],
                }
            } else {
                let prev = self.positives[oi - 1];
                let Some(ks) = self.keys.get_mut(&k) else {
                    continue;
                };
                let Some(mut p) = ks.stages[prev].take() else {
                    continue;
                };
                if plan
                    .maxspan
                    .is_some_and(|m| ts.saturating_sub(p.start_ts) > m)
                {
                    continue;
                }
                p.events.push((idx, ts));
                p
            };
            if last {
                self.complete(k, partial);
            } else {
                state(&mut self.keys, k, plan.stages.len()).stages[s] = Some(partial);
            }
        }
    }

    fn complete(&mut self, key: Key, p: Partial) {
        if !self.has_missing {
            self.hits.push(Hit {
                events: p.events.iter().map(|e| e.0).collect(),
            });
            return;
        }
        let plan = self.plan;
        let maxspan = plan.maxspan.unwrap_or(i64::MAX);
        let last_ts = p.events.last().map_or(p.start_ts, |e| e.1);
        let ks = state(&mut self.keys, key.clone(), plan.stages.len());
        for (s, stage) in plan.stages.iter().enumerate() {
            if !stage.missing {
                continue;
            }
            let rejected = match self.neighbours[s] {
                (Some(a), Some(b)) => {
                    let (lo, hi) = (p.events[a].0, p.events[b].0);
                    ks.missing[s].iter().any(|&(_, i)| lo < i && i < hi)
                }
                (None, Some(b)) => {
                    let first = p.events[b].0;
                    ks.missing[s]
                        .iter()
                        .any(|&(t, i)| i < first && t >= last_ts.saturating_sub(maxspan))
                }
                _ => false,
            };
            if rejected {
                return;
            }
        }
        if self.has_trailing {
            let id = (p.start_ts.saturating_add(maxspan), self.next_id);
            self.next_id += 1;
            ks.trailing.push(id);
            self.waiting.insert(id, (key, p));
        } else {
            self.hits.push(Hit {
                events: p.events.iter().map(|e| e.0).collect(),
            });
        }
    }

    /// Reports completed sequences whose trailing window closed before `ts`.
    fn release(&mut self, ts: i64) {
        while let Some(entry) = self.waiting.first_entry() {
            if entry.key().0 >= ts {
                break;
            }
            let (_, p) = entry.remove();
            self.hits.push(Hit {
                events: p.events.iter().map(|e| e.0).collect(),
            });
        }
    }

    /// Drops state older than `maxspan` so memory stays bounded by the keys active recently.
    fn sweep(&mut self, ts: i64) {
        let Some(m) = self.plan.maxspan else {
            return;
        };
        if self.last_sweep != i64::MIN && ts.saturating_sub(self.last_sweep) <= m {
            return;
        }
        self.last_sweep = ts;
        let horizon = ts.saturating_sub(m);
        let waiting = &self.waiting;
        self.keys.retain(|_, ks| {
            for s in ks.stages.iter_mut() {
                if s.as_ref().is_some_and(|p| p.start_ts < horizon) {
                    *s = None;
                }
            }
            for h in ks.missing.iter_mut() {
                while h.front().is_some_and(|&(t, _)| t < horizon) {
                    h.pop_front();
                }
            }
            ks.trailing.retain(|id| waiting.contains_key(id));
            !ks.is_empty()
        });
    }

    /// Ends the stream: sequences still waiting on a trailing missing event are reported.
    pub(crate) fn finish(mut self) -> Vec<Hit> {
        let waiting = std::mem::take(&mut self.waiting);
        for (_, (_, p)) in waiting {
            self.hits.push(Hit {
                events: p.events.iter().map(|e| e.0).collect(),
            });
        }
        self.hits
    }
}

fn state(keys: &mut HashMap<Key, KeyState>, key: Key, n: usize) -> &mut KeyState {
    keys.entry(key).or_insert_with(|| KeyState {
        stages: vec![None; n],
        missing: vec![VecDeque::new(); n],
        trailing: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::SeqRunner;
    use crate::query::Query;
    use serde_json::{Map, Value, json};

    fn ev(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn state_stays_bounded_by_maxspan() {
        let q = Query::parse(
            "sequence by host.id with maxspan=10s \
             [process where tag == \"a\"] ![process where tag == \"m\"] \
             [process where tag == \"b\"]",
        )
        .unwrap();
        let plan = q.seq_plan().unwrap();
        let mut r = SeqRunner::new(plan);
        let mut peak = 0;
        for i in 0..50_000usize {
            // A new host every event, one event per second: nothing ever completes.
            let tag = if i % 2 == 0 { "a" } else { "m" };
            let e = ev(json!({"event.category": "process", "tag": tag, "host.id": i}));
            r.push(i, i as i64 * 1_000_000_000, &e);
            peak = peak.max(r.keys.len());
        }
        assert!(peak <= 30, "state grew to {peak} keys");
        let unbounded = Query::parse(
            "sequence by host.id [process where tag == \"a\"] [process where tag == \"b\"]",
        )
        .unwrap();
        let mut r = SeqRunner::new(unbounded.seq_plan().unwrap());
        for i in 0..1000usize {
            let e = ev(json!({"event.category": "process", "tag": "a", "host.id": i}));
            r.push(i, i as i64, &e);
        }
        assert_eq!(
            r.keys.len(),
            1000,
            "without maxspan every key keeps its pending sequence"
        );
    }
}
