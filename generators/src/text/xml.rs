//! XML text escaping for the rendered Sysmon event, chosen so that one event stays on one line.
//!
//! `&`, `<`, `>`, `"` and `'` become the predefined entities; every control character below
//! U+0020 (tab, line feed and carriage return included) becomes a hexadecimal character
//! reference such as `&#xA;`. Windows itself writes tabs and line breaks raw; escaping them is
//! detsim's choice, made so that a newline inside a command line cannot split a record.
//! `&#x0;` to `&#x1F;` other than tab, line feed and carriage return are legal only in XML 1.1,
//! so a strict XML 1.0 parser rejects an event holding such characters; detsim's reader accepts
//! them.

/// Appends `text` escaped for element content or a quoted attribute value.
pub fn push_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    loop {
        let at = super::find_special(bytes, start, b"&<>\"'", needs_escape);
        out.push_str(&text[start..at]);
        let Some(&byte) = bytes.get(at) else { return };
        match byte {
            b'&' => out.push_str("&amp;"),
            b'<' => out.push_str("&lt;"),
            b'>' => out.push_str("&gt;"),
            b'"' => out.push_str("&quot;"),
            b'\'' => out.push_str("&apos;"),
            _ => {
                let hex = b"0123456789ABCDEF";
                let reference = [
                    b'&',
                    b'#',
                    b'x',
                    hex[usize::from(byte >> 4)],
                    hex[usize::from(byte & 0xf)],
                    b';',
                ];
                // `&#x9;` rather than `&#x09;`: no leading zero.
                let skip = usize::from(byte < 0x10);
                super::push_ascii(out, &reference[..3]);
                super::push_ascii(out, &reference[3 + skip..]);
            }
        }
        start = at + 1;
    }
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || matches!(byte, b'&' | b'<' | b'>' | b'"' | b'\'')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        let mut out = String::new();
        push_escaped(&mut out, "a&b<c>d\"e'f\u{0}\t\n\r\u{1f}ü");
        assert_eq!(
            out,
            "a&amp;b&lt;c&gt;d&quot;e&apos;f&#x0;&#x9;&#xA;&#xD;&#x1F;ü"
        );
    }
}
