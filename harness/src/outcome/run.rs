//! Running one scenario through every format and rule.

use std::collections::HashMap;

use detsim_generators::model::{Origin, ProcessEvent};
use detsim_generators::{Format, ReadError, Record, RenderOptions};

use super::classify::{count_selects, expected, explain_failure, judge, mentions};
use super::{Cell, CountCheck, Counts, Failure, Row, ScenarioOutcome};
use crate::detect::FormatDetectors;
use crate::rules::RuleInfo;
use crate::scenario::Scenario;
use crate::sim::Timeline;

/// A record detsim wrote that its own reader rejects: a bug in a renderer or a reader.
#[derive(Debug, thiserror::Error)]
#[error("scenario `{scenario}`: the {format} record of event {seq} does not read back: {source}")]
pub struct RunError {
    pub scenario: String,
    pub format: Format,
    pub seq: u64,
    pub source: ReadError,
}

/// Generates a scenario and evaluates every detector over each format's records.
pub fn run_scenario(
    scenario: &Scenario,
    seed: u64,
    detectors: &[FormatDetectors],
) -> Result<ScenarioOutcome, RunError> {
    let events: Vec<ProcessEvent> = Timeline::new(scenario, seed).collect();
    let columns: Vec<RuleInfo> = detectors
        .first()
        .map(|d| d.columns().to_vec())
        .unwrap_or_default();

    // Each format is rendered, read back and evaluated on its own thread, one record at a time
    // (records are not kept); results are gathered in format order, so the outcome does not
    // depend on scheduling.
    type Fired = HashMap<usize, Vec<(String, serde_json::Value)>>;
    let per_format: Vec<Result<Fired, RunError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = detectors
            .iter()
            .map(|detector| {
                let events = &events;
                let width = columns.len();
                scope.spawn(move || {
                    let mut evaluation = detector.start();
                    let mut line = String::with_capacity(4096);
                    for event in events {
                        evaluation.push(&render_and_read(
                            scenario,
                            event,
                            detector.format,
                            &mut line,
                        )?);
                    }
                    Ok(evaluation
                        .finish()
                        .into_iter()
                        .map(|hit| (hit.record * width + hit.column, hit.fields))
                        .collect())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a format thread panicked"))
            .collect()
    });
    let fired: Vec<Fired> = per_format.into_iter().collect::<Result<_, _>>()?;

    let mut outcome = ScenarioOutcome {
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        source: scenario.source.clone(),
        events: events.len() as u64,
        chain_events: events
            .iter()
            .filter(|e| matches!(e.label.origin, Origin::Step { .. }))
            .count() as u64,
        formats: detectors.iter().map(|d| d.format).collect(),
        columns: columns.clone(),
        status: detectors
            .iter()
            .map(|d| (0..columns.len()).map(|c| d.status(c).clone()).collect())
            .collect(),
        rows: Vec::new(),
        counts: vec![vec![Counts::default(); columns.len()]; detectors.len()],
        failures: Vec::new(),
        count_checks: Vec::new(),
        unknown_rules: unknown_rules(scenario, &columns),
    };
    // Alerts on events without an expectation for the rule, per (format, column), for counts.
    let mut unexpected = vec![vec![0u64; columns.len()]; detectors.len()];
    let counted = |f: usize, c: usize| {
        scenario
            .counts
            .iter()
            .any(|count| count_selects(count, &columns[c], detectors[f].format))
    };

    for (index, event) in events.iter().enumerate() {
        let chain = matches!(event.label.origin, Origin::Step { .. });
        let mut cells = vec![Vec::with_capacity(columns.len()); detectors.len()];
        let mut any_alert = false;
        for (f, detector) in detectors.iter().enumerate() {
            for (c, rule) in columns.iter().enumerate() {
                if !detector.status(c).is_evaluated() {
                    cells[f].push(Cell {
                        fired: None,
                        expected: None,
                        class: None,
                        ok: true,
                        counted: false,
                        fields: Vec::new(),
                    });
                    continue;
                }
                let hit = fired[f].get(&(index * columns.len() + c));
                let expectation = expected(&event.label.expect, rule, detector.format);
                let verdict = expectation.map(|e| e.verdict);
                let judgement = judge(hit.is_some(), verdict);
                outcome.counts[f][c].add(judgement.class);
                any_alert |= hit.is_some();
                let is_counted =
                    hit.is_some() && !mentions(&event.label.expect, rule) && counted(f, c);
                if is_counted {
                    unexpected[f][c] += 1;
                }
                let ok = judgement.ok || is_counted;
                if !ok {
                    let record =
                        render_and_read(scenario, event, detector.format, &mut String::new())?;
                    outcome.failures.push(failure(
                        scenario,
                        event,
                        detector,
                        c,
                        hit.is_some(),
                        verdict,
                        &record,
                        hit.cloned(),
                    ));
                }
                cells[f].push(Cell {
                    fired: Some(hit.is_some()),
                    expected: verdict,
                    class: Some(judgement.class),
                    ok,
                    counted: is_counted,
                    fields: hit.cloned().unwrap_or_default(),
                });
            }
        }
        if chain || any_alert {
            outcome.rows.push(row(event, cells));
        }
    }

    for count in &scenario.counts {
        for (f, detector) in detectors.iter().enumerate() {
            for (c, rule) in columns.iter().enumerate() {
                if count_selects(count, rule, detector.format) && detector.status(c).is_evaluated()
                {
                    let n = unexpected[f][c];
                    outcome.count_checks.push(CountCheck {
                        rule: rule.label(),
                        format: detector.format.name().to_string(),
                        bounds: count.describe(),
                        count: n,
                        ok: count.accepts(n),
                        reason: count.reason.clone(),
                    });
                }
            }
        }
    }
    Ok(outcome)
}

/// An event rendered in a format and read back: rules see what the product would write.
fn render_and_read(
    scenario: &Scenario,
    event: &ProcessEvent,
    format: Format,
    line: &mut String,
) -> Result<Record, RunError> {
    line.clear();
    format.render(event, &RenderOptions::default(), line);
    format.read(line).map_err(|source| RunError {
        scenario: scenario.name.clone(),
        format,
        seq: event.seq,
        source,
    })
}

fn origin(event: &ProcessEvent) -> String {
    match &event.label.origin {
        Origin::Step { step } => step.clone(),
        Origin::Noise { activity, .. } => format!("noise:{activity}"),
    }
}

fn row(event: &ProcessEvent, cells: Vec<Vec<Cell>>) -> Row {
    Row {
        seq: event.seq,
        host: event.host.fqdn.clone(),
        origin: origin(event),
        image: event.process.image.clone(),
        parent: event.parent.process().map(|p| p.image.clone()),
        malicious: event.label.malicious,
        cells,
    }
}

#[allow(clippy::too_many_arguments)]
fn failure(
    scenario: &Scenario,
    event: &ProcessEvent,
    detector: &FormatDetectors,
    column: usize,
    fired: bool,
    verdict: Option<detsim_generators::model::Verdict>,
    record: &Record,
    fields: Option<Vec<(String, serde_json::Value)>>,
) -> Failure {
    let rule = &detector.columns()[column];
    Failure {
        scenario: scenario.name.clone(),
        seq: event.seq,
        origin: origin(event),
        host: event.host.fqdn.clone(),
        image: event.process.image.clone(),
        format: detector.format.name().to_string(),
        rule: rule.label(),
        expected: verdict.map_or("quiet (no expectation)".into(), |v| v.name().to_string()),
        observed: if fired { "alert" } else { "quiet" }.to_string(),
        message: explain_failure(fired, verdict),
        record_id: detector.format.native_id(event),
        fields: fields.unwrap_or_default(),
        explanation: detector.explain(column, record),
    }
}

/// Rule names in expectations that no loaded rule answers to.
fn unknown_rules(scenario: &Scenario, columns: &[RuleInfo]) -> Vec<String> {
    let mut names: Vec<String> = scenario
        .steps
        .iter()
        .flat_map(|s| s.expect.iter().map(|e| e.rule.clone()))
        .chain(scenario.counts.iter().map(|c| c.rule.clone()))
        .filter(|name| !columns.iter().any(|c| c.answers_to(name)))
        .collect();
    names.sort();
    names.dedup();
    names
}
