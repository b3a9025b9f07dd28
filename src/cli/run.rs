//! `pushlab run`: executes scenario files against the simulated device or a
//! real one, prints progress and a summary, writes JUnit/JSON reports.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;
use pushlab::report::{self, RunReport, Status};
use pushlab::runner::{
    self, DeviceProvider, DeviceSpec, ProvidedDevice, ProviderError, RetryPolicy, RunOptions,
    TargetProvider,
};
use pushlab::scenario::{collect_files, expand, load_file, CaseRun, Selection, Shard};

/// Run scenario files: each case on each device profile, with a fresh hub
/// and app state, waiting on the journal and checking the device.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files or directories.
    #[arg(default_value = "scenarios")]
    pub paths: Vec<PathBuf>,

    /// `sim` (each file's profiles), `sim:<profile>`, `adb`, `adb:<serial>`
    /// or `tcp:<host>:<port>`.
    #[arg(long, default_value = "sim")]
    pub device: DeviceSpec,

    /// Runs at a time (default: the number of cores; 1 on a real device).
    #[arg(long)]
    pub jobs: Option<usize>,

    /// Only runs whose `file::case [device]` name contains this (several
    /// separated by commas).
    #[arg(long)]
    pub filter: Option<String>,

    /// Only the K-th of N stable slices, e.g. `2/4`.
    #[arg(long)]
    pub shard: Option<Shard>,

    /// Extra attempts after an infrastructure failure (assertion failures
    /// are never retried).
    #[arg(long, default_value_t = 1)]
    pub retries: u32,

    /// Write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,

    /// Write a JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Spawns one simulated device per run.
struct SimProvider;

#[async_trait]
impl DeviceProvider for SimProvider {
    async fn acquire(&self, profile: &str) -> Result<ProvidedDevice, ProviderError> {
        spawn_sim(profile).await
    }
}

/// The one place a simulated device is created; the runner only sees the
/// driver's `Device` over direct TCP.
async fn spawn_sim(profile: &str) -> Result<ProvidedDevice, ProviderError> {
    let profile = pushlab::sim::profile::Profile::parse(profile)
        .map_err(|e| ProviderError::Unavailable(format!("device profile {profile}: {e}")))?;
    let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let sim = pushlab::sim::SimDevice::spawn(profile, listen)
        .await
        .map_err(|e| ProviderError::Transient(e.to_string()))?;
    Ok(ProvidedDevice {
        device: pushlab::device::Device::new(pushlab::device::Target::tcp(sim.addr())),
        serial: sim.serial(),
        virtual_clock: true,
        keep_alive: Box::new(sim),
    })
}

/// Files loaded and expanded into runs, or the file errors (exit 2).
pub fn plan(
    paths: &[PathBuf],
    device: &DeviceSpec,
    selection: &Selection,
) -> Result<Vec<CaseRun>, Vec<String>> {
    let files = collect_files(paths).map_err(|e| e.lines())?;
    let mut errors = Vec::new();
    let mut runs = Vec::new();
    for f in &files {
        match load_file(f) {
            Ok(s) => runs.extend(expand(&s)),
            Err(e) => errors.extend(e.lines()),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let DeviceSpec::Sim {
        profile: Some(p), ..
    } = device
    {
        runs = runner::pin_profile(runs, p);
    }
    Ok(runs
        .into_iter()
        .filter(|r| selection.keeps(&r.id()))
        .collect())
}

/// The provider for `--device`.
pub fn provider(device: &DeviceSpec) -> Arc<dyn DeviceProvider> {
    match device {
        DeviceSpec::Sim { .. } => Arc::new(SimProvider),
        DeviceSpec::Target(t) => Arc::new(TargetProvider { target: t.clone() }),
    }
}

/// Executes `runs`, showing progress on stderr (a bar on a terminal, one
/// line per run otherwise) unless `quiet`.
pub fn execute(
    runs: Vec<CaseRun>,
    provider: Arc<dyn DeviceProvider>,
    options: RunOptions,
    quiet: bool,
) -> anyhow::Result<RunReport> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new(runs.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {msg}")
        {
            pb.set_style(style);
        }
        pb
    });
    let bar2 = bar.clone();
    let on_done: Arc<dyn Fn(&report::CaseReport) + Send + Sync> = Arc::new(move |c| {
        if quiet {
            return;
        }
        match &bar2 {
            Some(pb) => {
                if c.status != Status::Passed {
                    pb.println(report::line(c));
                }
                pb.inc(1);
            }
            None => eprintln!("{}", report::line(c)),
        }
    });
    let report = rt.block_on(runner::run_all(runs, provider, options, on_done));
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    Ok(report)
}

/// Why the simulated device cannot be had at all, if so: a usage error,
/// said once rather than once per run.
pub fn unavailable(device: &DeviceSpec, runs: &[CaseRun]) -> anyhow::Result<Option<String>> {
    let (DeviceSpec::Sim { .. }, Some(first)) = (device, runs.first()) else {
        return Ok(None);
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(match rt.block_on(spawn_sim(&first.device)) {
        Err(ProviderError::Unavailable(m)) => Some(m),
        _ => None,
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let selection = Selection {
        filter: args.filter.clone(),
        shard: args.shard,
    };
    let runs = match plan(&args.paths, &args.device, &selection) {
        Ok(r) => r,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    if runs.is_empty() {
        eprintln!("no runs selected");
        return Ok(ExitCode::from(2));
    }
    if let Some(m) = unavailable(&args.device, &runs)? {
        eprintln!("error: {m}");
        return Ok(ExitCode::from(2));
    }
    let mut options = RunOptions {
        retry: RetryPolicy {
            retries: args.retries,
        },
        ..RunOptions::default()
    };
    if let Some(j) = args.jobs {
        options.jobs = j.max(1);
    }
    let report = execute(runs, provider(&args.device), options, false)?;
    print!("{}", report.summary());
    if let Some(p) = &args.junit {
        std::fs::write(p, report.to_junit())?;
    }
    if let Some(p) = &args.json {
        std::fs::write(p, report.to_json())?;
    }
    Ok(if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
