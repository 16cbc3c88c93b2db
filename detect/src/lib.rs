//! detsim's reference Sigma detector: rules evaluated over each vendor's own field names.
//!
//! A [`SigmaDetector`] holds rules compiled for one [`Format`] through that format's processing
//! pipeline (a pySigma-style YAML file, bundled or the user's own). Records are evaluated as the
//! product wrote them, through [`RecordEvent`], so a field-mapping mistake changes the verdict on
//! exactly one vendor. The Sigma engine itself is rsigma; this crate is the layer around it:
//! record access, pipelines as data, unmappable and not-applicable reporting, rule loading and
//! linting, explanations and stream evaluation.
//!
//! [`Format`]: detsim_generators::Format

mod detector;
mod error;
mod event;
mod explain;
mod gate;
mod lint;
pub mod pipeline;
mod rules;
mod stream;

pub use detector::{Alert, Coverage, RuleCoverage, SigmaDetector};
pub use error::{DetectError, Location, PipelineError, RuleError, RuleErrorKind};
pub use event::RecordEvent;
pub use lint::{LintFinding, LintLevel, lint_rule, lint_rules};
pub use pipeline::{FormatPipeline, TAXONOMY_FIELDS};
pub use rules::{SigmaRule, find_rule, load_sigma_rules, names_rule, parse_sigma_rule};
pub use stream::{AlertLine, EvalSummary, eval_lines, eval_records, eval_stream};
