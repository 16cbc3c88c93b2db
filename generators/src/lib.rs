//! detsim's event model and the vendor formats it is written in.
//!
//! [`model`] holds the canonical process-creation event the simulator produces; [`format`]
//! names the telemetry formats; [`record`] is the field view readers give back, over which rules
//! are evaluated.

pub mod format;
pub mod model;
pub mod record;

pub use format::Format;
pub use model::ProcessEvent;
pub use record::Record;
