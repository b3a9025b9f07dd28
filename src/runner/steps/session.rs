//! The user's IM session on the device: logging in and out, being kicked,
//! and the app's push token reaching the IM server.

use std::time::Duration;

use crate::companion::ACTION_TOKEN;
use crate::im::LoginState;
use crate::runner::exec::Exec;
use crate::runner::CaseError;
use crate::scenario::model::{KickArgs, ReportTokenArgs, UserArgs};
use crate::services::journal::Event;
use crate::wire::protocol::{DeviceEventKind, Reporter};

impl Exec<'_> {
    /// The step's user, else the case's.
    fn user_of(&self, a: Option<&UserArgs>) -> String {
        a.and_then(|a| a.user.clone())
            .unwrap_or_else(|| self.run.user.clone())
    }

    /// `login`: the app logs the user in; the IM server shows the user
    /// logged in on this device.
    pub(in crate::runner) async fn login(&self, a: Option<&UserArgs>) -> Result<(), CaseError> {
        let user = self.user_of(a);
        self.apps.login(&user).await.map_err(|e| self.dev_err(e))?;
        self.login_state(
            &user,
            self.run.within,
            |s, serial| matches!(s, LoginState::LoggedIn { device, .. } if device == serial),
        )
        .await
    }

    /// `logout`: the app logs out; the IM server shows the user logged out.
    pub(in crate::runner) async fn logout(&self, a: Option<&UserArgs>) -> Result<(), CaseError> {
        let user = self.user_of(a);
        self.apps.logout().await.map_err(|e| self.dev_err(e))?;
        self.login_state(&user, self.run.within, |s, _| {
            matches!(s, LoginState::LoggedOut)
        })
        .await
    }

    /// `kick`: a login on another device; the IM server shows the user
    /// kicked.
    pub(in crate::runner) async fn kick(&self, a: Option<&KickArgs>) -> Result<(), CaseError> {
        let a = a.cloned().unwrap_or_default();
        let user = a.user.unwrap_or_else(|| self.run.user.clone());
        let by = a.by_device.unwrap_or_else(|| "other-phone".into());
        self.hub.im.kick(&user, &by);
        self.login_state(&user, self.run.within, |s, _| {
            matches!(s, LoginState::Kicked { .. })
        })
        .await
    }

    /// Waits until the IM server shows `user` in a state `want` accepts
    /// (given this device's id).
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

    /// `report_token`: the app registers with the vendor (unless the device
    /// already is) and reports the token; the IM server holds it under the
    /// certificate. A refused registration ends the step quietly: later
    /// expectations name the refusal as the broken link. So does a report
    /// before `login`: the app gets its token but TIM's SDK skips the
    /// report, so a later push finds no token (`im.no_token`).
    pub(in crate::runner) async fn report_token(
        &self,
        a: Option<&ReportTokenArgs>,
    ) -> Result<(), CaseError> {
        let run = self.run;
        let cert = a
            .and_then(|a| a.certificate_id)
            .unwrap_or(self.certificate_id);
        let since = self.hub.journal().last_seq();
        let known = self
            .hub
            .gateway()
            .registration_of(&self.serial, run.vendor, &self.package)
            .is_some();
        let logged_in = self.hub.im.accounts().into_iter().any(|a| {
            a.user == run.user
                && matches!(&a.login, LoginState::LoggedIn { device, .. } if *device == self.serial)
        });
        self.apps
            .report_token(run.vendor, cert)
            .await
            .map_err(|e| self.dev_err(e))?;
        if !known && !self.registered(since).await? {
            return self.token_answer_handled(since).await;
        }
        if !logged_in {
            tracing::info!(user = %run.user, "report_token before login: the app skips the report");
            return self.token_answer_handled(since).await;
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
                format!(
                    "the IM server has no token for `{}` with certificate {cert} within {:?}",
                    run.user, run.within
                ),
                None,
            )
        })?;
        self.token_answer_handled(since).await
    }

    /// Waits until the app has handled the push service's token answer
    /// (its registration callback ran and said so). Until then a broadcast
    /// is on its way to the app, and a `kill_app` next would race the
    /// process start it causes.
    async fn token_answer_handled(&self, since: u64) -> Result<(), CaseError> {
        let serial = self.serial.clone();
        self.hub
            .journal()
            .wait_for(since, self.run.within, |r| {
                matches!(&r.event, Event::Device(d)
                    if d.device == serial
                        && d.reporter == Reporter::App
                        && matches!(&d.kind, DeviceEventKind::CallbackReceived { action, .. } if action == ACTION_TOKEN))
            })
            .await
            .map(|_| ())
            .ok_or_else(|| {
                self.fail(
                    format!(
                        "the app did not handle the push service's token answer within {:?}",
                        self.run.within
                    ),
                    None,
                )
            })
    }

    /// Waits for the device's registration with the case's vendor after
    /// `since`: `true` when registered, `false` when refused.
    async fn registered(&self, since: u64) -> Result<bool, CaseError> {
        let run = self.run;
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
            None => Err(self.fail(
                format!(
                    "the app did not register with {} within {:?}",
                    run.vendor.display_name(),
                    run.within
                ),
                None,
            )),
            Some(Event::RegistrationRefused { .. }) => Ok(false),
            Some(_) => Ok(true),
        }
    }
}
