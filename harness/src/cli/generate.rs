//! `detsim generate`: scenarios to canonical events and labels, on stdout or into a directory.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};
use detsim_generators::model::{Origin, ProcessEvent};
use serde_json::json;

use super::output::{AtomicFile, progress, write_line};
use super::{EXIT_OK, GenerateArgs};
use crate::scenario::{self, NoiseAmount, Scenario, ScenarioErrors};
use crate::sim::Timeline;
use crate::suite;

pub fn run(args: &GenerateArgs, quiet: bool) -> Result<u8> {
    let scenarios = load(&args.paths, args.seed)?;
    let bar = progress(expected_events(&scenarios), quiet, "generating");
    let mut summaries = Vec::new();
    match &args.out {
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let mut line = Vec::with_capacity(2048);
            for scenario in &scenarios {
                let mut summary = Summary::new(scenario);
                for event in Timeline::new(scenario, args.seed) {
                    summary.add(&event);
                    line.clear();
                    serde_json::to_writer(&mut line, &event)?;
                    if let Err(error) = write_line(&mut out, &line) {
                        if error.kind() == std::io::ErrorKind::BrokenPipe {
                            return Ok(EXIT_OK);
                        }
                        return Err(error).context("cannot write to stdout");
                    }
                    bar.inc(1);
                }
                summaries.push(summary);
            }
            out.flush().context("cannot write to stdout")?;
            bar.finish_and_clear();
            eprint!("{}", render_summaries(&summaries));
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
            let mut events = AtomicFile::create(&dir.join("events.ndjson"))?;
            let mut labels = AtomicFile::create(&dir.join("labels.ndjson"))?;
            let mut line = Vec::with_capacity(2048);
            for scenario in &scenarios {
                let mut summary = Summary::new(scenario);
                for event in Timeline::new(scenario, args.seed) {
                    summary.add(&event);
                    line.clear();
                    serde_json::to_writer(&mut line, &event)?;
                    write_line(events.writer(), &line)?;
                    line.clear();
                    serde_json::to_writer(&mut line, &label_record(&event))?;
                    write_line(labels.writer(), &line)?;
                    bar.inc(1);
                }
                summaries.push(summary);
            }
            events.commit()?;
            labels.commit()?;
            bar.finish_and_clear();
            print!("{}", render_summaries(&summaries));
        }
    }
    Ok(EXIT_OK)
}

/// Loads scenarios from paths, or the built-in suite when there are none; any problem is an
/// input error listing every problem found.
pub fn load(paths: &[PathBuf], seed: u64) -> Result<Vec<Scenario>> {
    let (scenarios, errors) = if paths.is_empty() {
        suite::scenarios(seed)
    } else {
        scenario::load_paths(paths, seed)
    };
    if !errors.is_empty() {
        let count = errors.len();
        return Err(anyhow!(ScenarioErrors(errors)).context(format!(
            "{count} problem{} in the scenarios",
            if count == 1 { "" } else { "s" }
        )));
    }
    if scenarios.is_empty() {
        return Err(anyhow!("no scenario found"));
    }
    Ok(scenarios)
}

/// The number of events the scenarios will produce, when every noise stream is counted.
fn expected_events(scenarios: &[Scenario]) -> Option<u64> {
    let mut total = 0;
    for scenario in scenarios {
        total += scenario.steps.iter().filter(|s| !s.running).count() as u64;
        for noise in &scenario.noise {
            match noise.amount {
                NoiseAmount::Count { events, .. } => total += events,
                NoiseAmount::Rate { .. } => return None,
            }
        }
    }
    Some(total)
}

/// The ground truth of one event, as written to `labels.ndjson`.
pub fn label_record(event: &ProcessEvent) -> serde_json::Value {
    let label = &event.label;
    let mut record = json!({
        "seq": event.seq,
        "time": event.time,
        "host": event.host.fqdn,
        "scenario": label.scenario,
        "malicious": label.malicious,
        "techniques": label.techniques,
        "process_guid": event.process.guid,
        "pid": event.process.pid,
        "image": event.process.image,
    });
    match &label.origin {
        Origin::Step { step } => record["step"] = json!(step),
        Origin::Noise { profile, activity } => {
            record["noise"] = json!({ "profile": profile, "activity": activity })
        }
    }
    if !label.expect.is_empty() {
        record["expect"] = json!(label.expect);
    }
    record
}

/// What one scenario produced.
pub struct Summary {
    pub name: String,
    pub hosts: usize,
    pub chain: u64,
    pub malicious: u64,
    pub noise: u64,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

impl Summary {
    pub fn new(scenario: &Scenario) -> Summary {
        Summary {
            name: scenario.name.clone(),
            hosts: scenario.hosts.len(),
            chain: 0,
            malicious: 0,
            noise: 0,
            first: None,
            last: None,
        }
    }

    pub fn add(&mut self, event: &ProcessEvent) {
        match event.label.origin {
            Origin::Step { .. } => self.chain += 1,
            Origin::Noise { .. } => self.noise += 1,
        }
        self.malicious += u64::from(event.label.malicious);
        self.first.get_or_insert(event.time);
        self.last = Some(event.time);
    }
}

/// A table of summaries, one line per scenario.
pub fn render_summaries(summaries: &[Summary]) -> String {
    let width = summaries
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut out = format!(
        "{:<width$}  {:>5}  {:>6}  {:>9}  {:>9}  {:>9}  {}\n",
        "scenario", "hosts", "chain", "malicious", "noise", "events", "time span"
    );
    let mut total = 0;
    for s in summaries {
        let span = match (s.first, s.last) {
            (Some(first), Some(last)) => format_span((last - first).num_seconds()),
            _ => "-".to_string(),
        };
        total += s.chain + s.noise;
        out.push_str(&format!(
            "{:<width$}  {:>5}  {:>6}  {:>9}  {:>9}  {:>9}  {}\n",
            s.name,
            s.hosts,
            s.chain,
            s.malicious,
            s.noise,
            s.chain + s.noise,
            span
        ));
    }
    out.push_str(&format!("{} scenarios, {total} events\n", summaries.len()));
    out
}

fn format_span(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3_600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}
