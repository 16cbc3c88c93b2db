//! `detsim explain`: why a rule fired or stayed quiet on each record, field by field.

use std::fs::File;
use std::io::{BufRead, BufReader};

use anyhow::{Context, Result, anyhow, bail};
use detsim_generators::{Format, Record, read_lines};

use super::test::load_rules;
use super::{EXIT_OK, ExplainArgs};
use crate::detect::FormatDetectors;
use crate::ecs;
use crate::rules::RuleInfo;

pub fn run(args: &ExplainArgs) -> Result<u8> {
    let format: Format = args.format.parse().map_err(|e| anyhow!("{e}"))?;
    let rules = load_rules(&args.rules, std::slice::from_ref(&args.rule))?;
    let detectors = FormatDetectors::new(&rules, format, args.pipeline.as_deref())
        .with_context(|| format!("cannot compile the rules for {format}"))?;
    let reader: Box<dyn BufRead> = match &args.file {
        None => Box::new(BufReader::new(std::io::stdin())),
        Some(path) => Box::new(BufReader::new(
            File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?,
        )),
    };
    let mut shown = 0;
    for (line, result) in read_lines(format, reader) {
        if args.line.is_some_and(|wanted| wanted != line) {
            continue;
        }
        let record = result.map_err(|e| anyhow!("line {line}: {e}"))?;
        println!(
            "record at line {line} ({}):",
            format.record_id(&record).unwrap_or_default()
        );
        for (column, rule) in detectors.columns().iter().enumerate() {
            println!("{}", explain(&detectors, column, rule, &record));
        }
        shown += 1;
    }
    if shown == 0 {
        bail!(
            "no record to explain{}",
            args.line.map_or(String::new(), |l| format!(" at line {l}"))
        );
    }
    Ok(EXIT_OK)
}

/// One rule's explanation on one record.
fn explain(detectors: &FormatDetectors, column: usize, rule: &RuleInfo, record: &Record) -> String {
    let status = detectors.status(column);
    if !status.is_evaluated() {
        return format!("  {}: {}", rule.label(), status.describe());
    }
    if let Some(text) = detectors.explain_sigma(column, record) {
        return text
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n");
    }
    let Some(eql) = detectors.eql_rule(column) else {
        return format!("  {}: no explanation available", rule.label());
    };
    let normalised = ecs::normalise(detectors.format, record);
    let fired = !detectors
        .evaluate(std::slice::from_ref(record))
        .iter()
        .all(|h| h.column != column);
    let mut out = format!(
        "  rule `{}` ({}): {}\n  verdict: {}\n  the query reads these ECS fields of the record{}:",
        rule.key,
        rule.id.as_deref().unwrap_or("no id"),
        rule.title,
        match (eql.query.is_sequence(), fired) {
            (true, _) =>
                "none on one record (a sequence or sample: `detsim eval` runs it over the stream)",
            (false, true) => "fires",
            (false, false) => "stays quiet",
        },
        match ecs::mapping(detectors.format) {
            Some(mapping) => format!(" (normalised as {} does it)", mapping.integration),
            None => String::new(),
        }
    );
    for field in eql.query.fields() {
        match normalised.get(field) {
            Some(value) => out.push_str(&format!("\n    {field} = {value}")),
            None => out.push_str(&format!("\n    {field} is missing")),
        }
    }
    if let Some(explanation) = detectors.explain(column, record) {
        out.push_str("\n  clause by clause (true or false on this record):");
        for line in explanation.lines() {
            out.push_str(&format!("\n    {line}"));
        }
    }
    if eql.query.is_sequence() {
        out.push_str("\n  query:");
        for line in eql.query_text.trim().lines() {
            out.push_str(&format!("\n    {line}"));
        }
    }
    out
}
