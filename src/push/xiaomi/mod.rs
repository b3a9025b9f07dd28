//! Xiaomi Mi Push: certificate fields, client, simulated endpoint and
//! device-side delivery semantics.
//!
//! Wire format (vendors.md §1): `POST /v3/message/regid` (and `/v2/…`),
//! form-urlencoded, `Authorization: key=<AppSecret>`. Every answer is HTTP 200
//! with one JSON object `{result, code, description, reason, trace_id, data}`;
//! `code` is an integer and anything but `0` is a failure.
//!
//! Device side (seeds 000 and 003): MIUI's push service posts the
//! notification. "Open app" (`notify_effect=1`) launches the launcher
//! activity and calls the SDK receiver's `onNotificationMessageClicked` with
//! the `MiPushMessage`; "open in-app page" (`2`) starts the intent URI with
//! the `MiPushMessage` under `PushMessageHelper.KEY_MESSAGE`; "open URL" (`3`)
//! opens the web page. The IM server's `ext` travels as `extra.ext`, read by
//! the app as `miPushMessage.getExtra().get("ext")`.

pub use crate::wire::sdk::xiaomi::ACTION_RECEIVE_MESSAGE;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::common::{
    china_day, http_code, random_string, server_error, transport_failure, FaultKind, RateWindow,
    RequestLogs, ALNUM,
};
use super::common::{fault_status, journal_fault};
use super::{
    ClickAction, EndpointControl, EndpointState, Faults, PageTarget, Push, Rejection, RequestLog,
    SendOutcome, Services, Vendor, VendorId, MESSAGE_ID_HEADER,
};
use crate::diagnosis::Diagnosis;
use crate::services::journal::{Event, MessageId};
use crate::wire::protocol::{
    CallbackBroadcast, CallbackTrigger, ClickRoute, DeviceInfo, DisplayInstruction, Extra,
    NotificationSpec, Poster, RegisterError,
};

/// What the Xiaomi Mi Push console gives the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The app's AppID in the Mi console.
    pub app_id: String,
    pub app_key: String,
    /// Sent as `Authorization: key=<AppSecret>`.
    pub app_secret: String,
}

// ---------------------------------------------------------------------------
// Error codes (XM-ERR)
// ---------------------------------------------------------------------------

/// Mi Push result codes the simulator answers with.
pub mod codes {
    pub const SUCCESS: i64 = 0;
    pub const SYSTEM_ERROR: i64 = 10001;
    pub const MISSING_PARAMETER: i64 = 10016;
    pub const ILLEGAL_PARAMETER: i64 = 10017;
    pub const TOO_FREQUENT: i64 = 10027;
    pub const SEND_FAILED: i64 = 20301;
    pub const AUTH_FAILED: i64 = 21301;
    pub const ILLEGAL_PACKAGE: i64 = 22022;
    pub const CONTENT_TOO_LONG: i64 = 65009;
    pub const TOO_MANY_EXTRAS: i64 = 65014;
    pub const EXTRAS_TOO_LONG: i64 = 65015;
    pub const QUOTA_EXCEEDED: i64 = 200001;
}

/// The diagnosis a Mi result code stands for.
pub fn diagnosis_for(code: i64) -> Diagnosis {
    match code {
        21301 | 21302 | 22000 | 22006 | 22007 => Diagnosis::VendorAuthFailed,
        codes::SEND_FAILED | 65003 => Diagnosis::VendorTokenInvalid,
        codes::TOO_FREQUENT | 10030 | 26004 => Diagnosis::VendorRateLimited,
        codes::QUOTA_EXCEEDED | 10034 => Diagnosis::VendorQuotaExceeded,
        _ => Diagnosis::VendorInvalidRequest,
    }
}

/// The short Chinese `description` Mi puts next to a code (the `reason`
/// carries the detail). Exact strings are UNCONFIRMED.
fn description_of(code: i64) -> &'static str {
    match code {
        codes::SUCCESS => "成功",
        codes::SYSTEM_ERROR => "系统错误",
        codes::MISSING_PARAMETER => "缺失必选参数",
        codes::ILLEGAL_PARAMETER => "非法的参数值",
        codes::TOO_FREQUENT => "调用次数过于频繁",
        codes::SEND_FAILED => "发送消息失败",
        codes::AUTH_FAILED => "认证失败",
        codes::ILLEGAL_PACKAGE => "非法的包名",
        codes::CONTENT_TOO_LONG => "消息内容过长",
        codes::TOO_MANY_EXTRAS => "键值对个数超过限制",
        codes::EXTRAS_TOO_LONG => "键值对总长度超过限制",
        codes::QUOTA_EXCEEDED => "超过每日推送配额",
        _ => "错误",
    }
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/// Quotas and frequency control of the simulated endpoint.
///
/// Defaults: the daily quota is the public-channel floor of XM-LIM (2× the
/// device count, counted as at least 10,000 devices). Mi publishes no
/// per-device rate; 20 messages per second to one regId makes a burst of
/// ~100 sends/s to one device hit 10027, which reproduces the FAQ "one or two
/// push messages missing during a slew of rapid push messages".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Messages acked per app per China day before 200001.
    pub daily_quota: u64,
    /// Messages per regId per second before 10027.
    pub device_per_second: u64,
    /// API calls per app per second before 10027 (`null`: unlimited; Mi
    /// publishes no figure).
    pub app_per_second: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            daily_quota: 20_000,
            device_per_second: 20,
            app_per_second: None,
        }
    }
}

/// The counters behind [`Limits`]; rebuilt when the limits change.
struct Counters {
    device: RateWindow,
    app: Option<RateWindow>,
    /// (app id, china day) -> acked.
    daily: Mutex<HashMap<String, (i64, u64)>>,
}

impl Counters {
    fn new(l: &Limits) -> Counters {
        Counters {
            device: RateWindow::new(l.device_per_second, Duration::from_secs(1)),
            app: l
                .app_per_second
                .map(|n| RateWindow::new(n, Duration::from_secs(1))),
            daily: Mutex::new(HashMap::new()),
        }
    }
}

// ---------------------------------------------------------------------------
// The vendor
// ---------------------------------------------------------------------------

struct Inner {
    services: Services,
    faults: Faults,
    logs: RequestLogs,
    limits: RwLock<Limits>,
    counters: RwLock<Counters>,
}

/// Xiaomi Mi Push.
pub struct Xiaomi {
    inner: Arc<Inner>,
}

impl Xiaomi {
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
            }),
        }
    }
}

/// A regId in Mi's shape: 64 characters of standard base64 (with `+` and
/// `/`), as `onReceiveRegisterResult` hands them out (observed lengths vary
/// between SDK versions; UNCONFIRMED).
pub fn new_reg_id() -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    random_string(64, B64)
}

#[async_trait]
impl Vendor for Xiaomi {
    fn id(&self) -> VendorId {
        VendorId::Xiaomi
    }

    fn hosts(&self) -> &'static [&'static str] {
        &[
            "api.xmpush.xiaomi.com",
            "sgp-api.xmpush.global.xiaomi.com",
            "fr-api.xmpush.global.xiaomi.com",
            "ru-api.xmpush.global.xiaomi.com",
            "idmb-api.xmpush.global.xiaomi.com",
            "api.xmpush.global.xiaomi.com",
            // The older dotted forms of the official Java SDK.
            "fr.api.xmpush.global.xiaomi.com",
            "ru.api.xmpush.global.xiaomi.com",
            "idmb.api.xmpush.global.xiaomi.com",
            // The sandbox host of the official Java SDK.
            "sandbox.xmpush.xiaomi.com",
        ]
    }

    /// Mi push works on any Android device: off MIUI the SDK keeps its own
    /// connection (`XMPushService` in `:pushservice`), so registration always
    /// succeeds.
    fn register(&self, _device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        Ok(new_reg_id())
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route("/v3/message/regid", post(handle_send))
            .route("/v2/message/regid", post(handle_send))
            .with_state(self.inner.clone())
    }

    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
        send(http, base_url, push).await
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
        next.device.keep_counts_of(&counters.device);
        if let (Some(n), Some(o)) = (&next.app, &counters.app) {
            n.keep_counts_of(o);
        }
        *next.daily.lock() = std::mem::take(&mut *counters.daily.lock());
        *counters = next;
        drop(counters);
        *self.limits.write() = merged;
    }

    fn reset_state(&self) {
        let limits = self.limits.read().clone();
        *self.counters.write() = Counters::new(&limits);
    }
}

// ---------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------

/// The exact HTTP request the client sends, for snapshots and for `send`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendRequest {
    pub method: String,
    /// Relative to the base URL.
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The form-urlencoded body.
    pub body: String,
    /// The form fields in order, decoded (for readable snapshots).
    pub form: Vec<(String, String)>,
}

/// The send path the client uses.
pub const SEND_PATH: &str = "/v3/message/regid";

/// A stable notification id per message: Mi replaces notifications that
/// share a `notify_id`, so each IM message needs its own.
fn notify_id_for(message_id: &MessageId) -> i64 {
    let crc = crc32fast::hash(message_id.0.as_bytes());
    i64::from(crc & 0x7fff_ffff)
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

/// Builds the Mi send request for `push` (pure: no network, no clock).
///
/// Fails, without a request, when the certificate is not a Mi certificate or
/// its click event cannot be expressed by Mi (an in-app page given as an
/// activity class or an action: Mi needs an intent URI).
pub fn build_send_request(push: &Push) -> Result<SendRequest, Rejection> {
    let super::Credentials::Xiaomi(creds) = &push.certificate.credentials else {
        return Err(rejection(
            Diagnosis::VendorInvalidRequest,
            "certificate",
            "the certificate holds no Xiaomi credentials",
        ));
    };
    let mut form: Vec<(String, String)> = vec![
        ("registration_id".into(), push.token.clone()),
        (
            "restricted_package_name".into(),
            push.certificate.package.clone(),
        ),
        ("pass_through".into(), "0".into()),
        ("notify_type".into(), "-1".into()),
        (
            "notify_id".into(),
            notify_id_for(&push.message_id).to_string(),
        ),
        ("title".into(), push.title.clone()),
        ("description".into(), push.desc.clone()),
    ];
    match &push.certificate.click {
        ClickAction::OpenApp => form.push(("extra.notify_effect".into(), "1".into())),
        ClickAction::OpenUrl { url } => {
            form.push(("extra.notify_effect".into(), "3".into()));
            form.push(("extra.web_uri".into(), url.clone()));
        }
        ClickAction::OpenPage {
            page: PageTarget::IntentUri(uri),
        } => {
            form.push(("extra.notify_effect".into(), "2".into()));
            form.push(("extra.intent_uri".into(), uri.clone()));
        }
        ClickAction::OpenPage { page } => {
            return Err(rejection(
                Diagnosis::VendorInvalidRequest,
                "certificate",
                format!("Mi Push opens an in-app page only by intent URI, not by {page:?}"),
            ))
        }
    }
    let channel = push
        .android
        .xiaomi_channel_id
        .as_ref()
        .filter(|c| !c.is_empty())
        .or(push
            .certificate
            .channel_id
            .as_ref()
            .filter(|c| !c.is_empty()));
    if let Some(channel) = channel {
        form.push(("extra.channel_id".into(), channel.clone()));
    }
    if let Some(ext) = push.ext.as_ref().filter(|e| !e.is_empty()) {
        form.push(("extra.ext".into(), ext.clone()));
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter())
        .finish();
    Ok(SendRequest {
        method: "POST".into(),
        path: SEND_PATH.into(),
        headers: vec![
            ("Authorization".into(), format!("key={}", creds.app_secret)),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded;charset=UTF-8".into(),
            ),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        body,
        form,
    })
}

/// Reads a Mi answer into the vendor message id or a rejection.
pub fn interpret_response(status: u16, body: &[u8]) -> Result<String, Rejection> {
    if (500..600).contains(&status) {
        return Err(server_error(status, &String::from_utf8_lossy(body)));
    }
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let Some(v) = parsed.filter(Value::is_object) else {
        let diagnosis = if status == 401 || status == 403 {
            Diagnosis::VendorAuthFailed
        } else {
            Diagnosis::VendorInvalidRequest
        };
        return Err(rejection(
            diagnosis,
            http_code(status),
            String::from_utf8_lossy(body)
                .chars()
                .take(200)
                .collect::<String>(),
        ));
    };
    let code = match &v["code"] {
        Value::Number(n) => n.as_i64().unwrap_or(-1),
        Value::String(s) => s.parse().unwrap_or(-1),
        _ => -1,
    };
    if code == 0 && (200..300).contains(&status) {
        return Ok(v["data"]["id"].as_str().unwrap_or_default().to_string());
    }
    let reason = v["reason"]
        .as_str()
        .or(v["description"].as_str())
        .unwrap_or_default()
        .to_string();
    Err(rejection(diagnosis_for(code), code.to_string(), reason))
}

async fn send(http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
    let req = match build_send_request(push) {
        Ok(r) => r,
        Err(e) => {
            return SendOutcome {
                request: None,
                result: Err(e),
            }
        }
    };
    let url = format!("{}{}", base_url.trim_end_matches('/'), req.path);
    let mut builder = http.post(&url);
    for (k, v) in &req.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let result = match builder.body(req.body).send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            match resp.bytes().await {
                Ok(body) => interpret_response(status, &body),
                Err(e) => Err(transport_failure(e)),
            }
        }
        Err(e) => Err(transport_failure(e)),
    };
    SendOutcome {
        request: Some(("POST".into(), url)),
        result,
    }
}

// ---------------------------------------------------------------------------
// Endpoint
// ---------------------------------------------------------------------------

/// Extra keys with a meaning to Mi; any other `extra.<k>` is custom content.
const SYSTEM_EXTRAS: &[&str] = &[
    "notify_effect",
    "intent_uri",
    "web_uri",
    "class_name",
    "intent_flag",
    "channel_id",
    "channel_name",
    "channel_description",
    "notify_foreground",
    "sound_uri",
    "ticker",
    "jobkey",
    "callback",
    "callback.param",
    "callback.type",
    "locale",
    "locale_not_in",
    "model",
    "model_not_in",
    "app_version",
    "app_version_not_in",
    "connpt",
    "only_send_once",
    "flow_control",
    "layout_name",
    "layout_value",
];

/// Custom `extra.*` pairs per message (MODOOD).
const MAX_CUSTOM_EXTRAS: usize = 10;
/// Characters per custom key and per value (MODOOD).
const MAX_EXTRA_CHARS: usize = 1024;
/// Payload bytes (UNCONFIRMED; Mi documents no figure, 4 KB is the common
/// vendor limit).
const MAX_PAYLOAD_BYTES: usize = 4096;
/// RegIds per request (UNCONFIRMED; often quoted as 1000).
const MAX_REGIDS: usize = 1000;
/// `time_to_send` at most 7 days ahead.
const MAX_SCHEDULE_MS: i64 = 7 * 86_400_000;

/// A Mi error: code plus reason.
struct MiError {
    code: i64,
    reason: String,
}

impl MiError {
    fn new(code: i64, reason: impl Into<String>) -> MiError {
        MiError {
            code,
            reason: reason.into(),
        }
    }
}

fn trace_id() -> String {
    format!("Xcm{}", random_string(19, ALNUM))
}

fn mi_json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )],
        body.to_string(),
    )
        .into_response()
}

fn error_body(e: &MiError) -> Value {
    json!({
        "result": "error",
        "reason": e.reason,
        "trace_id": trace_id(),
        "code": e.code,
        "description": description_of(e.code),
    })
}

/// A response whose body fails right after the head: hyper aborts the
/// connection, so the client sees it drop before an answer arrives
/// (`FaultKind::Drop`).
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// Distinct `extra.<k>` keys kept while parsing: every system extra plus
/// one more custom key than Mi allows, so a form with too many is still
/// refused with 65014 without storing an unbounded number of them.
const MAX_PARSED_EXTRAS: usize = SYSTEM_EXTRAS.len() + MAX_CUSTOM_EXTRAS + 1;

/// The parsed form: last value wins for repeated keys.
struct Form {
    fields: HashMap<String, String>,
    /// `extra.<k>` pairs in the order each key first appeared (a repeated
    /// key keeps its place and takes the last value).
    extras: Vec<(String, String)>,
    /// More distinct extras than [`MAX_PARSED_EXTRAS`] were sent; the rest
    /// were not kept.
    extras_overflow: bool,
}

impl Form {
    /// Parses in one pass, linear in the body: extras are indexed by key.
    fn parse(body: &[u8]) -> Form {
        let mut fields = HashMap::new();
        let mut extras: Vec<(String, String)> = Vec::new();
        let mut extra_index: HashMap<String, usize> = HashMap::new();
        let mut extras_overflow = false;
        for (k, v) in url::form_urlencoded::parse(body) {
            if let Some(x) = k.strip_prefix("extra.") {
                match extra_index.get(x) {
                    Some(&i) => extras[i].1 = v.to_string(),
                    None if extras.len() < MAX_PARSED_EXTRAS => {
                        extra_index.insert(x.to_string(), extras.len());
                        extras.push((x.to_string(), v.to_string()));
                    }
                    None => {
                        extras_overflow = true;
                        continue;
                    }
                }
            }
            fields.insert(k.into_owned(), v.into_owned());
        }
        Form {
            fields,
            extras,
            extras_overflow,
        }
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.fields.get(k).map(String::as_str)
    }

    fn extra(&self, k: &str) -> Option<&str> {
        self.extras
            .iter()
            .find(|(ek, _)| ek == k)
            .map(|(_, v)| v.as_str())
    }

    fn tokens(&self) -> Vec<&str> {
        self.get("registration_id")
            .map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A validated notification message.
struct Message {
    title: String,
    description: String,
    payload: Option<String>,
    pass_through: bool,
    notify_type: i64,
    notify_id: Option<i32>,
}

fn parse_int(form: &Form, key: &str) -> Result<Option<i64>, MiError> {
    match form.get(key) {
        None => Ok(None),
        Some(s) => s.trim().parse::<i64>().map(Some).map_err(|_| {
            MiError::new(
                codes::ILLEGAL_PARAMETER,
                format!("{key} must be an integer"),
            )
        }),
    }
}

fn validate(form: &Form, now_ms: i64) -> Result<Message, MiError> {
    let pass_through = match parse_int(form, "pass_through")? {
        None | Some(0) => false,
        Some(1) => true,
        Some(_) => {
            return Err(MiError::new(
                codes::ILLEGAL_PARAMETER,
                "pass_through must be 0 or 1",
            ))
        }
    };
    let title = form.get("title").unwrap_or_default();
    let description = form.get("description").unwrap_or_default();
    if !pass_through {
        if title.trim().is_empty() {
            return Err(MiError::new(
                codes::MISSING_PARAMETER,
                "title is required and must not be blank",
            ));
        }
        if description.trim().is_empty() {
            return Err(MiError::new(
                codes::MISSING_PARAMETER,
                "description is required and must not be blank",
            ));
        }
    }
    if title.chars().count() >= 50 {
        return Err(MiError::new(
            codes::ILLEGAL_PARAMETER,
            "title length must be less than 50",
        ));
    }
    if description.chars().count() >= 128 {
        return Err(MiError::new(
            codes::ILLEGAL_PARAMETER,
            "description length must be less than 128",
        ));
    }
    let payload = form.get("payload").map(str::to_string);
    if payload
        .as_ref()
        .is_some_and(|p| p.len() > MAX_PAYLOAD_BYTES)
    {
        return Err(MiError::new(codes::CONTENT_TOO_LONG, "payload is too long"));
    }
    let notify_type = parse_int(form, "notify_type")?.unwrap_or(-1);
    if notify_type != -1 && !(0..=7).contains(&notify_type) {
        return Err(MiError::new(
            codes::ILLEGAL_PARAMETER,
            "notify_type must be -1 or a combination of 1, 2 and 4",
        ));
    }
    let notify_id = match parse_int(form, "notify_id")? {
        None => None,
        Some(n) => Some(
            i32::try_from(n)
                .map_err(|_| MiError::new(codes::ILLEGAL_PARAMETER, "notify_id is out of range"))?,
        ),
    };
    if let Some(ttl) = parse_int(form, "time_to_live")? {
        if ttl < 0 {
            return Err(MiError::new(
                codes::ILLEGAL_PARAMETER,
                "time_to_live must not be negative",
            ));
        }
    }
    // Scheduled sends are checked but delivered at once: pushlab's cases
    // never schedule, and the hub clock is virtual.
    if let Some(at) = parse_int(form, "time_to_send")? {
        if at > now_ms.saturating_add(MAX_SCHEDULE_MS) {
            return Err(MiError::new(
                codes::ILLEGAL_PARAMETER,
                "time_to_send must be within 7 days",
            ));
        }
    }
    // Click action.
    match form.extra("notify_effect") {
        None | Some("1") => {}
        Some("2") => {
            // Mi's SDKs document `intent_uri` for effect 2; `class_name`
            // alone is not a documented substitute, so it is refused.
            if form.extra("intent_uri").is_none_or(|u| u.trim().is_empty()) {
                return Err(MiError::new(
                    codes::MISSING_PARAMETER,
                    "extra.intent_uri is required when extra.notify_effect is 2",
                ));
            }
        }
        Some("3") => match form.extra("web_uri") {
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {}
            Some(_) => {
                return Err(MiError::new(
                    codes::ILLEGAL_PARAMETER,
                    "extra.web_uri must start with http:// or https://",
                ))
            }
            None => {
                return Err(MiError::new(
                    codes::MISSING_PARAMETER,
                    "extra.web_uri is required when extra.notify_effect is 3",
                ))
            }
        },
        Some(_) => {
            return Err(MiError::new(
                codes::ILLEGAL_PARAMETER,
                "extra.notify_effect must be 1, 2 or 3",
            ))
        }
    }
    // Custom extras.
    let custom: Vec<_> = form
        .extras
        .iter()
        .filter(|(k, _)| !SYSTEM_EXTRAS.contains(&k.as_str()))
        .collect();
    if form.extras_overflow || custom.len() > MAX_CUSTOM_EXTRAS {
        return Err(MiError::new(
            codes::TOO_MANY_EXTRAS,
            format!("at most {MAX_CUSTOM_EXTRAS} custom extra key/value pairs are allowed"),
        ));
    }
    if custom
        .iter()
        .any(|(k, v)| k.chars().count() > MAX_EXTRA_CHARS || v.chars().count() > MAX_EXTRA_CHARS)
    {
        return Err(MiError::new(
            codes::EXTRAS_TOO_LONG,
            format!("custom extra keys and values are limited to {MAX_EXTRA_CHARS} characters"),
        ));
    }
    Ok(Message {
        title: title.to_string(),
        description: description.to_string(),
        payload,
        pass_through,
        notify_type,
        notify_id,
    })
}

/// The `MiPushMessage` the SDK hands to the app, as the JSON string the
/// device side carries under `key_message`: the app reads `extra.ext`.
fn mi_push_message(msg_id: &str, m: &Message, form: &Form) -> String {
    let extra: Map<String, Value> = form
        .extras
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "messageId": msg_id,
        "messageType": 0,
        "content": m.payload.clone().unwrap_or_default(),
        "alias": "",
        "topic": "",
        "userAccount": "",
        "passThrough": 0,
        "notifyType": m.notify_type,
        "notifyId": m.notify_id.unwrap_or(0),
        "isNotified": true,
        "description": m.description,
        "title": m.title,
        "category": Value::Null,
        "extra": extra,
    })
    .to_string()
}

/// `PushMessageHelper.KEY_MESSAGE`: the extra that carries the
/// `MiPushMessage` to the opened activity and the SDK receiver.
pub const KEY_MESSAGE: &str = "key_message";

/// The device-side instruction for one accepted notification to one regId.
fn instruction(
    message_id: &MessageId,
    vendor_message_id: &str,
    package: &str,
    token: &str,
    m: &Message,
    form: &Form,
) -> DisplayInstruction {
    let mi_message = mi_push_message(vendor_message_id, m, form);
    let (click, extras, callbacks) = match form.extra("notify_effect") {
        Some("2") => {
            // Validation guarantees an intent URI.
            let click = ClickRoute::IntentUri {
                uri: form.extra("intent_uri").unwrap_or_default().to_string(),
            };
            (click, vec![Extra::string(KEY_MESSAGE, mi_message)], vec![])
        }
        Some("3") => (
            ClickRoute::Url {
                url: form.extra("web_uri").unwrap_or_default().to_string(),
            },
            vec![],
            vec![],
        ),
        // Open app: launcher, plus `onNotificationMessageClicked`. MIUI's
        // push service reaches force-stopped apps.
        _ => (
            ClickRoute::Launcher,
            vec![],
            vec![CallbackBroadcast {
                action: ACTION_RECEIVE_MESSAGE.into(),
                component: None,
                on: CallbackTrigger::Clicked,
                extras: vec![Extra::string(KEY_MESSAGE, mi_message)],
                include_stopped_packages: true,
            }],
        ),
    };
    DisplayInstruction {
        message_id: message_id.clone(),
        vendor: VendorId::Xiaomi,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: m.title.clone(),
            text: m.description.clone(),
            channel_id: form.extra("channel_id").map(str::to_string),
            notify_id: m.notify_id,
            badge_class: None,
        },
        poster: Poster::SystemService,
        click,
        extras,
        callbacks,
        ext: form.extra("ext").map(str::to_string),
    }
}

/// A Mi message id, e.g. `sdm53b12345678901234ab` (shape approximate).
fn new_message_id(services: &Services) -> String {
    format!(
        "sdm{:017}{}",
        services.next_id() % 100_000_000_000_000_000,
        random_string(2, ALNUM)
    )
}

async fn handle_send(
    State(inner): State<Arc<Inner>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let message_id = inner.services.message_id_for(&headers, VendorId::Xiaomi);
    let now = inner.services.clock.now();
    let reject_for = |e: MiError, status: StatusCode, tokens: &[&str]| -> Response {
        let code = diagnosis_for(e.code);
        inner.logs.push(RequestLog {
            at: now,
            method: "POST".into(),
            path: path.clone(),
            http_status: status.as_u16(),
            accepted: false,
            vendor_code: e.code.to_string(),
            message: e.reason.clone(),
            tokens: tokens.iter().map(|t| t.to_string()).collect(),
            message_id: Some(message_id.clone()),
        });
        inner.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Xiaomi,
                vendor_code: e.code.to_string(),
                message: e.reason.clone(),
                code,
            },
        );
        mi_json(status, error_body(&e))
    };

    // Authentication: exactly `key=<AppSecret>`, lower-case `key`.
    let app = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("key="))
        .filter(|s| !s.is_empty())
        .and_then(|secret| {
            inner.services.apps.find(VendorId::Xiaomi, |c| {
                matches!(&c.credentials, super::Credentials::Xiaomi(x) if x.app_secret == secret)
            })
        });
    let Some(app) = app else {
        return reject_for(
            MiError::new(codes::AUTH_FAILED, "Authentication failed"),
            StatusCode::OK,
            &[],
        );
    };
    let app_id = match &app.credentials {
        super::Credentials::Xiaomi(x) => x.app_id.clone(),
        _ => String::new(),
    };

    // Authenticated: now the body is worth parsing.
    let form = Form::parse(&body);
    let tokens = form.tokens();
    let reject = |e: MiError, status: StatusCode| reject_for(e, status, &tokens);

    // Faults after authentication and before validation, as in every
    // vendor: "the next N" counts authenticated sends.
    match inner.faults.take(&tokens) {
        None => {}
        Some(FaultKind::Latency { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await
        }
        Some(FaultKind::ErrorCode { code }) => {
            let code: i64 = code.trim().parse().unwrap_or(codes::SYSTEM_ERROR);
            let reason = if code == codes::QUOTA_EXCEEDED {
                let quota = inner.limits.read().daily_quota;
                format!("exceed quota, quota: {quota}, have acked: {quota}")
            } else {
                format!("fault injection: {}", description_of(code))
            };
            return reject(MiError::new(code, reason), StatusCode::OK);
        }
        Some(FaultKind::ServerError { status }) => {
            let status = fault_status(status);
            journal_fault(
                &inner.services,
                &message_id,
                VendorId::Xiaomi,
                &http_code(status.as_u16()),
                "fault injection: server error",
            );
            inner.logs.push(RequestLog {
                at: now,
                method: "POST".into(),
                path: path.clone(),
                http_status: status.as_u16(),
                accepted: false,
                vendor_code: format!("http_{}", status.as_u16()),
                message: "fault injection: server error".into(),
                tokens: tokens.iter().map(|t| t.to_string()).collect(),
                message_id: Some(message_id.clone()),
            });
            return (status, "Server Error").into_response();
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
                tokens: tokens.iter().map(|t| t.to_string()).collect(),
                message_id: Some(message_id.clone()),
            });
            journal_fault(
                &inner.services,
                &message_id,
                VendorId::Xiaomi,
                "transport",
                "fault injection: connection dropped",
            );
            return dropped_connection();
        }
    }

    // Package: v3 accepts a comma-separated list; each must be the app's.
    let Some(packages) = form
        .get("restricted_package_name")
        .filter(|p| !p.trim().is_empty())
    else {
        return reject(
            MiError::new(
                codes::MISSING_PARAMETER,
                "restricted_package_name is required",
            ),
            StatusCode::OK,
        );
    };
    let packages: Vec<&str> = packages.split(',').map(str::trim).collect();
    let v2 = path.contains("/v2/");
    if (v2 && packages.len() != 1) || packages.iter().any(|p| *p != app.package) {
        return reject(
            MiError::new(
                codes::ILLEGAL_PACKAGE,
                format!("Invalid package name: {}", packages.join(",")),
            ),
            StatusCode::OK,
        );
    }
    if tokens.is_empty() {
        return reject(
            MiError::new(codes::MISSING_PARAMETER, "registration_id is required"),
            StatusCode::OK,
        );
    }
    if tokens.len() > MAX_REGIDS {
        return reject(
            MiError::new(
                codes::ILLEGAL_PARAMETER,
                format!("at most {MAX_REGIDS} registration ids per request"),
            ),
            StatusCode::OK,
        );
    }
    let message = match validate(&form, now.millis()) {
        Ok(m) => m,
        Err(e) => return reject(e, StatusCode::OK),
    };

    // Which regIds Mi knows for this app. A regId of another app is as
    // unknown as a made-up one.
    let (good, bad): (Vec<&str>, Vec<&str>) = tokens.iter().partition(|t| {
        inner
            .services
            .gateway
            .lookup(VendorId::Xiaomi, t)
            .is_some_and(|r| r.package == app.package)
    });
    // Unknown regIds: with no valid target at all Mi answers 20301 "No valid
    // targets!" (as widely reported by Mi users); when some are valid the
    // send succeeds and the others are listed in `data.bad_regids` (the key
    // name the push-xiaomi client reads; UNCONFIRMED).
    if good.is_empty() {
        return reject(
            MiError::new(codes::SEND_FAILED, "No valid targets!"),
            StatusCode::OK,
        );
    }

    // Frequency control, then the daily quota.
    {
        let counters = inner.counters.read();
        if let Some(app_rate) = &counters.app {
            if !app_rate.hit(&app_id, now) {
                drop(counters);
                return reject(
                    MiError::new(codes::TOO_FREQUENT, "The API is called too frequently"),
                    StatusCode::OK,
                );
            }
        }
        for t in &good {
            if !counters.device.hit(&format!("{app_id}\n{t}"), now) {
                drop(counters);
                return reject(
                    MiError::new(
                        codes::TOO_FREQUENT,
                        "Too many messages to the same device in a short time",
                    ),
                    StatusCode::OK,
                );
            }
        }
        let quota = inner.limits.read().daily_quota;
        let day = china_day(now);
        let mut daily = counters.daily.lock();
        let e = daily.entry(app_id.clone()).or_insert((day, 0));
        if e.0 != day {
            *e = (day, 0);
        }
        if e.1 + good.len() as u64 > quota {
            let acked = e.1;
            drop(daily);
            drop(counters);
            return reject(
                MiError::new(
                    codes::QUOTA_EXCEEDED,
                    format!("exceed quota, quota: {quota}, have acked: {acked}"),
                ),
                StatusCode::OK,
            );
        }
        e.1 += good.len() as u64;
    }

    let vendor_message_id = new_message_id(&inner.services);
    inner.logs.push(RequestLog {
        at: now,
        method: "POST".into(),
        path: path.clone(),
        http_status: 200,
        accepted: true,
        vendor_code: "0".into(),
        message: "Success".into(),
        tokens: tokens.iter().map(|t| t.to_string()).collect(),
        message_id: Some(message_id.clone()),
    });
    for t in &good {
        inner.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointAccepted {
                vendor: VendorId::Xiaomi,
                vendor_message_id: vendor_message_id.clone(),
                token: t.to_string(),
            },
        );
        // Pass-through messages go to the app's own process, which is gone
        // in the offline case; nothing is shown (IM uses notification-bar
        // messages only).
        if !message.pass_through {
            inner.services.gateway.deliver(instruction(
                &message_id,
                &vendor_message_id,
                &app.package,
                t,
                &message,
                &form,
            ));
        }
    }
    let mut data = json!({ "id": vendor_message_id });
    if !bad.is_empty() {
        data["bad_regids"] = Value::String(bad.join(","));
    }
    mi_json(
        StatusCode::OK,
        json!({
            "result": "ok",
            "trace_id": trace_id(),
            "code": 0,
            "data": data,
            "description": description_of(0),
            "info": format!("Received push messages for {} REGID", good.len()),
        }),
    )
}
