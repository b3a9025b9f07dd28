//! The command line's subcommands, one module each: `Args` (clap) and `run`.

pub mod bench;
pub mod bench_suite;
pub mod check;
pub mod parse;
pub mod run;
pub mod schema;
pub mod serve;
pub mod sim;
