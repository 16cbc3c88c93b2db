//! End to end: events rendered by the generators in every format, read back by each format's
//! reader, evaluated by the bundled rules.

use std::io::Cursor;

use chrono::Duration;
use detsim_detect::eval_stream;
use detsim_generators::model::{Integrity, Parent, ProcessEvent, SignerKind};
use detsim_generators::{Format, RenderOptions, testing};

use crate::bundled::bundled_rules;
use crate::{detector, fired};

/// `cmd.exe /c whoami` started by a SYSTEM process at `parent_image` with this command line.
pub fn cmd_under(parent_image: &str, parent_command_line: &str) -> ProcessEvent {
    let mut event = testing::event();
    let host = event.host.clone();
    let os = |name: &str| testing::binary(name, name, SignerKind::OsVendor);
    let parent = testing::process(
        &host,
        700,
        parent_image,
        parent_command_line,
        r"C:\Windows\system32\",
        testing::system_logon(),
        Integrity::System,
        os(parent_image.rsplit('\\').next().unwrap_or(parent_image)),
        testing::time(-Duration::minutes(5)),
    );
    event.process = testing::process(
        &host,
        9_120,
        r"C:\Windows\System32\cmd.exe",
        r"C:\Windows\system32\cmd.exe /c whoami",
        r"C:\Windows\system32\",
        testing::system_logon(),
        Integrity::System,
        os("Cmd.Exe"),
        testing::time(Duration::zero()),
    );
    event.parent = Parent::Known { process: parent };
    event
}

fn rows() -> Vec<(&'static str, ProcessEvent, bool)> {
    let mut unknown_parent = cmd_under(r"C:\Windows\System32\lsass.exe", "lsass.exe");
    unknown_parent.parent = Parent::Unknown { pid: 700 };
    unknown_parent.grandparent = None;
    vec![
        ("whoami under cmd.exe: quiet", testing::event(), false),
        (
            "cmd.exe under lsass.exe: alert",
            cmd_under(
                r"C:\Windows\System32\lsass.exe",
                r"C:\Windows\system32\lsass.exe",
            ),
            true,
        ),
        (
            "cmd.exe under explorer.exe: quiet",
            cmd_under(r"C:\Windows\explorer.exe", r"C:\Windows\Explorer.EXE"),
            false,
        ),
        (
            "cmd.exe under dllhost.exe with the CLSID Elastic excludes: Sigma alerts",
            cmd_under(
                r"C:\Windows\System32\dllhost.exe",
                concat!(
                    r"C:\Windows\system32\DllHost.exe ",
                    "/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}"
                ),
            ),
            true,
        ),
        ("cmd.exe, parent unknown: quiet", unknown_parent, false),
    ]
}

#[test]
fn rendered_records_of_every_format() {
    let rules = bundled_rules();
    for format in Format::ALL {
        let detector = detector(&rules, format);
        for envelope in [false, true] {
            if envelope && format != Format::Defender {
                continue;
            }
            for (name, event, alerts) in rows() {
                let mut line = String::new();
                format.render(&event, &RenderOptions { envelope }, &mut line);
                let record = format
                    .read(&line)
                    .unwrap_or_else(|err| panic!("{format}: {err}\n{line}"));
                let keys = fired(&detector, &record);
                if matches!(format, Format::Sysmon | Format::SysmonJson) {
                    let sysmon = keys.contains(&"cmd-unusual-parent-sysmon".to_string());
                    assert_eq!(
                        sysmon, alerts,
                        "row `{name}` on {format}: the Sysmon variant"
                    );
                }
                assert_eq!(
                    keys.contains(&"cmd-unusual-parent".to_string()),
                    alerts,
                    "row `{name}` on {format} (envelope {envelope}): {keys:?}\n{}",
                    detector
                        .explain("cmd-unusual-parent", &record)
                        .unwrap_or_default()
                );
            }
        }
    }
}

#[test]
fn a_rendered_stream_gives_alert_lines_with_record_ids() {
    let rules = bundled_rules();
    for format in Format::ALL {
        let mut input = String::new();
        for (_, event, _) in rows() {
            format.render(&event, &RenderOptions::default(), &mut input);
            input.push('\n');
        }
        input.push_str("{ this is not a record\n");
        let detector = detector(&rules, format);
        let mut lines = Vec::new();
        let summary = eval_stream(&detector, format, Cursor::new(input), |alert| {
            lines.push(alert)
        });
        assert_eq!(summary.records, 5, "{format}");
        assert_eq!(
            summary.bad_lines.len(),
            1,
            "{format}: {:?}",
            summary.bad_lines
        );
        assert_eq!(summary.bad_lines[0].0, 6, "{format}");
        let generic: Vec<usize> = lines
            .iter()
            .filter(|line| line.alert.rule_key == "cmd-unusual-parent")
            .map(|line| line.line)
            .collect();
        assert_eq!(generic, [2, 4], "{format}");
        assert!(
            lines.iter().all(|line| line.record_id.is_some()),
            "{format}"
        );
    }
}
