//! Huawei HMS Push: certificate fields, client, simulated endpoint and
//! device-side delivery semantics.
//!
//! Wire format (vendors.md §2): an OAuth2 client-credentials token from
//! `POST /oauth2/v3/token` (or `/v2/`), then `POST /v1/{appId}/messages:send`
//! with `Authorization: Bearer <token>` and a JSON body. Result codes are
//! strings (`"80000000"` is success).
//!
//! Device side (seeds 000/001, HMS-CLICK): EMUI's push service posts the
//! notification. A tap opens the app (type 3), a web page (type 2) or an
//! in-app page named by an intent URI or an action (type 1). The message's
//! `data` reaches the opened activity as extras only where the notification
//! centre supports it (NC >= 9.1.1, and not on devices known to drop it), so
//! those extras carry [`Requirement::HuaweiPassthrough`]; extras written into
//! the intent URI (`ExtAsHuaweiIntentParam=1`) always arrive.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{
    china_day, http_code, random_string, server_error, transport_failure, FaultKind, RateWindow,
    RefreshLocks, RequestLogs,
};
use super::common::{fault_status, journal_fault};
use super::{
    ClickAction, EndpointControl, EndpointState, Faults, PageTarget, Push, Rejection, RequestLog,
    SendOutcome, Services, Vendor, VendorId, MESSAGE_ID_HEADER,
};
use crate::android::ExtraValue;
use crate::diagnosis::Diagnosis;
use crate::services::clock::{Clock, Timestamp};
use crate::services::journal::{Event, MessageId};
use crate::wire::protocol::{
    ClickRoute, DeviceInfo, DisplayInstruction, Extra, NotificationSpec, Poster, RegisterError,
    Requirement,
};

/// What the Huawei HMS Push console gives the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The AppGallery Connect app id (also the OAuth client id).
    pub app_id: String,
    /// The OAuth client secret.
    pub client_secret: String,
}

// ---------------------------------------------------------------------------
// Codes
// ---------------------------------------------------------------------------

/// HMS Push result codes (strings on the wire).
pub mod codes {
    pub const SUCCESS: &str = "80000000";
    pub const PARTIAL: &str = "80100000";
    pub const PARAMETER_ERROR: &str = "80100001";
    pub const ILLEGAL_PAYLOAD: &str = "80100003";
    pub const BAD_COLLAPSE_KEY: &str = "80100013";
    pub const OAUTH_FAILED: &str = "80200001";
    pub const OAUTH_EXPIRED: &str = "80200003";
    pub const ALL_TOKENS_INVALID: &str = "80300007";
    pub const BODY_TOO_LARGE: &str = "80300008";
    pub const TOKEN_COUNT: &str = "80300010";
    pub const OAUTH_SERVICE: &str = "80600003";
    pub const INTERNAL: &str = "81000001";
    /// Flow control. Huawei lists "503 Traffic control" among Push Kit's
    /// result codes and answers it with HTTP 503; the body's `code` for it is
    /// UNCONFIRMED, the simulator writes `"503"` so that the body stays
    /// parseable for clients that read it whatever the status (the Go demo).
    pub const FLOW_CONTROL: &str = "503";
}

/// The diagnosis an HMS result code stands for.
pub fn diagnosis_for(code: &str) -> Diagnosis {
    match code {
        codes::OAUTH_FAILED | codes::OAUTH_EXPIRED | codes::OAUTH_SERVICE | "80300002" => {
            Diagnosis::VendorAuthFailed
        }
        codes::ALL_TOKENS_INVALID => Diagnosis::VendorTokenInvalid,
        codes::FLOW_CONTROL => Diagnosis::VendorRateLimited,
        _ => Diagnosis::VendorInvalidRequest,
    }
}

/// The `msg` HMS writes next to a code.
fn message_of(code: &str) -> &'static str {
    match code {
        codes::SUCCESS => "Success",
        codes::PARTIAL => "Some tokens are successfully sent, and others fail",
        codes::PARAMETER_ERROR => "Some request parameters are incorrect",
        codes::ILLEGAL_PAYLOAD => "Illegal payload",
        codes::BAD_COLLAPSE_KEY => "Illegal collapse_key",
        codes::OAUTH_FAILED => "Oauth authentication error",
        codes::OAUTH_EXPIRED => "Oauth Token expired",
        codes::ALL_TOKENS_INVALID => "All the tokens are invalid",
        codes::BODY_TOO_LARGE => "The message body size exceeds the default value",
        codes::TOKEN_COUNT => "The number of tokens in the message body exceeds the default value",
        codes::OAUTH_SERVICE => "Oauth server error",
        codes::FLOW_CONTROL => "Traffic control",
        _ => "Internal error",
    }
}

/// The HTTP status of an HMS v1 answer. Huawei documents this mapping for
/// its v3 API (HMS-V3RESP); that v1 uses the same one is UNCONFIRMED. Every
/// answer keeps the `{code,msg,requestId}` body, so the Go demo (which parses
/// the body whatever the status, and retries after 80200001/80200003) works,
/// and the Python demo (which raises on any non-200) sees the failure.
fn http_status_of(code: &str) -> StatusCode {
    match code {
        codes::SUCCESS | codes::PARTIAL => StatusCode::OK,
        codes::OAUTH_FAILED | codes::OAUTH_EXPIRED => StatusCode::UNAUTHORIZED,
        codes::FLOW_CONTROL => StatusCode::SERVICE_UNAVAILABLE,
        codes::INTERNAL | codes::OAUTH_SERVICE => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/// Quotas and frequency control of the simulated endpoints.
///
/// Defaults from vendors.md §2: 1000 OAuth tokens per app per 5 minutes,
/// tokens live 1 h, at least 6000 QPS per app, news and marketing messages at
/// most 2 per device per day. Huawei publishes no per-device rate; 20 per
/// second to one token makes a burst of ~100 sends/s to one device meet flow
/// control (the FAQ "vendor frequency control in a fast burst").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// OAuth tokens per app per 5-minute window.
    pub tokens_per_5_minutes: u64,
    /// Access-token lifetime, seconds.
    pub token_lifetime_secs: u64,
    /// Send requests per app per second (`null`: unlimited).
    pub app_per_second: Option<u64>,
    /// Messages per device token per second.
    pub device_per_second: u64,
    /// News and marketing (`android.category` MARKETING) messages per device
    /// per China day; above it they are accepted but not displayed.
    pub marketing_per_device_daily: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tokens_per_5_minutes: 1000,
            token_lifetime_secs: 3600,
            app_per_second: Some(6000),
            device_per_second: 20,
            marketing_per_device_daily: 2,
        }
    }
}

struct Counters {
    tokens: RateWindow,
    app: Option<RateWindow>,
    device: RateWindow,
    /// device token -> (china day, marketing messages shown).
    marketing: Mutex<HashMap<String, (i64, u64)>>,
}

impl Counters {
    fn new(l: &Limits) -> Counters {
        Counters {
            tokens: RateWindow::new(l.tokens_per_5_minutes, Duration::from_secs(300)),
            app: l
                .app_per_second
                .map(|n| RateWindow::new(n, Duration::from_secs(1))),
            device: RateWindow::new(l.device_per_second, Duration::from_secs(1)),
            marketing: Mutex::new(HashMap::new()),
        }
    }
}

/// An access token the simulated OAuth server issued.
#[derive(Debug, Clone)]
struct Issued {
    app_id: String,
    expires_at: Timestamp,
}

/// A cached client token's key: (token URL, app id, client secret).
type CacheKey = (String, String, String);

struct Inner {
    services: Services,
    faults: Faults,
    logs: RequestLogs,
    limits: RwLock<Limits>,
    counters: RwLock<Counters>,
    issued: Mutex<HashMap<String, Issued>>,
    /// Client side: cached tokens per (token URL, app id, secret).
    cache: Mutex<HashMap<CacheKey, (String, Timestamp)>>,
    /// Client side: one token refresh at a time per cache key.
    refresh: RefreshLocks<CacheKey>,
}

/// Huawei HMS Push.
pub struct Huawei {
    inner: Arc<Inner>,
}

impl Huawei {
    pub fn new(services: Services) -> Self {
        let limits = Limits::default();
        let counters = Counters::new(&limits);
        Self {
            inner: Arc::new(Inner {
                services,
                faults: Faults::default(),
                logs: RequestLogs::default(),
                limits: RwLock::new(limits),
                counters: RwLock::new(counters),
                issued: Mutex::new(HashMap::new()),
                cache: Mutex::new(HashMap::new()),
                refresh: RefreshLocks::default(),
            }),
        }
    }
}

/// The HMS Core version Push Kit needs (seed 000: "20401300 and later").
pub const MIN_HMS_CORE_VERSION: u64 = 20_401_300;

/// A push token in HMS shape: a long string of letters, digits and
/// `-`/`_` that starts with a digit (HMS tokens are about 130–160
/// characters; the exact alphabet is UNCONFIRMED).
pub fn new_push_token() -> String {
    const DIGITS: &[u8] = b"0123456789";
    const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    format!(
        "{}{}",
        random_string(1, DIGITS),
        random_string(135, URLSAFE)
    )
}

#[async_trait]
impl Vendor for Huawei {
    fn id(&self) -> VendorId {
        VendorId::Huawei
    }

    fn hosts(&self) -> &'static [&'static str] {
        &[
            "push-api.cloud.huawei.com",
            "oauth-login.cloud.huawei.com",
            "login.cloud.huawei.com",
            "api.push.hicloud.com",
        ]
    }

    /// `HmsInstanceId.getToken` needs HMS Core 20401300 or later. Below that
    /// (or without HMS Core) the HMS SDK's availability check fails:
    /// `HuaweiApiAvailability.isHuaweiMobileServicesAvailable` answers
    /// `SERVICE_VERSION_UPDATE_REQUIRED` (2) for an outdated HMS Core and
    /// `SERVICE_MISSING` (1) when it is absent. These are the codes of the
    /// availability API, which mirror Google's ConnectionResult; which code
    /// `getToken` itself surfaces in that state is UNCONFIRMED.
    fn register(&self, device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        match device.hms_core_version {
            Some(v) if v >= MIN_HMS_CORE_VERSION => Ok(new_push_token()),
            Some(v) => Err(RegisterError {
                vendor: VendorId::Huawei,
                code: "2".into(),
                message: format!(
                    "SERVICE_VERSION_UPDATE_REQUIRED: HMS Core {v} is older than {MIN_HMS_CORE_VERSION}"
                ),
                diagnosis: Diagnosis::HuaweiHmsTooOld,
            }),
            None => Err(RegisterError {
                vendor: VendorId::Huawei,
                code: "1".into(),
                message: "SERVICE_MISSING: HMS Core is not installed".into(),
                diagnosis: Diagnosis::HuaweiHmsTooOld,
            }),
        }
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route("/oauth2/v2/token", post(handle_token))
            .route("/oauth2/v3/token", post(handle_token))
            .route("/v1/{app_id}/{action}", post(handle_send))
            .with_state(self.inner.clone())
    }

    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
        send(&self.inner, http, base_url, push).await
    }

    fn endpoint(&self) -> &dyn EndpointControl {
        &*self.inner
    }
}

impl EndpointState for Inner {
    type Limits = Limits;

    fn logs(&self) -> &RequestLogs {
        &self.logs
    }

    fn faults(&self) -> &Faults {
        &self.faults
    }

    fn current_limits(&self) -> Limits {
        self.limits.read().clone()
    }

    fn install_limits(&self, merged: Limits) {
        // New limits apply to what was already counted today.
        let mut counters = self.counters.write();
        let next = Counters::new(&merged);
        next.tokens.keep_counts_of(&counters.tokens);
        next.device.keep_counts_of(&counters.device);
        if let (Some(n), Some(o)) = (&next.app, &counters.app) {
            n.keep_counts_of(o);
        }
        *next.marketing.lock() = std::mem::take(&mut *counters.marketing.lock());
        *counters = next;
        drop(counters);
        *self.limits.write() = merged;
    }

    fn reset_state(&self) {
        self.issued.lock().clear();
        self.cache.lock().clear();
        let limits = self.limits.read().clone();
        *self.counters.write() = Counters::new(&limits);
    }
}

// ---------------------------------------------------------------------------
// Intent URIs (Intent.toUri(URI_INTENT_SCHEME) extras)
// ---------------------------------------------------------------------------

/// `Uri.encode`: keeps `A-Z a-z 0-9 _ - ! . ~ ' ( ) *`, percent-encodes the
/// rest as UTF-8 with upper-case hex.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"_-!.~'()*".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The intent URI with string extras added, as `intent.putExtra(k, v)`
/// before `toUri(URI_INTENT_SCHEME)` writes them: `S.<key>=<value>;` after
/// the other items, before a selector and `end`. A plain URI
/// (`pushscheme://host/p`) becomes the `intent:` form of a VIEW intent with
/// that data.
pub fn add_intent_extras(uri: &str, extras: &[(String, String)]) -> String {
    if extras.is_empty() {
        return uri.to_string();
    }
    let items: String = extras
        .iter()
        .map(|(k, v)| format!("S.{}={};", uri_encode(k), uri_encode(v)))
        .collect();
    // Only an `intent:` URI has items: `parseUri` reads anything else as
    // the data of a VIEW intent, fragment included.
    if let Some(frag) = uri.rfind("#Intent;").filter(|_| uri.starts_with("intent:")) {
        let tail = &uri[frag..];
        let at = tail
            .find("SEL;")
            .or_else(|| tail.rfind("end").filter(|&i| i >= "#Intent;".len()))
            .map(|i| frag + i);
        return match at {
            Some(i) => format!("{}{}{}", &uri[..i], items, &uri[i..]),
            None => format!("{uri}{items}end"),
        };
    }
    if let Some(rest) = uri.strip_prefix("intent:") {
        return format!("intent:{rest}#Intent;{items}end");
    }
    // A scheme: letters, digits, `+ . -`, then `:` at a position > 0.
    let scheme_end = uri.find(':').filter(|&i| {
        i > 0
            && uri[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    });
    match scheme_end {
        Some(i) => format!(
            "intent:{}#Intent;scheme={};{items}end",
            &uri[i + 1..],
            uri_encode(&uri[..i])
        ),
        None => format!("intent:{uri}#Intent;{items}end"),
    }
}

/// The key/value pairs an ext stands for: the members of a JSON object
/// (strings as they are, other values as JSON text), or the whole ext under
/// `ext` when it is not a JSON object.
fn ext_pairs(ext: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<Value>(ext) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        _ => vec![("ext".to_string(), ext.to_string())],
    }
}

// ---------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------

/// An HTTP request the client sends, for snapshots and for `send`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutgoingRequest {
    pub method: String,
    /// Relative to the base URL (the OAuth host for the token request).
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// JSON for sends; form-urlencoded text for the token request.
    pub body: Value,
}

fn rejection(
    code: Diagnosis,
    vendor_code: impl Into<String>,
    message: impl Into<String>,
) -> Rejection {
    Rejection {
        code,
        vendor_code: vendor_code.into(),
        message: message.into(),
    }
}

fn credentials(push: &Push) -> Result<&Credentials, Rejection> {
    match &push.certificate.credentials {
        super::Credentials::Huawei(c) => Ok(c),
        _ => Err(rejection(
            Diagnosis::VendorInvalidRequest,
            "certificate",
            "the certificate holds no Huawei credentials",
        )),
    }
}

/// The OAuth token request (client-credentials mode).
pub fn build_token_request(creds: &Credentials) -> OutgoingRequest {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", &creds.app_id)
        .append_pair("client_secret", &creds.client_secret)
        .finish();
    OutgoingRequest {
        method: "POST".into(),
        path: "/oauth2/v3/token".into(),
        headers: vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: Value::String(body),
    }
}

/// Builds the HMS v1 send request for `push` with `access_token` (pure).
///
/// - Click: open app → type 3; URL → type 2 `url`; in-app page → type 1 with
///   `intent` (intent URI) or `action`; an activity class cannot be named
///   by HMS and is a certificate error.
/// - Ext: `android.data`; with `AndroidInfo.ExtAsHuaweiIntentParam` 1 its
///   JSON keys also become extras of the intent URI.
/// - Badge: the certificate's badge class → `badge {add_num: 1, class}`.
/// - `HuaWeiImportance` → `notification.importance`, `HuaWeiCategory` →
///   `android.category`, `HuaWeiChannelID` (else the certificate's) →
///   `notification.channel_id`.
pub fn build_send_request(push: &Push, access_token: &str) -> Result<OutgoingRequest, Rejection> {
    let creds = credentials(push)?;
    let ext = push.ext.as_deref().filter(|e| !e.is_empty());
    let click = match &push.certificate.click {
        ClickAction::OpenApp => json!({"type": 3}),
        ClickAction::OpenUrl { url } => json!({"type": 2, "url": url}),
        ClickAction::OpenPage {
            page: PageTarget::IntentUri(uri),
        } => {
            let uri = match ext {
                Some(ext) if push.android.ext_as_huawei_intent_param == Some(1) => {
                    add_intent_extras(uri, &ext_pairs(ext))
                }
                _ => uri.clone(),
            };
            json!({"type": 1, "intent": uri})
        }
        ClickAction::OpenPage {
            page: PageTarget::Action(action),
        } => json!({"type": 1, "action": action}),
        ClickAction::OpenPage {
            page: PageTarget::Activity(class),
        } => {
            return Err(rejection(
                Diagnosis::VendorInvalidRequest,
                "certificate",
                format!("HMS opens an in-app page by intent URI or action, not by class {class}"),
            ))
        }
    };
    let mut notification = serde_json::Map::new();
    notification.insert("title".into(), json!(push.title));
    notification.insert("body".into(), json!(push.desc));
    let channel = push
        .android
        .huawei_channel_id
        .as_ref()
        .filter(|c| !c.is_empty())
        .or(push
            .certificate
            .channel_id
            .as_ref()
            .filter(|c| !c.is_empty()));
    if let Some(c) = channel {
        notification.insert("channel_id".into(), json!(c));
    }
    if let Some(i) = push
        .android
        .huawei_importance
        .as_ref()
        .filter(|i| !i.is_empty())
    {
        notification.insert("importance".into(), json!(i));
    }
    notification.insert("click_action".into(), click);
    if let Some(class) = push
        .certificate
        .badge_class
        .as_ref()
        .filter(|c| !c.is_empty())
    {
        notification.insert("badge".into(), json!({"add_num": 1, "class": class}));
    }
    let mut android = serde_json::Map::new();
    if let Some(c) = push
        .android
        .huawei_category
        .as_ref()
        .filter(|c| !c.is_empty())
    {
        android.insert("category".into(), json!(c));
    }
    if let Some(ext) = ext {
        android.insert("data".into(), json!(ext));
    }
    android.insert("notification".into(), Value::Object(notification));
    let body = json!({
        "validate_only": false,
        "message": {
            "android": android,
            "token": [push.token],
        }
    });
    Ok(OutgoingRequest {
        method: "POST".into(),
        path: format!("/v1/{}/messages:send", creds.app_id),
        headers: vec![
            ("Authorization".into(), format!("Bearer {access_token}")),
            (
                "Content-Type".into(),
                "application/json;charset=utf-8".into(),
            ),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        body,
    })
}

/// Reads an HMS send answer into the request id or a rejection.
pub fn interpret_send_response(status: u16, body: &[u8]) -> Result<String, Rejection> {
    let v: Value = match serde_json::from_slice(body) {
        // Flow control is a 503 that says so; any other 5xx is the server
        // failing.
        Ok(v @ Value::Object(_))
            if !(500..600).contains(&status) || v["code"] == codes::FLOW_CONTROL =>
        {
            v
        }
        _ if (500..600).contains(&status) => {
            return Err(server_error(status, &String::from_utf8_lossy(body)));
        }
        _ => {
            let diagnosis = match status {
                401 | 403 => Diagnosis::VendorAuthFailed,
                429 => Diagnosis::VendorRateLimited,
                _ => Diagnosis::VendorInvalidRequest,
            };
            return Err(rejection(
                diagnosis,
                http_code(status),
                String::from_utf8_lossy(body)
                    .chars()
                    .take(200)
                    .collect::<String>(),
            ));
        }
    };
    let code = match &v["code"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let msg = v["msg"].as_str().unwrap_or_default().to_string();
    match code.as_str() {
        codes::SUCCESS | codes::PARTIAL => {
            Ok(v["requestId"].as_str().unwrap_or_default().to_string())
        }
        "" => Err(rejection(
            Diagnosis::VendorInvalidRequest,
            http_code(status),
            msg,
        )),
        _ => Err(rejection(diagnosis_for(&code), code, msg)),
    }
}

/// Where the OAuth token comes from: the real OAuth host when the client
/// talks to Huawei's real push host, else the same base (the simulator
/// serves both).
fn token_url(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    if base.contains("push-api.cloud.huawei.com") || base.contains("api.push.hicloud.com") {
        "https://oauth-login.cloud.huawei.com/oauth2/v3/token".into()
    } else {
        format!("{base}/oauth2/v3/token")
    }
}

/// How long before expiry the client refreshes (the demos use 5 minutes).
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

async fn access_token(
    inner: &Inner,
    http: &reqwest::Client,
    url: &str,
    creds: &Credentials,
    clock: &Clock,
) -> Result<String, Rejection> {
    let key = (
        url.to_string(),
        creds.app_id.clone(),
        creds.client_secret.clone(),
    );
    let cached = |now: Timestamp| {
        inner
            .cache
            .lock()
            .get(&key)
            .filter(|(_, expires)| now.plus(REFRESH_MARGIN) < *expires)
            .map(|(token, _)| token.clone())
    };
    if let Some(token) = cached(clock.now()) {
        return Ok(token);
    }
    // Single flight: one refresh per credentials, the others wait for it.
    let _refresh = inner.refresh.lock(&key).await;
    let now = clock.now();
    if let Some(token) = cached(now) {
        return Ok(token);
    }
    let req = build_token_request(creds);
    let body = req.body.as_str().unwrap_or_default().to_string();
    let resp = http
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(transport_failure)?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(transport_failure)?;
    if (500..600).contains(&status) && status != 503 {
        return Err(server_error(status, &String::from_utf8_lossy(&bytes)));
    }
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    match v["access_token"].as_str() {
        Some(token) if status == 200 && !token.is_empty() => {
            let lifetime = v["expires_in"].as_u64().unwrap_or(3600);
            inner.cache.lock().insert(
                key,
                (token.to_string(), now.plus(Duration::from_secs(lifetime))),
            );
            Ok(token.to_string())
        }
        _ => {
            let code = match &v["error"] {
                Value::Null => http_code(status),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let diagnosis = if status == 429 {
                Diagnosis::VendorRateLimited
            } else {
                Diagnosis::VendorAuthFailed
            };
            Err(rejection(
                diagnosis,
                code,
                v["error_description"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect()),
            ))
        }
    }
}

async fn send(inner: &Inner, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
    let creds = match credentials(push) {
        Ok(c) => c,
        Err(e) => {
            return SendOutcome {
                request: None,
                result: Err(e),
            }
        }
    };
    // Built once, before spending a token on it (a certificate HMS cannot
    // express fails here); each attempt only sets its bearer token.
    let mut req = match build_send_request(push, "") {
        Ok(r) => r,
        Err(e) => {
            return SendOutcome {
                request: None,
                result: Err(e),
            }
        }
    };
    let body = req.body.to_string();
    let token_url = token_url(base_url);
    let clock = inner.services.clock.clone();
    let send_url_of = |path: &str| format!("{}{}", base_url.trim_end_matches('/'), path);
    let mut last_url = None;
    // As the Go demo: after 80200001/80200003, refresh the token once and
    // retry.
    for attempt in 0..2 {
        let token = match access_token(inner, http, &token_url, creds, &clock).await {
            Ok(t) => t,
            Err(e) => {
                return SendOutcome {
                    request: last_url.map(|u| ("POST".to_string(), u)),
                    result: Err(e),
                }
            }
        };
        for (k, v) in req.headers.iter_mut() {
            if k.eq_ignore_ascii_case("authorization") {
                *v = format!("Bearer {token}");
            }
        }
        let url = send_url_of(&req.path);
        last_url = Some(url.clone());
        let mut b = http.post(&url);
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let result = match b.body(body.clone()).send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.bytes().await {
                    Ok(body) => interpret_send_response(status, &body),
                    Err(e) => Err(transport_failure(e)),
                }
            }
            Err(e) => Err(transport_failure(e)),
        };
        match &result {
            Err(r)
                if attempt == 0
                    && (r.vendor_code == codes::OAUTH_FAILED
                        || r.vendor_code == codes::OAUTH_EXPIRED) =>
            {
                inner
                    .cache
                    .lock()
                    .retain(|(u, id, _), _| !(u == &token_url && id == &creds.app_id));
                continue;
            }
            _ => {
                return SendOutcome {
                    request: Some(("POST".into(), url)),
                    result,
                }
            }
        }
    }
    SendOutcome {
        request: last_url.map(|u| ("POST".to_string(), u)),
        result: Err(rejection(
            Diagnosis::VendorAuthFailed,
            codes::OAUTH_FAILED,
            "token refused twice",
        )),
    }
}

// ---------------------------------------------------------------------------
// Endpoint: OAuth
// ---------------------------------------------------------------------------

/// A Huawei OAuth error. The shape `{"error":N,"sub_error":N,
/// "error_description":"…"}` with HTTP 400 is what Huawei's OAuth server
/// answers; the exact numbers per failure are UNCONFIRMED.
fn oauth_error(status: StatusCode, error: u32, sub_error: u32, description: &str) -> Response {
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )],
        json!({"sub_error": sub_error, "error_description": description, "error": error})
            .to_string(),
    )
        .into_response()
}

/// An access token in the shape of Huawei's (base64 text, about 130 chars).
fn new_access_token() -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    format!("CgB6e3x9{}=", random_string(120, B64))
}

async fn handle_token(
    State(inner): State<Arc<Inner>>,
    OriginalUri(uri): OriginalUri,
    body: Bytes,
) -> Response {
    let now = inner.services.clock.now();
    let mut form: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        form.insert(k.into_owned(), v.into_owned());
    }
    let log = |status: StatusCode, accepted: bool, code: &str, message: &str| {
        inner.logs.push(RequestLog {
            at: now,
            method: "POST".into(),
            path: uri.path().to_string(),
            http_status: status.as_u16(),
            accepted,
            vendor_code: code.to_string(),
            message: message.to_string(),
            tokens: vec![],
            message_id: None,
        });
    };
    let get = |k: &str| form.get(k).map(String::as_str).filter(|s| !s.is_empty());
    let fail = |error: u32, sub: u32, description: &str| {
        log(
            StatusCode::BAD_REQUEST,
            false,
            &error.to_string(),
            description,
        );
        oauth_error(StatusCode::BAD_REQUEST, error, sub, description)
    };
    let Some(grant) = get("grant_type") else {
        return fail(1102, 20001, "missing required parameter: grant_type");
    };
    if grant != "client_credentials" {
        return fail(1102, 20003, "unsupported grant_type");
    }
    let Some(client_id) = get("client_id") else {
        return fail(1102, 20001, "missing required parameter: client_id");
    };
    let Some(secret) = get("client_secret") else {
        return fail(1102, 20001, "missing required parameter: client_secret");
    };
    let known = inner.services.apps.find(
        VendorId::Huawei,
        |c| matches!(&c.credentials, super::Credentials::Huawei(h) if h.app_id == client_id),
    );
    let Some(app) = known else {
        return fail(1101, 20068, "invalid client");
    };
    if !matches!(&app.credentials, super::Credentials::Huawei(h) if h.client_secret == secret) {
        return fail(1101, 20068, "invalid client secret");
    }
    // 1000 tokens per 5 minutes per app; then refused until the window
    // resets. The answer's exact form is UNCONFIRMED: HTTP 429 in the OAuth
    // error shape.
    if !inner.counters.read().tokens.hit(client_id, now) {
        let d = "the number of access tokens requested exceeds the limit";
        log(StatusCode::TOO_MANY_REQUESTS, false, "1203", d);
        return oauth_error(StatusCode::TOO_MANY_REQUESTS, 1203, 11205, d);
    }
    let lifetime = inner.limits.read().token_lifetime_secs;
    let token = new_access_token();
    let mut issued = inner.issued.lock();
    // Forget expired tokens now and then so the table stays small.
    if issued.len() >= 4096 {
        issued.retain(|_, i| i.expires_at > now);
    }
    issued.insert(
        token.clone(),
        Issued {
            app_id: client_id.to_string(),
            expires_at: now.plus(Duration::from_secs(lifetime)),
        },
    );
    drop(issued);
    log(StatusCode::OK, true, "0", "token issued");
    (
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )],
        json!({"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}).to_string(),
    )
        .into_response()
}

// ---------------------------------------------------------------------------
// Endpoint: send
// ---------------------------------------------------------------------------

/// Tokens per request.
const MAX_TOKENS: usize = 1000;
/// Message bytes, tokens excluded.
const MAX_BODY_BYTES: usize = 4096;
/// `android.category` values HMS accepts.
const CATEGORIES: &[&str] = &[
    "IM",
    "VOIP",
    "SUBSCRIPTION",
    "TRAVEL",
    "HEALTH",
    "WORK",
    "ACCOUNT",
    "EXPRESS",
    "FINANCE",
    "DEVICE_REMINDER",
    "SYSTEM_REMINDER",
    "MAIL",
    "PLAY_VOICE",
    "MARKETING",
];

struct HwError {
    code: &'static str,
    reason: String,
}

fn err(code: &'static str, reason: impl Into<String>) -> HwError {
    HwError {
        code,
        reason: reason.into(),
    }
}

/// Where a tap goes, as the request says.
enum Click {
    Intent(String),
    Action(String),
    Url(String),
    App,
}

struct Notification {
    title: String,
    body: String,
    channel_id: Option<String>,
    notify_id: Option<i32>,
    badge_class: Option<String>,
    click: Click,
}

/// A validated send.
struct Validated {
    tokens: Vec<String>,
    validate_only: bool,
    notification: Option<Notification>,
    data: Option<String>,
    category: Option<String>,
}

fn opt_str<'a>(v: &'a Value, key: &str) -> Result<Option<&'a str>, HwError> {
    match &v[key] {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(err(
            codes::ILLEGAL_PAYLOAD,
            format!("{key} must be a string"),
        )),
    }
}

fn opt_int(v: &Value, key: &str) -> Result<Option<i64>, HwError> {
    match &v[key] {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| err(codes::ILLEGAL_PAYLOAD, format!("{key} must be an integer"))),
        _ => Err(err(
            codes::ILLEGAL_PAYLOAD,
            format!("{key} must be an integer"),
        )),
    }
}

/// `\d+|\d+[sS]|\d+.\d{1,9}|\d+.\d{1,9}[sS]` (the demos' duration check).
fn is_duration(s: &str) -> bool {
    let s = s.strip_suffix(['s', 'S']).unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()))
}

fn is_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn validate_click(n: &Value) -> Result<Click, HwError> {
    let ca = &n["click_action"];
    if !ca.is_object() {
        return Err(err(codes::PARAMETER_ERROR, "click_action is required"));
    }
    match opt_int(ca, "type")? {
        Some(1) => {
            let intent = opt_str(ca, "intent")?.filter(|s| !s.is_empty());
            let action = opt_str(ca, "action")?.filter(|s| !s.is_empty());
            // When both are present, intent wins (HMS-CLICK).
            match (intent, action) {
                (Some(i), _) => Ok(Click::Intent(i.to_string())),
                (None, Some(a)) => Ok(Click::Action(a.to_string())),
                (None, None) => Err(err(
                    codes::PARAMETER_ERROR,
                    "click_action type 1 needs intent or action",
                )),
            }
        }
        Some(2) => match opt_str(ca, "url")? {
            Some(u) if u.starts_with("https://") => Ok(Click::Url(u.to_string())),
            Some(_) => Err(err(
                codes::PARAMETER_ERROR,
                "click_action url must be https",
            )),
            None => Err(err(codes::PARAMETER_ERROR, "click_action type 2 needs url")),
        },
        Some(3) => Ok(Click::App),
        _ => Err(err(
            codes::PARAMETER_ERROR,
            "click_action type must be 1, 2 or 3",
        )),
    }
}

fn validate_android_notification(n: &Value) -> Result<Click, HwError> {
    if !n.is_object() {
        return Err(err(
            codes::ILLEGAL_PAYLOAD,
            "android.notification must be an object",
        ));
    }
    let click = validate_click(n)?;
    opt_str(n, "title")?;
    opt_str(n, "body")?;
    opt_str(n, "channel_id")?;
    if let Some(i) = opt_str(n, "importance")? {
        if !["LOW", "NORMAL", "HIGH"].contains(&i) {
            return Err(err(
                codes::PARAMETER_ERROR,
                "importance must be LOW, NORMAL or HIGH",
            ));
        }
    }
    if let Some(c) = opt_str(n, "color")? {
        if !is_color(c) {
            return Err(err(codes::PARAMETER_ERROR, "color must be #RRGGBB"));
        }
    }
    if n["default_sound"] == Value::Bool(false) && opt_str(n, "sound")?.is_none_or(str::is_empty) {
        return Err(err(
            codes::PARAMETER_ERROR,
            "sound is required when default_sound is false",
        ));
    }
    match opt_int(n, "style")? {
        None | Some(0) | Some(3) => {}
        Some(1) => {
            if opt_str(n, "big_title")?.is_none_or(str::is_empty)
                || opt_str(n, "big_body")?.is_none_or(str::is_empty)
            {
                return Err(err(
                    codes::PARAMETER_ERROR,
                    "style 1 needs big_title and big_body",
                ));
            }
        }
        Some(_) => return Err(err(codes::PARAMETER_ERROR, "style must be 0, 1 or 3")),
    }
    match &n["vibrate_config"] {
        Value::Null => {}
        Value::Array(a) if a.len() <= 10 => {}
        Value::Array(_) => {
            return Err(err(
                codes::PARAMETER_ERROR,
                "vibrate_config holds at most 10 entries",
            ))
        }
        _ => {
            return Err(err(
                codes::ILLEGAL_PAYLOAD,
                "vibrate_config must be an array",
            ))
        }
    }
    if let Some(img) = opt_str(n, "image")? {
        if !img.starts_with("https://") {
            return Err(err(codes::PARAMETER_ERROR, "image must be an https url"));
        }
    }
    if let Some(v) = opt_str(n, "visibility")? {
        if !["VISIBILITY_UNSPECIFIED", "PRIVATE", "PUBLIC", "SECRET"].contains(&v) {
            return Err(err(codes::PARAMETER_ERROR, "invalid visibility"));
        }
    }
    if let Some(id) = opt_int(n, "notify_id")? {
        if i32::try_from(id).is_err() {
            return Err(err(codes::PARAMETER_ERROR, "notify_id is out of range"));
        }
    }
    let badge = &n["badge"];
    if !badge.is_null() {
        if !badge.is_object() {
            return Err(err(codes::ILLEGAL_PAYLOAD, "badge must be an object"));
        }
        if opt_int(badge, "add_num")?.is_some_and(|a| !(1..=99).contains(&a)) {
            return Err(err(
                codes::PARAMETER_ERROR,
                "badge add_num must be in [1, 99]",
            ));
        }
        if opt_int(badge, "set_num")?.is_some_and(|a| !(0..=99).contains(&a)) {
            return Err(err(
                codes::PARAMETER_ERROR,
                "badge set_num must be in [0, 99]",
            ));
        }
        opt_str(badge, "class")?;
    }
    Ok(click)
}

fn validate(body: &Value, raw_len: usize) -> Result<Validated, HwError> {
    if !body.is_object() {
        return Err(err(
            codes::ILLEGAL_PAYLOAD,
            "the body must be a JSON object",
        ));
    }
    let validate_only = match &body["validate_only"] {
        Value::Null => false,
        Value::Bool(b) => *b,
        _ => {
            return Err(err(
                codes::ILLEGAL_PAYLOAD,
                "validate_only must be a boolean",
            ))
        }
    };
    let m = &body["message"];
    // A missing (or misspelt) `message` leaves no token: 80300010.
    if !m.is_null() && !m.is_object() {
        return Err(err(codes::ILLEGAL_PAYLOAD, "message must be an object"));
    }
    let tokens: Vec<String> = match &m["token"] {
        Value::Null => vec![],
        Value::Array(a) => a
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| err(codes::ILLEGAL_PAYLOAD, "token must be an array of strings"))
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(err(
                codes::ILLEGAL_PAYLOAD,
                "token must be an array of strings",
            ))
        }
    };
    let has_topic = !m["topic"].is_null();
    let has_condition = !m["condition"].is_null();
    let targets =
        usize::from(!tokens.is_empty()) + usize::from(has_topic) + usize::from(has_condition);
    if targets > 1 {
        return Err(err(
            codes::PARAMETER_ERROR,
            "exactly one of token, topic and condition",
        ));
    }
    if !has_topic && !has_condition && (tokens.is_empty() || tokens.len() > MAX_TOKENS) {
        return Err(err(
            codes::TOKEN_COUNT,
            format!("between 1 and {MAX_TOKENS} tokens are allowed"),
        ));
    }
    // Size without the tokens (each counted with its quotes and comma).
    let token_bytes: usize = tokens.iter().map(|t| t.len() + 3).sum();
    if raw_len.saturating_sub(token_bytes) > MAX_BODY_BYTES {
        return Err(err(
            codes::BODY_TOO_LARGE,
            "the message body exceeds 4096 bytes",
        ));
    }
    let data = opt_str(m, "data")?;
    let top_notification = &m["notification"];
    if !top_notification.is_null() {
        if !top_notification.is_object() {
            return Err(err(
                codes::ILLEGAL_PAYLOAD,
                "notification must be an object",
            ));
        }
        opt_str(top_notification, "title")?;
        opt_str(top_notification, "body")?;
        if opt_str(top_notification, "image")?.is_some_and(|i| !i.starts_with("https://")) {
            return Err(err(codes::PARAMETER_ERROR, "image must be an https url"));
        }
    }
    let a = &m["android"];
    if !a.is_null() && !a.is_object() {
        return Err(err(codes::ILLEGAL_PAYLOAD, "android must be an object"));
    }
    if let Some(k) = opt_int(a, "collapse_key")? {
        if !(-1..=100).contains(&k) {
            return Err(err(
                codes::BAD_COLLAPSE_KEY,
                "collapse_key must be in [-1, 100]",
            ));
        }
    }
    if let Some(u) = opt_str(a, "urgency")? {
        if u != "HIGH" && u != "NORMAL" {
            return Err(err(
                codes::PARAMETER_ERROR,
                "urgency must be HIGH or NORMAL",
            ));
        }
    }
    let category = opt_str(a, "category")?;
    if let Some(c) = category {
        if !CATEGORIES.contains(&c) {
            return Err(err(codes::PARAMETER_ERROR, format!("unknown category {c}")));
        }
    }
    if let Some(ttl) = opt_str(a, "ttl")? {
        if !is_duration(ttl) {
            return Err(err(
                codes::PARAMETER_ERROR,
                "ttl must be a duration such as 86400s",
            ));
        }
    }
    if opt_int(a, "fast_app_target")?.is_some_and(|t| t != 1 && t != 2) {
        return Err(err(
            codes::PARAMETER_ERROR,
            "fast_app_target must be 1 or 2",
        ));
    }
    if opt_int(a, "target_user_type")?.is_some_and(|t| t != 0 && t != 1) {
        return Err(err(
            codes::PARAMETER_ERROR,
            "target_user_type must be 0 or 1",
        ));
    }
    let android_data = opt_str(a, "data")?;
    let an = &a["notification"];
    let click = if an.is_null() {
        None
    } else {
        Some(validate_android_notification(an)?)
    };
    let notification = if click.is_some() || !top_notification.is_null() {
        let pick = |k: &str| {
            an[k]
                .as_str()
                .or(top_notification[k].as_str())
                .unwrap_or_default()
                .to_string()
        };
        let (title, text) = (pick("title"), pick("body"));
        if title.is_empty() && text.is_empty() {
            return Err(err(
                codes::PARAMETER_ERROR,
                "a notification needs a title or a body",
            ));
        }
        Some(Notification {
            title,
            body: text,
            channel_id: an["channel_id"].as_str().map(str::to_string),
            notify_id: an["notify_id"].as_i64().and_then(|n| i32::try_from(n).ok()),
            badge_class: an["badge"]["class"].as_str().map(str::to_string),
            // Without android.notification the tap opens the app.
            click: click.unwrap_or(Click::App),
        })
    } else {
        None
    };
    Ok(Validated {
        tokens,
        validate_only,
        notification,
        data: android_data.or(data).map(str::to_string),
        category: category.map(str::to_string),
    })
}

/// The extras the notification's `data` becomes on the tap intent: the whole
/// data under `ext` (what Tencent's guide reads, `getString("ext")`) and,
/// for a JSON object, each member under its own key (as Huawei's guide
/// iterates the extras). All of them only where the device hands
/// notification data over.
fn data_extras(data: &str) -> Vec<Extra> {
    let mut extras = vec![Extra {
        key: "ext".into(),
        value: ExtraValue::String(data.to_string()),
        requires: Some(Requirement::HuaweiPassthrough),
    }];
    if let Ok(Value::Object(_)) = serde_json::from_str::<Value>(data) {
        for (k, v) in ext_pairs(data) {
            if k != "ext" {
                extras.push(Extra {
                    key: k,
                    value: ExtraValue::String(v),
                    requires: Some(Requirement::HuaweiPassthrough),
                });
            }
        }
    }
    extras
}

fn instruction(
    message_id: &MessageId,
    package: &str,
    token: &str,
    n: &Notification,
    data: Option<&str>,
) -> DisplayInstruction {
    let click = match &n.click {
        Click::Intent(uri) => ClickRoute::IntentUri { uri: uri.clone() },
        Click::Action(action) => ClickRoute::Action {
            action: action.clone(),
        },
        Click::Url(url) => ClickRoute::Url { url: url.clone() },
        Click::App => ClickRoute::Launcher,
    };
    // Data does not travel with a URL click: the browser opens, not the app.
    let extras = match (&n.click, data) {
        (Click::Url(_), _) | (_, None) => vec![],
        (_, Some(d)) => data_extras(d),
    };
    DisplayInstruction {
        message_id: message_id.clone(),
        vendor: VendorId::Huawei,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: n.title.clone(),
            text: n.body.clone(),
            channel_id: n.channel_id.clone(),
            notify_id: n.notify_id,
            badge_class: n.badge_class.clone(),
        },
        poster: Poster::SystemService,
        click,
        extras,
        callbacks: vec![],
        ext: data.map(str::to_string),
    }
}

/// An HMS request id: digits, like `160398567184071545006401`.
fn new_request_id(services: &Services) -> String {
    format!(
        "{:013}{:011}",
        services.clock.now().millis().rem_euclid(10_000_000_000_000),
        services.next_id() % 100_000_000_000
    )
}

fn hms_json(status: StatusCode, code: &str, msg: &str, request_id: &str) -> Response {
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )],
        json!({"code": code, "msg": msg, "requestId": request_id}).to_string(),
    )
        .into_response()
}

/// See the Xiaomi module: a body that fails right after the head makes hyper
/// abort the connection.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        ))
    });
    Response::new(Body::from_stream(stream))
}

async fn handle_send(
    State(inner): State<Arc<Inner>>,
    Path((path_app_id, action)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = inner.services.clock.now();
    let path = uri.path().to_string();
    let message_id = inner.services.message_id_for(&headers, VendorId::Huawei);
    let request_id = new_request_id(&inner.services);
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let tokens: Vec<String> = parsed
        .as_ref()
        .and_then(|v| v["message"]["token"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let log = |status: StatusCode, accepted: bool, code: &str, message: &str| {
        inner.logs.push(RequestLog {
            at: now,
            method: "POST".into(),
            path: path.clone(),
            http_status: status.as_u16(),
            accepted,
            vendor_code: code.to_string(),
            message: message.to_string(),
            tokens: tokens.clone(),
            message_id: Some(message_id.clone()),
        });
    };
    let reject = |code: &str, reason: &str| -> Response {
        let status = http_status_of(code);
        log(status, false, code, reason);
        inner.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Huawei,
                vendor_code: code.to_string(),
                message: reason.to_string(),
                code: diagnosis_for(code),
            },
        );
        hms_json(status, code, message_of(code), &request_id)
    };
    if action != "messages:send" {
        let status = StatusCode::NOT_FOUND;
        log(status, false, "404", "unknown path");
        return hms_json(status, codes::PARAMETER_ERROR, "Not Found", &request_id);
    }

    // OAuth: `Bearer <token>` issued for this app id, not expired.
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty());
    let issued = bearer.and_then(|t| inner.issued.lock().get(t).cloned());
    let Some(issued) = issued else {
        return reject(codes::OAUTH_FAILED, "missing or unknown access token");
    };
    if issued.app_id != path_app_id {
        return reject(
            codes::OAUTH_FAILED,
            "the access token belongs to another app",
        );
    }
    if now >= issued.expires_at {
        return reject(codes::OAUTH_EXPIRED, "the access token has expired");
    }
    let Some(app) = inner.services.apps.find(
        VendorId::Huawei,
        |c| matches!(&c.credentials, super::Credentials::Huawei(h) if h.app_id == path_app_id),
    ) else {
        return reject(codes::OAUTH_FAILED, "unknown app");
    };

    // Faults after authentication and before validation, as in every
    // vendor: "the next N" counts authenticated sends.
    let token_refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match inner.faults.take(&token_refs) {
        None => {}
        Some(FaultKind::Latency { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await
        }
        Some(FaultKind::ErrorCode { code }) => {
            let code = code.trim();
            // Any code answers in HMS's shape; one HMS does not list gets
            // 400, as its unlisted parameter errors do.
            let status = http_status_of(code);
            log(status, false, code, "fault injection");
            inner.services.journal.append(
                Some(&message_id),
                None,
                Event::EndpointRejected {
                    vendor: VendorId::Huawei,
                    vendor_code: code.to_string(),
                    message: "fault injection".into(),
                    code: diagnosis_for(code),
                },
            );
            return (
                status,
                [(
                    axum::http::header::CONTENT_TYPE,
                    "application/json;charset=UTF-8",
                )],
                json!({"code": code, "msg": "fault injection", "requestId": request_id})
                    .to_string(),
            )
                .into_response();
        }
        Some(FaultKind::ServerError { status }) => {
            let status = fault_status(status);
            let vendor_code = http_code(status.as_u16());
            log(status, false, &vendor_code, "fault injection");
            journal_fault(
                &inner.services,
                &message_id,
                VendorId::Huawei,
                &vendor_code,
                "fault injection: server error",
            );
            return hms_json(
                status,
                codes::INTERNAL,
                message_of(codes::INTERNAL),
                &request_id,
            );
        }
        Some(FaultKind::Drop) => {
            inner.logs.push(RequestLog {
                at: now,
                method: "POST".into(),
                path: path.clone(),
                http_status: 0,
                accepted: false,
                vendor_code: "transport".into(),
                message: "fault injection: connection dropped".into(),
                tokens: tokens.clone(),
                message_id: Some(message_id.clone()),
            });
            journal_fault(
                &inner.services,
                &message_id,
                VendorId::Huawei,
                "transport",
                "fault injection: connection dropped",
            );
            return dropped_connection();
        }
    }

    let Some(parsed) = parsed else {
        return reject(codes::ILLEGAL_PAYLOAD, "the body is not JSON");
    };
    let v = match validate(&parsed, body.len()) {
        Ok(v) => v,
        Err(e) => return reject(e.code, &e.reason),
    };

    // Flow control per app, then per device.
    {
        let counters = inner.counters.read();
        if counters
            .app
            .as_ref()
            .is_some_and(|w| !w.hit(&path_app_id, now))
        {
            drop(counters);
            return reject(codes::FLOW_CONTROL, "app send rate over its QPS quota");
        }
        if let Some(t) = v.tokens.iter().find(|t| !counters.device.hit(t, now)) {
            let reason = format!("too many messages to token {t} in a short time");
            drop(counters);
            return reject(codes::FLOW_CONTROL, &reason);
        }
    }

    let (good, bad): (Vec<&String>, Vec<&String>) = v.tokens.iter().partition(|t| {
        inner
            .services
            .gateway
            .lookup(VendorId::Huawei, t)
            .is_some_and(|r| r.package == app.package)
    });
    if !v.tokens.is_empty() && good.is_empty() {
        return reject(codes::ALL_TOKENS_INVALID, "all the tokens are invalid");
    }

    let (code, msg) = if bad.is_empty() {
        (codes::SUCCESS, message_of(codes::SUCCESS).to_string())
    } else {
        (
            codes::PARTIAL,
            json!({"success": good.len(), "failure": bad.len(), "illegal_tokens": bad}).to_string(),
        )
    };
    log(StatusCode::OK, true, code, &msg);
    if !v.validate_only {
        let marketing_cap = inner.limits.read().marketing_per_device_daily;
        let day = china_day(now);
        for t in &good {
            inner.services.journal.append(
                Some(&message_id),
                None,
                Event::EndpointAccepted {
                    vendor: VendorId::Huawei,
                    vendor_message_id: request_id.clone(),
                    token: t.to_string(),
                },
            );
            // Data messages go to the app's own process, which is gone in
            // the offline case: nothing is displayed.
            let Some(n) = &v.notification else { continue };
            if v.category.as_deref() == Some("MARKETING") {
                let counters = inner.counters.read();
                let mut m = counters.marketing.lock();
                let e = m.entry(t.to_string()).or_insert((day, 0));
                if e.0 != day {
                    *e = (day, 0);
                }
                if e.1 >= marketing_cap {
                    inner.services.journal.append(
                        Some(&message_id),
                        None,
                        Event::InstructionDropped {
                            code: Diagnosis::VendorQuotaExceeded,
                            detail: format!(
                                "news and marketing messages are limited to {marketing_cap} per device per day"
                            ),
                        },
                    );
                    continue;
                }
                e.1 += 1;
            }
            inner.services.gateway.deliver(instruction(
                &message_id,
                &app.package,
                t,
                n,
                v.data.as_deref(),
            ));
        }
    }
    hms_json(StatusCode::OK, code, &msg, &request_id)
}
