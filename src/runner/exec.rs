//! Executes one run (case × device): a fresh hub, a fresh app, then the
//! steps. Every `expect_*` waits on journal events with a deadline and then
//! confirms on the device through the driver; a failure carries the
//! message's chain and its first broken link.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde_json::{json, Value};

use super::chain::{self, Stage};
use super::{CaseError, ProvidedDevice};
use crate::android::{ComponentName, NotificationRecord};
use crate::companion::AGENT_PACKAGE;
use crate::device::{shell_quote, Device, DeviceError, DeviceErrorKind};
use crate::diagnosis::Diagnosis;
use crate::hub::Hub;
use crate::im::model::SendMsg;
use crate::im::LoginState;
use crate::push::CERTIFICATE_DELAY_SECS;
use crate::report::Failure;
use crate::scenario::model::*;
use crate::scenario::CaseRun;
use crate::services::clock::Clock;
use crate::services::journal::{Event, MessageId, Record};
use crate::wire::protocol::DeviceEventKind;

/// How long the push service may take to open its gateway stream.
const CONNECT_WITHIN: Duration = Duration::from_secs(20);
/// The interval at which device state (read back over ADB, which has no
/// change notification) is re-read while waiting.
const POLL: Duration = Duration::from_millis(25);

fn infra(message: impl Into<String>) -> CaseError {
    CaseError::Infrastructure(message.into())
}

/// A device error as a case outcome: the link failing is infrastructure, a
/// command failing is the case's failure.
fn device_error(step: Option<(usize, &'static str)>, e: DeviceError) -> CaseError {
    if e.is_infrastructure() {
        CaseError::Infrastructure(e.to_string())
    } else {
        CaseError::Assertion(Box::new(Failure {
            step: step.map(|s| s.0),
            step_name: step.map(|s| s.1.to_string()),
            message: e.to_string(),
            diagnosis: None,
            advice: None,
            chain: Vec::new(),
        }))
    }
}

/// Re-evaluates `cond` until it holds or `within` passes. Used only for
/// device state read back over ADB; hub state is waited on through its own
/// change notifications.
async fn poll_until<T, F, Fut>(within: Duration, mut cond: F) -> Option<T>
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
    run: &'a CaseRun,
    hub: Hub,
    hub_url: String,
    dev: &'a Device,
    serial: String,
    certificate_id: u64,
    package: String,
    /// Messages of the last `send`/`burst`.
    messages: Vec<MessageId>,
    /// The journal position before the last `send`.
    since: u64,
    /// The journal position before the last tap.
    tap_since: u64,
    /// The message whose notification was tapped.
    tapped: Option<MessageId>,
    /// The current step (index, name) for failures.
    step: Option<(usize, &'static str)>,
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
    let mut exec = Exec {
        run,
        hub_url: running.base_url(),
        hub: hub.clone(),
        dev,
        serial: provided.serial.clone(),
        certificate_id: 0,
        package: run.certificate.package.clone(),
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
    fn within(&self, w: &Option<Wait>) -> Duration {
        w.map(|w| w.0).unwrap_or(self.run.within)
    }

    /// A failed assertion of the current step, with the chain of the
    /// current messages and its first broken link.
    fn fail(&self, message: impl Into<String>, reached: Option<Stage>) -> CaseError {
        let records = self.hub.journal().all();
        let chain: Vec<&Record> = records
            .iter()
            .map(|r| &**r)
            .filter(|r| {
                r.message_id
                    .as_ref()
                    .is_some_and(|m| self.messages.contains(m))
            })
            .collect();
        let regs = self.registrations(&records);
        let finding = chain::first_broken_link(&chain, &regs, reached);
        let mut lines = Vec::new();
        if !chain.is_empty() || finding.is_some() {
            lines.push(chain::summary(&chain, finding.as_ref()));
        }
        let mut shown: Vec<&Record> = regs.clone();
        shown.extend(chain.iter().copied());
        shown.sort_by_key(|r| r.seq);
        lines.extend(chain::render(&shown));
        CaseError::Assertion(Box::new(Failure {
            step: self.step.map(|s| s.0),
            step_name: self.step.map(|s| s.1.to_string()),
            message: message.into(),
            diagnosis: finding.as_ref().map(|f| f.diagnosis.code().to_string()),
            advice: finding.as_ref().map(|f| f.advice().to_string()),
            chain: lines,
        }))
    }

    fn registrations<'r>(&self, records: &'r [Arc<Record>]) -> Vec<&'r Record> {
        records
            .iter()
            .map(|r| &**r)
            .filter(|r| match &r.event {
                Event::Registered { device, .. } | Event::RegistrationRefused { device, .. } => {
                    *device == self.serial
                }
                _ => false,
            })
            .collect()
    }

    fn dev_err(&self, e: DeviceError) -> CaseError {
        device_error(self.step, e)
    }

    async fn sh(&self, cmd: &str) -> Result<String, CaseError> {
        self.dev
            .shell_ok(cmd)
            .await
            .map(|o| o.combined())
            .map_err(|e| self.dev_err(e))
    }

    /// `am start -W` of the demo app's splash activity with a command.
    async fn app_command(&self, command: &str, extras: &[(&str, &str)]) -> Result<(), CaseError> {
        let mut cmd = format!(
            "am start -W -n {}/.SplashActivity --es pushlab.command {command}",
            self.package
        );
        for (k, v) in extras {
            cmd.push_str(&format!(" --es {k} {}", shell_quote(v)));
        }
        self.sh(&cmd).await.map(|_| ())
    }

    /// A fresh app and push service, the certificate saved (and in effect
    /// unless the case tests the delay), accounts created.
    async fn setup(&mut self) -> Result<(), CaseError> {
        let run = self.run;
        if let Some(limits) = &run.limits {
            if let Some(v) = self.hub.vendors.get(&run.vendor) {
                v.set_limits(limits.clone())
                    .map_err(|e| self.fail(format!("vendor limits: {e}"), None))?;
            }
        }
        let mut input = run.certificate.clone();
        input.credentials.complete_for_simulation().map_err(infra)?;
        let cert = self.hub.im.save_certificate(input);
        self.certificate_id = cert.id;
        if run.certificate_effective {
            self.hub
                .clock()
                .advance(Duration::from_secs(CERTIFICATE_DELAY_SECS));
        }
        self.hub.im.import_account(&run.user);
        self.hub.im.import_account(&run.sender);

        // A fresh device state: no app data, no process, no notifications.
        for pkg in [self.package.as_str(), AGENT_PACKAGE] {
            self.dev
                .force_stop(pkg)
                .await
                .map_err(|e| self.dev_err(e))?;
        }
        self.sh(&format!("pm clear {}", self.package)).await?;
        self.dev.logcat_clear().await.map_err(|e| self.dev_err(e))?;
        let api = self
            .dev
            .api_level()
            .await
            .map_err(|e| self.dev_err(e))?
            .map(|a| a.0)
            .unwrap_or(26);
        if api >= 33 {
            // Clearing the data revoked the runtime permissions; the user of
            // a test device allows notifications, as at the app's first
            // launch prompt.
            self.sh(&format!(
                "pm grant {} android.permission.POST_NOTIFICATIONS",
                self.package
            ))
            .await?;
        }
        let start = if api >= 26 {
            "start-foreground-service"
        } else {
            "startservice"
        };
        self.sh(&format!(
            "am {start} -n {AGENT_PACKAGE}/.AgentService --es hub {} --es device {}",
            shell_quote(&self.hub_url),
            shell_quote(&self.serial)
        ))
        .await?;
        let connected = self
            .hub
            .gateway()
            .wait_connected(&self.serial, true, CONNECT_WITHIN)
            .await;
        connected.then_some(()).ok_or_else(|| {
            infra(format!(
                "the push service on {} did not connect to the hub's gateway within {CONNECT_WITHIN:?}",
                self.serial
            ))
        })?;
        if run.app.channel_id.is_some() || !run.app.create_channel {
            let channel = run.app.channel_id.clone().unwrap_or_else(|| "im".into());
            self.sh(&format!(
                "am start -W -n {}/.SplashActivity --es pushlab.command configure --es pushlab.channel_id {} --ez pushlab.create_channel {}",
                self.package,
                shell_quote(&channel),
                run.app.create_channel
            ))
            .await?;
        }
        Ok(())
    }

    async fn login_state(
        &self,
        user: &str,
        within: Duration,
        want: fn(&LoginState, &str) -> bool,
    ) -> Result<(), CaseError> {
        let im = self.hub.im.clone();
        let serial = self.serial.clone();
        let u = user.to_string();
        let hit = im
            .wait_until(within, |im| {
                im.accounts()
                    .into_iter()
                    .any(|a| a.user == u && want(&a.login, &serial))
                    .then_some(())
            })
            .await;
        if hit.is_some() {
            return Ok(());
        }
        let now = self
            .hub
            .im
            .accounts()
            .into_iter()
            .find(|a| a.user == user)
            .map(|a| format!("{:?}", a.login))
            .unwrap_or_else(|| "no such account".into());
        Err(self.fail(
            format!("the IM server does not show the expected state for `{user}` within {within:?} (it shows {now})"),
            None,
        ))
    }

    async fn step(&mut self, step: &Step) -> Result<(), CaseError> {
        let run = self.run;
        match step {
            Step::Login(a) => {
                let user = a
                    .as_ref()
                    .and_then(|a| a.user.clone())
                    .unwrap_or_else(|| run.user.clone());
                let (hub, serial) = (self.hub_url.clone(), self.serial.clone());
                self.app_command(
                    "login",
                    &[
                        ("pushlab.hub", &hub),
                        ("pushlab.device", &serial),
                        ("pushlab.user", &user),
                    ],
                )
                .await?;
                self.login_state(&user, run.within, |s, serial| {
                    matches!(s, LoginState::LoggedIn { device, .. } if device == serial)
                })
                .await
            }
            Step::Logout(a) => {
                let user = a
                    .as_ref()
                    .and_then(|a| a.user.clone())
                    .unwrap_or_else(|| run.user.clone());
                self.app_command("logout", &[]).await?;
                self.login_state(&user, run.within, |s, _| matches!(s, LoginState::LoggedOut))
                    .await
            }
            Step::Kick(a) => {
                let a = a.clone().unwrap_or_default();
                let user = a.user.unwrap_or_else(|| run.user.clone());
                let by = a.by_device.unwrap_or_else(|| "other-phone".into());
                self.hub.im.kick(&user, &by);
                self.login_state(&user, run.within, |s, _| {
                    matches!(s, LoginState::Kicked { .. })
                })
                .await
            }
            Step::ReportToken(a) => {
                let cert = a
                    .as_ref()
                    .and_then(|a| a.certificate_id)
                    .unwrap_or(self.certificate_id);
                let since = self.hub.journal().last_seq();
                let known = self
                    .hub
                    .gateway()
                    .registration_of(&self.serial, run.vendor, &self.package)
                    .is_some();
                self.app_command(
                    "report_token",
                    &[
                        ("pushlab.vendor", run.vendor.name()),
                        ("pushlab.certificate_id", &cert.to_string()),
                    ],
                )
                .await?;
                if !known {
                    let (serial, vendor) = (self.serial.clone(), run.vendor);
                    let outcome = self
                        .hub
                        .journal()
                        .wait_for(since, run.within, |r| match &r.event {
                            Event::Registered {
                                device, vendor: v, ..
                            }
                            | Event::RegistrationRefused {
                                device, vendor: v, ..
                            } => *device == serial && *v == vendor,
                            _ => false,
                        })
                        .await;
                    match outcome.as_deref().map(|r| &r.event) {
                        None => {
                            return Err(self.fail(
                                format!(
                                    "the app did not register with {} within {:?}",
                                    run.vendor.display_name(),
                                    run.within
                                ),
                                None,
                            ))
                        }
                        // The device refused: no token will come. Later
                        // expectations name the refusal as the broken link.
                        Some(Event::RegistrationRefused { .. }) => return Ok(()),
                        Some(_) => {}
                    }
                }
                let im = self.hub.im.clone();
                let user = run.user.clone();
                let hit = im
                    .wait_until(run.within, |im| {
                        im.accounts()
                            .into_iter()
                            .any(|a| {
                                a.user == user
                                    && a.push_token
                                        .as_ref()
                                        .is_some_and(|t| t.certificate_id == cert)
                            })
                            .then_some(())
                    })
                    .await;
                hit.ok_or_else(|| {
                    self.fail(
                        format!("the IM server has no token for `{}` with certificate {cert} within {:?}", run.user, run.within),
                        None,
                    )
                })
            }
            Step::KillApp(a) => {
                let mode = a.clone().unwrap_or_default().mode;
                match mode {
                    KillMode::ForceStop => self.dev.force_stop(&self.package).await,
                    KillMode::Kill | KillMode::Swipe => {
                        self.sh("input keyevent KEYCODE_HOME").await?;
                        self.dev.kill(&self.package).await
                    }
                }
                .map_err(|e| self.dev_err(e))?;
                let (dev, pkg) = (self.dev, self.package.clone());
                let gone = poll_until(run.within, || {
                    let pkg = pkg.clone();
                    async move {
                        dev.pidof(&pkg)
                            .await
                            .ok()
                            .filter(|p| p.is_empty())
                            .map(|_| ())
                    }
                })
                .await;
                if gone.is_none() {
                    return Err(self.fail(
                        format!("`{}` still runs after kill_app", self.package),
                        None,
                    ));
                }
                // Its IM connection goes with the process.
                let im = self.hub.im.clone();
                let user = run.user.clone();
                im.wait_until(run.within, |im| {
                    im.accounts()
                        .into_iter()
                        .all(|a| a.user != user || !a.online)
                        .then_some(())
                })
                .await
                .ok_or_else(|| {
                    self.fail(
                        "the IM server still shows the user online after kill_app",
                        None,
                    )
                })
            }
            Step::LaunchApp(_) => {
                self.sh(&format!("am start -W -n {}/.SplashActivity", self.package))
                    .await?;
                let (dev, pkg) = (self.dev, self.package.clone());
                poll_until(run.within, || {
                    let pkg = pkg.clone();
                    async move {
                        dev.resumed_activity()
                            .await
                            .ok()
                            .flatten()
                            .filter(|c| c.package == pkg)
                            .map(|_| ())
                    }
                })
                .await
                .ok_or_else(|| self.fail("the app is not in the foreground after launch_app", None))
            }
            Step::Send(s) => {
                self.since = self.hub.journal().last_seq();
                self.messages.clear();
                let id = self.send(s, rand::thread_rng().gen())?;
                self.messages.push(id);
                Ok(())
            }
            Step::Burst(b) => {
                self.since = self.hub.journal().last_seq();
                self.messages.clear();
                let base: u32 = rand::thread_rng().gen();
                for i in 0..b.count {
                    let id = self.send(&b.send, base.wrapping_add(i))?;
                    self.messages.push(id);
                }
                Ok(())
            }
            Step::ExpectNotification(e) => self.expect_notification(e).await,
            Step::ExpectNoNotification(e) => self.expect_no_notification(e).await,
            Step::TapNotification(t) => self.tap(t.clone().unwrap_or_default().how).await,
            Step::ExpectActivity(a) => self.expect_activity(a).await,
            Step::ExpectUrl(u) => self.expect_url(u).await,
            Step::ExpectExt(x) => self.expect_ext(x).await,
            Step::AdvanceTime(w) => {
                self.hub.clock().advance(w.0);
                Ok(())
            }
        }
    }

    /// `sendmsg` through the IM server, as a backend would call it.
    fn send(&self, s: &SendArgs, random: u32) -> Result<MessageId, CaseError> {
        let body = sendmsg_body(self.run, s, random);
        let msg = SendMsg::parse(body.to_string().as_bytes(), &self.run.sender).map_err(|e| {
            self.fail(
                format!("sendmsg refused the request: {} {}", e.code, e.info),
                None,
            )
        })?;
        self.hub
            .im
            .send(msg)
            .map(|sent| sent.message_id)
            .map_err(|e| self.fail(format!("sendmsg failed: {} {}", e.code, e.info), None))
    }

    fn is_ours(&self, r: &Record) -> bool {
        r.message_id
            .as_ref()
            .is_some_and(|m| self.messages.contains(m))
    }

    async fn expect_notification(&self, e: &ExpectNotificationArgs) -> Result<(), CaseError> {
        let within = self.within(&e.within);
        let single = self.messages.len() == 1;
        let rec = self
            .hub
            .journal()
            .wait_for(self.since, within, |r| {
                self.is_ours(r)
                    && (matches!(&r.event, Event::Device(d) if matches!(d.kind, DeviceEventKind::Posted { .. }))
                        || (single && r.event.diagnosis().is_some()))
            })
            .await;
        let Some(rec) = rec else {
            return Err(self.fail(
                format!("no notification within {within:?}"),
                Some(Stage::Device),
            ));
        };
        if let Some(code) = rec.event.diagnosis() {
            return Err(self.fail(
                format!("no notification: the chain broke with {code}"),
                Some(Stage::Device),
            ));
        }
        let Event::Device(d) = &rec.event else {
            return Err(self.fail("the message did not reach the shade", Some(Stage::Device)));
        };
        let DeviceEventKind::Posted {
            title,
            text,
            channel_id,
            ..
        } = &d.kind
        else {
            return Err(self.fail("the message did not reach the shade", Some(Stage::Device)));
        };
        let mut wrong = Vec::new();
        if let Some(t) = &e.title {
            if t != title {
                wrong.push(format!("title `{title}` (expected `{t}`)"));
            }
        }
        if let Some(t) = &e.text {
            if t != text {
                wrong.push(format!("text `{text}` (expected `{t}`)"));
            }
        }
        if let Some(c) = &e.channel {
            if Some(c) != channel_id.as_ref() {
                wrong.push(format!("channel {channel_id:?} (expected `{c}`)"));
            }
        }
        if !wrong.is_empty() {
            return Err(self.fail(
                format!("the notification was posted with {}", wrong.join(", ")),
                None,
            ));
        }
        // On-device truth: the shade has it.
        let shade = self
            .dev
            .notifications()
            .await
            .map_err(|e| self.dev_err(e))?;
        let found = shade.iter().any(|n| {
            shown_for(n, &self.package)
                && n.title.as_ref().and_then(|t| t.plain()) == Some(title.as_str())
                && n.text.as_ref().and_then(|t| t.plain()) == Some(text.as_str())
                && (e.channel.is_none() || n.channel.as_ref() == channel_id.as_ref())
        });
        if !found {
            return Err(self.fail(
                format!("the push service reported `{title}` posted, but `dumpsys notification` shows no such notification for {}", self.package),
                Some(Stage::Device),
            ));
        }
        Ok(())
    }

    async fn expect_no_notification(&self, e: &ExpectNoNotificationArgs) -> Result<(), CaseError> {
        let within = self.within(&e.within);
        let single = self.messages.len() == 1;
        let reason = e.reason;
        let rec = self
            .hub
            .journal()
            .wait_for(self.since, within, |r| {
                if !self.is_ours(r) {
                    return false;
                }
                let d = r.event.diagnosis();
                d == Some(reason)
                    || (single
                        && (d.is_some()
                            || matches!(&r.event, Event::Device(x) if matches!(x.kind, DeviceEventKind::Posted { .. }))))
            })
            .await;
        let records = self.hub.journal().all();
        let chain: Vec<&Record> = records
            .iter()
            .map(|r| &**r)
            .filter(|r| self.is_ours(r))
            .collect();
        let regs = self.registrations(&records);
        let posted = chain.iter().any(|r| matches!(&r.event, Event::Device(x) if matches!(x.kind, DeviceEventKind::Posted { .. })));
        if single && posted {
            return Err(self.fail(
                format!("a notification was posted (expected none: {reason})"),
                None,
            ));
        }
        let finding = match rec {
            None if reason == Diagnosis::DeliveryTimeout => return Ok(()),
            None => None,
            Some(r) if !single && r.event.diagnosis() == Some(reason) => return Ok(()),
            Some(_) => chain::first_broken_link(&chain, &regs, None),
        };
        match finding {
            Some(f) if f.diagnosis == reason || f.explains == Some(reason) => {}
            Some(f) => {
                return Err(self.fail(
                    format!("expected {reason}, but the first broken link is {f}"),
                    None,
                ))
            }
            None => {
                return Err(self.fail(
                    format!("expected {reason}, but nothing said so within {within:?}"),
                    None,
                ))
            }
        }
        // On-device truth: a missing channel leaves the framework's own log
        // line.
        if reason == Diagnosis::DeviceChannelMissing {
            let log = self.dev.logcat_dump().await.map_err(|e| self.dev_err(e))?;
            if !log
                .iter()
                .filter_map(|l| l.no_channel_found())
                .any(|n| n.pkg == self.package)
            {
                return Err(self.fail(
                    format!("the journal says {reason}, but logcat has no \"No Channel found\" line for {}", self.package),
                    None,
                ));
            }
        }
        // On-device truth: nothing for this message in the shade.
        if let Some((title, desc)) = chain.iter().find_map(|r| match &r.event {
            Event::PushDecided { title, desc, .. } => Some((title.clone(), desc.clone())),
            _ => None,
        }) {
            let shade = self
                .dev
                .notifications()
                .await
                .map_err(|e| self.dev_err(e))?;
            if shade.iter().any(|n| {
                shown_for(n, &self.package)
                    && n.title.as_ref().and_then(|t| t.plain()) == Some(title.as_str())
                    && n.text.as_ref().and_then(|t| t.plain()) == Some(desc.as_str())
            }) {
                return Err(self.fail(
                    format!("the journal says {reason}, but `dumpsys notification` shows `{title}` for {}", self.package),
                    None,
                ));
            }
        }
        Ok(())
    }

    /// The newest posted notification among the current messages.
    fn posted(&self) -> Option<(MessageId, String)> {
        self.hub
            .journal()
            .all()
            .iter()
            .rev()
            .find_map(|r| match &r.event {
                Event::Device(d) if self.is_ours(r) => match &d.kind {
                    DeviceEventKind::Posted { title, .. } => {
                        r.message_id.clone().map(|m| (m, title.clone()))
                    }
                    _ => None,
                },
                _ => None,
            })
    }

    async fn tap(&mut self, how: TapMode) -> Result<(), CaseError> {
        let Some((id, title)) = self.posted() else {
            return Err(self.fail(
                "there is no posted notification to tap",
                Some(Stage::Device),
            ));
        };
        self.tap_since = self.hub.journal().last_seq();
        match how {
            TapMode::Service => {
                self.sh(&format!(
                    "am broadcast -n {AGENT_PACKAGE}/.CommandReceiver -a com.pushlab.agent.COMMAND --es command tap --es message_id {}",
                    shell_quote(&id.0)
                ))
                .await?;
            }
            TapMode::Ui => {
                self.dev
                    .notification_shade(true)
                    .await
                    .map_err(|e| self.dev_err(e))?;
                let ui = self
                    .dev
                    .ui_dump()
                    .await
                    .map_err(|e| self.dev_err(e))?
                    .map_err(|e| self.fail(format!("cannot read the screen: {e}"), None))?;
                let target = ui
                    .nodes
                    .iter()
                    .position(|n| n.text == title || n.content_desc == title)
                    .and_then(|i| ui.clickable_ancestor(i))
                    .and_then(|n| n.bounds);
                let Some(b) = target else {
                    return Err(
                        self.fail(format!("no notification titled `{title}` on screen"), None)
                    );
                };
                let (x, y) = b.center();
                self.dev.tap(x, y).await.map_err(|e| self.dev_err(e))?;
            }
        }
        self.tapped = Some(id.clone());
        let rec = self
            .hub
            .journal()
            .wait_for(self.tap_since, self.run.within, |r| {
                r.message_id.as_ref() == Some(&id)
                    && matches!(&r.event, Event::Device(d) if matches!(d.kind, DeviceEventKind::Clicked | DeviceEventKind::ClickFailed { .. }))
            })
            .await;
        match rec {
            Some(_) => Ok(()),
            None => Err(self.fail(
                format!("the tap was not reported within {:?}", self.run.within),
                Some(Stage::Tap),
            )),
        }
    }

    /// Waits for the tap's outcome: `ActivityStarted`/`UrlOpened` or a
    /// `ClickFailed`.
    async fn click_outcome(&self, within: Duration) -> Option<Arc<Record>> {
        let id = self.tapped.clone()?;
        self.hub
            .journal()
            .wait_for(self.tap_since, within, |r| {
                r.message_id.as_ref() == Some(&id)
                    && matches!(&r.event, Event::Device(d) if matches!(d.kind,
                        DeviceEventKind::ActivityStarted { .. } | DeviceEventKind::UrlOpened { .. } | DeviceEventKind::ClickFailed { .. }))
            })
            .await
    }

    async fn expect_activity(&self, a: &ExpectActivityArgs) -> Result<(), CaseError> {
        let within = self.within(&a.within);
        let want: ComponentName = a
            .component
            .parse()
            .map_err(|_| self.fail(format!("`{}` is not a component", a.component), None))?;
        let rec = self.click_outcome(within).await;
        let Some(rec) = rec else {
            return Err(self.fail(
                format!("no activity opened within {within:?}"),
                Some(Stage::Activity),
            ));
        };
        match &rec.event {
            Event::Device(d) => match &d.kind {
                DeviceEventKind::ActivityStarted { component } => {
                    if component.parse::<ComponentName>().ok().as_ref() != Some(&want) {
                        return Err(self.fail(
                            format!("the tap opened {component}, expected {}", a.component),
                            None,
                        ));
                    }
                }
                DeviceEventKind::UrlOpened { url, .. } => {
                    return Err(self.fail(
                        format!("the tap opened the URL {url}, expected {}", a.component),
                        None,
                    ))
                }
                _ => return Err(self.fail("the tap failed to open anything", None)),
            },
            _ => return Err(self.fail("the tap failed to open anything", None)),
        }
        // On-device truth: it is the resumed activity.
        let dev = self.dev;
        let w = want.clone();
        let seen = poll_until(within, || {
            let w = w.clone();
            async move {
                dev.resumed_activity()
                    .await
                    .ok()
                    .flatten()
                    .filter(|c| *c == w)
                    .map(|_| ())
            }
        })
        .await;
        seen.ok_or_else(|| {
            self.fail(
                format!("the app reported {want} started, but `dumpsys activity activities` does not show it resumed"),
                Some(Stage::Activity),
            )
        })
    }

    async fn expect_url(&self, u: &ExpectUrlArgs) -> Result<(), CaseError> {
        let within = self.within(&u.within);
        let Some(rec) = self.click_outcome(within).await else {
            return Err(self.fail(
                format!("no page opened within {within:?}"),
                Some(Stage::Activity),
            ));
        };
        let Event::Device(d) = &rec.event else {
            return Err(self.fail("the tap failed to open anything", None));
        };
        match &d.kind {
            DeviceEventKind::UrlOpened { url, .. } if *url == u.url => {}
            DeviceEventKind::UrlOpened { url, .. } => {
                return Err(self.fail(format!("the tap opened {url}, expected {}", u.url), None))
            }
            DeviceEventKind::ActivityStarted { component } => {
                return Err(self.fail(
                    format!("the tap opened {component}, expected the URL {}", u.url),
                    None,
                ))
            }
            _ => return Err(self.fail("the tap failed to open anything", None)),
        }
        // On-device truth: a browser, not the app, is in front.
        let (dev, pkg) = (self.dev, self.package.clone());
        poll_until(within, || {
            let pkg = pkg.clone();
            async move {
                dev.resumed_activity()
                    .await
                    .ok()
                    .flatten()
                    .filter(|c| c.package != pkg)
                    .map(|_| ())
            }
        })
        .await
        .ok_or_else(|| {
            self.fail(
                "the URL was reported opened, but no browser is resumed",
                Some(Stage::Activity),
            )
        })
    }

    async fn expect_ext(&self, x: &ExpectExtArgs) -> Result<(), CaseError> {
        let within = self.within(&x.within);
        let via = x.via.name();
        let rec = self
            .hub
            .journal()
            .wait_for(self.since, within, |r| {
                self.is_ours(r)
                    && matches!(&r.event, Event::Device(d) if matches!(&d.kind,
                        DeviceEventKind::ExtReceived { via: v, value } if v == via && same_ext(value, &x.value)))
            })
            .await;
        if rec.is_some() {
            return Ok(());
        }
        let got: Vec<String> = self
            .hub
            .journal()
            .all()
            .iter()
            .filter(|r| self.is_ours(r))
            .filter_map(|r| match &r.event {
                Event::Device(d) => match &d.kind {
                    DeviceEventKind::ExtReceived { via, value } => {
                        Some(format!("{value} via {via}"))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let msg = if got.is_empty() {
            format!(
                "the app received no ext within {within:?} (expected {} via {via})",
                x.value
            )
        } else {
            format!(
                "the app received {} (expected {} via {via})",
                got.join("; "),
                x.value
            )
        };
        Err(self.fail(msg, Some(Stage::Ext)))
    }
}

/// Two ext values are the same: equal JSON when both are JSON, else equal
/// text.
/// Whether a notification in the shade is shown for `package`: posted as
/// the app (its own SDK, or a ROM push service posting on its behalf), or
/// by the companion agent, which on a phone can only post under its own
/// package and tags the notification with the app's.
fn shown_for(n: &NotificationRecord, package: &str) -> bool {
    n.pkg == package || (n.pkg == AGENT_PACKAGE && n.tag.as_deref() == Some(package))
}

pub fn same_ext(got: &str, want: &str) -> bool {
    match (
        serde_json::from_str::<Value>(got),
        serde_json::from_str::<Value>(want),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => got == want,
    }
}

/// The `sendmsg` body a backend would post for `s`.
pub fn sendmsg_body(run: &CaseRun, s: &SendArgs, random: u32) -> Value {
    let from = s.from.clone().unwrap_or_else(|| run.sender.clone());
    let to = s.to.clone().unwrap_or_else(|| run.user.clone());
    let elem = match (&s.text, &s.custom) {
        (_, Some(c)) => {
            json!({"MsgType": "TIMCustomElem", "MsgContent": {"Data": c.data, "Desc": c.desc, "Ext": c.ext}})
        }
        (t, None) => {
            json!({"MsgType": "TIMTextElem", "MsgContent": {"Text": t.clone().unwrap_or_default()}})
        }
    };
    let mut body = json!({
        "SyncOtherMachine": 2,
        "From_Account": from,
        "To_Account": to,
        "MsgRandom": random,
        "MsgBody": [elem],
    });
    if let Some(o) = &s.offline_push {
        let mut info = serde_json::Map::new();
        info.insert("PushFlag".into(), json!(0));
        if let Some(t) = &o.title {
            info.insert("Title".into(), json!(t));
        }
        if let Some(d) = &o.desc {
            info.insert("Desc".into(), json!(d));
        }
        if let Some(e) = &o.ext {
            info.insert("Ext".into(), json!(e));
        }
        if let Some(a) = &o.android_info {
            info.insert("AndroidInfo".into(), json!(a));
        }
        body["OfflinePushInfo"] = Value::Object(info);
    }
    body
}
