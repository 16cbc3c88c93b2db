//! Benign background activity: named noise profiles of realistic Windows process trees.
//!
//! A profile (`data/noise/<name>.yaml`) lists the processes already running on such a host (its
//! baseline) and weighted activities: small process trees rooted at a baseline process, such as
//! a user opening a browser, a scheduled task, an updater run or an error report. The simulator
//! draws activities at random and instantiates their trees; this module only loads and checks
//! profiles.

mod placeholder;
mod profile;

pub use placeholder::{Fill, Pattern};
pub use profile::{AccountKind, Activity, Baseline, Node, Profile, Range, profile, profile_names};
