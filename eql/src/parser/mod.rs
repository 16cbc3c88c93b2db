//! Parser for the query structure: event queries, sequences, samples and pipes.

mod expr;

use crate::ast::{Ast, EventFilter, Expr, Pipe, QueryKind, Term};
use crate::error::{EqlError, Pos};
use crate::lexer::{LexFacts, Tok, Token, lex};

/// The most subqueries (after `runs` expansion) a sequence may have, as in Elasticsearch.
const MAX_RUNS: i64 = 100;

pub(crate) struct Parser<'a> {
    pub(crate) src: &'a str,
    toks: Vec<Token>,
    i: usize,
    depth: usize,
}

/// Parses a whole query; returns the tree and the lexer's facts (comments, raw strings).
pub(crate) fn parse(src: &str) -> Result<(Ast, LexFacts), EqlError> {
    let (toks, facts) = lex(src)?;
    let mut p = Parser {
        src,
        toks,
        i: 0,
        depth: 0,
    };
    let ast = p.query()?;
    Ok((ast, facts))
}

impl<'a> Parser<'a> {
    pub(crate) fn peek(&self) -> &Tok {
        &self.toks[self.i].tok
    }

    pub(crate) fn peek_at(&self, k: usize) -> &Tok {
        let last = self.toks.len() - 1;
        &self.toks[(self.i + k).min(last)].tok
    }

    pub(crate) fn pos(&self) -> Pos {
        self.toks[self.i].pos
    }

    /// Whether the current token starts right where the previous one ended.
    pub(crate) fn adjacent(&self) -> bool {
        self.i > 0 && self.toks[self.i - 1].end == self.toks[self.i].pos.offset
    }

    pub(crate) fn next(&mut self) -> Token {
        let t = self.toks[self.i].clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    pub(crate) fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == kw)
    }

    pub(crate) fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.next();
            true
        } else {
            false
        }
    }

    pub(crate) fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == tok {
            self.next();
            true
        } else {
            false
        }
    }

    pub(crate) fn err_here(&self, message: impl Into<String>) -> EqlError {
        EqlError::parse(self.src, self.pos(), message)
    }

    /// "expected X, found Y" at the current token.
    pub(crate) fn expected(&self, what: &str) -> EqlError {
        let found = self.peek().describe();
        let mut msg = format!("expected {what}, found {found}");
        if let Tok::Ident(s) = self.peek() {
            let lower = s.to_ascii_lowercase();
            if lower != *s && is_keyword(&lower) {
                msg.push_str(&format!(" (EQL keywords are lower case: `{lower}`)"));
            }
        }
        self.err_here(msg)
    }

    pub(crate) fn expect(&mut self, tok: &Tok, what: &str) -> Result<Token, EqlError> {
        if self.peek() == tok {
            Ok(self.next())
        } else {
            Err(self.expected(what))
        }
    }

    /// Guards recursion depth so deeply nested input errors instead of overflowing the stack.
    pub(crate) fn enter(&mut self) -> Result<(), EqlError> {
        self.depth += 1;
        if self.depth > 200 {
            return Err(self.err_here("the query nests too deeply"));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    fn query(&mut self) -> Result<Ast, EqlError> {
        let pos = self.pos();
        let kind = if self.eat_kw("sequence") {
            self.sequence()?
        } else if self.eat_kw("sample") {
            self.sample()?
        } else if self.is_kw("join") {
            return Err(EqlError::unsupported(
                pos,
                "`join` (Elasticsearch EQL has no joins)",
            ));
        } else {
            QueryKind::Event(self.event_filter()?)
        };
        let mut pipes = Vec::new();
        while self.eat(&Tok::Pipe) {
            pipes.push(self.pipe()?);
        }
        if *self.peek() != Tok::Eof {
            let what = if pipes.is_empty() && matches!(kind, QueryKind::Event(_)) {
                "`and`, `or`, a pipe `|` or the end of the query"
            } else {
                "a pipe `|` or the end of the query"
            };
            return Err(self.expected(what));
        }
        Ok(Ast { kind, pipes })
    }

    fn pipe(&mut self) -> Result<Pipe, EqlError> {
        let pos = self.pos();
        let name = match self.peek() {
            Tok::Ident(s) => s.clone(),
            _ => return Err(self.expected("a pipe name such as `head` or `tail`")),
        };
        self.next();
        match name.as_str() {
            "head" | "tail" => {
                let n = match self.peek() {
                    Tok::Int(n) if *n >= 0 => *n as usize,
                    _ => return Err(self.expected(&format!("a number after `| {name}`"))),
                };
                self.next();
                Ok(if name == "head" {
                    Pipe::Head(n)
                } else {
                    Pipe::Tail(n)
                })
            }
            other => Err(EqlError::unsupported(pos, format!("pipe `| {other}`"))),
        }
    }

    /// `category where condition`.
    pub(crate) fn event_filter(&mut self) -> Result<EventFilter, EqlError> {
        let pos = self.pos();
        let category = match self.peek().clone() {
            Tok::Ident(s) if s == "any" => None,
            Tok::Ident(s) if !is_keyword(&s) => Some(s),
            Tok::Str { value, .. } | Tok::Quoted(value) => Some(value),
            _ => return Err(self.expected("an event category such as `process` or `any`")),
        };
        self.next();
        if !self.eat_kw("where") {
            return Err(self.expected("`where` after the event category"));
        }
        let condition = self.expression()?;
        Ok(EventFilter {
            category,
            condition,
            pos,
        })
    }

    fn join_keys(&mut self) -> Result<Vec<Expr>, EqlError> {
        let mut keys = vec![self.key_expr()?];
        while self.eat(&Tok::Comma) {
            keys.push(self.key_expr()?);
        }
        Ok(keys)
    }

    fn key_expr(&mut self) -> Result<Expr, EqlError> {
        if matches!(self.peek(), Tok::LBracket | Tok::Eof) {
            return Err(self.expected("a field after `by`"));
        }
        self.operator_expression()
    }

    fn sequence(&mut self) -> Result<QueryKind, EqlError> {
        let mut keys = Vec::new();
        let mut maxspan = None;
        if self.eat_kw("by") {
            keys = self.join_keys()?;
        }
        if self.eat_kw("with") {
            maxspan = Some(self.maxspan()?);
            if self.is_kw("by") {
                return Err(
                    self.err_here("write `sequence by ...` before `with maxspan`, not after")
                );
            }
        }
        let mut terms = Vec::new();
        while *self.peek() == Tok::LBracket || *self.peek() == Tok::Bang {
            terms.push(self.term(true)?);
        }
        let until = if self.eat_kw("until") {
            let t = self.term(false)?;
            Some(t)
        } else {
            None
        };
        let positive: Vec<&Term> = terms.iter().filter(|t| !t.missing).collect();
        let stages: u32 = terms.iter().map(|t| t.runs.unwrap_or(1)).sum();
        if stages < 2 {
            return Err(self.expected("at least two bracketed subqueries `[...]` in a sequence"));
        }
        if positive.is_empty() {
            return Err(EqlError::invalid(
                terms[0].pos,
                "a sequence needs at least one subquery that is not a missing event `![...]`",
            ));
        }
        if terms.iter().any(|t| t.missing) && maxspan.is_none() {
            let t = terms
                .iter()
                .find(|t| t.missing)
                .map(|t| t.pos)
                .unwrap_or_default();
            return Err(EqlError::invalid(
                t,
                "missing events `![...]` need `with maxspan=...` on the sequence",
            ));
        }
        Ok(QueryKind::Sequence {
            keys,
            maxspan,
            terms,
            until,
        })
    }

    fn sample(&mut self) -> Result<QueryKind, EqlError> {
        let mut keys = Vec::new();
        if self.eat_kw("by") {
            keys = self.join_keys()?;
        }
        if self.is_kw("with") {
            return Err(EqlError::invalid(
                self.pos(),
                "`with` is not allowed in a sample",
            ));
        }
        let mut terms = Vec::new();
        while *self.peek() == Tok::LBracket || *self.peek() == Tok::Bang {
            let t = self.term(false)?;
            if t.runs.is_some() {
                return Err(EqlError::invalid(
                    t.pos,
                    "`with runs` is not allowed in a sample",
                ));
            }
            terms.push(t);
        }
        if terms.len() < 2 {
            return Err(self.expected("at least two bracketed subqueries `[...]` in a sample"));
        }
        if self.is_kw("until") {
            return Err(EqlError::invalid(
                self.pos(),
                "`until` is not allowed in a sample",
            ));
        }
        Ok(QueryKind::Sample { keys, terms })
    }

    /// `maxspan=5m` after `with`.
    fn maxspan(&mut self) -> Result<i64, EqlError> {
        if !self.eat_kw("maxspan") {
            return Err(self.expected("`maxspan` after `with`"));
        }
        self.expect(&Tok::Assign, "`=` after `maxspan`")?;
        let pos = self.pos();
        let n = match self.peek() {
            Tok::Int(n) if *n > 0 => *n,
            _ => return Err(self.expected("a positive whole number for `maxspan`")),
        };
        self.next();
        let unit = match self.peek() {
            Tok::Ident(u) => u.clone(),
            _ => {
                return Err(
                    self.expected("a time unit (`ms`, `s`, `m`, `h` or `d`) after the number")
                );
            }
        };
        let mult: i64 = match unit.as_str() {
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "nanos" | "micros" | "micro" => {
                return Err(EqlError::unsupported(pos, format!("maxspan unit `{unit}`")));
            }
            _ => return Err(self.expected("a time unit (`ms`, `s`, `m`, `h` or `d`)")),
        };
        self.next();
        n.checked_mul(mult)
            .ok_or_else(|| EqlError::invalid(pos, "the maxspan is too large"))
    }

    /// `[ filter ] by keys with runs=N`, or `![ ... ]` when `allow_missing`.
    fn term(&mut self, allow_missing: bool) -> Result<Term, EqlError> {
        let pos = self.pos();
        let missing = if *self.peek() == Tok::Bang {
            if !allow_missing {
                return Err(self.err_here("a missing event `![...]` is only allowed in a sequence"));
            }
            self.next();
            if *self.peek() != Tok::LBracket || !self.adjacent() {
                return Err(self.expected("`[` right after `!` for a missing event"));
            }
            true
        } else {
            false
        };
        self.expect(&Tok::LBracket, "`[` to open a subquery")?;
        let filter = self.event_filter()?;
        self.expect(&Tok::RBracket, "`]` to close the subquery")?;
        let mut keys = Vec::new();
        if self.eat_kw("by") {
            keys = self.join_keys()?;
        }
        let mut runs = None;
        if self.is_kw("with") && matches!(self.peek_at(1), Tok::Ident(s) if s == "runs") {
            self.next();
            self.next();
            self.expect(&Tok::Assign, "`=` after `runs`")?;
            match self.peek() {
                Tok::Int(n) if (1..=MAX_RUNS).contains(n) => runs = Some(*n as u32),
                _ => return Err(self.expected("a number from 1 to 100 for `runs`")),
            }
            self.next();
        } else if self.is_kw("with") {
            self.next();
            return Err(self.expected("`runs` after `with` on a subquery"));
        }
        Ok(Term {
            filter,
            keys,
            runs,
            missing,
            pos,
        })
    }
}

pub(crate) fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "and"
            | "any"
            | "by"
            | "false"
            | "in"
            | "join"
            | "like"
            | "maxspan"
            | "not"
            | "null"
            | "of"
            | "or"
            | "regex"
            | "sample"
            | "sequence"
            | "true"
            | "until"
            | "where"
            | "with"
    )
}
