//! detsim: a detection test harness for detection engineers.
//!
//! The pipeline reads top to bottom: a [`scenario`] (YAML + tera) describes an attack chain and
//! benign [`noise`]; the [`sim`]ulator turns it into a timeline of canonical process-creation
//! events (with the [`catalogue`] filling in realistic binaries); the generators crate renders
//! each event as every vendor writes it; the detectors evaluate Sigma and EQL rules over those
//! records; the harness compares what fired with what each scenario expects.

pub mod catalogue;
pub mod cli;
pub mod detect;
pub mod ecs;
pub mod noise;
pub mod outcome;
pub mod report;
pub mod review;
pub mod rules;
pub mod scenario;
pub mod seed;
pub mod sim;
pub mod suite;
