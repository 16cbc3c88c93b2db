//! Runtime values of expressions, with EQL's loose equality and ordering across types.

use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

/// A value computed while evaluating; `Many` holds the elements of an array field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Many(Vec<Val<'a>>),
}

impl<'a> Val<'a> {
    /// One JSON leaf (nested objects count as null: callers flatten records).
    pub(crate) fn leaf(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null | Value::Object(_) => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                None => Val::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Val::Str(Cow::Borrowed(s)),
            Value::Array(items) => Val::Many(items.iter().map(Val::leaf).collect()),
        }
    }

    pub(crate) fn from_field(v: Option<&'a Value>) -> Val<'a> {
        match v {
            None => Val::Null,
            Some(Value::Array(items)) if items.is_empty() => Val::Null,
            Some(v) => Val::leaf(v),
        }
    }

    /// Null, or an array of nothing but nulls.
    pub(crate) fn is_null(&self) -> bool {
        match self {
            Val::Null => true,
            Val::Many(items) => items.iter().all(Val::is_null),
            _ => false,
        }
    }

    /// Whether `f` holds for any non-array leaf (nested arrays are flattened).
    pub(crate) fn any_leaf(&self, f: &mut dyn FnMut(&Val<'_>) -> bool) -> bool {
        match self {
            Val::Many(items) => items.iter().any(|v| v.any_leaf(f)),
            v => f(v),
        }
    }

    pub(crate) fn truthy(&self) -> bool {
        self.any_leaf(&mut |v| matches!(v, Val::Bool(true)))
    }

    pub(crate) fn into_owned(self) -> Val<'static> {
        match self {
            Val::Null => Val::Null,
            Val::Bool(b) => Val::Bool(b),
            Val::Int(i) => Val::Int(i),
            Val::Float(f) => Val::Float(f),
            Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
            Val::Many(items) => Val::Many(items.into_iter().map(Val::into_owned).collect()),
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Float(f) => Some(*f),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Float(f) if f.fract() == 0.0 => Some(*f as i64),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The string form `string()` and `concat()` use; `None` for null.
    pub(crate) fn to_text(&self) -> Option<Cow<'_, str>> {
        Some(match self {
            Val::Null => return None,
            Val::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Val::Int(i) => Cow::Owned(i.to_string()),
            Val::Float(f) => Cow::Owned(float_text(*f)),
            Val::Str(s) => Cow::Borrowed(s.as_ref()),
            Val::Many(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.to_text().map(Cow::into_owned))
                    .collect();
                Cow::Owned(format!("[{}]", parts.join(", ")))
            }
        })
    }
}

/// Java's `Double.toString` shape for ordinary values: `42.5`, `1.0`.
fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// Equality between two leaves, as `==` and `in` apply it: strings case-sensitively, numbers by
/// value, and a number against a numeric string by value.
pub(crate) fn loose_eq(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Bool(x), Val::Str(s)) | (Val::Str(s), Val::Bool(x)) => {
            s.as_ref() == if *x { "true" } else { "false" }
        }
        (Val::Null, _) | (_, Val::Null) | (Val::Bool(_), _) | (_, Val::Bool(_)) => false,
        (Val::Many(_), _) | (_, Val::Many(_)) => false,
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// Ordering for `<`, `<=`, `>`, `>=`: strings lexicographically (case-sensitive), numbers by
/// value, a number against a numeric string by value; `None` when not comparable.
pub(crate) fn loose_cmp(a: &Val<'_>, b: &Val<'_>) -> Option<Ordering> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Null, _) | (_, Val::Null) | (Val::Bool(_), _) | (_, Val::Bool(_)) => None,
        (Val::Many(_), _) | (_, Val::Many(_)) => None,
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_table() {
        let s = |x: &'static str| Val::Str(Cow::Borrowed(x));
        let rows = [
            (s("a"), s("a"), true),
            (s("a"), s("A"), false),
            (Val::Int(4), s("4"), true),
            (Val::Int(4), Val::Float(4.0), true),
            (s("4624"), Val::Int(4624), true),
            (s("x"), Val::Int(1), false),
            (Val::Bool(true), s("true"), true),
            (Val::Bool(true), Val::Int(1), false),
            (Val::Null, Val::Null, false),
        ];
        for (a, b, want) in rows {
            assert_eq!(loose_eq(&a, &b), want, "{a:?} == {b:?}");
        }
        assert_eq!(loose_cmp(&s("b"), &s("a")), Some(Ordering::Greater));
        assert_eq!(loose_cmp(&s("10"), &Val::Int(9)), Some(Ordering::Greater));
        assert_eq!(loose_cmp(&Val::Null, &Val::Int(9)), None);
        assert_eq!(Val::Float(42.5).to_text().unwrap(), "42.5");
        assert_eq!(Val::Float(1.0).to_text().unwrap(), "1.0");
    }
}
