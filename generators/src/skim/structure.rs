//! The structural index of one JSON text: which bytes are quotes that open or close a string,
//! which are brackets outside strings, and which are backslashes inside strings, as bit maps
//! (bit `i % 64` of word `i / 64` for byte `i`).
//!
//! The text is classified 64 bytes at a time into bit masks: quotes, backslashes, opening and
//! closing brackets. Escaped bytes are worked out from the backslashes, the remaining quotes
//! delimit strings, and a running XOR over the quote bits marks every byte inside a string, so
//! brackets inside strings drop out without a byte-by-byte walk. With the index, the end of a
//! string is the next quote bit, and skipping an object or array is a walk over bracket bits.

use super::SkimError;

/// The bit maps of one text; reused from one text to the next.
#[derive(Debug, Default)]
pub(super) struct Index {
    /// Quotes that open or close a string.
    quotes: Vec<u64>,
    /// `{`, `}`, `[` and `]` outside strings.
    brackets: Vec<u64>,
    /// Backslashes inside strings.
    escapes: Vec<u64>,
}

impl Index {
    /// Indexes `bytes`, refusing a string that never closes.
    pub(super) fn build(&mut self, bytes: &[u8]) -> Result<(), SkimError> {
        self.quotes.clear();
        self.brackets.clear();
        self.escapes.clear();
        let words = bytes.len().div_ceil(64);
        self.quotes.reserve(words);
        self.brackets.reserve(words);
        self.escapes.reserve(words);
        let mut state = State::default();
        let mut blocks = bytes.chunks_exact(64);
        for block in blocks.by_ref() {
            let block: &[u8; 64] = block.try_into().expect("chunks of 64 bytes");
            self.push(state.block(block));
        }
        let rest = blocks.remainder();
        if !rest.is_empty() {
            // The tail, padded with spaces, which are never structural.
            let mut block = [b' '; 64];
            block[..rest.len()].copy_from_slice(rest);
            self.push(state.block(&block));
        }
        if state.in_string != 0 {
            // The last quote opened a string that never closes.
            let offset = self.last_quote().unwrap_or(0);
            return Err(SkimError {
                offset,
                message: "unterminated string".into(),
            });
        }
        Ok(())
    }

    fn push(&mut self, (quotes, brackets, escapes): (u64, u64, u64)) {
        self.quotes.push(quotes);
        self.brackets.push(brackets);
        self.escapes.push(escapes);
    }

    fn last_quote(&self) -> Option<usize> {
        let (word, bits) = self
            .quotes
            .iter()
            .enumerate()
            .rfind(|(_, bits)| **bits != 0)?;
        Some(word * 64 + 63 - bits.leading_zeros() as usize)
    }

    /// Whether the byte at `at` is a quote opening or closing a string.
    pub(super) fn is_quote(&self, at: usize) -> bool {
        bit(&self.quotes, at)
    }

    /// Whether the byte at `at` is a bracket outside strings.
    pub(super) fn is_bracket(&self, at: usize) -> bool {
        bit(&self.brackets, at)
    }

    /// The first quote at or after `from`.
    pub(super) fn next_quote(&self, from: usize) -> Option<usize> {
        next(&self.quotes, from)
    }

    /// The first bracket outside strings at or after `from`.
    pub(super) fn next_bracket(&self, from: usize) -> Option<usize> {
        next(&self.brackets, from)
    }

    /// Whether a backslash inside a string lies in `from..to`.
    pub(super) fn has_escapes(&self, from: usize, to: usize) -> bool {
        if from >= to {
            return false;
        }
        let (first, last) = (from / 64, (to - 1) / 64);
        (first..=last).any(|word| {
            let mut bits = self.escapes[word];
            if word == first {
                bits &= !0u64 << (from % 64);
            }
            if word == last {
                bits &= !0u64 >> (63 - (to - 1) % 64);
            }
            bits != 0
        })
    }
}

fn bit(words: &[u64], at: usize) -> bool {
    words
        .get(at / 64)
        .is_some_and(|bits| bits >> (at % 64) & 1 == 1)
}

/// The first set bit at or after `from`.
fn next(words: &[u64], from: usize) -> Option<usize> {
    let mut word = from / 64;
    let mut bits = *words.get(word)? & (!0u64 << (from % 64));
    loop {
        if bits != 0 {
            return Some(word * 64 + bits.trailing_zeros() as usize);
        }
        word += 1;
        bits = *words.get(word)?;
    }
}

/// What carries from one block to the next.
#[derive(Default)]
struct State {
    /// The previous block ended with a backslash that escapes this block's first byte.
    escape_carry: bool,
    /// All ones when the previous block ended inside a string, else zero.
    in_string: u64,
}

impl State {
    /// One block's quotes, brackets outside strings and backslashes inside strings.
    fn block(&mut self, block: &[u8; 64]) -> (u64, u64, u64) {
        let Masks {
            quote,
            backslash,
            open,
            close,
        } = classify(block);
        let escaped = self.escaped(backslash);
        let quotes = quote & !escaped;
        // Set from each opening quote up to (not including) its closing quote.
        let inside = prefix_xor(quotes) ^ self.in_string;
        self.in_string = 0u64.wrapping_sub(inside >> 63);
        (quotes, (open | close) & !inside, backslash & inside)
    }

    /// The bytes escaped by a backslash: each backslash not itself escaped escapes the next byte.
    fn escaped(&mut self, backslash: u64) -> u64 {
        let mut escaped = u64::from(self.escape_carry);
        self.escape_carry = false;
        let mut pending = backslash & !escaped;
        while pending != 0 {
            let at = pending.trailing_zeros();
            if at == 63 {
                self.escape_carry = true;
                break;
            }
            let next = 1u64 << (at + 1);
            escaped |= next;
            // This backslash is spent, and so is the byte it escapes, backslash or not.
            pending &= !(1u64 << at) & !next;
        }
        escaped
    }
}

/// Each bit `i` is the XOR of bits `0..=i` of `bits`.
fn prefix_xor(mut bits: u64) -> u64 {
    bits ^= bits << 1;
    bits ^= bits << 2;
    bits ^= bits << 4;
    bits ^= bits << 8;
    bits ^= bits << 16;
    bits ^= bits << 32;
    bits
}

/// One block's bytes of interest, a bit per byte.
#[derive(Debug, PartialEq, Eq)]
struct Masks {
    quote: u64,
    backslash: u64,
    /// `{` or `[`.
    open: u64,
    /// `}` or `]`.
    close: u64,
}

/// `{` and `[` differ only in bit 0x20, as do `}` and `]`: setting it folds each pair into one.
const FOLD: u8 = 0x20;

#[cfg(target_arch = "x86_64")]
fn classify(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut masks = Masks {
        quote: 0,
        backslash: 0,
        open: 0,
        close: 0,
    };
    for lane in 0..4 {
        // SAFETY: SSE2 is part of every x86_64 target, so its instructions are always there;
        // the 16 bytes loaded start at `16 * lane` with `lane < 4`, inside the 64-byte block,
        // and the load has no alignment requirement.
        let [quote, backslash, open, close] = unsafe {
            let bytes = _mm_loadu_si128(block.as_ptr().add(16 * lane).cast::<__m128i>());
            let folded = _mm_or_si128(bytes, _mm_set1_epi8(FOLD as i8));
            [
                (bytes, b'"'),
                (bytes, b'\\'),
                (folded, b'{'),
                (folded, b'}'),
            ]
            .map(|(v, byte)| {
                let equal = _mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8));
                u64::from(_mm_movemask_epi8(equal) as u16) << (16 * lane)
            })
        };
        masks.quote |= quote;
        masks.backslash |= backslash;
        masks.open |= open;
        masks.close |= close;
    }
    masks
}

#[cfg(not(target_arch = "x86_64"))]
fn classify(block: &[u8; 64]) -> Masks {
    classify_portable(block)
}

/// The same classification a byte at a time, for targets without the vector version (and to
/// check it).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_portable(block: &[u8; 64]) -> Masks {
    let mut masks = Masks {
        quote: 0,
        backslash: 0,
        open: 0,
        close: 0,
    };
    for (chunk_number, chunk) in block.chunks_exact(16).enumerate() {
        let (mut quote, mut backslash, mut open, mut close) = (0u16, 0u16, 0u16, 0u16);
        for (i, &byte) in chunk.iter().enumerate() {
            quote |= u16::from(byte == b'"') << i;
            backslash |= u16::from(byte == b'\\') << i;
            open |= u16::from(byte | FOLD == b'{') << i;
            close |= u16::from(byte | FOLD == b'}') << i;
        }
        let shift = 16 * chunk_number;
        masks.quote |= u64::from(quote) << shift;
        masks.backslash |= u64::from(backslash) << shift;
        masks.open |= u64::from(open) << shift;
        masks.close |= u64::from(close) << shift;
    }
    masks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the index should hold, by a plain byte walk: quotes, brackets outside strings,
    /// backslashes inside strings (escaped or escaping).
    fn by_walk(bytes: &[u8]) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
        let (mut quotes, mut brackets, mut escapes) = (Vec::new(), Vec::new(), Vec::new());
        let (mut inside, mut escaped) = (false, false);
        for (at, &byte) in bytes.iter().enumerate() {
            if inside {
                if byte == b'\\' {
                    escapes.push(at);
                }
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    inside = false;
                    quotes.push(at);
                }
            } else if byte == b'"' {
                inside = true;
                quotes.push(at);
            } else if matches!(byte, b'{' | b'}' | b'[' | b']') {
                brackets.push(at);
            }
        }
        (quotes, brackets, escapes)
    }

    /// Every position the index marks, found through its queries.
    fn marked(index: &Index, length: usize) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
        let walk = |next: &dyn Fn(usize) -> Option<usize>| {
            let mut found = Vec::new();
            let mut from = 0;
            while let Some(at) = next(from) {
                found.push(at);
                from = at + 1;
            }
            found
        };
        let quotes = walk(&|from| index.next_quote(from));
        let brackets = walk(&|from| index.next_bracket(from));
        assert!(quotes.iter().all(|&at| index.is_quote(at)));
        assert!(brackets.iter().all(|&at| index.is_bracket(at)));
        let escapes = (0..length)
            .filter(|&at| index.has_escapes(at, at + 1))
            .collect();
        (quotes, brackets, escapes)
    }

    #[test]
    fn agrees_with_a_byte_walk_across_block_boundaries() {
        let backslashes = |n: usize| "\\".repeat(n);
        let pieces = [
            r#"{"a":"x\\"}"#.to_string(),
            r#"{"b\"{":["]","\\\"",{}]}"#.to_string(),
            // Runs of backslashes across a block boundary: 70 (all escaped in pairs, the quote
            // closes) and 69 (the last escapes the quote).
            format!("[\"{}\"]", backslashes(70)),
            format!("[\"{}\"x\"]", backslashes(69)),
            r#"[1,{"k":"v"},"C:\\Windows\\System32\\cmd.exe","{[}]"]"#.to_string(),
            // A string with a backslash beside strings without, across boundaries.
            format!(
                "[\"{}\",\"{}\\\\\",\"{}\"]",
                "a".repeat(40),
                "b".repeat(50),
                "c".repeat(70)
            ),
        ];
        // Every shift of every piece, so escapes and strings straddle the 64-byte boundaries.
        for piece in pieces {
            for pad in 0..70 {
                let text = format!("{}{piece}{}", " ".repeat(pad), " ".repeat(pad % 7));
                assert!(
                    serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                    "{text}"
                );
                let mut index = Index::default();
                index.build(text.as_bytes()).unwrap();
                let expected = by_walk(text.as_bytes());
                assert_eq!(marked(&index, text.len()), expected, "{text:?}");
                // A range holds escapes when one of its bytes does.
                let escapes = &expected.2;
                for (from, to) in [(0, text.len()), (pad, text.len()), (3, 70), (60, 130)] {
                    let to = to.min(text.len());
                    let has = escapes.iter().any(|&at| (from..to).contains(&at));
                    assert_eq!(index.has_escapes(from, to), has, "{from}..{to} of {text:?}");
                }
            }
        }
    }

    #[test]
    fn refuses_an_unterminated_string() {
        let error = Index::default().build(br#"{"a": "b\"}"#).unwrap_err();
        assert_eq!(error.offset, 6);
    }

    #[test]
    fn the_vector_classifier_agrees_with_the_portable_one() {
        const BYTES: &[u8] = b"\"\\{}[]ab:, z\x7f";
        let mut block = [0u8; 64];
        for seed in 0..256usize {
            for (i, byte) in block.iter_mut().enumerate() {
                *byte = BYTES[(i * 7 + seed * 13 + i * i) % BYTES.len()];
            }
            assert_eq!(classify(&block), classify_portable(&block));
        }
    }
}
