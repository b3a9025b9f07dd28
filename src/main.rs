//! The `pushlab` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

/// The hub allocates many small strings per request; mimalloc handles that
/// faster than the system allocator (see `pushlab bench vendors`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// pushlab proves Android offline push works end to end: it simulates the IM
/// server and every vendor's push endpoints, drives real or simulated devices
/// over ADB, and asserts what the user sees.
#[derive(Debug, Parser)]
#[command(name = "pushlab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenario files against the simulated device or a real one.
    Run(cli::run::Args),
    /// Check scenario files without running them.
    Check(cli::check::Args),
    /// Print the JSON Schema of scenario files.
    Schema(cli::schema::Args),
    /// Serve the hub (IM server, vendor endpoints, device gateway) until Ctrl-C.
    Serve(cli::serve::Args),
    /// Run a simulated device that speaks the adbd protocol.
    Sim(cli::sim::Args),
    /// Show what pushlab reads from a captured device output, as JSON.
    Parse(cli::parse::Args),
    /// Run a benchmark and print its figures.
    Bench(cli::bench::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Run(args) => cli::run::run(args),
        Command::Check(args) => cli::check::run(args),
        Command::Schema(args) => cli::schema::run(args),
        Command::Serve(args) => cli::serve::run(args),
        Command::Sim(args) => cli::sim::run(args),
        Command::Parse(args) => cli::parse::run(args),
        Command::Bench(args) => cli::bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
