//! Clause-by-clause explanations of an event query's verdict on one event: the condition's
//! boolean structure (`and`, `or`, `not`) with each comparison written back in EQL and marked
//! with whether it held.

use std::collections::BTreeSet;
use std::fmt::{self, Write};

use crate::ast::{Expr, MatchKind};
use crate::compile::{Compiler, Node};
use crate::error::EqlError;
use crate::event::Event;

/// How one clause of a query came out on an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The clause: an EQL comparison, or `all of` / `any of` / `not` over the children.
    pub clause: String,
    pub holds: bool,
    pub children: Vec<Explanation>,
}

impl Explanation {
    /// One line a clause, `true `/`false` first, children indented under their parent.
    pub fn render(&self, indent: &str) -> String {
        let mut out = String::new();
        self.render_into(indent, 0, &mut out);
        out
    }

    fn render_into(&self, indent: &str, depth: usize, out: &mut String) {
        let verdict = if self.holds { "true " } else { "false" };
        let _ = writeln!(
            out,
            "{indent}{verdict} {}{}",
            "  ".repeat(depth),
            self.clause
        );
        for child in &self.children {
            child.render_into(indent, depth + 1, out);
        }
    }
}

/// The boolean structure of a condition, its comparisons compiled one by one.
#[derive(Debug)]
pub(crate) enum Clause {
    All(Vec<Clause>),
    Any(Vec<Clause>),
    Not(Box<Clause>),
    Leaf { text: String, node: Node },
}

impl Clause {
    /// Mirrors `condition`; the comparisons are compiled apart from the query's own nodes, so
    /// the query's features and fields are not touched.
    pub(crate) fn of(condition: &Expr) -> Result<Clause, EqlError> {
        let mut features = BTreeSet::new();
        let mut compiler = Compiler {
            features: &mut features,
            fields: BTreeSet::new(),
        };
        Clause::build(&mut compiler, condition)
    }

    fn build(compiler: &mut Compiler<'_>, e: &Expr) -> Result<Clause, EqlError> {
        Ok(match e {
            Expr::And(..) => Clause::All(Clause::chain(compiler, e, true)?),
            Expr::Or(..) => Clause::Any(Clause::chain(compiler, e, false)?),
            Expr::Not(inner, _) => Clause::Not(Box::new(Clause::build(compiler, inner)?)),
            _ => Clause::Leaf {
                text: Eql(e).to_string(),
                node: compiler.node(e)?,
            },
        })
    }

    /// The operands of a run of `and` (or of `or`), however the parser nested them.
    fn chain(compiler: &mut Compiler<'_>, e: &Expr, and: bool) -> Result<Vec<Clause>, EqlError> {
        match (e, and) {
            (Expr::And(l, r), true) | (Expr::Or(l, r), false) => {
                let mut operands = Clause::chain(compiler, l, and)?;
                operands.extend(Clause::chain(compiler, r, and)?);
                Ok(operands)
            }
            _ => Ok(vec![Clause::build(compiler, e)?]),
        }
    }

    pub(crate) fn explain(&self, event: &dyn Event) -> Explanation {
        let group = |clause: &str, children: &[Clause], all: bool| {
            let children: Vec<Explanation> = children.iter().map(|c| c.explain(event)).collect();
            let holds = if all {
                children.iter().all(|c| c.holds)
            } else {
                children.iter().any(|c| c.holds)
            };
            Explanation {
                clause: clause.to_string(),
                holds,
                children,
            }
        };
        match self {
            Clause::All(children) => group("all of:", children, true),
            Clause::Any(children) => group("any of:", children, false),
            Clause::Not(inner) => {
                let inner = inner.explain(event);
                Explanation {
                    clause: "not:".into(),
                    holds: !inner.holds,
                    children: vec![inner],
                }
            }
            Clause::Leaf { text, node } => Explanation {
                clause: text.clone(),
                holds: node.eval(event),
                children: Vec::new(),
            },
        }
    }
}

/// An expression written back in EQL.
struct Eql<'e>(&'e Expr);

impl fmt::Display for Eql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, items: &[Expr]| -> fmt::Result {
            let items: Vec<String> = items.iter().map(|e| Eql(e).to_string()).collect();
            write!(f, "({})", items.join(", "))
        };
        let tilde = |insensitive: bool| if insensitive { "~" } else { "" };
        match self.0 {
            Expr::Null(_) => f.write_str("null"),
            Expr::Bool(b, _) => write!(f, "{b}"),
            Expr::Int(i, _) => write!(f, "{i}"),
            Expr::Float(x, _) => write!(f, "{x:?}"),
            Expr::Str(s, _) => write!(f, "{}", quoted(s)),
            Expr::Field { name, optional, .. } => {
                let plain = name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@'));
                let optional = if *optional { "?" } else { "" };
                if plain {
                    write!(f, "{optional}{name}")
                } else {
                    write!(f, "{optional}`{}`", name.replace('`', "``"))
                }
            }
            Expr::Not(e, _) => write!(f, "not ({})", Eql(e)),
            Expr::And(l, r) => write!(f, "({} and {})", Eql(l), Eql(r)),
            Expr::Or(l, r) => write!(f, "({} or {})", Eql(l), Eql(r)),
            Expr::Cmp {
                op, left, right, ..
            } => write!(f, "{} {} {}", Eql(left), op.symbol(), Eql(right)),
            Expr::In {
                expr,
                list: items,
                negated,
                insensitive,
                ..
            } => {
                let not = if *negated { "not " } else { "" };
                write!(f, "{} {not}in{} ", Eql(expr), tilde(*insensitive))?;
                list(f, items)
            }
            Expr::Match {
                kind,
                insensitive,
                expr,
                patterns,
                list,
                ..
            } => {
                let op = match kind {
                    MatchKind::Seq => ":".to_string(),
                    MatchKind::Like => format!("like{}", tilde(*insensitive)),
                    MatchKind::Regex => format!("regex{}", tilde(*insensitive)),
                };
                let patterns: Vec<String> = patterns.iter().map(|(p, _)| quoted(p)).collect();
                if *list {
                    write!(f, "{} {op} ({})", Eql(expr), patterns.join(", "))
                } else {
                    write!(f, "{} {op} {}", Eql(expr), patterns.join(", "))
                }
            }
            Expr::Arith {
                op, left, right, ..
            } => write!(f, "({} {} {})", Eql(left), op.symbol(), Eql(right)),
            Expr::Neg(e, _) => write!(f, "-{}", Eql(e)),
            Expr::Call {
                name,
                insensitive,
                args,
                ..
            } => {
                write!(f, "{name}{}", tilde(*insensitive))?;
                list(f, args)
            }
        }
    }
}

/// A string literal with the escapes EQL reads.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use crate::Query;
    use serde_json::{Map, Value, json};

    fn event(value: Value) -> Map<String, Value> {
        value.as_object().expect("an object").clone()
    }

    /// Every clause of an explanation, depth first.
    fn clauses(explanation: &super::Explanation) -> Vec<&super::Explanation> {
        let mut all = vec![explanation];
        for child in &explanation.children {
            all.extend(clauses(child));
        }
        all
    }

    const RULE: &str = r#"process where host.os.type == "windows" and event.type == "start" and
        process.name : "cmd.exe" and process.parent.name : ("lsass.exe", "dllhost.exe") and
        not (process.parent.name : "dllhost.exe" and
             process.parent.args : "/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}")"#;

    #[test]
    fn an_explanation_agrees_with_the_verdict_clause_by_clause() {
        let query = Query::parse(RULE).unwrap();
        let base = json!({"event.category": ["process"], "host.os.type": "windows",
            "event.type": ["start"], "process.name": "CMD.EXE",
            "process.parent.name": "lsass.exe", "process.parent.args": ["lsass.exe"]});
        let excluded = json!({"event.category": ["process"], "host.os.type": "windows",
            "event.type": ["start"], "process.name": "cmd.exe",
            "process.parent.name": "dllhost.exe",
            "process.parent.args": ["dllhost.exe", "/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}"]});
        let linux = json!({"event.category": "process", "host.os.type": "linux",
            "event.type": "start", "process.name": "cmd.exe", "process.parent.name": "lsass.exe"});
        let network = json!({"event.category": "network", "host.os.type": "windows"});
        for (record, fires) in [
            (base, true),
            (excluded, false),
            (linux, false),
            (network, false),
        ] {
            let record = event(record);
            assert_eq!(query.matches(&record), fires);
            let explanation = query.explain(&record).unwrap();
            assert_eq!(explanation.holds, fires, "{}", explanation.render(""));
        }
    }

    #[test]
    fn the_failing_clause_is_the_one_marked_false() {
        let query = Query::parse(RULE).unwrap();
        let record = event(
            json!({"event.category": ["process"], "host.os.type": "windows",
            "event.type": ["start"], "process.name": "cmd.exe",
            "process.parent.name": "dllhost.exe",
            "process.parent.args": ["dllhost.exe", "/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}"]}),
        );
        let text = query.explain(&record).unwrap().render("");
        let expected = [
            "false process where (all of):",
            "true    event.category includes \"process\"",
            "true    host.os.type == \"windows\"",
            "true    event.type == \"start\"",
            "true    process.name : \"cmd.exe\"",
            "true    process.parent.name : (\"lsass.exe\", \"dllhost.exe\")",
            "false   not:",
            "true      all of:",
            "true        process.parent.name : \"dllhost.exe\"",
            "true        process.parent.args : \"/Processid:{CA8C87C1-929D-45BA-94DB-EF8E6CB346AD}\"",
        ];
        assert_eq!(text.lines().collect::<Vec<_>>(), expected, "{text}");
    }

    #[test]
    fn each_clause_is_eql_that_reads_back_to_the_same_verdict() {
        // Operators of every kind, written back and parsed again on their own.
        let query = Query::parse(
            r#"any where (process.pid > 4 or process.pid <= -2) and ?missing.field == null and
            process.name in~ ("CMD.EXE", "x") and process.name not in ("a") and
            process.command_line like~ "*WHOAMI*" and process.name regex~ "c.d\\.exe" and
            length(process.name) == 7 and (process.pid * 2) % 3 == 1 and
            `odd field` : "a\"b\\c" and startsWith~(process.name, "CM") and 1.5 < 2"#,
        )
        .unwrap();
        let record = event(json!({"process.pid": 8, "process.name": "cmd.exe",
            "process.command_line": "cmd.exe /c whoami", "odd field": "a\"b\\c"}));
        let explanation = query.explain(&record).unwrap();
        assert!(explanation.holds, "{}", explanation.render(""));
        let leaves: Vec<_> = clauses(&explanation)
            .into_iter()
            .filter(|c| c.children.is_empty())
            .collect();
        assert!(leaves.len() >= 10);
        for leaf in leaves {
            let alone = Query::parse(&format!("any where {}", leaf.clause))
                .unwrap_or_else(|e| panic!("`{}` does not read back: {e}", leaf.clause));
            assert_eq!(alone.matches(&record), leaf.holds, "{}", leaf.clause);
        }
    }

    #[test]
    fn a_sequence_explains_which_of_its_terms_an_event_passes() {
        let query = Query::parse(
            "sequence by host.id [process where true] [process where process.name : \"a\"] \
             until [any where process.name == \"b\"]",
        )
        .unwrap();
        let record = event(json!({"event.category": "process", "process.name": "A"}));
        assert!(query.explain(&record).is_none());
        let terms = query.explain_terms(&record);
        let heads: Vec<(&str, bool)> = terms.iter().map(|t| (t.clause.as_str(), t.holds)).collect();
        assert_eq!(
            heads,
            [
                ("term 1 of the sequence: process where (all of):", true),
                ("term 2 of the sequence: process where (all of):", true),
                ("until: any where (all of):", false),
            ]
        );
        assert_eq!(
            terms[2].children[0].clause,
            "process.name == \"b\"",
            "{}",
            terms[2].render("")
        );
        // Event queries have no terms.
        assert!(
            Query::parse("any where true")
                .unwrap()
                .explain_terms(&record)
                .is_empty()
        );
    }
}
