//! `pushlab bench`: benchmarks that print figures.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use pushlab::bench::vendors;
use pushlab::push::VendorId;

/// Run a benchmark and print its figures.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Run the built-in scenario suites at least 5 times and print wall time
    /// and each case's median.
    Suite(super::bench_suite::Args),
    /// Drive each vendor's send endpoint over loopback HTTP with its own
    /// client (auth, signing and validation on) and print accepted sends/s
    /// and p50/p99 latency per vendor.
    Vendors {
        /// Only these vendors (default: all six).
        #[arg(long, value_delimiter = ',')]
        vendor: Vec<VendorId>,
        /// Seconds to drive each vendor.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Sends in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Device tokens the sends are spread over.
        #[arg(long, default_value_t = 256)]
        devices: usize,
        /// Print the figures as JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.what {
        What::Suite(a) => super::bench_suite::run(a),
        What::Vendors {
            vendor,
            seconds,
            concurrency,
            devices,
            json,
        } => {
            let cfg = vendors::Config {
                duration: Duration::from_secs_f64(seconds.max(0.1)),
                concurrency: concurrency.max(1),
                devices: devices.max(1),
            };
            let list = if vendor.is_empty() {
                VendorId::ALL.to_vec()
            } else {
                vendor
            };
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            if !json {
                println!(
                    "{:<8} {:>10} {:>10} {:>12} {:>9} {:>9}",
                    "vendor", "accepted", "rejected", "accepted/s", "p50 ms", "p99 ms"
                );
            }
            for v in list {
                let f = rt
                    .block_on(vendors::run_one(v, &cfg))
                    .with_context(|| format!("benchmarking {v}"))?;
                if json {
                    println!("{}", serde_json::to_string(&f)?);
                } else {
                    println!(
                        "{:<8} {:>10} {:>10} {:>12.0} {:>9.2} {:>9.2}{}",
                        v.name(),
                        f.accepted,
                        f.rejected,
                        f.accepted_per_sec,
                        f.p50_ms,
                        f.p99_ms,
                        f.first_rejection
                            .map(|r| format!("  (first rejection: {r})"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
