//! The `detsim` binary: parses arguments, runs the command, maps the outcome to an exit code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    detsim::cli::run(detsim::cli::Cli::parse())
}
