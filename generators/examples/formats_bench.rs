//! Times rendering and reading of every format, single-threaded, over ~100,000 varied synthetic
//! events built from the model.
//!
//! Run: `cargo run --release -p detsim-generators --example formats_bench`

use std::hint::black_box;
use std::time::Instant;

use detsim_generators::{Format, ProcessEvent, RenderOptions, testing};

const EVENTS: u64 = 100_000;
/// Timed passes per format; the best is reported, to discount scheduling noise.
const PASSES: usize = 5;

fn main() {
    let fleet = testing::Fleet::new(16);
    let events: Vec<ProcessEvent> = (0..EVENTS).map(|n| fleet.event(n)).collect();
    println!(
        "{} events, best of {PASSES} passes, one thread; events per second of on-CPU time,",
        events.len()
    );
    println!("then of wall time (which also counts waiting for a core on a shared machine)");
    println!(
        "{:<20} {:>13} {:>13} {:>13} {:>13} {:>7}",
        "format", "render ev/s", "(wall)", "read ev/s", "(wall)", "bytes"
    );
    // Optional arguments name the formats to time (`defender+envelope` for the wrapped form).
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let mut cases: Vec<(Format, bool)> =
        Format::ALL.iter().map(|format| (*format, false)).collect();
    cases.push((Format::Defender, true));
    cases.retain(|(format, envelope)| {
        let name = format!("{format}{}", if *envelope { "+envelope" } else { "" });
        wanted.is_empty() || wanted.contains(&name)
    });
    for (format, envelope) in cases {
        let options = RenderOptions { envelope };
        let render = best(|| {
            let mut line = String::with_capacity(8 * 1024);
            let mut bytes = 0;
            for event in &events {
                line.clear();
                format.render(event, &options, &mut line);
                bytes += line.len();
            }
            black_box(bytes)
        });

        let lines: Vec<String> = events
            .iter()
            .map(|event| {
                let mut line = String::new();
                format.render(event, &options, &mut line);
                line
            })
            .collect();
        let bytes: usize = lines.iter().map(String::len).sum();
        let read = best(|| {
            let mut fields = 0;
            for line in &lines {
                fields += format.read(line).map(|record| record.len()).unwrap_or(0);
            }
            black_box(fields)
        });
        let name = if envelope {
            format!("{format} (envelope)")
        } else {
            format.to_string()
        };
        let rate = |seconds: f64| EVENTS as f64 / seconds;
        println!(
            "{name:<20} {:>13.0} {:>13.0} {:>13.0} {:>13.0} {:>7}",
            rate(render.cpu.unwrap_or(render.wall)),
            rate(render.wall),
            rate(read.cpu.unwrap_or(read.wall)),
            rate(read.wall),
            bytes / lines.len()
        );
    }
}

/// Wall and on-CPU seconds of one run.
#[derive(Clone, Copy)]
struct Timing {
    wall: f64,
    cpu: Option<f64>,
}

/// The fastest of `PASSES` runs (by on-CPU time where the kernel reports it, else wall time).
fn best<T>(mut run: impl FnMut() -> T) -> Timing {
    let timings = (0..PASSES).map(|_| {
        let (start, cpu_start) = (Instant::now(), cpu_seconds());
        black_box(run());
        let cpu = cpu_start.zip(cpu_seconds()).map(|(start, end)| end - start);
        Timing {
            wall: start.elapsed().as_secs_f64(),
            cpu,
        }
    });
    timings
        .min_by(|a, b| a.cpu.unwrap_or(a.wall).total_cmp(&b.cpu.unwrap_or(b.wall)))
        .unwrap_or(Timing {
            wall: f64::NAN,
            cpu: None,
        })
}

/// Seconds this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`), which leaves
/// out time spent waiting for a core on a shared machine.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}
