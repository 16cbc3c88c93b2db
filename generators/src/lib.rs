//! detsim's event model and the vendor formats it is written in.
//!
//! [`model`] holds the canonical process-creation event the simulator produces; [`format`]
//! names the telemetry formats and renders or reads each through [`formats`]; [`record`] is the
//! field view readers give back, over which rules are evaluated; [`read`] reads whole streams.
//! [`args`] splits Windows command lines as `CommandLineToArgvW` does.

pub mod args;
pub mod flat_json;
pub mod format;
pub mod formats;
pub(crate) mod ids;
pub mod model;
pub mod read;
pub mod record;
pub mod skim;
pub mod testing;
pub(crate) mod text;

pub use format::{Format, RenderOptions};
pub use model::ProcessEvent;
pub use read::{ReadError, ReadErrorKind, read_lines};
pub use record::Record;
