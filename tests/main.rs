//! detsim's integration tests: one binary, one module per part of the pipeline.

mod cli;
mod normalisation;
mod scenario_errors;
mod sequences;
mod simulator;
mod suite;
mod support;
