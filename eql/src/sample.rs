//! Sample evaluation: events sharing the join-key values, one per subquery, in any order.
//!
//! As Elasticsearch does by default, one sample is reported per join-key value. Each event
//! fills at most one subquery: the first one (in query order) that it matches and that is
//! still empty for its key.

use crate::event::Event;
use crate::query::{Filter, Hit};
use crate::sequence::{Key, KeyExpr, key_of};
use std::collections::HashMap;

#[derive(Debug)]
pub(crate) struct SamplePlan {
    pub filters: Vec<Filter>,
    pub common: Vec<KeyExpr>,
    /// Per subquery: its own key expressions.
    pub own: Vec<Vec<KeyExpr>>,
}

struct Slots {
    events: Vec<Option<usize>>,
    done: bool,
}

pub(crate) struct SampleRunner<'p> {
    plan: &'p SamplePlan,
    keys: HashMap<Key, Slots>,
    pub hits: Vec<Hit>,
}

impl<'p> SampleRunner<'p> {
    pub(crate) fn new(plan: &'p SamplePlan) -> Self {
        SampleRunner {
            plan,
            keys: HashMap::new(),
            hits: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, idx: usize, ev: &dyn Event) {
        let n = self.plan.filters.len();
        for (i, f) in self.plan.filters.iter().enumerate() {
            if !f.matches(ev) {
                continue;
            }
            let Some(key) = key_of(&self.plan.common, &self.plan.own[i], ev) else {
                continue;
            };
            let slots = self.keys.entry(key).or_insert_with(|| Slots {
                events: vec![None; n],
                done: false,
            });
            if slots.done || slots.events[i].is_some() {
                continue;
            }
            slots.events[i] = Some(idx);
            if slots.events.iter().all(Option::is_some) {
                slots.done = true;
                self.hits.push(Hit {
                    events: slots.events.iter().flatten().copied().collect(),
                });
            }
            return;
        }
    }
}
