//! The built-in suites end to end on the embedded simulated device, through
//! the runner's library API: every case of `scenarios/` on each of its
//! profiles, with a fresh hub and a fresh simulated phone per run, must
//! pass. A failure prints each failed case's chain and first broken link.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use pushlab::device::{Device, Target};
use pushlab::report::{CaseReport, RunReport, Status};
use pushlab::runner::{
    run_all, DeviceProvider, ProvidedDevice, ProviderError, RetryPolicy, RunOptions,
};
use pushlab::scenario::{collect_files, expand, load_file, CaseRun};
use pushlab::sim::profile::Profile;
use pushlab::sim::SimDevice;

/// A simulated phone per run, as `pushlab run` provides them.
struct SimPhones;

#[async_trait]
impl DeviceProvider for SimPhones {
    async fn acquire(&self, profile: &str) -> Result<ProvidedDevice, ProviderError> {
        let profile = Profile::parse(profile)
            .map_err(|e| ProviderError::Unavailable(format!("profile {profile}: {e}")))?;
        let sim = SimDevice::spawn(profile, "127.0.0.1:0".parse().expect("loopback address"))
            .await
            .map_err(|e| ProviderError::Transient(e.to_string()))?;
        Ok(ProvidedDevice {
            device: Device::new(Target::tcp(sim.addr())),
            serial: sim.serial(),
            virtual_clock: true,
            keep_alive: Box::new(sim),
        })
    }
}

/// Every run of the built-in suites.
fn builtin_runs() -> Vec<CaseRun> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = collect_files(&[dir]).expect("the built-in suites are listed");
    files
        .iter()
        .flat_map(|f| {
            let suite = load_file(f)
                .unwrap_or_else(|e| panic!("{} does not load: {:?}", f.display(), e.lines()));
            expand(&suite)
        })
        .collect()
}

fn failures(report: &RunReport) -> String {
    report
        .cases
        .iter()
        .filter(|c| c.status != Status::Passed)
        .map(describe)
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn describe(c: &CaseReport) -> String {
    match &c.failure {
        Some(f) => format!("{}\n{}", c.name(), f.render()),
        None => c.name(),
    }
}

#[test]
fn every_builtin_case_passes_on_the_simulated_device() {
    let runs = builtin_runs();
    assert!(
        runs.len() >= 60,
        "the built-in suites expand to {} runs",
        runs.len()
    );
    let total = runs.len();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report = rt.block_on(run_all(
        runs,
        Arc::new(SimPhones),
        RunOptions {
            jobs: 4,
            retry: RetryPolicy { retries: 1 },
        },
        Arc::new(|_: &CaseReport| {}),
    ));
    assert_eq!(report.cases.len(), total, "every run reports");
    assert!(
        report.all_passed(),
        "{}\n{}",
        report.summary(),
        failures(&report)
    );
}
