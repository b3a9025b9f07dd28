//! Xiaomi Mi Push: certificate fields, codes and limits here; the client
//! in [`client`], the simulated endpoint in `endpoint`, device-side
//! delivery semantics in [`delivery`].
//!
//! Wire format (docs/vendors/xiaomi.md): `POST /v3/message/regid` (and `/v2/…`),
//! form-urlencoded, `Authorization: key=<AppSecret>`. Every answer is HTTP 200
//! with one JSON object `{result, code, description, reason, trace_id, data}`;
//! `code` is an integer and anything but `0` is a failure.
//!
//! Device side (docs/vendors/xiaomi.md#click-actions): MIUI's push service posts the
//! notification. "Open app" (`notify_effect=1`) launches the launcher
//! activity and calls the SDK receiver's `onNotificationMessageClicked` with
//! the `MiPushMessage`; "open in-app page" (`2`) starts the intent URI with
//! the `MiPushMessage` under `PushMessageHelper.KEY_MESSAGE`; "open URL" (`3`)
//! opens the web page. The IM server's `ext` travels as `extra.ext`, read by
//! the app as `miPushMessage.getExtra().get("ext")`.

pub use crate::wire::sdk::xiaomi::ACTION_RECEIVE_MESSAGE;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::routing::post;
use parking_lot::RwLock;
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

pub use client::{build_send_request, interpret_response, SendRequest, SEND_PATH};
pub use delivery::{new_reg_id, KEY_MESSAGE};

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
        codes::ILLEGAL_PACKAGE => Diagnosis::VendorPackageMismatch,
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
    /// Acked per app id and China day.
    daily: DailyCounter,
}

impl Counters {
    fn new(l: &Limits) -> Counters {
        Counters {
            device: RateWindow::new(l.device_per_second, Duration::from_secs(1)),
            app: l
                .app_per_second
                .map(|n| RateWindow::new(n, Duration::from_secs(1))),
            daily: DailyCounter::default(),
        }
    }
}

// ---------------------------------------------------------------------------
// Endpoint constants
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

    fn register(&self, device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        delivery::register(device)
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route("/v3/message/regid", post(endpoint::handle_send))
            .route("/v2/message/regid", post(endpoint::handle_send))
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
        next.daily.keep_counts_of(&counters.daily);
        *counters = next;
        drop(counters);
        *self.limits.write() = merged;
    }

    fn reset_state(&self) {
        let limits = self.limits.read().clone();
        *self.counters.write() = Counters::new(&limits);
    }
}
