//! The `detsim` command line: argument definitions and dispatch to one module per command.

mod bench;
mod eval;
mod explain;
mod generate;
mod lint;
mod output;
mod test;

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
  detsim                                  run the built-in suite (every scenario, rule, format)
  detsim test --rules my-rules/ --scenarios my-scenarios/ --snapshots outcomes/
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
    /// Run scenarios through every rule and format and check the expectations
    #[command(after_help = "\
Examples:
  detsim test                                               the built-in suite
  detsim test --rules rules/ --scenarios scenarios/ --format sysmon --format ecs
  detsim test --rules my-rules/ --snapshots outcomes/       review outcomes against snapshots
  detsim test --rules my-rules/ --snapshots outcomes/ --update   accept the new outcomes
  detsim test --report junit --out detsim.xml               for CI
  detsim test --pipeline ecs=my-ecs-pipeline.yml            your own Sigma field mapping

Exit codes: 0 every expectation held, 1 some failed or a snapshot changed, 2 input error.")]
    Test(TestArgs),

    /// Generate the events of scenarios, canonical or as each vendor writes them, with labels
    #[command(after_help = "\
Examples:
  detsim generate scenarios/lsass-spawns-cmd.yaml                 canonical events on stdout
  detsim generate scenarios/lsass-spawns-cmd.yaml --format sysmon Sysmon event XML on stdout
  detsim generate scenarios/ --format all --seed 42 --out dataset/
      dataset/sysmon.xml, sysmon-json.ndjson, ecs.ndjson, defender.ndjson, sentinelone.ndjson,
      labels.ndjson and manifest.json (versions, seed, counts and SHA-256 of every file)
  detsim generate --format defender --envelope --out dataset/     Defender streaming API form

The same scenarios and seed always give byte-identical output.")]
    Generate(GenerateArgs),

    /// Check scenarios and rules and report every problem; exit 1 if there is any
    #[command(after_help = "\
Examples:
  detsim lint                                     the built-in scenarios and rules
  detsim lint scenarios/ rules/
  detsim lint my-scenario.yaml my-rules/
  detsim lint detection-rules/rules/windows/      Elastic's published TOML rules")]
    Lint(LintArgs),

    /// Evaluate rules over existing records (detsim's or a product's real export)
    #[command(after_help = "\
Examples:
  detsim eval --format sysmon dataset/sysmon.xml                      the bundled rules
  detsim eval --rules my-rules/ --format ecs export.ndjson
  detsim eval --rules rules/sigma --format ecs --pipeline my-ecs.yml export.ndjson
  cat rows.ndjson | detsim eval --format defender

One JSON line per alert on stdout: rule key, id, title, language, format, record identifier,
file, line and the fields that matched. A summary on stderr: records read, bad lines (with
their line numbers; the rest of the file still reads), alerts per rule. Exit 2 when a line
could not be read.")]
    Eval(EvalArgs),

    /// Explain, field by field, why a rule fired or not on records
    #[command(after_help = "\
Examples:
  detsim explain --rule cmd-unusual-parent --format sysmon dataset/sysmon.xml --line 57
  detsim explain --rule 4b991083-3d0e-44ce-8fc4-b254025d8d4b --format ecs record.json")]
    Explain(ExplainArgs),

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

    /// Write a dataset into DIR: one file per format (or events.ndjson), labels.ndjson and
    /// manifest.json, instead of events on stdout
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Render in a vendor format (sysmon, sysmon-json, ecs, defender, sentinelone) or `all`;
    /// canonical JSON when absent
    #[arg(long, value_name = "NAME|all")]
    pub format: Option<String>,

    /// Wrap Defender rows as the streaming API writes them (category, properties)
    #[arg(long)]
    pub envelope: bool,
}

/// Output of `detsim test`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// A readable table per rule and format, and every failed expectation
    Table,
    /// The whole outcome as JSON
    Json,
    /// JUnit XML (needs `--out`)
    Junit,
}

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Scenario files or directories (the built-in scenarios when none is given)
    #[arg(long = "scenarios", value_name = "PATH", help_heading = "Inputs")]
    pub scenarios: Vec<PathBuf>,

    /// Rule files or directories: Sigma `.yml`, Elastic `.toml`, `.eql` (the bundled rules when none)
    #[arg(long = "rules", value_name = "PATH", help_heading = "Inputs")]
    pub rules: Vec<PathBuf>,

    /// Only the rules with this key or id
    #[arg(long = "rule", value_name = "KEY", help_heading = "Inputs")]
    pub rule: Vec<String>,

    /// Formats to test (all when none is given)
    #[arg(long = "format", value_name = "NAME", help_heading = "Inputs")]
    pub formats: Vec<String>,

    /// A Sigma pipeline of your own for a format, replacing the bundled one
    #[arg(long = "pipeline", value_name = "FORMAT=FILE", help_heading = "Inputs")]
    pub pipelines: Vec<String>,

    /// Seed for every random choice
    #[arg(long, default_value_t = 1, help_heading = "Inputs")]
    pub seed: u64,

    /// Report format
    #[arg(long, value_enum, default_value = "table", help_heading = "Output")]
    pub report: ReportKind,

    /// Write the report to FILE instead of stdout
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub out: Option<PathBuf>,

    /// Also print every scenario's outcome matrix (table report)
    #[arg(long, help_heading = "Output")]
    pub matrix: bool,

    /// Compare each scenario's outcome matrix with DIR/<scenario>.txt; record missing ones
    #[arg(long, value_name = "DIR", help_heading = "Snapshots")]
    pub snapshots: Option<PathBuf>,

    /// Accept changed outcomes: rewrite changed snapshots and remove unreferenced ones
    #[arg(long, requires = "snapshots", help_heading = "Snapshots")]
    pub update: bool,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Rule files or directories (the bundled rules when none is given)
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Only the rules with this key or id
    #[arg(long = "rule", value_name = "KEY")]
    pub rule: Vec<String>,

    /// Format of the records
    #[arg(long, value_name = "NAME")]
    pub format: String,

    /// A Sigma pipeline of your own for this format, replacing the bundled one
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<PathBuf>,

    #[arg(skip)]
    pub pipelines: Vec<String>,

    /// Files of records, one per line (stdin when none is given)
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The rule's key or id (both languages when they share a key)
    #[arg(long, value_name = "KEY")]
    pub rule: String,

    /// Format of the records
    #[arg(long, value_name = "NAME")]
    pub format: String,

    /// Rule files or directories (the bundled rules when none is given)
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// A Sigma pipeline of your own for this format
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<PathBuf>,

    /// Only the record on this line
    #[arg(long, value_name = "N")]
    pub line: Option<usize>,

    /// A file of records (stdin when absent)
    pub file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Scenario and rule files or directories (the built-in ones when none is given)
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
        None => test::run_builtin(cli.quiet),
        Some(Command::Test(args)) => test::run(&args, cli.quiet),
        Some(Command::Generate(args)) => generate::run(&args, cli.quiet),
        Some(Command::Lint(args)) => lint::run(&args),
        Some(Command::Eval(args)) => eval::run(&args),
        Some(Command::Explain(args)) => explain::run(&args),
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
