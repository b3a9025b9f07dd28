//! Huawei HMS Push: certificate fields, codes and limits here; the client
//! in [`client`], the simulated OAuth and send endpoints in `endpoint`
//! (what a message must hold in `validate`), device-side delivery
//! semantics in [`delivery`].
//!
//! Wire format (docs/vendors/huawei.md): an OAuth2 client-credentials token from
//! `POST /oauth2/v3/token` (or `/v2/`), then `POST /v1/{appId}/messages:send`
//! with `Authorization: Bearer <token>` and a JSON body. Result codes are
//! strings (`"80000000"` is success).
//!
//! Device side (docs/vendors/huawei.md#ext-pass-through, HMS-CLICK): EMUI's push service posts the
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
use axum::http::StatusCode;
use axum::routing::post;
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};

use super::common::{DailyCounter, RateWindow, RefreshLocks, RequestLogs};
use super::{
    EndpointControl, EndpointState, Faults, Push, SendOutcome, Services, Vendor, VendorId,
};
use crate::diagnosis::Diagnosis;
use crate::services::clock::Timestamp;
use crate::wire::protocol::{DeviceInfo, RegisterError};

pub mod client;
pub mod delivery;
mod endpoint;
mod validate;

pub use client::{
    build_send_request, build_token_request, interpret_send_response, OutgoingRequest,
};
pub use delivery::{add_intent_extras, new_push_token};

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
/// Defaults from docs/vendors/huawei.md#limits-and-quotas: 1000 OAuth tokens per app per 5 minutes,
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
    /// Marketing messages shown per device token and China day.
    marketing: DailyCounter,
}

impl Counters {
    fn new(l: &Limits) -> Counters {
        Counters {
            tokens: RateWindow::new(l.tokens_per_5_minutes, Duration::from_secs(300)),
            app: l
                .app_per_second
                .map(|n| RateWindow::new(n, Duration::from_secs(1))),
            device: RateWindow::new(l.device_per_second, Duration::from_secs(1)),
            marketing: DailyCounter::default(),
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

/// The HMS Core version Push Kit needs (20401300 or later; docs/vendors/huawei.md#device-side).
pub const MIN_HMS_CORE_VERSION: u64 = 20_401_300;

// ---------------------------------------------------------------------------
// Endpoint constants
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

    /// Registration needs a recent HMS Core ([`delivery`]).
    fn register(&self, device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        delivery::register(device)
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route("/oauth2/v2/token", post(endpoint::handle_token))
            .route("/oauth2/v3/token", post(endpoint::handle_token))
            .route("/v1/{app_id}/{action}", post(endpoint::handle_send))
            .with_state(self.inner.clone())
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
        next.marketing.keep_counts_of(&counters.marketing);
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
