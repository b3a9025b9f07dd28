//! The IM server simulator: accounts, login state (logged in, online,
//! kicked), push tokens, certificates, `sendmsg` and the offline-push
//! decision. Shaped like Tencent Cloud IM so a user's backend can call it.

pub mod api;
pub mod decision;
pub mod model;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use self::decision::{Decision, RecipientState};
use self::model::{codes, SendMsg, TimError};
use crate::diagnosis::Diagnosis;
use crate::push::{Certificate, ClickAction, Credentials, Push, Services, Vendor, VendorId};
use crate::services::clock::Timestamp;
use crate::services::journal::{Event, Journal, MessageId};
use crate::services::lines::OnDrop;

/// Identical messages (sender, MsgSeq, MsgRandom, content) within this window
/// are delivered once.
pub const DEDUP_WINDOW: Duration = Duration::from_secs(120);

/// Where an account stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LoginState {
    NeverLoggedIn,
    LoggedIn { session: String, device: String },
    LoggedOut,
    Kicked { by_device: String },
}

/// A push token reported with setOfflinePushConfig.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushToken {
    /// The certificate id (`businessID`).
    pub certificate_id: u64,
    pub token: String,
}

/// An account, as retrospection shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub user: String,
    #[serde(flatten)]
    pub login: LoginState,
    pub online: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_token: Option<PushToken>,
}

pub use crate::wire::ConnectionItem;

struct Session {
    user: String,
    device: String,
    push_token: Option<PushToken>,
    /// The live connection and its generation.
    connection: Option<(u64, mpsc::UnboundedSender<ConnectionItem>)>,
}

struct Account {
    login: LoginState,
}

struct DedupEntry {
    at: Timestamp,
    message_id: MessageId,
    msg_key: String,
    msg_time: i64,
}

/// Sender, `MsgSeq`, `MsgRandom` and a CRC of the body: what makes two
/// `sendmsg` calls the same message.
type DedupKey = (String, Option<u64>, u64, u32);

#[derive(Default)]
struct State {
    accounts: BTreeMap<String, Account>,
    sessions: HashMap<String, Session>,
    /// Each certificate id's live versions, oldest first: the version in
    /// effect (if any) and the newer ones still waiting for their delay.
    certificates: BTreeMap<u64, Vec<Certificate>>,
    dedup: HashMap<DedupKey, DedupEntry>,
    counter: u64,
}

impl State {
    /// The same message again within the window: journaled as a
    /// duplicate of the first, which is what the sender gets back.
    fn deduplicated(
        &mut self,
        key: &DedupKey,
        to: &str,
        now: Timestamp,
        journal: &Journal,
    ) -> Option<Sent> {
        self.dedup.retain(|_, e| now.since(e.at) < DEDUP_WINDOW);
        let e = self.dedup.get(key)?;
        let (original, msg_key, msg_time) = (e.message_id.clone(), e.msg_key.clone(), e.msg_time);
        let n = self.next();
        let id = MessageId(format!("msg-{n}"));
        journal.append(
            Some(&id),
            Some(to),
            Event::Deduplicated {
                original: original.clone(),
            },
        );
        Some(Sent {
            message_id: original,
            msg_key,
            msg_time,
        })
    }

    /// Gives the message its id and key, remembers it for deduplication and
    /// journals it as sent.
    fn record(&mut self, key: DedupKey, msg: &SendMsg, now: Timestamp, journal: &Journal) -> Sent {
        self.account(&msg.from);
        let n = self.next();
        let message_id = MessageId(format!("msg-{n}"));
        let msg_time = now.seconds();
        let msg_key = format!("{n}_{}_{msg_time}", msg.msg_random);
        self.dedup.insert(
            key,
            DedupEntry {
                at: now,
                message_id: message_id.clone(),
                msg_key: msg_key.clone(),
                msg_time,
            },
        );
        journal.append(
            Some(&message_id),
            Some(&msg.to),
            Event::MessageSent {
                from: msg.from.clone(),
                to: msg.to.clone(),
                elements: msg.body.iter().map(|e| e.type_name().to_string()).collect(),
                msg_key: msg_key.clone(),
            },
        );
        Sent {
            message_id,
            msg_key,
            msg_time,
        }
    }

    /// The recipient is online: the message goes down its IM connection.
    fn deliver_online(&self, msg: &SendMsg, message_id: &MessageId, journal: &Journal) {
        let device = match &self.accounts[&msg.to].login {
            LoginState::LoggedIn { session, device } => {
                if let Some((_, tx)) = self
                    .sessions
                    .get(session)
                    .and_then(|x| x.connection.as_ref())
                {
                    let _ = tx.send(ConnectionItem::Message {
                        message_id: message_id.clone(),
                        from: msg.from.clone(),
                        text: decision::push_text(msg).unwrap_or_default(),
                    });
                }
                device.clone()
            }
            _ => String::new(),
        };
        journal.append(Some(message_id), None, Event::DeliveredOnline { device });
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn account(&mut self, user: &str) -> &mut Account {
        self.accounts.entry(user.to_string()).or_insert(Account {
            login: LoginState::NeverLoggedIn,
        })
    }

    fn recipient_state(&self, user: &str) -> RecipientState {
        match self.accounts.get(user).map(|a| &a.login) {
            Some(LoginState::LoggedIn { session, .. }) => {
                let s = self.sessions.get(session);
                if s.is_some_and(|s| s.connection.is_some()) {
                    RecipientState::Online
                } else {
                    RecipientState::Offline {
                        token: s
                            .and_then(|s| s.push_token.as_ref())
                            .map(|t| (t.certificate_id, t.token.clone())),
                    }
                }
            }
            Some(LoginState::Kicked { .. }) => RecipientState::Kicked,
            _ => RecipientState::LoggedOut,
        }
    }
}

/// A certificate as the admin API takes it (id and saved-at are optional).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateInput {
    #[serde(default)]
    pub id: Option<u64>,
    pub package: String,
    pub credentials: Credentials,
    #[serde(default)]
    pub click: ClickAction,
    #[serde(default)]
    pub channel_id: Option<String>,
    #[serde(default)]
    pub badge_class: Option<String>,
}

/// The version that decides a push at `now`: the newest one in effect, or,
/// when none is yet, the newest saved (which the decision then finds not in
/// effect).
fn in_effect(versions: &[Certificate], now: Timestamp) -> Option<&Certificate> {
    versions
        .iter()
        .rev()
        .find(|c| c.effective_at() <= now)
        .or_else(|| versions.last())
}

/// Drops the versions that can never be in effect again: those older than
/// the newest version already in effect.
fn prune_versions(versions: &mut Vec<Certificate>, now: Timestamp) {
    if let Some(i) = versions.iter().rposition(|c| c.effective_at() <= now) {
        versions.drain(..i);
    }
}

/// Result of a successful `sendmsg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message_id: MessageId,
    pub msg_key: String,
    pub msg_time: i64,
}

/// The IM server; cheap to clone.
#[derive(Clone)]
pub struct ImServer {
    services: Services,
    vendors: Arc<BTreeMap<VendorId, Arc<dyn Vendor>>>,
    /// Where each vendor client sends: the hub's own endpoints by default.
    base_urls: Arc<Mutex<BTreeMap<VendorId, String>>>,
    http: reqwest::Client,
    state: Arc<Mutex<State>>,
    /// Bumped on every change of accounts, sessions, tokens or connections,
    /// so callers can wait for a state instead of polling.
    changes: Arc<tokio::sync::watch::Sender<u64>>,
    /// How long a saved certificate takes to take effect, in seconds.
    certificate_delay: Arc<std::sync::atomic::AtomicU64>,
}

impl ImServer {
    pub fn new(services: Services, vendors: Vec<Arc<dyn Vendor>>) -> ImServer {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        ImServer {
            services,
            vendors: Arc::new(vendors.into_iter().map(|v| (v.id(), v)).collect()),
            base_urls: Arc::default(),
            http,
            state: Arc::default(),
            changes: Arc::new(tokio::sync::watch::channel(0).0),
            certificate_delay: Arc::new(std::sync::atomic::AtomicU64::new(
                crate::push::CERTIFICATE_DELAY_SECS,
            )),
        }
    }

    /// Sets how long certificates saved from now on take to take effect
    /// (default 600 s, the guides' 10 minutes; 0 models a console whose
    /// change reaches the push servers at once). See docs/vendors/tim.md.
    pub fn set_certificate_delay(&self, delay: Duration) {
        self.certificate_delay
            .store(delay.as_secs(), std::sync::atomic::Ordering::SeqCst);
    }

    /// The delay certificates saved now get.
    pub fn certificate_delay(&self) -> Duration {
        Duration::from_secs(
            self.certificate_delay
                .load(std::sync::atomic::Ordering::SeqCst),
        )
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    /// Waits until `pred` holds for the IM server, re-checking after every
    /// change of its login, token or connection state; `None` when `timeout`
    /// (wall time) passes first.
    pub async fn wait_until<T>(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&ImServer) -> Option<T>,
    ) -> Option<T> {
        let mut rx = self.changes.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            rx.borrow_and_update();
            if let Some(v) = pred(self) {
                return Some(v);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => return None,
            }
        }
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Points a vendor's client at a base URL (the simulator's mount, or the
    /// real vendor).
    pub fn set_base_url(&self, vendor: VendorId, url: impl Into<String>) {
        self.base_urls.lock().insert(vendor, url.into());
    }

    pub fn base_url(&self, vendor: VendorId) -> Option<String> {
        self.base_urls.lock().get(&vendor).cloned()
    }

    // ---- accounts and sessions ----

    /// Creates an account if it does not exist (TIM's account_import).
    pub fn import_account(&self, user: &str) {
        self.state.lock().account(user);
        self.changed();
    }

    /// Logs `user` in on `device`, kicking a session on another device.
    /// Returns the new session id.
    pub fn login(&self, user: &str, device: &str) -> String {
        let mut s = self.state.lock();
        let session = format!("s-{}", s.next());
        let previous = match &s.account(user).login {
            LoginState::LoggedIn { session, device: d } => Some((session.clone(), d.clone())),
            _ => None,
        };
        if let Some((old, old_device)) = previous {
            if let Some(mut old_session) = s.sessions.remove(&old) {
                if let Some((_, tx)) = old_session.connection.take() {
                    if old_device != device {
                        let _ = tx.send(ConnectionItem::Kicked {
                            by_device: device.to_string(),
                        });
                    }
                }
            }
            if old_device != device {
                tracing::info!(
                    user,
                    old_device,
                    device,
                    "login elsewhere kicks the old device"
                );
            }
        }
        s.sessions.insert(
            session.clone(),
            Session {
                user: user.to_string(),
                device: device.to_string(),
                push_token: None,
                connection: None,
            },
        );
        s.account(user).login = LoginState::LoggedIn {
            session: session.clone(),
            device: device.to_string(),
        };
        drop(s);
        self.changed();
        session
    }

    /// The device a kicked session belonged to learns it only through its
    /// connection; later calls with that session fail.
    fn session_user(&self, session: &str) -> Result<String, TimError> {
        self.state
            .lock()
            .sessions
            .get(session)
            .map(|s| s.user.clone())
            .ok_or_else(|| {
                TimError::new(
                    codes::SESSION,
                    format!("session {session} is not logged in"),
                )
            })
    }

    /// Logs out: no more pushes to this user.
    pub fn logout(&self, session: &str) -> Result<(), TimError> {
        let user = self.session_user(session)?;
        let mut s = self.state.lock();
        s.sessions.remove(session);
        s.account(&user).login = LoginState::LoggedOut;
        drop(s);
        self.changed();
        Ok(())
    }

    /// Marks a login elsewhere: the same as a login of `user` on `device`,
    /// for tests and scenario steps that play the other device.
    pub fn kick(&self, user: &str, by_device: &str) -> String {
        let session = self.login(user, by_device);
        // The kicking device is only a stand-in: it leaves no session behind,
        // and the kicked one stays kicked.
        let mut s = self.state.lock();
        s.sessions.remove(&session);
        s.account(user).login = LoginState::Kicked {
            by_device: by_device.to_string(),
        };
        drop(s);
        self.changed();
        session
    }

    /// setOfflinePushConfig(businessID, token).
    pub fn report_token(&self, session: &str, token: PushToken) -> Result<(), TimError> {
        let mut s = self.state.lock();
        let sess = s.sessions.get_mut(session).ok_or_else(|| {
            TimError::new(
                codes::SESSION,
                format!("session {session} is not logged in"),
            )
        })?;
        sess.push_token = Some(token);
        drop(s);
        self.changed();
        Ok(())
    }

    /// Opens the session's online connection. The user counts as online
    /// until the guard is dropped (the app's process died, the network
    /// dropped).
    pub fn connect(
        &self,
        session: &str,
    ) -> Result<(mpsc::UnboundedReceiver<ConnectionItem>, OnDrop), TimError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let generation = {
            let mut s = self.state.lock();
            let generation = s.next();
            let sess = s.sessions.get_mut(session).ok_or_else(|| {
                TimError::new(
                    codes::SESSION,
                    format!("session {session} is not logged in"),
                )
            })?;
            let _ = tx.send(ConnectionItem::Hello {
                user: sess.user.clone(),
            });
            sess.connection = Some((generation, tx));
            generation
        };
        self.changed();
        let state = self.state.clone();
        let changes = self.changes.clone();
        let session = session.to_string();
        let guard = OnDrop::new(move || {
            let mut s = state.lock();
            if let Some(sess) = s.sessions.get_mut(&session) {
                if matches!(sess.connection, Some((g, _)) if g == generation) {
                    sess.connection = None;
                    tracing::debug!(session, "IM connection closed: user is offline");
                }
            }
            drop(s);
            changes.send_modify(|n| *n += 1);
        });
        Ok((rx, guard))
    }

    pub fn accounts(&self) -> Vec<AccountView> {
        let s = self.state.lock();
        s.accounts
            .iter()
            .map(|(user, a)| {
                let session = match &a.login {
                    LoginState::LoggedIn { session, .. } => s.sessions.get(session),
                    _ => None,
                };
                AccountView {
                    user: user.clone(),
                    login: a.login.clone(),
                    online: session.is_some_and(|x| x.connection.is_some()),
                    push_token: session.and_then(|x| x.push_token.clone()),
                }
            })
            .collect()
    }

    /// Every reported token with its user and device.
    pub fn tokens(&self) -> Vec<serde_json::Value> {
        let s = self.state.lock();
        s.sessions
            .iter()
            .filter_map(|(id, sess)| {
                sess.push_token.as_ref().map(|t| {
                    serde_json::json!({
                        "user": sess.user, "device": sess.device, "session": id,
                        "certificate_id": t.certificate_id, "token": t.token,
                    })
                })
            })
            .collect()
    }

    // ---- certificates ----

    /// Saves a certificate: a new one, or a new version of the same id (an
    /// edit in the console). A version takes effect its delay after saving
    /// ([`Self::certificate_delay`]); until then the version before it, if
    /// any, stays in effect (see docs/vendors/tim.md, "Certificates"). Its
    /// app is registered with the vendor's console at once.
    pub fn save_certificate(&self, input: CertificateInput) -> Certificate {
        let now = self.services.clock.now();
        let delay_secs = self.certificate_delay().as_secs();
        let (cert, live) = {
            let mut s = self.state.lock();
            let id = match input.id {
                Some(id) => id,
                None => {
                    let max = s.certificates.keys().max().copied().unwrap_or(0);
                    max.max(10_000) + 1
                }
            };
            let cert = Certificate {
                id,
                package: input.package,
                credentials: input.credentials,
                click: input.click,
                channel_id: input.channel_id,
                badge_class: input.badge_class,
                saved_at: now,
                delay_secs,
            };
            let versions = s.certificates.entry(id).or_default();
            versions.push(cert.clone());
            prune_versions(versions, now);
            (cert, versions.clone())
        };
        self.services.apps.set_certificate_versions(cert.id, &live);
        cert
    }

    /// The newest saved version of each certificate.
    pub fn certificates(&self) -> Vec<Certificate> {
        self.state
            .lock()
            .certificates
            .values()
            .filter_map(|v| v.last().cloned())
            .collect()
    }

    /// The version of certificate `id` in effect now, if one is.
    pub fn certificate_in_effect(&self, id: u64) -> Option<Certificate> {
        let now = self.services.clock.now();
        self.state
            .lock()
            .certificates
            .get(&id)
            .and_then(|v| in_effect(v, now))
            .filter(|c| c.effective_at() <= now)
            .cloned()
    }

    pub fn delete_certificate(&self, id: u64) -> bool {
        let removed = self.state.lock().certificates.remove(&id).is_some();
        if removed {
            self.services.apps.remove(id);
        }
        removed
    }

    /// Forgets everything.
    pub fn reset(&self) {
        *self.state.lock() = State::default();
        self.changed();
    }

    // ---- messages ----

    /// `sendmsg`: records the message, decides its fate and, for an offline
    /// push, hands it to the vendor client in the background.
    pub fn send(&self, msg: SendMsg) -> Result<Sent, TimError> {
        let now = self.services.clock.now();
        let journal = &self.services.journal;
        let crc = crc32fast::hash(msg.body_json.as_bytes());
        let dedup_key = (msg.from.clone(), msg.msg_seq, msg.msg_random, crc);
        let mut s = self.state.lock();
        if let Some(sent) = s.deduplicated(&dedup_key, &msg.to, now, journal) {
            return Ok(sent);
        }
        if !s.accounts.contains_key(&msg.to) {
            return Err(TimError::new(
                codes::TO_ACCOUNT,
                format!("To_Account {} does not exist", msg.to),
            ));
        }
        let sent = s.record(dedup_key, &msg, now, journal);
        let state = s.recipient_state(&msg.to);
        let certificate = match &state {
            RecipientState::Offline {
                token: Some((id, _)),
            } => s
                .certificates
                .get(id)
                .and_then(|versions| in_effect(versions, now))
                .cloned(),
            _ => None,
        };
        match decision::decide(&state, &msg, certificate.as_ref(), now) {
            Decision::Online => s.deliver_online(&msg, &sent.message_id, journal),
            Decision::NotPushed { code, detail } => {
                journal.append(
                    Some(&sent.message_id),
                    None,
                    Event::NotPushed { code, detail },
                );
            }
            Decision::Push(plan) => {
                drop(s);
                self.push_offline(*plan, &msg, &sent.message_id);
            }
        }
        Ok(sent)
    }

    /// Journals the decision to push and hands the push to its vendor.
    fn push_offline(&self, plan: decision::PushPlan, msg: &SendMsg, message_id: &MessageId) {
        self.services.journal.append(
            Some(message_id),
            None,
            Event::PushDecided {
                vendor: plan.certificate.vendor(),
                certificate_id: plan.certificate.id,
                token: plan.token.clone(),
                title: plan.title.clone(),
                desc: plan.desc.clone(),
            },
        );
        self.dispatch(Push {
            message_id: message_id.clone(),
            certificate: plan.certificate,
            token: plan.token,
            title: plan.title,
            desc: plan.desc,
            ext: msg.offline_push.ext.clone(),
            android: msg.offline_push.android.clone(),
        });
    }

    /// Sends a push through its vendor's client, in the background, and
    /// journals the outcome.
    fn dispatch(&self, push: Push) {
        let vendor_id = push.certificate.vendor();
        let journal = self.services.journal.clone();
        let id = push.message_id.clone();
        let (Some(vendor), Some(base)) = (
            self.vendors.get(&vendor_id).cloned(),
            self.base_url(vendor_id),
        ) else {
            journal.append(
                Some(&id),
                None,
                Event::PushRejected {
                    vendor: vendor_id,
                    code: Diagnosis::VendorInvalidRequest,
                    vendor_code: "unconfigured".into(),
                    message: format!("no {vendor_id} client is configured"),
                },
            );
            return;
        };
        let http = self.http.clone();
        let task = async move {
            let outcome = vendor.send(&http, &base, &push).await;
            if let Some((method, url)) = outcome.request {
                journal.append(
                    Some(&id),
                    None,
                    Event::VendorRequest {
                        vendor: vendor_id,
                        method,
                        url,
                    },
                );
            }
            let event = match outcome.result {
                Ok(vendor_message_id) => Event::PushAccepted {
                    vendor: vendor_id,
                    vendor_message_id,
                },
                Err(r) => Event::PushRejected {
                    vendor: vendor_id,
                    code: r.code,
                    vendor_code: r.vendor_code,
                    message: r.message,
                },
            };
            journal.append(Some(&id), None, event);
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(task);
            }
            Err(_) => tracing::error!("sendmsg outside a tokio runtime: push not dispatched"),
        }
    }
}
