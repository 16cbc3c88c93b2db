//! Evaluating a whole file of records: one callback per alert, bad lines counted by number.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::BufRead;

use detsim_generators::{Format, Record, read_lines};
use serde::Serialize;

use crate::detector::{Alert, SigmaDetector};

/// One alert of a stream, with where its record was.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertLine {
    /// 1-based line number of the record in the input.
    pub line: usize,
    /// The record's own identifier, when the reader could name one.
    pub record_id: Option<String>,
    #[serde(flatten)]
    pub alert: Alert,
}

/// What a stream evaluation saw.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EvalSummary {
    /// Records read and evaluated.
    pub records: usize,
    /// Lines that could not be read as a record: (1-based line number, reason).
    pub bad_lines: Vec<(usize, String)>,
    /// Alerts per rule key, for rules that fired at least once.
    pub alerts_per_rule: BTreeMap<String, usize>,
}

impl EvalSummary {
    pub fn alerts(&self) -> usize {
        self.alerts_per_rule.values().sum()
    }
}

/// Evaluates every record of a stream in `format`, read with the format's own reader
/// (`detsim_generators::read_lines`: one record a line, Defender batches split) and labelled
/// with the format's record identifier. Lines the reader refuses are counted with their numbers
/// and evaluation goes on.
pub fn eval_stream<R: BufRead>(
    detector: &SigmaDetector,
    format: Format,
    reader: R,
    on_alert: impl FnMut(AlertLine),
) -> EvalSummary {
    eval_records(
        detector,
        read_lines(format, reader),
        |record| format.record_id(record),
        on_alert,
    )
}

/// Evaluates every non-blank line of `reader`, read into a record by `read`; `record_id` names
/// a record for the alert lines. A line `read` refuses is counted with its number and reason,
/// and evaluation goes on; an I/O error ends the stream and is counted the same way.
pub fn eval_lines<R, E>(
    detector: &SigmaDetector,
    reader: R,
    mut read: impl FnMut(&str) -> Result<Record, E>,
    record_id: impl Fn(&Record) -> Option<String>,
    on_alert: impl FnMut(AlertLine),
) -> EvalSummary
where
    R: BufRead,
    E: Display,
{
    let mut failed = false;
    let items = reader
        .lines()
        .enumerate()
        .map_while(move |(index, line)| {
            if failed {
                return None;
            }
            let item = match line {
                Ok(line) if line.trim().is_empty() => None,
                Ok(line) => Some(read(&line).map_err(|err| err.to_string())),
                Err(err) => {
                    failed = true;
                    Some(Err(format!("cannot read: {err}")))
                }
            };
            Some((index + 1, item))
        })
        .filter_map(|(number, item)| item.map(|item| (number, item)));
    eval_records(detector, items, record_id, on_alert)
}

/// Evaluates records already read, each with its 1-based line number (several records may
/// share a line, as in a batch). A record that could not be read is counted as a bad line.
pub fn eval_records<E: Display>(
    detector: &SigmaDetector,
    records: impl IntoIterator<Item = (usize, Result<Record, E>)>,
    record_id: impl Fn(&Record) -> Option<String>,
    mut on_alert: impl FnMut(AlertLine),
) -> EvalSummary {
    let mut summary = EvalSummary::default();
    for (number, record) in records {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                summary.bad_lines.push((number, err.to_string()));
                continue;
            }
        };
        summary.records += 1;
        let alerts = detector.evaluate(&record);
        if alerts.is_empty() {
            continue;
        }
        let id = record_id(&record);
        for alert in alerts {
            *summary
                .alerts_per_rule
                .entry(alert.rule_key.clone())
                .or_default() += 1;
            on_alert(AlertLine {
                line: number,
                record_id: id.clone(),
                alert,
            });
        }
    }
    summary
}
