//! Throughput of the Sigma detector per format, against rsigma-eval alone on the same events.
//!
//! For each format and rule set, the same records are evaluated twice on one thread: through
//! detsim (`SigmaDetector::evaluate` over `Record`s) and through rsigma's `Engine` alone over
//! the same records as flat JSON (`JsonEvent`), with the rules detsim's pipeline produced. The
//! JSON documents are built before timing, so the baseline pays no conversion.
//!
//! Run: `cargo run --release -p detsim-detect --example sigma_bench`

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use detsim_detect::{SigmaDetector, SigmaRule, load_sigma_rules, parse_sigma_rule};
use detsim_generators::model::{Integrity, Parent, SignerKind};
use detsim_generators::{Format, Record, RenderOptions, testing};
use rsigma_eval::{Engine, JsonEvent};
use serde_json::Value;

/// Records per format; one in 50 is cmd.exe under an unusual parent, the rest is noise.
const RECORDS: usize = 5_000;
/// Generated rules in the large set.
const GENERATED_RULES: usize = 300;
const MIN_TIME: Duration = Duration::from_millis(1500);
/// Records per timed run.
const CHUNK: usize = 250;

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rules/sigma");
    let (bundled, errors) = load_sigma_rules(&[dir]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut many = bundled.clone();
    many.extend(generated_rules(GENERATED_RULES));

    println!("records/second on one core, fastest of repeated runs over {RECORDS} records");
    println!("(the generators' varied events; 1 record in 50 is cmd.exe under lsass.exe)");
    println!(
        "{:<12} {:>6} {:>12} {:>12} {:>7} {:>7}",
        "format", "rules", "detsim", "rsigma", "ratio", "alerts"
    );
    for (label, rules) in [("bundled", &bundled), ("generated", &many)] {
        for format in Format::ALL {
            let detector = SigmaDetector::new(rules, format, None).expect("bundled pipeline");
            let records: Vec<Record> = (0..RECORDS).map(|i| record(format, i)).collect();
            let mut engine = Engine::new();
            let errors = engine.add_rules(detector.transformed_rules().into_iter().map(|r| r.1));
            assert!(errors.is_empty());
            let documents: Vec<Value> = records.iter().map(Record::to_flat_json).collect();
            // Built field by field, the records are scattered over the heap while the JSON
            // documents are collected compactly; cloning gives both sides the same layout, so
            // the ratio compares the evaluation layers and not the allocator.
            let records: Vec<Record> = records.clone();

            let alerts: usize = records.iter().map(|r| detector.evaluate(r).len()).sum();
            let baseline_alerts: usize = documents
                .iter()
                .map(|doc| engine.evaluate(&JsonEvent::borrow(doc)).len())
                .sum();
            assert_eq!(alerts, baseline_alerts, "{format}: both paths agree");
            let (detsim, rsigma) = measure(
                RECORDS,
                |range| {
                    for record in &records[range] {
                        std::hint::black_box(detector.evaluate(record));
                    }
                },
                |range| {
                    for doc in &documents[range] {
                        std::hint::black_box(engine.evaluate(&JsonEvent::borrow(doc)));
                    }
                },
            );
            let (detsim, rsigma) = (RECORDS as f64 / detsim, RECORDS as f64 / rsigma);

            let applicable = detector.transformed_rules().len();
            println!(
                "{:<12} {:>6} {:>12.0} {:>12.0} {:>6.0}% {:>7}  ({label})",
                format.name(),
                applicable,
                detsim,
                rsigma,
                100.0 * detsim / rsigma,
                alerts
            );
        }
    }
}

/// Times both closures on the same chunks of [`CHUNK`] items, alternating, for at least
/// [`MIN_TIME`] each; the sum over chunks of each chunk's fastest run, in seconds. Short chunks
/// and the fastest run keep a busy machine's preemptions out of the figures and the ratio.
fn measure(
    items: usize,
    mut detsim: impl FnMut(Range<usize>),
    mut rsigma: impl FnMut(Range<usize>),
) -> (f64, f64) {
    let chunks: Vec<Range<usize>> = (0..items)
        .step_by(CHUNK)
        .map(|start| start..(start + CHUNK).min(items))
        .collect();
    let mut best = vec![(f64::MAX, f64::MAX); chunks.len()];
    let start = Instant::now();
    while start.elapsed() < MIN_TIME * 2 {
        for (chunk, best) in chunks.iter().zip(&mut best) {
            let t = Instant::now();
            detsim(chunk.clone());
            best.0 = best.0.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            rsigma(chunk.clone());
            best.1 = best.1.min(t.elapsed().as_secs_f64());
        }
    }
    best.iter()
        .fold((0.0, 0.0), |(d, r), (bd, br)| (d + bd, r + br))
}

/// Process-creation rules with varied selections: path suffixes, substrings, `|all`, regexes,
/// parent lists and filters.
fn generated_rules(count: usize) -> Vec<SigmaRule> {
    (0..count)
        .flat_map(|i| {
            let lines: Vec<String> = match i % 6 {
                0 => vec![
                    "selection:".into(),
                    format!("    Image|endswith: '\\tool{i}.exe'"),
                    format!("    CommandLine|contains: ' -x{i}'"),
                    "condition: selection".into(),
                ],
                1 => vec![
                    "selection:".into(),
                    "    ParentImage|endswith:".into(),
                    format!("        - '\\parent{i}.exe'"),
                    format!("        - '\\host{i}.exe'"),
                    "    Image|endswith: '\\cmd.exe'".into(),
                    "condition: selection".into(),
                ],
                2 => vec![
                    "selection:".into(),
                    "    CommandLine|contains|all:".into(),
                    "        - 'download'".into(),
                    format!("        - 'payload{i}'"),
                    "condition: selection".into(),
                ],
                3 => vec![
                    "selection:".into(),
                    format!("    CommandLine|re: 'invoke-thing{i} -[a-z]+'"),
                    "condition: selection".into(),
                ],
                4 => vec![
                    "selection:".into(),
                    "    Image|endswith: '\\powershell.exe'".into(),
                    format!("    CommandLine|contains: 'secret{i}'"),
                    "filter:".into(),
                    "    ParentImage|endswith: '\\explorer.exe'".into(),
                    "condition: selection and not filter".into(),
                ],
                _ => vec![
                    "selection_a:".into(),
                    format!("    CommandLine|contains: 'alpha{i}'"),
                    "selection_b:".into(),
                    format!("    CommandLine|startswith: 'beta{i}'"),
                    "condition: 1 of selection_*".into(),
                ],
            };
            let detection: Vec<String> = lines.iter().map(|line| format!("    {line}")).collect();
            let detection = detection.join("\n");
            let text = format!(
                "title: Generated {i}\nid: 00000000-0000-4000-8000-{i:012}\nlogsource:\n    \
                 category: process_creation\n    product: windows\ndetection:\n{detection}\n\
                 level: low\n"
            );
            parse_sigma_rule(&text, &format!("generated-{i}.yml")).expect("generated rule")
        })
        .collect()
}

/// The i-th benchmark record of a format: the generators' varied synthetic event (parent
/// cmd.exe, or unknown) rendered in the format and read back; every 50th record is instead
/// the varied event's process started by lsass.exe, which the generic rule alerts on.
fn record(format: Format, i: usize) -> Record {
    let n = i as u64;
    let mut event = testing::varied_event(n);
    if i.is_multiple_of(50) {
        let lsass = testing::process(
            &event.host,
            700,
            r"C:\Windows\System32\lsass.exe",
            r"C:\Windows\system32\lsass.exe",
            r"C:\Windows\system32\",
            testing::system_logon(),
            Integrity::System,
            testing::binary(
                "lsass.exe",
                "Local Security Authority Process",
                SignerKind::OsVendor,
            ),
            testing::time(Span::zero()),
        );
        let mut cmd = (*event.process).clone();
        cmd.image = r"C:\Windows\System32\cmd.exe".to_string();
        event.process = Arc::new(cmd);
        event.parent = Parent::Known { process: lsass };
    }
    let mut line = String::new();
    format.render(&event, &RenderOptions::default(), &mut line);
    format
        .read(&line)
        .expect("the generators read what they render")
}
