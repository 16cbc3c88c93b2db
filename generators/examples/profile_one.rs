//! Renders one format in a loop, for profiling.
use detsim_generators::{Format, RenderOptions, testing};
fn main() {
    let format: Format = std::env::args()
        .nth(1)
        .unwrap_or("ecs".into())
        .parse()
        .unwrap();
    let fleet = testing::Fleet::new(16);
    let events: Vec<_> = (0..std::env::args()
        .nth(2)
        .map_or(20_000, |n| n.parse().unwrap()))
        .map(|n| fleet.event(n))
        .collect();
    let mut line = String::new();
    let mut total = 0;
    for _ in 0..(400_000 / events.len()) {
        for event in &events {
            line.clear();
            format.render(event, &RenderOptions::default(), &mut line);
            total += line.len();
        }
    }
    println!("{total}");
}
