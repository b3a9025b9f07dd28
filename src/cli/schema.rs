//! `pushlab schema`: the JSON Schema of scenario files, for editors.

use std::process::ExitCode;

/// Print the JSON Schema of scenario files (generated from the Rust types).
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(&pushlab::scenario::json_schema())?;
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    Ok(ExitCode::SUCCESS)
}
