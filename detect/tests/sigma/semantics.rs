//! Sigma value semantics, one record per format per row: every table mixes rows that must fire
//! and rows that must stay quiet.

use detsim_generators::Format;

use crate::records::{Kind, Proc, cmd_under, record};
use crate::{detector, fired, rule};

/// Runs `detection` over each row on every format and checks the verdict.
fn check(detection: &str, rows: &[(&str, Proc, bool)]) {
    let rules = rule(detection);
    for format in Format::ALL {
        let detector = detector(&rules, format);
        for (name, proc, expected) in rows {
            let fires = !fired(&detector, &record(format, proc)).is_empty();
            assert_eq!(
                fires,
                *expected,
                "row `{name}` on {format}: expected {}",
                if *expected { "an alert" } else { "quiet" }
            );
        }
    }
}

fn with_command(command_line: &'static str) -> Proc {
    Proc {
        command_line,
        ..Proc::default()
    }
}

#[test]
fn values_compare_case_insensitively() {
    check(
        "    selection:\n        Image: 'c:\\windows\\system32\\CMD.EXE'\n    condition: selection",
        &[
            ("same path, other case: fires", Proc::default(), true),
            (
                "upper-case record: fires",
                Proc {
                    image: r"C:\WINDOWS\SYSTEM32\CMD.EXE",
                    ..Proc::default()
                },
                true,
            ),
            (
                "other path: quiet",
                Proc {
                    image: r"C:\Windows\SysWOW64\cmd.exe",
                    ..Proc::default()
                },
                false,
            ),
        ],
    );
}

#[test]
fn endswith_needs_the_backslash() {
    check(
        "    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: selection",
        &[
            ("full path: fires", Proc::default(), true),
            (
                "bare name without a directory: quiet",
                Proc {
                    image: "cmd.exe",
                    ..Proc::default()
                },
                false,
            ),
            (
                "name only ends alike: quiet",
                Proc {
                    image: r"C:\Tools\notcmd.exe",
                    ..Proc::default()
                },
                false,
            ),
        ],
    );
}

#[test]
fn a_list_of_values_is_an_or() {
    check(
        "    selection:\n        CommandLine|contains:\n            - 'whoami'\n            \
         - 'ipconfig'\n    condition: selection",
        &[
            ("first value: fires", with_command("cmd /c whoami"), true),
            (
                "second value: fires",
                with_command("cmd /c IPCONFIG /all"),
                true,
            ),
            ("neither: quiet", with_command("cmd /c dir"), false),
        ],
    );
}

#[test]
fn all_modifier_needs_every_value() {
    check(
        "    selection:\n        CommandLine|contains|all:\n            - '/c'\n            \
         - 'whoami'\n    condition: selection",
        &[
            ("both: fires", with_command("cmd /c whoami"), true),
            ("one of two: quiet", with_command("cmd /k whoami"), false),
        ],
    );
}

#[test]
fn re_modifier_is_a_case_sensitive_regex() {
    check(
        "    selection:\n        CommandLine|re: 'who[a-z]+ /all$'\n    condition: selection",
        &[
            (
                "regex matches: fires",
                with_command("cmd /c whoami /all"),
                true,
            ),
            (
                "regex is case-sensitive: quiet",
                with_command("cmd /c WHOAMI /ALL"),
                false,
            ),
            (
                "anchor fails: quiet",
                with_command("cmd /c whoami /all /fo csv"),
                false,
            ),
        ],
    );
}

#[test]
fn windash_accepts_every_dash_form() {
    check(
        "    selection:\n        CommandLine|contains|windash: '-enc'\n    condition: selection",
        &[
            ("hyphen: fires", with_command("powershell -enc AAAA"), true),
            ("slash: fires", with_command("powershell /enc AAAA"), true),
            (
                "en dash: fires",
                with_command("powershell \u{2013}enc AAAA"),
                true,
            ),
            ("no dash: quiet", with_command("powershell enc AAAA"), false),
        ],
    );
}

#[test]
fn filters_exclude_with_not() {
    check(
        "    selection:\n        Image|endswith: '\\cmd.exe'\n    filter_explorer:\n        \
         ParentImage|endswith: '\\explorer.exe'\n    condition: selection and not filter_explorer",
        &[
            (
                "filtered parent: quiet",
                cmd_under(r"C:\Windows\explorer.exe"),
                false,
            ),
            (
                "other parent: fires",
                cmd_under(r"C:\Windows\System32\lsass.exe"),
                true,
            ),
        ],
    );
}

#[test]
fn one_of_selections_needs_any() {
    check(
        "    selection_whoami:\n        CommandLine|contains: 'whoami'\n    \
         selection_net:\n        CommandLine|contains: 'net user'\n    \
         condition: 1 of selection_*",
        &[
            (
                "first selection: fires",
                with_command("cmd /c whoami"),
                true,
            ),
            (
                "second selection: fires",
                with_command("cmd /c net user admin"),
                true,
            ),
            ("none: quiet", with_command("cmd /c dir"), false),
        ],
    );
}

#[test]
fn missing_fields_never_match_a_value() {
    check(
        "    selection:\n        Image|endswith: '\\cmd.exe'\n    filter:\n        \
         CommandLine|contains: 'whoami'\n    condition: selection and filter",
        &[
            ("present: fires", Proc::default(), true),
            (
                "value differs: quiet",
                with_command("cmd.exe /c dir"),
                false,
            ),
        ],
    );
}

#[test]
fn null_matches_a_missing_or_null_field() {
    // OriginalFileName is absent from these records on every format that has the field; the
    // SentinelOne pipeline reports it unmappable instead (see `pipelines`), so it stays quiet.
    let rules = rule(
        "    selection:\n        Image|endswith: '\\cmd.exe'\n        OriginalFileName: null\n    \
         condition: selection",
    );
    let without = Proc {
        original_file_name: None,
        ..Proc::default()
    };
    for format in Format::ALL {
        let detector = detector(&rules, format);
        let expected_absent = format != Format::SentinelOne;
        let absent = !fired(&detector, &record(format, &without)).is_empty();
        let present = !fired(&detector, &record(format, &Proc::default())).is_empty();
        let mut null = record(format, &without);
        for name in ["OriginalFileName", "process.pe.original_file_name"] {
            null.insert(name, serde_json::Value::Null);
        }
        null.insert(
            "ProcessVersionInfoOriginalFileName",
            serde_json::Value::Null,
        );
        let is_null = !fired(&detector, &null).is_empty();
        assert_eq!(
            is_null, expected_absent,
            "OriginalFileName null on {format}"
        );
        assert_eq!(
            absent, expected_absent,
            "absent OriginalFileName on {format}"
        );
        assert!(
            !present,
            "OriginalFileName `Cmd.Exe` is not null on {format}"
        );
    }
}

#[test]
fn process_creation_rules_never_fire_on_other_kinds_of_record() {
    let rules =
        rule("    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: selection");
    let network = Proc {
        kind: Kind::Network,
        ..Proc::default()
    };
    for format in Format::ALL {
        let detector = detector(&rules, format);
        let start = fired(&detector, &record(format, &Proc::default()));
        assert_eq!(start.len(), 1, "process start on {format} fires");
        let other = fired(&detector, &record(format, &network));
        assert!(
            other.is_empty(),
            "network record on {format} stays quiet: {other:?}"
        );
    }
}
