//! The command line's subcommands, one module each: `Args` (clap) and `run`.

pub mod bench;
pub mod parse;
pub mod serve;
pub mod sim;
