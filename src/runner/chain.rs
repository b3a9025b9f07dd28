//! A message's chain and its first broken link.
//!
//! The chain is read from journal records in the order the message travels:
//! IM → vendor → gateway → device → tap → activity → ext. The first record
//! that carries a diagnosis names the broken link; an `im.no_token` is
//! explained further by a registration refusal on the recipient's device
//! (vivo state 101, HMS Core too old, no Play services, mainland China),
//! since that refusal is why no token was ever reported.

use std::fmt;

use serde::Serialize;

use crate::diagnosis::Diagnosis;
use crate::services::journal::{Event, Record};
use crate::wire::protocol::DeviceEventKind;

/// The stages of a message's life, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Im,
    Vendor,
    Gateway,
    Device,
    Tap,
    Activity,
    Ext,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Im,
        Stage::Vendor,
        Stage::Gateway,
        Stage::Device,
        Stage::Tap,
        Stage::Activity,
        Stage::Ext,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Im => "IM",
            Stage::Vendor => "vendor",
            Stage::Gateway => "gateway",
            Stage::Device => "device",
            Stage::Tap => "tap",
            Stage::Activity => "activity",
            Stage::Ext => "ext",
        }
    }
}

/// The stage a record belongs to, and whether it completes that stage.
fn stage_of(event: &Event) -> (Stage, bool) {
    match event {
        Event::MessageSent { .. } => (Stage::Im, false),
        Event::PushDecided { .. } => (Stage::Im, true),
        Event::Deduplicated { .. } | Event::DeliveredOnline { .. } | Event::NotPushed { .. } => {
            (Stage::Im, false)
        }
        Event::VendorRequest { .. } | Event::EndpointAccepted { .. } => (Stage::Vendor, false),
        Event::PushAccepted { .. } => (Stage::Vendor, true),
        Event::PushRejected { .. } | Event::EndpointRejected { .. } => (Stage::Vendor, false),
        Event::InstructionQueued { .. } | Event::InstructionDropped { .. } => {
            (Stage::Gateway, false)
        }
        Event::InstructionDelivered { .. } => (Stage::Gateway, true),
        Event::Registered { .. } | Event::RegistrationRefused { .. } => (Stage::Gateway, false),
        Event::Device(d) => match &d.kind {
            DeviceEventKind::Received | DeviceEventKind::Dropped { .. } => (Stage::Device, false),
            DeviceEventKind::Posted { .. } => (Stage::Device, true),
            DeviceEventKind::BadgeSet { .. } => (Stage::Device, false),
            DeviceEventKind::Removed { .. } => (Stage::Device, false),
            DeviceEventKind::Clicked => (Stage::Tap, true),
            DeviceEventKind::ClickFailed { .. } => (Stage::Activity, false),
            DeviceEventKind::ActivityStarted { .. } | DeviceEventKind::UrlOpened { .. } => {
                (Stage::Activity, true)
            }
            DeviceEventKind::CallbackReceived { .. } => (Stage::Ext, false),
            DeviceEventKind::ExtReceived { .. } => (Stage::Ext, true),
            DeviceEventKind::ExtDropped { .. } => (Stage::Ext, false),
        },
    }
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub diagnosis: Diagnosis,
    pub stage: Stage,
    /// The journal record that showed it (`None` for a timeout).
    pub seq: Option<u64>,
    /// When a registration refusal explains an IM-side code, that code.
    pub explains: Option<Diagnosis>,
}

impl Finding {
    pub fn advice(&self) -> &'static str {
        self.diagnosis.advice()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.diagnosis, self.stage.name())?;
        if let Some(e) = self.explains {
            write!(f, " (why the IM server reported {e})")?;
        }
        Ok(())
    }
}

/// The first broken link among `chain` (the message's records, in journal
/// order). `registrations` are the recipient device's registration records
/// (`registered` / `registration_refused`), used to explain `im.no_token`.
/// `reached` is the last stage the case needed: when the chain stops short
/// of it without a failure record, the finding is `delivery.timeout` at the
/// first missing stage.
pub fn first_broken_link(
    chain: &[&Record],
    registrations: &[&Record],
    reached: Option<Stage>,
) -> Option<Finding> {
    if let Some(r) = chain.iter().find(|r| r.event.diagnosis().is_some()) {
        let diagnosis = r.event.diagnosis()?;
        let stage = stage_of(&r.event).0;
        if diagnosis == Diagnosis::ImNoToken {
            // The newest refusal explains the missing token.
            if let Some(refusal) = registrations.iter().rev().find_map(|x| match &x.event {
                Event::RegistrationRefused { code, .. } => Some((*code, x.seq)),
                _ => None,
            }) {
                return Some(Finding {
                    diagnosis: refusal.0,
                    stage: Stage::Gateway,
                    seq: Some(refusal.1),
                    explains: Some(Diagnosis::ImNoToken),
                });
            }
        }
        return Some(Finding {
            diagnosis,
            stage,
            seq: Some(r.seq),
            explains: None,
        });
    }
    let target = reached?;
    let done: Vec<Stage> = chain
        .iter()
        .filter_map(|r| {
            let (s, complete) = stage_of(&r.event);
            complete.then_some(s)
        })
        .collect();
    let missing = Stage::ALL
        .into_iter()
        .take_while(|s| *s <= target)
        // Stages a message may skip: the IM server's own push decision is
        // only recorded for offline pushes, ext only when asked.
        .find(|s| !done.contains(s))?;
    Some(Finding {
        diagnosis: Diagnosis::DeliveryTimeout,
        stage: missing,
        seq: None,
        explains: None,
    })
}

/// One line per record: `#seq time link kind detail`.
pub fn render(records: &[&Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            let v = serde_json::to_value(&r.event).unwrap_or_default();
            let kind = v
                .get("kind")
                .and_then(|k| k.as_str())
                .unwrap_or("?")
                .to_string();
            let detail = v.get("detail").map(|d| d.to_string()).unwrap_or_default();
            let stage = stage_of(&r.event).0;
            format!("#{:<4} {:<8} {kind} {detail}", r.seq, stage.name())
                .trim_end()
                .to_string()
        })
        .collect()
}

/// The stage summary: `IM ✓ → vendor ✓ → gateway ✗ (code)`, up to the first
/// failure or the last stage reached.
pub fn summary(chain: &[&Record], finding: Option<&Finding>) -> String {
    let done: Vec<Stage> = chain
        .iter()
        .filter_map(|r| {
            let (s, complete) = stage_of(&r.event);
            complete.then_some(s)
        })
        .collect();
    let mut parts = Vec::new();
    for s in Stage::ALL {
        if let Some(f) = finding.filter(|f| f.stage == s) {
            parts.push(format!("{} ✗ ({})", s.name(), f.diagnosis));
            break;
        }
        if done.contains(&s) {
            parts.push(format!("{} ✓", s.name()));
        } else {
            parts.push(format!("{} …", s.name()));
            break;
        }
    }
    parts.join(" → ")
}
