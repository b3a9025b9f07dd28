//! OPPO Push (OPUSH): certificate fields, the IM server's client, the
//! simulated endpoint and the device-side delivery semantics.
//!
//! Wire format (vendors.md §3):
//! - `POST /server/v1/auth` (form `app_key`, `timestamp`, `sign` =
//!   lowercase hex sha256(appKey + timestamp + masterSecret)) answers
//!   `{"code":0,"message":…,"data":{"auth_token":…,"create_time":…}}`; the
//!   token lives 24 h.
//! - `POST /server/v1/message/notification/unicast` (form `message=<JSON>`
//!   plus `auth_token`, as a form field or as an HTTP header: clients differ,
//!   so both are accepted) answers `data.messageId` (camelCase).
//! - `POST /server/v1/message/notification/save_message_content` (top-level
//!   notification fields) answers `data.message_id`, and
//!   `POST /server/v1/message/notification/broadcast` (`message_id`,
//!   `target_type`, `target_value`) answers `data.{message_id, task_id}`.
//!
//! Every answer is HTTP 200 with the outcome in the integer `code`.
//!
//! Device side: OPPO's system push service posts the notification itself
//! (so it reaches force-stopped apps). On tap it opens the app, an activity
//! (by action or class), a web page or an intent-scheme URL; each key of the
//! `action_parameters` JSON object becomes a string extra of the opened
//! activity (the guide's recipient iterates `bundle.keySet()`), and for web
//! pages the pairs are appended to the URL as query parameters. OPPO's SDK
//! has no click callback for notification messages.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::common::{
    china_day, http_code, random_string, server_error, transport_failure, FaultKind, RateWindow,
    RefreshLocks, RequestLogs, HEX,
};
use super::common::{fault_status, journal_fault};
use super::{
    ClickAction, EndpointControl, EndpointState, Faults, PageTarget, Push, Rejection, RequestLog,
    SendOutcome, Services, Vendor, VendorId, MESSAGE_ID_HEADER,
};
use crate::android::ComponentName;
use crate::diagnosis::Diagnosis;
use crate::services::clock::Timestamp;
use crate::services::journal::{Event, MessageId};
use crate::wire::protocol::{
    ClickRoute, DeviceInfo, DisplayInstruction, Extra, NotificationSpec, Poster, RegisterError,
};

/// What the OPPO Push console gives the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    #[serde(default)]
    pub app_id: String,
    pub app_key: String,
    #[serde(default)]
    pub app_secret: String,
    /// Used in the auth signature.
    pub master_secret: String,
}

/// Paths, relative to the vendor's base URL.
pub const AUTH_PATH: &str = "/server/v1/auth";
pub const UNICAST_PATH: &str = "/server/v1/message/notification/unicast";
pub const SAVE_MESSAGE_PATH: &str = "/server/v1/message/notification/save_message_content";
pub const BROADCAST_PATH: &str = "/server/v1/message/notification/broadcast";
pub const UNICAST_BATCH_PATH: &str = "/server/v1/message/notification/unicast_batch";
/// Messages per `unicast_batch` call. OPPO's limit is UNCONFIRMED; a PHP
/// client sends 100 at a time, and 1000 matches the broadcast's regId cap.
pub const BATCH_MAX: usize = 1000;

/// How long an issued `auth_token` is valid.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// How long the client reuses a token before asking for a new one (the Go
/// clients cache it for one hour).
pub const CLIENT_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// The auth timestamp must lie within this distance of the server's clock.
pub const TIMESTAMP_WINDOW_MS: i64 = 10 * 60 * 1000;

/// OPPO's return codes (the `code` field; vendors.md §3).
pub mod codes {
    pub const FLOW_CONTROL: i64 = -2;
    pub const SERVICE_UNAVAILABLE: i64 = -1;
    pub const SUCCESS: i64 = 0;
    pub const INVALID_AUTH_TOKEN: i64 = 11;
    pub const METHOD_NOT_ALLOWED: i64 = 12;
    pub const APP_CALL_LIMIT: i64 = 13;
    pub const INVALID_APP_KEY: i64 = 14;
    pub const MISSING_APP_KEY: i64 = 15;
    pub const INVALID_SIGNATURE: i64 = 16;
    pub const MISSING_SIGNATURE: i64 = 17;
    pub const MISSING_TIMESTAMP: i64 = 18;
    pub const INVALID_TIMESTAMP: i64 = 19;
    pub const INVALID_ENCODING: i64 = 25;
    pub const MISSING_AUTH_TOKEN: i64 = 29;
    pub const DATA_NOT_EXIST: i64 = 31;
    pub const DAILY_LIMIT: i64 = 33;
    pub const MISSING_ARGUMENT: i64 = 40;
    pub const INVALID_ARGUMENT: i64 = 41;
    pub const FREQUENCY_LIMIT: i64 = 55;
    pub const CATEGORY_INVALID: i64 = 67;
    /// A regId OPPO does not know. Business errors lie in 10000–20000 and
    /// their values are UNCONFIRMED; the batch API reports per-target
    /// `errorCode`s, and 10000 "Invalid registration_id" is the most
    /// plausible single-push answer.
    pub const INVALID_REGISTRATION_ID: i64 = 10000;
}

/// The message OPPO writes next to a code.
fn code_message(code: i64) -> &'static str {
    match code {
        codes::FLOW_CONTROL => "Service in Flow Control",
        codes::SERVICE_UNAVAILABLE => "Service Currently Unavailable",
        codes::SUCCESS => "Success",
        codes::INVALID_AUTH_TOKEN => "Invalid AuthToken",
        codes::METHOD_NOT_ALLOWED => "Http Action Not Allowed",
        codes::APP_CALL_LIMIT => "App Call Limited",
        codes::INVALID_APP_KEY => "Invalid App Key",
        codes::MISSING_APP_KEY => "Missing App Key",
        codes::INVALID_SIGNATURE => "Invalid Signature",
        codes::MISSING_SIGNATURE => "Missing Signature",
        codes::MISSING_TIMESTAMP => "Missing Timestamp",
        codes::INVALID_TIMESTAMP => "Invalid Timestamp",
        codes::INVALID_ENCODING => "Invalid Encoding",
        26 => "IP Black List",
        27 => "Access Denied",
        28 => "App Disabled",
        codes::MISSING_AUTH_TOKEN => "Missing AuthToken",
        30 => "Api Permission Denied",
        codes::DATA_NOT_EXIST => "Data Not Exist",
        32 => "Data Duplicate",
        codes::DAILY_LIMIT => "The Number Of Messages Exceeds The Daily Limit",
        34 => "The Number Of Pictures Exceeds The Daily Limit",
        codes::MISSING_ARGUMENT => "Missing Required Argument",
        codes::INVALID_ARGUMENT => "Invalid Argument",
        51 => "Invalid Picture",
        codes::FREQUENCY_LIMIT => "App Call Frequency Limited",
        59 => "No Permission For Secondary Action",
        codes::CATEGORY_INVALID => "Category Or Notify Level Invalid",
        codes::INVALID_REGISTRATION_ID => "Invalid registration_id",
        _ => "Error",
    }
}

/// The diagnosis for an OPPO answer code (and its message, which tells an
/// `action_parameters` rejection apart from other invalid arguments).
pub fn diagnosis_for(code: i64, message: &str) -> Diagnosis {
    match code {
        codes::INVALID_AUTH_TOKEN
        | codes::INVALID_APP_KEY
        | codes::MISSING_APP_KEY
        | codes::INVALID_SIGNATURE
        | codes::MISSING_SIGNATURE
        | codes::MISSING_TIMESTAMP
        | codes::INVALID_TIMESTAMP
        | 26..=28
        | codes::MISSING_AUTH_TOKEN
        | 30 => Diagnosis::VendorAuthFailed,
        codes::FLOW_CONTROL | codes::APP_CALL_LIMIT | codes::FREQUENCY_LIMIT => {
            Diagnosis::VendorRateLimited
        }
        codes::DAILY_LIMIT => Diagnosis::VendorQuotaExceeded,
        codes::INVALID_REGISTRATION_ID => Diagnosis::VendorTokenInvalid,
        codes::INVALID_ARGUMENT if message.contains("action_parameters") => {
            Diagnosis::OppoExtNotJson
        }
        _ => Diagnosis::VendorInvalidRequest,
    }
}

/// `lowercase_hex(sha256(appKey + timestamp + masterSecret))`.
pub fn auth_sign(app_key: &str, timestamp_ms: &str, master_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(app_key.as_bytes());
    h.update(timestamp_ms.as_bytes());
    h.update(master_secret.as_bytes());
    hex::encode(h.finalize())
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/// Quotas and frequency control of the simulated endpoint
/// (`limits()`/`set_limits()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// "Content & marketing" messages (no category, or a content category)
    /// per app per China day; beyond it code 33. OPPO's figure for apps with
    /// fewer than 50,000 users is 100,000. Communication & service
    /// categories (IM, ACCOUNT…) are not capped.
    pub public_daily_per_app: u64,
    /// Content & marketing messages per device per day (OPPO: 2, or 5 for
    /// news apps) → 33. Off by default: pushlab's scenarios send many
    /// uncategorised messages to one test device, and the IM server sends
    /// without a category unless `OPPOCategory` is set. Set it to 2 to
    /// reproduce the real cap.
    pub public_daily_per_device: Option<u64>,
    /// Sends per app per second → 55. OPPO's QPS for apps under 10 M users.
    pub app_qps: u64,
    /// Sends to one device per second → 13. 50 makes a burst of ~100
    /// sends/s to one device hit frequency control (the guide's FAQ: "if one
    /// or two push messages fail to reach users during a fast and continuous
    /// push process, it is usually due to vendor frequency control"), while
    /// ordinary scenarios never come near it.
    pub device_per_second: u64,
    /// Sends per second across the whole service → -2 (flow control). Off
    /// by default.
    pub service_qps: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            public_daily_per_app: 100_000,
            public_daily_per_device: None,
            app_qps: 5_000,
            device_per_second: 50,
            service_qps: None,
        }
    }
}

/// Counters for one set of limits.
struct Quotas {
    limits: Limits,
    app_qps: RateWindow,
    device_per_second: RateWindow,
    service_qps: Option<RateWindow>,
    /// Shared with the next limits: changing limits keeps today's counts.
    daily: Arc<DailyCounter>,
}

impl Quotas {
    fn new(limits: Limits) -> Quotas {
        let second = Duration::from_secs(1);
        Quotas {
            app_qps: RateWindow::new(limits.app_qps, second),
            device_per_second: RateWindow::new(limits.device_per_second, second),
            service_qps: limits.service_qps.map(|l| RateWindow::new(l, second)),
            daily: Arc::default(),
            limits,
        }
    }

    /// Counts one send of `app_key` to `token`; the OPPO code when refused.
    fn check(&self, app_key: &str, token: &str, public: bool, now: Timestamp) -> Result<(), i64> {
        if let Some(w) = &self.service_qps {
            if !w.hit("", now) {
                return Err(codes::FLOW_CONTROL);
            }
        }
        if !self.app_qps.hit(app_key, now) {
            return Err(codes::FREQUENCY_LIMIT);
        }
        if !self
            .device_per_second
            .hit(&format!("{app_key}\n{token}"), now)
        {
            return Err(codes::APP_CALL_LIMIT);
        }
        if public {
            let day = china_day(now);
            if let Some(per_device) = self.limits.public_daily_per_device {
                if !self
                    .daily
                    .hit(&format!("{app_key}\n{token}"), day, per_device)
                {
                    return Err(codes::DAILY_LIMIT);
                }
            }
            if !self
                .daily
                .hit(app_key, day, self.limits.public_daily_per_app)
            {
                return Err(codes::DAILY_LIMIT);
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
    /// Counts one for `key` on `day`; false (not counted) over `limit`.
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
// The notification, as the endpoint reads it
// ---------------------------------------------------------------------------

/// An OPPO refusal: code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OppoError {
    code: i64,
    message: String,
}

impl OppoError {
    fn new(code: i64) -> OppoError {
        OppoError {
            code,
            message: code_message(code).to_string(),
        }
    }

    fn with(code: i64, detail: impl std::fmt::Display) -> OppoError {
        OppoError {
            code,
            message: format!("{}: {detail}", code_message(code)),
        }
    }
}

/// Whether `s` starts with a URI scheme (`intent:`, `pushscheme://`...):
/// a letter, then letters, digits, `+`, `-` or `.`, then `:`.
fn has_uri_scheme(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `click_action_type` with its target.
#[derive(Debug, Clone, PartialEq, Eq)]
enum OppoClick {
    /// 0: launch the app.
    LaunchApp,
    /// 1: an in-app page by intent action.
    Action(String),
    /// 2: a web page.
    Url(String),
    /// 4: an in-app page by activity class name.
    Activity(String),
    /// 5: an intent-scheme URL.
    IntentScheme(String),
}

/// Communication & service categories: not capped by the daily quota.
const COMMUNICATION_CATEGORIES: &[&str] = &[
    "IM",
    "ACCOUNT",
    "DEVICE_REMINDER",
    "ORDER",
    "TODO",
    "SUBSCRIPTION",
];
/// Content & marketing categories.
const CONTENT_CATEGORIES: &[&str] = &["NEWS", "CONTENT", "MARKETING", "SOCIAL"];

/// A validated notification.
#[derive(Debug, Clone, PartialEq)]
struct Notification {
    title: String,
    content: String,
    click: OppoClick,
    /// The raw `action_parameters` and its parsed object.
    action_parameters: Option<(String, Map<String, Value>)>,
    channel_id: Option<String>,
    category: Option<String>,
    notify_id: Option<i32>,
}

impl Notification {
    /// Content & marketing (capped) rather than communication & service.
    fn is_public(&self) -> bool {
        !self
            .category
            .as_deref()
            .is_some_and(|c| COMMUNICATION_CATEGORIES.contains(&c))
    }
}

/// Reads notification fields from a JSON object. Integer fields are read
/// leniently (a number or a numeric string), as OPPO's Java JSON binding
/// does; form fields of `save_message_content` arrive as strings anyway.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn string(&self, key: &str) -> Result<Option<String>, OppoError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
            Some(_) => Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                format!("{key} must be a string"),
            )),
        }
    }

    fn non_empty(&self, key: &str) -> Result<Option<String>, OppoError> {
        Ok(self.string(key)?.filter(|s| !s.is_empty()))
    }

    fn int(&self, key: &str) -> Result<Option<i64>, OppoError> {
        let bad = || OppoError::with(codes::INVALID_ARGUMENT, format!("{key} must be an integer"));
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }
}

fn check_len(key: &str, value: &str, max: usize) -> Result<(), OppoError> {
    let n = value.chars().count();
    if n > max {
        return Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            format!("{key} length {n} exceeds {max}"),
        ));
    }
    Ok(())
}

/// Validates notification fields as OPPO does (vendors.md §3).
fn parse_notification(obj: &Map<String, Value>) -> Result<Notification, OppoError> {
    let f = Fields(obj);
    let title = f
        .non_empty("title")?
        .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "title"))?;
    check_len("title", &title, TITLE_MAX)?;
    if let Some(sub) = f.string("sub_title")? {
        check_len("sub_title", &sub, 10)?;
    }
    let content = f
        .non_empty("content")?
        .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "content"))?;
    let style = f.int("style")?.unwrap_or(1);
    let content_max = match style {
        1 | 3 => CONTENT_MAX,
        2 => 128,
        _ => {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                format!("style {style} is not 1, 2 or 3"),
            ))
        }
    };
    check_len("content", &content, content_max)?;

    let activity = f.non_empty("click_action_activity")?;
    let url = f.non_empty("click_action_url")?;
    let need = |v: Option<String>, key: &str, max: usize| -> Result<String, OppoError> {
        let v = v.ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, key))?;
        check_len(key, &v, max)?;
        Ok(v)
    };
    let click = match f.int("click_action_type")?.unwrap_or(0) {
        0 => OppoClick::LaunchApp,
        1 => OppoClick::Action(need(activity, "click_action_activity", 500)?),
        4 => OppoClick::Activity(need(activity, "click_action_activity", 500)?),
        2 => {
            let url = need(url, "click_action_url", 2000)?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(OppoError::with(
                    codes::INVALID_ARGUMENT,
                    "click_action_url must start with http:// or https:// for type 2",
                ));
            }
            OppoClick::Url(url)
        }
        5 => {
            let url = need(url, "click_action_url", 2000)?;
            if !has_uri_scheme(&url) {
                return Err(OppoError::with(
                    codes::INVALID_ARGUMENT,
                    "click_action_url must be an intent scheme URL for type 5",
                ));
            }
            OppoClick::IntentScheme(url)
        }
        other => {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                format!("click_action_type {other} is not 0, 1, 2, 4 or 5"),
            ))
        }
    };

    let action_parameters = match obj.get("action_parameters") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(parse_action_parameters(s)?),
        // A JSON object where a string is expected: OPPO's binding turns it
        // into its text, which is a JSON object.
        Some(Value::Object(m)) => Some((Value::Object(m.clone()).to_string(), m.clone())),
        Some(_) => {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                "action_parameters is not JSON: expected a JSON object string",
            ))
        }
    };

    let channel_id = f.non_empty("channel_id")?;
    let category = f.non_empty("category")?;
    if let Some(c) = &category {
        if !COMMUNICATION_CATEGORIES.contains(&c.as_str())
            && !CONTENT_CATEGORIES.contains(&c.as_str())
        {
            return Err(OppoError::with(
                codes::CATEGORY_INVALID,
                format!("unknown category {c}"),
            ));
        }
    }
    if let Some(level) = f.int("notify_level")? {
        if ![1, 2, 16].contains(&level) {
            return Err(OppoError::with(
                codes::CATEGORY_INVALID,
                format!("notify_level {level} is not 1, 2 or 16"),
            ));
        }
        if category.is_none() {
            return Err(OppoError::with(
                codes::CATEGORY_INVALID,
                "notify_level requires category",
            ));
        }
    }
    if let Some(ttl) = f.int("off_line_ttl")? {
        if !(0..=864_000).contains(&ttl) {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                "off_line_ttl must be 0..864000 seconds",
            ));
        }
    }
    if let Some(nt) = f.int("network_type")? {
        if nt != 0 && nt != 1 {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                "network_type must be 0 or 1",
            ));
        }
    }
    let notify_id = f.int("notify_id")?.and_then(|n| i32::try_from(n).ok());
    Ok(Notification {
        title,
        content,
        click,
        action_parameters,
        channel_id,
        category,
        notify_id,
    })
}

/// `action_parameters` must be a JSON object string of at most 4000 chars.
fn parse_action_parameters(s: &str) -> Result<(String, Map<String, Value>), OppoError> {
    check_len("action_parameters", s, 4000)?;
    match serde_json::from_str::<Value>(s) {
        Ok(Value::Object(m)) => Ok((s.to_string(), m)),
        _ => Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            "action_parameters is not JSON: expected a JSON object string",
        )),
    }
}

// ---------------------------------------------------------------------------
// Device-side semantics
// ---------------------------------------------------------------------------

/// Turns an accepted notification for `package` into what the device's
/// OPPO push service does.
fn display_instruction(
    message_id: MessageId,
    package: &str,
    token: &str,
    n: &Notification,
) -> DisplayInstruction {
    let params: Vec<(String, String)> = n
        .action_parameters
        .as_ref()
        .map(|(_, m)| {
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    let as_extras = |params: &[(String, String)]| -> Vec<Extra> {
        params.iter().map(|(k, v)| Extra::string(k, v)).collect()
    };
    let (click, extras) = match &n.click {
        OppoClick::LaunchApp => (ClickRoute::Launcher, as_extras(&params)),
        OppoClick::Action(action) => (
            ClickRoute::Action {
                action: action.clone(),
            },
            as_extras(&params),
        ),
        OppoClick::Activity(class) => (
            ClickRoute::Component {
                component: ComponentName::new(package, class.as_str()).flatten_to_string(),
            },
            as_extras(&params),
        ),
        // Web pages get the pairs as query parameters (OPPO doc on
        // action_parameters); a URL that does not parse is passed on as is
        // for the device to fail on.
        OppoClick::Url(url) => (
            ClickRoute::Url {
                url: append_query(url, &params),
            },
            Vec::new(),
        ),
        // An intent-scheme URL is parsed into an intent by the service,
        // which puts the pairs on it as extras like for activities
        // (UNCONFIRMED: OPPO documents the URL behaviour for web pages only).
        OppoClick::IntentScheme(uri) => (
            ClickRoute::IntentUri { uri: uri.clone() },
            as_extras(&params),
        ),
    };
    DisplayInstruction {
        message_id,
        vendor: VendorId::Oppo,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: n.title.clone(),
            text: n.content.clone(),
            // No channel given: the device decides (not displayed on API 26+).
            channel_id: n.channel_id.clone(),
            notify_id: n.notify_id,
            badge_class: None,
        },
        poster: Poster::SystemService,
        click,
        extras,
        callbacks: Vec::new(),
        ext: n.action_parameters.as_ref().map(|(raw, _)| raw.clone()),
    }
}

fn append_query(url: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return url.to_string();
    }
    match url::Url::parse(url) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

// ---------------------------------------------------------------------------
// The client's request (pure)
// ---------------------------------------------------------------------------

/// An HTTP request the client makes, built without a network so tests can
/// look at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingRequest {
    pub method: &'static str,
    /// Relative to the vendor base URL.
    pub path: &'static str,
    pub headers: Vec<(String, String)>,
    /// `application/x-www-form-urlencoded`.
    pub body: String,
}

impl OutgoingRequest {
    /// The form fields of the body, decoded (for tests and logs).
    pub fn form(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_str(&self.body).unwrap_or_default()
    }
}

fn form_body(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap_or_default()
}

/// `POST /server/v1/auth` for these credentials at `now`.
pub fn build_auth_request(
    creds: &Credentials,
    now: Timestamp,
    message_id: &MessageId,
) -> OutgoingRequest {
    let timestamp = now.millis().to_string();
    let sign = auth_sign(&creds.app_key, &timestamp, &creds.master_secret);
    OutgoingRequest {
        method: "POST",
        path: AUTH_PATH,
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            (MESSAGE_ID_HEADER.into(), message_id.0.clone()),
        ],
        body: form_body(&[
            ("app_key", &creds.app_key),
            ("timestamp", &timestamp),
            ("sign", &sign),
        ]),
    }
}

/// The `message` JSON of a unicast, as the IM server builds it.
pub fn unicast_message(push: &Push) -> Value {
    let mut n = Map::new();
    // The IM server fits the text to OPPO's limits (title 50, standard-style
    // content 50) instead of losing the push to code 41 (UNCONFIRMED: the
    // exact cut TIM makes is not documented).
    n.insert("title".into(), json!(truncate(&push.title, TITLE_MAX)));
    n.insert("content".into(), json!(truncate(&push.desc, CONTENT_MAX)));
    match &push.certificate.click {
        ClickAction::OpenApp => {
            n.insert("click_action_type".into(), json!(0));
        }
        ClickAction::OpenUrl { url } => {
            n.insert("click_action_type".into(), json!(2));
            n.insert("click_action_url".into(), json!(url));
        }
        ClickAction::OpenPage { page } => match page {
            PageTarget::Action(action) => {
                n.insert("click_action_type".into(), json!(1));
                n.insert("click_action_activity".into(), json!(action));
            }
            PageTarget::Activity(class) => {
                n.insert("click_action_type".into(), json!(4));
                n.insert("click_action_activity".into(), json!(class));
            }
            PageTarget::IntentUri(uri) => {
                n.insert("click_action_type".into(), json!(5));
                n.insert("click_action_url".into(), json!(uri));
            }
        },
    }
    // The IM server passes Ext through verbatim; OPPO wants a JSON object
    // there and refuses anything else (the FAQ case).
    if let Some(ext) = push.ext.as_deref().filter(|e| !e.is_empty()) {
        n.insert("action_parameters".into(), json!(ext));
    }
    let channel = non_empty(push.android.oppo_channel_id.as_deref())
        .or_else(|| non_empty(push.certificate.channel_id.as_deref()));
    if let Some(ch) = channel {
        n.insert("channel_id".into(), json!(ch));
    }
    if let Some(cat) = non_empty(push.android.oppo_category.as_deref()) {
        n.insert("category".into(), json!(cat));
    }
    if let Some(level) = push.android.oppo_notify_level {
        n.insert("notify_level".into(), json!(level));
    }
    if let Some(t) = non_empty(push.android.oppo_private_msg_template_id.as_deref()) {
        n.insert("private_msg_template_id".into(), json!(t));
    }
    json!({
        "target_type": 2,
        "target_value": push.token,
        "notification": Value::Object(n),
    })
}

/// OPPO's title limit, in characters.
pub const TITLE_MAX: usize = 50;
/// OPPO's content limit for the standard style, in characters.
pub const CONTENT_MAX: usize = 50;

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// The unicast request for `push` with a valid `auth_token` (sent as a form
/// field, like the Go clients).
pub fn build_send_request(push: &Push, auth_token: &str) -> OutgoingRequest {
    let message = unicast_message(push).to_string();
    OutgoingRequest {
        method: "POST",
        path: UNICAST_PATH,
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        body: form_body(&[("message", &message), ("auth_token", auth_token)]),
    }
}

/// An OPPO answer as the client reads it.
#[derive(Debug, Deserialize)]
struct Answer {
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Value,
}

fn transport(e: impl std::fmt::Display) -> Rejection {
    transport_failure(e)
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
    let resp = rb.body(req.body.clone()).send().await.map_err(transport)?;
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
        code: diagnosis_for(a.code, &a.message),
        vendor_code: a.code.to_string(),
        message: a.message.clone(),
    }
}

// ---------------------------------------------------------------------------
// The vendor
// ---------------------------------------------------------------------------

/// An `auth_token` the endpoint issued.
#[derive(Debug, Clone)]
struct IssuedToken {
    app_key: String,
    expires_at: Timestamp,
}

/// A `save_message_content` message waiting for its broadcast.
#[derive(Debug, Clone)]
struct SavedMessage {
    app_key: String,
    notification: Notification,
}

/// (base URL, app key, master secret): one cached token per app and server.
type ClientTokenKey = (String, String, String);

struct Inner {
    services: Services,
    faults: Faults,
    logs: RequestLogs,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    saved: Mutex<HashMap<String, SavedMessage>>,
    quotas: RwLock<Arc<Quotas>>,
    /// Client side: (base URL, app key, master secret) → (token, obtained).
    client_tokens: Mutex<HashMap<ClientTokenKey, (String, Timestamp)>>,
    refresh: RefreshLocks<ClientTokenKey>,
}

/// OPPO Push: simulated endpoint, client and device semantics.
pub struct Oppo {
    inner: Arc<Inner>,
}

impl Oppo {
    pub fn new(services: Services) -> Self {
        Self {
            inner: Arc::new(Inner {
                services,
                faults: Faults::default(),
                logs: RequestLogs::default(),
                tokens: Mutex::default(),
                saved: Mutex::default(),
                quotas: RwLock::new(Arc::new(Quotas::new(Limits::default()))),
                client_tokens: Mutex::default(),
                refresh: RefreshLocks::default(),
            }),
        }
    }

    /// A cached token for these credentials, or a new one from `/auth`.
    async fn client_token(
        &self,
        http: &reqwest::Client,
        base: &str,
        creds: &Credentials,
        message_id: &MessageId,
    ) -> Result<String, Rejection> {
        let key = (
            base.to_string(),
            creds.app_key.clone(),
            creds.master_secret.clone(),
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
        let req = build_auth_request(creds, now, message_id);
        let answer = execute(http, base, &req).await?;
        if answer.code != codes::SUCCESS {
            return Err(rejection(&answer));
        }
        let token = answer
            .data
            .get("auth_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Rejection {
                code: Diagnosis::VendorAuthFailed,
                vendor_code: "0".into(),
                message: "auth answer without data.auth_token".into(),
            })?
            .to_string();
        self.inner
            .client_tokens
            .lock()
            .insert(key, (token.clone(), now));
        Ok(token)
    }
}

#[async_trait]
impl Vendor for Oppo {
    fn id(&self) -> VendorId {
        VendorId::Oppo
    }

    fn hosts(&self) -> &'static [&'static str] {
        &["api.push.oppomobile.com", "api-intl.push.oppomobile.com"]
    }

    /// OPPO's SDK registers on ColorOS devices with OPPO push; elsewhere
    /// `HeytapPushManager.isSupportPush()` is false and registration fails.
    /// The SDK then reports code -1 ("service currently unavailable" in the
    /// SDK's error table; the exact code on such devices is UNCONFIRMED).
    fn register(&self, device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        if !device.vendor_push {
            return Err(RegisterError {
                vendor: VendorId::Oppo,
                code: "-1".into(),
                message: format!(
                    "OPPO push is not supported on {} {} (HeytapPushManager.isSupportPush() is false)",
                    device.brand, device.model
                ),
                diagnosis: Diagnosis::OppoUnsupportedDevice,
            });
        }
        // Chinese regIds carry the CN marker (`CN_…`); overseas ones start
        // with `OPPO_` and no CN marker (vendors.md's regId rule).
        let body = random_string(32, HEX);
        if device.region.eq_ignore_ascii_case("cn") || device.region.is_empty() {
            Ok(format!("CN_{body}"))
        } else {
            Ok(format!("OPPO_{body}"))
        }
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route(AUTH_PATH, any(auth_handler))
            .route(UNICAST_PATH, any(unicast_handler))
            .route(UNICAST_BATCH_PATH, any(unicast_batch_handler))
            .route(SAVE_MESSAGE_PATH, any(save_handler))
            .route(BROADCAST_PATH, any(broadcast_handler))
            .with_state(self.inner.clone())
    }

    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
        let base = base_url.trim_end_matches('/');
        let url = format!("{base}{UNICAST_PATH}");
        let request = Some(("POST".to_string(), url));
        let super::Credentials::Oppo(creds) = &push.certificate.credentials else {
            return SendOutcome {
                request: None,
                result: Err(Rejection {
                    code: Diagnosis::VendorInvalidRequest,
                    vendor_code: "certificate".into(),
                    message: "not an OPPO certificate".into(),
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
            let req = build_send_request(push, &token);
            let answer = match execute(http, base, &req).await {
                Ok(a) => a,
                Err(r) => {
                    return SendOutcome {
                        request,
                        result: Err(r),
                    }
                }
            };
            if answer.code == codes::INVALID_AUTH_TOKEN && !retried {
                // The cached token was revoked or expired early: forget it
                // and authenticate once more.
                self.inner
                    .client_tokens
                    .lock()
                    .retain(|_, (t, _)| *t != token);
                retried = true;
                continue;
            }
            let result = if answer.code == codes::SUCCESS {
                answer
                    .data
                    .get("messageId")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| Rejection {
                        code: Diagnosis::VendorInvalidRequest,
                        vendor_code: "0".into(),
                        message: "answer without data.messageId".into(),
                    })
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
        self.saved.lock().clear();
        self.client_tokens.lock().clear();
        let limits = self.quotas.read().limits.clone();
        *self.quotas.write() = Arc::new(Quotas::new(limits));
    }
}

// ---------------------------------------------------------------------------
// Endpoint
// ---------------------------------------------------------------------------

/// A request as the handlers see it.
struct Req {
    method: Method,
    path: &'static str,
    headers: HeaderMap,
    /// Form fields (first value wins).
    form: HashMap<String, String>,
    /// The body was not UTF-8.
    bad_encoding: bool,
}

impl Req {
    fn new(method: Method, path: &'static str, headers: HeaderMap, body: &Bytes) -> Req {
        let bad_encoding = std::str::from_utf8(body).is_err();
        let mut form = HashMap::new();
        if !bad_encoding {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).unwrap_or_default();
            for (k, v) in pairs {
                form.entry(k).or_insert(v);
            }
        }
        Req {
            method,
            path,
            headers,
            form,
            bad_encoding,
        }
    }

    fn field(&self, key: &str) -> Option<&str> {
        self.form
            .get(key)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn error_body(e: &OppoError) -> Value {
    json!({"code": e.code, "message": e.message})
}

fn success_body(data: Value) -> Value {
    json!({"code": codes::SUCCESS, "message": "Success", "data": data})
}

/// A response whose body fails after the headers: hyper then closes the
/// connection without completing the answer, which the client sees as a
/// transport error (the `Drop` fault).
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by fault injection",
        ))
    });
    Response::new(Body::from_stream(stream))
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

    /// Logs and journals a refusal, and answers it.
    fn reject(&self, req: &Req, e: OppoError, tokens: Vec<String>, journal: bool) -> Response {
        let message_id =
            journal.then(|| self.services.message_id_for(&req.headers, VendorId::Oppo));
        if let Some(id) = &message_id {
            self.services.journal.append(
                Some(id),
                None,
                Event::EndpointRejected {
                    vendor: VendorId::Oppo,
                    vendor_code: e.code.to_string(),
                    message: e.message.clone(),
                    code: diagnosis_for(e.code, &e.message),
                },
            );
        }
        self.log(req, 200, e.code, &e.message, tokens, message_id);
        json_response(StatusCode::OK, error_body(&e))
    }

    fn find_app(&self, app_key: &str) -> Option<std::sync::Arc<super::Certificate>> {
        self.services.apps.find(
            VendorId::Oppo,
            |c| matches!(&c.credentials, super::Credentials::Oppo(o) if o.app_key == app_key),
        )
    }

    /// The app of the request's `auth_token` (form field, else header).
    fn authenticate(
        &self,
        req: &Req,
    ) -> Result<(std::sync::Arc<super::Certificate>, String), OppoError> {
        let token = req
            .field("auth_token")
            .or_else(|| {
                req.headers
                    .get("auth_token")
                    .and_then(|v| v.to_str().ok())
                    .filter(|s| !s.is_empty())
            })
            .ok_or_else(|| OppoError::new(codes::MISSING_AUTH_TOKEN))?;
        let issued = self
            .tokens
            .lock()
            .get(token)
            .cloned()
            .ok_or_else(|| OppoError::new(codes::INVALID_AUTH_TOKEN))?;
        if self.services.clock.now() >= issued.expires_at {
            return Err(OppoError::with(
                codes::INVALID_AUTH_TOKEN,
                "auth_token expired",
            ));
        }
        let app = self
            .find_app(&issued.app_key)
            .ok_or_else(|| OppoError::new(codes::INVALID_AUTH_TOKEN))?;
        Ok((app, issued.app_key))
    }

    /// Applies an injected fault. `Some(response)` ends the request.
    async fn fault(&self, req: &Req, tokens: &[String]) -> Option<Response> {
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        match self.faults.take(&refs)? {
            FaultKind::Latency { millis } => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                None
            }
            FaultKind::ErrorCode { code } => {
                let code = code
                    .trim()
                    .parse::<i64>()
                    .unwrap_or(codes::SERVICE_UNAVAILABLE);
                Some(self.reject(req, OppoError::new(code), tokens.to_vec(), true))
            }
            FaultKind::ServerError { status } => {
                let status = fault_status(status);
                let message_id = self.services.message_id_for(&req.headers, VendorId::Oppo);
                let message = format!("HTTP {}", status.as_u16());
                self.services.journal.append(
                    Some(&message_id),
                    None,
                    Event::EndpointRejected {
                        vendor: VendorId::Oppo,
                        vendor_code: http_code(status.as_u16()),
                        message: message.clone(),
                        code: Diagnosis::DeliveryTimeout,
                    },
                );
                self.log(
                    req,
                    status.as_u16(),
                    codes::SERVICE_UNAVAILABLE,
                    &message,
                    tokens.to_vec(),
                    Some(message_id),
                );
                Some(json_response(
                    status,
                    json!({"code": codes::SERVICE_UNAVAILABLE, "message": code_message(codes::SERVICE_UNAVAILABLE)}),
                ))
            }
            FaultKind::Drop => {
                let message_id = self.services.message_id_for(&req.headers, VendorId::Oppo);
                journal_fault(
                    &self.services,
                    &message_id,
                    VendorId::Oppo,
                    "transport",
                    "connection dropped",
                );
                self.log(
                    req,
                    0,
                    codes::SERVICE_UNAVAILABLE,
                    "connection dropped",
                    tokens.to_vec(),
                    Some(message_id),
                );
                Some(dropped_connection())
            }
        }
    }

    /// Common checks of every authenticated call: method, encoding, token.
    fn precheck(
        &self,
        req: &Req,
    ) -> Result<(std::sync::Arc<super::Certificate>, String), OppoError> {
        if req.method != Method::POST {
            return Err(OppoError::new(codes::METHOD_NOT_ALLOWED));
        }
        if req.bad_encoding {
            return Err(OppoError::new(codes::INVALID_ENCODING));
        }
        self.authenticate(req)
    }

    /// Validates one unicast `message` object (target, notification, quota);
    /// the target and notification when OPPO would accept it.
    fn check_unicast(
        &self,
        app: &super::Certificate,
        app_key: &str,
        m: &Map<String, Value>,
    ) -> Result<(String, Notification), OppoError> {
        let f = Fields(m);
        let target_type = f
            .int("target_type")?
            .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "target_type"))?;
        if target_type != 2 && target_type != 5 {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                format!("target_type {target_type} is not 2 (registration_id) or 5 (alias)"),
            ));
        }
        let target = f
            .non_empty("target_value")?
            .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "target_value"))?;
        let notification = match m.get("notification") {
            Some(Value::Object(n)) => parse_notification(n)?,
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(n)) => parse_notification(&n)?,
                _ => return Err(OppoError::with(codes::INVALID_ARGUMENT, "notification")),
            },
            None | Some(Value::Null) => {
                return Err(OppoError::with(codes::MISSING_ARGUMENT, "notification"))
            }
            Some(_) => return Err(OppoError::with(codes::INVALID_ARGUMENT, "notification")),
        };
        // Aliases are not simulated: pushlab devices register regIds, so an
        // alias is an unknown target like an unknown regId.
        let known = self
            .services
            .gateway
            .lookup(VendorId::Oppo, &target)
            .is_some_and(|r| r.package == app.package);
        if target_type == 5 || !known {
            return Err(OppoError::with(codes::INVALID_REGISTRATION_ID, &target));
        }
        self.quotas
            .read()
            .clone()
            .check(
                app_key,
                &target,
                notification.is_public(),
                self.services.clock.now(),
            )
            .map_err(OppoError::new)?;
        Ok((target, notification))
    }

    /// Journals one accepted notification to `token` and hands it to the
    /// device that holds the token.
    fn accept(
        &self,
        app: &super::Certificate,
        token: &str,
        n: &Notification,
        vendor_message_id: &str,
        message_id: &MessageId,
    ) {
        self.services.journal.append(
            Some(message_id),
            None,
            Event::EndpointAccepted {
                vendor: VendorId::Oppo,
                vendor_message_id: vendor_message_id.to_string(),
                token: token.to_string(),
            },
        );
        if let Some(reg) = self.services.gateway.lookup(VendorId::Oppo, token) {
            let package = if reg.package.is_empty() {
                &app.package
            } else {
                &reg.package
            };
            self.services.gateway.deliver(display_instruction(
                message_id.clone(),
                package,
                token,
                n,
            ));
        }
    }
}

fn new_message_id(services: &Services) -> String {
    // OPPO message ids are opaque strings; a hex prefix plus a counter keeps
    // them unique per hub.
    format!("{}-{}", random_string(8, HEX), services.next_id())
}

async fn auth_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, AUTH_PATH, headers, &body);
    match auth(&s, &req) {
        Ok((token, created)) => {
            s.log(&req, 200, codes::SUCCESS, "Success", Vec::new(), None);
            json_response(
                StatusCode::OK,
                success_body(json!({"auth_token": token, "create_time": created.millis()})),
            )
        }
        Err(e) => s.reject(&req, e, Vec::new(), true),
    }
}

fn auth(s: &Inner, req: &Req) -> Result<(String, Timestamp), OppoError> {
    if req.method != Method::POST {
        return Err(OppoError::new(codes::METHOD_NOT_ALLOWED));
    }
    if req.bad_encoding {
        return Err(OppoError::new(codes::INVALID_ENCODING));
    }
    let app_key = req
        .field("app_key")
        .ok_or_else(|| OppoError::new(codes::MISSING_APP_KEY))?;
    let app = s
        .find_app(app_key)
        .ok_or_else(|| OppoError::new(codes::INVALID_APP_KEY))?;
    let super::Credentials::Oppo(creds) = &app.credentials else {
        return Err(OppoError::new(codes::INVALID_APP_KEY));
    };
    let timestamp = req
        .field("timestamp")
        .ok_or_else(|| OppoError::new(codes::MISSING_TIMESTAMP))?;
    let now = s.services.clock.now();
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| OppoError::with(codes::INVALID_TIMESTAMP, "not a millisecond timestamp"))?;
    if timestamp.len() != 13 || ts.abs_diff(now.millis()) > TIMESTAMP_WINDOW_MS.unsigned_abs() {
        return Err(OppoError::with(
            codes::INVALID_TIMESTAMP,
            "timestamp must be milliseconds within 10 minutes of server time",
        ));
    }
    let sign = req
        .field("sign")
        .ok_or_else(|| OppoError::new(codes::MISSING_SIGNATURE))?;
    if sign != auth_sign(app_key, timestamp, &creds.master_secret) {
        return Err(OppoError::new(codes::INVALID_SIGNATURE));
    }
    let token = uuid::Uuid::new_v4().to_string();
    s.tokens.lock().insert(
        token.clone(),
        IssuedToken {
            app_key: app_key.to_string(),
            expires_at: now.plus(TOKEN_LIFETIME),
        },
    );
    Ok((token, now))
}

async fn unicast_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, UNICAST_PATH, headers, &body);
    let (app, app_key) = match s.precheck(&req) {
        Ok(v) => v,
        Err(e) => return s.reject(&req, e, Vec::new(), true),
    };
    // Read the message far enough to know its target before faults apply.
    let message: Result<Map<String, Value>, OppoError> = match req.form.get("message") {
        None => Err(OppoError::with(codes::MISSING_ARGUMENT, "message")),
        Some(m) => match serde_json::from_str::<Value>(m) {
            Ok(Value::Object(o)) => Ok(o),
            _ => Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                "message is not a JSON object",
            )),
        },
    };
    let target = message
        .as_ref()
        .ok()
        .and_then(|m| Fields(m).string("target_value").ok().flatten())
        .filter(|t| !t.is_empty());
    let tokens: Vec<String> = target.iter().cloned().collect();
    if let Some(r) = s.fault(&req, &tokens).await {
        return r;
    }
    let result = message.and_then(|m| s.check_unicast(&app, &app_key, &m));
    match result {
        Err(e) => s.reject(&req, e, tokens, true),
        Ok((target, n)) => {
            let message_id = s.services.message_id_for(&req.headers, VendorId::Oppo);
            let vendor_message_id = new_message_id(&s.services);
            s.accept(&app, &target, &n, &vendor_message_id, &message_id);
            s.log(
                &req,
                200,
                codes::SUCCESS,
                "Success",
                tokens,
                Some(message_id),
            );
            json_response(
                StatusCode::OK,
                success_body(json!({"messageId": vendor_message_id})),
            )
        }
    }
}

async fn save_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, SAVE_MESSAGE_PATH, headers, &body);
    let (_app, app_key) = match s.precheck(&req) {
        Ok(v) => v,
        Err(e) => return s.reject(&req, e, Vec::new(), false),
    };
    let fields: Map<String, Value> = req
        .form
        .iter()
        .filter(|(k, _)| k.as_str() != "auth_token")
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    match parse_notification(&fields) {
        Err(e) => s.reject(&req, e, Vec::new(), false),
        Ok(notification) => {
            let id = new_message_id(&s.services);
            s.saved.lock().insert(
                id.clone(),
                SavedMessage {
                    app_key,
                    notification,
                },
            );
            s.log(&req, 200, codes::SUCCESS, "Success", Vec::new(), None);
            json_response(StatusCode::OK, success_body(json!({"message_id": id})))
        }
    }
}

async fn broadcast_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, BROADCAST_PATH, headers, &body);
    let (app, app_key) = match s.precheck(&req) {
        Ok(v) => v,
        Err(e) => return s.reject(&req, e, Vec::new(), true),
    };
    // target_type 1 = every device of the app; 2 = regIds joined with `;`
    // (≤1000); other types (tags…) are not simulated. Values UNCONFIRMED.
    let target_value = req.field("target_value").unwrap_or_default().to_string();
    let listed: Vec<String> = target_value
        .split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(r) = s.fault(&req, &listed).await {
        return r;
    }
    let result = (|| {
        let saved_id = req
            .field("message_id")
            .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "message_id"))?;
        let saved = s
            .saved
            .lock()
            .get(saved_id)
            .cloned()
            .filter(|m| m.app_key == app_key)
            .ok_or_else(|| OppoError::with(codes::DATA_NOT_EXIST, saved_id))?;
        let target_type = Fields(
            &req.form
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
        .int("target_type")?
        .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "target_type"))?;
        let targets: Vec<String> = match target_type {
            1 => s
                .services
                .gateway
                .registrations()
                .into_iter()
                .filter(|r| r.vendor == VendorId::Oppo && r.package == app.package)
                .map(|r| r.token)
                .collect(),
            2 => {
                if listed.is_empty() {
                    return Err(OppoError::with(codes::MISSING_ARGUMENT, "target_value"));
                }
                if listed.len() > 1000 {
                    return Err(OppoError::with(
                        codes::INVALID_ARGUMENT,
                        "more than 1000 target_value",
                    ));
                }
                listed.clone()
            }
            other => {
                return Err(OppoError::with(
                    codes::INVALID_ARGUMENT,
                    format!("target_type {other} is not simulated (1 all, 2 registration ids)"),
                ))
            }
        };
        Ok((saved_id.to_string(), saved, targets))
    })();
    match result {
        Err(e) => s.reject(&req, e, listed, true),
        Ok((saved_id, saved, targets)) => {
            let message_id = s.services.message_id_for(&req.headers, VendorId::Oppo);
            let task_id = s.services.next_id().to_string();
            let quotas = s.quotas.read().clone();
            let now = s.services.clock.now();
            // Unknown regIds and quota refusals of single targets are left
            // out silently: OPPO reports them afterwards (receipts, invalid
            // regId feedback), not in the broadcast answer.
            for t in &targets {
                let known = s
                    .services
                    .gateway
                    .lookup(VendorId::Oppo, t)
                    .is_some_and(|r| r.package == app.package);
                if known
                    && quotas
                        .check(&app_key, t, saved.notification.is_public(), now)
                        .is_ok()
                {
                    s.accept(&app, t, &saved.notification, &saved_id, &message_id);
                }
            }
            s.log(
                &req,
                200,
                codes::SUCCESS,
                "Success",
                targets,
                Some(message_id),
            );
            json_response(
                StatusCode::OK,
                success_body(json!({"message_id": saved_id, "task_id": task_id})),
            )
        }
    }
}

/// `unicast_batch`: form `messages=[{target_type, target_value,
/// notification}…]`. The call as a whole answers code 0 once it is
/// authenticated and readable; each message's fate is an entry of `data`
/// (`messageId`, `registrationId`, and `errorCode`/`errorMessage` when that
/// message was refused).
async fn unicast_batch_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, UNICAST_BATCH_PATH, headers, &body);
    let (app, app_key) = match s.precheck(&req) {
        Ok(v) => v,
        Err(e) => return s.reject(&req, e, Vec::new(), true),
    };
    let messages: Result<Vec<Value>, OppoError> = match req.form.get("messages") {
        None => Err(OppoError::with(codes::MISSING_ARGUMENT, "messages")),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(v)) if v.is_empty() => {
                Err(OppoError::with(codes::MISSING_ARGUMENT, "messages"))
            }
            Ok(Value::Array(v)) if v.len() > BATCH_MAX => Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                format!("more than {BATCH_MAX} messages"),
            )),
            Ok(Value::Array(v)) => Ok(v),
            _ => Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                "messages is not a JSON array",
            )),
        },
    };
    let tokens: Vec<String> = messages
        .as_ref()
        .map(|v| {
            v.iter()
                .filter_map(|m| m.get("target_value").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(r) = s.fault(&req, &tokens).await {
        return r;
    }
    let messages = match messages {
        Ok(m) => m,
        Err(e) => return s.reject(&req, e, tokens, true),
    };
    let message_id = s.services.message_id_for(&req.headers, VendorId::Oppo);
    let mut data = Vec::with_capacity(messages.len());
    for m in &messages {
        let target = m
            .get("target_value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let checked = match m {
            Value::Object(obj) => s.check_unicast(&app, &app_key, obj),
            _ => Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                "message is not a JSON object",
            )),
        };
        match checked {
            Ok((target, n)) => {
                let vendor_message_id = new_message_id(&s.services);
                s.accept(&app, &target, &n, &vendor_message_id, &message_id);
                data.push(json!({"messageId": vendor_message_id, "registrationId": target}));
            }
            Err(e) => {
                s.services.journal.append(
                    Some(&message_id),
                    None,
                    Event::EndpointRejected {
                        vendor: VendorId::Oppo,
                        vendor_code: e.code.to_string(),
                        message: e.message.clone(),
                        code: diagnosis_for(e.code, &e.message),
                    },
                );
                data.push(json!({
                    "messageId": "",
                    "registrationId": target,
                    "errorCode": e.code,
                    "errorMessage": e.message,
                }));
            }
        }
    }
    s.log(
        &req,
        200,
        codes::SUCCESS,
        "Success",
        tokens,
        Some(message_id),
    );
    json_response(StatusCode::OK, success_body(Value::Array(data)))
}
