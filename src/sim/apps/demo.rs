//! The IM demo app `com.pushlab.demo`, as the runner drives it
//! (`docs/device-side.md`): it logs in to the IM server and holds its online
//! connection while its process lives, gets a token from the push service
//! and reports it, creates its notification channel, and reports every way a
//! message's `ext` reaches it.
//!
//! What survives process death is what the Java app keeps in its
//! preferences (hub, device, session, channel settings); the online
//! connection and the work queue die with the process.

use std::sync::Arc;

use hyper::Method;
use parking_lot::Mutex;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::json;
use tokio::runtime::Handle;
use tokio::sync::mpsc;

pub use super::ext::{activity_ext, callback_ext, ExtVia};
use super::extras::string_extra;
use super::http::{HubClient, HubUrl};
use super::os::{ChannelSpec, DeviceOs, LogPriority};
use super::task::AbortOnDrop;
use crate::android::{ComponentName, ExtraValue, Importance, Intent};
use crate::companion::{
    ACTION_REGISTER, ACTION_TOKEN, AGENT_PACKAGE, AGENT_REGISTER_RECEIVER, DEMO_CHANNEL_ID,
    DEMO_CHANNEL_NAME, DEMO_PACKAGE, DEMO_SPLASH_ACTIVITY, EXTRA_MESSAGE_ID,
};
use crate::wire::protocol::{DeviceEvent, DeviceEventKind, Reporter};
use crate::wire::ConnectionItem;
use crate::wire::MessageId;
use crate::wire::VendorId;

pub(crate) const TAG: &str = "PushLabDemo";

/// The SDK callback the vendor SDK's receiver in the app calls for this
/// broadcast (`SdkCallback::dispatched` reads the action and extras).
pub fn dispatched_callback(intent: &Intent) -> Option<crate::wire::sdk::SdkCallback> {
    let action = intent.action.as_deref()?;
    crate::wire::sdk::SdkCallback::dispatched(
        action,
        |k| intent.extras.get(k).and_then(ExtraValue::as_str),
        |prefix| intent.extras.iter().any(|(k, _)| k.starts_with(prefix)),
    )
}

/// What the app keeps across process death (its SharedPreferences).
#[derive(Debug, Clone)]
struct Prefs {
    hub: Option<HubUrl>,
    device: Option<String>,
    user: Option<String>,
    session: Option<String>,
    channel_id: String,
    create_channel: bool,
    /// The certificate id to report with the token of this vendor. That
    /// vendor is the app's push channel: a tap's extras are read by its
    /// rules (`super::ext`).
    pending_certificate: Option<(VendorId, u64)>,
}

impl Default for Prefs {
    fn default() -> Prefs {
        Prefs {
            hub: None,
            device: None,
            user: None,
            session: None,
            channel_id: DEMO_CHANNEL_ID.to_string(),
            create_channel: true,
            pending_certificate: None,
        }
    }
}

enum Work {
    Activity {
        component: ComponentName,
        intent: Intent,
    },
    Broadcast(Intent),
}

/// The app's process: its work queue and its online connection.
struct Process {
    tx: mpsc::UnboundedSender<Work>,
    _worker: AbortOnDrop,
}

struct State {
    prefs: Prefs,
    process: Option<Process>,
    /// The online connection of the current process.
    connection: Option<AbortOnDrop>,
}

struct Inner {
    os: Arc<dyn DeviceOs>,
    handle: Handle,
    state: Mutex<State>,
}

/// The demo app model; cheap to clone.
#[derive(Clone)]
pub struct DemoApp {
    inner: Arc<Inner>,
}

impl DemoApp {
    pub(crate) fn new(os: Arc<dyn DeviceOs>, handle: Handle) -> DemoApp {
        DemoApp {
            inner: Arc::new(Inner {
                os,
                handle,
                state: Mutex::new(State {
                    prefs: Prefs::default(),
                    process: None,
                    connection: None,
                }),
            }),
        }
    }

    /// Whether the app's process is alive (in the model's view).
    pub fn is_running(&self) -> bool {
        self.inner.state.lock().process.is_some()
    }

    pub(crate) fn activity_started(&self, component: &ComponentName, intent: &Intent) {
        self.submit(Work::Activity {
            component: component.clone(),
            intent: intent.clone(),
        });
    }

    pub(crate) fn broadcast_received(&self, intent: &Intent) {
        self.submit(Work::Broadcast(intent.clone()));
    }

    /// The process died: its connection closes, its queue is gone.
    pub(crate) fn process_died(&self) {
        let (process, connection) = {
            let mut s = self.inner.state.lock();
            (s.process.take(), s.connection.take())
        };
        drop(connection);
        drop(process);
    }

    /// The app's data was wiped: back to first-install preferences.
    pub(crate) fn data_cleared(&self) {
        self.inner.state.lock().prefs = Prefs::default();
    }

    /// Queues work on the app's process, starting it if needed.
    fn submit(&self, work: Work) {
        let mut s = self.inner.state.lock();
        let work = match &s.process {
            Some(p) => match p.tx.send(work) {
                Ok(()) => return,
                // The worker is gone: start the process afresh.
                Err(mpsc::error::SendError(work)) => work,
            },
            None => work,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(work);
        let worker = self
            .inner
            .handle
            .spawn(Worker { app: self.clone() }.run(rx));
        s.process = Some(Process {
            tx,
            _worker: AbortOnDrop(worker),
        });
    }

    fn prefs(&self) -> Prefs {
        self.inner.state.lock().prefs.clone()
    }

    fn update(&self, f: impl FnOnce(&mut Prefs)) {
        f(&mut self.inner.state.lock().prefs)
    }

    fn log(&self, priority: LogPriority, message: &str) {
        self.inner.os.log(priority, TAG, message);
    }

    fn client(&self) -> Option<HubClient> {
        self.prefs()
            .hub
            .map(|hub| HubClient::new(self.inner.os.clone(), hub))
    }
}

struct Worker {
    app: DemoApp,
}

impl Worker {
    fn os(&self) -> &dyn DeviceOs {
        self.app.inner.os.as_ref()
    }

    async fn run(self, mut rx: mpsc::UnboundedReceiver<Work>) {
        while let Some(work) = rx.recv().await {
            match work {
                Work::Activity { component, intent } => self.activity(&component, &intent).await,
                Work::Broadcast(intent) => self.broadcast(&intent).await,
            }
        }
    }

    async fn activity(&self, component: &ComponentName, intent: &Intent) {
        let command = intent
            .extras
            .get("pushlab.command")
            .and_then(ExtraValue::as_str)
            .map(str::to_string);
        match command {
            Some(command) if component.class == DEMO_SPLASH_ACTIVITY => {
                self.command(&command, intent).await
            }
            _ => self.opened(component, intent).await,
        }
        self.ensure_channel();
        self.ensure_connection();
    }

    /// Creates the app's channel at launch unless configured not to.
    fn ensure_channel(&self) {
        let prefs = self.app.prefs();
        if !prefs.create_channel || self.os().api_level() < 26 {
            return;
        }
        if !self.os().channel_exists(DEMO_PACKAGE, &prefs.channel_id) {
            self.os().create_channel(
                DEMO_PACKAGE,
                ChannelSpec {
                    id: prefs.channel_id.clone(),
                    name: DEMO_CHANNEL_NAME.to_string(),
                    importance: Importance::Default,
                },
            );
            self.app.log(
                LogPriority::Info,
                &format!("created notification channel {}", prefs.channel_id),
            );
        }
    }

    /// The IM SDK's online connection, held while the process lives.
    fn ensure_connection(&self) {
        let prefs = self.app.prefs();
        let (Some(session), Some(client)) = (prefs.session, self.app.client()) else {
            return self
                .app
                .log(LogPriority::Debug, "not logged in: no IM connection");
        };
        let mut s = self.app.inner.state.lock();
        let alive = s.connection.as_ref().is_some_and(|c| !c.0.is_finished());
        if alive || s.process.is_none() {
            return;
        }
        let app = self.app.clone();
        let path = format!(
            "/im/v1/connection?session={}",
            utf8_percent_encode(&session, NON_ALPHANUMERIC)
        );
        let task = self.app.inner.handle.spawn(async move {
            let mut lines = match client.lines(&path).await {
                Ok(lines) => lines,
                Err(e) => {
                    return app.log(LogPriority::Warn, &format!("IM connection refused: {e}"))
                }
            };
            loop {
                let line = match lines.next_line().await {
                    Ok(line) => line,
                    Err(e) => {
                        return app.log(LogPriority::Info, &format!("IM connection closed: {e}"))
                    }
                };
                match serde_json::from_slice::<ConnectionItem>(&line) {
                    Ok(ConnectionItem::Hello { user }) => {
                        app.log(LogPriority::Info, &format!("online as {user}"))
                    }
                    Ok(ConnectionItem::Message {
                        message_id, from, ..
                    }) => app.log(
                        LogPriority::Info,
                        &format!("message {message_id} from {from} delivered online"),
                    ),
                    // onKickedOffline: the session is gone.
                    Ok(ConnectionItem::Kicked { by_device }) => {
                        app.update(|p| p.session = None);
                        app.log(
                            LogPriority::Warn,
                            &format!("kicked offline by a login on {by_device}"),
                        );
                    }
                    Err(e) => app.log(LogPriority::Warn, &format!("unreadable IM line: {e}")),
                }
            }
        });
        s.connection = Some(AbortOnDrop(task));
    }

    fn close_connection(&self) {
        let old = self.app.inner.state.lock().connection.take();
        drop(old);
    }

    /// `login`: remembers the hub, device and user, and logs in to the hub.
    async fn login(&self, intent: &Intent) {
        let string = |k: &str| string_extra(intent, k);
        let (Some(hub), Some(device), Some(user)) = (
            string("pushlab.hub"),
            string("pushlab.device"),
            string("pushlab.user"),
        ) else {
            return self.app.log(
                LogPriority::Error,
                "login needs pushlab.hub, pushlab.device and pushlab.user",
            );
        };
        let hub = match HubUrl::parse(&hub) {
            Ok(h) => h,
            Err(e) => return self.app.log(LogPriority::Error, &format!("login: {e}")),
        };
        self.close_connection();
        self.app.update(|p| {
            p.hub = Some(hub.clone());
            p.device = Some(device.clone());
            p.user = Some(user.clone());
            p.session = None;
        });
        let client = HubClient::new(self.app.inner.os.clone(), hub);
        let body = json!({"user": user, "device": device});
        match client.json(Method::POST, "/im/v1/login", Some(&body)).await {
            Ok(v) if v["ActionStatus"] == "OK" => {
                let session = v["session"].as_str().map(str::to_string);
                self.app
                    .log(LogPriority::Info, &format!("logged in as {user}"));
                self.app.update(|p| p.session = session);
            }
            Ok(v) => self
                .app
                .log(LogPriority::Error, &format!("login refused: {v}")),
            Err(e) => self
                .app
                .log(LogPriority::Error, &format!("login failed: {e}")),
        }
    }

    async fn command(&self, command: &str, intent: &Intent) {
        let string = |k: &str| string_extra(intent, k);
        match command {
            "login" => self.login(intent).await,
            "logout" => {
                self.close_connection();
                let prefs = self.app.prefs();
                self.app.update(|p| p.session = None);
                let (Some(session), Some(client)) = (prefs.session, self.app.client()) else {
                    return self.app.log(LogPriority::Warn, "logout: not logged in");
                };
                let body = json!({"session": session});
                match client
                    .json(Method::POST, "/im/v1/logout", Some(&body))
                    .await
                {
                    Ok(v) if v["ActionStatus"] == "OK" => {
                        self.app.log(LogPriority::Info, "logged out")
                    }
                    Ok(v) => self
                        .app
                        .log(LogPriority::Error, &format!("logout refused: {v}")),
                    Err(e) => self
                        .app
                        .log(LogPriority::Error, &format!("logout failed: {e}")),
                }
            }
            "report_token" => {
                let vendor = string("pushlab.vendor").map(|v| v.parse::<VendorId>());
                let cert = string("pushlab.certificate_id").map(|c| c.parse::<u64>());
                let (Some(Ok(vendor)), Some(Ok(cert))) = (vendor, cert) else {
                    return self.app.log(
                        LogPriority::Error,
                        "report_token needs pushlab.vendor (xiaomi|huawei|oppo|vivo|meizu|fcm) and a numeric pushlab.certificate_id",
                    );
                };
                // The hub and device, as login gives them: an app that has
                // not logged in yet still reports that it handled the
                // answer (and skipped the report, as TIM's SDK does).
                let hub = string("pushlab.hub").and_then(|h| HubUrl::parse(&h).ok());
                let device = string("pushlab.device");
                self.app.update(|p| {
                    p.pending_certificate = Some((vendor, cert));
                    if p.hub.is_none() {
                        p.hub = hub;
                    }
                    if p.device.is_none() {
                        p.device = device;
                    }
                });
                let mut ask = Intent::new(ACTION_REGISTER)
                    .with_component(ComponentName::new(AGENT_PACKAGE, AGENT_REGISTER_RECEIVER));
                ask.extras.insert("vendor", vendor.name());
                ask.extras.insert("package", DEMO_PACKAGE);
                if !self.os().send_broadcast(ask, DEMO_PACKAGE, true) {
                    self.app.log(
                        LogPriority::Error,
                        "the push service did not take the token request",
                    );
                }
            }
            "configure" => {
                let channel = string("pushlab.channel_id");
                let create = match intent.extras.get("pushlab.create_channel") {
                    Some(ExtraValue::Boolean(b)) => Some(*b),
                    Some(ExtraValue::String(s)) => s.parse::<bool>().ok(),
                    _ => None,
                };
                self.app.update(|p| {
                    if let Some(c) = channel {
                        p.channel_id = c;
                    }
                    if let Some(c) = create {
                        p.create_channel = c;
                    }
                });
                let p = self.app.prefs();
                self.app.log(
                    LogPriority::Info,
                    &format!(
                        "configured channel {} (create: {})",
                        p.channel_id, p.create_channel
                    ),
                );
            }
            other => self
                .app
                .log(LogPriority::Warn, &format!("unknown command {other}")),
        }
    }

    /// An activity opened (by a tap when it carries `pushlab.message_id`).
    async fn opened(&self, component: &ComponentName, intent: &Intent) {
        let Some(id) = message_id_of(intent) else {
            return;
        };
        let mut events = vec![DeviceEventKind::ActivityStarted {
            component: component.flatten_to_string(),
        }];
        // The app knows its push vendor: the one whose token it reported.
        let vendor = self.app.prefs().pending_certificate.map(|(v, _)| v);
        for (via, value) in activity_ext(vendor, intent) {
            events.push(DeviceEventKind::ExtReceived {
                via: via.name().to_string(),
                value,
            });
        }
        self.report(Some(id), events).await;
    }

    async fn broadcast(&self, intent: &Intent) {
        let action = intent.action.clone().unwrap_or_default();
        if action == ACTION_TOKEN {
            return self.token(intent).await;
        }
        let mut events = vec![DeviceEventKind::CallbackReceived {
            callback: dispatched_callback(intent),
            action: action.clone(),
        }];
        if let Some((via, value)) = callback_ext(intent) {
            events.push(DeviceEventKind::ExtReceived {
                via: via.name().to_string(),
                value,
            });
        }
        self.report(message_id_of(intent), events).await;
    }

    /// The push service's TOKEN answer: report the token to the IM server,
    /// or log the refusal; then tell the hub the answer was handled (the
    /// SDK's registration callback ran), so nothing that follows races it.
    async fn token(&self, intent: &Intent) {
        self.handle_token(intent).await;
        let done = DeviceEventKind::CallbackReceived {
            action: ACTION_TOKEN.to_string(),
            callback: None,
        };
        self.report(None, vec![done]).await;
    }

    async fn handle_token(&self, intent: &Intent) {
        let string = |k: &str| {
            intent
                .extras
                .get(k)
                .and_then(ExtraValue::as_str)
                .map(str::to_string)
        };
        let vendor = string("vendor").unwrap_or_default();
        let Some(token) = string("token").filter(|t| !t.is_empty()) else {
            return self.app.log(
                LogPriority::Error,
                &format!(
                    "{vendor} registration failed: {} {} ({})",
                    string("error_code").unwrap_or_default(),
                    string("error_message").unwrap_or_default(),
                    string("diagnosis").unwrap_or_default()
                ),
            );
        };
        let prefs = self.app.prefs();
        let cert = prefs
            .pending_certificate
            .filter(|(v, _)| v.name() == vendor)
            .map(|(_, c)| c);
        let (Some(cert), Some(session), Some(client)) = (cert, prefs.session, self.app.client())
        else {
            return self.app.log(
                LogPriority::Warn,
                &format!(
                    "{vendor} token received but not reported: not logged in (report after login)"
                ),
            );
        };
        let body = json!({"session": session, "certificate_id": cert, "token": token});
        match client
            .json(Method::POST, "/im/v1/push-token", Some(&body))
            .await
        {
            Ok(v) if v["ActionStatus"] == "OK" => self.app.log(
                LogPriority::Info,
                &format!("{vendor} token reported with certificate {cert}"),
            ),
            Ok(v) => self
                .app
                .log(LogPriority::Error, &format!("token report refused: {v}")),
            Err(e) => self
                .app
                .log(LogPriority::Error, &format!("token report failed: {e}")),
        }
    }

    /// Posts the app's events in one request, so they keep their order.
    async fn report(&self, id: Option<MessageId>, kinds: Vec<DeviceEventKind>) {
        let prefs = self.app.prefs();
        let (Some(client), Some(device)) = (self.app.client(), prefs.device) else {
            return self
                .app
                .log(LogPriority::Warn, "events not reported: never logged in");
        };
        let events: Vec<DeviceEvent> = kinds
            .into_iter()
            .map(|kind| DeviceEvent {
                message_id: id.clone(),
                device: device.clone(),
                reporter: Reporter::App,
                kind,
            })
            .collect();
        let body = serde_json::to_value(&events).unwrap_or_default();
        if let Err(e) = client
            .json(Method::POST, "/gateway/v1/events", Some(&body))
            .await
        {
            self.app
                .log(LogPriority::Warn, &format!("events not reported: {e}"));
        }
    }
}

fn message_id_of(intent: &Intent) -> Option<MessageId> {
    string_extra(intent, EXTRA_MESSAGE_ID).map(MessageId)
}
