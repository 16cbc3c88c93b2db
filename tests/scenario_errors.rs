//! Every malformed scenario gets a clear error naming the file, line and column and what was
//! expected. Each fixture in `tests/fixtures/bad-scenarios/` is one kind of mistake; the error
//! text is pinned in `snapshots/scenario_error__<fixture>.snap`.

use crate::support::{root, with_snapshots};

#[test]
fn every_bad_scenario_fixture_gets_a_located_error() {
    let dir = root().join("tests/fixtures/bad-scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the full fixture set, found {}",
        files.len()
    );

    let mut expected = std::collections::BTreeSet::new();
    for file in files {
        let stem = file.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        let source = format!("tests/fixtures/bad-scenarios/{stem}.yaml");
        let errors = detsim::scenario::load_str(&text, &source, 0)
            .expect_err(&format!("{stem} must not load"));
        let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
        for error in &errors {
            assert!(
                error.line > 0 && error.column > 0,
                "{stem}: no position in `{error}`"
            );
        }
        let name = format!("scenario_error__{stem}");
        with_snapshots(|| insta::assert_snapshot!(name.clone(), rendered.join("\n")));
        expected.insert(format!("{name}.snap"));
    }
    crate::suite::assert_no_orphans("scenario_error__", &expected);
}
