//! Machinery every simulated vendor endpoint and client shares.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::{Certificate, VendorApp, VendorId, MESSAGE_ID_HEADER};
use crate::services::clock::{Clock, Timestamp};
use crate::services::gateway::Gateway;
use crate::services::journal::{Journal, MessageId};

/// What a vendor module may use of the hub: its clock, journal, gateway and
/// the vendor consoles' app registry.
#[derive(Clone)]
pub struct Services {
    pub clock: Clock,
    pub journal: Journal,
    pub gateway: Gateway,
    pub apps: AppRegistry,
    ids: Arc<AtomicU64>,
}

impl Services {
    pub fn new(clock: Clock, journal: Journal, gateway: Gateway, apps: AppRegistry) -> Services {
        Services {
            clock,
            journal,
            gateway,
            apps,
            ids: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The journal id of a push: the IM message's id when the IM server sent
    /// it (see [`MESSAGE_ID_HEADER`]), a new one when a backend called the
    /// vendor endpoint directly.
    pub fn message_id_for(&self, headers: &HeaderMap, vendor: VendorId) -> MessageId {
        headers
            .get(MESSAGE_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|s| !s.is_empty())
            .map(|s| MessageId(s.to_string()))
            .unwrap_or_else(|| {
                let n = self.ids.fetch_add(1, Ordering::SeqCst) + 1;
                MessageId(format!("{}-{n}", vendor.name()))
            })
    }

    /// A vendor-side id counter (message ids, task ids...), unique per hub.
    pub fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// The apps registered in the vendors' developer consoles, which the
/// simulated endpoints authenticate against.
///
/// Two sources feed it. By default, saving a certificate in the IM console
/// registers the app it describes (the certificate is taken as a faithful
/// copy of the vendor console). Apps registered explicitly (the admin API's
/// `POST /admin/v1/vendors/{vendor}/apps`, a scenario's `console:`) model the
/// vendor console on their own: once a vendor has one, that vendor's
/// endpoint knows only its explicitly registered apps, so a certificate that
/// disagrees with them is refused as the real vendor refuses it.
#[derive(Clone, Default)]
pub struct AppRegistry {
    inner: Arc<parking_lot::RwLock<Apps>>,
}

#[derive(Default)]
struct Apps {
    /// (certificate id, its app), in saving order.
    from_certificates: Vec<(u64, Arc<VendorApp>)>,
    /// Registered explicitly, in registration order.
    console: Vec<Arc<VendorApp>>,
}

impl AppRegistry {
    /// Registers or replaces the app of this certificate (the default
    /// source; see the type's doc).
    pub fn upsert(&self, cert: &Certificate) {
        let mut apps = self.inner.write();
        apps.from_certificates.retain(|(id, _)| *id != cert.id);
        apps.from_certificates
            .push((cert.id, Arc::new(VendorApp::of_certificate(cert))));
    }

    /// Registers the apps of a certificate's live versions (an edited
    /// certificate whose old version is still in effect is sent with the
    /// old values, which the console, a faithful copy, also holds).
    pub fn set_certificate_versions(&self, certificate_id: u64, versions: &[Certificate]) {
        let mut apps = self.inner.write();
        apps.from_certificates
            .retain(|(id, _)| *id != certificate_id);
        for cert in versions {
            let app = VendorApp::of_certificate(cert);
            if !apps
                .from_certificates
                .iter()
                .any(|(id, a)| *id == certificate_id && **a == app)
            {
                apps.from_certificates.push((certificate_id, Arc::new(app)));
            }
        }
    }

    /// Forgets the app registered by this certificate.
    pub fn remove(&self, certificate_id: u64) {
        self.inner
            .write()
            .from_certificates
            .retain(|(id, _)| *id != certificate_id);
    }

    /// Registers an app in its vendor's console, replacing one of the same
    /// vendor and package. From then on the vendor knows only its explicitly
    /// registered apps.
    pub fn register(&self, app: VendorApp) {
        let mut apps = self.inner.write();
        apps.console
            .retain(|a| !(a.vendor() == app.vendor() && a.package == app.package));
        apps.console.push(Arc::new(app));
    }

    /// The apps registered explicitly for `vendor`.
    pub fn registered(&self, vendor: VendorId) -> Vec<VendorApp> {
        self.inner
            .read()
            .console
            .iter()
            .filter(|a| a.vendor() == vendor)
            .map(|a| (**a).clone())
            .collect()
    }

    /// Forgets the apps registered explicitly for `vendor`: certificates
    /// register theirs again.
    pub fn unregister_all(&self, vendor: VendorId) {
        self.inner.write().console.retain(|a| a.vendor() != vendor);
    }

    /// The first app the vendor's console holds for which `pred` holds
    /// (vendor modules match on their own credentials, e.g. by app secret or
    /// app id).
    pub fn find(
        &self,
        vendor: VendorId,
        mut pred: impl FnMut(&VendorApp) -> bool,
    ) -> Option<Arc<VendorApp>> {
        self.held(vendor).into_iter().find(|a| pred(a))
    }

    /// What the vendor's console holds: its explicitly registered apps when
    /// it has any, else the apps of the saved certificates.
    fn held(&self, vendor: VendorId) -> Vec<Arc<VendorApp>> {
        let apps = self.inner.read();
        let console: Vec<_> = apps
            .console
            .iter()
            .filter(|a| a.vendor() == vendor)
            .cloned()
            .collect();
        if !console.is_empty() {
            return console;
        }
        apps.from_certificates
            .iter()
            .filter(|(_, a)| a.vendor() == vendor)
            .map(|(_, a)| a.clone())
            .collect()
    }

    /// Every vendor app endpoints currently know.
    pub fn list(&self) -> Vec<VendorApp> {
        VendorId::ALL
            .iter()
            .flat_map(|v| self.held(*v))
            .map(|a| (*a).clone())
            .collect()
    }

    pub fn clear(&self) {
        let mut apps = self.inner.write();
        apps.from_certificates.clear();
        apps.console.clear();
    }
}

/// Whether `token` is one the vendor issued, on some device, to another
/// package than `package`: the token exists, but not for this vendor app.
/// Endpoints answer it with their usual invalid-token code; the journal
/// names it `vendor.package_mismatch`.
pub fn token_of_another_package(
    services: &Services,
    vendor: VendorId,
    token: &str,
    package: &str,
) -> bool {
    services
        .gateway
        .lookup(vendor, token)
        .is_some_and(|r| r.package != package)
}

/// One request a simulated endpoint handled, for retrospection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestLog {
    pub at: Timestamp,
    pub method: String,
    pub path: String,
    pub http_status: u16,
    pub accepted: bool,
    /// The vendor's code in the response (`0`, `"80000000"`, `UNREGISTERED`...).
    pub vendor_code: String,
    pub message: String,
    /// Target tokens, when the request named any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<String>,
    /// The journal id, for sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
}

/// A bounded log of requests: the newest [`MAX_LOGS`] are kept.
#[derive(Default)]
pub struct RequestLogs {
    inner: Mutex<std::collections::VecDeque<RequestLog>>,
}

/// How many requests a vendor keeps for retrospection.
const MAX_LOGS: usize = 10_000;

impl RequestLogs {
    pub fn push(&self, log: RequestLog) {
        let mut v = self.inner.lock();
        if v.len() >= MAX_LOGS {
            v.pop_front();
        }
        v.push_back(log);
    }
    pub fn list(&self) -> Vec<RequestLog> {
        self.inner.lock().iter().cloned().collect()
    }
    pub fn clear(&self) {
        self.inner.lock().clear();
    }
}

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this vendor error code in the vendor's own shape.
    ErrorCode { code: String },
    /// Answer only after this long (virtual time on a virtual clock is not
    /// used here: latency is real, to exercise client timeouts).
    Latency { millis: u64 },
    /// Answer with this HTTP 5xx status.
    ServerError { status: u16 },
    /// Close the connection without answering.
    Drop,
}

/// The status an injected [`FaultKind::ServerError`] answers: the given
/// one when it is a 5xx, else 500 (a "server error" fault never answers a
/// success or a client error).
pub fn fault_status(status: u16) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(status)
        .ok()
        .filter(|s| s.is_server_error())
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
}

/// Journals an injected server error or dropped connection as the
/// endpoint's refusal, with the diagnosis and vendor code the client gives
/// it (`delivery.timeout`; `http_<status>` or `transport`).
pub fn journal_fault(
    services: &Services,
    message_id: &MessageId,
    vendor: VendorId,
    vendor_code: &str,
    message: &str,
) {
    services.journal.append(
        Some(message_id),
        None,
        crate::services::journal::Event::EndpointRejected {
            vendor,
            vendor_code: vendor_code.to_string(),
            message: message.to_string(),
            code: crate::diagnosis::Diagnosis::DeliveryTimeout,
        },
    );
}

/// Which requests an injected fault hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultScope {
    /// The next `count` send requests.
    Next { count: u32 },
    /// Every send to this device token.
    Token { token: String },
}

/// An injected fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub scope: FaultScope,
    pub kind: FaultKind,
}

/// The faults armed for one vendor's endpoint.
#[derive(Default)]
pub struct Faults {
    inner: Mutex<Vec<Fault>>,
}

impl Faults {
    pub fn add(&self, fault: Fault) {
        self.inner.lock().push(fault);
    }

    pub fn list(&self) -> Vec<Fault> {
        self.inner.lock().clone()
    }

    pub fn clear(&self) {
        self.inner.lock().clear();
    }

    /// The fault that hits a send to these tokens, consuming one use of a
    /// `Next` fault.
    pub fn take(&self, tokens: &[&str]) -> Option<FaultKind> {
        let mut faults = self.inner.lock();
        if let Some(f) = faults.iter().find(|f| match &f.scope {
            FaultScope::Token { token } => tokens.contains(&token.as_str()),
            FaultScope::Next { .. } => false,
        }) {
            return Some(f.kind.clone());
        }
        let i = faults
            .iter()
            .position(|f| matches!(f.scope, FaultScope::Next { count } if count > 0))?;
        let kind = faults[i].kind.clone();
        if let FaultScope::Next { count } = &mut faults[i].scope {
            *count -= 1;
            if *count == 0 {
                faults.remove(i);
            }
        }
        Some(kind)
    }
}

/// The diagnosis every client gives a request that got no answer
/// (connection refused, reset, or dropped before the answer was read):
/// `delivery.timeout`, vendor code `transport`.
pub fn transport_failure(e: impl std::fmt::Display) -> super::Rejection {
    super::Rejection {
        code: crate::diagnosis::Diagnosis::DeliveryTimeout,
        vendor_code: "transport".into(),
        message: e.to_string(),
    }
}

/// The diagnosis every client gives an HTTP 5xx that is not the vendor's
/// documented flow control: `delivery.timeout`, vendor code
/// `http_<status>`, with the start of the body as the message.
pub fn server_error(status: u16, body: &str) -> super::Rejection {
    super::Rejection {
        code: crate::diagnosis::Diagnosis::DeliveryTimeout,
        vendor_code: http_code(status),
        message: body.chars().take(200).collect(),
    }
}

/// A vendor code for an HTTP status with no vendor code of its own, spelt
/// the same by every client: `http_<status>`.
pub fn http_code(status: u16) -> String {
    format!("http_{status}")
}

/// One asynchronous lock per key, for single-flight token refreshes: the
/// first task to find a credential's cached token missing or stale fetches
/// a new one while the others wait, then read the cache it filled, so N
/// concurrent cold sends make one auth call (vendors cap auth calls and
/// invalidate older tokens).
pub struct RefreshLocks<K> {
    inner: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
}

impl<K> Default for RefreshLocks<K> {
    fn default() -> Self {
        RefreshLocks {
            inner: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + std::hash::Hash + Clone> RefreshLocks<K> {
    /// Waits for and holds the refresh lock of `key`.
    pub async fn lock(&self, key: &K) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self.inner.lock().entry(key.clone()).or_default().clone();
        lock.lock_owned().await
    }
}

/// Fixed windows counted on the hub clock: "at most `limit` per `window`"
/// for any key (an app, an app and a device...).
pub struct RateWindow {
    pub limit: u64,
    pub window: Duration,
    counts: Mutex<HashMap<String, (i64, u64)>>,
}

impl RateWindow {
    pub fn new(limit: u64, window: Duration) -> RateWindow {
        RateWindow {
            limit,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one hit for `key` at `now`; false when over the limit (the hit
    /// is not counted then).
    pub fn hit(&self, key: &str, now: Timestamp) -> bool {
        let w = self.window.as_millis().max(1) as i64;
        let slot = now.millis().div_euclid(w);
        let mut counts = self.counts.lock();
        let e = counts.entry(key.to_string()).or_insert((slot, 0));
        if e.0 != slot {
            *e = (slot, 0);
        }
        if e.1 >= self.limit {
            return false;
        }
        e.1 += 1;
        true
    }

    pub fn clear(&self) {
        self.counts.lock().clear();
    }

    /// Takes over the counts of `old` (a window replaced because its limit
    /// changed keeps what was already counted in it).
    pub fn keep_counts_of(&self, old: &RateWindow) {
        if self.window == old.window {
            *self.counts.lock() = std::mem::take(&mut *old.counts.lock());
        }
    }
}

/// A rejection made on the client side or read from an answer.
pub fn rejection(
    code: crate::diagnosis::Diagnosis,
    vendor_code: impl Into<String>,
    message: impl Into<String>,
) -> super::Rejection {
    super::Rejection {
        code,
        vendor_code: vendor_code.into(),
        message: message.into(),
    }
}

/// The outcome of a push refused before any request was made (a
/// certificate the vendor cannot express, a missing credential).
pub fn not_sent(rejection: super::Rejection) -> super::SendOutcome {
    super::SendOutcome {
        request: None,
        result: Err(rejection),
    }
}

/// Posts `body` with `headers` to `url`: the answer's status and body, or
/// the transport failure every client diagnoses alike.
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    body: String,
) -> Result<(u16, bytes::Bytes), super::Rejection> {
    let mut builder = http.post(url);
    for (k, v) in headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let resp = builder.body(body).send().await.map_err(transport_failure)?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(transport_failure)?;
    Ok((status, body))
}

/// Posts a built request to `base_url` + `path` and reads the answer with
/// `interpret`: the outcome of a client whose send is one request.
pub async fn post_and_read(
    http: &reqwest::Client,
    base_url: &str,
    path: &str,
    headers: &[(String, String)],
    body: String,
    interpret: impl FnOnce(u16, &[u8]) -> Result<String, super::Rejection>,
) -> super::SendOutcome {
    let url = format!("{}{}", base_url.trim_end_matches('/'), path);
    let result = match post(http, &url, headers, body).await {
        Ok((status, body)) => interpret(status, &body),
        Err(e) => Err(e),
    };
    super::SendOutcome {
        request: Some(("POST".into(), url)),
        result,
    }
}

/// The rejection of an answer with no vendor code to read (not the
/// vendor's JSON): vendor code `http_<status>`, the start of the body as
/// the message.
pub fn unreadable_answer(
    code: crate::diagnosis::Diagnosis,
    status: u16,
    body: &[u8],
) -> super::Rejection {
    rejection(
        code,
        http_code(status),
        String::from_utf8_lossy(body)
            .chars()
            .take(200)
            .collect::<String>(),
    )
}

/// Counts per key and China day ([`china_day`]): "at most `limit` a day"
/// for an app, a device, an app and a device...
#[derive(Default)]
pub struct DailyCounter {
    counts: Mutex<HashMap<String, (i64, u64)>>,
}

impl DailyCounter {
    /// Counts `n` for `key` on the China day of `now` unless that would
    /// pass `limit`; then nothing is counted and the error is what was
    /// already counted that day.
    pub fn hit(&self, key: &str, now: Timestamp, n: u64, limit: u64) -> Result<(), u64> {
        let day = china_day(now);
        let mut counts = self.counts.lock();
        let e = counts.entry(key.to_string()).or_insert((day, 0));
        if e.0 != day {
            *e = (day, 0);
        }
        if e.1 + n > limit {
            return Err(e.1);
        }
        e.1 += n;
        Ok(())
    }

    /// Takes over the counts of `old` (new limits apply to what was
    /// already counted today).
    pub fn keep_counts_of(&self, old: &DailyCounter) {
        *self.counts.lock() = std::mem::take(&mut *old.counts.lock());
    }
}

/// Counts in days on the hub clock (vendors reset daily quotas at midnight
/// China time, UTC+8).
pub fn china_day(now: Timestamp) -> i64 {
    crate::wire::time::china_day(now.millis())
}

/// A random string over `alphabet`, for tokens and ids in a vendor's shape.
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX: &[u8] = b"0123456789abcdef";

/// Services on a virtual clock with an empty app registry, for the vendor
/// modules' unit tests.
#[cfg(test)]
pub(crate) fn test_services() -> Services {
    let clock = Clock::virtual_at(Timestamp(1_700_000_000_000));
    let journal = Journal::new(clock.clone());
    Services::new(
        clock,
        journal.clone(),
        Gateway::new(journal),
        AppRegistry::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_window_resets_on_the_next_window() {
        let w = RateWindow::new(2, Duration::from_secs(1));
        let t = Timestamp(10_000);
        assert!(w.hit("a", t));
        assert!(w.hit("a", t));
        assert!(!w.hit("a", t));
        assert!(w.hit("b", t));
        assert!(w.hit("a", Timestamp(11_000)));
    }

    #[test]
    fn daily_counter_refuses_past_the_limit_until_the_next_china_day() {
        let c = DailyCounter::default();
        // 15:00 UTC is 23:00 in China; 16:00 UTC is the next China day.
        let evening = Timestamp(15 * 3_600_000);
        assert_eq!(c.hit("a", evening, 2, 3), Ok(()));
        assert_eq!(c.hit("a", evening, 2, 3), Err(2));
        assert_eq!(c.hit("a", evening, 1, 3), Ok(()));
        assert_eq!(c.hit("b", evening, 3, 3), Ok(()));
        assert_eq!(c.hit("a", Timestamp(16 * 3_600_000), 3, 3), Ok(()));
    }

    #[test]
    fn next_faults_are_consumed() {
        let f = Faults::default();
        f.add(Fault {
            scope: FaultScope::Next { count: 1 },
            kind: FaultKind::Drop,
        });
        f.add(Fault {
            scope: FaultScope::Token { token: "t".into() },
            kind: FaultKind::ServerError { status: 503 },
        });
        assert_eq!(f.take(&["x"]), Some(FaultKind::Drop));
        assert_eq!(f.take(&["x"]), None);
        assert_eq!(f.take(&["t"]), Some(FaultKind::ServerError { status: 503 }));
        assert_eq!(f.take(&["t"]), Some(FaultKind::ServerError { status: 503 }));
    }
}
