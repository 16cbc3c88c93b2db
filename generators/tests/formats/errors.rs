//! Readers never panic: garbage, truncated lines and wrong types give errors that quote what was
//! wrong, and a stream goes on past a bad line with its line number.

use std::io::Cursor;

use detsim_generators::{Format, RenderOptions, read_lines, testing};

/// Lines no format accepts.
const GARBAGE: &[&str] = &[
    "",
    "   ",
    "garbage",
    "{",
    "}",
    "[1,2]",
    "null",
    "42",
    "\"text\"",
    "<",
    "<Event",
    "<Event>",
    "<Event><System></Event>",
    "{\"a\":}",
    "\u{feff}",
    "\0\0\0",
    "<<<>>>",
    "{\"Event\"",
];

#[test]
fn garbage_is_an_error_in_every_format() {
    for format in Format::ALL {
        for line in GARBAGE {
            assert!(format.read(line).is_err(), "{format} accepted {line:?}");
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    for format in Format::ALL {
        let line = enveloped(format);
        let cuts = line
            .char_indices()
            .map(|(at, _)| at)
            .filter(|at| *at > 0)
            .step_by(3);
        for cut in cuts {
            assert!(
                format.read(&line[..cut]).is_err(),
                "{format} accepted a line cut at {cut}"
            );
        }
    }
}

#[test]
fn wrong_shapes_name_what_was_found() {
    let cases: &[(Format, &str, &str)] = &[
        (Format::Ecs, "[1]", "expected a JSON object, found `[`"),
        (
            Format::SentinelOne,
            "\"x\"",
            "expected a JSON object, found `\"`",
        ),
        (
            Format::SysmonJson,
            "{\"Event\":5}",
            "expected `Event` to be an object, found `5`",
        ),
        (Format::SysmonJson, "{\"event\":{}}", "missing `Event`"),
        (
            Format::SysmonJson,
            "{\"Event\":{\"System\":[]}}",
            "expected `System` to be an object, found `[`",
        ),
        (
            Format::SysmonJson,
            "{\"Event\":{\"EventData\":\"x\"}}",
            "expected `EventData` to be an object, found `\"x\"`",
        ),
        (
            Format::Defender,
            "{\"properties\":7}",
            "expected `properties` to be an object, found `7`",
        ),
        (
            Format::Defender,
            "{\"records\":{}}",
            "expected `records` to be an array, found `{`",
        ),
        (
            Format::Defender,
            "{\"records\":[true]}",
            "expected each of `records` to be an object, found `true`",
        ),
        (Format::Defender, "{\"records\":[]}", "missing `records[0]`"),
        (
            Format::Sysmon,
            "<Events/>",
            "expected an `<Event>` element, found `<Events>`",
        ),
        (
            Format::Sysmon,
            "<Event>&nope;</Event>",
            "invalid XML: unknown reference `&nope;` at byte 7",
        ),
        (
            Format::Sysmon,
            "<Event><Data Name='a'></Event>",
            "invalid XML: `</Event>` closes `<Data>` at byte 30",
        ),
        (
            Format::Ecs,
            "{\"a\" 1}",
            "invalid JSON: expected `:` at line 1 column 6",
        ),
    ];
    for (format, line, message) in cases {
        assert_eq!(
            format.read(line).unwrap_err().to_string(),
            *message,
            "{format} {line}"
        );
    }
}

#[test]
fn read_lines_numbers_errors_and_goes_on() {
    let mut good = String::new();
    Format::Ecs.render(&testing::event(), &RenderOptions::default(), &mut good);
    let mut stream = Vec::new();
    stream.extend_from_slice(format!("{good}\n\n[]\r\n").as_bytes());
    stream.extend_from_slice(b"{\"bad\xff\": 1}\n");
    stream.extend_from_slice(good.as_bytes());
    let items: Vec<_> = read_lines(Format::Ecs, Cursor::new(stream)).collect();
    let lines: Vec<usize> = items.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [1, 3, 4, 5]);
    assert!(items[0].1.is_ok() && items[3].1.is_ok());
    let third = items[1].1.as_ref().unwrap_err();
    assert_eq!(
        third.to_string(),
        "line 3: expected a JSON object, found `[`"
    );
    assert_eq!(third.line(), Some(3));
    let fourth = items[2].1.as_ref().unwrap_err().to_string();
    assert!(fourth.starts_with("line 4: invalid UTF-8"), "{fourth}");
}

#[test]
fn mutated_records_never_panic() {
    // A fixed linear congruential sequence: the same mutations on every run.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % bound.max(1)
    };
    let inserts = [
        '<', '>', '&', '"', '\'', '{', '}', '[', ']', ':', ',', '\\', '\0', '\n', 'é', ';', '#',
    ];
    for format in Format::ALL {
        let line = enveloped(format);
        let original: Vec<char> = line.chars().collect();
        for _ in 0..400 {
            let mut chars = original.clone();
            for _ in 0..1 + next(4) {
                let at = next(chars.len());
                match next(3) {
                    0 => {
                        chars.remove(at);
                    }
                    1 => chars.insert(at, inserts[next(inserts.len())]),
                    _ => chars[at] = inserts[next(inserts.len())],
                }
            }
            let mutated: String = chars.into_iter().collect();
            // Any result is acceptable; reaching the next iteration is the assertion.
            let _ = format.read(&mutated);
            let _ = read_lines(format, Cursor::new(mutated)).count();
        }
    }
}

/// The test event rendered in a format, with its product's envelope where it has one.
fn enveloped(format: Format) -> String {
    let mut line = String::new();
    format.render(
        &testing::event(),
        &RenderOptions { envelope: true },
        &mut line,
    );
    line
}
