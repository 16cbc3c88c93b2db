//! Evaluation of compiled conditions and values against one event.
//!
//! Boolean logic is two-valued, as in Elasticsearch's translation of EQL to the query DSL: a
//! comparison involving a missing or null value is false, and `not` inverts that.

use crate::ast::CmpOp;
use crate::compile::{Input, Node, PatternSet, Test, VExpr};
use crate::event::Event;
use crate::functions;
use crate::value::{Val, loose_cmp, loose_eq};
use serde_json::Value;
use std::cmp::Ordering;

/// An event with no fields, for folding constants at load time.
pub(crate) struct NoFields;

impl Event for NoFields {
    fn field(&self, _name: &str) -> Option<&Value> {
        None
    }
}

impl Node {
    pub(crate) fn eval(&self, ev: &dyn Event) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::And(v) => v.iter().all(|n| n.eval(ev)),
            Node::Or(v) => v.iter().any(|n| n.eval(ev)),
            Node::Not(n) => !n.eval(ev),
            Node::Test { input, test } => match input {
                Input::Field(name) => test.on_field(ev.field(name)),
                Input::Expr(e) => test.on_val(&e.eval(ev)),
            },
            Node::Compare { op, left, right } => {
                let (l, r) = (left.eval(ev), right.eval(ev));
                l.any_leaf(&mut |a| r.any_leaf(&mut |b| cmp_holds(*op, a, b)))
            }
            Node::Truthy(e) => e.eval(ev).truthy(),
        }
    }
}

fn cmp_holds(op: CmpOp, a: &Val<'_>, b: &Val<'_>) -> bool {
    match op {
        CmpOp::Eq => loose_eq(a, b),
        CmpOp::Neq => !a.is_null() && !b.is_null() && !loose_eq(a, b),
        _ => match loose_cmp(a, b) {
            Some(o) => ord_holds(op, o),
            None => false,
        },
    }
}

fn ord_holds(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Neq => o != Ordering::Equal,
    }
}

impl Test {
    /// Applies the test to a field as the event holds it, without building a value.
    #[inline]
    fn on_field(&self, v: Option<&Value>) -> bool {
        match (self, v) {
            (Test::IsNull, None | Some(Value::Null)) => true,
            (Test::IsNull, Some(Value::Array(items))) => items.iter().all(Value::is_null),
            (Test::IsNull, Some(_)) => false,
            (_, None | Some(Value::Null)) => false,
            (_, Some(Value::Array(items))) => items.iter().any(|x| self.on_field(Some(x))),
            (Test::Patterns(set), Some(Value::String(s))) => set.matches(s),
            (Test::Equals(lits), Some(Value::String(s))) => {
                let v = Val::Str(s.as_str().into());
                lits.iter().any(|l| loose_eq(&v, l))
            }
            (_, Some(v)) => self.leaf(&Val::leaf(v)),
        }
    }

    fn on_val(&self, v: &Val<'_>) -> bool {
        match self {
            Test::IsNull => v.is_null(),
            _ => v.any_leaf(&mut |x| self.leaf(x)),
        }
    }

    fn leaf(&self, v: &Val<'_>) -> bool {
        match self {
            Test::IsNull => matches!(v, Val::Null),
            Test::Equals(lits) => lits.iter().any(|l| loose_eq(v, l)),
            Test::Patterns(set) => match v {
                Val::Str(s) => set.matches(s),
                Val::Null | Val::Many(_) => false,
                other => other.to_text().is_some_and(|t| set.matches(&t)),
            },
            Test::Regex(res) => match v {
                Val::Str(s) => res.iter().any(|r| r.is_match(s)),
                Val::Null | Val::Many(_) => false,
                other => other
                    .to_text()
                    .is_some_and(|t| res.iter().any(|r| r.is_match(&t))),
            },
            Test::Cmp(op, lit) => loose_cmp(v, lit).is_some_and(|o| ord_holds(*op, o)),
        }
    }
}

impl PatternSet {
    #[inline]
    pub(crate) fn matches(&self, s: &str) -> bool {
        if self.sensitive.iter().any(|w| w.matches(s)) {
            return true;
        }
        if self.insensitive.is_empty() {
            return false;
        }
        if s.is_ascii() {
            self.insensitive
                .iter()
                .any(|w| w.matches_prepared(s.as_bytes(), true))
        } else {
            let lower = s.to_lowercase();
            self.insensitive
                .iter()
                .any(|w| w.matches_prepared(lower.as_bytes(), false))
        }
    }
}

impl VExpr {
    pub(crate) fn eval<'a>(&self, ev: &'a dyn Event) -> Val<'a> {
        match self {
            VExpr::Field(name) => Val::from_field(ev.field(name)),
            VExpr::Lit(v) => v.clone(),
            VExpr::Call(f, args) => {
                let vals = args.iter().map(|a| a.eval(ev)).collect();
                functions::call(f, vals)
            }
            VExpr::Arith(op, l, r) => {
                let (l, r) = (l.eval(ev), r.eval(ev));
                broadcast2(&l, &r, &mut |a, b| functions::arith(*op, a, b))
            }
            VExpr::Neg(inner) => {
                let v = inner.eval(ev);
                broadcast2(&Val::Int(0), &v, &mut |a, b| {
                    functions::arith(crate::ast::ArithOp::Sub, a, b)
                })
            }
            VExpr::Bool(n) => Val::Bool(n.eval(ev)),
        }
    }
}

/// Applies a binary operation element-wise when either side is an array.
fn broadcast2<'a>(
    a: &Val<'_>,
    b: &Val<'_>,
    f: &mut dyn FnMut(&Val<'_>, &Val<'_>) -> Val<'a>,
) -> Val<'a> {
    match (a, b) {
        (Val::Many(items), _) => Val::Many(items.iter().map(|x| broadcast2(x, b, f)).collect()),
        (_, Val::Many(items)) => Val::Many(items.iter().map(|y| broadcast2(a, y, f)).collect()),
        _ => f(a, b),
    }
}
