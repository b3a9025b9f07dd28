//! What the phone's user does with the app: open it, have its process go
//! away, tap a notification; and time passing.

use crate::runner::chain::Stage;
use crate::runner::exec::{poll_until, Exec};
use crate::runner::CaseError;
use crate::scenario::model::{KillArgs, KillMode, TapArgs, TapMode, Wait};
use crate::services::journal::{Event, MessageId};
use crate::wire::protocol::DeviceEventKind;

impl Exec<'_> {
    /// `kill_app`: the app's process goes (force-stopped, or killed in the
    /// background), and its IM connection with it.
    pub(in crate::runner) async fn kill_app(&self, a: Option<&KillArgs>) -> Result<(), CaseError> {
        let run = self.run;
        match a.cloned().unwrap_or_default().mode {
            KillMode::ForceStop => self.apps.stop_app().await,
            KillMode::Kill | KillMode::Swipe => {
                self.dev
                    .shell_ok("input keyevent KEYCODE_HOME")
                    .await
                    .map_err(|e| self.dev_err(e))?;
                self.apps.kill_app().await
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

    /// `launch_app`: the app opened from the launcher is in the foreground.
    pub(in crate::runner) async fn launch_app(&self) -> Result<(), CaseError> {
        self.apps.open_app().await.map_err(|e| self.dev_err(e))?;
        self.wait_resumed(self.run.within, |c| c.package == self.package)
            .await
            .ok_or_else(|| self.fail("the app is not in the foreground after launch_app", None))
    }

    /// `advance_time`: the hub's clock moves forward.
    pub(in crate::runner) fn advance_time(&self, w: Wait) -> Result<(), CaseError> {
        self.hub.clock().advance(w.0);
        Ok(())
    }

    /// `tap_notification`: the newest posted notification of the current
    /// messages is tapped (fired by the push service, or on screen), and
    /// the tap is reported.
    pub(in crate::runner) async fn tap_notification(
        &mut self,
        t: Option<&TapArgs>,
    ) -> Result<(), CaseError> {
        let Some((id, title)) = self.posted() else {
            return Err(self.fail(
                "there is no posted notification to tap",
                Some(Stage::Device),
            ));
        };
        self.tap_since = self.hub.journal().last_seq();
        match t.cloned().unwrap_or_default().how {
            TapMode::Service => self.apps.tap(&id).await.map_err(|e| self.dev_err(e))?,
            TapMode::Ui => self.tap_on_screen(&title).await?,
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

    /// Opens the shade and taps the notification titled `title`.
    async fn tap_on_screen(&self, title: &str) -> Result<(), CaseError> {
        let dev_err = |e| self.dev_err(e);
        self.dev.notification_shade(true).await.map_err(dev_err)?;
        let ui = self
            .dev
            .ui_dump()
            .await
            .map_err(dev_err)?
            .map_err(|e| self.fail(format!("cannot read the screen: {e}"), None))?;
        let target = ui
            .nodes
            .iter()
            .position(|n| n.text == title || n.content_desc == title)
            .and_then(|i| ui.clickable_ancestor(i))
            .and_then(|n| n.bounds);
        let Some(b) = target else {
            return Err(self.fail(format!("no notification titled `{title}` on screen"), None));
        };
        let (x, y) = b.center();
        self.dev.tap(x, y).await.map_err(dev_err)
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
}
