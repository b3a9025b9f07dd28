//! The device gateway: device push services (the companion agent on a phone,
//! the ROM model in the simulator) register here, hold a stream of
//! [`protocol::StreamItem`]s and report events.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::mpsc;

use super::journal::{Event, Journal, MessageId};
use super::lines::OnDrop;
use crate::diagnosis::Diagnosis;
use crate::wire::protocol::{self, DeviceInfo, DisplayInstruction, StreamItem};
use crate::wire::VendorId;

pub use protocol::{DeviceEvent, DeviceEventKind};

/// One app registered for one vendor on one device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Registration {
    pub device: String,
    pub vendor: VendorId,
    pub package: String,
    pub token: String,
    pub device_info: DeviceInfo,
}

#[derive(Default)]
struct DeviceSlot {
    /// The open stream, if any, and its generation (a newer stream replaces
    /// an older one; only the current one may mark the device disconnected).
    stream: Option<(u64, mpsc::UnboundedSender<StreamItem>)>,
    /// Items waiting for the device to connect.
    queue: VecDeque<StreamItem>,
}

#[derive(Default)]
struct State {
    /// Registrations in the order they were made.
    registrations: Vec<Registration>,
    /// (vendor, token) -> index into `registrations`.
    by_token: HashMap<(VendorId, String), usize>,
    devices: HashMap<String, DeviceSlot>,
    generation: u64,
}

/// The gateway; cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    journal: Journal,
    state: Arc<Mutex<State>>,
    /// Bumped whenever a device's stream opens or closes.
    connections: Arc<tokio::sync::watch::Sender<u64>>,
}

/// A device summary for retrospection.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceStatus {
    pub device: String,
    pub connected: bool,
    pub queued: usize,
}

impl Gateway {
    pub fn new(journal: Journal) -> Gateway {
        Gateway {
            journal,
            state: Arc::default(),
            connections: Arc::new(tokio::sync::watch::channel(0).0),
        }
    }

    /// The journal the gateway records into.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The existing registration of (device, vendor, package), if any: the
    /// vendor SDK hands out the same token until the app is reinstalled.
    pub fn registration_of(
        &self,
        device: &str,
        vendor: VendorId,
        package: &str,
    ) -> Option<Registration> {
        self.state
            .lock()
            .registrations
            .iter()
            .find(|r| r.device == device && r.vendor == vendor && r.package == package)
            .cloned()
    }

    /// Records a registration (replacing one for the same device, vendor and
    /// package).
    pub fn add_registration(&self, reg: Registration) {
        let mut s = self.state.lock();
        s.registrations.retain(|r| {
            !(r.device == reg.device && r.vendor == reg.vendor && r.package == reg.package)
        });
        s.registrations.push(reg);
        s.by_token = s
            .registrations
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.vendor, r.token.clone()), i))
            .collect();
    }

    /// Who a vendor token belongs to.
    pub fn lookup(&self, vendor: VendorId, token: &str) -> Option<Registration> {
        let s = self.state.lock();
        s.by_token
            .get(&(vendor, token.to_string()))
            .and_then(|i| s.registrations.get(*i))
            .cloned()
    }

    pub fn registrations(&self) -> Vec<Registration> {
        self.state.lock().registrations.clone()
    }

    pub fn devices(&self) -> Vec<DeviceStatus> {
        let s = self.state.lock();
        let mut v: Vec<_> = s
            .devices
            .iter()
            .map(|(d, slot)| DeviceStatus {
                device: d.clone(),
                connected: slot.stream.is_some(),
                queued: slot.queue.len(),
            })
            .collect();
        v.sort_by(|a, b| a.device.cmp(&b.device));
        v
    }

    /// Hands an accepted push to the device its token belongs to: written to
    /// the device's stream, or queued until it connects.
    pub fn deliver(&self, instruction: DisplayInstruction) {
        let message_id = instruction.message_id.clone();
        let Some(reg) = self.lookup(instruction.vendor, &instruction.token) else {
            self.journal.append(
                Some(&message_id),
                None,
                Event::InstructionDropped {
                    code: Diagnosis::VendorTokenInvalid,
                    detail: format!(
                        "no device holds {} token {}",
                        instruction.vendor, instruction.token
                    ),
                },
            );
            return;
        };
        self.send_to(
            &reg.device,
            Some(&message_id),
            StreamItem::Display {
                instruction: Box::new(instruction),
            },
        );
    }

    /// Sends a command (`tap`, `clear`) to a device's push service.
    pub fn command(&self, device: &str, item: StreamItem) {
        let id = match &item {
            StreamItem::Tap { message_id } => Some(message_id.clone()),
            StreamItem::Clear { message_id } => message_id.clone(),
            _ => None,
        };
        self.send_to(device, id.as_ref(), item);
    }

    fn send_to(&self, device: &str, message_id: Option<&MessageId>, item: StreamItem) {
        let is_display = matches!(item, StreamItem::Display { .. });
        let delivered = {
            let mut s = self.state.lock();
            let slot = s.devices.entry(device.to_string()).or_default();
            let sent = match &slot.stream {
                Some((_, tx)) => tx.send(item.clone()).is_ok(),
                None => false,
            };
            if !sent {
                slot.stream = None;
                slot.queue.push_back(item);
            }
            sent
        };
        if is_display {
            let event = if delivered {
                Event::InstructionDelivered {
                    device: device.to_string(),
                }
            } else {
                Event::InstructionQueued {
                    device: device.to_string(),
                }
            };
            self.journal.append(message_id, None, event);
        }
    }

    /// Opens the device's stream: queued items first, then live ones. A new
    /// stream replaces an older one. The device counts as disconnected when
    /// the returned guard is dropped.
    pub fn open_stream(&self, device: &str) -> (mpsc::UnboundedReceiver<StreamItem>, OnDrop) {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(StreamItem::Hello {
            device: device.to_string(),
        });
        let (generation, queued) = {
            let mut s = self.state.lock();
            s.generation += 1;
            let generation = s.generation;
            let slot = s.devices.entry(device.to_string()).or_default();
            let queued: Vec<_> = slot.queue.drain(..).collect();
            for item in &queued {
                let _ = tx.send(item.clone());
            }
            slot.stream = Some((generation, tx));
            (generation, queued)
        };
        for item in queued {
            if let StreamItem::Display { instruction } = item {
                self.journal.append(
                    Some(&instruction.message_id),
                    None,
                    Event::InstructionDelivered {
                        device: device.to_string(),
                    },
                );
            }
        }
        self.connections.send_modify(|n| *n += 1);
        let state = self.state.clone();
        let connections = self.connections.clone();
        let device = device.to_string();
        let guard = OnDrop::new(move || {
            let mut s = state.lock();
            if let Some(slot) = s.devices.get_mut(&device) {
                if matches!(slot.stream, Some((g, _)) if g == generation) {
                    slot.stream = None;
                }
            }
            drop(s);
            connections.send_modify(|n| *n += 1);
        });
        (rx, guard)
    }

    /// Whether a device currently holds an open stream.
    pub fn is_connected(&self, device: &str) -> bool {
        self.state
            .lock()
            .devices
            .get(device)
            .is_some_and(|d| d.stream.is_some())
    }

    /// Waits until the device's stream is open (`connected`) or closed,
    /// for at most `timeout` of wall time; false when the time ran out.
    pub async fn wait_connected(
        &self,
        device: &str,
        connected: bool,
        timeout: std::time::Duration,
    ) -> bool {
        let mut rx = self.connections.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            rx.borrow_and_update();
            if self.is_connected(device) == connected {
                return true;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return false;
            }
        }
    }

    /// Appends a device's event to the journal.
    pub fn post_event(&self, event: DeviceEvent) {
        let id = event.message_id.clone();
        self.journal
            .append(id.as_ref(), None, Event::Device(event.into()));
    }

    pub fn reset(&self) {
        *self.state.lock() = State::default();
    }
}
