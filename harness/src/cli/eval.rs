//! `detsim eval`: rules over existing records, ours or a product's real export, one JSON line
//! per alert on stdout and a summary on stderr.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use detsim_generators::{Format, Record, read_lines};
use serde_json::json;

use super::test::{load_rules, pipelines};
use super::{EXIT_ERROR, EXIT_OK, EvalArgs};
use crate::detect::FormatDetectors;
use crate::rules::{RuleInfo, language_name};

/// Records evaluated together when no rule needs the whole stream.
const CHUNK: usize = 4_096;

pub fn run(args: &EvalArgs) -> Result<u8> {
    let format: Format = args.format.parse().map_err(|e| anyhow!("{e}"))?;
    let rules = load_rules(&args.rules, &args.rule)?;
    let pipeline = match &args.pipeline {
        Some(file) => Some(file.clone()),
        None => pipelines(&args.pipelines)?
            .into_iter()
            .find(|(f, _)| *f == format)
            .map(|(_, p)| p),
    };
    let detectors = FormatDetectors::new(&rules, format, pipeline.as_deref())
        .with_context(|| format!("cannot compile the rules for {format}"))?;
    for (column, rule) in detectors.columns().iter().enumerate() {
        let status = detectors.status(column);
        if !status.is_evaluated() {
            eprintln!("note: {} on {format}: {}", rule.label(), status.describe());
        }
    }

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut alerts = vec![0u64; detectors.columns().len()];
    let (mut records_read, mut bad_lines) = (0u64, Vec::new());
    let inputs: Vec<Option<&Path>> = if args.files.is_empty() {
        vec![None]
    } else {
        args.files.iter().map(|p| Some(p.as_path())).collect()
    };
    for input in inputs {
        let name = input.map_or("-".to_string(), |p| p.display().to_string());
        let reader: Box<dyn BufRead> = match input {
            None => Box::new(BufReader::new(std::io::stdin())),
            Some(path) => Box::new(BufReader::new(
                File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?,
            )),
        };
        let mut batch: Vec<(usize, Record)> = Vec::new();
        let mut flush = |batch: &mut Vec<(usize, Record)>, out: &mut dyn Write| -> Result<()> {
            let records: Vec<Record> = batch.iter().map(|(_, r)| r.clone()).collect();
            for hit in detectors.evaluate(&records) {
                let (line, record) = &batch[hit.record];
                alerts[hit.column] += 1;
                let rule = &detectors.columns()[hit.column];
                writeln!(
                    out,
                    "{}",
                    alert_line(rule, format, &name, *line, record, &hit.fields)
                )?;
            }
            batch.clear();
            Ok(())
        };
        for (line, result) in read_lines(format, reader) {
            match result {
                Ok(record) => {
                    records_read += 1;
                    batch.push((line, record));
                    if batch.len() >= CHUNK && !detectors.has_sequences() {
                        flush(&mut batch, &mut out)?;
                    }
                }
                Err(error) => bad_lines.push(format!("{name}: {error}")),
            }
        }
        flush(&mut batch, &mut out)?;
    }
    out.flush().context("cannot write to stdout")?;

    eprintln!(
        "records read: {records_read}, bad lines: {}",
        bad_lines.len()
    );
    for bad in bad_lines.iter().take(20) {
        eprintln!("  {bad}");
    }
    if bad_lines.len() > 20 {
        eprintln!("  ... and {} more", bad_lines.len() - 20);
    }
    eprintln!("alerts per rule:");
    for (rule, count) in detectors.columns().iter().zip(&alerts) {
        eprintln!("  {:<40} {count}", rule.label());
    }
    Ok(if bad_lines.is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}

fn alert_line(
    rule: &RuleInfo,
    format: Format,
    file: &str,
    line: usize,
    record: &Record,
    fields: &[(String, serde_json::Value)],
) -> serde_json::Value {
    json!({
        "rule": rule.key,
        "id": rule.id,
        "title": rule.title,
        "language": language_name(rule.language),
        "format": format.name(),
        "record_id": format.record_id(record),
        "file": file,
        "line": line,
        "fields": fields.iter().cloned().collect::<serde_json::Map<_, _>>(),
    })
}
