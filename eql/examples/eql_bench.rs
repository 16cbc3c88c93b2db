//! Measures single-threaded evaluation speed of the bundled rule (cmd.exe under an unusual
//! parent) over synthetic flat ECS-like process events.
//!
//! Run: `cargo run --release -p detsim-eql --example eql_bench`

use detsim_eql::Rule;
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use std::time::Instant;

const EVENTS: usize = 100_000;
const ROUNDS: usize = 10;

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn event(rng: &mut Rng, i: usize) -> Map<String, Value> {
    let unusual = [
        "lsass.exe",
        "SearchIndexer.exe",
        "WerFault.exe",
        "spoolsv.exe",
        "dllhost.exe",
    ];
    let usual = [
        "explorer.exe",
        "services.exe",
        "svchost.exe",
        "powershell.exe",
        "code.exe",
    ];
    let other = [
        "chrome.exe",
        "svchost.exe",
        "conhost.exe",
        "notepad.exe",
        "OneDrive.exe",
    ];
    let roll = rng.next() % 100;
    let (name, parent) = match roll {
        0..=9 => ("cmd.exe", rng.pick(&unusual)),
        10..=39 => (
            if roll.is_multiple_of(2) {
                "cmd.exe"
            } else {
                "CMD.EXE"
            },
            rng.pick(&usual),
        ),
        _ => (rng.pick(&other), rng.pick(&usual)),
    };
    let parent_args = if parent == "dllhost.exe" && rng.next().is_multiple_of(2) {
        json!([
            "C:\\Windows\\system32\\DllHost.exe",
            "/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}"
        ])
    } else {
        json!([format!("C:\\Windows\\System32\\{parent}")])
    };
    let os = if rng.next().is_multiple_of(20) {
        "linux"
    } else {
        "windows"
    };
    let v = json!({
        "@timestamp": format!("2026-05-04T10:{:02}:{:02}.000Z", (i / 60) % 60, i % 60),
        "event.category": ["process"],
        "event.type": ["start", "process_started"],
        "event.kind": "event",
        "event.action": "start",
        "event.code": "1",
        "event.module": "sysmon",
        "host.name": format!("ws-{:03}", i % 500),
        "host.id": format!("host-{:03}", i % 500),
        "host.os.type": os,
        "host.os.family": "windows",
        "user.name": format!("user{}", i % 50),
        "user.domain": "CORP",
        "process.pid": 1000 + (i % 30000),
        "process.name": name,
        "process.executable": format!("C:\\Windows\\System32\\{name}"),
        "process.command_line": format!("{name} /c whoami"),
        "process.args": [name, "/c", "whoami"],
        "process.entity_id": format!("{{{i:08x}-0000}}"),
        "process.parent.pid": 500 + (i % 1000),
        "process.parent.name": parent,
        "process.parent.executable": format!("C:\\Windows\\System32\\{parent}"),
        "process.parent.args": parent_args,
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn main() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rules/eql/cmd-unusual-parent.toml");
    let rule = Rule::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let events: Vec<Map<String, Value>> = (0..EVENTS).map(|i| event(&mut rng, i)).collect();
    let mut best = f64::MAX;
    let mut hits = 0;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        hits = events.iter().filter(|e| rule.query.matches(*e)).count();
        best = best.min(start.elapsed().as_secs_f64());
    }
    let mut run_secs = f64::MAX;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let run_hits = rule
            .query
            .run(events.iter().enumerate().map(|(i, e)| (i as i64, e)))
            .len();
        run_secs = run_secs.min(start.elapsed().as_secs_f64());
        assert_eq!(run_hits, hits);
    }
    println!("rule: {} ({})", rule.name, rule.key);
    println!("events: {EVENTS} synthetic flat ECS process events, {hits} alerts");
    println!(
        "Query::matches, best of {ROUNDS} rounds: {:.1} ms, {:.0} events/s (single thread)",
        best * 1e3,
        EVENTS as f64 / best
    );
    println!(
        "Query::run, best of {ROUNDS} rounds: {:.1} ms, {:.0} events/s (single thread)",
        run_secs * 1e3,
        EVENTS as f64 / run_secs
    );
}
