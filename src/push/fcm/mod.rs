//! Google FCM HTTP v1: certificate fields, client, simulated endpoint and
//! device-side delivery semantics.
//!
//! Wire format (docs/vendors/fcm.md):
//! - Auth: the service account signs an RS256 JWT (`iss` = client_email,
//!   `scope`, `aud` = `https://oauth2.googleapis.com/token`, `iat`, `exp` =
//!   iat + 3600) and trades it at `token_uri` (`POST /token`, form
//!   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…`) for
//!   `{"access_token","expires_in":3599,"token_type":"Bearer"}`.
//! - Send: `POST /v1/projects/{project}/messages:send` with `Authorization:
//!   Bearer …` and `{"message":{…},"validate_only":bool}`; success is
//!   `{"name":"projects/{project}/messages/{id}"}`. The target is exactly one
//!   of `token`, `fid` (the installation id firebase-admin 7.7 prefers),
//!   `topic` or `condition`.
//! - Errors: HTTP status plus the google.rpc error JSON. Every error the
//!   simulator writes carries a `google.firebase.fcm.v1.FcmError` detail so
//!   that firebase-admin raises its specific exceptions (UnregisteredError,
//!   QuotaExceededError, SenderIdMismatchError) or, for `UNSPECIFIED_ERROR`
//!   and `INVALID_ARGUMENT`, the canonical one of the HTTP status.
//!
//! Device side: unlike the ROM services, FCM does not post anything itself.
//! Google Play services wakes the app with the `com.google.android.c2dm.intent.RECEIVE`
//! broadcast and the app's own FCM SDK posts the notification
//! ([`Poster::AppSdk`]); a force-stopped app receives nothing (the device
//! decides: `device.app_stopped`). On tap the SDK starts the launcher
//! activity, or the activity whose intent filter has the `click_action`
//! action, with the `data` pairs as string extras (`ext`).

//!
//! The module is split by who does what: [`client`] is the IM server's side
//! (the token request and the send), [`jwt`] the service-account assertion
//! both sides share, [`endpoint`] the simulated Google endpoints,
//! [`message`] how the send API reads a message, and [`delivery`] what
//! the device does with it.

mod client;
mod delivery;
mod endpoint;
mod error;
mod jwt;
mod message;

pub use crate::wire::sdk::fcm::{FALLBACK_CHANNEL, RECEIVE_ACTION};
pub use client::{
    build_send_request, build_token_request, diagnosis_of, interpret_response, message_body,
    token_url, OutgoingRequest,
};
pub use jwt::{
    decoding_key, encoding_key, parse_private_key, read_assertion, sign_assertion,
    verify_assertion, Assertion, Claims, JwtError,
};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jsonwebtoken::{DecodingKey, EncodingKey};
use parking_lot::Mutex;
use rsa::RsaPrivateKey;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{RateWindow, RefreshLocks, RequestLogs};
use super::{
    EndpointControl, EndpointState, Faults, Push, SendOutcome, Services, Vendor, VendorId,
};
use crate::services::clock::Timestamp;
use crate::wire::protocol::{DeviceInfo, RegisterError};

/// What the Google FCM console gives the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The service account JSON key file's content.
    pub service_account: Value,
}

impl Credentials {
    /// A scenario may give a service account without `private_key`: the
    /// simulated FCM only needs the client to sign with some key whose
    /// public half it can learn. Such an account gets a throwaway RSA key,
    /// generated once per process and never a real account's key.
    pub fn complete_for_simulation(&mut self) -> Result<(), String> {
        if let Value::Object(sa) = &mut self.service_account {
            if !sa.contains_key("private_key") {
                sa.insert("private_key".into(), Value::String(throwaway_key()?));
            }
        }
        Ok(())
    }
}

fn throwaway_key() -> Result<String, String> {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    static KEY: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let mut rng = rand::thread_rng();
        let key = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| e.to_string())?;
        key.to_pkcs8_pem(LineEnding::LF)
            .map(|p| p.to_string())
            .map_err(|e| e.to_string())
    })
    .clone()
}

/// The fields of a service-account key file that FCM needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServiceAccount {
    #[serde(rename = "type")]
    pub kind: String,
    pub project_id: String,
    #[serde(default)]
    pub private_key_id: String,
    /// PKCS#8 PEM (PKCS#1 is accepted too).
    pub private_key: String,
    pub client_email: String,
    #[serde(default)]
    pub token_uri: Option<String>,
}

impl ServiceAccount {
    /// Reads the key file JSON; it must say `"type": "service_account"`.
    pub fn parse(v: &Value) -> Result<ServiceAccount, String> {
        let sa: ServiceAccount = serde_json::from_value(v.clone())
            .map_err(|e| format!("invalid service account JSON: {e}"))?;
        if sa.kind != "service_account" {
            return Err(format!(
                "credential type is {:?}, not \"service_account\"",
                sa.kind
            ));
        }
        Ok(sa)
    }
}

/// The token endpoint path (relative to the simulator's base URL).
pub const TOKEN_PATH: &str = "/token";
/// The audience google-auth always puts in the assertion.
pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// The real FCM host.
pub const FCM_HOST: &str = "fcm.googleapis.com";
/// The grant type of the JWT-bearer flow.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The scope the client asks for.
pub const MESSAGING_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// Access tokens live this long (Google answers `expires_in: 3599`).
pub const TOKEN_LIFETIME_SECS: u64 = 3599;
/// Message size limit for token and condition messages, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// Message size limit for topic messages, in bytes.
pub const MAX_TOPIC_MESSAGE_BYTES: usize = 2048;

/// The path of the send API for a project.
pub fn send_path(project: &str) -> String {
    format!("/v1/projects/{project}/messages:send")
}

/// A cached access token.
#[derive(Clone)]
struct CachedToken {
    token: String,
    expires_at: Timestamp,
}

// ---------------------------------------------------------------- limits

/// FCM's quotas (`limits()` / `set_limits()`).
///
/// - `project_per_minute` 600,000: the documented per-project send quota.
/// - `device_per_minute` 240: the documented maximum rate to one device.
/// - `device_per_second` 50: not documented by Google; a per-device burst
///   rule so that the FAQ's "fast burst" (~100 sends/s to one device) gets
///   FCM's answer to overload, 429 RESOURCE_EXHAUSTED with FcmError
///   QUOTA_EXCEEDED. Set it to null to keep only the documented limits.
///
/// All answer 429 QUOTA_EXCEEDED, counted in fixed windows on the hub clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub project_per_minute: Option<u64>,
    pub device_per_minute: Option<u64>,
    pub device_per_second: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            project_per_minute: Some(600_000),
            device_per_minute: Some(240),
            device_per_second: Some(50),
        }
    }
}

struct Counters {
    limits: Limits,
    project: RateWindow,
    device_minute: RateWindow,
    device_second: RateWindow,
}

impl Counters {
    fn new(limits: Limits) -> Counters {
        let w = |l: Option<u64>, secs| {
            RateWindow::new(l.unwrap_or(u64::MAX), Duration::from_secs(secs))
        };
        Counters {
            project: w(limits.project_per_minute, 60),
            device_minute: w(limits.device_per_minute, 60),
            device_second: w(limits.device_per_second, 1),
            limits,
        }
    }
}

// ---------------------------------------------------------------- vendor

/// An access token the simulated token endpoint issued.
#[derive(Clone)]
struct IssuedToken {
    project_id: String,
    package: String,
    scopes: Vec<String>,
    expires_at: Timestamp,
}

struct Inner {
    services: Services,
    faults: Faults,
    logs: RequestLogs,
    counters: Mutex<Counters>,
    /// Endpoint: access tokens issued, by token.
    issued: Mutex<HashMap<String, IssuedToken>>,
    /// Endpoint: public keys of registered service accounts, by client
    /// email, with the PEM they came from.
    public_keys: Mutex<HashMap<String, (String, DecodingKey)>>,
    /// Client: access tokens by (client email, token URL).
    client_tokens: Mutex<HashMap<(String, String), CachedToken>>,
    /// Client side: one token refresh at a time per service account.
    refresh: RefreshLocks<(String, String)>,
    /// Client: parsed signing keys by PEM.
    signing_keys: Mutex<HashMap<String, EncodingKey>>,
}

/// The FCM vendor: client, simulated endpoint and device semantics.
pub struct Fcm {
    inner: Arc<Inner>,
}

impl Fcm {
    pub fn new(services: Services) -> Self {
        Self {
            inner: Arc::new(Inner {
                services,
                faults: Faults::default(),
                logs: RequestLogs::default(),
                counters: Mutex::new(Counters::new(Limits::default())),
                issued: Mutex::new(HashMap::new()),
                public_keys: Mutex::new(HashMap::new()),
                client_tokens: Mutex::new(HashMap::new()),
                refresh: RefreshLocks::default(),
                signing_keys: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Forgets the client's cached access tokens (the next send signs a new
    /// assertion).
    pub fn forget_client_tokens(&self) {
        self.inner.client_tokens.lock().clear();
    }
}

#[async_trait]
impl Vendor for Fcm {
    fn id(&self) -> VendorId {
        VendorId::Fcm
    }

    fn hosts(&self) -> &'static [&'static str] {
        &["fcm.googleapis.com", "oauth2.googleapis.com"]
    }

    /// `FirebaseMessaging.getToken()` (see [`delivery::register`]).
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
        self.counters.lock().limits.clone()
    }

    fn install_limits(&self, merged: Limits) {
        // New limits apply to what was already counted.
        let mut counters = self.counters.lock();
        let next = Counters::new(merged);
        next.project.keep_counts_of(&counters.project);
        next.device_minute.keep_counts_of(&counters.device_minute);
        next.device_second.keep_counts_of(&counters.device_second);
        *counters = next;
    }

    fn reset_state(&self) {
        self.issued.lock().clear();
        self.client_tokens.lock().clear();
        let mut counters = self.counters.lock();
        let limits = counters.limits.clone();
        *counters = Counters::new(limits);
    }
}

// ---------------------------------------------------------------- endpoint
