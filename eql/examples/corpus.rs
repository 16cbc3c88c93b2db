//! Loads every `.toml` rule under a directory with `Rule::load` and reports how many load,
//! the refusals grouped by feature or message, and a census of the language features used.
//!
//! Run: `cargo run --release -p detsim-eql --example corpus -- path/to/detection-rules`

use detsim_eql::Rule;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: corpus DIR");
        std::process::exit(2);
    };
    let verbose = std::env::args().any(|a| a == "-v");
    let mut files = Vec::new();
    if let Err(e) = walk(Path::new(&dir), &mut files) {
        eprintln!("cannot read {dir}: {e}");
        std::process::exit(1);
    }
    files.sort();
    let mut loaded = 0usize;
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    let mut census: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut sequences = 0usize;
    for f in &files {
        match Rule::load(f) {
            Ok(rule) => {
                loaded += 1;
                if rule.query.is_sequence() {
                    sequences += 1;
                }
                for feat in rule.query.features() {
                    *census.entry(feat).or_default() += 1;
                }
            }
            Err(e) => {
                let reason = match e.eql_error() {
                    Some(q) => q
                        .feature()
                        .map_or_else(|| q.message(), |f| format!("unsupported {f}")),
                    None => e.to_string(),
                };
                if verbose {
                    eprintln!("{e}");
                }
                *refusals.entry(reason).or_default() += 1;
            }
        }
    }
    println!("total:   {}", files.len());
    println!("loaded:  {loaded} ({sequences} sequences or samples)");
    println!("refused: {}", files.len() - loaded);
    if !refusals.is_empty() {
        println!("\nrefusals by feature or message:");
        let mut rows: Vec<_> = refusals.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (reason, n) in rows {
            println!("  {n:>5}  {reason}");
        }
    }
    println!("\nfeatures used (rules using each):");
    let mut rows: Vec<_> = census.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (feat, n) in rows {
        println!("  {n:>5}  {feat}");
    }
}
