//! `detsim eval`: rules over existing records, ours or a product's real export, one JSON line
//! per alert on stdout and a summary on stderr.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use detsim_generators::flat_json::Projection;
use detsim_generators::skim::skim_projected;
use detsim_generators::{Format, ReadError, ReadErrorKind, Record, read_lines};
use serde_json::json;

use super::test::{load_rules, pipelines};
use super::{EXIT_ERROR, EXIT_OK, EvalArgs};
use crate::detect::FormatDetectors;
use crate::rules::{RuleInfo, language_name};

/// Records are read in large blocks: fewer system calls on multi-gigabyte exports.
const READ_BUFFER: usize = 1 << 16;

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

    // EQL rules alone on Elastic Defend records: read only the fields they need.
    let projection = detectors.projection();
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
            None => Box::new(BufReader::with_capacity(READ_BUFFER, std::io::stdin())),
            Some(path) => Box::new(BufReader::with_capacity(
                READ_BUFFER,
                File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?,
            )),
        };
        // Event rules answer record by record; sequence rules need the whole stream, so only
        // then are the line and identifier of every record kept for the hits found at the end.
        let mut evaluation = detectors.start();
        let mut origins: Vec<(usize, Option<String>)> = Vec::new();
        let records: Box<dyn Iterator<Item = (usize, Result<Record, ReadError>)>> =
            match &projection {
                Some(projection) => Box::new(projected_lines(reader, projection)),
                None => Box::new(read_lines(format, reader)),
            };
        for (line, result) in records {
            let record = match result {
                Ok(record) => record,
                Err(error) => {
                    bad_lines.push(format!("{name}: {error}"));
                    continue;
                }
            };
            records_read += 1;
            evaluation.push(&record);
            for hit in evaluation.drain() {
                alerts[hit.column] += 1;
                let rule = &detectors.columns()[hit.column];
                let id = format.record_id(&record);
                writeln!(
                    out,
                    "{}",
                    alert_line(rule, format, &name, line, id, &hit.fields)
                )?;
            }
            if detectors.has_sequences() {
                origins.push((line, format.record_id(&record)));
            }
        }
        for hit in evaluation.finish() {
            alerts[hit.column] += 1;
            let rule = &detectors.columns()[hit.column];
            let (line, id) = origins[hit.record].clone();
            writeln!(
                out,
                "{}",
                alert_line(rule, format, &name, line, id, &hit.fields)
            )?;
        }
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
    record_id: Option<String>,
    fields: &[(String, serde_json::Value)],
) -> serde_json::Value {
    json!({
        "rule": rule.key,
        "id": rule.id,
        "title": rule.title,
        "language": language_name(rule.language),
        "format": format.name(),
        "record_id": record_id,
        "file": file,
        "line": line,
        "fields": fields.iter().cloned().collect::<serde_json::Map<_, _>>(),
    })
}

/// Lines of JSON records read through a projection, numbered from 1; blank lines are skipped
/// and an I/O error ends the stream after being reported.
fn projected_lines<'p>(
    mut reader: impl BufRead + 'p,
    projection: &'p Projection,
) -> impl Iterator<Item = (usize, Result<Record, ReadError>)> + 'p {
    let mut buffer: Vec<u8> = Vec::with_capacity(8192);
    let mut number = 0;
    let mut failed = false;
    std::iter::from_fn(move || {
        loop {
            if failed {
                return None;
            }
            buffer.clear();
            number += 1;
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(error) => {
                    failed = true;
                    let kind = ReadErrorKind::Io(error.to_string());
                    return Some((number, Err(ReadError::new(kind).at_line(number))));
                }
            }
            let text = buffer
                .strip_prefix("\u{feff}".as_bytes())
                .unwrap_or(&buffer)
                .trim_ascii();
            if text.is_empty() {
                continue;
            }
            let record = skim_projected(text, projection).map_err(|error| {
                ReadError::new(ReadErrorKind::Json(error.to_string())).at_line(number)
            });
            return Some((number, record));
        }
    })
}
