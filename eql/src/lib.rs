//! An Event Query Language (EQL) engine for the dialect Elasticsearch runs and Elastic's
//! detection rules are written in: a parser, a compiler to fast matchers, an evaluator for
//! event queries, sequences and samples, and a loader for detection-rules files.
//!
//! ```
//! use detsim_eql::Query;
//! use serde_json::json;
//!
//! let q = Query::parse(r#"process where process.name : "cmd.exe""#).unwrap();
//! let ev = json!({"event.category": "process", "process.name": "CMD.EXE"});
//! assert!(q.matches(ev.as_object().unwrap()));
//! ```

mod ast;
mod compile;
mod error;
mod eval;
mod event;
mod explain;
mod functions;
mod lexer;
mod lucene;
mod parser;
mod query;
mod rule;
mod sample;
mod sequence;
mod value;
mod wildcard;

pub use error::{EqlError, RuleError};
pub use event::Event;
pub use explain::Explanation;
pub use query::{Hit, Query};
pub use rule::Rule;
