//! The EQL function library: signatures (for validation at load) and implementations.

use crate::value::Val;
use std::borrow::Cow;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FnKind {
    Add,
    Between,
    CidrMatch,
    Concat,
    Divide,
    EndsWith,
    IndexOf,
    Length,
    Modulo,
    Multiply,
    Number,
    StartsWith,
    ToString,
    StringContains,
    Substring,
    Subtract,
}

/// What the validator needs to know about a function.
pub(crate) struct FnSpec {
    pub kind: FnKind,
    /// The canonical (documented) name, also the census feature name.
    pub name: &'static str,
    pub feature: &'static str,
    pub min: usize,
    pub max: usize,
    /// Whether Elasticsearch has a `name~` case-insensitive variant.
    pub tilde: bool,
    pub boolean: bool,
}

macro_rules! spec {
    ($k:ident, $n:literal, $min:expr, $max:expr, $t:expr, $b:expr) => {
        FnSpec {
            kind: FnKind::$k,
            name: $n,
            feature: concat!("function ", $n),
            min: $min,
            max: $max,
            tilde: $t,
            boolean: $b,
        }
    };
}

const MANY: usize = usize::MAX;

static SPECS: &[FnSpec] = &[
    spec!(Add, "add", 2, 2, false, false),
    spec!(Between, "between", 3, 4, true, false),
    spec!(CidrMatch, "cidrMatch", 2, MANY, false, true),
    spec!(Concat, "concat", 1, MANY, false, false),
    spec!(Divide, "divide", 2, 2, false, false),
    spec!(EndsWith, "endsWith", 2, 2, true, true),
    spec!(IndexOf, "indexOf", 2, 3, true, false),
    spec!(Length, "length", 1, 1, false, false),
    spec!(Modulo, "modulo", 2, 2, false, false),
    spec!(Multiply, "multiply", 2, 2, false, false),
    spec!(Number, "number", 1, 2, false, false),
    spec!(StartsWith, "startsWith", 2, 2, true, true),
    spec!(ToString, "string", 1, 1, false, false),
    spec!(StringContains, "stringContains", 2, 2, true, true),
    spec!(Substring, "substring", 2, 3, false, false),
    spec!(Subtract, "subtract", 2, 2, false, false),
];

/// Looks a function up by name in any letter case.
pub(crate) fn lookup(name: &str) -> Option<&'static FnSpec> {
    SPECS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// A CIDR block: network address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let net: IpAddr = addr.trim().parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { net, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match (self.net, ip) {
            (IpAddr::V4(_), IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            _ => ip,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// A resolved call: the function, its `~` flag, and CIDR blocks parsed at load when constant.
#[derive(Debug, Clone)]
pub(crate) struct Func {
    pub kind: FnKind,
    pub insensitive: bool,
    pub cidrs: Option<Vec<Cidr>>,
}

/// Calls `f`; an array argument applies the function per element (the result is an array).
pub(crate) fn call<'a>(f: &Func, args: Vec<Val<'a>>) -> Val<'a> {
    if let Some(i) = args.iter().position(|a| matches!(a, Val::Many(_))) {
        let mut args = args;
        let Val::Many(items) = std::mem::replace(&mut args[i], Val::Null) else {
            return Val::Null;
        };
        let out = items
            .into_iter()
            .map(|item| {
                let mut a = args.clone();
                a[i] = item;
                call(f, a)
            })
            .collect();
        return Val::Many(out);
    }
    apply(f, &args).unwrap_or(Val::Null)
}

fn text<'v>(v: &'v Val<'_>) -> Option<Cow<'v, str>> {
    v.to_text()
}

fn apply<'a>(f: &Func, a: &[Val<'a>]) -> Option<Val<'a>> {
    use crate::ast::ArithOp;
    let ci = f.insensitive;
    Some(match f.kind {
        FnKind::Add => arith(ArithOp::Add, &a[0], &a[1]),
        FnKind::Subtract => arith(ArithOp::Sub, &a[0], &a[1]),
        FnKind::Multiply => arith(ArithOp::Mul, &a[0], &a[1]),
        FnKind::Divide => arith(ArithOp::Div, &a[0], &a[1]),
        FnKind::Modulo => arith(ArithOp::Mod, &a[0], &a[1]),
        FnKind::Between => {
            let (s, l, r) = (text(&a[0])?, text(&a[1])?, text(&a[2])?);
            let greedy = match a.get(3) {
                None => false,
                Some(Val::Bool(b)) => *b,
                Some(_) => return None,
            };
            Val::Str(Cow::Owned(between(&s, &l, &r, greedy, ci)))
        }
        FnKind::CidrMatch => {
            let ip: IpAddr = text(&a[0])?.trim().parse().ok()?;
            let dynamic;
            let cidrs = match &f.cidrs {
                Some(c) => c,
                None => {
                    let mut v = Vec::new();
                    for arg in &a[1..] {
                        v.push(Cidr::parse(&text(arg)?)?);
                    }
                    dynamic = v;
                    &dynamic
                }
            };
            Val::Bool(cidrs.iter().any(|c| c.contains(ip)))
        }
        FnKind::Concat => {
            let mut out = String::new();
            for v in a {
                out.push_str(&text(v)?);
            }
            Val::Str(Cow::Owned(out))
        }
        FnKind::EndsWith => {
            let (s, p) = (text(&a[0])?, text(&a[1])?);
            Val::Bool(if ci {
                s.to_lowercase().ends_with(&p.to_lowercase())
            } else {
                s.ends_with(p.as_ref())
            })
        }
        FnKind::StartsWith => {
            let (s, p) = (text(&a[0])?, text(&a[1])?);
            Val::Bool(if ci {
                s.to_lowercase().starts_with(&p.to_lowercase())
            } else {
                s.starts_with(p.as_ref())
            })
        }
        FnKind::StringContains => {
            let (s, p) = (text(&a[0])?, text(&a[1])?);
            Val::Bool(
                !s.is_empty()
                    && !p.is_empty()
                    && if ci {
                        s.to_lowercase().contains(&p.to_lowercase())
                    } else {
                        s.contains(p.as_ref())
                    },
            )
        }
        FnKind::IndexOf => {
            let (s, p) = (text(&a[0])?, text(&a[1])?);
            let start = match a.get(2) {
                None => 0,
                Some(v) => v.as_i64()?.max(0) as usize,
            };
            index_of(&s, &p, start, ci).map_or(Val::Null, |i| Val::Int(i as i64))
        }
        FnKind::Length => Val::Int(text(&a[0])?.chars().count() as i64),
        FnKind::Number => number(&text(&a[0])?, a.get(1))?,
        FnKind::ToString => Val::Str(Cow::Owned(text(&a[0])?.into_owned())),
        FnKind::Substring => {
            let s = text(&a[0])?;
            let start = a[1].as_i64()?;
            let end = match a.get(2) {
                None => None,
                Some(v) => Some(v.as_i64()?),
            };
            Val::Str(Cow::Owned(substring(&s, start, end)))
        }
    })
}

/// Arithmetic with Java semantics: integers stay integers (division truncates), null or a
/// zero divisor gives null.
pub(crate) fn arith<'a>(op: crate::ast::ArithOp, a: &Val<'_>, b: &Val<'_>) -> Val<'a> {
    use crate::ast::ArithOp::*;
    let int = |v: &Val<'_>| match v {
        Val::Int(i) => Some(*i),
        Val::Str(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    if let (Some(x), Some(y)) = (int(a), int(b)) {
        let r = match op {
            Add => x.checked_add(y),
            Sub => x.checked_sub(y),
            Mul => x.checked_mul(y),
            Div => x.checked_div(y),
            Mod => x.checked_rem(y),
        };
        return r.map_or(Val::Null, Val::Int);
    }
    let (Some(x), Some(y)) = (num(a), num(b)) else {
        return Val::Null;
    };
    let r = match op {
        Add => x + y,
        Sub => x - y,
        Mul => x * y,
        Div if y == 0.0 => return Val::Null,
        Div => x / y,
        Mod if y == 0.0 => return Val::Null,
        Mod => x % y,
    };
    Val::Float(r)
}

fn num(v: &Val<'_>) -> Option<f64> {
    match v {
        Val::Int(_) | Val::Float(_) | Val::Str(_) => v.as_f64(),
        _ => None,
    }
}

/// Byte offset of `needle` in `hay` at or after byte `from`, comparing characters lower-cased
/// when `ci`; returns `(start, end)` in `hay`.
fn find(hay: &str, needle: &str, from: usize, ci: bool) -> Option<(usize, usize)> {
    if !ci {
        return hay
            .get(from..)?
            .find(needle)
            .map(|i| (from + i, from + i + needle.len()));
    }
    let mut starts: Vec<usize> = hay
        .get(from..)?
        .char_indices()
        .map(|(i, _)| from + i)
        .collect();
    starts.push(hay.len());
    for s in starts {
        let mut h = hay[s..].char_indices();
        let mut end = s;
        let mut ok = true;
        for nc in needle.chars() {
            match h.next() {
                Some((i, hc)) if hc.to_lowercase().eq(nc.to_lowercase()) => {
                    end = s + i + hc.len_utf8()
                }
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return Some((s, end));
        }
    }
    None
}

fn between(s: &str, left: &str, right: &str, greedy: bool, ci: bool) -> String {
    let Some((_, start)) = find(s, left, 0, ci) else {
        return String::new();
    };
    let end = if greedy {
        let mut last = None;
        let mut from = start;
        while let Some((b, e)) = find(s, right, from, ci) {
            last = Some(b);
            if e == b {
                break;
            }
            from = b + s[b..].chars().next().map_or(1, char::len_utf8);
            if from > s.len() {
                break;
            }
        }
        last
    } else {
        find(s, right, start, ci).map(|(b, _)| b)
    };
    end.map_or(String::new(), |e| s[start..e].to_string())
}

/// Character index of `p` in `s` at or after character `start`.
fn index_of(s: &str, p: &str, start: usize, ci: bool) -> Option<usize> {
    let len = s.chars().count();
    if start > len {
        return None;
    }
    let from = s.char_indices().nth(start).map_or(s.len(), |(i, _)| i);
    let (b, _) = find(s, p, from, ci)?;
    Some(s[..b].chars().count())
}

/// Python-style slice by character positions; negative positions count from the end.
pub(crate) fn substring(s: &str, start: i64, end: Option<i64>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let norm = |i: i64| {
        if i < 0 {
            i.saturating_add(len).max(0)
        } else {
            i.min(len)
        }
    };
    let (a, b) = (norm(start), norm(end.unwrap_or(len)));
    if a >= b {
        return String::new();
    }
    chars[a as usize..b as usize].iter().collect()
}

fn number<'a>(s: &str, base: Option<&Val<'_>>) -> Option<Val<'a>> {
    let t = s.trim();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let hex = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X"));
    let radix = match base {
        None | Some(Val::Null) => {
            if hex.is_some() {
                16
            } else {
                10
            }
        }
        Some(v) => v.as_i64()? as u32,
    };
    let digits = if radix == 16 {
        hex.unwrap_or(body)
    } else {
        body
    };
    if !(2..=36).contains(&radix) || digits.is_empty() {
        return None;
    }
    if let Ok(i) = i64::from_str_radix(digits, radix) {
        return Some(Val::Int(if neg { -i } else { i }));
    }
    if radix == 10 {
        return t.parse::<f64>().ok().map(Val::Float);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(substring("start regsvr32.exe", -4, None), ".exe");
        assert_eq!(substring("start regsvr32.exe", -4, Some(-1)), ".ex");
        assert_eq!(substring("start regsvr32.exe", 6, Some(14)), "regsvr32");
        assert_eq!(substring("abc", 5, None), "");
        assert_eq!(substring("abc", -10, Some(2)), "ab");
        let p = "C:\\Windows\\System32\\cmd.exe";
        assert_eq!(between(p, "System32\\", ".exe", false, false), "cmd");
        assert_eq!(between(p, "system32\\", ".exe", false, false), "");
        assert_eq!(between(p, "system32\\", ".exe", false, true), "cmd");
        assert_eq!(between(p, "\\", "\\", false, false), "Windows");
        assert_eq!(between(p, "\\", "\\", true, false), "Windows\\System32");
        let d = "subdomain.example.com";
        assert_eq!(index_of(d, "d", 0, false), Some(3));
        assert_eq!(index_of(d, "D", 0, false), None);
        assert_eq!(index_of(d, "D", 0, true), Some(3));
        assert_eq!(index_of(d, ".", 10, false), Some(17));
        assert_eq!(index_of(d, "", 9, false), Some(9));
        assert_eq!(index_of(d, ".", 30, false), None);
        assert_eq!(number("0xdeadbeef", None), Some(Val::Int(3735928559)));
        assert_eq!(number("  1337 ", None), Some(Val::Int(1337)));
        assert_eq!(number("-1337", None), Some(Val::Int(-1337)));
        assert_eq!(number("42.5", None), Some(Val::Float(42.5)));
        assert_eq!(
            number("deadbeef", Some(&Val::Int(16))),
            Some(Val::Int(3735928559))
        );
        assert_eq!(number("zz", None), None);
        let c = Cidr::parse("192.168.0.0/16").unwrap();
        assert!(c.contains("192.168.152.12".parse().unwrap()));
        assert!(!c.contains("10.0.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:192.168.1.1".parse().unwrap()));
        let c6 = Cidr::parse("fe80::/10").unwrap();
        assert!(c6.contains("fe80::1".parse().unwrap()));
        assert!(!c6.contains("2001:db8::1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
    }
}
