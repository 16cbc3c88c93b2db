//! Splitting a Windows command line into arguments the way `CommandLineToArgvW` does.
//!
//! Rules (as documented for `CommandLineToArgvW` and implemented by Wine's copy of it):
//!
//! - The first argument, the program, ends at the next space or tab; if it starts with `"` it
//!   runs to the next `"` instead, and backslashes in it are never escapes.
//! - After it, arguments are separated by spaces and tabs outside quotes.
//! - `2n` backslashes then `"` give `n` backslashes and the quote opens or closes quoting;
//!   `2n+1` backslashes then `"` give `n` backslashes and a literal `"`; backslashes not
//!   followed by `"` are literal.
//! - Inside quotes, `""` gives a literal `"` and ends the quoted part (the pre-2008 rule that
//!   `CommandLineToArgvW` kept, unlike the later C runtime).
//!
//! One difference from the API: for an empty command line `CommandLineToArgvW` returns the
//! path of the calling program; here it gives no arguments.

/// Splits `command_line` into its arguments.
pub fn split_command_line(command_line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut scratch = Vec::new();
    for_each_arg(command_line, &mut scratch, |arg| args.push(arg.to_string()));
    args
}

/// The program (first argument) of a non-empty command line, and the rest of the line from
/// its first non-blank character after the program (empty when there are no more arguments).
pub fn split_program(command_line: &str) -> Option<(&str, &str)> {
    let bytes = command_line.as_bytes();
    let is_blank = |byte: u8| byte == b' ' || byte == b'\t';
    let (program, mut at) = match bytes.first()? {
        // Quoted: up to the next quote, no escapes.
        b'"' => {
            let end = bytes[1..]
                .iter()
                .position(|&b| b == b'"')
                .map_or(bytes.len(), |p| p + 1);
            (&command_line[1..end], (end + 1).min(bytes.len()))
        }
        _ => {
            let end = bytes
                .iter()
                .position(|&b| is_blank(b))
                .unwrap_or(bytes.len());
            (&command_line[..end], end)
        }
    };
    while at < bytes.len() && is_blank(bytes[at]) {
        at += 1;
    }
    Some((program, &command_line[at..]))
}

/// Calls `emit` with each argument in turn and returns their number. Arguments without a quote
/// are passed as slices of `command_line`; the others are built in `scratch`, which callers
/// reuse so that splitting does not allocate per argument.
pub fn for_each_arg(
    command_line: &str,
    scratch: &mut Vec<u8>,
    mut emit: impl FnMut(&str),
) -> usize {
    let Some((program, rest)) = split_program(command_line) else {
        return 0;
    };
    emit(program);
    let bytes = command_line.as_bytes();
    let is_blank = |byte: u8| byte == b' ' || byte == b'\t';
    let mut at = command_line.len() - rest.len();
    let mut count = 1;

    loop {
        while at < bytes.len() && is_blank(bytes[at]) {
            at += 1;
        }
        if at == bytes.len() {
            return count;
        }
        let start = at;
        while at < bytes.len() && !is_blank(bytes[at]) && bytes[at] != b'"' {
            at += 1;
        }
        if at == bytes.len() || is_blank(bytes[at]) {
            // No quote: backslashes are all literal, the argument is the slice itself.
            emit(&command_line[start..at]);
        } else {
            at = quoted_argument(bytes, start, scratch);
            // Only ASCII bytes were inserted or removed, so `scratch` is valid UTF-8.
            emit(&String::from_utf8_lossy(scratch));
        }
        count += 1;
    }
}

/// Builds in `scratch` the argument starting at `at` that holds a quote, applying the
/// backslash and quote rules; returns where the argument ends.
fn quoted_argument(bytes: &[u8], mut at: usize, scratch: &mut Vec<u8>) -> usize {
    scratch.clear();
    // `quotes` counts quote marks modulo the `""` rule: 1 means inside a quoted part.
    // `backslashes` counts the run of backslashes just copied.
    let (mut quotes, mut backslashes) = (0u32, 0usize);
    while at < bytes.len() {
        let byte = bytes[at];
        if (byte == b' ' || byte == b'\t') && quotes == 0 {
            return at;
        }
        match byte {
            b'\\' => {
                scratch.push(byte);
                backslashes += 1;
            }
            b'"' => {
                scratch.truncate(scratch.len() - backslashes / 2);
                if backslashes % 2 == 0 {
                    quotes += 1;
                } else {
                    // The odd backslash escapes the quote.
                    scratch.pop();
                    scratch.push(b'"');
                }
                backslashes = 0;
                while at + 1 < bytes.len() && bytes[at + 1] == b'"' {
                    at += 1;
                    quotes += 1;
                    if quotes == 3 {
                        scratch.push(b'"');
                        quotes = 0;
                    }
                }
                if quotes == 2 {
                    quotes = 0;
                }
            }
            _ => {
                scratch.push(byte);
                backslashes = 0;
            }
        }
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_command_line_to_argv_rules() {
        // (command line, expected arguments); the program comes first in every row.
        let table: &[(&str, &[&str])] = &[
            ("", &[]),
            ("p", &["p"]),
            ("p  ", &["p"]),
            (r#"p "abc" d e"#, &["p", "abc", "d", "e"]),
            (r#"p a\\\b d"e f"g h"#, &["p", r"a\\\b", "de fg", "h"]),
            (r#"p a\\\"b c d"#, &["p", r#"a\"b"#, "c", "d"]),
            (r#"p a\\\\"b c" d e"#, &["p", r"a\\b c", "d", "e"]),
            (r#"p a"b"" c d"#, &["p", r#"ab""#, "c", "d"]),
            (r#"p """"#, &["p", r#"""#]),
            (r#"p "" x"#, &["p", "", "x"]),
            ("p\ta\t\tb", &["p", "a", "b"]),
            (r#"p "a b"#, &["p", "a b"]),
            (r#"p \"#, &["p", r"\"]),
            (
                r#""C:\Program Files\x.exe" /c "a b""#,
                &[r"C:\Program Files\x.exe", "/c", "a b"],
            ),
            (r#""C:\a b"c d"#, &[r"C:\a b", "c", "d"]),
            (r#"C:\a\"b c"#, &[r#"C:\a\"b"#, "c"]),
            (r#""C:\unterminated"#, &[r"C:\unterminated"]),
            (" a b", &["", "a", "b"]),
            ("prog Zoë 文档", &["prog", "Zoë", "文档"]),
        ];
        for (line, expected) in table {
            assert_eq!(split_command_line(line), *expected, "{line}");
        }
    }

    #[test]
    fn counts_what_it_emits() {
        let mut scratch = Vec::new();
        let mut seen = 0;
        let count = for_each_arg(r#"a "b c" d"#, &mut scratch, |_| seen += 1);
        assert_eq!((count, seen), (3, 3));
    }
}
