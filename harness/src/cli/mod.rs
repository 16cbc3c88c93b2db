//! The `detsim` command line: argument definitions and dispatch to one module per command.

mod bench;
mod generate;
mod lint;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for failed expectations or lint findings.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage and input errors.
pub const EXIT_ERROR: u8 = 2;

const AFTER_HELP: &str = "\
Examples:
  detsim                                  run the built-in suite
  detsim generate scenarios/lsass-spawns-cmd.yaml --seed 7
  detsim generate scenarios/ --seed 7 --out dataset/
  detsim lint my-scenarios/

Exit codes: 0 success, 1 failed expectations or lint findings, 2 usage or input error.";

/// Detection test harness: simulate attacks and benign noise as Windows process-creation events,
/// render them as each vendor writes them, and test detection rules against them.
#[derive(Parser, Debug)]
#[command(name = "detsim", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Hide progress bars
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate the events of scenarios, as canonical JSON lines with their labels
    #[command(after_help = "\
Examples:
  detsim generate scenarios/lsass-spawns-cmd.yaml            events on stdout
  detsim generate scenarios/ --seed 42 --out dataset/        dataset/events.ndjson, dataset/labels.ndjson
  detsim generate                                            the built-in suite

The same scenarios and seed always give byte-identical output.")]
    Generate(GenerateArgs),

    /// Check scenario files and report every problem; exit 1 if there is any
    #[command(after_help = "\
Examples:
  detsim lint scenarios/
  detsim lint my-scenario.yaml other-scenarios/")]
    Lint(LintArgs),

    /// Measure noise-generation speed and peak memory
    #[command(after_help = "\
Examples:
  detsim bench                                   1,000,000 workstation events
  detsim bench --events 10000000 --serialize     10 million events, also serialized to JSON")]
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Scenario files or directories (the built-in suite when none is given)
    pub paths: Vec<PathBuf>,

    /// Seed for every random choice
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Write DIR/events.ndjson and DIR/labels.ndjson instead of events on stdout
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Scenario files or directories (the built-in suite when none is given)
    pub paths: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Number of noise events to generate
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,

    /// Noise profile to generate
    #[arg(long, default_value = "workstation")]
    pub profile: String,

    /// Also serialize every event to canonical JSON (discarded)
    #[arg(long)]
    pub serialize: bool,

    /// Seed for every random choice
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        None => generate::summarize_builtin(cli.quiet),
        Some(Command::Generate(args)) => generate::run(&args, cli.quiet),
        Some(Command::Lint(args)) => lint::run(&args),
        Some(Command::Bench(args)) => bench::run(&args, cli.quiet),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  cause: {cause}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}
