//! Prints the test-support event in every format (for eyeballing output against references).
use detsim_generators::{Format, RenderOptions, testing};

fn main() {
    for event in [testing::event(), testing::event_with_unknown_parent()] {
        for format in Format::ALL {
            for envelope in [false, true] {
                if envelope && format != Format::Defender {
                    continue;
                }
                let mut out = String::new();
                format.render(&event, &RenderOptions { envelope }, &mut out);
                println!("== {format} envelope={envelope}\n{out}");
            }
        }
    }
}
