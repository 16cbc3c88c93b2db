//! Compiler: validates the syntax tree and lowers it to evaluation nodes with operators
//! resolved, constants folded, case-insensitive constants lower-cased and patterns compiled.

use crate::ast::{ArithOp, CmpOp, Expr, MatchKind};
use crate::error::{EqlError, Pos};
use crate::eval::NoFields;
use crate::functions::{self, Cidr, Func};
use crate::lucene;
use crate::value::Val;
use crate::wildcard::Wildcard;
use std::collections::BTreeSet;

/// A compiled condition.
#[derive(Debug)]
pub(crate) enum Node {
    Const(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Test {
        input: Input,
        test: Test,
    },
    Compare {
        op: CmpOp,
        left: VExpr,
        right: VExpr,
    },
    Truthy(VExpr),
}

/// What a test reads: a field directly (the fast path) or a computed value.
#[derive(Debug)]
pub(crate) enum Input {
    Field(String),
    Expr(VExpr),
}

/// A test applied to each element of the input; the node holds when any element passes.
#[derive(Debug)]
pub(crate) enum Test {
    /// Missing, null or an empty array.
    IsNull,
    /// `==` / `in`: loose equality with any of the constants.
    Equals(Vec<Val<'static>>),
    /// `:`, `like`, `like~`, `in~`: any of the compiled patterns.
    Patterns(PatternSet),
    Regex(Vec<regex::Regex>),
    Cmp(CmpOp, Val<'static>),
}

/// Patterns split by case handling so a value is lower-cased at most once.
#[derive(Debug, Default)]
pub(crate) struct PatternSet {
    pub sensitive: Vec<Wildcard>,
    pub insensitive: Vec<Wildcard>,
}

/// A compiled value expression.
#[derive(Debug)]
pub(crate) enum VExpr {
    Field(String),
    Lit(Val<'static>),
    Call(Func, Vec<VExpr>),
    Arith(ArithOp, Box<VExpr>, Box<VExpr>),
    Neg(Box<VExpr>),
    Bool(Box<Node>),
}

/// Compiles conditions, recording the language features used.
pub(crate) struct Compiler<'f> {
    pub features: &'f mut BTreeSet<&'static str>,
    /// Every field name the query reads, for reports that show the values a verdict rests on.
    pub fields: BTreeSet<String>,
}

impl Compiler<'_> {
    fn feature(&mut self, f: &'static str) {
        self.features.insert(f);
    }

    /// A condition in boolean position.
    pub(crate) fn node(&mut self, e: &Expr) -> Result<Node, EqlError> {
        Ok(match e {
            Expr::Bool(b, _) => Node::Const(*b),
            Expr::And(l, r) => {
                self.feature("and");
                let mut v = Vec::new();
                for side in [l, r] {
                    match self.node(side)? {
                        Node::And(inner) => v.extend(inner),
                        n => v.push(n),
                    }
                }
                Node::And(v)
            }
            Expr::Or(l, r) => {
                self.feature("or");
                let mut v = Vec::new();
                for side in [l, r] {
                    match self.node(side)? {
                        Node::Or(inner) => v.extend(inner),
                        n => v.push(n),
                    }
                }
                Node::Or(v)
            }
            Expr::Not(inner, _) => {
                self.feature("not");
                Node::Not(Box::new(self.node(inner)?))
            }
            Expr::Cmp {
                op,
                left,
                right,
                pos,
            } => self.comparison(*op, left, right, *pos)?,
            Expr::In {
                expr,
                list,
                negated,
                insensitive,
                pos,
            } => self.lookup(expr, list, *negated, *insensitive, *pos)?,
            Expr::Match {
                kind,
                insensitive,
                expr,
                patterns,
                list,
                ..
            } => self.matcher(*kind, *insensitive, expr, patterns, *list)?,
            Expr::Field { .. } => Node::Truthy(self.value(e)?),
            Expr::Call { name, .. } => {
                let v = self.value(e)?;
                let boolean = functions::lookup(name).is_some_and(|s| s.boolean);
                if !boolean && !matches!(v, VExpr::Lit(Val::Bool(_))) {
                    return Err(EqlError::invalid(
                        e.pos(),
                        format!("a condition must be true or false, but `{name}` returns a value"),
                    ));
                }
                Node::Truthy(v)
            }
            other => {
                return Err(EqlError::invalid(
                    other.pos(),
                    "a condition must be a comparison or another true/false expression",
                ));
            }
        })
    }

    fn input(&mut self, e: &Expr) -> Result<Input, EqlError> {
        if let Expr::Field { name, .. } = e {
            self.value(e)?;
            return Ok(Input::Field(name.clone()));
        }
        Ok(Input::Expr(self.value(e)?))
    }

    fn comparison(&mut self, op: CmpOp, l: &Expr, r: &Expr, pos: Pos) -> Result<Node, EqlError> {
        self.feature(op.symbol());
        if l.has_field() && r.has_field() {
            return Err(EqlError::unsupported(
                pos,
                "comparison between two fields (Elasticsearch EQL rejects it too)",
            ));
        }
        // Put the constant on the right.
        let (op, l, r) = if !l.has_field() && r.has_field() {
            let flipped = match op {
                CmpOp::Lt => CmpOp::Gt,
                CmpOp::Le => CmpOp::Ge,
                CmpOp::Gt => CmpOp::Lt,
                CmpOp::Ge => CmpOp::Le,
                o => o,
            };
            (flipped, r, l)
        } else {
            (op, l, r)
        };
        let right = self.value(r)?;
        let VExpr::Lit(lit) = right else {
            // Only reachable when neither side reads a field and folding produced no constant.
            let left = self.value(l)?;
            return Ok(Node::Compare { op, left, right });
        };
        if !l.has_field() {
            let left = self.value(l)?;
            let node = Node::Compare {
                op,
                left,
                right: VExpr::Lit(lit),
            };
            return Ok(Node::Const(node.eval(&NoFields)));
        }
        let input = self.input(l)?;
        if lit == Val::Null {
            return Ok(match op {
                CmpOp::Eq => {
                    self.feature("== null");
                    Node::Test {
                        input,
                        test: Test::IsNull,
                    }
                }
                CmpOp::Neq => {
                    self.feature("!= null");
                    Node::Not(Box::new(Node::Test {
                        input,
                        test: Test::IsNull,
                    }))
                }
                _ => Node::Const(false),
            });
        }
        if matches!(lit, Val::Bool(_)) && matches!(op, CmpOp::Eq | CmpOp::Neq) {
            self.feature("== true/false");
        }
        Ok(match op {
            CmpOp::Eq => Node::Test {
                input,
                test: Test::Equals(vec![lit]),
            },
            CmpOp::Neq => Node::Not(Box::new(Node::Test {
                input,
                test: Test::Equals(vec![lit]),
            })),
            _ => Node::Test {
                input,
                test: Test::Cmp(op, lit),
            },
        })
    }

    fn lookup(
        &mut self,
        e: &Expr,
        list: &[Expr],
        negated: bool,
        ci: bool,
        pos: Pos,
    ) -> Result<Node, EqlError> {
        self.feature(match (negated, ci) {
            (false, false) => "in",
            (false, true) => "in~",
            (true, false) => "not in",
            (true, true) => "not in~",
        });
        let mut consts = Vec::new();
        for item in list {
            if item.has_field() {
                return Err(EqlError::unsupported(
                    item.pos(),
                    "field inside an `in` list (only constants are allowed)",
                ));
            }
            match self.value(item)? {
                VExpr::Lit(v) => consts.push(v),
                _ => {
                    return Err(EqlError::invalid(
                        item.pos(),
                        "expected a constant in the list",
                    ));
                }
            }
        }
        if !e.has_field() {
            let v = self.value(e)?.eval(&NoFields).into_owned();
            let hit = consts.iter().any(|c| match (&v, c) {
                (Val::Str(a), Val::Str(b)) if ci => a.to_lowercase() == b.to_lowercase(),
                _ => crate::value::loose_eq(&v, c),
            });
            return Ok(Node::Const(hit != negated));
        }
        let input = self.input(e)?;
        let has_null = consts.contains(&Val::Null);
        consts.retain(|c| *c != Val::Null);
        let test = if ci {
            let mut set = PatternSet::default();
            let mut others = Vec::new();
            for c in consts {
                match c {
                    Val::Str(s) => set.insensitive.push(Wildcard::exact(&s, true)),
                    other => others.push(other),
                }
            }
            if !others.is_empty() {
                return Err(EqlError::invalid(pos, "`in~` compares strings only"));
            }
            Test::Patterns(set)
        } else {
            Test::Equals(consts)
        };
        let mut node = Node::Test { input, test };
        if has_null {
            let again = self.input(e)?;
            node = Node::Or(vec![
                node,
                Node::Test {
                    input: again,
                    test: Test::IsNull,
                },
            ]);
        }
        Ok(if negated {
            Node::Not(Box::new(node))
        } else {
            node
        })
    }

    fn matcher(
        &mut self,
        kind: MatchKind,
        ci: bool,
        e: &Expr,
        patterns: &[(String, Pos)],
        list: bool,
    ) -> Result<Node, EqlError> {
        self.feature(match (kind, ci, list) {
            (MatchKind::Seq, _, false) => ":",
            (MatchKind::Seq, _, true) => ": list",
            (MatchKind::Like, false, _) => "like",
            (MatchKind::Like, true, _) => "like~",
            (MatchKind::Regex, false, _) => "regex",
            (MatchKind::Regex, true, _) => "regex~",
        });
        let input = self.input(e)?;
        let test = match kind {
            MatchKind::Seq | MatchKind::Like => {
                let mut set = PatternSet::default();
                for (p, _) in patterns {
                    if p.contains('*') {
                        self.feature("wildcard *");
                    }
                    if p.contains('?') {
                        self.feature("wildcard ?");
                    }
                    let w = Wildcard::pattern(p, ci);
                    if ci {
                        set.insensitive.push(w);
                    } else {
                        set.sensitive.push(w);
                    }
                }
                Test::Patterns(set)
            }
            MatchKind::Regex => {
                let mut res = Vec::new();
                for (p, pos) in patterns {
                    let translated = lucene::translate(p, ci).map_err(|m| {
                        if m.starts_with("Lucene regex") {
                            EqlError::unsupported(*pos, m)
                        } else {
                            EqlError::invalid(*pos, format!("invalid regular expression: {m}"))
                        }
                    })?;
                    let re = regex::RegexBuilder::new(&translated)
                        .size_limit(1 << 24)
                        .build()
                        .map_err(|err| {
                            EqlError::invalid(
                                *pos,
                                format!("regular expression too complex: {err}"),
                            )
                        })?;
                    res.push(re);
                }
                Test::Regex(res)
            }
        };
        let node = Node::Test { input, test };
        if !e.has_field() {
            return Ok(Node::Const(node.eval(&NoFields)));
        }
        Ok(node)
    }

    /// An expression in value position; constant sub-trees are folded.
    pub(crate) fn value(&mut self, e: &Expr) -> Result<VExpr, EqlError> {
        let v = match e {
            Expr::Null(_) => VExpr::Lit(Val::Null),
            Expr::Bool(b, _) => VExpr::Lit(Val::Bool(*b)),
            Expr::Int(i, _) => VExpr::Lit(Val::Int(*i)),
            Expr::Float(f, _) => VExpr::Lit(Val::Float(*f)),
            Expr::Str(s, _) => VExpr::Lit(Val::Str(s.clone().into())),
            Expr::Field { name, optional, .. } => {
                if *optional {
                    self.feature("?field");
                }
                self.fields.insert(name.clone());
                VExpr::Field(name.clone())
            }
            Expr::Neg(inner, _) => {
                self.feature("arithmetic");
                VExpr::Neg(Box::new(self.value(inner)?))
            }
            Expr::Arith {
                op, left, right, ..
            } => {
                self.feature("arithmetic");
                VExpr::Arith(
                    *op,
                    Box::new(self.value(left)?),
                    Box::new(self.value(right)?),
                )
            }
            Expr::Call {
                name,
                insensitive,
                args,
                pos,
            } => self.call(name, *insensitive, args, *pos)?,
            other => VExpr::Bool(Box::new(self.node(other)?)),
        };
        if !e.has_field() && !matches!(v, VExpr::Lit(_)) {
            return Ok(VExpr::Lit(v.eval(&NoFields).into_owned()));
        }
        Ok(v)
    }

    fn call(&mut self, name: &str, ci: bool, args: &[Expr], pos: Pos) -> Result<VExpr, EqlError> {
        let Some(spec) = functions::lookup(name) else {
            return Err(EqlError::unsupported(pos, format!("function `{name}`")));
        };
        self.feature(spec.feature);
        if ci {
            if !spec.tilde {
                return Err(EqlError::invalid(
                    pos,
                    format!(
                        "function `{}` has no case-insensitive variant `{name}~`",
                        spec.name
                    ),
                ));
            }
            self.feature("function~");
        }
        if args.len() < spec.min || args.len() > spec.max {
            let want = match (spec.min, spec.max) {
                (a, b) if a == b => format!("{a}"),
                (a, usize::MAX) => format!("at least {a}"),
                (a, b) => format!("{a} to {b}"),
            };
            return Err(EqlError::invalid(
                pos,
                format!(
                    "function `{}` takes {want} arguments, found {}",
                    spec.name,
                    args.len()
                ),
            ));
        }
        let mut compiled = Vec::with_capacity(args.len());
        for a in args {
            compiled.push(self.value(a)?);
        }
        let mut cidrs = None;
        if spec.kind == functions::FnKind::CidrMatch {
            let mut blocks = Vec::new();
            for (a, c) in args[1..].iter().zip(&compiled[1..]) {
                match c {
                    VExpr::Lit(Val::Str(s)) => match Cidr::parse(s) {
                        Some(b) => blocks.push(b),
                        None => {
                            return Err(EqlError::invalid(
                                a.pos(),
                                format!("`{s}` is not a CIDR block such as `10.0.0.0/8`"),
                            ));
                        }
                    },
                    _ => {
                        blocks.clear();
                        break;
                    }
                }
            }
            if blocks.len() == args.len() - 1 {
                cidrs = Some(blocks);
            }
        }
        Ok(VExpr::Call(
            Func {
                kind: spec.kind,
                insensitive: ci,
                cidrs,
            },
            compiled,
        ))
    }
}
