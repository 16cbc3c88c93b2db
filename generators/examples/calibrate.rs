//! Calibration: how fast serde_json writes the same ECS documents on this machine.
use detsim_generators::{Format, RenderOptions, testing};
use std::time::Instant;
fn main() {
    let values: Vec<serde_json::Value> = (0..20_000)
        .map(|n| {
            let mut line = String::new();
            Format::Ecs.render(
                &testing::varied_event(n),
                &RenderOptions::default(),
                &mut line,
            );
            serde_json::from_str(&line).unwrap()
        })
        .collect();
    let start = Instant::now();
    let mut out = Vec::with_capacity(8192);
    let mut total = 0;
    for _ in 0..5 {
        for value in &values {
            out.clear();
            serde_json::to_writer(&mut out, value).unwrap();
            total += out.len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "serde_json::to_writer: {:.0} docs/s ({total} bytes)",
        100_000.0 / secs
    );
}
