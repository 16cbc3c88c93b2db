//! Placeholders in noise-profile and catalogue strings, filled per generated process.
//!
//! Noise is generated at hundreds of thousands of events per second, too fast for a template
//! engine, so profiles use a tiny fixed vocabulary compiled once: `{user}`, `{host}`, `{guid}`,
//! `{int:A-B}`, `{hex:N}`, `{HEX:N}` and `{pick:a|b|c}`. Any other brace text, such as the CLSID in
//! `/Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}`, is kept literally.

use rand::Rng as _;

use crate::seed::Rng;

/// A string with placeholders, split into pieces once.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    User,
    Host,
    Guid,
    Int(u64, u64),
    Hex(usize, bool),
    Pick(Vec<String>),
}

/// What placeholders are filled with.
pub struct Fill<'a> {
    pub user: &'a str,
    pub host: &'a str,
}

impl Pattern {
    /// Compiles a string; a malformed placeholder (`{int:9-1}`) is an error.
    pub fn compile(text: &str) -> Result<Pattern, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let close = match rest[open..].find('}') {
                Some(close) => open + close,
                None => break,
            };
            match parse_piece(&rest[open + 1..close])? {
                Some(piece) => {
                    literal.push_str(&rest[..open]);
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(piece);
                }
                None => literal.push_str(&rest[..=close]),
            }
            rest = &rest[close + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Pattern { pieces })
    }

    /// The text itself, when it holds no placeholder.
    pub fn as_literal(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Text(text)] => Some(text),
            _ => None,
        }
    }

    /// Fills the placeholders, drawing random values from `rng`.
    pub fn render(&self, fill: &Fill, rng: &mut Rng) -> String {
        let mut out = String::new();
        self.render_into(&mut out, fill, rng);
        out
    }

    pub fn render_into(&self, out: &mut String, fill: &Fill, rng: &mut Rng) {
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::User => out.push_str(fill.user),
                Piece::Host => out.push_str(fill.host),
                Piece::Guid => {
                    let bytes: [u8; 16] = rng.random();
                    out.push_str(&detsim_generators::model::Guid(bytes).to_string());
                }
                Piece::Int(low, high) => out.push_str(&rng.random_range(*low..=*high).to_string()),
                Piece::Hex(len, upper) => {
                    for _ in 0..*len {
                        let digit = char::from_digit(rng.random_range(0..16), 16).expect("digit");
                        out.push(if *upper {
                            digit.to_ascii_uppercase()
                        } else {
                            digit
                        });
                    }
                }
                Piece::Pick(options) => out.push_str(&options[rng.random_range(0..options.len())]),
            }
        }
    }
}

/// The placeholder named by the text between braces, `None` when it is not one.
fn parse_piece(inner: &str) -> Result<Option<Piece>, String> {
    let piece = match inner.split_once(':') {
        None => match inner {
            "user" => Piece::User,
            "host" => Piece::Host,
            "guid" => Piece::Guid,
            _ => return Ok(None),
        },
        Some(("int", range)) => {
            let (low, high) = range.split_once('-').unwrap_or((range, range));
            let parse = |s: &str| s.trim().parse::<u64>().ok();
            match (parse(low), parse(high)) {
                (Some(low), Some(high)) if low <= high => Piece::Int(low, high),
                _ => {
                    return Err(format!(
                        "invalid placeholder `{{{inner}}}`: expected {{int:A-B}}"
                    ));
                }
            }
        }
        Some((kind @ ("hex" | "HEX"), len)) => match len.trim().parse::<usize>() {
            Ok(len @ 1..=64) => Piece::Hex(len, kind == "HEX"),
            _ => {
                return Err(format!(
                    "invalid placeholder `{{{inner}}}`: expected {{hex:N}}"
                ));
            }
        },
        Some(("pick", options)) => Piece::Pick(options.split('|').map(str::to_string).collect()),
        Some(_) => return Ok(None),
    };
    Ok(Some(piece))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed;

    #[test]
    fn fills_placeholders_and_keeps_other_braces() {
        let pattern = Pattern::compile(
            r"C:\Users\{user}\x.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5} {int:5-5} {pick:a}",
        )
        .unwrap();
        let fill = Fill {
            user: "alice",
            host: "WS-1",
        };
        let text = pattern.render(&fill, &mut seed::rng(1, &[]));
        assert_eq!(
            text,
            r"C:\Users\alice\x.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5} 5 a"
        );
        let hex = Pattern::compile("{HEX:6}-{guid}")
            .unwrap()
            .render(&fill, &mut seed::rng(1, &[]));
        assert_eq!(hex.len(), 6 + 1 + 36);
        assert!(Pattern::compile("plain").unwrap().as_literal() == Some("plain"));
    }

    #[test]
    fn refuses_malformed_placeholders() {
        assert!(Pattern::compile("{int:9-1}").is_err());
        assert!(Pattern::compile("{hex:0}").is_err());
        assert!(Pattern::compile("{unclosed").is_ok());
    }
}
