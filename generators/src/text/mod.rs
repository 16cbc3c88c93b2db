//! Small text writers and parsers shared by the format modules: times, numbers, JSON, XML.
//!
//! Every writer appends to a caller's `String`, so a renderer can reuse one buffer for a whole
//! stream without allocating per field.

pub mod json;
pub mod json_string;
pub mod time;
pub mod xml;
pub mod xml_read;

/// Two-digit pairs `00` to `99`, for converting numbers two digits at a time.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `value` in decimal at the end of `digits`; returns where the digits start.
fn decimal(digits: &mut [u8; 20], mut value: u64) -> usize {
    let mut at = digits.len();
    while value >= 100 {
        let pair = usize::try_from(value % 100).unwrap_or(0) * 2;
        value /= 100;
        at -= 2;
        digits[at] = PAIRS[pair];
        digits[at + 1] = PAIRS[pair + 1];
    }
    if value >= 10 {
        let pair = usize::try_from(value).unwrap_or(0) * 2;
        at -= 2;
        digits[at] = PAIRS[pair];
        digits[at + 1] = PAIRS[pair + 1];
    } else {
        at -= 1;
        digits[at] = b'0' + value as u8;
    }
    at
}

/// Appends an unsigned integer in decimal.
pub fn push_u64(out: &mut String, value: u64) {
    let mut digits = [0u8; 20];
    let start = decimal(&mut digits, value);
    // Pushed one by one: for a handful of digits that beats validating and copying a slice.
    out.reserve(digits.len() - start);
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

/// A fixed-size stack buffer for short ASCII text built piece by piece (identifiers that are
/// then encoded), so that building them does not allocate. Bytes past `N` are dropped.
pub struct AsciiBuf<const N: usize> {
    bytes: [u8; N],
    length: usize,
}

impl<const N: usize> AsciiBuf<N> {
    pub fn new() -> Self {
        AsciiBuf {
            bytes: [0; N],
            length: 0,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        let room = (N - self.length).min(bytes.len());
        self.bytes[self.length..self.length + room].copy_from_slice(&bytes[..room]);
        self.length += room;
    }

    /// Appends `value` in decimal, left-padded with zeros to `width` digits (at most 20).
    pub fn push_u64(&mut self, value: u64, width: usize) {
        let mut digits = [b'0'; 20];
        let start = decimal(&mut digits, value).min(digits.len().saturating_sub(width));
        self.push(&digits[start..]);
    }

    /// Appends `bytes` in standard base64 (RFC 4648 alphabet, `=` padding).
    pub fn push_base64(&mut self, bytes: &[u8]) {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let group = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let mut quad = [b'='; 4];
            for (index, slot) in quad.iter_mut().enumerate().take(chunk.len() + 1) {
                *slot = ALPHABET[((group >> (18 - 6 * index)) & 0x3f) as usize];
            }
            self.push(&quad);
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.length]
    }
}

impl<const N: usize> Default for AsciiBuf<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Appends bytes the caller built as ASCII (digits, hex, base64) in one copy.
pub fn push_ascii(out: &mut String, bytes: &[u8]) {
    debug_assert!(bytes.is_ascii());
    out.push_str(std::str::from_utf8(bytes).unwrap_or(""));
}

const SWAR_ONES: u64 = 0x0101_0101_0101_0101;
const SWAR_HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the 8 bytes packed in `word` is below `limit` (at most 128).
fn any_below(word: u64, limit: u8) -> bool {
    word.wrapping_sub(SWAR_ONES * u64::from(limit)) & !word & SWAR_HIGHS != 0
}

/// Whether any of the 8 bytes packed in `word` equals `byte`.
fn any_equal(word: u64, byte: u8) -> bool {
    any_below(word ^ (SWAR_ONES * u64::from(byte)), 1)
}

/// The index of the first byte at or after `from` for which `special` holds, or the length.
///
/// Whole 8-byte words with no control character and none of `specials` are skipped at once;
/// text to escape is mostly plain, so most of it never reaches the byte loop.
pub fn find_special(
    bytes: &[u8],
    from: usize,
    specials: &[u8],
    special: impl Fn(u8) -> bool,
) -> usize {
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        if any_below(word, 0x20) || specials.iter().any(|&byte| any_equal(word, byte)) {
            break;
        }
        at += 8;
    }
    bytes[at.min(bytes.len())..]
        .iter()
        .position(|&byte| special(byte))
        .map_or(bytes.len(), |offset| at + offset)
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
    // 48 input bytes give 64 output characters; encode a block at a time on the stack.
    for block in bytes.chunks(48) {
        let mut encoded = AsciiBuf::<64>::new();
        encoded.push_base64(block);
        push_ascii(out, encoded.as_bytes());
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
    fn find_special_agrees_with_a_byte_scan() {
        let is_special = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
        let texts = [
            "",
            "plain ascii text long enough",
            "x\"",
            "0123456789abcdef\\",
            "ab\u{1f}cd",
            "é文\n",
        ];
        for text in texts {
            for from in 0..=text.len() {
                let expected = text.as_bytes()[from..]
                    .iter()
                    .position(|&b| is_special(b))
                    .map_or(text.len(), |p| from + p);
                assert_eq!(
                    find_special(text.as_bytes(), from, b"\"\\", is_special),
                    expected,
                    "{text:?} {from}"
                );
            }
        }
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
