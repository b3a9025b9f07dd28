//! What must follow the steps: a notification in the shade (or none, for
//! a named reason), the activity or page a tap opened, the ext the app
//! received. Each waits on the hub's journal, then confirms on the device.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::android::ComponentName;
use crate::diagnosis::Diagnosis;
use crate::runner::chain::{self, Stage};
use crate::runner::exec::{poll_until, Exec};
use crate::runner::CaseError;
use crate::scenario::model::{
    ExpectActivityArgs, ExpectExtArgs, ExpectNoExtArgs, ExpectNoNotificationArgs,
    ExpectNotificationArgs, ExpectUrlArgs,
};
use crate::services::journal::{Event, Record};
use crate::wire::protocol::DeviceEventKind;

impl Exec<'_> {
    /// `expect_notification`: the current message is posted (with the
    /// title, text and channel given), and the shade shows it.
    pub(in crate::runner) async fn expect_notification(
        &self,
        e: &ExpectNotificationArgs,
    ) -> Result<(), CaseError> {
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
        let wrong = mismatches(e, title, text, channel_id.as_ref());
        if !wrong.is_empty() {
            return Err(self.fail(
                format!("the notification was posted with {}", wrong.join(", ")),
                None,
            ));
        }
        self.confirm_in_shade(e, title, text, channel_id.as_ref())
            .await?;
        match &e.badge {
            Some(want) => self.expect_badge(want.as_ref(), &rec).await,
            None => Ok(()),
        }
    }

    /// On-device truth: the shade has the notification the push service
    /// reported posted.
    async fn confirm_in_shade(
        &self,
        e: &ExpectNotificationArgs,
        title: &str,
        text: &str,
        channel_id: Option<&String>,
    ) -> Result<(), CaseError> {
        let shade = self
            .dev
            .notifications()
            .await
            .map_err(|e| self.dev_err(e))?;
        let found = shade.iter().any(|n| {
            self.apps.shows(n)
                && n.title.as_ref().and_then(|t| t.plain()) == Some(title)
                && n.text.as_ref().and_then(|t| t.plain()) == Some(text)
                && (e.channel.is_none() || n.channel.as_ref() == channel_id)
        });
        if !found {
            return Err(self.fail(
                format!("the push service reported `{title}` posted, but `dumpsys notification` shows no such notification for {}", self.package),
                Some(Stage::Device),
            ));
        }
        Ok(())
    }

    /// `expect_no_notification`: the current messages do not show, and the
    /// chain says why (`reason`), which the device confirms.
    pub(in crate::runner) async fn expect_no_notification(
        &self,
        e: &ExpectNoNotificationArgs,
    ) -> Result<(), CaseError> {
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
        let chain = self.current_chain(&records);
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
        self.confirm_not_shown(reason, &chain).await
    }

    /// On-device truth for `reason` and for the messages' `chain`: the
    /// framework's own log line for a missing channel, nothing in the
    /// shade.
    async fn confirm_not_shown(
        &self,
        reason: Diagnosis,
        chain: &[&Record],
    ) -> Result<(), CaseError> {
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
                self.apps.shows(n)
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

    /// `expect_activity`: the tap opened the component, and it is the
    /// resumed activity.
    pub(in crate::runner) async fn expect_activity(
        &self,
        a: &ExpectActivityArgs,
    ) -> Result<(), CaseError> {
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
        let seen = self.wait_resumed(within, |c| *c == want).await;
        seen.ok_or_else(|| {
            self.fail(
                format!("the app reported {want} started, but `dumpsys activity activities` does not show it resumed"),
                Some(Stage::Activity),
            )
        })
    }

    /// `expect_url`: the tap opened the URL, and a browser is in front.
    pub(in crate::runner) async fn expect_url(&self, u: &ExpectUrlArgs) -> Result<(), CaseError> {
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

    /// `expect_ext`: the app received the message's ext by the named way.
    pub(in crate::runner) async fn expect_ext(&self, x: &ExpectExtArgs) -> Result<(), CaseError> {
        let within = self.within(&x.within);
        let via = x.via.name();
        let rec = self
            .hub
            .journal()
            .wait_for(self.since, within, |r| {
                // The ext, or a broken link: then the chain has ended
                // without it, and waiting longer cannot help.
                self.is_ours(r)
                    && (r.event.final_diagnosis().is_some()
                        || matches!(&r.event, Event::Device(d) if matches!(&d.kind,
                        DeviceEventKind::ExtReceived { via: v, value } if v == via && same_ext(value, &x.value))))
            })
            .await;
        let broken = match rec.as_deref().and_then(|r| r.event.final_diagnosis()) {
            None if rec.is_some() => return Ok(()),
            broken => broken,
        };
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
        let msg = if let (true, Some(code)) = (got.is_empty(), broken) {
            format!(
                "the app received no ext: the chain broke at {code} (expected {} via {via})",
                x.value
            )
        } else if got.is_empty() {
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

impl Exec<'_> {
    /// `expect_no_ext`: no ext of the current messages reaches the app. With
    /// a `reason`, the chain must break there (the device reports the loss,
    /// so the step ends as soon as it does); without one, nothing may
    /// arrive until `within` passes or the chain breaks.
    pub(in crate::runner) async fn expect_no_ext(
        &self,
        x: Option<&ExpectNoExtArgs>,
    ) -> Result<(), CaseError> {
        let x = x.cloned().unwrap_or_default();
        let within = self.within(&x.within);
        let rec = self
            .hub
            .journal()
            .wait_for(self.since, within, |r| {
                self.is_ours(r)
                    && (r.event.final_diagnosis().is_some()
                        || matches!(&r.event, Event::Device(d) if matches!(d.kind, DeviceEventKind::ExtReceived { .. })))
            })
            .await;
        if let Some(Event::Device(d)) = rec.as_deref().map(|r| &r.event) {
            if let DeviceEventKind::ExtReceived { via, value } = &d.kind {
                return Err(self.fail(
                    format!("the app received {value} via {via} (expected no ext)"),
                    Some(Stage::Ext),
                ));
            }
        }
        let Some(reason) = x.reason else {
            return Ok(());
        };
        let records = self.hub.journal().all();
        let chain = self.current_chain(&records);
        let regs = self.registrations(&records);
        match (rec, chain::first_broken_link(&chain, &regs, None)) {
            (None, _) if reason == Diagnosis::DeliveryTimeout => Ok(()),
            (Some(_), Some(f)) if f.diagnosis == reason || f.explains == Some(reason) => Ok(()),
            (Some(_), Some(f)) => Err(self.fail(
                format!("expected the ext lost for {reason}, but the first broken link is {f}"),
                None,
            )),
            _ => Err(self.fail(
                format!(
                    "expected the ext lost for {reason}, but nothing said so within {within:?}"
                ),
                None,
            )),
        }
    }
}

/// What differs between the posted notification and the expected one.
fn mismatches(
    e: &ExpectNotificationArgs,
    title: &str,
    text: &str,
    channel_id: Option<&String>,
) -> Vec<String> {
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
        if Some(c) != channel_id {
            wrong.push(format!("channel {channel_id:?} (expected `{c}`)"));
        }
    }
    wrong
}

/// Two ext values are the same: equal JSON when both are JSON, else equal
/// text.
pub fn same_ext(got: &str, want: &str) -> bool {
    match (
        serde_json::from_str::<Value>(got),
        serde_json::from_str::<Value>(want),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => got == want,
    }
}
