//! `pushlab run`: executes scenario files against the simulated device or a
//! real one; its reporters print progress and a summary and write the
//! JUnit/JSON reports.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use pushlab::device::Target;
use pushlab::report::{ConsoleReporter, FileReporter, Reporter, Reporters, RunReport};
use pushlab::runner::companions::{CompanionApks, PrepareOptions};
use pushlab::runner::pool::{DevicePool, PoolDevice};
use pushlab::runner::{
    self, DeviceProvider, DeviceSpec, ProvidedDevice, ProviderError, RetryPolicy, RunOptions,
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
    /// or `tcp:<host>:<port>`. Repeat to run on several real devices: each
    /// run goes to a device that can stand for its profile; runs no device
    /// can stand for are skipped, with the reasons.
    #[arg(long, default_values = ["sim"])]
    pub device: Vec<DeviceSpec>,

    /// Where the companion APKs (agent.apk, demo.apk) are, for real devices:
    /// installed when missing or outdated. Default: android-app/build/.
    #[arg(long, value_name = "DIR")]
    pub apks: Option<PathBuf>,

    /// Reinstall the companion apps on real devices even when current.
    #[arg(long)]
    pub reinstall: bool,

    /// Runs at a time (default: the number of cores on the simulated
    /// device; on real devices, one per device).
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
    devices: &Devices,
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
    if let Devices::Sim(Some(p)) = devices {
        runs = runner::pin_profile(runs, p);
    }
    Ok(runs
        .into_iter()
        .filter(|r| selection.keeps(&r.id()))
        .collect())
}

/// What the `--device` options name together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Devices {
    /// The embedded simulated device (pinned to one profile, or each run's).
    Sim(Option<String>),
    /// Real devices (or any adbd).
    Targets(Vec<Target>),
}

impl Devices {
    /// One `sim`, or only real devices.
    pub fn from_specs(specs: &[DeviceSpec]) -> anyhow::Result<Devices> {
        match specs {
            [] => Ok(Devices::Sim(None)),
            [DeviceSpec::Sim { profile }] => Ok(Devices::Sim(profile.clone())),
            _ => specs
                .iter()
                .map(|s| match s {
                    DeviceSpec::Target(t) => Ok(t.clone()),
                    DeviceSpec::Sim { .. } => Err(anyhow::anyhow!(
                        "--device sim cannot be combined with other devices"
                    )),
                })
                .collect::<anyhow::Result<Vec<Target>>>()
                .map(Devices::Targets),
        }
    }
}

/// How real devices are made ready.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    pub apks: Option<PathBuf>,
    pub reinstall: bool,
}

impl Setup {
    /// The APKs to install from: `--apks`, else android-app/build/ when
    /// built; an unreadable named directory is an error.
    fn prepare_options(&self) -> anyhow::Result<PrepareOptions> {
        let apks = match &self.apks {
            Some(dir) => Some(CompanionApks::in_dir(dir)?),
            None => CompanionApks::default_dir()
                .map(|d| CompanionApks::in_dir(&d))
                .transpose()?,
        };
        Ok(PrepareOptions {
            apks,
            reinstall: self.reinstall,
        })
    }
}

/// The provider for the devices: a simulated device per run, or the pool
/// of real devices, each connected and made ready (said on stderr unless
/// `quiet`).
async fn provider(
    devices: &Devices,
    setup: &Setup,
    quiet: bool,
) -> anyhow::Result<Arc<dyn DeviceProvider>> {
    let Devices::Targets(targets) = devices else {
        return Ok(Arc::new(SimProvider));
    };
    let options = setup.prepare_options()?;
    let on_setup = move |serial: &str, step: &runner::companions::Setup| {
        if !quiet {
            eprintln!("{serial}: {step}");
        }
    };
    let mut pool = Vec::new();
    for t in targets {
        let d = PoolDevice::connect(t.clone(), &options, &on_setup)
            .await
            .with_context(|| format!("preparing {t}"))?;
        if !quiet {
            eprintln!("{}", d.describe());
        }
        pool.push(d);
    }
    Ok(Arc::new(DevicePool::new(pool)?))
}

/// Executes `runs`, telling `reporter` what happens as it happens; says on
/// stderr how real devices are made ready unless `quiet`.
pub fn execute(
    runs: Vec<CaseRun>,
    devices: &Devices,
    setup: &Setup,
    options: RunOptions,
    quiet: bool,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<RunReport> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let provider = rt.block_on(provider(devices, setup, quiet))?;
    Ok(rt.block_on(runner::run_reported(runs, provider, options, reporter))?)
}

/// Why the simulated device cannot be had at all, if so: a usage error,
/// said once rather than once per run.
pub fn unavailable(devices: &Devices, runs: &[CaseRun]) -> anyhow::Result<Option<String>> {
    let (Devices::Sim(_), Some(first)) = (devices, runs.first()) else {
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
    let devices = match Devices::from_specs(&args.device) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let runs = match plan(&args.paths, &devices, &selection) {
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
    if let Some(m) = unavailable(&devices, &runs)? {
        eprintln!("error: {m}");
        return Ok(ExitCode::from(2));
    }
    let mut options = RunOptions {
        retry: RetryPolicy {
            retries: args.retries,
        },
        ..RunOptions::default()
    };
    match (args.jobs, &devices) {
        (Some(j), _) => options.jobs = j.max(1),
        // Each real device takes one run at a time: as many at once as
        // there are devices free for them.
        (None, Devices::Targets(_)) => options.jobs = usize::MAX,
        (None, Devices::Sim(_)) => {}
    }
    let setup = Setup {
        apks: args.apks.clone(),
        reinstall: args.reinstall,
    };
    // The console first (progress, then the summary), then the files.
    let mut reporters = Reporters::default();
    reporters.push(ConsoleReporter::stdio());
    if let Some(p) = &args.junit {
        reporters.push(FileReporter::junit(p));
    }
    if let Some(p) = &args.json {
        reporters.push(FileReporter::json(p));
    }
    let report = match execute(runs, &devices, &setup, options, false, &mut reporters) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    Ok(if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
