//! Meizu Flyme Push: certificate fields, codes and limits here; the client
//! in [`client`], the simulated endpoint in `endpoint`, device-side
//! delivery semantics in [`delivery`].
//!
//! Wire format (docs/vendors/meizu.md, from the official HTTP API README):
//! - `POST /garcia/api/server/push/varnished/pushByPushId`, form-urlencoded
//!   `appId`, `pushIds` (comma-separated, at most 100), `messageJson` (a JSON
//!   string) and `sign`.
//! - `sign` is the lower-case hex MD5 of the parameters except `sign`, sorted
//!   by name and concatenated as `k=v` with raw values, followed by the
//!   appSecret ([`sign`]).
//! - Every answer is HTTP 200 with `{"code":"…","message":"…","value":…}`
//!   where `code` is a **string**; a push that reached some devices but not
//!   others still says `"200"` and lists the bad pushIds under their failure
//!   code in `value` (`{"110002":["…"]}`).
//!
//! Device side: the Flyme system push service posts the notification (it
//! reaches killed and force-stopped apps); a tap sends the SDK's
//! `com.meizu.flyme.push.intent.MESSAGE` broadcast (`method=private`), which
//! the SDK turns into `onNotificationClicked(MzPushMessage)`, and the opened
//! activity gets `clickTypeInfo.parameters` as string extras (the IM guide reads
//! `getString("ext")`; docs/vendors/meizu.md#ext-pass-through).

pub use crate::wire::sdk::meizu::{MESSAGE_ACTION, NOTIFICATION_CHANNEL};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::common::{DailyCounter, RateWindow, RequestLogs};
use super::{
    EndpointControl, EndpointState, Faults, Push, SendOutcome, Services, Vendor, VendorId,
};
use crate::diagnosis::Diagnosis;
use crate::wire::protocol::{DeviceInfo, RegisterError};

pub mod client;
pub mod delivery;
mod endpoint;
mod request;

pub use client::{
    build_send_request, interpret_response, message_json, sign, sign_base_string, OutgoingRequest,
};

/// What the Meizu Flyme Push console gives the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub app_id: String,
    #[serde(default)]
    pub app_key: String,
    /// Used in every request's MD5 signature.
    pub app_secret: String,
}

/// The notification-bar push by pushId.
pub const PUSH_PATH: &str = "/garcia/api/server/push/varnished/pushByPushId";

/// At most this many pushIds per request (MZ-API, 2025 README).
pub const MAX_PUSH_IDS: usize = 100;

/// The diagnosis of a Meizu code (top level or inside `value`).
pub fn diagnosis_of(code: &str) -> Diagnosis {
    match code {
        "1006" | "110000" | "110001" | "110033" | "110009" => Diagnosis::VendorAuthFailed,
        "110002" | "110003" | "110005" => Diagnosis::VendorTokenInvalid,
        "110010" | "520" | "519" => Diagnosis::VendorRateLimited,
        "110019" | "110011" | "110051" | "110053" => Diagnosis::VendorQuotaExceeded,
        _ => Diagnosis::VendorInvalidRequest,
    }
}

/// The message Meizu writes for a code.
fn code_message(code: &str) -> &'static str {
    match code {
        "200" => "",
        "500" => "其他异常",
        "1001" => "系统错误",
        "1003" => "服务器忙",
        "1005" => "参数错误，请参考API文档",
        "1006" => "签名认证失败",
        "110000" => "appId不合法",
        "110001" => "appKey不合法",
        "110002" => "pushId失效(pushId未订阅或者消息开关关闭)",
        "110003" => "pushId非法",
        "110004" => "参数不能为空",
        "110009" => "应用被加入黑名单",
        "110010" => "应用请求频率超过限制",
        "110011" => "超过每日公信消息推送上限",
        "110019" => "超过该应用的当天推送次数限制",
        "520" => "消息折叠（1分钟内同一设备同一应用消息收到多次，默认5次）",
        _ => "推送消息失败",
    }
}

// ---------------------------------------------------------------- limits

/// Meizu's quota and frequency settings (`limits()` / `set_limits()`).
///
/// Defaults:
/// - `app_requests_per_second` 50 → top-level `110010` ("应用请求频率超过限制").
///   Meizu publishes no number; 50/s per app is chosen so that the FAQ's
///   fast burst (~100 sends/s) triggers the documented frequency answer
///   while ordinary scenarios never do. Counted per virtual second.
/// - `collapse_per_device_per_minute` 5 → `value["520"]`: the doc says a
///   device that receives more than 5 messages of one app within a minute
///   has the rest collapsed.
/// - `public_per_device_per_day` 3 → `value["110011"]`: public messages
///   (noticeMsgType 0) are capped at 3 per device per day for non-news apps
///   (5 for news apps); private messages are not capped (TENCENT-CAT).
/// - `app_daily` none → `110019`: Meizu documents the code but no number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub app_requests_per_second: Option<u64>,
    pub collapse_per_device_per_minute: Option<u64>,
    pub public_per_device_per_day: Option<u64>,
    pub app_daily: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            app_requests_per_second: Some(50),
            collapse_per_device_per_minute: Some(5),
            public_per_device_per_day: Some(3),
            app_daily: None,
        }
    }
}

struct Counters {
    limits: Limits,
    app_rate: RateWindow,
    collapse: RateWindow,
    public_daily: DailyCounter,
    app_daily: DailyCounter,
}

impl Counters {
    fn new(limits: Limits) -> Counters {
        Counters {
            app_rate: RateWindow::new(
                limits.app_requests_per_second.unwrap_or(u64::MAX),
                Duration::from_secs(1),
            ),
            collapse: RateWindow::new(
                limits.collapse_per_device_per_minute.unwrap_or(u64::MAX),
                Duration::from_secs(60),
            ),
            public_daily: DailyCounter::default(),
            app_daily: DailyCounter::default(),
            limits,
        }
    }
}

// ---------------------------------------------------------------- vendor

struct Inner {
    services: Services,
    faults: Faults,
    logs: RequestLogs,
    counters: Mutex<Counters>,
}

/// The Meizu vendor: client, simulated endpoint and device semantics.
pub struct Meizu {
    inner: Arc<Inner>,
}

impl Meizu {
    pub fn new(services: Services) -> Self {
        Self {
            inner: Arc::new(Inner {
                services,
                faults: Faults::default(),
                logs: RequestLogs::default(),
                counters: Mutex::new(Counters::new(Limits::default())),
            }),
        }
    }
}

#[async_trait]
impl Vendor for Meizu {
    fn id(&self) -> VendorId {
        VendorId::Meizu
    }

    fn hosts(&self) -> &'static [&'static str] {
        &["server-api-push.meizu.com", "api-push.meizu.com"]
    }

    /// Meizu push needs Flyme ([`delivery`]).
    fn register(&self, device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        delivery::register(device)
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route(PUSH_PATH, axum::routing::post(endpoint::push_by_push_id))
            .with_state(self.inner.clone())
    }

    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
        client::send(http, base_url, push).await
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
        self.counters.lock().limits.clone()
    }

    fn install_limits(&self, merged: Limits) {
        // New limits apply to what was already counted today.
        let mut counters = self.counters.lock();
        let next = Counters::new(merged);
        next.app_rate.keep_counts_of(&counters.app_rate);
        next.collapse.keep_counts_of(&counters.collapse);
        next.public_daily.keep_counts_of(&counters.public_daily);
        next.app_daily.keep_counts_of(&counters.app_daily);
        *counters = next;
    }

    fn reset_state(&self) {
        let mut counters = self.counters.lock();
        let limits = counters.limits.clone();
        *counters = Counters::new(limits);
    }
}
