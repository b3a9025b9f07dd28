//! vivo Push: certificate fields, the IM server's client, the simulated
//! endpoint and the device-side delivery semantics.
//!
//! Wire format (docs/vendors/vivo.md):
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
//!
//! [`client`] is the IM server's side (auth token and send), [`endpoint`]
//! the simulated vivo server, [`message`] how it reads a message, and
//! [`delivery`] what the device does with it.

mod client;
mod delivery;
mod endpoint;
mod message;

pub use crate::wire::sdk::vivo::{RECEIVE_ACTION, SYSTEM_CHANNEL};
pub use client::{build_auth_request, build_send_request, OutgoingRequest};
pub use message::{CONTENT_MAX, TITLE_MAX};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use md5::{Digest, Md5};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{china_day, RateWindow, RefreshLocks, RequestLogs};
use super::{
    EndpointControl, EndpointState, Faults, Push, SendOutcome, Services, Vendor, VendorId,
};
use crate::diagnosis::Diagnosis;
use crate::services::clock::Timestamp;
use crate::wire::protocol::{DeviceInfo, RegisterError};
use message::Message;

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

/// A vivo refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct VivoError {
    code: i64,
    desc: String,
    /// For 10302: the target that is not valid.
    invalid_user: Option<String>,
    /// What the refusal means when vivo's code alone says less; else the
    /// code's diagnosis.
    meaning: Option<Diagnosis>,
}

impl VivoError {
    fn new(code: i64) -> VivoError {
        VivoError {
            code,
            desc: code_desc(code).to_string(),
            invalid_user: None,
            meaning: None,
        }
    }

    fn with(code: i64, detail: impl std::fmt::Display) -> VivoError {
        VivoError {
            code,
            desc: format!("{}: {detail}", code_desc(code)),
            invalid_user: None,
            meaning: None,
        }
    }

    /// The diagnosis the journal records for this refusal.
    fn diagnosis(&self) -> Diagnosis {
        self.meaning.unwrap_or_else(|| diagnosis_for(self.code))
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
}

#[async_trait]
impl Vendor for Vivo {
    fn id(&self) -> VendorId {
        VendorId::Vivo
    }

    fn hosts(&self) -> &'static [&'static str] {
        &["api-push.vivo.com.cn"]
    }

    /// `turnOnPush` (see [`delivery::register`]).
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
        self.payloads.lock().clear();
        self.client_tokens.lock().clear();
        let limits = self.quotas.read().limits.clone();
        *self.quotas.write() = Arc::new(Quotas::new(limits));
    }
}
