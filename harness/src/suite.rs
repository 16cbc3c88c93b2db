//! The built-in suite: the bundled scenarios and rules, embedded in the binary so that `detsim`
//! works from any directory.

use include_dir::{Dir, include_dir};

use crate::scenario::{self, Scenario, ScenarioError};

static SCENARIOS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../scenarios");
static RULES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../rules");

/// An embedded file: its path under the repository (`scenarios/x.yaml`) and its text.
pub struct Embedded {
    pub path: String,
    pub text: &'static str,
}

/// Every embedded scenario file, in path order.
pub fn scenario_files() -> Vec<Embedded> {
    files(&SCENARIOS, "scenarios", &["yaml", "yml"])
}

/// Every embedded rule file (Sigma `.yml`/`.yaml`, EQL `.toml`/`.eql`), in path order.
pub fn rule_files() -> Vec<Embedded> {
    files(&RULES, "rules", &["yml", "yaml", "toml", "eql"])
}

/// Loads the built-in scenarios; sources are named `builtin:scenarios/...`.
pub fn scenarios(seed: u64) -> (Vec<Scenario>, Vec<ScenarioError>) {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for file in scenario_files() {
        match scenario::load_str(file.text, &format!("builtin:{}", file.path), seed) {
            Ok(mut found) => loaded.append(&mut found),
            Err(mut found) => errors.append(&mut found),
        }
    }
    (loaded, errors)
}

fn files(dir: &'static Dir<'static>, root: &str, extensions: &[&str]) -> Vec<Embedded> {
    let mut out = Vec::new();
    collect(dir, root, extensions, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn collect(dir: &'static Dir<'static>, root: &str, extensions: &[&str], out: &mut Vec<Embedded>) {
    for file in dir.files() {
        let matches = file
            .path()
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e));
        if let (true, Some(text)) = (matches, file.contents_utf8()) {
            out.push(Embedded {
                path: format!("{root}/{}", file.path().display()),
                text,
            });
        }
    }
    for sub in dir.dirs() {
        collect(sub, root, extensions, out);
    }
}
