//! JUnit XML, which CI systems display natively: one test suite per scenario, one test case per
//! rule and format, failing with every failed expectation of that pair.

use std::fmt::Write;

use crate::outcome::ScenarioOutcome;

pub fn junit(outcomes: &[ScenarioOutcome]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let cases: usize = outcomes
        .iter()
        .map(|o| o.columns.len() * o.formats.len())
        .sum();
    let failures: usize = outcomes.iter().map(failed_cases).sum();
    let _ = writeln!(
        out,
        "<testsuites name=\"detsim\" tests=\"{cases}\" failures=\"{failures}\">"
    );
    for outcome in outcomes {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            escape(&outcome.scenario),
            outcome.columns.len() * outcome.formats.len(),
            failed_cases(outcome)
        );
        for (c, rule) in outcome.columns.iter().enumerate() {
            for (f, format) in outcome.formats.iter().enumerate() {
                let name = format!("{} on {}", rule.label(), format.name());
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    escape(&outcome.scenario),
                    escape(&name)
                );
                let status = &outcome.status[f][c];
                let problems = problems(outcome, &rule.label(), format.name());
                if !status.is_evaluated() {
                    let _ = writeln!(
                        out,
                        "><skipped message=\"{}\"/></testcase>",
                        escape(&status.describe())
                    );
                } else if problems.is_empty() {
                    out.push_str("/>\n");
                } else {
                    let _ = writeln!(
                        out,
                        "><failure message=\"{} failed expectation(s)\">{}</failure></testcase>",
                        problems.len(),
                        escape(&problems.join("\n"))
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn problems(outcome: &ScenarioOutcome, rule: &str, format: &str) -> Vec<String> {
    let failures = outcome
        .failures
        .iter()
        .filter(|f| f.rule == rule && f.format == format)
        .map(|f| format!("{} (event {}, {}): {}", f.origin, f.seq, f.image, f.message));
    let counts = outcome
        .count_checks
        .iter()
        .filter(|c| !c.ok && c.rule == rule && c.format == format)
        .map(|c| format!("{} unexpected alerts, expected {}", c.count, c.bounds));
    failures.chain(counts).collect()
}

fn failed_cases(outcome: &ScenarioOutcome) -> usize {
    let mut count = 0;
    for rule in &outcome.columns {
        for format in &outcome.formats {
            if !problems(outcome, &rule.label(), format.name()).is_empty() {
                count += 1;
            }
        }
    }
    count
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry other control characters, even as references.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
