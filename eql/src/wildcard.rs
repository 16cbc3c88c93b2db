//! Compiled wildcard patterns (`*` any run, `?` one character) and exact strings, matched
//! case-sensitively or case-insensitively without allocating for ASCII values.

#[derive(Debug, Clone)]
enum Kind {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    /// `*` alone or only stars: matches any string.
    Any,
    General(Vec<WTok>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WTok {
    Lit(u8),
    One,
    Star,
}

/// A pattern compiled once; `insensitive` patterns are stored lower-cased.
#[derive(Debug, Clone)]
pub(crate) struct Wildcard {
    kind: Kind,
    insensitive: bool,
}

impl Wildcard {
    /// A pattern where `*` and `?` are wildcards.
    pub(crate) fn pattern(pattern: &str, insensitive: bool) -> Wildcard {
        let p = if insensitive {
            pattern.to_lowercase()
        } else {
            pattern.to_string()
        };
        let kind = classify(&p);
        Wildcard { kind, insensitive }
    }

    /// An exact string (no wildcards: `*` and `?` are literal).
    pub(crate) fn exact(value: &str, insensitive: bool) -> Wildcard {
        let v = if insensitive {
            value.to_lowercase()
        } else {
            value.to_string()
        };
        Wildcard {
            kind: Kind::Exact(v),
            insensitive,
        }
    }

    pub(crate) fn matches(&self, s: &str) -> bool {
        if !self.insensitive {
            return self.matches_prepared(s.as_bytes(), false);
        }
        if s.is_ascii() {
            self.matches_prepared(s.as_bytes(), true)
        } else {
            self.matches_prepared(s.to_lowercase().as_bytes(), false)
        }
    }

    /// `fold`: compare the value's ASCII letters lower-cased (the pattern already is).
    pub(crate) fn matches_prepared(&self, v: &[u8], fold: bool) -> bool {
        match &self.kind {
            Kind::Any => true,
            Kind::Exact(p) => eq(p.as_bytes(), v, fold),
            Kind::Prefix(p) => v.len() >= p.len() && eq(p.as_bytes(), &v[..p.len()], fold),
            Kind::Suffix(p) => {
                v.len() >= p.len() && eq(p.as_bytes(), &v[v.len() - p.len()..], fold)
            }
            Kind::Contains(p) => contains(v, p.as_bytes(), fold),
            Kind::General(toks) => general(toks, v, fold),
        }
    }
}

fn classify(p: &str) -> Kind {
    let has_one = p.contains('?');
    let stars = p.matches('*').count();
    if stars == p.len() && stars > 0 {
        return Kind::Any;
    }
    if !has_one {
        let inner = p.trim_matches('*');
        if !inner.contains('*') {
            let lead = p.starts_with('*');
            let trail = p.ends_with('*');
            let s = inner.to_string();
            return match (lead, trail) {
                (false, false) => Kind::Exact(s),
                (false, true) => Kind::Prefix(s),
                (true, false) => Kind::Suffix(s),
                (true, true) => Kind::Contains(s),
            };
        }
    }
    let mut toks = Vec::with_capacity(p.len());
    for &b in p.as_bytes() {
        let t = match b {
            b'*' => WTok::Star,
            b'?' => WTok::One,
            b => WTok::Lit(b),
        };
        if t == WTok::Star && toks.last() == Some(&WTok::Star) {
            continue;
        }
        toks.push(t);
    }
    Kind::General(toks)
}

#[inline]
fn eq(p: &[u8], v: &[u8], fold: bool) -> bool {
    if fold {
        p.len() == v.len() && p.iter().zip(v).all(|(a, b)| *a == b.to_ascii_lowercase())
    } else {
        p == v
    }
}

fn contains(v: &[u8], p: &[u8], fold: bool) -> bool {
    if p.is_empty() {
        return true;
    }
    if !fold {
        return memchr::memmem::find(v, p).is_some();
    }
    if v.len() < p.len() {
        return false;
    }
    let first = p[0];
    (0..=v.len() - p.len())
        .any(|i| v[i].to_ascii_lowercase() == first && eq(p, &v[i..i + p.len()], true))
}

/// Length of the UTF-8 character starting with byte `b`.
#[inline]
fn char_len(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xff => 4,
        _ => 1,
    }
}

/// Greedy matcher with single-star backtracking: linear for one star, bounded otherwise.
fn general(p: &[WTok], v: &[u8], fold: bool) -> bool {
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() {
            match p[pi] {
                WTok::Star => {
                    star = Some((pi, vi));
                    pi += 1;
                    continue;
                }
                WTok::One => {
                    vi += char_len(v[vi]);
                    pi += 1;
                    continue;
                }
                WTok::Lit(b) => {
                    let c = if fold {
                        v[vi].to_ascii_lowercase()
                    } else {
                        v[vi]
                    };
                    if b == c {
                        pi += 1;
                        vi += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, sv)) => {
                let nv = sv + char_len(v[sv]);
                star = Some((sp, nv));
                pi = sp + 1;
                vi = nv;
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == WTok::Star {
        pi += 1;
    }
    pi == p.len() && vi == v.len()
}

#[cfg(test)]
mod tests {
    use super::Wildcard;

    #[test]
    fn wildcard_table() {
        let rows: &[(&str, bool, &str, bool)] = &[
            ("cmd.exe", true, "CMD.EXE", true),
            ("cmd.exe", false, "CMD.EXE", false),
            ("cmd.exe", false, "cmd.exe", true),
            ("*.exe", true, "C:\\a\\b.EXE", true),
            ("*.exe", true, "b.dll", false),
            ("c:\\windows\\*", true, "C:\\Windows\\x", true),
            ("*temp*", true, "c:\\TEMP\\a", true),
            ("*temp*", true, "c:\\tmp\\a", false),
            ("doc?", true, "docs", true),
            ("doc?", true, "doc", false),
            ("doc?", true, "document", false),
            ("d?c", true, "dóc", true),
            ("?doc", true, "adoc", true),
            ("?doc", true, "asciidoc", false),
            ("a*b*c", false, "axxbyyc", true),
            ("a*b*c", false, "axxbyy", false),
            ("a*b?c", false, "abbbxc", true),
            ("*", false, "", true),
            ("**", false, "x", true),
            ("", false, "", true),
            ("", false, "x", false),
            ("*ÄB*", true, "xäbx", true),
            ("x*y", true, "XÉY", true),
        ];
        for (p, ci, v, want) in rows {
            assert_eq!(
                Wildcard::pattern(p, *ci).matches(v),
                *want,
                "{p:?} ci={ci} on {v:?}"
            );
        }
        assert!(Wildcard::exact("a*", false).matches("a*"));
        assert!(!Wildcard::exact("a*", false).matches("ab"));
        assert!(Wildcard::exact("ABC", true).matches("abc"));
    }
}
