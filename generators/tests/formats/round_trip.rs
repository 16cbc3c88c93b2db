//! Canonical event → format → reader gives back every model-derived field, for hostile strings
//! in the image, command line, working directory, user and parent fields, in all five formats.

use std::sync::Arc;

use detsim_generators::model::{Account, Logon, ProcessEvent};
use detsim_generators::{Format, RenderOptions, testing};

use crate::expect;

/// Text that breaks naive XML or JSON writers, or readers that split on lines.
const HOSTILE: &[(&str, &str)] = &[
    ("quotes", r#"say "hi" and 'bye'"#),
    ("backslashes", r"\\server\share\ \\\ trailing\"),
    ("markup", "<Data Name='x'>a & b</Data> ]]> &amp; &#x41;"),
    (
        "controls",
        "nul\u{0}tab\tlf\ncr\rbell\u{7}esc\u{1b}us\u{1f}del\u{7f}",
    ),
    ("line separators", "ls\u{2028}ps\u{2029}nel\u{85}"),
    ("non-ascii", r"C:\Users\Zoë\文档\Ærø İstanbul ΟΔΟΣ 🙂"),
    ("empty", ""),
];

/// Puts `text` in every string the formats carry from the process, its parent and grandparent.
fn hostile_event(text: &str) -> ProcessEvent {
    let mut event = testing::event();
    let host = Arc::make_mut(&mut event.host);
    host.fqdn = format!("WKS-{text}.lab.example.org");
    host.os.name = format!("Windows {text}");
    host.os.version = text.to_string();
    let account = |suffix: &str| {
        Arc::new(Account {
            domain: format!("DOM{suffix}{text}"),
            name: format!("user{suffix}{text}"),
            sid: "S-1-5-21-1-2-3-1001".to_string(),
        })
    };
    let relabel = |process: &mut detsim_generators::model::Process, suffix: &str| {
        process.image = format!(r"C:\Tools{suffix}\{text}\x{suffix}.exe");
        process.command_line = text.to_string();
        process.cwd = format!(r"C:\Work\{text}\");
        let logon = Logon {
            account: account(suffix),
            ..(*process.logon).clone()
        };
        process.logon = Arc::new(logon);
    };
    relabel(Arc::make_mut(&mut event.process), "");
    if let detsim_generators::model::Parent::Known { process } = &mut event.parent {
        relabel(Arc::make_mut(process), "p");
    }
    if let Some(grandparent) = &mut event.grandparent {
        relabel(Arc::make_mut(grandparent), "g");
    }
    event
}

/// A 32,767-character command line (the Windows maximum) with quotes and spaces in it.
fn longest_command_line() -> String {
    let mut line = String::from(r#""C:\Program Files\Tool\tool.exe" "#);
    let mut index = 0;
    while line.len() < 32_767 {
        line.push_str(match index % 4 {
            0 => "/arg ",
            1 => r#""quoted value" "#,
            2 => r"back\\slash ",
            _ => "ü",
        });
        index += 1;
    }
    while line.len() > 32_767 {
        line.pop();
    }
    line
}

fn all_options() -> Vec<RenderOptions> {
    vec![
        RenderOptions { envelope: false },
        RenderOptions { envelope: true },
    ]
}

/// Renders, checks the line shape, reads back and compares every expected field.
fn check(event: &ProcessEvent, case: &str) {
    for format in Format::ALL {
        for options in all_options() {
            if options.envelope && format != Format::Defender {
                continue;
            }
            let mut line = String::new();
            format.render(event, &options, &mut line);
            let context = format!("{case} / {format} / envelope={}", options.envelope);
            assert!(
                !line.contains(['\n', '\r']),
                "{context}: record spans lines"
            );
            let record = format
                .read(&line)
                .unwrap_or_else(|e| panic!("{context}: {e}\n{line}"));
            for (field, expected) in expect::fields(format, event) {
                assert_eq!(
                    record.get(field),
                    Some(&expected),
                    "{context}: field `{field}`"
                );
            }
            if event.parent.process().is_none() {
                for field in expect::absent_without_parent(format) {
                    assert_eq!(
                        record.get(field),
                        None,
                        "{context}: `{field}` must be absent"
                    );
                }
            }
            assert_eq!(
                format.record_id(&record),
                Some(format.native_id(event)),
                "{context}"
            );
        }
    }
}

#[test]
fn hostile_strings_round_trip_in_every_format() {
    for (case, text) in HOSTILE {
        check(&hostile_event(text), case);
    }
}

#[test]
fn longest_command_line_round_trips() {
    let mut event = testing::event();
    Arc::make_mut(&mut event.process).command_line = longest_command_line();
    assert_eq!(event.process.command_line.len(), 32_767);
    check(&event, "32767-character command line");
}

#[test]
fn unattributed_parent_round_trips() {
    check(&testing::event_with_unknown_parent(), "unknown parent");
    let mut hostile = hostile_event("<&>\"\n");
    hostile.parent = detsim_generators::model::Parent::Unknown { pid: 4 };
    hostile.grandparent = None;
    check(&hostile, "unknown parent, hostile child");
}

#[test]
fn varied_stream_round_trips() {
    for n in 0..240 {
        check(&testing::varied_event(n), &format!("varied event {n}"));
    }
}

#[test]
fn rendering_is_deterministic_and_appends() {
    for format in Format::ALL {
        let options = RenderOptions { envelope: true };
        let (mut first, mut second) = (String::from("keep:"), String::new());
        format.render(&testing::event(), &options, &mut first);
        format.render(&testing::event(), &options, &mut second);
        assert_eq!(first, format!("keep:{second}"), "{format}");
        assert!(!second.ends_with('\n'), "{format}");
    }
}
