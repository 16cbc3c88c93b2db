//! Parser for conditions: boolean logic, comparisons, lookups, patterns, arithmetic, calls.

use super::{Parser, is_keyword};
use crate::ast::{ArithOp, CmpOp, Expr, MatchKind};
use crate::error::{EqlError, Pos};
use crate::lexer::Tok;

impl Parser<'_> {
    pub(crate) fn expression(&mut self) -> Result<Expr, EqlError> {
        self.enter()?;
        let r = self.or_expr();
        self.leave();
        r
    }

    fn or_expr(&mut self) -> Result<Expr, EqlError> {
        let mut left = self.and_expr()?;
        while self.eat_kw("or") {
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, EqlError> {
        let mut left = self.not_expr()?;
        while self.eat_kw("and") {
            let right = self.not_expr()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, EqlError> {
        let pos = self.pos();
        if self.eat_kw("not") {
            self.enter()?;
            let inner = self.not_expr();
            self.leave();
            return Ok(Expr::Not(Box::new(inner?), pos));
        }
        if let (Tok::Ident(rel), Tok::Ident(of)) = (self.peek(), self.peek_at(1))
            && of == "of"
            && !is_keyword(rel)
        {
            return Err(EqlError::unsupported(
                pos,
                format!("lineage `{rel} of [...]`"),
            ));
        }
        self.value_expr()
    }

    fn value_expr(&mut self) -> Result<Expr, EqlError> {
        let start = self.pos();
        let left = self.operator_expression()?;
        let op = match self.peek() {
            Tok::Eq => Some(CmpOp::Eq),
            Tok::Neq => Some(CmpOp::Neq),
            Tok::Lt => Some(CmpOp::Lt),
            Tok::Le => Some(CmpOp::Le),
            Tok::Gt => Some(CmpOp::Gt),
            Tok::Ge => Some(CmpOp::Ge),
            _ => None,
        };
        let Some(op) = op else {
            let complete = matches!(left, Expr::Match { .. } | Expr::In { .. });
            self.check_follow(start, complete)?;
            return Ok(left);
        };
        let pos = self.pos();
        self.next();
        let right = self.operator_expression()?;
        if matches!(
            self.peek(),
            Tok::Eq | Tok::Neq | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
        ) {
            return Err(self.err_here(
                "comparisons cannot be chained: join them with `and` (`a < b and b < c`)",
            ));
        }
        self.check_follow(start, true)?;
        Ok(Expr::Cmp {
            op,
            left: Box::new(left),
            right: Box::new(right),
            pos,
        })
    }

    /// After a value, report a missing operator clearly instead of a generic error later.
    fn check_follow(&self, start: Pos, complete: bool) -> Result<(), EqlError> {
        let after = self.src[start.offset..self.pos().offset].trim_end();
        let stray = matches!(
            self.peek(),
            Tok::Str { .. } | Tok::Int(_) | Tok::Float(_) | Tok::Quoted(_)
        ) || matches!(
            self.peek(),
            Tok::Ident(s) if !is_keyword(s) || matches!(s.as_str(), "true" | "false" | "null")
        );
        if complete && stray {
            return Err(self.expected(&format!("`and` or `or` after `{after}`")));
        }
        match self.peek() {
            Tok::Assign => Err(self.err_here("`=` is not an EQL operator, use `==` or `:`")),
            Tok::Str { .. } | Tok::Int(_) | Tok::Float(_) | Tok::Quoted(_) => {
                Err(self.expected(&format!("a comparison operator after `{after}`")))
            }
            Tok::Ident(s) if !is_keyword(s) || s == "true" || s == "false" || s == "null" => {
                Err(self.expected(&format!(
                    "a comparison operator or `and`/`or` after `{after}`"
                )))
            }
            Tok::Bang if matches!(self.peek_at(1), Tok::Colon) => Err(EqlError::unsupported(
                self.pos(),
                "operator `!:` (use `not ... : ...`)",
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn operator_expression(&mut self) -> Result<Expr, EqlError> {
        self.enter()?;
        let r = self.additive();
        self.leave();
        r
    }

    fn additive(&mut self) -> Result<Expr, EqlError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => ArithOp::Add,
                Tok::Minus => ArithOp::Sub,
                _ => return Ok(left),
            };
            let pos = self.pos();
            self.next();
            let right = self.multiplicative()?;
            left = Expr::Arith {
                op,
                left: Box::new(left),
                right: Box::new(right),
                pos,
            };
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, EqlError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => ArithOp::Mul,
                Tok::Slash => ArithOp::Div,
                Tok::Percent => ArithOp::Mod,
                _ => return Ok(left),
            };
            let pos = self.pos();
            self.next();
            let right = self.unary()?;
            left = Expr::Arith {
                op,
                left: Box::new(left),
                right: Box::new(right),
                pos,
            };
        }
    }

    fn unary(&mut self) -> Result<Expr, EqlError> {
        let pos = self.pos();
        match self.peek() {
            Tok::Minus => {
                self.next();
                self.enter()?;
                let e = self.unary();
                self.leave();
                Ok(match e? {
                    Expr::Int(i, _) => Expr::Int(-i, pos),
                    Expr::Float(f, _) => Expr::Float(-f, pos),
                    other => Expr::Neg(Box::new(other), pos),
                })
            }
            Tok::Plus => {
                self.next();
                self.enter()?;
                let e = self.unary();
                self.leave();
                e
            }
            _ => {
                let primary = self.primary()?;
                self.predicate(primary)
            }
        }
    }

    /// `in (...)`, `not in (...)`, `: ...`, `like ...`, `regex ...` after a primary expression.
    fn predicate(&mut self, expr: Expr) -> Result<Expr, EqlError> {
        let pos = self.pos();
        let negated = self.is_kw("not") && matches!(self.peek_at(1), Tok::Ident(s) if s == "in");
        if negated {
            self.next();
        }
        if self.eat_kw("in") {
            let insensitive = self.eat_tilde();
            self.expect(&Tok::LParen, "`(` to open the list after `in`")?;
            let mut list = vec![self.expression()?];
            while self.eat(&Tok::Comma) {
                list.push(self.expression()?);
            }
            self.expect(&Tok::RParen, "`,` or `)` in the list")?;
            return Ok(Expr::In {
                expr: Box::new(expr),
                list,
                negated,
                insensitive,
                pos,
            });
        }
        let (kind, insensitive) = if self.eat(&Tok::Colon) {
            (MatchKind::Seq, true)
        } else if self.eat_kw("like") {
            (MatchKind::Like, self.eat_tilde())
        } else if self.eat_kw("regex") {
            (MatchKind::Regex, self.eat_tilde())
        } else {
            return Ok(expr);
        };
        let op = match (kind, insensitive) {
            (MatchKind::Seq, _) => ":",
            (MatchKind::Like, false) => "like",
            (MatchKind::Like, true) => "like~",
            (MatchKind::Regex, false) => "regex",
            (MatchKind::Regex, true) => "regex~",
        };
        let list = self.eat(&Tok::LParen);
        let mut patterns = vec![self.pattern(op)?];
        if list {
            while self.eat(&Tok::Comma) {
                patterns.push(self.pattern(op)?);
            }
            self.expect(&Tok::RParen, "`,` or `)` in the pattern list")?;
        }
        Ok(Expr::Match {
            kind,
            insensitive,
            expr: Box::new(expr),
            patterns,
            list,
            pos,
        })
    }

    fn eat_tilde(&mut self) -> bool {
        if *self.peek() == Tok::Tilde && self.adjacent() {
            self.next();
            true
        } else {
            false
        }
    }

    fn pattern(&mut self, op: &str) -> Result<(String, Pos), EqlError> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Str { value, .. } => {
                self.next();
                Ok((value, pos))
            }
            _ => Err(self.expected(&format!("a string after `{op}`"))),
        }
    }

    fn primary(&mut self) -> Result<Expr, EqlError> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Str { value, .. } => {
                self.next();
                Ok(Expr::Str(value, pos))
            }
            Tok::Int(i) => {
                self.next();
                Ok(Expr::Int(i, pos))
            }
            Tok::Float(f) => {
                self.next();
                Ok(Expr::Float(f, pos))
            }
            Tok::LParen => {
                self.next();
                let e = self.expression()?;
                self.expect(&Tok::RParen, "`)`")?;
                Ok(e)
            }
            Tok::Question => {
                self.next();
                if !self.adjacent() || !matches!(self.peek(), Tok::Ident(_) | Tok::Quoted(_)) {
                    return Err(self.expected("a field name right after `?`"));
                }
                let name = self.field_name()?;
                Ok(Expr::Field {
                    name,
                    optional: true,
                    pos,
                })
            }
            Tok::Ident(s) => match s.as_str() {
                "true" | "false" => {
                    self.next();
                    Ok(Expr::Bool(s == "true", pos))
                }
                "null" => {
                    self.next();
                    Ok(Expr::Null(pos))
                }
                _ if is_keyword(&s) => Err(self.expected("a field, a value or a function call")),
                _ => {
                    let call = matches!(self.peek_at(1), Tok::LParen)
                        || matches!(
                            (self.peek_at(1), self.peek_at(2)),
                            (Tok::Tilde, Tok::LParen)
                        );
                    if call {
                        self.call(s, pos)
                    } else {
                        let name = self.field_name()?;
                        Ok(Expr::Field {
                            name,
                            optional: false,
                            pos,
                        })
                    }
                }
            },
            Tok::Quoted(_) => {
                let name = self.field_name()?;
                Ok(Expr::Field {
                    name,
                    optional: false,
                    pos,
                })
            }
            _ => Err(self.expected("a field, a value or a function call")),
        }
    }

    fn call(&mut self, name: String, pos: Pos) -> Result<Expr, EqlError> {
        self.next();
        let insensitive = self.eat(&Tok::Tilde);
        self.expect(&Tok::LParen, "`(`")?;
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            args.push(self.expression()?);
            while self.eat(&Tok::Comma) {
                args.push(self.expression()?);
            }
            self.expect(
                &Tok::RParen,
                &format!("`,` or `)` in the arguments of `{name}`"),
            )?;
        }
        Ok(Expr::Call {
            name,
            insensitive,
            args,
            pos,
        })
    }

    /// A dotted name: identifiers or backquoted names joined by `.`.
    fn field_name(&mut self) -> Result<String, EqlError> {
        let mut name = String::new();
        loop {
            match self.peek().clone() {
                Tok::Ident(s) | Tok::Quoted(s) => {
                    name.push_str(&s);
                    self.next();
                }
                _ => return Err(self.expected("a field name after `.`")),
            }
            if *self.peek() == Tok::LBracket && matches!(self.peek_at(1), Tok::Int(_)) {
                return Err(EqlError::unsupported(
                    self.pos(),
                    "array index `[n]` on a field",
                ));
            }
            if *self.peek() == Tok::Dot && self.adjacent() {
                self.next();
                name.push('.');
            } else {
                return Ok(name);
            }
        }
    }
}
