//! Lexer: turns EQL text into tokens with positions, skipping whitespace and comments.

use crate::error::{EqlError, Pos};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A bare identifier or keyword (`process`, `where`, `name`, `@timestamp`).
    Ident(String),
    /// A backquoted identifier, unescaped (`` `my field` ``).
    Quoted(String),
    /// A string literal, escapes processed; `raw` for `"""..."""`.
    Str {
        value: String,
        raw: bool,
    },
    Int(i64),
    Float(f64),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Pipe,
    Colon,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Assign,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Tilde,
    Bang,
    Question,
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: Pos,
    /// Byte offset just past the token.
    pub end: usize,
}

/// Lexer-level facts reported as language features.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LexFacts {
    pub line_comment: bool,
    pub block_comment: bool,
    pub raw_string: bool,
    pub backquote: bool,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    i: usize,
    line: usize,
    col: usize,
    facts: LexFacts,
}

pub(crate) fn lex(src: &str) -> Result<(Vec<Token>, LexFacts), EqlError> {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        i: 0,
        line: 1,
        col: 1,
        facts: LexFacts::default(),
    };
    let mut out = Vec::new();
    loop {
        lx.skip_trivia()?;
        let pos = lx.pos();
        if lx.i >= lx.bytes.len() {
            out.push(Token {
                tok: Tok::Eof,
                pos,
                end: lx.i,
            });
            return Ok((out, lx.facts));
        }
        let tok = lx.token(pos)?;
        out.push(Token {
            tok,
            pos,
            end: lx.i,
        });
    }
}

impl Lexer<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.col,
            offset: self.i,
        }
    }

    fn peek(&self, k: usize) -> u8 {
        self.bytes.get(self.i + k).copied().unwrap_or(0)
    }

    /// Advances one character, keeping line and column.
    fn bump(&mut self) -> char {
        let c = self.src[self.i..].chars().next().unwrap_or('\0');
        self.i += c.len_utf8().max(1);
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        c
    }

    fn err(&self, pos: Pos, msg: impl Into<String>) -> EqlError {
        EqlError::parse(self.src, pos, msg)
    }

    fn skip_trivia(&mut self) -> Result<(), EqlError> {
        loop {
            match (self.peek(0), self.peek(1)) {
                (b' ' | b'\t' | b'\r' | b'\n', _) => {
                    self.bump();
                }
                (b'/', b'/') => {
                    self.facts.line_comment = true;
                    while self.i < self.bytes.len() && self.peek(0) != b'\n' {
                        self.bump();
                    }
                }
                (b'/', b'*') => {
                    self.facts.block_comment = true;
                    let start = self.pos();
                    self.bump();
                    self.bump();
                    let mut depth = 1;
                    while depth > 0 {
                        match (self.peek(0), self.peek(1)) {
                            (0, _) if self.i >= self.bytes.len() => {
                                return Err(self.err(start, "unterminated comment `/*`"));
                            }
                            (b'*', b'/') => {
                                self.bump();
                                self.bump();
                                depth -= 1;
                            }
                            (b'/', b'*') => {
                                self.bump();
                                self.bump();
                                depth += 1;
                            }
                            _ => {
                                self.bump();
                            }
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn token(&mut self, pos: Pos) -> Result<Tok, EqlError> {
        let c = self.peek(0);
        let two = (c, self.peek(1));
        let simple = match two {
            (b'=', b'=') => Some((Tok::Eq, 2)),
            (b'!', b'=') => Some((Tok::Neq, 2)),
            (b'<', b'=') => Some((Tok::Le, 2)),
            (b'>', b'=') => Some((Tok::Ge, 2)),
            (b'(', _) => Some((Tok::LParen, 1)),
            (b')', _) => Some((Tok::RParen, 1)),
            (b'[', _) => Some((Tok::LBracket, 1)),
            (b']', _) => Some((Tok::RBracket, 1)),
            (b',', _) => Some((Tok::Comma, 1)),
            (b'|', _) => Some((Tok::Pipe, 1)),
            (b':', _) => Some((Tok::Colon, 1)),
            (b'<', _) => Some((Tok::Lt, 1)),
            (b'>', _) => Some((Tok::Gt, 1)),
            (b'=', _) => Some((Tok::Assign, 1)),
            (b'+', _) => Some((Tok::Plus, 1)),
            (b'-', _) => Some((Tok::Minus, 1)),
            (b'*', _) => Some((Tok::Star, 1)),
            (b'/', _) => Some((Tok::Slash, 1)),
            (b'%', _) => Some((Tok::Percent, 1)),
            (b'~', _) => Some((Tok::Tilde, 1)),
            (b'!', _) => Some((Tok::Bang, 1)),
            (b'?', _) => Some((Tok::Question, 1)),
            (b'.', d) if !d.is_ascii_digit() => Some((Tok::Dot, 1)),
            _ => None,
        };
        if let Some((tok, n)) = simple {
            for _ in 0..n {
                self.bump();
            }
            return Ok(tok);
        }
        match c {
            b'"' => self.string(pos),
            b'\'' => Err(self.err(
                pos,
                "single-quoted strings are not supported in EQL, use double quotes",
            )),
            b'`' => self.quoted_ident(pos),
            b'0'..=b'9' | b'.' => self.number(pos),
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'@' => {
                let start = self.i;
                self.bump();
                while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
                    self.bump();
                }
                Ok(Tok::Ident(self.src[start..self.i].to_string()))
            }
            _ => {
                let ch = self.src[self.i..].chars().next().unwrap_or('\0');
                Err(self.err(pos, format!("unexpected character `{ch}`")))
            }
        }
    }

    fn quoted_ident(&mut self, pos: Pos) -> Result<Tok, EqlError> {
        self.facts.backquote = true;
        self.bump();
        let mut name = String::new();
        loop {
            if self.i >= self.bytes.len() {
                return Err(self.err(pos, "unterminated backquoted name"));
            }
            if self.peek(0) == b'`' {
                if self.peek(1) == b'`' {
                    self.bump();
                    self.bump();
                    name.push('`');
                    continue;
                }
                self.bump();
                return Ok(Tok::Quoted(name));
            }
            name.push(self.bump());
        }
    }

    fn number(&mut self, pos: Pos) -> Result<Tok, EqlError> {
        let start = self.i;
        let mut float = false;
        while self.peek(0).is_ascii_digit() {
            self.bump();
        }
        if self.peek(0) == b'.' && !self.peek(1).is_ascii_alphabetic() {
            float = true;
            self.bump();
            while self.peek(0).is_ascii_digit() {
                self.bump();
            }
        }
        if matches!(self.peek(0), b'e' | b'E')
            && (self.peek(1).is_ascii_digit()
                || (matches!(self.peek(1), b'+' | b'-') && self.peek(2).is_ascii_digit()))
        {
            float = true;
            self.bump();
            self.bump();
            while self.peek(0).is_ascii_digit() {
                self.bump();
            }
        }
        let text = &self.src[start..self.i];
        if float {
            text.parse::<f64>()
                .map(Tok::Float)
                .map_err(|_| self.err(pos, format!("invalid number `{text}`")))
        } else {
            text.parse::<i64>()
                .map(Tok::Int)
                .map_err(|_| self.err(pos, format!("integer `{text}` is out of range")))
        }
    }

    fn string(&mut self, pos: Pos) -> Result<Tok, EqlError> {
        if self.peek(1) == b'"' && self.peek(2) == b'"' {
            self.facts.raw_string = true;
            for _ in 0..3 {
                self.bump();
            }
            let start = self.i;
            loop {
                if self.i >= self.bytes.len() {
                    return Err(self.err(pos, "unterminated raw string `\"\"\"`"));
                }
                if self.src[self.i..].starts_with("\"\"\"") {
                    let value = self.src[start..self.i].to_string();
                    for _ in 0..3 {
                        self.bump();
                    }
                    return Ok(Tok::Str { value, raw: true });
                }
                self.bump();
            }
        }
        self.bump();
        let mut value = String::new();
        loop {
            let here = self.pos();
            match self.peek(0) {
                0 if self.i >= self.bytes.len() => {
                    return Err(self.err(pos, "unterminated string"));
                }
                b'\n' | b'\r' => {
                    return Err(self.err(pos, "unterminated string (a string cannot span lines)"));
                }
                b'"' => {
                    self.bump();
                    return Ok(Tok::Str { value, raw: false });
                }
                b'\\' => {
                    self.bump();
                    let e = self.bump();
                    match e {
                        'n' => value.push('\n'),
                        'r' => value.push('\r'),
                        't' => value.push('\t'),
                        'b' => value.push('\u{8}'),
                        'f' => value.push('\u{c}'),
                        '"' => value.push('"'),
                        '\'' => value.push('\''),
                        '\\' => value.push('\\'),
                        'u' => value.push(self.unicode_escape(here)?),
                        other => {
                            return Err(self.err(
                                here,
                                format!(
                                    "unknown escape sequence `\\{other}` in string \
                                     (use `\\\\` for a backslash)"
                                ),
                            ));
                        }
                    }
                }
                _ => value.push(self.bump()),
            }
        }
    }

    /// `\u{XXXX}` with 2 to 8 hex digits; the `\u` is already consumed.
    fn unicode_escape(&mut self, pos: Pos) -> Result<char, EqlError> {
        if self.peek(0) != b'{' {
            return Err(self.err(pos, "expected `{` after `\\u` in a unicode escape"));
        }
        self.bump();
        let start = self.i;
        while self.peek(0).is_ascii_hexdigit() {
            self.bump();
        }
        let hex = &self.src[start..self.i];
        if self.peek(0) != b'}' || !(2..=8).contains(&hex.len()) {
            return Err(self.err(
                pos,
                "a unicode escape is `\\u{` then 2 to 8 hex digits then `}`",
            ));
        }
        self.bump();
        u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.err(pos, format!("invalid unicode code point `{hex}`")))
    }
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Quoted(s) => format!("`` `{s}` ``"),
            Tok::Str { value, .. } => format!("`{value:?}`"),
            Tok::Int(i) => format!("`{i}`"),
            Tok::Float(f) => format!("`{f}`"),
            Tok::Eof => "the end of the query".to_string(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::Pipe => "|",
            Tok::Colon => ":",
            Tok::Eq => "==",
            Tok::Neq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::Assign => "=",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::Tilde => "~",
            Tok::Bang => "!",
            Tok::Question => "?",
            _ => "",
        }
    }
}
