//! `detsim eval`: rules over existing records, ours or a product's real export, one JSON line
//! per alert on stdout and a summary on stderr.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use detsim_generators::flat_json::Projection;
use detsim_generators::skim::Skimmer;
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
        let file = match input {
            None => None,
            Some(path) => Some(
                File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?,
            ),
        };
        // Event rules answer record by record; sequence rules need the whole stream, so only
        // then are the line and identifier of every record kept for the hits found at the end.
        let mut evaluation = detectors.start();
        let mut origins: Vec<(usize, Option<String>)> = Vec::new();
        let records: Box<dyn Iterator<Item = (usize, Result<Record, ReadError>)>> =
            match (&projection, file) {
                // The projected reader buffers for itself.
                (Some(projection), Some(file)) => Box::new(projected_lines(file, projection)),
                (Some(projection), None) => {
                    Box::new(projected_lines(std::io::stdin().lock(), projection))
                }
                (None, file) => {
                    let reader: Box<dyn BufRead> = match file {
                        Some(file) => Box::new(BufReader::with_capacity(READ_BUFFER, file)),
                        None => Box::new(BufReader::with_capacity(READ_BUFFER, std::io::stdin())),
                    };
                    Box::new(read_lines(format, reader))
                }
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
    reader: impl Read + 'p,
    projection: &'p Projection,
) -> impl Iterator<Item = (usize, Result<Record, ReadError>)> + 'p {
    let mut lines = Lines::new(reader);
    let mut skimmer = Skimmer::default();
    let mut number = 0;
    let mut failed = false;
    std::iter::from_fn(move || {
        loop {
            if failed {
                return None;
            }
            number += 1;
            let line = match lines.next_line() {
                Ok(None) => return None,
                Ok(Some(line)) => line,
                Err(error) => {
                    failed = true;
                    let kind = ReadErrorKind::Io(error.to_string());
                    return Some((number, Err(ReadError::new(kind).at_line(number))));
                }
            };
            let text = line
                .strip_prefix("\u{feff}".as_bytes())
                .unwrap_or(line)
                .trim_ascii();
            if text.is_empty() {
                continue;
            }
            let record = skimmer.read(text, projection).map_err(|error| {
                ReadError::new(ReadErrorKind::Json(error.to_string())).at_line(number)
            });
            return Some((number, record));
        }
    })
}

/// A byte stream cut into lines: read in large blocks, line ends found with a vectorised
/// search, and each line handed out in place (a line longer than the buffer grows it).
struct Lines<R> {
    reader: R,
    buffer: Vec<u8>,
    /// The unread bytes are `buffer[start..end]`.
    start: usize,
    end: usize,
    at_end: bool,
}

impl<R: Read> Lines<R> {
    fn new(reader: R) -> Self {
        Lines {
            reader,
            buffer: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
            at_end: false,
        }
    }

    /// The next line without its `\n`; the last line may lack one.
    fn next_line(&mut self) -> std::io::Result<Option<&[u8]>> {
        let (from, to) = loop {
            if let Some(n) = memchr::memchr(b'\n', &self.buffer[self.start..self.end]) {
                let from = self.start;
                self.start += n + 1;
                break (from, from + n);
            }
            if self.at_end {
                if self.start == self.end {
                    return Ok(None);
                }
                let from = self.start;
                self.start = self.end;
                break (from, self.end);
            }
            // Keep the partial line, at the front, and read more after it.
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == self.buffer.len() {
                self.buffer.resize(self.buffer.len() * 2, 0);
            }
            match self.reader.read(&mut self.buffer[self.end..]) {
                Ok(0) => self.at_end = true,
                Ok(n) => self.end += n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        };
        Ok(Some(&self.buffer[from..to]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes a call, as pipes do.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buffer.len()).min(self.bytes.len());
            buffer[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn all_lines(bytes: &[u8], step: usize) -> Vec<Vec<u8>> {
        let mut lines = Lines::new(Trickle { bytes, step });
        let mut found = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            found.push(line.to_vec());
        }
        found
    }

    #[test]
    fn lines_come_out_whole_whatever_the_reads() {
        let long = "x".repeat(3 * READ_BUFFER + 17);
        let text = format!("a\n\nbb\r\n{long}\nlast without a line end");
        let expected: Vec<Vec<u8>> = text.split('\n').map(|l| l.as_bytes().to_vec()).collect();
        for step in [1, 7, 4096, READ_BUFFER, usize::MAX] {
            assert_eq!(all_lines(text.as_bytes(), step), expected, "step {step}");
        }
        // A final line end ends the last line; it does not open an empty one.
        assert_eq!(all_lines(b"a\nb\n", 3), vec![b"a".to_vec(), b"b".to_vec()]);
        assert!(all_lines(b"", 3).is_empty());
    }
}
