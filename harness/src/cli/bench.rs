//! `detsim bench`: measures how fast the simulator generates noise, and its peak memory.

use std::io::Write;
use std::time::Instant;

use anyhow::Result;

use super::output::progress;
use super::{BenchArgs, EXIT_OK};
use crate::scenario::load_str;
use crate::sim::Timeline;

pub fn run(args: &BenchArgs, quiet: bool) -> Result<u8> {
    let text = format!(
        "scenario: bench\nhost: BENCH-01.corp.example.com\nnoise:\n  profile: {}\n  events: {}\n",
        args.profile, args.events
    );
    let scenario = load_str(&text, "bench", args.seed)
        .map_err(|errors| anyhow::anyhow!(crate::scenario::ScenarioErrors(errors)))?
        .remove(0);
    let bar = progress(Some(args.events), quiet, "generating");
    let mut sink = std::io::sink();
    let mut line = Vec::with_capacity(4096);
    let mut bytes = 0u64;
    let started = Instant::now();
    let mut count = 0u64;
    for event in Timeline::new(&scenario, args.seed) {
        if args.serialize {
            line.clear();
            serde_json::to_writer(&mut line, &event)?;
            bytes += line.len() as u64 + 1;
            sink.write_all(&line)?;
        }
        count += 1;
        if count.is_multiple_of(65_536) {
            bar.set_position(count);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    println!("profile            {}", args.profile);
    println!("events             {count}");
    println!(
        "serialized         {}",
        if args.serialize {
            "canonical JSON"
        } else {
            "no"
        }
    );
    if args.serialize {
        println!("bytes              {bytes}");
    }
    println!("seconds            {elapsed:.3}");
    println!(
        "events per second  {:.0} (one thread)",
        count as f64 / elapsed
    );
    match peak_memory_kib() {
        Some(kib) => println!("peak memory        {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory        unknown (no /proc/self/status)"),
    }
    Ok(EXIT_OK)
}

/// The process's peak resident set size (`VmHWM`), in KiB, where Linux reports it.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
