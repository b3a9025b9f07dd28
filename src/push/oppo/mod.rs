//! OPPO Push (OPUSH): certificate fields, the IM server's client, the
//! simulated endpoint and the device-side delivery semantics.
//!
//! Wire format (docs/vendors/oppo.md#request-fields):
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
//!
//! [`client`] is the IM server's side (auth token and unicast),
//! [`endpoint`] the simulated OPPO server, [`message`] how it reads a
//! notification, and [`delivery`] what the device does with it.

mod client;
mod delivery;
mod endpoint;
mod message;

pub use client::{
    build_auth_request, build_send_request, unicast_message, OutgoingRequest, CONTENT_MAX,
    TITLE_MAX,
};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::common::{china_day, RateWindow, RefreshLocks, RequestLogs};
use super::{
    EndpointControl, EndpointState, Faults, Push, SendOutcome, Services, Vendor, VendorId,
};
use crate::diagnosis::Diagnosis;
use crate::services::clock::Timestamp;
use crate::wire::protocol::{DeviceInfo, RegisterError};
use message::Notification;

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

/// OPPO's return codes (the `code` field; docs/vendors/oppo.md#responses-and-error-codes).
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
    /// What the refusal means when OPPO's code alone says less; else the
    /// code's diagnosis.
    meaning: Option<Diagnosis>,
}

impl OppoError {
    fn new(code: i64) -> OppoError {
        OppoError {
            code,
            message: code_message(code).to_string(),
            meaning: None,
        }
    }

    fn with(code: i64, detail: impl std::fmt::Display) -> OppoError {
        OppoError {
            code,
            message: format!("{}: {detail}", code_message(code)),
            meaning: None,
        }
    }

    /// The same refusal, journaled as `d`.
    fn meaning(mut self, d: Diagnosis) -> OppoError {
        self.meaning = Some(d);
        self
    }

    /// The diagnosis the journal records for this refusal.
    fn diagnosis(&self) -> Diagnosis {
        self.meaning
            .unwrap_or_else(|| diagnosis_for(self.code, &self.message))
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
}

#[async_trait]
impl Vendor for Oppo {
    fn id(&self) -> VendorId {
        VendorId::Oppo
    }

    fn hosts(&self) -> &'static [&'static str] {
        &["api.push.oppomobile.com", "api-intl.push.oppomobile.com"]
    }

    /// Registration on the device (see [`delivery::register`]).
    fn register(&self, device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        delivery::register(device)
    }

    fn router(&self) -> axum::Router {
        endpoint::router(self.inner.clone())
    }

    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
        client::send(&self.inner, http, base_url, push).await
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
