//! Abstract syntax tree of an EQL query, as the parser produces it.

use crate::error::Pos;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator as EQL writes it.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Neq => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl ArithOp {
    /// The operator as EQL writes it.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
        }
    }
}

/// The string-pattern operators: `:`, `like`, `like~`, `regex`, `regex~`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MatchKind {
    /// `:` (case-insensitive, wildcards).
    Seq,
    Like,
    Regex,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Null(Pos),
    Bool(bool, Pos),
    Int(i64, Pos),
    Float(f64, Pos),
    Str(String, Pos),
    Field {
        name: String,
        optional: bool,
        pos: Pos,
    },
    Not(Box<Expr>, Pos),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp {
        op: CmpOp,
        left: Box<Expr>,
        right: Box<Expr>,
        pos: Pos,
    },
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
        insensitive: bool,
        pos: Pos,
    },
    Match {
        kind: MatchKind,
        insensitive: bool,
        expr: Box<Expr>,
        /// The patterns with their positions; `list` when written in parentheses.
        patterns: Vec<(String, Pos)>,
        list: bool,
        pos: Pos,
    },
    Arith {
        op: ArithOp,
        left: Box<Expr>,
        right: Box<Expr>,
        pos: Pos,
    },
    Neg(Box<Expr>, Pos),
    Call {
        name: String,
        insensitive: bool,
        args: Vec<Expr>,
        pos: Pos,
    },
}

impl Expr {
    pub(crate) fn pos(&self) -> Pos {
        match self {
            Expr::Null(p)
            | Expr::Bool(_, p)
            | Expr::Int(_, p)
            | Expr::Float(_, p)
            | Expr::Str(_, p)
            | Expr::Not(_, p)
            | Expr::Neg(_, p) => *p,
            Expr::Field { pos, .. }
            | Expr::Cmp { pos, .. }
            | Expr::In { pos, .. }
            | Expr::Match { pos, .. }
            | Expr::Arith { pos, .. }
            | Expr::Call { pos, .. } => *pos,
            Expr::And(l, _) | Expr::Or(l, _) => l.pos(),
        }
    }

    /// Whether the expression reads any field of the event.
    pub(crate) fn has_field(&self) -> bool {
        match self {
            Expr::Field { .. } => true,
            Expr::Null(_) | Expr::Bool(..) | Expr::Int(..) | Expr::Float(..) | Expr::Str(..) => {
                false
            }
            Expr::Not(e, _) | Expr::Neg(e, _) => e.has_field(),
            Expr::And(l, r) | Expr::Or(l, r) => l.has_field() || r.has_field(),
            Expr::Cmp { left, right, .. } | Expr::Arith { left, right, .. } => {
                left.has_field() || right.has_field()
            }
            Expr::In { expr, list, .. } => expr.has_field() || list.iter().any(Expr::has_field),
            Expr::Match { expr, .. } => expr.has_field(),
            Expr::Call { args, .. } => args.iter().any(Expr::has_field),
        }
    }
}

/// `process where ...`: the category (`None` for `any`) and the condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventFilter {
    pub category: Option<String>,
    pub condition: Expr,
    pub pos: Pos,
}

/// One bracketed subquery of a sequence or sample, with its options.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    pub filter: EventFilter,
    pub keys: Vec<Expr>,
    pub runs: Option<u32>,
    pub missing: bool,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum QueryKind {
    Event(EventFilter),
    Sequence {
        keys: Vec<Expr>,
        /// The maximum span in nanoseconds.
        maxspan: Option<i64>,
        terms: Vec<Term>,
        until: Option<Term>,
    },
    Sample {
        keys: Vec<Expr>,
        terms: Vec<Term>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pipe {
    Head(usize),
    Tail(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ast {
    pub kind: QueryKind,
    pub pipes: Vec<Pipe>,
}
