//! The journal: the ordered, timestamped fate of every message.
//!
//! The IM server, the vendor clients and endpoints, the gateway and the
//! device side append [`Record`]s; the runner waits on them and a failing
//! case prints them as the message's chain.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::diagnosis::Diagnosis;
use crate::services::clock::{Clock, Timestamp};
use crate::wire::VendorId;
pub use crate::wire::{Link, MessageId};

/// What happened. Serialized as `{"kind": "...", "detail": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Event {
    // ---- IM server ----
    /// `sendmsg` accepted a message.
    MessageSent {
        from: String,
        to: String,
        /// Element types, e.g. `["TIMTextElem"]`.
        elements: Vec<String>,
        msg_key: String,
    },
    /// An identical message within 120 s; not delivered again.
    Deduplicated { original: MessageId },
    /// The recipient was online: delivered over the IM connection.
    DeliveredOnline { device: String },
    /// The IM server decided not to push, and why.
    NotPushed { code: Diagnosis, detail: String },
    /// The IM server decided to push through a vendor.
    PushDecided {
        vendor: VendorId,
        certificate_id: u64,
        token: String,
        title: String,
        desc: String,
    },
    // ---- vendor client (IM side) ----
    /// The request the IM server's vendor client sent.
    VendorRequest {
        vendor: VendorId,
        method: String,
        url: String,
    },
    /// The vendor accepted the push.
    PushAccepted {
        vendor: VendorId,
        vendor_message_id: String,
    },
    /// The vendor refused the push (or could not be reached).
    PushRejected {
        vendor: VendorId,
        code: Diagnosis,
        /// The vendor's own code, as it wrote it (`"80300007"`, `10027`...).
        vendor_code: String,
        message: String,
    },
    // ---- vendor endpoint (simulator side) ----
    /// The simulated endpoint accepted a send for a device token.
    EndpointAccepted {
        vendor: VendorId,
        vendor_message_id: String,
        token: String,
    },
    /// The simulated endpoint refused a request.
    EndpointRejected {
        vendor: VendorId,
        vendor_code: String,
        message: String,
        code: Diagnosis,
    },
    // ---- gateway ----
    /// A device's push service registered an app and got a token.
    Registered {
        device: String,
        vendor: VendorId,
        package: String,
        token: String,
    },
    /// The vendor's device SDK refused to register (vivo state 101, HMS
    /// Core too old, no Play services...): this device can never get a push
    /// from that vendor.
    RegistrationRefused {
        device: String,
        vendor: VendorId,
        package: String,
        /// The vendor SDK's code.
        vendor_code: String,
        message: String,
        code: Diagnosis,
    },
    /// A display instruction waits for its device to connect.
    InstructionQueued { device: String },
    /// A display instruction was written to its device's stream.
    InstructionDelivered { device: String },
    /// A push could not reach a device at all.
    InstructionDropped { code: Diagnosis, detail: String },
    // ---- device and app, as reported through the gateway ----
    /// The device side reported something about this message; recorded
    /// under the device event's own kind (`posted`, `clicked`...).
    #[serde(untagged)]
    Device(crate::wire::protocol::DeviceRecord),
}

impl Event {
    pub fn link(&self) -> Link {
        use Event::*;
        match self {
            MessageSent { .. }
            | Deduplicated { .. }
            | DeliveredOnline { .. }
            | NotPushed { .. }
            | PushDecided { .. } => Link::Im,
            VendorRequest { .. }
            | PushAccepted { .. }
            | PushRejected { .. }
            | EndpointAccepted { .. }
            | EndpointRejected { .. } => Link::Vendor,
            Registered { .. }
            | RegistrationRefused { .. }
            | InstructionQueued { .. }
            | InstructionDelivered { .. }
            | InstructionDropped { .. } => Link::Gateway,
            Device(e) => e.link(),
        }
    }

    /// The diagnosis this event carries, when it is a failure.
    /// The diagnosis of a record after which the message's chain goes no
    /// further: every diagnosis but a single endpoint refusal, which the
    /// vendor client may still retry (an expired auth token, say).
    pub fn final_diagnosis(&self) -> Option<Diagnosis> {
        match self {
            Event::EndpointRejected { .. } => None,
            other => other.diagnosis(),
        }
    }

    pub fn diagnosis(&self) -> Option<Diagnosis> {
        match self {
            Event::NotPushed { code, .. }
            | Event::PushRejected { code, .. }
            | Event::EndpointRejected { code, .. }
            | Event::InstructionDropped { code, .. }
            | Event::RegistrationRefused { code, .. } => Some(*code),
            Event::DeliveredOnline { .. } => Some(Diagnosis::ImOnline),
            Event::Device(e) => e.diagnosis(),
            _ => None,
        }
    }
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the journal, from 1, strictly increasing.
    pub seq: u64,
    /// When, on the hub's clock.
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// The user the message is for, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    pub link: Link,
    #[serde(flatten)]
    pub event: Event,
}

/// Filters for [`Journal::query`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Query {
    pub message_id: Option<MessageId>,
    pub recipient: Option<String>,
    /// Only records with `seq` greater than this.
    pub since: Option<u64>,
}

impl Query {
    fn matches(&self, r: &Record) -> bool {
        self.message_id
            .as_ref()
            .is_none_or(|m| r.message_id.as_ref() == Some(m))
            && self
                .recipient
                .as_ref()
                .is_none_or(|u| r.recipient.as_ref() == Some(u))
            && self.since.is_none_or(|s| r.seq > s)
    }
}

struct Inner {
    records: RwLock<Vec<Arc<Record>>>,
    /// The recipient of each message, so that later records of its chain
    /// (vendor, gateway, device) can be found by recipient too.
    recipients: RwLock<HashMap<MessageId, String>>,
    last: watch::Sender<u64>,
}

/// The append-only journal; cheap to clone.
#[derive(Clone)]
pub struct Journal {
    clock: Clock,
    inner: Arc<Inner>,
}

impl Journal {
    pub fn new(clock: Clock) -> Journal {
        let (last, _) = watch::channel(0);
        Journal {
            clock,
            inner: Arc::new(Inner {
                records: RwLock::new(Vec::new()),
                recipients: RwLock::new(HashMap::new()),
                last,
            }),
        }
    }

    /// Appends an event and returns its record.
    pub fn append(
        &self,
        message_id: Option<&MessageId>,
        recipient: Option<&str>,
        event: Event,
    ) -> Arc<Record> {
        let recipient = match (message_id, recipient) {
            (Some(id), Some(r)) => {
                self.inner
                    .recipients
                    .write()
                    .entry(id.clone())
                    .or_insert_with(|| r.to_string());
                Some(r.to_string())
            }
            (Some(id), None) => self.inner.recipients.read().get(id).cloned(),
            (None, r) => r.map(str::to_string),
        };
        let record = {
            let mut records = self.inner.records.write();
            let r = Arc::new(Record {
                seq: records.len() as u64 + 1,
                at: self.clock.now(),
                message_id: message_id.cloned(),
                recipient,
                link: event.link(),
                event,
            });
            records.push(r.clone());
            r
        };
        tracing::debug!(seq = record.seq, message = ?record.message_id, event = ?record.event, "journal");
        self.inner.last.send_replace(record.seq);
        record
    }

    /// The sequence number of the newest record (0 when empty).
    pub fn last_seq(&self) -> u64 {
        *self.inner.last.borrow()
    }

    pub fn query(&self, q: &Query) -> Vec<Arc<Record>> {
        let records = self.inner.records.read();
        let start = q.since.unwrap_or(0).min(records.len() as u64) as usize;
        records[start..]
            .iter()
            .filter(|r| q.matches(r))
            .cloned()
            .collect()
    }

    /// Every record about one message, in order.
    pub fn chain(&self, id: &MessageId) -> Vec<Arc<Record>> {
        self.query(&Query {
            message_id: Some(id.clone()),
            ..Query::default()
        })
    }

    /// The message id the recipient is owed for the newest message sent to
    /// it, if any.
    pub fn all(&self) -> Vec<Arc<Record>> {
        self.inner.records.read().clone()
    }

    /// Drops every record (the hub's reset).
    pub fn clear(&self) {
        self.inner.records.write().clear();
        self.inner.recipients.write().clear();
        self.inner.last.send_replace(0);
    }

    /// Waits for the first record after `since` that satisfies `pred`, for at
    /// most `timeout` of wall time. Never misses a record appended while it
    /// waits.
    pub async fn wait_for(
        &self,
        since: u64,
        timeout: Duration,
        mut pred: impl FnMut(&Record) -> bool,
    ) -> Option<Arc<Record>> {
        let mut rx = self.inner.last.subscribe();
        let mut cursor = since;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let records = self.inner.records.read();
                let start = (cursor as usize).min(records.len());
                for r in &records[start..] {
                    if pred(r) {
                        return Some(r.clone());
                    }
                }
                cursor = records.len() as u64;
            }
            rx.borrow_and_update();
            if *rx.borrow() != cursor {
                continue;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal() -> Journal {
        Journal::new(Clock::virtual_at(Timestamp(0)))
    }

    #[test]
    fn records_are_ordered_and_queryable() {
        let j = journal();
        let m1 = MessageId::from("m1");
        let m2 = MessageId::from("m2");
        j.append(
            Some(&m1),
            Some("bob"),
            Event::Deduplicated {
                original: m2.clone(),
            },
        );
        j.append(
            Some(&m2),
            Some("carol"),
            Event::InstructionQueued { device: "d".into() },
        );
        assert_eq!(j.chain(&m1).len(), 1);
        assert_eq!(
            j.query(&Query {
                recipient: Some("carol".into()),
                ..Default::default()
            })[0]
                .seq,
            2
        );
        let v = serde_json::to_value(&*j.chain(&m2)[0]).unwrap();
        assert_eq!(v["kind"], "instruction_queued");
        assert_eq!(v["link"], "gateway");
        assert_eq!(v["detail"]["device"], "d");
    }

    #[tokio::test]
    async fn wait_for_sees_later_records() {
        let j = journal();
        let j2 = j.clone();
        let waiter = tokio::spawn(async move {
            j2.wait_for(0, Duration::from_secs(10), |r| r.seq == 2)
                .await
                .map(|r| r.seq)
        });
        for _ in 0..2 {
            j.append(None, None, Event::InstructionQueued { device: "d".into() });
        }
        assert_eq!(waiter.await.unwrap(), Some(2));
        assert!(j
            .wait_for(2, Duration::from_millis(1), |_| true)
            .await
            .is_none());
    }
}

#[cfg(test)]
mod serde_tests {
    use super::*;
    use crate::wire::protocol::{DeviceEventKind, DeviceRecord, Reporter};

    #[test]
    fn device_events_are_recorded_under_their_own_kind() {
        let j = Journal::new(Clock::virtual_at(Timestamp(0)));
        let id = MessageId::from("m");
        let r = j.append(
            Some(&id),
            None,
            Event::Device(DeviceRecord {
                device: "d".into(),
                reporter: Reporter::App,
                kind: DeviceEventKind::ExtReceived {
                    via: "intent_extra".into(),
                    value: "{}".into(),
                },
            }),
        );
        let v = serde_json::to_value(&*r).unwrap();
        assert_eq!(v["kind"], "ext_received");
        assert_eq!(v["link"], "app");
        assert_eq!(v["message_id"], "m");
        let back: Record = serde_json::from_value(v).unwrap();
        assert_eq!(back, *r);
        let hub_event = j.append(
            Some(&id),
            None,
            Event::Deduplicated {
                original: id.clone(),
            },
        );
        let back: Record =
            serde_json::from_value(serde_json::to_value(&*hub_event).unwrap()).unwrap();
        assert_eq!(back, *hub_event);
    }
}
