//! detsim: a detection test harness.
