//! The device push service: the ROM's own vendor push service on a
//! simulated ROM, and the companion agent `com.pushlab.agent` that stands in
//! for it (one model, two roles; only its package differs).
//!
//! It holds `GET HUB/gateway/v1/stream?device=SERIAL` (reconnecting with
//! backoff), answers token requests of push SDKs (`com.pushlab.agent.REGISTER`
//! → `POST /gateway/v1/register` → `com.pushlab.agent.TOKEN`), executes each
//! [`DisplayInstruction`] under the device's rules, fires taps and clears on
//! command, and reports what happened to `POST HUB/gateway/v1/events`.
//!
//! Work is done in order on one task per running service, so the events of a
//! message reach the journal in the order they happened; a tap's `clicked`
//! is recorded before the activity it starts can report anything.

mod state;
mod worker;

use std::sync::Arc;

use parking_lot::Mutex;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use super::extras::string_extra;
use super::http::{HubClient, HubUrl};
use super::os::{DeviceOs, LogPriority};
use super::task::AbortOnDrop;
use crate::android::{ExtraValue, Intent};
use crate::companion::{ACTION_COMMAND, AGENT_PACKAGE};
use crate::wire::protocol::StreamItem;
use crate::wire::MessageId;
pub use state::PushServiceConfig;
use state::{
    token_reply, Inner, Running, State, Work, BACKOFF_CAP, BACKOFF_START, FIRST_NOTIFY_ID, TAG,
};
use worker::Worker;

/// The push service model; cheap to clone.
#[derive(Clone)]
pub struct PushService {
    inner: Arc<Inner>,
}

impl PushService {
    pub(crate) fn new(os: Arc<dyn DeviceOs>, handle: Handle) -> PushService {
        PushService {
            inner: Arc::new(Inner {
                os,
                handle,
                state: Mutex::new(State {
                    running: None,
                    shown: Vec::new(),
                    next_notify_id: FIRST_NOTIFY_ID,
                    badge_numbers: Default::default(),
                }),
            }),
        }
    }

    /// The package the service runs as, while it runs.
    pub fn package(&self) -> Option<String> {
        self.config().map(|c| c.package.clone())
    }

    /// The running service's configuration.
    pub fn config(&self) -> Option<Arc<PushServiceConfig>> {
        self.inner
            .state
            .lock()
            .running
            .as_ref()
            .map(|r| r.config.clone())
    }

    pub fn is_running(&self) -> bool {
        self.inner.state.lock().running.is_some()
    }

    /// `am start-foreground-service -n <package>/.AgentService --es hub HUB
    /// --es device SERIAL`.
    pub(crate) fn start_from_intent(&self, package: &str, intent: &Intent) {
        let hub = intent.extras.get("hub").and_then(ExtraValue::as_str);
        let device = intent.extras.get("device").and_then(ExtraValue::as_str);
        match (hub.map(HubUrl::parse), device.filter(|d| !d.is_empty())) {
            (Some(Ok(hub)), Some(device)) => {
                self.start(PushServiceConfig::new(package, hub, device))
            }
            (Some(Err(e)), _) => self.log(LogPriority::Error, &format!("not started: {e}")),
            _ => self.log(
                LogPriority::Error,
                "not started: the extras `hub` and `device` are required",
            ),
        }
    }

    /// Starts (or restarts with a new configuration) the service: its
    /// stream and its worker.
    pub fn start(&self, config: PushServiceConfig) {
        let config = Arc::new(config);
        let client = HubClient::new(self.inner.os.clone(), config.hub.clone());
        let (tx, rx) = mpsc::unbounded_channel();
        let worker = Worker {
            service: self.inner.clone(),
            config: config.clone(),
            client: client.clone(),
        };
        let work = self.inner.handle.spawn(worker.run(rx));
        let stream = self.inner.handle.spawn(hold_stream(
            self.inner.os.clone(),
            client,
            config.device.clone(),
            tx.clone(),
        ));
        self.log(
            LogPriority::Info,
            &format!(
                "started as {} for device {} with hub {}",
                config.package, config.device, config.hub
            ),
        );
        let old = self.inner.state.lock().running.replace(Running {
            config,
            tx,
            _tasks: [AbortOnDrop(work), AbortOnDrop(stream)],
        });
        drop(old);
    }

    /// Stops the service: the stream closes; posted notifications stay.
    pub fn stop(&self) {
        let old = self.inner.state.lock().running.take();
        if old.is_some() {
            self.log(LogPriority::Info, "stopped");
        }
        drop(old);
    }

    /// `PACKAGE_DATA_CLEARED` for `package` (`pm clear`): the service
    /// forgets the badge number it kept for the app, so the next Huawei
    /// `add_num` counts from zero as on a fresh install.
    pub(crate) fn package_data_cleared(&self, package: &str) {
        self.inner.state.lock().badge_numbers.remove(package);
    }

    /// A push SDK's `com.pushlab.agent.REGISTER` broadcast.
    pub(crate) fn register_requested(&self, intent: &Intent) {
        let vendor = string_extra(intent, "vendor");
        let package = string_extra(intent, "package");
        if !self.enqueue(Work::Register {
            vendor: vendor.clone(),
            package: package.clone(),
        }) {
            // Not running: the SDK hears that the service is unavailable.
            let os = self.inner.os.clone();
            let Some(package) = package else { return };
            let mut reply = token_reply(&package, vendor.as_deref().unwrap_or_default());
            reply.extras.insert("error_code", "SERVICE_NOT_AVAILABLE");
            reply
                .extras
                .insert("error_message", "the push service is not running");
            self.inner.handle.spawn(async move {
                os.send_broadcast(reply, AGENT_PACKAGE, true);
            });
        }
    }

    /// A host command broadcast (`command` = `tap` | `clear`, `message_id`).
    pub(crate) fn command_received(&self, intent: &Intent) {
        if intent
            .action
            .as_deref()
            .is_some_and(|a| a != ACTION_COMMAND)
        {
            self.log(LogPriority::Warn, "command receiver: unexpected action");
        }
        let message_id = string_extra(intent, "message_id").map(MessageId);
        let item = match (string_extra(intent, "command").as_deref(), message_id) {
            (Some("tap"), Some(message_id)) => StreamItem::Tap { message_id },
            (Some("clear"), message_id) => StreamItem::Clear { message_id },
            (command, _) => {
                self.log(
                    LogPriority::Warn,
                    &format!(
                        "ignored command {command:?}: expected tap (with message_id) or clear"
                    ),
                );
                return;
            }
        };
        if !self.enqueue(Work::Stream(item)) {
            self.log(
                LogPriority::Warn,
                "command ignored: the service is not running",
            );
        }
    }

    /// The framework removed a notification (the listener's
    /// `onNotificationRemoved`).
    pub(crate) fn notification_removed(&self, key: &str, reason: &str) {
        self.enqueue(Work::Removed {
            key: key.to_string(),
            reason: reason.to_string(),
        });
    }

    fn enqueue(&self, work: Work) -> bool {
        match &self.inner.state.lock().running {
            Some(r) => r.tx.send(work).is_ok(),
            None => false,
        }
    }

    fn log(&self, priority: LogPriority, message: &str) {
        self.inner.os.log(priority, TAG, message);
    }
}

/// Holds the gateway stream, reconnecting with backoff, and queues every
/// line for the worker. Ends when the worker is gone.
async fn hold_stream(
    os: Arc<dyn DeviceOs>,
    client: HubClient,
    device: String,
    tx: mpsc::UnboundedSender<Work>,
) {
    let path = format!(
        "/gateway/v1/stream?device={}",
        utf8_percent_encode(&device, NON_ALPHANUMERIC)
    );
    let mut backoff = BACKOFF_START;
    loop {
        match client.lines(&path).await {
            Ok(mut lines) => loop {
                match lines.next_line().await {
                    Ok(line) => match serde_json::from_slice::<StreamItem>(&line) {
                        Ok(item) => {
                            backoff = BACKOFF_START;
                            if tx.send(Work::Stream(item)).is_err() {
                                return;
                            }
                        }
                        Err(e) => os.log(
                            LogPriority::Warn,
                            TAG,
                            &format!("unreadable stream line: {e}"),
                        ),
                    },
                    Err(e) => {
                        os.log(LogPriority::Warn, TAG, &format!("stream closed: {e}"));
                        break;
                    }
                }
            },
            Err(e) => os.log(LogPriority::Warn, TAG, &format!("cannot open stream: {e}")),
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_CAP);
    }
}
