//! `detsim lint`: loads scenarios and reports every problem.

use anyhow::Result;

use super::{EXIT_FINDINGS, EXIT_OK, LintArgs};
use crate::scenario;
use crate::suite;

pub fn run(args: &LintArgs) -> Result<u8> {
    let (scenarios, errors) = if args.paths.is_empty() {
        suite::scenarios(0)
    } else {
        scenario::load_paths(&args.paths, 0)
    };
    for error in &errors {
        println!("{error}");
    }
    let problems = errors.len();
    eprintln!(
        "{} scenario{} loaded, {problems} problem{}",
        scenarios.len(),
        if scenarios.len() == 1 { "" } else { "s" },
        if problems == 1 { "" } else { "s" }
    );
    Ok(if problems == 0 {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}
