//! Benchmarks that print figures (never timed tests).

pub mod vendors;
