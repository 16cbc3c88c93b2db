//! `detsim lint`: loads scenarios and rules and reports every problem, exit 1 if there is any.
//!
//! YAML files are scenarios when they have a top-level `scenario:` key and Sigma rules
//! otherwise; `.toml` (Elastic detection-rules) and `.eql` files are EQL rules.

use std::path::{Path, PathBuf};

use anyhow::Result;
use detsim_detect::{LintLevel, lint_rules};

use super::{EXIT_FINDINGS, EXIT_OK, LintArgs};
use crate::rules::RuleSet;
use crate::scenario;
use crate::suite;

pub fn run(args: &LintArgs) -> Result<u8> {
    let (scenarios, scenario_errors, rules, rule_problems) = if args.paths.is_empty() {
        let (scenarios, errors) = suite::scenarios(0);
        let (rules, problems) = RuleSet::builtin();
        (scenarios.len(), errors, rules, problems)
    } else {
        let (scenario_files, rule_files) = classify(&args.paths);
        let (scenarios, errors) = scenario::load_paths(&scenario_files, 0);
        let (rules, problems) = RuleSet::load(&rule_files);
        (scenarios.len(), errors, rules, problems)
    };

    for error in &scenario_errors {
        println!("{error}");
    }
    for problem in &rule_problems {
        println!("{problem}");
    }
    let findings = lint_rules(&rules.sigma);
    let mut counted = 0;
    for finding in &findings {
        let level = match finding.level {
            LintLevel::Error => "error",
            LintLevel::Warning => "warning",
            LintLevel::Info => "info",
        };
        counted += usize::from(finding.level != LintLevel::Info);
        println!(
            "{}: {level}[{}] {}: {}",
            finding.path, finding.code, finding.rule_key, finding.message
        );
    }

    let problems = scenario_errors.len() + rule_problems.len() + counted;
    eprintln!(
        "{scenarios} scenario{}, {} Sigma rule{} and {} EQL rule{} loaded; {problems} problem{}",
        plural(scenarios),
        rules.sigma.len(),
        plural(rules.sigma.len()),
        rules.eql.len(),
        plural(rules.eql.len()),
        plural(problems),
    );
    Ok(if problems == 0 {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Splits the files under `paths` into scenarios and rules.
fn classify(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut scenarios, mut rules) = (Vec::new(), Vec::new());
    for path in paths {
        let mut pending = vec![path.clone()];
        while let Some(next) = pending.pop() {
            if next.is_dir() {
                if let Ok(entries) = std::fs::read_dir(&next) {
                    pending.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
                }
                continue;
            }
            match next.extension().and_then(|e| e.to_str()) {
                Some("toml" | "eql") => rules.push(next),
                Some("yml" | "yaml") if is_scenario(&next) => scenarios.push(next),
                Some("yml" | "yaml") => rules.push(next),
                // A file named on the command line is reported by the scenario loader.
                _ if next == *path => scenarios.push(next),
                _ => {}
            }
        }
    }
    scenarios.sort();
    rules.sort();
    (scenarios, rules)
}

/// A YAML file whose top level has a `scenario:` key (or that does not read at all, so the
/// scenario loader reports where).
fn is_scenario(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return true;
    };
    text.lines().any(|line| line.starts_with("scenario:"))
        || !text.lines().any(|l| l.starts_with("detection:"))
}
