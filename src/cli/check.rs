//! `pushlab check`: validates scenario files without running them.

use std::path::PathBuf;
use std::process::ExitCode;

use pushlab::scenario::{collect_files, expand, load_file};

/// Check scenario files: syntax, types, unknown keys, vendor-specific
/// certificate fields and click events, step order. Errors are printed as
/// `file:line:column: field: what is wrong (allowed: …)`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories (default: scenarios/).
    pub paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.paths
    };
    let files = match collect_files(&paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let (mut bad, mut cases, mut runs) = (0, 0, 0);
    for f in &files {
        match load_file(f) {
            Ok(s) => {
                cases += s.file.cases.len();
                runs += expand(&s).len();
            }
            Err(e) => {
                bad += 1;
                for l in e.lines() {
                    eprintln!("{l}");
                }
            }
        }
    }
    if bad > 0 {
        eprintln!("{bad} of {} files have errors", files.len());
        return Ok(ExitCode::from(2));
    }
    println!("ok: {} files, {cases} cases, {runs} runs", files.len());
    Ok(ExitCode::SUCCESS)
}
