//! Small text writers and parsers shared by the format modules: times, numbers, JSON, XML.
//!
//! Every writer appends to a caller's `String`, so a renderer can reuse one buffer for a whole
//! stream without allocating per field.

pub mod json;
pub mod time;
pub mod xml;
pub mod xml_read;

/// Appends an unsigned integer in decimal.
pub fn push_u64(out: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for &digit in &digits[at..] {
        out.push(digit as char);
    }
}

/// Appends a signed integer in decimal.
pub fn push_i64(out: &mut String, value: i64) {
    if value < 0 {
        out.push('-');
    }
    push_u64(out, value.unsigned_abs());
}

/// Appends an unsigned integer as lower-case hex with a `0x` prefix (`0x3e7`).
pub fn push_hex_u64(out: &mut String, value: u64) {
    out.push_str("0x");
    let digits = b"0123456789abcdef";
    let width = (64 - value.leading_zeros()).div_ceil(4).max(1);
    for nibble in (0..width).rev() {
        out.push(digits[((value >> (nibble * 4)) & 0xf) as usize] as char);
    }
}

/// Appends the ASCII-lower-cased and Unicode-lower-cased form of `text`.
pub fn push_lower(out: &mut String, text: &str) {
    if text.is_ascii() {
        out.extend(text.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else {
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

/// Appends `bytes` in standard base64 (RFC 4648 alphabet, `=` padding).
pub fn push_base64(out: &mut String, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let group = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(char::from(
                    ALPHABET[((group >> (18 - 6 * index)) & 0x3f) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
}

/// At most `max` characters of `text`, for quoting untrusted input in error messages; control
/// characters are shown escaped (`\n`), everything else as it is.
pub fn snippet(text: &str, max: usize) -> String {
    let mut cut = String::new();
    for c in text.chars().take(max) {
        if c.is_control() {
            cut.extend(c.escape_default());
        } else {
            cut.push(c);
        }
    }
    if text.chars().nth(max).is_some() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_like_std() {
        for value in [0u64, 7, 10, 999, 4_294_967_295, u64::MAX] {
            let mut out = String::new();
            push_u64(&mut out, value);
            assert_eq!(out, value.to_string());
        }
        let mut out = String::new();
        push_i64(&mut out, i64::MIN);
        assert_eq!(out, i64::MIN.to_string());
    }

    #[test]
    fn hex_has_no_leading_zeros() {
        for (value, text) in [
            (0u64, "0x0"),
            (999, "0x3e7"),
            (0x1eba8, "0x1eba8"),
            (u64::MAX, "0xffffffffffffffff"),
        ] {
            let mut out = String::new();
            push_hex_u64(&mut out, value);
            assert_eq!(out, text);
        }
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = String::new();
            push_base64(&mut out, plain.as_bytes());
            assert_eq!(out, encoded);
        }
    }

    #[test]
    fn snippet_cuts_and_escapes() {
        assert_eq!(snippet("abc", 5), "abc");
        assert_eq!(snippet("a\nbcdef", 3), "a\\nb…");
    }
}
