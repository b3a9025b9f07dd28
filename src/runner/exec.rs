//! Executes one run (case × device): a fresh hub, a fresh app, then the
//! steps. Every `expect_*` waits on journal events with a deadline and then
//! confirms on the device through the driver; a failure carries the
//! message's chain and its first broken link.
//!
//! This file holds the run's state and the loop over its steps; the device
//! set-up before the first step is in `exec/setup.rs`, the rendering of a
//! failed step in `exec/failure.rs`, and each step kind is one function in
//! `steps/`.

mod failure;
mod setup;

use std::sync::Arc;
use std::time::Duration;

use super::client::CompanionClient;
use super::{CaseError, ProvidedDevice};
use crate::android::ComponentName;
use crate::device::{Device, DeviceErrorKind};
use crate::hub::Hub;
use crate::im::CertificateInput;
use crate::scenario::model::{Step, Wait};
use crate::scenario::CaseRun;
use crate::services::clock::Clock;
use crate::services::journal::{MessageId, Record};

pub(super) use failure::{device_error, infra};

/// The interval at which device state (read back over ADB, which has no
/// change notification) is re-read while waiting.
const POLL: Duration = Duration::from_millis(25);

/// Re-evaluates `cond` until it holds or `within` passes. Used only for
/// device state read back over ADB; hub state is waited on through its own
/// change notifications.
pub(super) async fn poll_until<T, F, Fut>(within: Duration, mut cond: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    tokio::time::timeout(within, async {
        let mut tick = tokio::time::interval(POLL);
        loop {
            tick.tick().await;
            if let Some(v) = cond().await {
                return v;
            }
        }
    })
    .await
    .ok()
}

/// The state of one executing run.
pub(super) struct Exec<'a> {
    pub(super) run: &'a CaseRun,
    pub(super) hub: Hub,
    pub(super) dev: &'a Device,
    /// The companion apps on `dev`.
    pub(super) apps: CompanionClient<'a>,
    pub(super) serial: String,
    pub(super) certificate_id: u64,
    /// The certificate as last saved (completed for the simulation).
    pub(super) certificate: CertificateInput,
    pub(super) package: String,
    /// Messages of the last `send`/`burst`.
    pub(super) messages: Vec<MessageId>,
    /// The journal position before the last `send`.
    pub(super) since: u64,
    /// The journal position before the last tap.
    pub(super) tap_since: u64,
    /// The message whose notification was tapped.
    pub(super) tapped: Option<MessageId>,
    /// The current step (index, name) for failures.
    pub(super) step: Option<(usize, &'static str)>,
}

/// Runs `run` on `provided`: sets up a hub and the device, then the steps.
pub(super) async fn execute(run: &CaseRun, provided: &ProvidedDevice) -> Result<(), CaseError> {
    let clock = if provided.virtual_clock {
        Clock::virtual_now()
    } else {
        Clock::real()
    };
    let hub = Hub::new(clock);
    let running = hub
        .start("127.0.0.1:0".parse().map_err(|_| infra("bad address"))?)
        .await
        .map_err(|e| infra(format!("cannot serve the hub on 127.0.0.1: {e}")))?;
    let port = running.addr.port();
    let dev = &provided.device;
    match dev
        .reverse(&format!("tcp:{port}"), &format!("tcp:{port}"))
        .await
    {
        Ok(()) => {}
        Err(e) if e.kind() == DeviceErrorKind::Unsupported => {}
        Err(e) => return Err(device_error(None, e)),
    }
    let package = run.certificate.package.clone();
    let mut exec = Exec {
        run,
        hub: hub.clone(),
        dev,
        apps: CompanionClient::new(dev, &package, running.base_url(), &provided.serial),
        serial: provided.serial.clone(),
        certificate_id: 0,
        certificate: run.certificate.clone(),
        package,
        messages: Vec::new(),
        since: 0,
        tap_since: 0,
        tapped: None,
        step: None,
    };
    let result = async {
        exec.setup().await?;
        for (i, step) in run.steps.iter().enumerate() {
            exec.step = Some((i, step.name()));
            exec.step(step).await?;
        }
        Ok(())
    }
    .await;
    // Dropping the hub stops serving at once; a graceful stop would wait for
    // the device's streams, which never end on their own.
    drop(running);
    result
}

impl Exec<'_> {
    /// The step's own deadline, else the case's.
    pub(super) fn within(&self, w: &Option<Wait>) -> Duration {
        w.map(|w| w.0).unwrap_or(self.run.within)
    }

    /// Whether `r` is about one of the current messages.
    pub(super) fn is_ours(&self, r: &Record) -> bool {
        r.message_id
            .as_ref()
            .is_some_and(|m| self.messages.contains(m))
    }

    /// The records of `records` about the current messages, in order.
    pub(super) fn current_chain<'r>(&self, records: &'r [Arc<Record>]) -> Vec<&'r Record> {
        records
            .iter()
            .map(|r| &**r)
            .filter(|r| self.is_ours(r))
            .collect()
    }

    /// Waits until the resumed activity satisfies `wanted`, for at most
    /// `within`; `None` when it never did.
    pub(super) async fn wait_resumed(
        &self,
        within: Duration,
        wanted: impl Fn(&ComponentName) -> bool,
    ) -> Option<()> {
        let (dev, wanted) = (self.dev, &wanted);
        poll_until(within, || async move {
            dev.resumed_activity()
                .await
                .ok()
                .flatten()
                .filter(|c| wanted(c))
                .map(|_| ())
        })
        .await
    }

    /// Runs one step (the functions are in `steps/`).
    async fn step(&mut self, step: &Step) -> Result<(), CaseError> {
        match step {
            Step::Login(a) => self.login(a.as_ref()).await,
            Step::Logout(a) => self.logout(a.as_ref()).await,
            Step::Kick(a) => self.kick(a.as_ref()).await,
            Step::ReportToken(a) => self.report_token(a.as_ref()).await,
            Step::KillApp(a) => self.kill_app(a.as_ref()).await,
            Step::LaunchApp(_) => self.launch_app().await,
            Step::Send(s) => self.send(s),
            Step::Burst(b) => self.burst(b),
            Step::ExpectNotification(e) => self.expect_notification(e).await,
            Step::ExpectNoNotification(e) => self.expect_no_notification(e).await,
            Step::TapNotification(t) => self.tap_notification(t.as_ref()).await,
            Step::ExpectActivity(a) => self.expect_activity(a).await,
            Step::ExpectUrl(u) => self.expect_url(u).await,
            Step::ExpectExt(x) => self.expect_ext(x).await,
            Step::ExpectNoExt(x) => self.expect_no_ext(x.as_ref()).await,
            Step::AdvanceTime(w) => self.advance_time(*w),
            Step::EditCertificate(e) => self.edit_certificate(e),
            Step::ExpectCallback(x) => self.expect_callback(x).await,
        }
    }
}
