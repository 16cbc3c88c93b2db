//! Translation of Lucene regular-expression syntax (what Elasticsearch's `regex` runs) to the
//! `regex` crate, anchored to match the whole value.
//!
//! Lucene's grammar (org.apache.lucene.util.automaton.RegExp, all optional syntax enabled as in
//! Elasticsearch's regexp query): union `|`, concatenation, repetition `? * + {n} {n,} {n,m}`,
//! classes `[...]`/`[^...]` with ranges, `.` any character, `"..."` a literal string, `()` the
//! empty string, `\d \D \s \S \w \W`, `\c` a literal character, `@` any string. `^` and `$` are
//! ordinary characters. Refused by name: complement `~`, intersection `&`, the empty language
//! `#`, numeric intervals and named automata `<...>`.

/// Translates a Lucene regexp; `Err` names the construct that cannot be translated or is invalid.
pub(crate) fn translate(src: &str, insensitive: bool) -> Result<String, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut t = Translator { c: &chars, i: 0 };
    let body = if chars.is_empty() {
        String::new()
    } else {
        let b = t.union()?;
        if t.i < chars.len() {
            return Err(format!(
                "unexpected `{}` at character {} of the regular expression",
                chars[t.i],
                t.i + 1
            ));
        }
        b
    };
    let flags = if insensitive { "(?si)" } else { "(?s)" };
    Ok(format!("{flags}\\A(?:{body})\\z"))
}

struct Translator<'a> {
    c: &'a [char],
    i: usize,
}

const DIGIT: &str = "0-9";
const SPACE: &str = " \\t\\n\\r";
const WORD: &str = "a-zA-Z_0-9";

impl Translator<'_> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn eat(&mut self, ch: char) -> bool {
        if self.peek() == Some(ch) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn next(&mut self) -> Result<char, String> {
        let ch = self.peek().ok_or("the regular expression ends too early")?;
        self.i += 1;
        Ok(ch)
    }

    fn union(&mut self) -> Result<String, String> {
        let mut out = self.inter()?;
        while self.eat('|') {
            out.push('|');
            out.push_str(&self.inter()?);
        }
        Ok(out)
    }

    fn inter(&mut self) -> Result<String, String> {
        let e = self.concat()?;
        if self.peek() == Some('&') {
            return Err("Lucene regex intersection `&`".into());
        }
        Ok(e)
    }

    fn concat(&mut self) -> Result<String, String> {
        let mut out = String::new();
        while let Some(ch) = self.peek() {
            if ch == ')' || ch == '|' || ch == '&' {
                break;
            }
            out.push_str(&self.repeat()?);
        }
        Ok(out)
    }

    fn repeat(&mut self) -> Result<String, String> {
        let mut e = self.complement()?;
        while let Some(ch) = self.peek() {
            let op = match ch {
                '?' | '*' | '+' => {
                    self.i += 1;
                    ch.to_string()
                }
                '{' => {
                    self.i += 1;
                    let n = self.number()?;
                    if self.eat('}') {
                        format!("{{{n}}}")
                    } else if self.eat(',') {
                        if self.eat('}') {
                            format!("{{{n},}}")
                        } else {
                            let m = self.number()?;
                            if !self.eat('}') || m < n {
                                return Err("invalid repetition `{n,m}` in regex".into());
                            }
                            format!("{{{n},{m}}}")
                        }
                    } else {
                        return Err("invalid repetition `{` in regex".into());
                    }
                }
                _ => break,
            };
            e = format!("(?:{e}){op}");
        }
        Ok(e)
    }

    fn number(&mut self) -> Result<u32, String> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let s: String = self.c[start..self.i].iter().collect();
        s.parse()
            .map_err(|_| "expected a number in a regex repetition `{}`".into())
    }

    fn complement(&mut self) -> Result<String, String> {
        if self.peek() == Some('~') {
            return Err("Lucene regex complement `~`".into());
        }
        if self.eat('[') {
            return self.class();
        }
        self.simple()
    }

    fn class(&mut self) -> Result<String, String> {
        let negated = self.eat('^');
        let mut out = String::from(if negated { "[^" } else { "[" });
        let mut items = 0;
        loop {
            match self.peek() {
                None => return Err("unterminated character class `[` in regex".into()),
                Some(']') if items > 0 => {
                    self.i += 1;
                    break;
                }
                _ => {}
            }
            items += 1;
            if let Some(pre) = self.predefined() {
                out.push_str(&pre);
                continue;
            }
            let a = self.char_exp()?;
            if self.eat('-') {
                let b = self.char_exp()?;
                if b < a {
                    return Err(format!("invalid range `{a}-{b}` in a regex class"));
                }
                out.push_str(&class_char(a));
                out.push('-');
                out.push_str(&class_char(b));
            } else {
                out.push_str(&class_char(a));
            }
        }
        out.push(']');
        Ok(out)
    }

    /// `\d \D \s \S \w \W` as a bracketed class usable inside or outside a class.
    fn predefined(&mut self) -> Option<String> {
        if self.peek() != Some('\\') {
            return None;
        }
        let (neg, body) = match self.c.get(self.i + 1)? {
            'd' => (false, DIGIT),
            'D' => (true, DIGIT),
            's' => (false, SPACE),
            'S' => (true, SPACE),
            'w' => (false, WORD),
            'W' => (true, WORD),
            _ => return None,
        };
        self.i += 2;
        Some(format!("[{}{body}]", if neg { "^" } else { "" }))
    }

    /// A character, possibly escaped with `\`.
    fn char_exp(&mut self) -> Result<char, String> {
        self.eat('\\');
        self.next()
    }

    fn simple(&mut self) -> Result<String, String> {
        if self.eat('.') {
            return Ok(".".into());
        }
        if self.eat('#') {
            return Err("Lucene regex empty language `#`".into());
        }
        if self.eat('@') {
            return Ok("(?:.*)".into());
        }
        if self.eat('"') {
            let mut s = String::new();
            loop {
                match self.next() {
                    Ok('"') => return Ok(format!("(?:{})", regex::escape(&s))),
                    Ok(ch) => s.push(ch),
                    Err(_) => return Err("unterminated `\"` string in regex".into()),
                }
            }
        }
        if self.eat('(') {
            if self.eat(')') {
                return Ok("(?:)".into());
            }
            let inner = self.union()?;
            if !self.eat(')') {
                return Err("missing `)` in regex".into());
            }
            return Ok(format!("(?:{inner})"));
        }
        if self.peek() == Some('<') {
            return Err("Lucene regex interval or named automaton `<...>`".into());
        }
        if let Some(pre) = self.predefined() {
            return Ok(pre);
        }
        let ch = self.char_exp()?;
        Ok(regex::escape(&ch.to_string()))
    }
}

/// A literal character inside a `regex` crate class.
fn class_char(c: char) -> String {
    match c {
        '\\' | ']' | '[' | '^' | '-' | '&' | '~' => format!("\\{c}"),
        '\n' => "\\n".into(),
        '\t' => "\\t".into(),
        '\r' => "\\r".into(),
        c => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    fn m(pattern: &str, ci: bool, value: &str) -> bool {
        regex::Regex::new(&translate(pattern, ci).unwrap())
            .unwrap()
            .is_match(value)
    }

    #[test]
    fn regex_table() {
        let rows: &[(&str, bool, &str, bool)] = &[
            ("[24][0-9]{3}", false, "4624", true),
            ("[24][0-9]{3}", false, "x4624", false),
            ("[24][0-9]{3}", false, "46245", false),
            (".*[ ]{20,}.*", false, "a                     b", true),
            (".*[ ]{20,}.*", false, "a b", false),
            ("abc", false, "xabcx", false),
            ("abc", true, "ABC", true),
            ("abc", false, "ABC", false),
            ("a.c", false, "a\nc", true),
            ("^a$", false, "^a$", true),
            ("^a$", false, "a", false),
            ("\\w+\\.(pid|lock)", false, "x_1.pid", true),
            ("[a-z0-9\\s_\\-\\\\./]+", true, "/A b-c\\d.e", true),
            ("php?[0-9]?\\.?[0-9]{0,2}", true, "php7.4", true),
            ("php?[0-9]?\\.?[0-9]{0,2}", true, "python", false),
            (".*?(how|help).*", true, "arn:HELP.txt", true),
            ("\"a.b\"c", false, "a.bc", true),
            ("\"a.b\"c", false, "axbc", false),
            ("()", false, "", true),
            ("@", false, "anything", true),
            ("a|b", false, "b", true),
            ("a|b", false, "ab", false),
            (
                "C:\\\\Program Files( \\(x86\\))?\\\\Steam\\\\.*",
                true,
                "c:\\program files\\steam\\x",
                true,
            ),
            ("[ʰ-˿]+", false, "ʰʱ", true),
            ("\\D\\S\\W", false, "1-!", false),
            ("\\D\\S\\W", false, "aa!", true),
            ("", false, "", true),
            ("", false, "x", false),
        ];
        for (p, ci, v, want) in rows {
            assert_eq!(m(p, *ci, v), *want, "{p:?} ci={ci} on {v:?}");
        }
    }

    #[test]
    fn regex_refusals() {
        for (p, word) in [
            ("~a", "complement"),
            ("a&b", "intersection"),
            ("#", "empty language"),
            ("<1-10>", "interval"),
            ("[abc", "unterminated"),
            ("a{2", "repetition"),
            ("(a", "missing"),
            ("[z-a]", "range"),
        ] {
            let e = translate(p, false).unwrap_err();
            assert!(e.contains(word), "{p}: {e}");
        }
    }
}
