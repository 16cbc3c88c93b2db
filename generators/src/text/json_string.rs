//! JSON string escaping: the inside of JSON strings written straight into an output buffer,
//! optionally case-mapped, and blank-separated words written as a list of strings.
//!
//! The output is byte for byte what `serde_json` writes for the same text (tests hold the two
//! together), so the JSON readers give every value back unchanged.

use super::find_special;

/// Appends `text` as a quoted JSON string.
///
/// Escapes `"` and `\`, the short forms `\n`, `\r`, `\t`, `\b`, `\f`, and every other control
/// character below U+0020 as `\u00XX`; everything else, non-ASCII included, is copied as UTF-8.
pub fn push_string(out: &mut String, text: &str) {
    out.push('"');
    push_escaped(out, text);
    out.push('"');
}

/// Appends `text` escaped as the inside of a JSON string, without the quotes.
///
/// Text without anything to escape is copied at once. Otherwise, from the first escape on, the
/// escaped text is assembled in a stack buffer byte by byte (long plain runs copied directly),
/// so that a Windows path, with a backslash every few characters, costs one copy into `out`
/// rather than one per run.
pub fn push_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let first = find_special(bytes, 0, b"\"\\", needs_escape);
    if first == bytes.len() {
        out.push_str(text);
        return;
    }
    out.push_str(&text[..first]);
    let mut buffer = Assembly::new();
    if bytes.len() - first <= Assembly::SHORT {
        for &byte in &bytes[first..] {
            buffer.push_byte(out, byte);
        }
    } else {
        let mut at = first;
        let mut start = first;
        while at < bytes.len() {
            buffer.push_run(out, text, start, at);
            buffer.push_escape(out, bytes[at]);
            start = at + 1;
            at = find_special(bytes, start, b"\"\\", needs_escape);
        }
        buffer.push_run(out, text, start, at);
    }
    buffer.flush(out);
}

/// A stack buffer in which escaped text is assembled before one copy into the output.
struct Assembly {
    bytes: [u8; 256],
    length: usize,
}

impl Assembly {
    /// Runs longer than this are copied straight into the output.
    const LONG_RUN: usize = 64;
    /// Remainders up to this length are escaped byte by byte.
    const SHORT: usize = 192;

    fn new() -> Self {
        Assembly {
            bytes: [0; 256],
            length: 0,
        }
    }

    fn flush(&mut self, out: &mut String) {
        // Only whole characters and ASCII escapes are ever added, so this is valid UTF-8.
        out.push_str(std::str::from_utf8(&self.bytes[..self.length]).unwrap_or(""));
        self.length = 0;
    }

    /// Appends `text[start..end]`, which holds nothing to escape.
    fn push_run(&mut self, out: &mut String, text: &str, start: usize, end: usize) {
        let run = &text.as_bytes()[start..end];
        if run.len() > Self::LONG_RUN {
            self.flush(out);
            out.push_str(&text[start..end]);
            return;
        }
        if self.length + run.len() + 8 > self.bytes.len() {
            self.flush(out);
        }
        // Fixed 8-byte copies stay inline where a variable-length copy would call `memcpy`.
        let mut offset = 0;
        while offset + 8 <= run.len() {
            self.bytes[self.length + offset..self.length + offset + 8]
                .copy_from_slice(&run[offset..offset + 8]);
            offset += 8;
        }
        for (index, byte) in run[offset..].iter().enumerate() {
            self.bytes[self.length + offset + index] = *byte;
        }
        self.length += run.len();
    }

    /// Appends one byte of the text, escaped when it must be.
    fn push_byte(&mut self, out: &mut String, byte: u8) {
        if !needs_escape(byte) {
            // Flush only before the first byte of a character, so the buffer stays UTF-8.
            if self.length >= self.bytes.len() - 8 && byte & 0xc0 != 0x80 {
                self.flush(out);
            }
            self.bytes[self.length] = byte;
            self.length += 1;
        } else {
            self.push_escape(out, byte);
        }
    }

    fn push_escape(&mut self, out: &mut String, byte: u8) {
        if self.length + 6 > self.bytes.len() {
            self.flush(out);
        }
        let (escaped, length) = escape_sequence(byte);
        let sequence = &escaped[..length];
        for (index, value) in sequence.iter().enumerate() {
            self.bytes[self.length + index] = *value;
        }
        self.length += sequence.len();
    }
}

/// The JSON escape of a byte [`needs_escape`] flags, and its length: the short forms
/// (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`) where JSON has one, `\u00XX` otherwise.
fn escape_sequence(byte: u8) -> ([u8; 6], usize) {
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        _ => {
            let hex = b"0123456789abcdef";
            let high = hex[usize::from(byte >> 4)];
            return (
                [b'\\', b'u', b'0', b'0', high, hex[usize::from(byte & 0xf)]],
                6,
            );
        }
    };
    ([b'\\', short, 0, 0, 0, 0], 2)
}

pub(crate) fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Appends the lower-cased form of `text` escaped as the inside of a JSON string.
pub fn push_escaped_lower(out: &mut String, text: &str) {
    push_escaped_case(out, text, false);
}

/// Appends `text` lower- or upper-cased and escaped, without building the cased copy first.
pub(crate) fn push_escaped_case(out: &mut String, text: &str, upper: bool) {
    let bytes = text.as_bytes();
    if !bytes.is_ascii() {
        let mut buffer = [0u8; 4];
        for original in text.chars() {
            if upper {
                original
                    .to_uppercase()
                    .for_each(|c| push_escaped(out, c.encode_utf8(&mut buffer)));
            } else {
                original
                    .to_lowercase()
                    .for_each(|c| push_escaped(out, c.encode_utf8(&mut buffer)));
            }
        }
        return;
    }
    let wrong_case = |b: &u8| {
        if upper {
            b.is_ascii_lowercase()
        } else {
            b.is_ascii_uppercase()
        }
    };
    if !bytes.iter().any(wrong_case) {
        // Already in the wanted case (hex digests usually are).
        push_escaped(out, text);
        return;
    }
    for chunk in bytes.chunks(64) {
        let mut cased = [0u8; 64];
        for (to, from) in cased.iter_mut().zip(chunk) {
            *to = if upper {
                from.to_ascii_uppercase()
            } else {
                from.to_ascii_lowercase()
            };
        }
        push_escaped(
            out,
            std::str::from_utf8(&cased[..chunk.len()]).unwrap_or(""),
        );
    }
}

/// Appends each blank-separated word of `text` as `,"word"` (a JSON string after a comma) and
/// returns the number of words. For argument text without quotes, where `CommandLineToArgvW`
/// splits on blanks only and backslashes are literal. Built a buffer at a time on the stack, so
/// a long argument list costs a few copies instead of one per argument.
pub fn push_words(out: &mut String, text: &str) -> usize {
    const FLUSH_AT: usize = 248;
    let mut buffer = [0u8; 256];
    let (mut length, mut count, mut in_word) = (0, 0, false);
    for &byte in text.as_bytes() {
        // Flush only before the first byte of a character, so the buffer stays valid UTF-8.
        if length >= FLUSH_AT && byte & 0xc0 != 0x80 {
            out.push_str(std::str::from_utf8(&buffer[..length]).unwrap_or(""));
            length = 0;
        }
        if byte == b' ' || byte == b'\t' {
            if in_word {
                buffer[length] = b'"';
                length += 1;
                in_word = false;
            }
            continue;
        }
        if !in_word {
            buffer[length..length + 2].copy_from_slice(b",\"");
            length += 2;
            in_word = true;
            count += 1;
        }
        if needs_escape(byte) {
            let (sequence, size) = escape_sequence(byte);
            let escaped = &sequence[..size];
            buffer[length..length + escaped.len()].copy_from_slice(escaped);
            length += escaped.len();
        } else {
            buffer[length] = byte;
            length += 1;
        }
    }
    if in_word {
        buffer[length] = b'"';
        length += 1;
    }
    out.push_str(std::str::from_utf8(&buffer[..length]).unwrap_or(""));
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_match_serde_json() {
        let hostile = "q\"b\\s/\u{0}\u{1}\t\n\r\u{8}\u{c}\u{1f}\u{7f}é文\u{2028}";
        let mut ours = String::new();
        push_string(&mut ours, hostile);
        assert_eq!(ours, serde_json::to_string(hostile).unwrap());
    }

    #[test]
    fn long_and_dense_escapes_match_serde_json() {
        let pieces = [
            "C:",
            "\\",
            "Windows",
            "\"",
            "x".repeat(70).leak(),
            "é文",
            "\u{1}",
            "\n",
            "ab",
        ];
        let mut text = String::new();
        for index in 0..2_000 {
            text.push_str(pieces[index * 7 % pieces.len()]);
            let mut ours = String::new();
            push_string(&mut ours, &text);
            assert_eq!(
                ours,
                serde_json::to_string(&text).unwrap(),
                "length {}",
                text.len()
            );
        }
    }

    #[test]
    fn words_are_json_strings() {
        let text = "a  b\\c\tdé \u{1}x ".repeat(40);
        let mut out = String::from("[\"p\"");
        let count = push_words(&mut out, &text);
        out.push(']');
        let parsed: Vec<String> = serde_json::from_str(&out).unwrap();
        let expected: Vec<&str> = text.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
        assert_eq!(parsed[1..], expected);
        assert_eq!(count, expected.len());
    }
}
