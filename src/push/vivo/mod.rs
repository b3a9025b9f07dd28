//! vivo Push: certificate fields, the IM server's client, the simulated
//! endpoint and the device-side delivery semantics.
//!
//! Wire format (vendors.md §4):
//! - `POST /message/auth`, JSON `{appId, appKey, timestamp, sign}` with
//!   `sign` = lowercase hex md5(appId + appKey + timestamp + appSecret) and
//!   the timestamp within ±10 minutes, answers
//!   `{"result":0,"desc":"请求成功","authToken":…}`; tokens live 24 h and the
//!   endpoint takes 10 calls/s per app.
//! - `POST /message/send` with the HTTP header `authToken` and a JSON body
//!   (`appId` must be the token's app, else 10094) answers
//!   `{"result":0,"desc":"请求成功","taskId":…}`; an unknown regId answers
//!   10302 with `invalidUser`. Business errors are HTTP 200 with a non-zero
//!   `result`; an internal error is HTTP 500 with the plain text
//!   "Internet server error!".
//!
//! Device side: vivo's system push service posts the notification (so it
//! reaches force-stopped apps). On tap it opens the app (skipType 1), a web
//! page (2) or the intent URI of skipContent (4), and the vivo SDK's
//! `onNotificationMessageClicked` callback — a broadcast to the app's
//! receiver for `com.vivo.pushclient.action.RECEIVE` — carries the
//! `clientCustomMap` (`getParams().get("ext")`).

pub use crate::wire::sdk::vivo::{RECEIVE_ACTION, SYSTEM_CHANNEL};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use md5::{Digest, Md5};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::common::{
    china_day, http_code, random_string, server_error, transport_failure, FaultKind, RateWindow,
    RefreshLocks, RequestLogs,
};
use super::common::{fault_status, journal_fault};
use super::{
    ClickAction, EndpointControl, EndpointState, Faults, PageTarget, Push, Rejection, RequestLog,
    SendOutcome, Services, Vendor, VendorId, MESSAGE_ID_HEADER,
};
use crate::diagnosis::Diagnosis;
use crate::services::clock::Timestamp;
use crate::services::journal::{Event, MessageId};
use crate::wire::protocol::{
    CallbackBroadcast, CallbackTrigger, ClickRoute, DeviceInfo, DisplayInstruction, Extra,
    NotificationSpec, Poster, RegisterError,
};

/// What the vivo Push console gives the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub app_id: String,
    pub app_key: String,
    pub app_secret: String,
}

pub const AUTH_PATH: &str = "/message/auth";
pub const SEND_PATH: &str = "/message/send";
/// Group push, step 1: save the common message body.
pub const SAVE_LIST_PAYLOAD_PATH: &str = "/message/saveListPayload";
/// Group push, step 2: send a saved body to 2–1000 regIds.
pub const PUSH_TO_LIST_PATH: &str = "/message/pushToList";
/// Full push to every device of the app.
pub const ALL_PATH: &str = "/message/all";

/// How long an issued `authToken` is valid.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// How long the client reuses a token (vivo advises refreshing every 1–2 h).
pub const CLIENT_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// The auth timestamp must lie within this distance of vivo's clock.
pub const TIMESTAMP_WINDOW_MS: i64 = 10 * 60 * 1000;
/// The body of vivo's internal-error answer (HTTP 500, plain text).
pub const INTERNAL_ERROR_TEXT: &str = "Internet server error!";

/// vivo's `result` codes. The documents name 10070, 10094, 10097, 10200,
/// 10201 and 10302; the others are UNCONFIRMED and chosen to sit next to
/// the documented ones in the way vivo numbers its errors.
pub mod codes {
    pub const SUCCESS: i64 = 0;
    /// authToken missing, unknown or expired (UNCONFIRMED value).
    pub const AUTH_FAILED: i64 = 10000;
    /// Neither regId nor alias.
    pub const MISSING_TARGET: i64 = 10050;
    pub const NOTIFY_TYPE_INVALID: i64 = 10052;
    pub const TITLE_EMPTY: i64 = 10053;
    pub const TITLE_TOO_LONG: i64 = 10054;
    pub const CONTENT_EMPTY: i64 = 10055;
    pub const CONTENT_TOO_LONG: i64 = 10056;
    pub const SKIP_TYPE_INVALID: i64 = 10057;
    pub const SKIP_CONTENT_INVALID: i64 = 10058;
    pub const TIME_TO_LIVE_INVALID: i64 = 10059;
    pub const CLIENT_CUSTOM_MAP_INVALID: i64 = 10060;
    pub const REQUEST_ID_INVALID: i64 = 10061;
    pub const NETWORK_TYPE_INVALID: i64 = 10062;
    pub const CLASSIFICATION_INVALID: i64 = 10063;
    /// The body is not a JSON object of the documented field types.
    pub const BODY_INVALID: i64 = 10064;
    pub const PUSH_MODE_INVALID: i64 = 10065;
    /// Documented: total send quota exceeded; stop for the day.
    pub const QUOTA_EXCEEDED: i64 = 10070;
    /// Sends to one device too fast (UNCONFIRMED value).
    pub const FREQUENCY_EXCEEDED: i64 = 10071;
    /// Documented: the body's appId is not the token's app.
    pub const APP_ID_MISMATCH: i64 = 10094;
    /// Documented: classification and category disagree.
    pub const CATEGORY_MISMATCH: i64 = 10097;
    /// Documented: auth without appId / appKey.
    pub const APP_ID_EMPTY: i64 = 10200;
    pub const APP_KEY_EMPTY: i64 = 10201;
    pub const APP_KEY_INVALID: i64 = 10202;
    pub const TIMESTAMP_EMPTY: i64 = 10203;
    pub const SIGN_EMPTY: i64 = 10204;
    pub const APP_ID_INVALID: i64 = 10205;
    pub const SIGN_INVALID: i64 = 10206;
    pub const TIMESTAMP_INVALID: i64 = 10207;
    /// More than 10 auth calls per second for one app.
    pub const AUTH_TOO_FREQUENT: i64 = 10208;
    /// Documented: invalid regId, with `invalidUser`.
    pub const INVALID_REG_ID: i64 = 10302;
    /// pushToList: unknown taskId (UNCONFIRMED value).
    pub const TASK_ID_INVALID: i64 = 10066;
    /// pushToList: regIds missing, fewer than 2 or more than 1000
    /// (UNCONFIRMED value).
    pub const REG_IDS_INVALID: i64 = 10067;
    /// Documented: too many saved group bodies today.
    pub const LIST_PAYLOAD_LIMIT: i64 = 10252;
    /// Documented: full pushes over the daily count (1 by default).
    pub const ALL_LIMIT: i64 = 10254;
}

fn code_desc(code: i64) -> &'static str {
    match code {
        codes::SUCCESS => "请求成功",
        codes::AUTH_FAILED => "权限认证失败",
        codes::MISSING_TARGET => "regId和alias不能同时为空",
        codes::NOTIFY_TYPE_INVALID => "notifyType不合法",
        codes::TITLE_EMPTY => "title不能为空",
        codes::TITLE_TOO_LONG => "title长度超出限制",
        codes::CONTENT_EMPTY => "content不能为空",
        codes::CONTENT_TOO_LONG => "content长度超出限制",
        codes::SKIP_TYPE_INVALID => "skipType不合法",
        codes::SKIP_CONTENT_INVALID => "skipContent不合法",
        codes::TIME_TO_LIVE_INVALID => "timeToLive不合法",
        codes::CLIENT_CUSTOM_MAP_INVALID => "clientCustomMap不合法",
        codes::REQUEST_ID_INVALID => "requestId不合法",
        codes::NETWORK_TYPE_INVALID => "networkType不合法",
        codes::CLASSIFICATION_INVALID => "classification不合法",
        codes::BODY_INVALID => "请求参数不合法",
        codes::PUSH_MODE_INVALID => "pushMode不合法",
        codes::QUOTA_EXCEEDED => "发送总量超出限制",
        codes::FREQUENCY_EXCEEDED => "发送频率超出限制",
        codes::APP_ID_MISMATCH => "appId与鉴权信息不一致",
        codes::CATEGORY_MISMATCH => "classification与category不匹配",
        codes::APP_ID_EMPTY => "appId不能为空",
        codes::APP_KEY_EMPTY => "appKey不能为空",
        codes::APP_KEY_INVALID => "appKey不合法",
        codes::TIMESTAMP_EMPTY => "timestamp不能为空",
        codes::SIGN_EMPTY => "sign不能为空",
        codes::APP_ID_INVALID => "appId不合法",
        codes::SIGN_INVALID => "sign不合法",
        codes::TIMESTAMP_INVALID => "timestamp不合法",
        codes::AUTH_TOO_FREQUENT => "鉴权调用频率超出限制",
        codes::INVALID_REG_ID => "regId不合法",
        codes::TASK_ID_INVALID => "taskId不合法",
        codes::REG_IDS_INVALID => "regIds不合法",
        codes::LIST_PAYLOAD_LIMIT => "批量发送消息体超出限制",
        codes::ALL_LIMIT => "全量发送超过次数限制",
        _ => "请求失败",
    }
}

/// The diagnosis for a vivo `result` code.
pub fn diagnosis_for(code: i64) -> Diagnosis {
    match code {
        codes::AUTH_FAILED | codes::APP_ID_MISMATCH => Diagnosis::VendorAuthFailed,
        codes::AUTH_TOO_FREQUENT | codes::FREQUENCY_EXCEEDED => Diagnosis::VendorRateLimited,
        10200..=10207 => Diagnosis::VendorAuthFailed,
        codes::QUOTA_EXCEEDED | 10252 | 10254 => Diagnosis::VendorQuotaExceeded,
        codes::INVALID_REG_ID => Diagnosis::VendorTokenInvalid,
        _ => Diagnosis::VendorInvalidRequest,
    }
}

/// `lowercase_hex(md5(appId + appKey + timestamp + appSecret))`, each part
/// trimmed as vivo's document says.
pub fn auth_sign(app_id: &str, app_key: &str, timestamp_ms: &str, app_secret: &str) -> String {
    let mut h = Md5::new();
    for part in [app_id, app_key, timestamp_ms, app_secret] {
        h.update(part.trim().as_bytes());
    }
    hex::encode(h.finalize())
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/// Quotas and frequency control of the simulated endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// System messages (classification 1) per app per China day → 10070.
    /// vivo allows a multiple of the users with notifications enabled, at
    /// least 10,000 counted; Tencent's page says 20×: 200,000.
    pub system_daily_per_app: u64,
    /// Operational messages (classification 0, the default) per app per
    /// day → 10070: 2 × 10,000.
    pub operational_daily_per_app: u64,
    /// Operational messages per device per day (vivo: 2, or 5 for news) →
    /// 10070. Off by default: pushlab's scenarios send many unclassified
    /// messages to one test device; set 2 to reproduce the real cap.
    pub operational_daily_per_device: Option<u64>,
    /// Sends to one device per second → 10071. 50 makes a burst of ~100
    /// sends/s to one device hit frequency control (the guide's FAQ: a
    /// fast, continuous push loses one or two messages to vendor frequency
    /// control) while ordinary scenarios stay far below it.
    pub device_per_second: u64,
    /// Auth calls per app per second → 10208 (vivo doc 2.9.2: 10/s).
    pub auth_per_second: u64,
    /// Group bodies saved per app per day → 10252 (the figure is
    /// UNCONFIRMED).
    pub list_payloads_daily_per_app: u64,
    /// Full pushes per app per day → 10254 (vivo: 1 by default).
    pub all_daily_per_app: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            system_daily_per_app: 200_000,
            operational_daily_per_app: 20_000,
            operational_daily_per_device: None,
            device_per_second: 50,
            auth_per_second: 10,
            list_payloads_daily_per_app: 10_000,
            all_daily_per_app: 1,
        }
    }
}

struct Quotas {
    limits: Limits,
    device_per_second: RateWindow,
    auth_per_second: RateWindow,
    /// Shared with the next limits: changing limits keeps today's counts.
    daily: Arc<DailyCounter>,
}

impl Quotas {
    fn new(limits: Limits) -> Quotas {
        let second = Duration::from_secs(1);
        Quotas {
            device_per_second: RateWindow::new(limits.device_per_second, second),
            auth_per_second: RateWindow::new(limits.auth_per_second, second),
            daily: Arc::default(),
            limits,
        }
    }

    /// Counts one call of a per-day limited operation of `app_id`.
    fn check_daily(
        &self,
        what: &str,
        app_id: &str,
        limit: u64,
        code: i64,
        now: Timestamp,
    ) -> Result<(), i64> {
        if self
            .daily
            .hit(&format!("{what}\n{app_id}"), china_day(now), limit)
        {
            Ok(())
        } else {
            Err(code)
        }
    }

    fn check_send(
        &self,
        app_id: &str,
        reg_id: &str,
        system: bool,
        now: Timestamp,
    ) -> Result<(), i64> {
        let device_key = format!("{app_id}\n{reg_id}");
        if !self.device_per_second.hit(&device_key, now) {
            return Err(codes::FREQUENCY_EXCEEDED);
        }
        let day = china_day(now);
        if system {
            if !self.daily.hit(
                &format!("sys\n{app_id}"),
                day,
                self.limits.system_daily_per_app,
            ) {
                return Err(codes::QUOTA_EXCEEDED);
            }
        } else {
            if let Some(per_device) = self.limits.operational_daily_per_device {
                if !self
                    .daily
                    .hit(&format!("op\n{device_key}"), day, per_device)
                {
                    return Err(codes::QUOTA_EXCEEDED);
                }
            }
            if !self.daily.hit(
                &format!("op\n{app_id}"),
                day,
                self.limits.operational_daily_per_app,
            ) {
                return Err(codes::QUOTA_EXCEEDED);
            }
        }
        Ok(())
    }
}

/// Counts per key per China day.
#[derive(Default)]
struct DailyCounter {
    counts: Mutex<HashMap<String, (i64, u64)>>,
}

impl DailyCounter {
    fn hit(&self, key: &str, day: i64, limit: u64) -> bool {
        let mut counts = self.counts.lock();
        let e = counts.entry(key.to_string()).or_insert((day, 0));
        if e.0 != day {
            *e = (day, 0);
        }
        if e.1 >= limit {
            return false;
        }
        e.1 += 1;
        true
    }
}

// ---------------------------------------------------------------------------
// The message, as the endpoint reads it
// ---------------------------------------------------------------------------

/// A vivo refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct VivoError {
    code: i64,
    desc: String,
    /// For 10302: the target that is not valid.
    invalid_user: Option<String>,
}

impl VivoError {
    fn new(code: i64) -> VivoError {
        VivoError {
            code,
            desc: code_desc(code).to_string(),
            invalid_user: None,
        }
    }

    fn with(code: i64, detail: impl std::fmt::Display) -> VivoError {
        VivoError {
            code,
            desc: format!("{}: {detail}", code_desc(code)),
            invalid_user: None,
        }
    }

    fn body(&self) -> Value {
        let mut v = json!({"result": self.code, "desc": self.desc});
        if let Some(user) = &self.invalid_user {
            // status 1: the userid does not exist.
            v["invalidUser"] = json!({"status": 1, "userid": user});
        }
        v
    }
}

/// Categories of system messages (classification 1) and of operational ones
/// (classification 0), per vivo's classification doc.
const SYSTEM_CATEGORIES: &[&str] = &[
    "IM",
    "ACCOUNT",
    "TODO",
    "DEVICE_REMINDER",
    "ORDER",
    "SUBSCRIPTION",
];
const OPERATIONAL_CATEGORIES: &[&str] = &["NEWS", "CONTENT", "MARKETING", "SOCIAL"];

/// `skipType` with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Skip {
    /// 1: open the app's home.
    App,
    /// 2: a web page.
    Url(String),
    /// 3: custom; the SDK callback decides (unsupported from SDK 480 on).
    Custom(String),
    /// 4: an in-app page by intent URI.
    Page(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Message {
    target: String,
    title: String,
    content: String,
    skip: Skip,
    custom: Vec<(String, String)>,
    /// Classification 1.
    system: bool,
    notify_id: Option<i32>,
}

/// Reads fields leniently, as vivo's Java JSON binding does (a number where
/// a string is expected and a numeric string where a number is expected
/// are both accepted).
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn string(&self, key: &str, code: i64) -> Result<Option<String>, VivoError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
            Some(v @ Value::Number(_)) => Ok(Some(v.to_string())),
            Some(_) => Err(VivoError::with(code, format!("{key} must be a string"))),
        }
    }

    fn int(&self, key: &str, code: i64) -> Result<Option<i64>, VivoError> {
        let bad = || VivoError::with(code, format!("{key} must be an integer"));
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Validates a `/message/send` body (after appId and auth).
fn parse_message(obj: &Map<String, Value>) -> Result<Message, VivoError> {
    let f = Fields(obj);
    // regId wins over alias.
    let target = match f.string("regId", codes::BODY_INVALID)? {
        Some(r) => r,
        None => f
            .string("alias", codes::BODY_INVALID)?
            .ok_or_else(|| VivoError::new(codes::MISSING_TARGET))?,
    };
    parse_payload(obj, target)
}

/// Validates the notification fields shared by single, group and full
/// pushes; `target` is empty for saved group payloads.
fn parse_payload(obj: &Map<String, Value>, target: String) -> Result<Message, VivoError> {
    let f = Fields(obj);
    match f.int("notifyType", codes::NOTIFY_TYPE_INVALID)? {
        Some(1..=4) => {}
        Some(n) => return Err(VivoError::with(codes::NOTIFY_TYPE_INVALID, n)),
        None => {
            return Err(VivoError::with(
                codes::NOTIFY_TYPE_INVALID,
                "notifyType is required",
            ))
        }
    }
    let title = f
        .string("title", codes::TITLE_EMPTY)?
        .ok_or_else(|| VivoError::new(codes::TITLE_EMPTY))?;
    if chars(&title) > TITLE_MAX {
        return Err(VivoError::with(
            codes::TITLE_TOO_LONG,
            "at most 40 characters",
        ));
    }
    let content = f
        .string("content", codes::CONTENT_EMPTY)?
        .ok_or_else(|| VivoError::new(codes::CONTENT_EMPTY))?;
    if chars(&content) > CONTENT_MAX {
        return Err(VivoError::with(
            codes::CONTENT_TOO_LONG,
            "at most 100 characters",
        ));
    }
    let skip_content = f.string("skipContent", codes::SKIP_CONTENT_INVALID)?;
    if let Some(c) = &skip_content {
        if chars(c) > 1024 {
            return Err(VivoError::with(
                codes::SKIP_CONTENT_INVALID,
                "at most 1024 characters",
            ));
        }
    }
    let need = |c: Option<String>| {
        c.ok_or_else(|| VivoError::with(codes::SKIP_CONTENT_INVALID, "skipContent is required"))
    };
    let skip = match f.int("skipType", codes::SKIP_TYPE_INVALID)? {
        Some(1) => Skip::App,
        Some(2) => {
            let url = need(skip_content)?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(VivoError::with(
                    codes::SKIP_CONTENT_INVALID,
                    "a URL starting with http:// or https://",
                ));
            }
            Skip::Url(url)
        }
        Some(3) => Skip::Custom(skip_content.unwrap_or_default()),
        Some(4) => Skip::Page(need(skip_content)?),
        Some(n) => return Err(VivoError::with(codes::SKIP_TYPE_INVALID, n)),
        None => {
            return Err(VivoError::with(
                codes::SKIP_TYPE_INVALID,
                "skipType is required",
            ))
        }
    };
    if let Some(ttl) = f.int("timeToLive", codes::TIME_TO_LIVE_INVALID)? {
        // At least 60 s; at most one day (MODOOD; the older doc allowed 7).
        if !(60..=86_400).contains(&ttl) {
            return Err(VivoError::with(
                codes::TIME_TO_LIVE_INVALID,
                "60..86400 seconds",
            ));
        }
    }
    if let Some(nt) = f.int("networkType", codes::NETWORK_TYPE_INVALID)? {
        if nt != -1 && nt != 1 {
            return Err(VivoError::with(codes::NETWORK_TYPE_INVALID, nt));
        }
    }
    if let Some(pm) = f.int("pushMode", codes::PUSH_MODE_INVALID)? {
        if pm != 0 && pm != 1 {
            return Err(VivoError::with(codes::PUSH_MODE_INVALID, pm));
        }
    }
    let classification = f.int("classification", codes::CLASSIFICATION_INVALID)?;
    if let Some(c) = classification {
        if c != 0 && c != 1 {
            return Err(VivoError::with(codes::CLASSIFICATION_INVALID, c));
        }
    }
    let category = f.string("category", codes::CATEGORY_MISMATCH)?;
    let system = match (&category, classification) {
        (Some(cat), class) => {
            let cat_system = if SYSTEM_CATEGORIES.contains(&cat.as_str()) {
                true
            } else if OPERATIONAL_CATEGORIES.contains(&cat.as_str()) {
                false
            } else {
                return Err(VivoError::with(
                    codes::CATEGORY_MISMATCH,
                    format!("unknown category {cat}"),
                ));
            };
            if class.is_some_and(|c| (c == 1) != cat_system) {
                return Err(VivoError::new(codes::CATEGORY_MISMATCH));
            }
            cat_system
        }
        (None, class) => class == Some(1),
    };
    let custom = match obj.get("clientCustomMap") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => {
            let mut pairs = Vec::with_capacity(m.len());
            let mut total = 0;
            for (k, v) in m {
                let Value::String(v) = v else {
                    return Err(VivoError::with(
                        codes::CLIENT_CUSTOM_MAP_INVALID,
                        "values must be strings",
                    ));
                };
                total += chars(k) + chars(v);
                pairs.push((k.clone(), v.clone()));
            }
            if total > 1024 {
                return Err(VivoError::with(
                    codes::CLIENT_CUSTOM_MAP_INVALID,
                    "keys and values exceed 1024 characters",
                ));
            }
            pairs
        }
        Some(_) => {
            return Err(VivoError::with(
                codes::CLIENT_CUSTOM_MAP_INVALID,
                "must be a map of strings",
            ))
        }
    };
    // requestId is in every documented example; vivo uses it to
    // deduplicate, so a send without one is refused (UNCONFIRMED).
    let request_id = f
        .string("requestId", codes::REQUEST_ID_INVALID)?
        .ok_or_else(|| VivoError::with(codes::REQUEST_ID_INVALID, "requestId is required"))?;
    if chars(&request_id) > 64 {
        return Err(VivoError::with(
            codes::REQUEST_ID_INVALID,
            "at most 64 characters",
        ));
    }
    let notify_id = f
        .int("notifyId", codes::BODY_INVALID)?
        .and_then(|n| i32::try_from(n).ok())
        .filter(|n| *n >= 1);
    Ok(Message {
        target,
        title,
        content,
        skip,
        custom,
        system,
        notify_id,
    })
}

// ---------------------------------------------------------------------------
// Device-side semantics
// ---------------------------------------------------------------------------

fn display_instruction(
    message_id: MessageId,
    package: &str,
    token: &str,
    m: &Message,
) -> DisplayInstruction {
    let click = match &m.skip {
        Skip::App | Skip::Custom(_) => ClickRoute::Launcher,
        Skip::Url(url) => ClickRoute::Url { url: url.clone() },
        // The intent URI's own extras (S.k=v) arrive on the activity when
        // the device parses it.
        Skip::Page(uri) => ClickRoute::IntentUri { uri: uri.clone() },
    };
    let params: Vec<Extra> = m.custom.iter().map(|(k, v)| Extra::string(k, v)).collect();
    // A web page opens in the browser without the app; pass-through (the
    // SDK's click callback) exists for "open app" and "open page" only, as
    // the guide says (UNCONFIRMED for skipType 2 on every ROM version).
    let callbacks = match &m.skip {
        Skip::Url(_) => Vec::new(),
        _ => vec![CallbackBroadcast {
            action: RECEIVE_ACTION.to_string(),
            component: None,
            on: CallbackTrigger::Clicked,
            extras: params,
            include_stopped_packages: true,
        }],
    };
    DisplayInstruction {
        message_id,
        vendor: VendorId::Vivo,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: m.title.clone(),
            text: m.content.clone(),
            channel_id: Some(SYSTEM_CHANNEL.to_string()),
            notify_id: m.notify_id,
            badge_class: None,
        },
        poster: Poster::SystemService,
        click,
        extras: Vec::new(),
        callbacks,
        ext: m
            .custom
            .iter()
            .find(|(k, _)| k == "ext")
            .map(|(_, v)| v.clone()),
    }
}

// ---------------------------------------------------------------------------
// The client's requests (pure)
// ---------------------------------------------------------------------------

/// An HTTP request the client makes, built without a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingRequest {
    pub method: &'static str,
    /// Relative to the vendor base URL.
    pub path: &'static str,
    pub headers: Vec<(String, String)>,
    /// JSON.
    pub body: Value,
}

/// vivo's title limit, in characters.
pub const TITLE_MAX: usize = 40;
/// vivo's content limit, in characters.
pub const CONTENT_MAX: usize = 100;

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// vivo app ids are numbers; the documents send them as JSON numbers.
fn app_id_value(app_id: &str) -> Value {
    app_id
        .trim()
        .parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(app_id))
}

/// `POST /message/auth` for these credentials at `now`.
pub fn build_auth_request(
    creds: &Credentials,
    now: Timestamp,
    message_id: &MessageId,
) -> OutgoingRequest {
    let timestamp = now.millis();
    let sign = auth_sign(
        &creds.app_id,
        &creds.app_key,
        &timestamp.to_string(),
        &creds.app_secret,
    );
    OutgoingRequest {
        method: "POST",
        path: AUTH_PATH,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            (MESSAGE_ID_HEADER.into(), message_id.0.clone()),
        ],
        body: json!({
            "appId": app_id_value(&creds.app_id),
            "appKey": creds.app_key,
            "timestamp": timestamp,
            "sign": sign,
        }),
    }
}

/// The classification TIM's `VIVOClassification` asks for, if any.
fn classification_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The `/message/send` request for `push` with a valid `authToken`.
pub fn build_send_request(push: &Push, auth_token: &str) -> OutgoingRequest {
    let app_id = match &push.certificate.credentials {
        super::Credentials::Vivo(c) => app_id_value(&c.app_id),
        _ => Value::Null,
    };
    let mut body = Map::new();
    body.insert("appId".into(), app_id);
    body.insert("regId".into(), json!(push.token));
    body.insert("notifyType".into(), json!(4));
    // The IM server fits the text to vivo's limits (title 40, content 100)
    // instead of losing the push to a length error (UNCONFIRMED: the exact
    // cut TIM makes is not documented).
    body.insert("title".into(), json!(truncate(&push.title, TITLE_MAX)));
    body.insert("content".into(), json!(truncate(&push.desc, CONTENT_MAX)));
    match &push.certificate.click {
        ClickAction::OpenApp => {
            body.insert("skipType".into(), json!(1));
        }
        ClickAction::OpenUrl { url } => {
            body.insert("skipType".into(), json!(2));
            body.insert("skipContent".into(), json!(url));
        }
        ClickAction::OpenPage { page } => {
            // vivo names in-app pages by intent URI; a class or action from
            // a certificate made for another vendor is written as one.
            let uri = match page {
                PageTarget::IntentUri(uri) => uri.clone(),
                PageTarget::Activity(class) => {
                    let cn = crate::android::ComponentName::new(
                        push.certificate.package.as_str(),
                        class.as_str(),
                    );
                    format!(
                        "intent:#Intent;component={};end",
                        cn.flatten_to_short_string()
                    )
                }
                PageTarget::Action(action) => format!(
                    "intent:#Intent;action={action};package={};end",
                    push.certificate.package
                ),
            };
            body.insert("skipType".into(), json!(4));
            body.insert("skipContent".into(), json!(uri));
        }
    }
    let category = push
        .android
        .vivo_category
        .as_deref()
        .filter(|c| !c.is_empty());
    let classification = push
        .android
        .vivo_classification
        .as_ref()
        .and_then(classification_of)
        .or_else(|| match category {
            Some(c) if SYSTEM_CATEGORIES.contains(&c) => Some(1),
            Some(c) if OPERATIONAL_CATEGORIES.contains(&c) => Some(0),
            _ => None,
        });
    if let Some(c) = classification {
        body.insert("classification".into(), json!(c));
    }
    if let Some(c) = category {
        body.insert("category".into(), json!(c));
    }
    // The IM server hands Ext to the app as the "ext" entry of the params.
    if let Some(ext) = push.ext.as_deref().filter(|e| !e.is_empty()) {
        body.insert("clientCustomMap".into(), json!({"ext": ext}));
    }
    let request_id: String = push.message_id.0.chars().take(64).collect();
    body.insert("requestId".into(), json!(request_id));
    OutgoingRequest {
        method: "POST",
        path: SEND_PATH,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("authToken".into(), auth_token.to_string()),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        body: Value::Object(body),
    }
}

fn transport(e: impl std::fmt::Display) -> Rejection {
    transport_failure(e)
}

#[derive(Debug, Deserialize)]
struct Answer {
    result: i64,
    #[serde(default)]
    desc: String,
    #[serde(default, rename = "authToken")]
    auth_token: Option<String>,
    #[serde(default, rename = "taskId")]
    task_id: Option<Value>,
}

async fn execute(
    http: &reqwest::Client,
    base: &str,
    req: &OutgoingRequest,
) -> Result<Answer, Rejection> {
    let mut rb = http.post(format!("{base}{}", req.path));
    for (k, v) in &req.headers {
        rb = rb.header(k, v);
    }
    let resp = rb
        .body(req.body.to_string())
        .send()
        .await
        .map_err(transport)?;
    let status = resp.status();
    let text = resp.text().await.map_err(transport)?;
    if status.is_server_error() {
        return Err(server_error(status.as_u16(), &text));
    }
    if !status.is_success() {
        return Err(Rejection {
            code: Diagnosis::VendorInvalidRequest,
            vendor_code: http_code(status.as_u16()),
            message: text.chars().take(200).collect(),
        });
    }
    serde_json::from_str(&text).map_err(|e| Rejection {
        code: Diagnosis::VendorInvalidRequest,
        vendor_code: http_code(status.as_u16()),
        message: format!(
            "unreadable answer ({e}): {}",
            text.chars().take(200).collect::<String>()
        ),
    })
}

fn rejection(a: &Answer) -> Rejection {
    Rejection {
        code: diagnosis_for(a.result),
        vendor_code: a.result.to_string(),
        message: a.desc.clone(),
    }
}

// ---------------------------------------------------------------------------
// The vendor
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct IssuedToken {
    app_id: String,
    expires_at: Timestamp,
}

/// (base URL, app id, app key, app secret): one cached token per app and
/// server.
type ClientTokenKey = (String, String, String, String);

struct Inner {
    services: Services,
    faults: Faults,
    logs: RequestLogs,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    /// saveListPayload bodies by taskId: (app id, message).
    payloads: Mutex<HashMap<String, (String, Message)>>,
    quotas: RwLock<Arc<Quotas>>,
    client_tokens: Mutex<HashMap<ClientTokenKey, (String, Timestamp)>>,
    refresh: RefreshLocks<ClientTokenKey>,
}

/// vivo Push: simulated endpoint, client and device semantics.
pub struct Vivo {
    inner: Arc<Inner>,
}

impl Vivo {
    pub fn new(services: Services) -> Self {
        Self {
            inner: Arc::new(Inner {
                services,
                faults: Faults::default(),
                logs: RequestLogs::default(),
                tokens: Mutex::default(),
                payloads: Mutex::default(),
                quotas: RwLock::new(Arc::new(Quotas::new(Limits::default()))),
                client_tokens: Mutex::default(),
                refresh: RefreshLocks::default(),
            }),
        }
    }

    async fn client_token(
        &self,
        http: &reqwest::Client,
        base: &str,
        creds: &Credentials,
        message_id: &MessageId,
    ) -> Result<String, Rejection> {
        let key = (
            base.to_string(),
            creds.app_id.clone(),
            creds.app_key.clone(),
            creds.app_secret.clone(),
        );
        let cached = |now: Timestamp| {
            self.inner
                .client_tokens
                .lock()
                .get(&key)
                .filter(|(_, at)| now.since(*at) < CLIENT_TOKEN_TTL)
                .map(|(token, _)| token.clone())
        };
        if let Some(token) = cached(self.inner.services.clock.now()) {
            return Ok(token);
        }
        // Single flight: one refresh per credentials, the others wait for it.
        let _refresh = self.inner.refresh.lock(&key).await;
        let now = self.inner.services.clock.now();
        if let Some(token) = cached(now) {
            return Ok(token);
        }
        let answer = execute(http, base, &build_auth_request(creds, now, message_id)).await?;
        if answer.result != codes::SUCCESS {
            return Err(rejection(&answer));
        }
        let token = answer
            .auth_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Rejection {
                code: Diagnosis::VendorAuthFailed,
                vendor_code: "0".into(),
                message: "auth answer without authToken".into(),
            })?;
        self.inner
            .client_tokens
            .lock()
            .insert(key, (token.clone(), now));
        Ok(token)
    }
}

#[async_trait]
impl Vendor for Vivo {
    fn id(&self) -> VendorId {
        VendorId::Vivo
    }

    fn hosts(&self) -> &'static [&'static str] {
        &["api-push.vivo.com.cn"]
    }

    /// `turnOnPush` succeeds on FuntouchOS/OriginOS devices with vivo push
    /// and hands out a 23-digit regId; elsewhere it reports state 101
    /// ("this device or system version does not support vivo push", seed
    /// 002).
    fn register(&self, device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        if !device.vendor_push {
            return Err(RegisterError {
                vendor: VendorId::Vivo,
                code: "101".into(),
                message: format!(
                    "turnOnPush state 101: vivo push is not supported on {} {}",
                    device.brand, device.model
                ),
                diagnosis: Diagnosis::VivoUnsupportedDevice,
            });
        }
        Ok(format!(
            "{}{}",
            random_string(1, b"123456789"),
            random_string(22, b"0123456789")
        ))
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route(AUTH_PATH, any(auth_handler))
            .route(SEND_PATH, any(send_handler))
            .route(SAVE_LIST_PAYLOAD_PATH, any(save_list_payload_handler))
            .route(PUSH_TO_LIST_PATH, any(push_to_list_handler))
            .route(ALL_PATH, any(all_handler))
            .with_state(self.inner.clone())
    }

    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
        let base = base_url.trim_end_matches('/');
        let request = Some(("POST".to_string(), format!("{base}{SEND_PATH}")));
        let super::Credentials::Vivo(creds) = &push.certificate.credentials else {
            return SendOutcome {
                request: None,
                result: Err(Rejection {
                    code: Diagnosis::VendorInvalidRequest,
                    vendor_code: "certificate".into(),
                    message: "not a vivo certificate".into(),
                }),
            };
        };
        let mut retried = false;
        loop {
            let token = match self.client_token(http, base, creds, &push.message_id).await {
                Ok(t) => t,
                Err(r) => {
                    return SendOutcome {
                        request: Some(("POST".into(), format!("{base}{AUTH_PATH}"))),
                        result: Err(r),
                    }
                }
            };
            let answer = match execute(http, base, &build_send_request(push, &token)).await {
                Ok(a) => a,
                Err(r) => {
                    return SendOutcome {
                        request,
                        result: Err(r),
                    }
                }
            };
            if answer.result == codes::AUTH_FAILED && !retried {
                // The cached token expired or was revoked: authenticate again.
                self.inner
                    .client_tokens
                    .lock()
                    .retain(|_, (t, _)| *t != token);
                retried = true;
                continue;
            }
            let result = if answer.result == codes::SUCCESS {
                match answer.task_id {
                    Some(Value::String(s)) => Ok(s),
                    Some(Value::Number(n)) => Ok(n.to_string()),
                    _ => Err(Rejection {
                        code: Diagnosis::VendorInvalidRequest,
                        vendor_code: "0".into(),
                        message: "answer without taskId".into(),
                    }),
                }
            } else {
                Err(rejection(&answer))
            };
            return SendOutcome { request, result };
        }
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
        self.quotas.read().limits.clone()
    }

    fn install_limits(&self, merged: Limits) {
        let mut quotas = self.quotas.write();
        let mut next = Quotas::new(merged);
        next.daily = quotas.daily.clone();
        *quotas = Arc::new(next);
    }

    fn reset_state(&self) {
        self.tokens.lock().clear();
        self.payloads.lock().clear();
        self.client_tokens.lock().clear();
        let limits = self.quotas.read().limits.clone();
        *self.quotas.write() = Arc::new(Quotas::new(limits));
    }
}

// ---------------------------------------------------------------------------
// Endpoint
// ---------------------------------------------------------------------------

struct Req {
    method: Method,
    path: &'static str,
    headers: HeaderMap,
    /// The body as a JSON object, when it is one.
    body: Option<Map<String, Value>>,
}

impl Req {
    fn new(method: Method, path: &'static str, headers: HeaderMap, body: &Bytes) -> Req {
        let body = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        };
        Req {
            method,
            path,
            headers,
            body,
        }
    }
}

fn json_response(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// The `Drop` fault: the body fails after the headers, so hyper closes the
/// connection without completing the answer.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by fault injection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// vivo's documented internal-error answer.
fn internal_error(status: StatusCode) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        INTERNAL_ERROR_TEXT,
    )
        .into_response()
}

impl Inner {
    fn log(
        &self,
        req: &Req,
        status: u16,
        code: i64,
        message: &str,
        tokens: Vec<String>,
        message_id: Option<MessageId>,
    ) {
        self.logs.push(RequestLog {
            at: self.services.clock.now(),
            method: req.method.to_string(),
            path: req.path.to_string(),
            http_status: status,
            accepted: code == codes::SUCCESS && status == 200,
            vendor_code: code.to_string(),
            message: message.to_string(),
            tokens,
            message_id,
        });
    }

    fn reject(&self, req: &Req, e: VivoError, tokens: Vec<String>) -> Response {
        let message_id = self.services.message_id_for(&req.headers, VendorId::Vivo);
        self.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Vivo,
                vendor_code: e.code.to_string(),
                message: e.desc.clone(),
                code: diagnosis_for(e.code),
            },
        );
        self.log(req, 200, e.code, &e.desc, tokens, Some(message_id));
        json_response(e.body())
    }

    fn find_app(&self, app_id: &str) -> Option<(std::sync::Arc<super::Certificate>, Credentials)> {
        let cert = self.services.apps.find(
            VendorId::Vivo,
            |c| matches!(&c.credentials, super::Credentials::Vivo(v) if v.app_id.trim() == app_id),
        )?;
        match &cert.credentials {
            super::Credentials::Vivo(v) => {
                let v = v.clone();
                Some((cert, v))
            }
            _ => None,
        }
    }

    /// The app of the request's `authToken` header.
    fn authenticate(
        &self,
        req: &Req,
    ) -> Result<(std::sync::Arc<super::Certificate>, String), VivoError> {
        if req.method != Method::POST {
            return Err(VivoError::with(codes::BODY_INVALID, "POST only"));
        }
        let token = req
            .headers
            .get("authToken")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| VivoError::with(codes::AUTH_FAILED, "authToken header missing"))?;
        let issued = self
            .tokens
            .lock()
            .get(token)
            .cloned()
            .ok_or_else(|| VivoError::new(codes::AUTH_FAILED))?;
        if self.services.clock.now() >= issued.expires_at {
            return Err(VivoError::with(codes::AUTH_FAILED, "authToken expired"));
        }
        let (cert, _) = self
            .find_app(&issued.app_id)
            .ok_or_else(|| VivoError::new(codes::AUTH_FAILED))?;
        Ok((cert, issued.app_id))
    }

    /// Journals an accepted push to `reg_id` and hands it to its device.
    fn accept(
        &self,
        cert: &super::Certificate,
        reg_id: &str,
        m: &Message,
        task_id: &str,
        message_id: &MessageId,
    ) {
        self.services.journal.append(
            Some(message_id),
            None,
            Event::EndpointAccepted {
                vendor: VendorId::Vivo,
                vendor_message_id: task_id.to_string(),
                token: reg_id.to_string(),
            },
        );
        self.services.gateway.deliver(display_instruction(
            message_id.clone(),
            &cert.package,
            reg_id,
            m,
        ));
    }

    /// Whether `reg_id` belongs to a device of this app.
    fn knows(&self, cert: &super::Certificate, reg_id: &str) -> bool {
        self.services
            .gateway
            .lookup(VendorId::Vivo, reg_id)
            .is_some_and(|r| r.package == cert.package)
    }

    async fn fault(&self, req: &Req, tokens: &[String]) -> Option<Response> {
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        match self.faults.take(&refs)? {
            FaultKind::Latency { millis } => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                None
            }
            FaultKind::ErrorCode { code } => {
                let code = code.trim().parse::<i64>().unwrap_or(codes::BODY_INVALID);
                let mut e = VivoError::new(code);
                if code == codes::INVALID_REG_ID {
                    e.invalid_user = tokens.first().cloned();
                }
                Some(self.reject(req, e, tokens.to_vec()))
            }
            FaultKind::ServerError { status } => {
                let status = fault_status(status);
                let message_id = self.services.message_id_for(&req.headers, VendorId::Vivo);
                self.services.journal.append(
                    Some(&message_id),
                    None,
                    Event::EndpointRejected {
                        vendor: VendorId::Vivo,
                        vendor_code: http_code(status.as_u16()),
                        message: INTERNAL_ERROR_TEXT.into(),
                        code: Diagnosis::DeliveryTimeout,
                    },
                );
                self.log(
                    req,
                    status.as_u16(),
                    -1,
                    INTERNAL_ERROR_TEXT,
                    tokens.to_vec(),
                    Some(message_id),
                );
                Some(internal_error(status))
            }
            FaultKind::Drop => {
                let message_id = self.services.message_id_for(&req.headers, VendorId::Vivo);
                journal_fault(
                    &self.services,
                    &message_id,
                    VendorId::Vivo,
                    "transport",
                    "connection dropped",
                );
                self.log(
                    req,
                    0,
                    -1,
                    "connection dropped",
                    tokens.to_vec(),
                    Some(message_id),
                );
                Some(dropped_connection())
            }
        }
    }
}

/// A JSON value as the text vivo compares (numbers and strings alike).
fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

async fn auth_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, AUTH_PATH, headers, &body);
    match auth(&s, &req) {
        Ok(token) => {
            s.log(
                &req,
                200,
                codes::SUCCESS,
                code_desc(codes::SUCCESS),
                Vec::new(),
                None,
            );
            json_response(
                json!({"result": 0, "desc": code_desc(codes::SUCCESS), "authToken": token}),
            )
        }
        Err(e) => s.reject(&req, e, Vec::new()),
    }
}

fn auth(s: &Inner, req: &Req) -> Result<String, VivoError> {
    if req.method != Method::POST {
        return Err(VivoError::with(codes::BODY_INVALID, "POST only"));
    }
    // A body that is not a JSON object reads as one without fields.
    let empty = Map::new();
    let body = req.body.as_ref().unwrap_or(&empty);
    let app_id = text_of(body.get("appId")).ok_or_else(|| VivoError::new(codes::APP_ID_EMPTY))?;
    let app_key =
        text_of(body.get("appKey")).ok_or_else(|| VivoError::new(codes::APP_KEY_EMPTY))?;
    let timestamp =
        text_of(body.get("timestamp")).ok_or_else(|| VivoError::new(codes::TIMESTAMP_EMPTY))?;
    let sign = text_of(body.get("sign")).ok_or_else(|| VivoError::new(codes::SIGN_EMPTY))?;
    let (_, creds) = s
        .find_app(&app_id)
        .ok_or_else(|| VivoError::new(codes::APP_ID_INVALID))?;
    if creds.app_key.trim() != app_key {
        return Err(VivoError::new(codes::APP_KEY_INVALID));
    }
    let now = s.services.clock.now();
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| VivoError::with(codes::TIMESTAMP_INVALID, "not a millisecond timestamp"))?;
    if ts.abs_diff(now.millis()) > TIMESTAMP_WINDOW_MS.unsigned_abs() {
        return Err(VivoError::with(
            codes::TIMESTAMP_INVALID,
            "not within 10 minutes of server time",
        ));
    }
    if sign != auth_sign(&app_id, &app_key, &timestamp, &creds.app_secret) {
        return Err(VivoError::new(codes::SIGN_INVALID));
    }
    if !s.quotas.read().auth_per_second.hit(&app_id, now) {
        return Err(VivoError::new(codes::AUTH_TOO_FREQUENT));
    }
    let token = random_string(40, b"abcdefghijklmnopqrstuvwxyz0123456789");
    s.tokens.lock().insert(
        token.clone(),
        IssuedToken {
            app_id,
            expires_at: now.plus(TOKEN_LIFETIME),
        },
    );
    Ok(token)
}

async fn send_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, SEND_PATH, headers, &body);
    let target = req
        .body
        .as_ref()
        .and_then(|b| text_of(b.get("regId")).or_else(|| text_of(b.get("alias"))));
    let tokens: Vec<String> = target.iter().cloned().collect();
    let app = s.authenticate(&req);
    let (cert, app_id) = match app {
        Ok(v) => v,
        Err(e) => return s.reject(&req, e, tokens),
    };
    if let Some(r) = s.fault(&req, &tokens).await {
        return r;
    }
    let result = (|| {
        let body = app_body(&req, &app_id)?;
        let m = parse_message(body)?;
        // Aliases are not simulated (pushlab devices register regIds): an
        // alias is an unknown target like an unknown regId.
        let is_reg_id = text_of(body.get("regId")).is_some();
        let known = is_reg_id && s.knows(&cert, &m.target);
        if !known {
            let mut e = VivoError::new(codes::INVALID_REG_ID);
            e.invalid_user = Some(m.target.clone());
            return Err(e);
        }
        s.quotas
            .read()
            .clone()
            .check_send(&app_id, &m.target, m.system, s.services.clock.now())
            .map_err(VivoError::new)?;
        Ok(m)
    })();
    match result {
        Err(e) => s.reject(&req, e, tokens),
        Ok(m) => {
            let message_id = s.services.message_id_for(&req.headers, VendorId::Vivo);
            let task_id = new_task_id(&s.services);
            s.accept(&cert, &m.target, &m, &task_id, &message_id);
            s.log(
                &req,
                200,
                codes::SUCCESS,
                code_desc(codes::SUCCESS),
                tokens,
                Some(message_id),
            );
            json_response(
                json!({"result": 0, "desc": code_desc(codes::SUCCESS), "taskId": task_id}),
            )
        }
    }
}

/// The request's JSON body, after checking that its `appId` is the token's.
fn app_body<'a>(req: &'a Req, app_id: &str) -> Result<&'a Map<String, Value>, VivoError> {
    let body = req
        .body
        .as_ref()
        .ok_or_else(|| VivoError::with(codes::BODY_INVALID, "body is not a JSON object"))?;
    if text_of(body.get("appId")).as_deref() != Some(app_id) {
        return Err(VivoError::new(codes::APP_ID_MISMATCH));
    }
    Ok(body)
}

/// vivo task ids are decimal numbers written as strings.
fn new_task_id(services: &Services) -> String {
    (100_000_000 + services.next_id()).to_string()
}

fn success(task_id: &str) -> Value {
    json!({"result": 0, "desc": code_desc(codes::SUCCESS), "taskId": task_id})
}

/// `/message/saveListPayload`: validates and keeps a group body; answers
/// its `taskId`.
async fn save_list_payload_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, SAVE_LIST_PAYLOAD_PATH, headers, &body);
    let result = (|| {
        let (_, app_id) = s.authenticate(&req)?;
        let body = app_body(&req, &app_id)?;
        let m = parse_payload(body, String::new())?;
        let quotas = s.quotas.read().clone();
        quotas
            .check_daily(
                "list",
                &app_id,
                quotas.limits.list_payloads_daily_per_app,
                codes::LIST_PAYLOAD_LIMIT,
                s.services.clock.now(),
            )
            .map_err(VivoError::new)?;
        let task_id = new_task_id(&s.services);
        s.payloads.lock().insert(task_id.clone(), (app_id, m));
        Ok(task_id)
    })();
    match result {
        Err(e) => s.reject(&req, e, Vec::new()),
        Ok(task_id) => {
            s.log(
                &req,
                200,
                codes::SUCCESS,
                code_desc(codes::SUCCESS),
                Vec::new(),
                None,
            );
            json_response(success(&task_id))
        }
    }
}

/// `/message/pushToList`: `{appId, regIds: [2..1000], taskId, requestId}`.
/// Unknown regIds are listed in `invalidUsers`; the known ones get the push.
async fn push_to_list_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, PUSH_TO_LIST_PATH, headers, &body);
    let reg_ids: Vec<String> = req
        .body
        .as_ref()
        .and_then(|b| b.get("regIds"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| text_of(Some(v))).collect())
        .unwrap_or_default();
    let (cert, app_id) = match s.authenticate(&req) {
        Ok(v) => v,
        Err(e) => return s.reject(&req, e, reg_ids),
    };
    if let Some(r) = s.fault(&req, &reg_ids).await {
        return r;
    }
    let checked = (|| {
        let body = app_body(&req, &app_id)?;
        if !matches!(body.get("regIds"), Some(Value::Array(_)))
            || !(2..=1000).contains(&reg_ids.len())
        {
            return Err(VivoError::with(codes::REG_IDS_INVALID, "2 to 1000 regIds"));
        }
        let task_id = text_of(body.get("taskId"))
            .ok_or_else(|| VivoError::with(codes::TASK_ID_INVALID, "taskId is required"))?;
        let (owner, m) = s
            .payloads
            .lock()
            .get(&task_id)
            .cloned()
            .ok_or_else(|| VivoError::with(codes::TASK_ID_INVALID, &task_id))?;
        if owner != app_id {
            return Err(VivoError::with(codes::TASK_ID_INVALID, &task_id));
        }
        Fields(body)
            .string("requestId", codes::REQUEST_ID_INVALID)?
            .ok_or_else(|| VivoError::with(codes::REQUEST_ID_INVALID, "requestId is required"))?;
        Ok((task_id, m))
    })();
    let (task_id, m) = match checked {
        Ok(v) => v,
        Err(e) => return s.reject(&req, e, reg_ids),
    };
    let message_id = s.services.message_id_for(&req.headers, VendorId::Vivo);
    let quotas = s.quotas.read().clone();
    let now = s.services.clock.now();
    let mut invalid = Vec::new();
    for reg_id in &reg_ids {
        if !s.knows(&cert, reg_id) {
            invalid.push(json!({"status": 1, "userid": reg_id}));
            continue;
        }
        if let Err(code) = quotas.check_send(&app_id, reg_id, m.system, now) {
            // The quota ends the call: vivo answers the code for the request.
            return s.reject(&req, VivoError::new(code), reg_ids.clone());
        }
        let mut one = m.clone();
        one.target = reg_id.clone();
        s.accept(&cert, reg_id, &one, &task_id, &message_id);
    }
    s.log(
        &req,
        200,
        codes::SUCCESS,
        code_desc(codes::SUCCESS),
        reg_ids,
        Some(message_id),
    );
    let mut answer = success(&task_id);
    if !invalid.is_empty() {
        answer["invalidUsers"] = Value::Array(invalid);
    }
    json_response(answer)
}

/// `/message/all`: the message to every device of the app, once a day by
/// default.
async fn all_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, ALL_PATH, headers, &body);
    let (cert, app_id) = match s.authenticate(&req) {
        Ok(v) => v,
        Err(e) => return s.reject(&req, e, Vec::new()),
    };
    if let Some(r) = s.fault(&req, &[]).await {
        return r;
    }
    let checked = (|| {
        let body = app_body(&req, &app_id)?;
        let m = parse_payload(body, String::new())?;
        Fields(body)
            .string("requestId", codes::REQUEST_ID_INVALID)?
            .ok_or_else(|| VivoError::with(codes::REQUEST_ID_INVALID, "requestId is required"))?;
        let quotas = s.quotas.read().clone();
        quotas
            .check_daily(
                "all",
                &app_id,
                quotas.limits.all_daily_per_app,
                codes::ALL_LIMIT,
                s.services.clock.now(),
            )
            .map_err(VivoError::new)?;
        Ok(m)
    })();
    let m = match checked {
        Ok(m) => m,
        Err(e) => return s.reject(&req, e, Vec::new()),
    };
    let message_id = s.services.message_id_for(&req.headers, VendorId::Vivo);
    let task_id = new_task_id(&s.services);
    let targets: Vec<String> = s
        .services
        .gateway
        .registrations()
        .into_iter()
        .filter(|r| r.vendor == VendorId::Vivo && r.package == cert.package)
        .map(|r| r.token)
        .collect();
    for reg_id in &targets {
        let mut one = m.clone();
        one.target = reg_id.clone();
        s.accept(&cert, reg_id, &one, &task_id, &message_id);
    }
    s.log(
        &req,
        200,
        codes::SUCCESS,
        code_desc(codes::SUCCESS),
        targets,
        Some(message_id),
    );
    json_response(success(&task_id))
}
