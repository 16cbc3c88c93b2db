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
    words: Vec<Word>,
}

/// The bit maps of 64 bytes of the text.
#[derive(Clone, Copy, Debug, Default)]
struct Word {
    /// Quotes that open or close a string.
    quotes: u64,
    /// `{`, `}`, `[` and `]` outside strings.
    brackets: u64,
    /// Backslashes inside strings.
    escapes: u64,
}

impl Index {
    /// Indexes `bytes`, refusing a string that never closes.
    pub(super) fn build(&mut self, bytes: &[u8]) -> Result<(), SkimError> {
        self.words.clear();
        self.words.reserve(bytes.len().div_ceil(64));
        #[cfg(target_arch = "x86_64")]
        let state = if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor was just found to have AVX2.
            unsafe { self.blocks_avx2(bytes) }
        } else {
            self.blocks::<false>(bytes)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let state = self.blocks::<false>(bytes);
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

    /// The blocks classified with AVX2, 32 bytes an instruction instead of 16.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn blocks_avx2(&mut self, bytes: &[u8]) -> State {
        self.blocks::<true>(bytes)
    }

    /// Every block of `bytes`, the last one padded; the state after the last.
    #[inline(always)]
    fn blocks<const AVX2: bool>(&mut self, bytes: &[u8]) -> State {
        let classify_block = |block: &[u8; 64]| {
            #[cfg(target_arch = "x86_64")]
            if AVX2 {
                // SAFETY: only `blocks_avx2`, run once AVX2 is found, asks for it.
                return unsafe { classify_avx2(block) };
            }
            classify(block)
        };
        let mut state = State::default();
        let mut blocks = bytes.chunks_exact(64);
        for block in blocks.by_ref() {
            let block: &[u8; 64] = block.try_into().expect("chunks of 64 bytes");
            self.words.push(state.block(classify_block(block)));
        }
        let rest = blocks.remainder();
        if !rest.is_empty() {
            // The tail, padded with spaces, which are never structural.
            let mut block = [b' '; 64];
            block[..rest.len()].copy_from_slice(rest);
            self.words.push(state.block(classify_block(&block)));
        }
        state
    }

    fn last_quote(&self) -> Option<usize> {
        let (n, word) = self
            .words
            .iter()
            .enumerate()
            .rfind(|(_, word)| word.quotes != 0)?;
        Some(n * 64 + 63 - word.quotes.leading_zeros() as usize)
    }

    /// The string whose opening quote is at `at`: the offset of its closing quote, and whether
    /// a backslash lies between them. `None` when the byte at `at` is no quote.
    #[inline]
    pub(super) fn string_at(&self, at: usize) -> Option<(usize, bool)> {
        let (n, bit) = (at / 64, at % 64);
        let word = self.words.get(n)?;
        if word.quotes >> bit & 1 == 0 {
            return None;
        }
        // The common case: the closing quote in the same word.
        let after = word.quotes & (!1u64 << bit);
        if after != 0 {
            let end_bit = after.trailing_zeros();
            let between = (!1u64 << bit) & ((1u64 << end_bit) - 1);
            return Some((n * 64 + end_bit as usize, word.escapes & between != 0));
        }
        let end = self.next(at + 1, |word| word.quotes)?;
        Some((end, self.has_escapes(at + 1, end)))
    }

    /// Whether the byte at `at` is a bracket outside strings.
    #[inline]
    pub(super) fn is_bracket(&self, at: usize) -> bool {
        self.words
            .get(at / 64)
            .is_some_and(|word| word.brackets >> (at % 64) & 1 == 1)
    }

    /// The first bracket outside strings at or after `from`.
    #[inline]
    pub(super) fn next_bracket(&self, from: usize) -> Option<usize> {
        self.next(from, |word| word.brackets)
    }

    /// The first set bit of one of the maps at or after `from`.
    #[inline(always)]
    fn next(&self, from: usize, map: impl Fn(&Word) -> u64) -> Option<usize> {
        let mut n = from / 64;
        let mut bits = map(self.words.get(n)?) & (!0u64 << (from % 64));
        loop {
            if bits != 0 {
                return Some(n * 64 + bits.trailing_zeros() as usize);
            }
            n += 1;
            bits = map(self.words.get(n)?);
        }
    }

    /// Whether a backslash inside a string lies in `from..to`.
    fn has_escapes(&self, from: usize, to: usize) -> bool {
        if from >= to {
            return false;
        }
        let (first, last) = (from / 64, (to - 1) / 64);
        (first..=last).any(|n| {
            let mut bits = self.words[n].escapes;
            if n == first {
                bits &= !0u64 << (from % 64);
            }
            if n == last {
                bits &= !0u64 >> (63 - (to - 1) % 64);
            }
            bits != 0
        })
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
    #[inline(always)]
    fn block(&mut self, masks: Masks) -> Word {
        let Masks {
            quote,
            backslash,
            open,
            close,
        } = masks;
        let escaped = self.escaped(backslash);
        let quotes = quote & !escaped;
        // Set from each opening quote up to (not including) its closing quote.
        let inside = prefix_xor(quotes) ^ self.in_string;
        self.in_string = 0u64.wrapping_sub(inside >> 63);
        Word {
            quotes,
            brackets: (open | close) & !inside,
            escapes: backslash & inside,
        }
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
#[derive(Debug, Default, PartialEq, Eq)]
struct Masks {
    quote: u64,
    backslash: u64,
    /// `{` or `[`.
    open: u64,
    /// `}` or `]`.
    close: u64,
}

impl Masks {
    /// Adds the bits of part of the block (quotes, backslashes, opening, closing brackets).
    #[inline(always)]
    fn add(&mut self, [quote, backslash, open, close]: [u64; 4]) {
        self.quote |= quote;
        self.backslash |= backslash;
        self.open |= open;
        self.close |= close;
    }
}

/// `{` and `[` differ only in bit 0x20, as do `}` and `]`: setting it folds each pair into one.
const FOLD: u8 = 0x20;

#[cfg(target_arch = "x86_64")]
fn classify(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut masks = Masks::default();
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
        masks.add([quote, backslash, open, close]);
    }
    masks
}

/// The classification with AVX2, for processors that have it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn classify_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    let mut masks = Masks::default();
    for half in 0..2 {
        // SAFETY: the 32 bytes loaded start at `32 * half` with `half < 2`, inside the 64-byte
        // block, and the load has no alignment requirement.
        let bytes = unsafe { _mm256_loadu_si256(block.as_ptr().add(32 * half).cast::<__m256i>()) };
        let folded = _mm256_or_si256(bytes, _mm256_set1_epi8(FOLD as i8));
        let shift = 32 * half;
        let equal = |v: __m256i, byte: u8| _mm256_cmpeq_epi8(v, _mm256_set1_epi8(byte as i8));
        let bits = |v: __m256i| u64::from(_mm256_movemask_epi8(v) as u32) << shift;
        masks.add([
            bits(equal(bytes, b'"')),
            bits(equal(bytes, b'\\')),
            bits(equal(folded, b'{')),
            bits(equal(folded, b'}')),
        ]);
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
    let mut masks = Masks::default();
    for (chunk_number, chunk) in block.chunks_exact(16).enumerate() {
        let (mut quote, mut backslash, mut open, mut close) = (0u16, 0u16, 0u16, 0u16);
        for (i, &byte) in chunk.iter().enumerate() {
            quote |= u16::from(byte == b'"') << i;
            backslash |= u16::from(byte == b'\\') << i;
            open |= u16::from(byte | FOLD == b'{') << i;
            close |= u16::from(byte | FOLD == b'}') << i;
        }
        masks.add(
            [quote, backslash, open, close].map(|bits| u64::from(bits) << (16 * chunk_number)),
        );
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
        let quotes = walk(&|from| index.next(from, |word| word.quotes));
        let brackets = walk(&|from| index.next_bracket(from));
        // Each opening quote's string ends at the next quote, and holds an escape when a
        // backslash lies between.
        for pair in quotes.chunks_exact(2) {
            let has = index.has_escapes(pair[0] + 1, pair[1]);
            assert_eq!(index.string_at(pair[0]), Some((pair[1], has)));
        }
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
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor was just found to have AVX2.
                assert_eq!(unsafe { classify_avx2(&block) }, classify_portable(&block));
            }
        }
    }
}
