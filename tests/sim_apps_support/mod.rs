//! A plain in-memory double of the Android framework for the app models
//! (activities, receivers, channels, notifications, stopped state, logcat,
//! sockets), and a lab that puts the models on it next to the real hub,
//! started in-process on 127.0.0.1:0 and reached over real HTTP.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use parking_lot::Mutex;
use pushlab::android::{ComponentName, ExtraValue, Intent};
use pushlab::diagnosis::Diagnosis;
use pushlab::hub::{Hub, RunningHub};
use pushlab::services::clock::{Clock, Timestamp};
use pushlab::services::journal::{MessageId, Record};
use pushlab::sim::apps::{
    agent_manifest, demo_manifest, AppManifest, ChannelSpec, DeviceApps, DeviceOs, DeviceSocket,
    LogPriority, OsError, PendingKind, PostSpec, AGENT_PACKAGE, AGENT_SERVICE, DEMO_PACKAGE,
    DEMO_SPLASH_ACTIVITY,
};
use pushlab::wire::protocol::DeviceInfo;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// 2026-01-01T00:00:00Z.
pub const T0: Timestamp = Timestamp(1_767_225_600_000);
/// The deadline for anything a test waits on.
pub const DEADLINE: Duration = Duration::from_secs(20);
/// The simulated device's serial.
pub const SERIAL: &str = "SIMTEST01";
/// The browser that opens URLs.
pub const BROWSER: &str = "com.android.chrome";

const ACTION_MAIN: &str = "android.intent.action.MAIN";
const CATEGORY_LAUNCHER: &str = "android.intent.category.LAUNCHER";

/// A notification in the double's shade.
#[derive(Debug, Clone)]
pub struct Shown {
    pub key: String,
    pub package: String,
    pub post: PostSpec,
}

/// A broadcast the double saw.
#[derive(Debug, Clone)]
pub struct SentBroadcast {
    pub intent: Intent,
    pub include_stopped: bool,
    pub delivered_to: Vec<ComponentName>,
}

#[derive(Default)]
pub struct OsState {
    pub channels: BTreeSet<(String, String)>,
    pub shade: Vec<Shown>,
    pub stopped: BTreeSet<String>,
    pub running: BTreeSet<String>,
    pub activities: Vec<(ComponentName, Intent)>,
    pub broadcasts: Vec<SentBroadcast>,
    pub urls: Vec<String>,
    pub logcat: Vec<String>,
}

/// The framework double.
pub struct FakeOs {
    api: u32,
    info: DeviceInfo,
    apps: OnceLock<Weak<DeviceApps>>,
    state: Mutex<OsState>,
    changed: watch::Sender<u64>,
    network_up: Mutex<bool>,
    sockets: Mutex<Vec<JoinHandle<()>>>,
}

impl FakeOs {
    pub fn new(api: u32, info: DeviceInfo) -> Arc<FakeOs> {
        Arc::new(FakeOs {
            api,
            info,
            apps: OnceLock::new(),
            state: Mutex::default(),
            changed: watch::channel(0).0,
            network_up: Mutex::new(true),
            sockets: Mutex::default(),
        })
    }

    fn apps(&self) -> Option<Arc<DeviceApps>> {
        self.apps.get().and_then(Weak::upgrade)
    }

    fn touch(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    fn with<T>(&self, f: impl FnOnce(&mut OsState) -> T) -> T {
        let r = f(&mut self.state.lock());
        self.touch();
        r
    }

    /// Reads the state.
    pub fn read<T>(&self, f: impl FnOnce(&OsState) -> T) -> T {
        f(&self.state.lock())
    }

    /// Waits until `f` finds something in the state.
    pub async fn wait_for<T>(&self, what: &str, mut f: impl FnMut(&OsState) -> Option<T>) -> T {
        let mut rx = self.changed.subscribe();
        let found = tokio::time::timeout(DEADLINE, async {
            loop {
                rx.borrow_and_update();
                if let Some(v) = f(&self.state.lock()) {
                    return v;
                }
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        })
        .await;
        match found {
            Ok(v) => v,
            Err(_) => panic!(
                "no {what} before the deadline; logcat:\n{}",
                self.read(|s| s.logcat.join("\n"))
            ),
        }
    }

    pub async fn wait_for_log(&self, needle: &str) -> String {
        self.wait_for(&format!("logcat line with `{needle}`"), |s| {
            s.logcat.iter().find(|l| l.contains(needle)).cloned()
        })
        .await
    }

    /// `am force-stop`: stopped state and process death.
    pub fn force_stop(&self, package: &str) {
        self.with(|s| {
            s.stopped.insert(package.to_string());
            s.running.remove(package);
        });
        if let Some(apps) = self.apps() {
            apps.process_died(package);
        }
    }

    /// `am kill`: process death only.
    pub fn kill(&self, package: &str) {
        self.with(|s| s.running.remove(package));
        if let Some(apps) = self.apps() {
            apps.process_died(package);
        }
    }

    /// `am start-foreground-service`.
    pub fn start_service(&self, component: ComponentName, intent: Intent) {
        self.with(|s| {
            s.stopped.remove(&component.package);
            s.running.insert(component.package.clone());
        });
        if let Some(apps) = self.apps() {
            assert!(apps.service_started(&component, &intent), "unknown service");
        }
    }

    /// The user opens an app from the launcher.
    pub fn start_activity_as_user(&self, component: ComponentName) {
        self.start_activity(Intent::launch(component), "com.android.launcher")
            .expect("launcher activity starts");
    }

    /// Cuts every open socket; while down, connecting fails.
    pub fn set_network(&self, up: bool) {
        *self.network_up.lock() = up;
        if !up {
            for t in self.sockets.lock().drain(..) {
                t.abort();
            }
        }
        self.touch();
    }

    /// The installed packages' manifests.
    fn manifests() -> [AppManifest; 2] {
        [agent_manifest(), demo_manifest()]
    }

    fn resolve_activity(&self, intent: &Intent) -> Result<ComponentName, OsError> {
        let found = Self::manifests()
            .iter()
            .filter(|m| intent.package.as_deref().is_none_or(|p| p == m.package))
            .find_map(|m| m.resolve_activity(intent).map(|d| d.component.clone()));
        found.ok_or_else(|| match &intent.component {
            Some(c) => OsError::new(
                Diagnosis::DeviceActivityNotFound,
                format!(
                    "Unable to find explicit activity class {{{}}}",
                    c.flatten_to_short_string()
                ),
            ),
            None => OsError::new(
                Diagnosis::DeviceActivityNotFound,
                format!(
                    "No Activity found to handle Intent {{ act={} dat={} }}",
                    intent.action.as_deref().unwrap_or("null"),
                    intent.data.as_deref().unwrap_or("null")
                ),
            ),
        })
    }

    fn receivers(&self, intent: &Intent) -> Vec<ComponentName> {
        Self::manifests()
            .iter()
            .filter(|m| intent.package.as_deref().is_none_or(|p| p == m.package))
            .flat_map(|m| {
                m.resolve_receivers(intent)
                    .into_iter()
                    .map(|d| d.component.clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Taps a notification in the shade: fires its content intent and
    /// auto-cancels it, as SystemUI does.
    pub fn tap_in_shade(&self, key: &str) {
        let shown = self.read(|s| s.shade.iter().find(|n| n.key == key).cloned());
        let shown = shown.expect("notification in the shade");
        let pi = shown.post.content_intent.clone();
        match pi.kind {
            PendingKind::Broadcast => {
                self.send_broadcast(pi.intent, &pi.creator, true);
            }
            PendingKind::Activity => {
                let _ = self.start_activity(pi.intent, &pi.creator);
            }
        }
        if shown.post.auto_cancel && self.cancel_notification(key) {
            if let Some(apps) = self.apps() {
                apps.notification_removed(key, "click");
            }
        }
    }
}

impl DeviceOs for FakeOs {
    fn api_level(&self) -> u32 {
        self.api
    }

    fn device_info(&self) -> DeviceInfo {
        self.info.clone()
    }

    fn connect(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<DeviceSocket>> {
        if !*self.network_up.lock() {
            return async {
                Err(io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    "network is down",
                ))
            }
            .boxed();
        }
        let addr = format!("{host}:{port}");
        // A pump per socket, so that cutting the network closes it.
        let (near, mut far) = tokio::io::duplex(64 * 1024);
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let pump = tokio::spawn(async move {
            match tokio::net::TcpStream::connect(&addr).await {
                Ok(mut tcp) => {
                    let _ = ready_tx.send(Ok(()));
                    let _ = tokio::io::copy_bidirectional(&mut tcp, &mut far).await;
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            }
        });
        let mut sockets = self.sockets.lock();
        sockets.retain(|t| !t.is_finished());
        sockets.push(pump);
        drop(sockets);
        async move {
            match ready_rx.await {
                Ok(Ok(())) => Ok(Box::pin(near) as DeviceSocket),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "network is down",
                )),
            }
        }
        .boxed()
    }

    fn channel_exists(&self, package: &str, channel_id: &str) -> bool {
        self.read(|s| {
            s.channels
                .contains(&(package.to_string(), channel_id.to_string()))
        })
    }

    fn create_channel(&self, package: &str, channel: ChannelSpec) {
        self.with(|s| s.channels.insert((package.to_string(), channel.id)));
    }

    fn post_notification(&self, package: &str, post: PostSpec) -> Result<String, OsError> {
        if self.api >= 26 {
            let ok = post
                .channel_id
                .as_ref()
                .is_some_and(|c| self.channel_exists(package, c));
            if !ok {
                let line = format!(
                    "No Channel found for pkg={package}, channelId={}, id={}, tag={}, opPkg={}, callingUid=10123, userId=0, incomingUserId=0, notificationUid=10123, notification=Notification(channel={})",
                    post.channel_id.as_deref().unwrap_or("null"),
                    post.id,
                    post.tag.as_deref().unwrap_or("null"),
                    post.poster,
                    post.channel_id.as_deref().unwrap_or("null"),
                );
                self.log(LogPriority::Error, "NotificationService", &line);
                return Err(OsError::new(Diagnosis::DeviceChannelMissing, line));
            }
        }
        let key = format!(
            "0|{package}|{}|{}|10123",
            post.id,
            post.tag.as_deref().unwrap_or("null")
        );
        let k = key.clone();
        self.with(|s| {
            s.shade.retain(|n| n.key != k);
            s.shade.push(Shown {
                key: k,
                package: package.to_string(),
                post,
            });
        });
        Ok(key)
    }

    fn cancel_notification(&self, key: &str) -> bool {
        self.with(|s| {
            let before = s.shade.len();
            s.shade.retain(|n| n.key != key);
            before != s.shade.len()
        })
    }

    fn launch_intent_for_package(&self, package: &str) -> Option<Intent> {
        Self::manifests()
            .iter()
            .filter(|m| m.package == package)
            .flat_map(|m| m.activities.iter())
            .find(|a| {
                a.filters.iter().any(|f| {
                    f.actions.contains(&ACTION_MAIN) && f.categories.contains(&CATEGORY_LAUNCHER)
                })
            })
            .map(|a| Intent::launch(a.component.clone()))
    }

    fn start_activity(&self, intent: Intent, _caller: &str) -> Result<ComponentName, OsError> {
        let component = self.resolve_activity(&intent)?;
        let c = component.clone();
        let i = intent.clone();
        self.with(|s| {
            s.stopped.remove(&c.package);
            s.running.insert(c.package.clone());
            s.activities.push((c, i));
        });
        if let Some(apps) = self.apps() {
            apps.activity_started(&component, &intent);
        }
        Ok(component)
    }

    fn open_url(&self, url: &str, _caller: &str) -> Result<String, OsError> {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                self.with(|s| s.urls.push(url.to_string()));
                Ok(BROWSER.to_string())
            }
            _ => Err(OsError::new(
                Diagnosis::DeviceUrlInvalid,
                format!("No Activity found to handle Intent {{ act=android.intent.action.VIEW dat={url} }}"),
            )),
        }
    }

    fn send_broadcast(&self, intent: Intent, _caller: &str, include_stopped: bool) -> bool {
        let targets: Vec<ComponentName> = self
            .receivers(&intent)
            .into_iter()
            .filter(|c| include_stopped || !self.is_stopped(&c.package))
            .collect();
        let t = targets.clone();
        let i = intent.clone();
        self.with(|s| {
            for c in &t {
                s.running.insert(c.package.clone());
            }
            s.broadcasts.push(SentBroadcast {
                intent: i,
                include_stopped,
                delivered_to: t,
            });
        });
        if let Some(apps) = self.apps() {
            for c in &targets {
                apps.broadcast_received(c, &intent);
            }
        }
        !targets.is_empty()
    }

    fn is_stopped(&self, package: &str) -> bool {
        self.read(|s| s.stopped.contains(package))
    }

    fn log(&self, priority: LogPriority, tag: &str, message: &str) {
        let line = format!("{priority}/{tag}: {message}");
        self.with(|s| s.logcat.push(line));
    }
}

/// The real hub, the framework double and the app models on it.
pub struct Lab {
    pub hub: RunningHub,
    pub os: Arc<FakeOs>,
    pub apps: Arc<DeviceApps>,
    pub base: String,
    http: reqwest::Client,
}

impl Lab {
    pub async fn new(api: u32, info: DeviceInfo) -> Lab {
        let hub = Hub::new(Clock::virtual_at(T0))
            .start("127.0.0.1:0".parse().unwrap())
            .await
            .expect("hub starts");
        let os = FakeOs::new(api, info);
        let apps = Arc::new(DeviceApps::new(os.clone()));
        assert!(os.apps.set(Arc::downgrade(&apps)).is_ok());
        let base = hub.base_url();
        Lab {
            hub,
            os,
            apps,
            base,
            http: reqwest::Client::builder()
                .timeout(DEADLINE)
                .build()
                .unwrap(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Adds a certificate for the demo app and lets it take effect.
    pub async fn add_certificate(
        &self,
        credentials: Value,
        click: Value,
        channel: Option<&str>,
    ) -> u64 {
        let (status, cert) = self
            .post(
                "/admin/v1/certificates",
                json!({"package": DEMO_PACKAGE, "credentials": credentials, "click": click, "channel_id": channel}),
            )
            .await;
        assert_eq!(status, 201, "{cert}");
        self.hub.hub.clock().advance(Duration::from_secs(600));
        cert["id"].as_u64().expect("certificate id")
    }

    /// `am start-foreground-service -n com.pushlab.agent/.AgentService --es hub HUB --es device SERIAL`,
    /// then waits until its stream is open.
    pub async fn start_agent(&self) {
        let intent = Intent::default()
            .with_extra("hub", self.base.as_str())
            .with_extra("device", SERIAL);
        self.os
            .start_service(ComponentName::new(AGENT_PACKAGE, AGENT_SERVICE), intent);
        self.wait_connected(true).await;
    }

    pub async fn wait_connected(&self, connected: bool) {
        let gw = self.hub.hub.gateway().clone();
        assert!(
            gw.wait_connected(SERIAL, connected, DEADLINE).await,
            "gateway connected != {connected} before the deadline"
        );
    }

    /// `am start -W -n com.pushlab.demo/.SplashActivity --es pushlab.command …`.
    pub fn am_start_splash(&self, extras: &[(&str, ExtraValue)]) {
        let mut intent = Intent::default()
            .with_component(ComponentName::new(DEMO_PACKAGE, DEMO_SPLASH_ACTIVITY));
        for (k, v) in extras {
            intent.extras.insert(*k, v.clone());
        }
        self.os
            .start_activity(intent, "com.android.shell")
            .expect("splash starts");
    }

    /// Waits for an IM account to satisfy `pred`.
    pub async fn wait_account(&self, what: &str, mut pred: impl FnMut(&Value) -> bool) -> Value {
        let im = self.hub.hub.im.clone();
        im.wait_until(DEADLINE, |im| {
            serde_json::to_value(im.accounts())
                .ok()?
                .as_array()?
                .iter()
                .find(|a| pred(a))
                .cloned()
        })
        .await
        .unwrap_or_else(|| panic!("no {what} before the deadline"))
    }

    /// The login command; waits until the user is logged in and online.
    pub async fn login(&self, user: &str) {
        self.am_start_splash(&[
            ("pushlab.command", "login".into()),
            ("pushlab.hub", self.base.as_str().into()),
            ("pushlab.device", SERIAL.into()),
            ("pushlab.user", user.into()),
        ]);
        let u = user.to_string();
        self.wait_account("user online", |a| {
            a["user"] == u.as_str() && a["online"] == true
        })
        .await;
    }

    /// The report_token command.
    pub fn report_token(&self, vendor: &str, certificate: u64) {
        self.am_start_splash(&[
            ("pushlab.command", "report_token".into()),
            ("pushlab.vendor", vendor.into()),
            ("pushlab.certificate_id", certificate.to_string().into()),
        ]);
    }

    /// `input keyevent KEYCODE_HOME; am kill com.pushlab.demo`: waits until
    /// the IM server sees the user offline.
    pub async fn kill_demo(&self, user: &str) {
        self.os.kill(DEMO_PACKAGE);
        let u = user.to_string();
        self.wait_account("user offline", |a| {
            a["user"] == u.as_str() && a["online"] == false
        })
        .await;
    }

    /// The runner's usual preparation: the user logs in on the demo app,
    /// reports the `vendor` token of certificate `cert`, and the app's
    /// process is killed (logged in, offline, with a token). The push
    /// service must be running.
    pub async fn demo_offline_with_token(&self, user: &str, vendor: &str, cert: u64) {
        self.login(user).await;
        self.report_token(vendor, cert);
        let u = user.to_string();
        self.wait_account("token reported", |a| {
            a["user"] == u.as_str() && a["push_token"]["certificate_id"] == cert
        })
        .await;
        self.kill_demo(user).await;
    }

    /// Sends a text message with OfflinePushInfo through the IM REST API.
    pub async fn send(&self, to: &str, random: u64, ext: &str) -> MessageId {
        let (_, v) = self
            .post(
                "/v4/openim/sendmsg",
                json!({"From_Account": "denny", "To_Account": to, "MsgRandom": random,
                       "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi vinson"}}],
                       "OfflinePushInfo": {"Title": "Denny", "Desc": "hi vinson", "Ext": ext}}),
            )
            .await;
        assert_eq!(v["ActionStatus"], "OK", "{v}");
        MessageId(v["MessageId"].as_str().expect("MessageId").to_string())
    }

    /// The host's tap command through the hub.
    pub async fn tap(&self, id: &MessageId) {
        let (status, v) = self
            .post(
                &format!("/gateway/v1/devices/{SERIAL}/commands"),
                json!({"type": "tap", "message_id": id}),
            )
            .await;
        assert_eq!(status, 202, "{v}");
    }

    /// Waits for a record of `kind` in the message's chain.
    pub async fn wait_kind(&self, id: &MessageId, kind: &str) -> Value {
        let id2 = id.clone();
        let kind2 = kind.to_string();
        let r = self
            .hub
            .hub
            .journal()
            .wait_for(0, DEADLINE, move |r: &Record| {
                r.message_id.as_ref() == Some(&id2) && record_kind(r) == kind2
            })
            .await;
        match r {
            Some(r) => serde_json::to_value(&*r).unwrap(),
            None => panic!(
                "no {kind} for {id}; chain: {:?}\nlogcat:\n{}",
                self.kinds(id),
                self.os.read(|s| s.logcat.join("\n"))
            ),
        }
    }

    /// The kinds of the message's chain, in order.
    pub fn kinds(&self, id: &MessageId) -> Vec<String> {
        self.hub
            .hub
            .journal()
            .chain(id)
            .iter()
            .map(|r| record_kind(r))
            .collect()
    }

    /// The message's chain as JSON records.
    pub fn chain(&self, id: &MessageId) -> Vec<Value> {
        self.hub
            .hub
            .journal()
            .chain(id)
            .iter()
            .map(|r| serde_json::to_value(&**r).unwrap())
            .collect()
    }

    /// Waits until a notification of the message is in the shade.
    pub async fn wait_notification(&self, id: &MessageId) -> Shown {
        let id = id.0.clone();
        self.os
            .wait_for("notification in the shade", |s| {
                s.shade
                    .iter()
                    .find(|n| {
                        n.post
                            .extras
                            .get("pushlab.message_id")
                            .and_then(ExtraValue::as_str)
                            == Some(id.as_str())
                    })
                    .cloned()
            })
            .await
    }
}

/// The record's kind as the journal writes it.
pub fn record_kind(r: &Record) -> String {
    serde_json::to_value(r).unwrap()["kind"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Asserts that `wanted` appear in `kinds` in this order (others may be
/// between them).
pub fn assert_in_order(kinds: &[String], wanted: &[&str]) {
    let mut it = kinds.iter();
    for w in wanted {
        assert!(
            it.any(|k| k == w),
            "`{w}` missing or out of order in {kinds:?} (wanted {wanted:?})"
        );
    }
}

/// FCM credentials: a service account with a TEST-ONLY key made for this
/// run (never a real account).
pub fn fcm_credentials() -> Value {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    // A TEST-ONLY key made for this run.
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("test key");
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    json!({"vendor": "fcm", "service_account": {
        "type": "service_account",
        "project_id": "pushlab-demo",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "pusher@pushlab-demo.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token"
    }})
}
