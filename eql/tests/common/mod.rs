//! Helpers shared by the integration tests.
#![allow(dead_code)]

use detsim_eql::Query;
use serde_json::{Map, Value};

/// A flat event from a JSON object literal.
pub fn ev(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// Runs a table of (query, event, expected) rows and reports every failing row at once.
pub fn check_table(rows: &[(&str, Value, bool)]) {
    let mut failures = Vec::new();
    for (q, e, want) in rows {
        let query = Query::parse(q).unwrap_or_else(|err| panic!("{q}: {err}"));
        let got = query.matches(&ev(e.clone()));
        if got != *want {
            failures.push(format!("{q}\n    on {e}\n    expected {want}, got {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing rows:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let matching = rows.iter().filter(|r| r.2).count();
    assert!(
        matching > 0 && matching < rows.len(),
        "a table must mix matches and non-matches"
    );
}

/// Runs a query over events at the given timestamps (seconds) and returns the hits' indexes.
pub fn run(q: &str, events: &[(i64, Value)]) -> Vec<Vec<usize>> {
    let query = Query::parse(q).unwrap_or_else(|err| panic!("{q}: {err}"));
    let evs: Vec<(i64, Map<String, Value>)> = events
        .iter()
        .map(|(t, v)| (t * 1_000_000_000, ev(v.clone())))
        .collect();
    query
        .run(evs.iter().map(|(t, e)| (*t, e)))
        .into_iter()
        .map(|h| h.events)
        .collect()
}
