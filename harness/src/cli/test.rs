//! `detsim test` (and `detsim` with no arguments): every scenario × rule × format, classified
//! against the scenarios' expectations, reported, and optionally reviewed against snapshots.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use detsim_generators::Format;

use super::output::{AtomicFile, progress};
use super::{EXIT_FINDINGS, EXIT_OK, ReportKind, TestArgs};
use crate::detect::FormatDetectors;
use crate::outcome::{ScenarioOutcome, run_scenario};
use crate::report;
use crate::review::{self, Change};
use crate::rules::{RuleProblem, RuleSet};

pub fn run(args: &TestArgs, quiet: bool) -> Result<u8> {
    let scenarios = super::generate::load(&args.scenarios, args.seed)?;
    let rules = load_rules(&args.rules, &args.rule)?;
    let formats = formats(&args.formats)?;
    let pipelines = pipelines(&args.pipelines)?;

    let detectors = formats
        .iter()
        .map(|&format| {
            let pipeline = pipelines
                .iter()
                .find(|(f, _)| *f == format)
                .map(|(_, p)| p.as_path());
            FormatDetectors::new(&rules, format, pipeline)
                .with_context(|| format!("cannot compile the rules for {format}"))
        })
        .collect::<Result<Vec<_>>>()?;

    let bar = progress(Some(scenarios.len() as u64), quiet, "testing");
    let mut outcomes = Vec::with_capacity(scenarios.len());
    for scenario in &scenarios {
        bar.set_message(scenario.name.clone());
        outcomes.push(run_scenario(scenario, args.seed, &detectors)?);
        bar.inc(1);
    }
    bar.finish_and_clear();

    let mut failed = outcomes.iter().any(|o| !o.passed());
    match args.report {
        ReportKind::Table => {
            let mut text = String::new();
            for outcome in &outcomes {
                if args.matrix {
                    text.push_str(&report::matrix(outcome));
                    text.push('\n');
                }
                let mark = if outcome.passed() { "pass" } else { "FAIL" };
                text.push_str(&format!("{mark}  {}\n", outcome.scenario));
            }
            text.push('\n');
            text.push_str(&report::summary_table(&outcomes));
            emit(&text, args.out.as_ref())?;
        }
        ReportKind::Json => emit(&report::json(&outcomes), args.out.as_ref())?,
        ReportKind::Junit => {
            let out = args
                .out
                .as_ref()
                .ok_or_else(|| anyhow!("`--report junit` needs `--out FILE`"))?;
            emit(&report::junit(&outcomes), Some(out))?;
            eprint!("{}", report::summary_table(&outcomes));
        }
    }

    if let Some(dir) = &args.snapshots {
        failed |= review_snapshots(dir, &outcomes, args.update)?;
    }
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// `detsim` with no arguments: the built-in suite, every format, every bundled rule.
pub fn run_builtin(quiet: bool) -> Result<u8> {
    let args = TestArgs {
        scenarios: Vec::new(),
        rules: Vec::new(),
        rule: Vec::new(),
        formats: Vec::new(),
        seed: 1,
        report: ReportKind::Table,
        out: None,
        snapshots: None,
        update: false,
        pipelines: Vec::new(),
        matrix: false,
    };
    run(&args, quiet)
}

/// Rules from paths, or the bundled ones; any rule that does not load is an input error.
pub fn load_rules(paths: &[PathBuf], only: &[String]) -> Result<RuleSet> {
    let (mut rules, problems) = if paths.is_empty() {
        RuleSet::builtin()
    } else {
        RuleSet::load(paths)
    };
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(RuleProblem::to_string).collect();
        bail!(
            "{} rule file(s) did not load:\n{}",
            problems.len(),
            list.join("\n")
        );
    }
    let unmatched = rules.retain_named(only);
    if !unmatched.is_empty() {
        bail!("no loaded rule has the key or id {}", unmatched.join(", "));
    }
    if rules.is_empty() {
        bail!("no rule found");
    }
    Ok(rules)
}

/// The formats named on the command line, or all of them.
pub fn formats(names: &[String]) -> Result<Vec<Format>> {
    if names.is_empty() || names.iter().any(|n| n == "all") {
        return Ok(Format::ALL.to_vec());
    }
    let mut formats = names
        .iter()
        .map(|name| name.parse::<Format>().map_err(|e| anyhow!(e)))
        .collect::<Result<Vec<_>>>()?;
    formats.sort();
    formats.dedup();
    Ok(formats)
}

/// `FORMAT=FILE` pairs of user pipelines.
pub fn pipelines(pairs: &[String]) -> Result<Vec<(Format, PathBuf)>> {
    pairs
        .iter()
        .map(|pair| {
            let (format, file) = pair
                .split_once('=')
                .ok_or_else(|| anyhow!("invalid `--pipeline {pair}`: expected FORMAT=FILE"))?;
            Ok((
                format.parse::<Format>().map_err(|e| anyhow!(e))?,
                PathBuf::from(file),
            ))
        })
        .collect()
}

fn emit(text: &str, out: Option<&PathBuf>) -> Result<()> {
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .context("cannot write to stdout")
        }
        Some(path) => {
            let mut file = AtomicFile::create(path)?;
            file.writer().write_all(text.as_bytes())?;
            file.commit().map(|_| ())
        }
    }
}

/// Prints what changed in the snapshot directory; whether anything fails the run.
fn review_snapshots(
    dir: &std::path::Path,
    outcomes: &[ScenarioOutcome],
    update: bool,
) -> Result<bool> {
    let changes = review::review(dir, outcomes, update)?;
    let mut failed = false;
    for (path, change) in &changes {
        let path = path.display();
        match change {
            Change::Unchanged => {}
            Change::Recorded => eprintln!("snapshot recorded: {path}"),
            Change::Updated => eprintln!("snapshot updated: {path}"),
            Change::Removed => eprintln!("unreferenced snapshot removed: {path}"),
            Change::Orphan => eprintln!("unreferenced snapshot (no scenario produced it): {path}"),
            Change::Changed(diff) => eprintln!("snapshot changed: {path}\n{diff}"),
        }
        failed |= change.fails();
    }
    if failed {
        eprintln!("snapshots differ: review the diffs, then accept them with `--update`");
    }
    Ok(failed)
}
