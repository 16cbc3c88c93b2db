//! The two bundled rules of the advisory on every format.

use std::path::PathBuf;

use detsim_detect::{Coverage, SigmaRule, load_sigma_rules};
use detsim_generators::Format;

use crate::records::{Kind, Proc, cmd_under, record};
use crate::{detector, fired};

const GENERIC: &str = "cmd-unusual-parent";
const SYSMON: &str = "cmd-unusual-parent-sysmon";

pub fn bundled_rules() -> Vec<SigmaRule> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rules/sigma");
    let (rules, errors) = load_sigma_rules(&[dir]);
    assert!(errors.is_empty(), "{errors:?}");
    rules
}

/// The rules that must fire, per row: the generic rule on every format, the Sysmon variant on
/// the two Sysmon formats only (it is not applicable elsewhere).
fn expected(format: Format, fires: bool) -> Vec<String> {
    let mut keys = Vec::new();
    if fires {
        if matches!(format, Format::Sysmon | Format::SysmonJson) {
            keys.push(SYSMON.to_string());
        }
        keys.push(GENERIC.to_string());
    }
    keys.sort();
    keys
}

#[test]
fn advisory_rows_on_every_format() {
    let rows: [(&str, Proc, bool); 8] = [
        (
            "cmd.exe under lsass.exe: alert",
            cmd_under(r"C:\Windows\System32\lsass.exe"),
            true,
        ),
        (
            "cmd.exe under explorer.exe: quiet",
            cmd_under(r"C:\Windows\explorer.exe"),
            false,
        ),
        (
            "cmd.exe under dllhost.exe with the excluded CLSID: Sigma alerts, it has no exclusion",
            Proc {
                parent_image: r"C:\Windows\System32\dllhost.exe",
                parent_command_line: concat!(
                    r"C:\Windows\System32\DllHost.exe ",
                    "/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}"
                ),
                ..Proc::default()
            },
            true,
        ),
        (
            "parent unknown, ParentImage `-`: quiet",
            cmd_under("-"),
            false,
        ),
        (
            "other letter case: alert",
            Proc {
                image: r"C:\WINDOWS\SYSTEM32\CMD.EXE",
                parent_image: r"c:\windows\system32\spoolsv.EXE",
                ..Proc::default()
            },
            true,
        ),
        (
            "bare parent name without a directory: quiet",
            cmd_under("lsass.exe"),
            false,
        ),
        (
            "powershell.exe under lsass.exe: quiet",
            Proc {
                image: r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
                parent_image: r"C:\Windows\System32\lsass.exe",
                ..Proc::default()
            },
            false,
        ),
        (
            "a network record of cmd.exe under lsass.exe: quiet",
            Proc {
                kind: Kind::Network,
                ..cmd_under(r"C:\Windows\System32\lsass.exe")
            },
            false,
        ),
    ];
    let rules = bundled_rules();
    for format in Format::ALL {
        let detector = detector(&rules, format);
        for (name, proc, fires) in &rows {
            let mut keys = fired(&detector, &record(format, proc));
            keys.sort();
            assert_eq!(keys, expected(format, *fires), "row `{name}` on {format}");
        }
    }
}

#[test]
fn the_sysmon_variant_is_not_applicable_outside_sysmon() {
    let rules = bundled_rules();
    for format in Format::ALL {
        let detector = detector(&rules, format);
        for coverage in detector.coverage() {
            let sysmon_only = coverage.rule_key == SYSMON
                && !matches!(format, Format::Sysmon | Format::SysmonJson);
            if sysmon_only {
                assert!(
                    matches!(coverage.coverage, Coverage::NotApplicable { .. }),
                    "{coverage:?}"
                );
            } else {
                assert_eq!(coverage.coverage, Coverage::Applicable, "{coverage:?}");
            }
        }
    }
}

#[test]
fn alerts_name_the_record_fields_that_matched() {
    let rules = bundled_rules();
    let proc = cmd_under(r"C:\Windows\System32\lsass.exe");
    let detector = detector(&rules, Format::Ecs);
    let alerts = detector.evaluate(&record(Format::Ecs, &proc));
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(
        alert.rule_id.as_deref(),
        Some("4b991083-3d0e-44ce-8fc4-b254025d8d4b")
    );
    assert_eq!(alert.level.as_deref(), Some("medium"));
    let fields: Vec<&str> = alert
        .matched
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(fields.contains(&"process.executable"), "{fields:?}");
    assert!(fields.contains(&"process.parent.executable"), "{fields:?}");
    assert!(
        !fields.contains(&"event.category"),
        "the gate is not listed: {fields:?}"
    );
}
