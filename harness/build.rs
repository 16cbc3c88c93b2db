//! Rebuilds detsim when the bundled scenarios or rules change: they are embedded in the binary
//! with `include_dir!`, which cannot see new files on its own.

fn main() {
    println!("cargo:rerun-if-changed=../scenarios");
    println!("cargo:rerun-if-changed=../rules");
    println!("cargo:rerun-if-changed=data");
}
