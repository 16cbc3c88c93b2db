//! `detsim generate`: scenarios to events, as canonical JSON lines or in vendor formats, with
//! their labels and a manifest that lets a dataset be reproduced and checked.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use detsim_generators::model::{Origin, ProcessEvent};
use detsim_generators::{Format, RenderOptions};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::output::{AtomicFile, progress, write_line};
use super::{EXIT_OK, GenerateArgs};
use crate::scenario::{self, NoiseAmount, Scenario, ScenarioErrors};
use crate::sim::Timeline;
use crate::suite;

pub fn run(args: &GenerateArgs, quiet: bool) -> Result<u8> {
    let scenarios = load(&args.paths, args.seed)?;
    let formats = match &args.format {
        None => None,
        Some(name) => Some(super::test::formats(std::slice::from_ref(name))?),
    };
    let options = RenderOptions {
        envelope: args.envelope,
    };
    if args.envelope
        && !formats
            .as_ref()
            .is_some_and(|f| f.contains(&Format::Defender))
    {
        bail!(
            "`--envelope` applies to the defender format: add `--format defender` or `--format all`"
        );
    }
    let bar = progress(expected_events(&scenarios), quiet, "generating");

    let summaries = match (&args.out, &formats) {
        (None, Some(formats)) if formats.len() > 1 => {
            bail!("several formats need a directory: add `--out DIR`")
        }
        (None, formats) => {
            let format = formats.as_ref().map(|f| f[0]);
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let mut line = String::with_capacity(4096);
            let mut summaries = Vec::new();
            for scenario in &scenarios {
                let mut summary = Summary::new(scenario);
                for event in Timeline::new(scenario, args.seed) {
                    summary.add(&event);
                    line.clear();
                    match format {
                        Some(format) => format.render(&event, &options, &mut line),
                        None => line.push_str(&serde_json::to_string(&event)?),
                    }
                    match write_line(&mut out, line.as_bytes()) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(EXIT_OK),
                        Err(e) => return Err(e).context("cannot write to stdout"),
                    }
                    bar.inc(1);
                }
                summaries.push(summary);
            }
            out.flush().context("cannot write to stdout")?;
            bar.finish_and_clear();
            eprint!("{}", render_summaries(&summaries));
            return Ok(EXIT_OK);
        }
        (Some(dir), formats) => {
            let summaries = write_dataset(
                dir,
                &scenarios,
                formats.as_deref(),
                args.seed,
                &options,
                &bar,
            )?;
            bar.finish_and_clear();
            summaries
        }
    };
    print!("{}", render_summaries(&summaries));
    Ok(EXIT_OK)
}

/// One file of a dataset, hashed and counted as it is written.
struct DatasetFile {
    name: String,
    file: AtomicFile,
    hasher: Sha256,
    lines: u64,
}

impl DatasetFile {
    fn create(dir: &Path, name: String) -> Result<DatasetFile> {
        Ok(DatasetFile {
            file: AtomicFile::create(&dir.join(&name))?,
            name,
            hasher: Sha256::new(),
            lines: 0,
        })
    }

    fn line(&mut self, bytes: &[u8]) -> Result<()> {
        self.hasher.update(bytes);
        self.hasher.update(b"\n");
        self.lines += 1;
        write_line(self.file.writer(), bytes)
            .with_context(|| format!("cannot write `{}`", self.name))
    }

    /// Moves the file into place; its manifest entry.
    fn finish(self) -> Result<serde_json::Value> {
        let digest = self.hasher.finalize();
        self.file.commit()?;
        Ok(json!({
            "file": self.name,
            "records": self.lines,
            "sha256": detsim_generators::model::hex(&digest, false),
        }))
    }
}

/// Writes `DIR/<format>.<ext>` per format (or `DIR/events.ndjson`), `DIR/labels.ndjson` and
/// `DIR/manifest.json`. Files appear under their names only when complete.
fn write_dataset(
    dir: &Path,
    scenarios: &[Scenario],
    formats: Option<&[Format]>,
    seed: u64,
    options: &RenderOptions,
    bar: &indicatif::ProgressBar,
) -> Result<Vec<Summary>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut outputs: Vec<(Option<Format>, DatasetFile)> = match formats {
        None => vec![(None, DatasetFile::create(dir, "events.ndjson".into())?)],
        Some(formats) => formats
            .iter()
            .map(|&f| {
                Ok((
                    Some(f),
                    DatasetFile::create(dir, format!("{}.{}", f.name(), f.extension()))?,
                ))
            })
            .collect::<Result<_>>()?,
    };
    let mut labels = DatasetFile::create(dir, "labels.ndjson".into())?;
    let id_formats: Vec<Format> = formats.map_or(Format::ALL.to_vec(), <[Format]>::to_vec);

    let mut line = String::with_capacity(4096);
    let mut summaries = Vec::new();
    for scenario in scenarios {
        let mut summary = Summary::new(scenario);
        for event in Timeline::new(scenario, seed) {
            summary.add(&event);
            for (format, output) in &mut outputs {
                line.clear();
                match format {
                    Some(format) => format.render(&event, options, &mut line),
                    None => line.push_str(&serde_json::to_string(&event)?),
                }
                output.line(line.as_bytes())?;
            }
            labels.line(serde_json::to_string(&label_record(&event, &id_formats))?.as_bytes())?;
            bar.inc(1);
        }
        summaries.push(summary);
    }

    let mut files = Vec::new();
    for (_, output) in outputs {
        files.push(output.finish()?);
    }
    files.push(labels.finish()?);
    let manifest = json!({
        "detsim_version": env!("CARGO_PKG_VERSION"),
        "seed": seed,
        "scenarios": scenarios.iter().map(|s| json!({"name": s.name, "source": s.source})).collect::<Vec<_>>(),
        "formats": formats.map(|f| f.iter().map(|f| f.name()).collect::<Vec<_>>()),
        "envelope": options.envelope,
        "native_ids": id_formats.iter().map(|f| (f.name().to_string(), json!(f.native_id_field()))).collect::<serde_json::Map<_, _>>(),
        "files": files,
    });
    let mut file = AtomicFile::create(&dir.join("manifest.json"))?;
    file.writer()
        .write_all(serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    file.writer().write_all(b"\n")?;
    file.commit()?;
    Ok(summaries)
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

/// The ground truth of one event, as written to `labels.ndjson`, with the event's native
/// identifier in each format so the labels join to every format's file.
pub fn label_record(event: &ProcessEvent, formats: &[Format]) -> serde_json::Value {
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
    let ids: serde_json::Map<String, serde_json::Value> = formats
        .iter()
        .map(|f| (f.name().to_string(), json!(f.native_id(event))))
        .collect();
    record["ids"] = serde_json::Value::Object(ids);
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
