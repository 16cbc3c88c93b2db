//! The format tests: one integration test binary, one module per concern.

mod errors;
mod expect;
mod fixtures;
mod round_trip;
mod samples;
mod values;
