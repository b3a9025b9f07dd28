//! Executes scenario runs: each case on each device profile, with its own
//! hub and a fresh app state, in parallel up to `jobs`, retrying only
//! infrastructure failures. It says what happens as [`Event`]s to a
//! [`Reporter`] and renders nothing itself.
//!
//! The runner talks to devices through [`crate::device`] alone and gets
//! them from a [`DeviceProvider`]; it never knows whether a device is real
//! or simulated (the simulated device is spawned by the command line's
//! provider).

pub mod chain;
mod client;
pub mod companions;
mod exec;
pub mod matching;
pub mod pool;
mod steps;

pub use crate::companion::AGENT_PACKAGE;
pub use steps::{same_ext, sendmsg_body};

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::device::Device;
use crate::report::{CaseReport, Event, Failure, Reporter, RunReport, Status};
use crate::scenario::CaseRun;

/// A device ready for one run.
pub struct ProvidedDevice {
    pub device: Device,
    /// The id the device's push service registers under (`--es device`).
    pub serial: String,
    /// The hub's clock may be virtual: the device side has no timers of its
    /// own that the hub's time must match (the simulated device).
    pub virtual_clock: bool,
    /// Keeps whatever backs the device alive for the run (a simulated
    /// device's server); dropped when the run ends.
    pub keep_alive: Box<dyn std::any::Any + Send + Sync>,
}

/// Why no device could be provided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The kind of device cannot be had at all (usage error).
    #[error("{0}")]
    Unavailable(String),
    /// This attempt failed; another may work.
    #[error("{0}")]
    Transient(String),
    /// No device at hand can stand for the run's profile: the run is
    /// skipped, with the reasons.
    #[error("{0}")]
    Unfit(String),
}

/// Where devices come from: a simulated device per run, or one real device.
#[async_trait]
pub trait DeviceProvider: Send + Sync {
    /// A device in `profile` (a simulated device's profile; a real device
    /// is what it is and ignores it).
    async fn acquire(&self, profile: &str) -> Result<ProvidedDevice, ProviderError>;

    /// How many runs may use devices at once (one for a single real device).
    fn max_parallel(&self) -> Option<usize> {
        None
    }
}

/// How a run attempt ended badly.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseError {
    /// The product did not do what the case expects: never retried.
    Assertion(Box<Failure>),
    /// The link to the device or the hub failed: retried.
    Infrastructure(String),
    /// Not run: no device can stand for the run's profile.
    Skipped(String),
}

/// Retries for infrastructure failures only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Extra attempts after the first.
    pub retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { retries: 1 }
    }
}

impl RetryPolicy {
    /// Whether attempt `attempt` (1-based) that ended in `err` is tried
    /// again.
    pub fn should_retry(&self, err: &CaseError, attempt: u32) -> bool {
        matches!(err, CaseError::Infrastructure(_)) && attempt <= self.retries
    }
}

/// How runs are executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    pub jobs: usize,
    pub retry: RetryPolicy,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            retry: RetryPolicy::default(),
        }
    }
}

/// Runs one attempt after another until it passes, fails an assertion, or
/// the policy stops retrying. `attempt` is the work of one attempt.
pub async fn with_retries<F, Fut>(
    policy: RetryPolicy,
    mut attempt: F,
) -> (Result<(), CaseError>, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<(), CaseError>>,
{
    let mut n = 1;
    loop {
        let r = attempt(n).await;
        match &r {
            Err(e) if policy.should_retry(e, n) => n += 1,
            _ => return (r, n),
        }
    }
}

/// One run on a device from `provider`, with retries.
pub async fn run_one(
    run: &CaseRun,
    provider: &dyn DeviceProvider,
    retry: RetryPolicy,
) -> CaseReport {
    let started = Instant::now();
    let (result, attempts) = with_retries(retry, |_| async {
        let provided = provider.acquire(&run.device).await.map_err(|e| match e {
            ProviderError::Unavailable(m) => CaseError::Assertion(Box::new(Failure::message(m))),
            ProviderError::Transient(m) => CaseError::Infrastructure(m),
            ProviderError::Unfit(m) => CaseError::Skipped(m),
        })?;
        exec::execute(run, &provided).await
    })
    .await;
    let (status, failure) = match result {
        Ok(()) => (Status::Passed, None),
        Err(CaseError::Skipped(m)) => (Status::Skipped, Some(Failure::message(m))),
        Err(CaseError::Assertion(f)) => (Status::Failed, Some(*f)),
        Err(CaseError::Infrastructure(m)) => (Status::Error, Some(Failure::message(m))),
    };
    CaseReport {
        file: run.file.clone(),
        case: run.case.clone(),
        device: run.device.clone(),
        status,
        duration_ms: started.elapsed().as_millis() as u64,
        attempts,
        failure,
    }
}

/// Runs everything, `jobs` at a time; `on_done` sees each result as it
/// comes. Results come back in the order of `runs`.
pub async fn run_all(
    runs: Vec<CaseRun>,
    provider: Arc<dyn DeviceProvider>,
    options: RunOptions,
    on_done: Arc<dyn Fn(&CaseReport) + Send + Sync>,
) -> RunReport {
    let mut on_event = |e: &Event| -> io::Result<()> {
        if let Some(c) = e.result() {
            on_done(c);
        }
        Ok(())
    };
    match run_reported(runs, provider, options, &mut on_event).await {
        Ok(report) => report,
        Err(e) => unreachable!("a reporter that cannot fail failed: {e}"),
    }
}

/// Runs everything, `jobs` at a time, telling `reporter` each [`Event`] as
/// it happens. Results come back in the order of `runs`; a reporter's
/// error comes back once every run has ended.
pub async fn run_reported(
    runs: Vec<CaseRun>,
    provider: Arc<dyn DeviceProvider>,
    options: RunOptions,
    reporter: &mut dyn Reporter,
) -> io::Result<RunReport> {
    let started = Instant::now();
    let mut out = Emitter {
        reporter,
        error: None,
    };
    out.emit(&Event::RunStarted { cases: runs.len() });
    let jobs = options
        .jobs
        .max(1)
        .min(provider.max_parallel().unwrap_or(usize::MAX))
        .min(tokio::sync::Semaphore::MAX_PERMITS);
    let permits = Arc::new(tokio::sync::Semaphore::new(jobs));
    // The runs' events go through one channel to this task, so the
    // reporter sees them one at a time and in order.
    let (events, mut incoming) = tokio::sync::mpsc::unbounded_channel();
    let mut set = tokio::task::JoinSet::new();
    for (index, run) in runs.into_iter().enumerate() {
        let (permits, provider, events) = (permits.clone(), provider.clone(), events.clone());
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let name = run.id().to_string();
            let _ = events.send(Event::CaseStarted { index, name });
            let report = run_one(&run, provider.as_ref(), options.retry).await;
            let steps: Vec<&str> = run.steps.iter().map(|s| s.name()).collect();
            let _ = events.send(Event::case_ended(index, report.clone(), &steps));
            (index, report)
        });
    }
    // Every sender gone (each run ended, or its task panicked) ends this.
    drop(events);
    while let Some(event) = incoming.recv().await {
        out.emit(&event);
    }
    let mut done = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            done.push(r);
        }
    }
    done.sort_by_key(|(i, _)| *i);
    let summary = RunReport {
        duration_ms: started.elapsed().as_millis() as u64,
        cases: done.into_iter().map(|(_, r)| r).collect(),
    };
    out.emit(&Event::RunFinished {
        summary: summary.clone(),
    });
    match out.error {
        Some(e) => Err(e),
        None => Ok(summary),
    }
}

/// Hands events to a reporter until it fails, keeping its first error.
struct Emitter<'a> {
    reporter: &'a mut dyn Reporter,
    error: Option<io::Error>,
}

impl Emitter<'_> {
    fn emit(&mut self, event: &Event) {
        if self.error.is_none() {
            self.error = self.reporter.report(event).err();
        }
    }
}

/// The median of some durations (the mean of the middle two for an even
/// count).
pub fn median(mut v: Vec<Duration>) -> Option<Duration> {
    v.sort();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

/// What `--device` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSpec {
    /// The simulated device; with a profile, every run uses that profile.
    Sim { profile: Option<String> },
    /// A real device or emulator (or any adbd) through the driver.
    Target(crate::device::Target),
}

impl std::str::FromStr for DeviceSpec {
    type Err = String;

    /// `sim`, `sim:<profile>`, `adb`, `adb:<serial>`, `tcp:<host>:<port>`.
    fn from_str(s: &str) -> Result<DeviceSpec, String> {
        match s.split_once(':') {
            None if s == "sim" => Ok(DeviceSpec::Sim { profile: None }),
            Some(("sim", p)) if !p.is_empty() => {
                if crate::scenario::model::PROFILES.contains(&p) {
                    Ok(DeviceSpec::Sim {
                        profile: Some(p.to_string()),
                    })
                } else {
                    Err(format!(
                        "unknown device profile `{p}` (allowed: {})",
                        crate::scenario::model::PROFILES.join(", ")
                    ))
                }
            }
            _ => s
                .parse()
                .map(DeviceSpec::Target)
                .map_err(|e: crate::device::TargetParseError| {
                    format!("{e}; or `sim`, `sim:<profile>`")
                }),
        }
    }
}

/// With `sim:<profile>`, every run moves to that profile (duplicates that
/// this creates in a matrix are dropped).
pub fn pin_profile(runs: Vec<CaseRun>, profile: &str) -> Vec<CaseRun> {
    let mut seen = std::collections::HashSet::new();
    runs.into_iter()
        .map(|mut r| {
            r.device = profile.to_string();
            r
        })
        .filter(|r| seen.insert(r.id()))
        .collect()
}
