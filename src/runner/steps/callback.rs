//! What ran in the app for a message (`expect_callback`: a vendor SDK
//! callback or the opened activity), and the launcher badge a notification
//! set (`expect_notification`'s `badge`).

use crate::runner::chain::Stage;
use crate::runner::exec::Exec;
use crate::runner::CaseError;
use crate::scenario::model::{BadgeExpect, CallbackName, ExpectCallbackArgs};
use crate::services::journal::{Event, Record};
use crate::wire::protocol::DeviceEventKind;

/// Whether the record says `name` ran in the app.
fn ran(record: &Record, name: CallbackName) -> bool {
    let Event::Device(d) = &record.event else {
        return false;
    };
    match (&d.kind, name) {
        (DeviceEventKind::ActivityStarted { .. }, CallbackName::Activity) => true,
        (DeviceEventKind::CallbackReceived { callback, .. }, CallbackName::Sdk(c)) => {
            *callback == Some(c)
        }
        _ => false,
    }
}

/// What the app reported running for the message, for a failure message.
fn what_ran(record: &Record) -> Option<String> {
    let Event::Device(d) = &record.event else {
        return None;
    };
    match &d.kind {
        DeviceEventKind::ActivityStarted { component } => Some(format!("activity {component}")),
        DeviceEventKind::CallbackReceived {
            action,
            callback: Some(c),
        } => Some(format!("{c} (broadcast {action})")),
        DeviceEventKind::CallbackReceived {
            action,
            callback: None,
        } => Some(format!("no SDK callback for broadcast {action}")),
        _ => None,
    }
}

impl Exec<'_> {
    /// `expect_callback`: the app reports that `name` ran for the current
    /// messages. Ends early, failing, when the chain breaks first.
    pub(in crate::runner) async fn expect_callback(
        &self,
        x: &ExpectCallbackArgs,
    ) -> Result<(), CaseError> {
        let within = self.within(&x.within);
        let rec = self
            .hub
            .journal()
            .wait_for(self.since, within, |r| {
                self.is_ours(r) && (ran(r, x.name) || r.event.final_diagnosis().is_some())
            })
            .await;
        let broken = match rec.as_deref() {
            Some(r) if ran(r, x.name) => return Ok(()),
            Some(r) => r.event.final_diagnosis(),
            None => None,
        };
        let seen: Vec<String> = self
            .hub
            .journal()
            .all()
            .iter()
            .filter(|r| self.is_ours(r))
            .filter_map(|r| what_ran(r))
            .collect();
        let seen = if seen.is_empty() {
            "nothing ran in the app".to_string()
        } else {
            format!("the app reported {}", seen.join("; "))
        };
        let msg = match broken {
            Some(code) => format!(
                "expected {} to run, but the chain broke with {code} ({seen})",
                x.name
            ),
            None => format!("expected {} to run within {within:?}: {seen}", x.name),
        };
        let stage = match x.name {
            CallbackName::Activity => Stage::Activity,
            CallbackName::Sdk(_) => Stage::Ext,
        };
        Err(self.fail(msg, Some(stage)))
    }

    /// The launcher badge the message of the `posted` record set: `want`
    /// `None` means none may be set. The push service reports the badge
    /// before the post, so it is in the journal when the post is.
    pub(in crate::runner) async fn expect_badge(
        &self,
        want: Option<&BadgeExpect>,
        posted: &Record,
    ) -> Result<(), CaseError> {
        let rec = self.hub.journal().all().into_iter().rev().find(|r| {
            r.seq < posted.seq
                && r.message_id == posted.message_id
                && matches!(&r.event, Event::Device(d) if matches!(d.kind, DeviceEventKind::BadgeSet { .. }))
        });
        let got = rec.as_deref().and_then(|r| match &r.event {
            Event::Device(d) => match &d.kind {
                DeviceEventKind::BadgeSet { class, number } => Some((class.clone(), *number)),
                _ => None,
            },
            _ => None,
        });
        match (want, got) {
            (None, None) => Ok(()),
            (Some(w), Some((class, number))) if w.class == class && w.number == number => Ok(()),
            (Some(w), Some((class, number))) => Err(self.fail(
                format!(
                    "the launcher badge is {number} on {class} (expected {} on {})",
                    w.number, w.class
                ),
                None,
            )),
            (Some(w), None) => Err(self.fail(
                format!(
                    "no launcher badge was set with the notification (expected {} on {})",
                    w.number, w.class
                ),
                Some(Stage::Device),
            )),
            (None, Some((class, number))) => Err(self.fail(
                format!("the launcher badge was set to {number} on {class} (expected none)"),
                None,
            )),
        }
    }
}
