//! Snapshot review for rule repositories: `detsim test --snapshots DIR` keeps each scenario's
//! outcome matrix in `DIR/<scenario>.txt`; later runs show a diff and fail when an outcome
//! changed, until `--update` accepts it. This is the regression workflow for a user's own rules.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use similar::TextDiff;

use crate::outcome::ScenarioOutcome;
use crate::report::matrix;

/// What happened to one snapshot file.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    /// Written for the first time.
    Recorded,
    /// Differs from the stored matrix; holds the unified diff.
    Changed(String),
    /// Differs, and `--update` wrote the new matrix.
    Updated,
    /// A stored snapshot no scenario of this run produced.
    Orphan,
    /// An orphan that `--update` deleted.
    Removed,
}

impl Change {
    /// Whether this change fails the run.
    pub fn fails(&self) -> bool {
        matches!(self, Change::Changed(_) | Change::Orphan)
    }
}

/// The file name of a scenario's snapshot: `/` becomes `__`, anything unusual `_`.
pub fn snapshot_name(scenario: &str) -> String {
    let mut name = String::with_capacity(scenario.len() + 4);
    for c in scenario.chars() {
        match c {
            '/' => name.push_str("__"),
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') => name.push(c),
            _ => name.push('_'),
        }
    }
    name.push_str(".txt");
    name
}

/// Compares (and with `update`, rewrites) the snapshots of a run.
pub fn review(
    dir: &Path,
    outcomes: &[ScenarioOutcome],
    update: bool,
) -> Result<Vec<(PathBuf, Change)>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut changes = Vec::new();
    let mut expected = BTreeSet::new();
    for outcome in outcomes {
        let path = dir.join(snapshot_name(&outcome.scenario));
        expected.insert(path.clone());
        let current = matrix(outcome);
        let change = match std::fs::read_to_string(&path) {
            Ok(stored) if stored == current => Change::Unchanged,
            Ok(stored) if update => {
                write(&path, &current)?;
                let _ = stored;
                Change::Updated
            }
            Ok(stored) => Change::Changed(
                TextDiff::from_lines(&stored, &current)
                    .unified_diff()
                    .context_radius(2)
                    .header("stored", "this run")
                    .to_string(),
            ),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                write(&path, &current)?;
                Change::Recorded
            }
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read `{}`", path.display()));
            }
        };
        changes.push((path, change));
    }
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read `{}`", dir.display()))?;
    let mut orphans: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt") && !expected.contains(p))
        .collect();
    orphans.sort();
    for path in orphans {
        if update {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove `{}`", path.display()))?;
            changes.push((path, Change::Removed));
        } else {
            changes.push((path, Change::Orphan));
        }
    }
    Ok(changes)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_are_safe_file_names() {
        assert_eq!(
            snapshot_name("cmd-under/lsass.exe"),
            "cmd-under__lsass.exe.txt"
        );
        assert_eq!(snapshot_name("a b:c"), "a_b_c.txt");
    }
}
