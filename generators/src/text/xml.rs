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
    let mut start = 0;
    for (at, &byte) in text.as_bytes().iter().enumerate() {
        let entity: &str = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[start..at]);
        if entity.is_empty() {
            out.push_str("&#x");
            if byte >= 0x10 {
                out.push('1');
            }
            out.push(char::from(b"0123456789ABCDEF"[usize::from(byte & 0xf)]));
            out.push(';');
        } else {
            out.push_str(entity);
        }
        start = at + 1;
    }
    out.push_str(&text[start..]);
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
