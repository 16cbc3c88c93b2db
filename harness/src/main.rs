//! The `detsim` binary: parses arguments, runs the command, maps the outcome to an exit code.

use clap::Parser;

// Reading records allocates many small strings; mimalloc handles that pattern several times
// faster than the system allocator (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    detsim::cli::run(detsim::cli::Cli::parse())
}
