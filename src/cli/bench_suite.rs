//! `pushlab bench suite`: runs the built-in suites several times and prints
//! wall times and each case's median. It prints figures; it asserts none.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use pushlab::report::Event;
use pushlab::runner::{median, DeviceSpec, RunOptions};
use pushlab::scenario::Selection;

/// Benchmark the built-in scenario suites.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files or directories.
    #[arg(long, default_value = "scenarios")]
    pub paths: Vec<PathBuf>,

    /// How many times to run the suites (at least 5).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,

    /// `sim`, `sim:<profile>`, or real devices as in `pushlab run`.
    #[arg(long, default_values = ["sim"])]
    pub device: Vec<DeviceSpec>,

    /// Runs at a time (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let devices = crate::cli::run::Devices::from_specs(&args.device)?;
    let runs_planned = match crate::cli::run::plan(&args.paths, &devices, &Selection::default()) {
        Ok(r) => r,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(m) = crate::cli::run::unavailable(&devices, &runs_planned)? {
        eprintln!("error: {m}");
        return Ok(ExitCode::from(2));
    }
    let mut options = RunOptions::default();
    if let Some(j) = args.jobs {
        options.jobs = j.max(1);
    }
    let n = args.runs.max(5);
    let mut walls = Vec::new();
    let mut per_case: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut failures = 0;
    for i in 1..=n {
        let report = crate::cli::run::execute(
            runs_planned.clone(),
            &devices,
            &crate::cli::run::Setup::default(),
            options,
            true,
            &mut |_: &Event| -> std::io::Result<()> { Ok(()) },
        )?;
        let wall = Duration::from_millis(report.duration_ms);
        let t = report.totals();
        println!(
            "round {i}/{n}: {:.2?} wall, {} passed, {} failed, {} errors",
            wall, t.passed, t.failed, t.errors
        );
        failures += t.failed + t.errors;
        walls.push(wall);
        for c in &report.cases {
            per_case
                .entry(c.name())
                .or_default()
                .push(Duration::from_millis(c.duration_ms));
        }
    }
    println!(
        "\nwall time: median {:.2?}, min {:.2?}, max {:.2?} over {n} rounds",
        median(walls.clone()).unwrap_or_default(),
        walls.iter().min().copied().unwrap_or_default(),
        walls.iter().max().copied().unwrap_or_default()
    );
    println!("\nper-case median:");
    for (name, d) in per_case {
        println!("  {:>10.2?}  {name}", median(d).unwrap_or_default());
    }
    if failures > 0 {
        println!("\n({failures} runs did not pass across the rounds)");
    }
    Ok(ExitCode::SUCCESS)
}
