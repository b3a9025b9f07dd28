//! The command line's subcommands, one module each: `Args` (clap) and `run`.

pub mod sim;
