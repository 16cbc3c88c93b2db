//! The public `Query`: parse, validate and compile once, then match events or run streams.

use crate::ast::{Ast, EventFilter, Expr, Pipe, QueryKind, Term};
use crate::compile::{Compiler, Node};
use crate::error::EqlError;
use crate::event::Event;
use crate::explain::{Clause, Explanation};
use crate::parser;
use crate::sample::{SamplePlan, SampleRunner};
use crate::sequence::{KeyExpr, SeqPlan, SeqRunner, Stage};
use serde_json::Value;
use std::collections::BTreeSet;

/// One result of [`Query::run`]: the indexes (into the input) of the events it consists of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub events: Vec<usize>,
}

/// A compiled event filter: `category where condition`.
#[derive(Debug)]
pub(crate) struct Filter {
    category: Option<String>,
    node: Node,
}

impl Filter {
    #[inline]
    pub(crate) fn matches(&self, ev: &dyn Event) -> bool {
        if let Some(cat) = &self.category {
            let ok = match ev.field("event.category") {
                Some(Value::String(s)) => s == cat,
                Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(cat)),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
        self.node.eval(ev)
    }
}

#[derive(Debug)]
enum Plan {
    Event(Filter),
    Sequence(SeqPlan),
    Sample(SamplePlan),
}

/// A compiled EQL query.
#[derive(Debug)]
pub struct Query {
    plan: Plan,
    pipes: Vec<Pipe>,
    features: Vec<&'static str>,
    fields: Vec<String>,
    /// Each event filter's category and condition clause by clause, for explanations: the
    /// query's own, or each term of a sequence or sample (`until` last), with its label.
    clauses: Vec<(String, Option<String>, Clause)>,
}

impl Query {
    /// Parses, validates and compiles a query.
    pub fn parse(text: &str) -> Result<Query, EqlError> {
        let (ast, facts) = parser::parse(text)?;
        let mut features = BTreeSet::new();
        if facts.line_comment {
            features.insert("comment //");
        }
        if facts.block_comment {
            features.insert("comment /* */");
        }
        if facts.raw_string {
            features.insert("triple-quoted string");
        }
        if facts.backquote {
            features.insert("backquoted field");
        }
        let Ast { kind, pipes } = ast;
        for p in &pipes {
            features.insert(match p {
                Pipe::Head(_) => "| head",
                Pipe::Tail(_) => "| tail",
            });
        }
        let mut c = Compiler {
            features: &mut features,
            fields: BTreeSet::new(),
        };
        let mut clauses = Vec::new();
        let mut explained = |label: String, f: &EventFilter| -> Result<(), EqlError> {
            clauses.push((label, f.category.clone(), Clause::of(&f.condition)?));
            Ok(())
        };
        let plan = match kind {
            QueryKind::Event(f) => {
                c.features.insert("event query");
                explained(String::new(), &f)?;
                Plan::Event(filter(&mut c, &f)?)
            }
            QueryKind::Sequence {
                keys,
                maxspan,
                terms,
                until,
            } => {
                for (n, term) in terms.iter().enumerate() {
                    let missing = if term.missing {
                        ", which must not occur"
                    } else {
                        ""
                    };
                    let label = format!("term {} of the sequence{missing}: ", n + 1);
                    explained(label, &term.filter)?;
                }
                if let Some(until) = &until {
                    explained("until: ".into(), &until.filter)?;
                }
                Plan::Sequence(sequence(&mut c, &keys, maxspan, &terms, until.as_ref())?)
            }
            QueryKind::Sample { keys, terms } => {
                for (n, term) in terms.iter().enumerate() {
                    explained(format!("term {} of the sample: ", n + 1), &term.filter)?;
                }
                Plan::Sample(sample(&mut c, &keys, &terms)?)
            }
        };
        let fields = c.fields.into_iter().collect();
        Ok(Query {
            plan,
            pipes,
            features: features.into_iter().collect(),
            fields,
            clauses,
        })
    }

    /// An event query's verdict on one event, clause by clause: the category test, then the
    /// condition's `and`, `or` and `not` down to each comparison. `None` for sequences and
    /// samples, whose verdicts rest on several events (see [`Query::explain_terms`]).
    pub fn explain(&self, event: &dyn Event) -> Option<Explanation> {
        match (&self.plan, self.clauses.as_slice()) {
            (Plan::Event(_), [(label, category, condition)]) => {
                Some(explain_filter(label, category.as_deref(), condition, event))
            }
            _ => None,
        }
    }

    /// For a sequence or sample, which of its terms one event passes, each clause by clause
    /// (`until` last). Empty for event queries. Whether the sequence fires also rests on the
    /// other events, their order, `by` keys and `maxspan`, which this does not show.
    pub fn explain_terms(&self, event: &dyn Event) -> Vec<Explanation> {
        if matches!(self.plan, Plan::Event(_)) {
            return Vec::new();
        }
        self.clauses
            .iter()
            .map(|(label, category, condition)| {
                explain_filter(label, category.as_deref(), condition, event)
            })
            .collect()
    }

    /// True for sequence and sample queries.
    pub fn is_sequence(&self) -> bool {
        !matches!(self.plan, Plan::Event(_))
    }

    /// Whether one event matches an event query (category and condition); false for sequences
    /// and samples, which need [`Query::run`].
    pub fn matches(&self, event: &dyn Event) -> bool {
        match &self.plan {
            Plan::Event(f) => f.matches(event),
            _ => false,
        }
    }

    /// Runs the query over events in time order (`timestamp` in nanoseconds since the epoch)
    /// and returns every hit, after `| head N` / `| tail N`.
    pub fn run<'a, E: Event + 'a>(
        &self,
        events: impl IntoIterator<Item = (i64, &'a E)>,
    ) -> Vec<Hit> {
        let mut hits = match &self.plan {
            Plan::Event(f) => events
                .into_iter()
                .enumerate()
                .filter(|(_, (_, ev))| f.matches(*ev))
                .map(|(i, _)| Hit { events: vec![i] })
                .collect(),
            Plan::Sequence(plan) => {
                let mut r = SeqRunner::new(plan);
                for (i, (ts, ev)) in events.into_iter().enumerate() {
                    r.push(i, ts, ev);
                }
                let mut hits = r.finish();
                hits.sort_by_key(|h| h.events.first().copied());
                hits
            }
            Plan::Sample(plan) => {
                let mut r = SampleRunner::new(plan);
                for (i, (_, ev)) in events.into_iter().enumerate() {
                    r.push(i, ev);
                }
                r.hits
            }
        };
        for p in &self.pipes {
            match *p {
                Pipe::Head(n) => hits.truncate(n),
                Pipe::Tail(n) => {
                    let skip = hits.len().saturating_sub(n);
                    hits.drain(..skip);
                }
            }
        }
        hits
    }

    #[cfg(test)]
    pub(crate) fn seq_plan(&self) -> Option<&SeqPlan> {
        match &self.plan {
            Plan::Sequence(p) => Some(p),
            _ => None,
        }
    }

    /// Every field the query reads (conditions, function arguments and join keys), sorted;
    /// the event category's `event.category` is implied and not listed.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Names of the language features this query uses, sorted (for a census or a lint).
    pub fn features(&self) -> Vec<&'static str> {
        self.features.clone()
    }
}

/// One event filter on one event: the category test, then the condition, a top-level `and`
/// shown as the rows of the filter's own `all of`.
fn explain_filter(
    label: &str,
    category: Option<&str>,
    condition: &Clause,
    event: &dyn Event,
) -> Explanation {
    let mut children = Vec::new();
    if let Some(category) = category {
        let probe = Filter {
            category: Some(category.to_string()),
            node: Node::Const(true),
        };
        children.push(Explanation {
            clause: format!("event.category includes \"{category}\""),
            holds: probe.matches(event),
            children: Vec::new(),
        });
    }
    let condition = condition.explain(event);
    if matches!(condition.clause.as_str(), "all of:") {
        children.extend(condition.children);
    } else {
        children.push(condition);
    }
    Explanation {
        clause: format!("{label}{} where (all of):", category.unwrap_or("any")),
        holds: children.iter().all(|c| c.holds),
        children,
    }
}

fn filter(c: &mut Compiler<'_>, f: &EventFilter) -> Result<Filter, EqlError> {
    if f.category.is_none() {
        c.features.insert("any");
    }
    Ok(Filter {
        category: f.category.clone(),
        node: c.node(&f.condition)?,
    })
}

fn keys(c: &mut Compiler<'_>, exprs: &[Expr]) -> Result<Vec<KeyExpr>, EqlError> {
    exprs
        .iter()
        .map(|e| {
            let optional = matches!(e, Expr::Field { optional: true, .. });
            Ok(KeyExpr {
                expr: c.value(e)?,
                optional,
            })
        })
        .collect()
}

fn check_key_counts(common: usize, terms: &[&Term]) -> Result<(), EqlError> {
    let first = terms[0].keys.len();
    for t in terms {
        if t.keys.len() != first {
            return Err(EqlError::invalid(
                t.pos,
                format!(
                    "every subquery needs the same number of `by` keys: the first has {}, \
                     this one has {}",
                    first + common,
                    t.keys.len() + common
                ),
            ));
        }
    }
    Ok(())
}

fn sequence(
    c: &mut Compiler<'_>,
    common: &[Expr],
    maxspan: Option<i64>,
    terms: &[Term],
    until: Option<&Term>,
) -> Result<SeqPlan, EqlError> {
    c.features.insert("sequence");
    if !common.is_empty() {
        c.features.insert("sequence by");
    }
    if maxspan.is_some() {
        c.features.insert("maxspan");
    }
    let mut all: Vec<&Term> = terms.iter().collect();
    all.extend(until);
    check_key_counts(common.len(), &all)?;
    let mut plan = SeqPlan {
        filters: Vec::new(),
        key_sets: Vec::new(),
        common: keys(c, common)?,
        stages: Vec::new(),
        until: None,
        maxspan,
    };
    for t in terms {
        if !t.keys.is_empty() {
            c.features.insert("subquery by");
        }
        if t.missing {
            c.features.insert("missing events");
        }
        if t.runs.is_some() {
            c.features.insert("runs");
        }
        plan.filters.push(filter(c, &t.filter)?);
        plan.key_sets.push(keys(c, &t.keys)?);
        for _ in 0..t.runs.unwrap_or(1) {
            plan.stages.push(Stage {
                filter: plan.filters.len() - 1,
                keys: plan.key_sets.len() - 1,
                missing: t.missing,
            });
        }
    }
    if let Some(u) = until {
        c.features.insert("until");
        plan.filters.push(filter(c, &u.filter)?);
        plan.key_sets.push(keys(c, &u.keys)?);
        plan.until = Some(Stage {
            filter: plan.filters.len() - 1,
            keys: plan.key_sets.len() - 1,
            missing: false,
        });
    }
    Ok(plan)
}

fn sample(c: &mut Compiler<'_>, common: &[Expr], terms: &[Term]) -> Result<SamplePlan, EqlError> {
    c.features.insert("sample");
    let all: Vec<&Term> = terms.iter().collect();
    check_key_counts(common.len(), &all)?;
    if let Some(t) = terms.iter().find(|t| t.missing) {
        return Err(EqlError::invalid(
            t.pos,
            "a sample cannot have missing events `![...]`",
        ));
    }
    let mut plan = SamplePlan {
        filters: Vec::new(),
        common: keys(c, common)?,
        own: Vec::new(),
    };
    for t in terms {
        plan.filters.push(filter(c, &t.filter)?);
        plan.own.push(keys(c, &t.keys)?);
    }
    Ok(plan)
}
