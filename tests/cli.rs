//! The `detsim` binary end to end: datasets, evaluation of existing records, the snapshot
//! review workflow, reports, lint, and exit codes.

use std::path::Path;
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

use crate::support::root;

fn detsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_detsim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("detsim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn datasets_are_byte_identical_per_seed_and_the_manifest_checks_them() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    for (out, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
        let run = detsim(&[
            "generate",
            "scenarios/lsass-spawns-cmd.yaml",
            "--format",
            "all",
            "--seed",
            seed,
            "--out",
            path(out),
        ]);
        assert!(run.status.success(), "{}", text(&run.stderr));
    }
    let files = [
        "sysmon.xml",
        "sysmon-json.ndjson",
        "ecs.ndjson",
        "defender.ndjson",
        "sentinelone.ndjson",
        "labels.ndjson",
    ];
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    for (i, name) in files.iter().enumerate() {
        let first = std::fs::read(a.join(name)).unwrap();
        assert_eq!(
            first,
            std::fs::read(b.join(name)).unwrap(),
            "{name} differs for one seed"
        );
        assert_ne!(
            first,
            std::fs::read(c.join(name)).unwrap(),
            "{name} same for two seeds"
        );
        let entry = &manifest["files"][i];
        assert_eq!(entry["file"], *name);
        assert_eq!(entry["records"], 202);
        let digest = detsim_generators::model::hex(&Sha256::digest(&first), false);
        assert_eq!(entry["sha256"], digest.as_str(), "{name}");
        assert_eq!(
            first.iter().filter(|b| **b == b'\n').count(),
            202,
            "{name}: one record a line"
        );
    }
    assert_eq!(manifest["seed"], 3);
    assert!(!dir.path().read_dir().unwrap().any(|e| {
        let name = e.unwrap().file_name();
        name.to_string_lossy().ends_with(".partial")
    }));
}

#[test]
fn labels_join_to_every_format_by_native_id() {
    let dir = tempfile::tempdir().unwrap();
    let run = detsim(&[
        "generate",
        "scenarios/lsass-spawns-cmd.yaml",
        "--format",
        "all",
        "--out",
        path(dir.path()),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let labels = std::fs::read_to_string(dir.path().join("labels.ndjson")).unwrap();
    let shell: serde_json::Value = labels
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["step"] == "shell")
        .unwrap();
    for format in detsim_generators::Format::ALL {
        let file = dir
            .path()
            .join(format!("{}.{}", format.name(), format.extension()));
        let reader = std::io::BufReader::new(std::fs::File::open(file).unwrap());
        let matching = detsim_generators::read_lines(format, reader)
            .filter_map(|(_, record)| format.record_id(&record.unwrap()))
            .filter(|id| shell["ids"][format.name()] == id.as_str())
            .count();
        assert_eq!(
            matching, 1,
            "{format}: the label's id must find exactly one record"
        );
    }
}

#[test]
fn several_formats_need_a_directory() {
    let run = detsim(&[
        "generate",
        "scenarios/lsass-spawns-cmd.yaml",
        "--format",
        "all",
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("several formats need a directory"),
        "{}",
        text(&run.stderr)
    );
}

/// The contract example's events as Elastic Defend records, in `DIR/ecs.ndjson`.
fn ecs_dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = path(dir.path()).to_string();
    let run = detsim(&[
        "generate",
        "scenarios/lsass-spawns-cmd.yaml",
        "--format",
        "ecs",
        "--out",
        &out,
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    dir
}

#[test]
fn eval_reports_alerts_and_keeps_reading_after_bad_lines() {
    let dir = ecs_dataset();
    let good = std::fs::read_to_string(dir.path().join("ecs.ndjson")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(3, "{\"truncated\": ");
    lines.insert(10, "not json at all");
    let damaged = dir.path().join("damaged.ndjson");
    std::fs::write(&damaged, lines.join("\n")).unwrap();

    let run = detsim(&["eval", "--format", "ecs", path(&damaged)]);
    assert_eq!(run.status.code(), Some(2), "bad lines are an input error");
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("records read: 202, bad lines: 2"),
        "{stderr}"
    );
    assert!(stderr.contains("line 4"), "{stderr}");
    assert!(stderr.contains("line 11"), "{stderr}");
    let alerts: Vec<serde_json::Value> = text(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(alerts.len(), 2, "one EQL and one Sigma alert: {alerts:?}");
    for alert in &alerts {
        assert_eq!(alert["rule"], "cmd-unusual-parent");
        assert_eq!(alert["format"], "ecs");
        // The fields that decided: the parent's name for EQL, its path for Sigma.
        let parent = match alert["language"].as_str() {
            Some("eql") => &alert["fields"]["process.parent.name"],
            _ => &alert["fields"]["process.parent.executable"],
        };
        assert!(
            parent.as_str().is_some_and(|p| p.ends_with("lsass.exe")),
            "{alert}"
        );
        assert!(alert["record_id"].is_string() && alert["line"].is_number());
    }
}

#[test]
fn explain_shows_each_languages_reasons_on_the_excluded_dllhost_launch() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("ecs.ndjson");
    let run = detsim(&[
        "generate",
        "scenarios/false-positives/dllhost-exclusion.yaml",
        "--format",
        "ecs",
        "-q",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    std::fs::write(&records, &run.stdout).unwrap();
    // The cmd.exe started by dllhost.exe with the excluded COM class id.
    let line = text(&run.stdout)
        .lines()
        .position(|l| l.contains("/Processid:{CA8C87C1") && l.contains("\"name\":\"cmd.exe\""))
        .expect("the excluded launch is generated")
        + 1;
    let run = detsim(&[
        "explain",
        "--rule",
        "cmd-unusual-parent",
        "--format",
        "ecs",
        "--line",
        &line.to_string(),
        path(&records),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let out = text(&run.stdout);
    // Sigma has no exclusion and fires; EQL stays quiet, and the clause that decided it is
    // the `not` around the exclusion, whose two parts both held.
    let (sigma, eql) = out
        .split_once("Unusual Parent Process for cmd.exe")
        .unwrap();
    assert!(sigma.contains("verdict: fires"), "{out}");
    assert!(eql.contains("verdict: stays quiet"), "{out}");
    let clauses: Vec<&str> = eql
        .lines()
        .skip_while(|l| !l.contains("clause by clause"))
        .skip(1)
        .map(str::trim_end)
        .collect();
    assert_eq!(clauses[0], "    false process where (all of):", "{eql}");
    assert!(
        clauses.contains(&"    true    process.name : \"cmd.exe\""),
        "{eql}"
    );
    let not = clauses.iter().position(|l| l.ends_with("not:")).unwrap();
    assert_eq!(clauses[not], "    false   not:", "{eql}");
    assert_eq!(clauses[not + 1], "    true      all of:", "{eql}");
    assert_eq!(
        clauses[not + 3],
        "    true        process.parent.args : \"/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}\"",
        "{eql}"
    );

    // A sequence's verdict rests on several records: the query is shown instead.
    let run = detsim(&[
        "explain",
        "--rule",
        "cmd-then-whoami",
        "--rules",
        "tests/fixtures/sequence/cmd-then-whoami.eql",
        "--format",
        "ecs",
        "--line",
        &line.to_string(),
        path(&records),
    ]);
    let out = text(&run.stdout);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        out.contains("a sequence: its verdict also rests on other records"),
        "{out}"
    );
    // The excluded launch is a cmd.exe start: it passes the first term, not the second.
    let terms: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" of the sequence: "))
        .collect();
    assert_eq!(
        terms,
        [
            "    true  term 1 of the sequence: process where (all of):",
            "    false term 2 of the sequence: process where (all of):"
        ],
        "{out}"
    );
}

#[test]
fn a_users_pipeline_changes_the_verdict_it_gets_wrong() {
    let pipeline = "tests/fixtures/pipelines/ecs-winlogbeat-sysmon.yml";
    let args = [
        "eval",
        "--format",
        "ecs",
        "--rules",
        "rules/sigma/cmd-unusual-parent.yml",
    ];
    let dir = ecs_dataset();
    let file = dir.path().join("ecs.ndjson");

    let bundled = detsim(&[&args[..], &[path(&file)]].concat());
    assert_eq!(
        text(&bundled.stdout).lines().count(),
        1,
        "{}",
        text(&bundled.stderr)
    );
    let wrong = detsim(&[&args[..], &["--pipeline", pipeline, path(&file)]].concat());
    assert!(wrong.status.success(), "{}", text(&wrong.stderr));
    assert_eq!(
        text(&wrong.stdout),
        "",
        "the Sysmon channel gate never matches Defend data"
    );
}

#[test]
fn the_snapshot_workflow_records_detects_changes_and_accepts_them() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let original =
        std::fs::read_to_string(root().join("rules/eql/cmd-unusual-parent.toml")).unwrap();
    std::fs::write(rules.join("cmd-unusual-parent.toml"), &original).unwrap();
    let snapshots = dir.path().join("outcomes");
    let test = |extra: &[&str]| {
        let base = [
            "test",
            "--scenarios",
            "scenarios/lsass-spawns-cmd.yaml",
            "--rules",
            path(&rules),
            "--snapshots",
            path(&snapshots),
        ];
        detsim(&[&base[..], extra].concat())
    };

    let first = test(&[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stderr).contains("snapshot recorded"));
    let unchanged = test(&[]);
    assert!(unchanged.status.success(), "{}", text(&unchanged.stderr));

    // A rule change that drops lsass.exe from the parent list: the outcome changes.
    let changed = original.replacen("(\"lsass.exe\",", "(", 1);
    assert_ne!(changed, original);
    std::fs::write(rules.join("cmd-unusual-parent.toml"), changed).unwrap();
    let run = test(&[]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("snapshot changed"), "{stderr}");
    let lost = stderr
        .lines()
        .any(|l| l.starts_with("-shell cmd.exe < lsass.exe") && l.contains("| A "));
    let now = stderr
        .lines()
        .any(|l| l.starts_with("+shell cmd.exe < lsass.exe") && l.contains("| .!"));
    assert!(lost && now, "the diff shows the lost alert: {stderr}");
    let accepted = test(&["--update"]);
    assert!(
        text(&accepted.stderr).contains("snapshot updated"),
        "{}",
        text(&accepted.stderr)
    );
    assert_eq!(
        accepted.status.code(),
        Some(1),
        "the expectation itself still fails"
    );

    std::fs::write(snapshots.join("gone-scenario.txt"), "old").unwrap();
    let orphan = test(&[]);
    assert!(text(&orphan.stderr).contains("unreferenced snapshot"));
    test(&["--update"]);
    assert!(!snapshots.join("gone-scenario.txt").exists());
}

#[test]
fn reports_for_ci() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("detsim.xml");
    let run = detsim(&[
        "test",
        "--scenarios",
        "scenarios/advisory/evasions.yaml",
        "--report",
        "junit",
        "--out",
        path(&junit),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(
        xml.contains("<testsuite name=\"evasions\" tests=\"15\" failures=\"0\">"),
        "{xml}"
    );
    assert!(xml.contains("<skipped message=\"not applicable"), "{xml}");

    let run = detsim(&[
        "test",
        "--scenarios",
        "scenarios/advisory/evasions.yaml",
        "--report",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["passed"], true);
    let rows = report["scenarios"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let renamed = rows
        .iter()
        .find(|r| r["origin"] == "renamed-shell")
        .unwrap();
    assert_eq!(renamed["cells"][0][0]["class"], "false_negative");
    assert_eq!(renamed["cells"][0][0]["expected"], "missed");
}

#[test]
fn lint_locates_rule_problems_and_exit_codes_follow_the_convention() {
    let run = detsim(&["lint", "tests/fixtures/rules"]);
    assert_eq!(run.status.code(), Some(1));
    let stdout = text(&run.stdout);
    assert!(
        stdout.contains(
            "tests/fixtures/rules/broken-query.toml:18:28: expected a comparison operator"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("broken-rule.yml"), "{stdout}");

    let clean = detsim(&["lint", "scenarios", "rules"]);
    assert!(
        clean.status.success(),
        "{}{}",
        text(&clean.stdout),
        text(&clean.stderr)
    );
    assert_eq!(
        detsim(&["generate", "--no-such-flag"]).status.code(),
        Some(2)
    );
    let missing = detsim(&["test", "--scenarios", "no/such/dir"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no/such/dir"));
    let help = text(&detsim(&["--help"]).stdout);
    assert!(help.contains("Examples:") && help.contains("Exit codes"));
}
