//! Google FCM HTTP v1: certificate fields, client, simulated endpoint and
//! device-side delivery semantics.
//!
//! Wire format (vendors.md §6):
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

pub use crate::wire::sdk::fcm::{FALLBACK_CHANNEL, RECEIVE_ACTION};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use parking_lot::Mutex;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use super::common::{fault_status, http_code, journal_fault};
use super::common::{
    random_string, server_error, transport_failure, FaultKind, RateWindow, RefreshLocks,
    RequestLogs, ALNUM, HEX,
};
use super::{
    ClickAction, Credentials as AnyCredentials, EndpointControl, EndpointState, Faults, PageTarget,
    Push, Rejection, RequestLog, SendOutcome, Services, Vendor, VendorId, MESSAGE_ID_HEADER,
};
use crate::diagnosis::Diagnosis;
use crate::services::clock::Timestamp;
use crate::services::journal::{Event, MessageId};
use crate::wire::protocol::{
    CallbackBroadcast, CallbackTrigger, ClickRoute, DeviceInfo, DisplayInstruction, Extra,
    NotificationSpec, Poster, RegisterError,
};

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

fn b64() -> GeneralPurpose {
    GeneralPurpose::new(
        &alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

/// Reads an RSA private key PEM (PKCS#8 as Google writes it, or PKCS#1).
pub fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, String> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("private_key is not an RSA PEM key: {e}"))
}

/// The claims the client signs (the same as google-auth's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub aud: Value,
    pub iat: i64,
    pub exp: i64,
}

/// Signs an RS256 JWT with `kid` in its header.
pub fn sign_jwt(key: &RsaPrivateKey, kid: &str, claims: &Claims) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let input = format!(
        "{}.{}",
        b64().encode(header.to_string()),
        b64().encode(serde_json::to_string(claims).unwrap_or_default())
    );
    let signer = SigningKey::<Sha256>::new(key.clone());
    let sig = signer.sign(input.as_bytes()).to_vec();
    format!("{input}.{}", b64().encode(sig))
}

/// Why an assertion was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the assertion is not a JWT")]
    Malformed,
    #[error("unsupported JWT algorithm {0:?}")]
    Algorithm(String),
    #[error("Invalid JWT Signature.")]
    Signature,
}

/// A JWT split and decoded, before its signature is checked.
pub struct UnverifiedJwt {
    pub header: Value,
    pub claims: Claims,
    signing_input: String,
    signature: Vec<u8>,
}

impl UnverifiedJwt {
    pub fn parse(token: &str) -> Result<UnverifiedJwt, JwtError> {
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let header: Value = b64()
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(JwtError::Malformed)?;
        let claims: Claims = b64()
            .decode(c)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(JwtError::Malformed)?;
        let signature = b64().decode(s).map_err(|_| JwtError::Malformed)?;
        let alg = header["alg"].as_str().unwrap_or_default();
        if alg != "RS256" {
            return Err(JwtError::Algorithm(alg.to_string()));
        }
        Ok(UnverifiedJwt {
            header,
            claims,
            signing_input: format!("{h}.{c}"),
            signature,
        })
    }

    pub fn verify(&self, key: &RsaPublicKey) -> Result<(), JwtError> {
        let sig =
            Signature::try_from(self.signature.as_slice()).map_err(|_| JwtError::Signature)?;
        VerifyingKey::<Sha256>::new(key.clone())
            .verify(self.signing_input.as_bytes(), &sig)
            .map_err(|_| JwtError::Signature)
    }
}

// ---------------------------------------------------------------- client

/// A request as the client would send it, for inspection without a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingRequest {
    pub method: &'static str,
    /// Path relative to the base URL (the send) or the full token URL.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

fn client_error(code: Diagnosis, message: impl Into<String>) -> Rejection {
    Rejection {
        code,
        vendor_code: "client".into(),
        message: message.into(),
    }
}

/// The `message` object the client builds for a push.
///
/// - Open app: no `click_action`; the FCM SDK opens the launcher activity.
/// - Open page: only `PageTarget::Action` is expressible (`click_action` is
///   an intent-filter action); class names and intent URIs are refused.
/// - Open URL: FCM's Android notification has no URL click (only web push
///   has `fcm_options.link`), and TIM offers no "open webpage" for FCM
///   certificates; rather than silently turning it into something else the
///   client refuses the certificate with `vendor.invalid_request`.
/// - `ext` travels as `data.ext` (the seed reads `getString("ext")` on the
///   launched activity). The channel is `AndroidInfo.GoogleChannelID`, else
///   the certificate's.
pub fn message_body(push: &Push) -> Result<Value, Rejection> {
    let mut android_notification = Map::new();
    match &push.certificate.click {
        ClickAction::OpenApp => {}
        ClickAction::OpenPage { page: PageTarget::Action(action) } => {
            android_notification.insert("click_action".into(), json!(action));
        }
        ClickAction::OpenPage { page } => {
            return Err(client_error(
                Diagnosis::VendorInvalidRequest,
                format!("FCM opens in-app pages by intent action (click_action) only; the certificate names {page:?}"),
            ))
        }
        ClickAction::OpenUrl { url } => {
            return Err(client_error(
                Diagnosis::VendorInvalidRequest,
                format!("FCM Android notifications cannot open a URL ({url}); use open app or an intent action"),
            ))
        }
    }
    let channel = push
        .android
        .google_channel_id
        .as_ref()
        .filter(|c| !c.is_empty())
        .or(push.certificate.channel_id.as_ref());
    if let Some(c) = channel {
        android_notification.insert("channel_id".into(), json!(c));
    }
    let mut message = Map::new();
    message.insert("token".into(), json!(push.token));
    message.insert(
        "notification".into(),
        json!({"title": push.title, "body": push.desc}),
    );
    if let Some(ext) = &push.ext {
        message.insert("data".into(), json!({ "ext": ext }));
    }
    let mut android = Map::new();
    // IM messages are user-visible and time-sensitive: high priority, as FCM
    // recommends for messages that show a notification.
    android.insert("priority".into(), json!("HIGH"));
    if !android_notification.is_empty() {
        android.insert("notification".into(), Value::Object(android_notification));
    }
    message.insert("android".into(), Value::Object(android));
    Ok(json!({ "message": Value::Object(message), "validate_only": false }))
}

/// The pure request builder for the send, given an access token.
pub fn build_send_request(push: &Push, access_token: &str) -> Result<OutgoingRequest, Rejection> {
    let sa = service_account_of(push)?;
    let body = message_body(push)?;
    Ok(OutgoingRequest {
        method: "POST",
        path: send_path(&sa.project_id),
        headers: vec![
            ("authorization".into(), format!("Bearer {access_token}")),
            (
                "content-type".into(),
                "application/json; charset=UTF-8".into(),
            ),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        body: body.to_string(),
    })
}

/// The token request: the signed assertion posted to `token_url`.
pub fn build_token_request(
    sa: &ServiceAccount,
    key: &RsaPrivateKey,
    now: Timestamp,
    token_url: &str,
) -> OutgoingRequest {
    let iat = now.seconds();
    let claims = Claims {
        iss: sa.client_email.clone(),
        scope: MESSAGING_SCOPE.into(),
        aud: json!(GOOGLE_TOKEN_URI),
        iat,
        exp: iat + 3600,
    };
    let assertion = sign_jwt(key, &sa.private_key_id, &claims);
    let body = serde_urlencoded::to_string([
        ("grant_type", JWT_BEARER),
        ("assertion", assertion.as_str()),
    ])
    .unwrap_or_default();
    OutgoingRequest {
        method: "POST",
        path: token_url.to_string(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body,
    }
}

/// Where the client trades its assertion: the service account's `token_uri`
/// when talking to the real FCM host, else the simulator's own `/token`
/// next to the send API (`<base_url>/token`), since a key file downloaded
/// from Firebase always names Google's endpoint.
pub fn token_url(base_url: &str, sa: &ServiceAccount) -> String {
    let base = base_url.trim_end_matches('/');
    let real = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(FCM_HOST)))
        .unwrap_or(false);
    if real {
        sa.token_uri
            .clone()
            .unwrap_or_else(|| GOOGLE_TOKEN_URI.to_string())
    } else {
        format!("{base}{TOKEN_PATH}")
    }
}

fn service_account_of(push: &Push) -> Result<ServiceAccount, Rejection> {
    let AnyCredentials::Fcm(creds) = &push.certificate.credentials else {
        return Err(client_error(
            Diagnosis::VendorAuthFailed,
            format!(
                "certificate {} holds no FCM credentials",
                push.certificate.id
            ),
        ));
    };
    ServiceAccount::parse(&creds.service_account)
        .map_err(|e| client_error(Diagnosis::VendorAuthFailed, e))
}

/// The diagnosis of an FCM error (FcmError code, else canonical status).
pub fn diagnosis_of(http_status: u16, error_code: &str, message: &str) -> Diagnosis {
    match error_code {
        "UNREGISTERED" | "SENDER_ID_MISMATCH" => Diagnosis::VendorTokenInvalid,
        "QUOTA_EXCEEDED" | "RESOURCE_EXHAUSTED" => Diagnosis::VendorRateLimited,
        "THIRD_PARTY_AUTH_ERROR" | "UNAUTHENTICATED" | "PERMISSION_DENIED" => {
            Diagnosis::VendorAuthFailed
        }
        "INVALID_ARGUMENT" if message.contains("registration token") => {
            Diagnosis::VendorTokenInvalid
        }
        _ => match http_status {
            401 | 403 => Diagnosis::VendorAuthFailed,
            404 => Diagnosis::VendorTokenInvalid,
            429 => Diagnosis::VendorRateLimited,
            500..=599 => Diagnosis::DeliveryTimeout,
            _ => Diagnosis::VendorInvalidRequest,
        },
    }
}

/// Maps FCM's answer to the message name or a rejection.
pub fn interpret_response(http_status: u16, body: &str) -> Result<String, Rejection> {
    if (500..600).contains(&http_status) {
        return Err(server_error(http_status, body));
    }
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    if http_status == 200 {
        if let Some(name) = v["name"].as_str() {
            return Ok(name.to_string());
        }
    }
    let err = &v["error"];
    let message = err["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| body.chars().take(200).collect());
    let fcm_code = err["details"].as_array().and_then(|d| {
        d.iter()
            .find(|x| {
                x["@type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with("google.firebase.fcm.v1.FcmError"))
            })
            .and_then(|x| x["errorCode"].as_str())
    });
    let status = err["status"].as_str().unwrap_or_default();
    let vendor_code = match fcm_code {
        Some(c) if c != "UNSPECIFIED_ERROR" => c.to_string(),
        _ if !status.is_empty() => status.to_string(),
        _ => format!("http {http_status}"),
    };
    Err(Rejection {
        code: diagnosis_of(http_status, &vendor_code, &message),
        vendor_code,
        message,
    })
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
    public_keys: Mutex<HashMap<String, (String, RsaPublicKey)>>,
    /// Client: access tokens by (client email, token URL).
    client_tokens: Mutex<HashMap<(String, String), CachedToken>>,
    /// Client side: one token refresh at a time per service account.
    refresh: RefreshLocks<(String, String)>,
    /// Client: parsed signing keys by PEM.
    signing_keys: Mutex<HashMap<String, RsaPrivateKey>>,
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

    fn signing_key(&self, pem: &str) -> Result<RsaPrivateKey, Rejection> {
        if let Some(k) = self.inner.signing_keys.lock().get(pem) {
            return Ok(k.clone());
        }
        let key =
            parse_private_key(pem).map_err(|e| client_error(Diagnosis::VendorAuthFailed, e))?;
        self.inner
            .signing_keys
            .lock()
            .insert(pem.to_string(), key.clone());
        Ok(key)
    }

    /// A valid access token for this service account, from the cache or
    /// the token endpoint. Refreshed a minute before it expires (hub clock).
    async fn access_token(
        &self,
        http: &reqwest::Client,
        sa: &ServiceAccount,
        token_url: &str,
    ) -> Result<String, Rejection> {
        let cache_key = (sa.client_email.clone(), token_url.to_string());
        let cached = |now: Timestamp| {
            self.inner
                .client_tokens
                .lock()
                .get(&cache_key)
                .filter(|t| now.plus(Duration::from_secs(60)) < t.expires_at)
                .map(|t| t.token.clone())
        };
        if let Some(token) = cached(self.inner.services.clock.now()) {
            return Ok(token);
        }
        // Single flight: one refresh per service account, the others wait.
        let _refresh = self.inner.refresh.lock(&cache_key).await;
        let now = self.inner.services.clock.now();
        if let Some(token) = cached(now) {
            return Ok(token);
        }
        let key = self.signing_key(&sa.private_key)?;
        let req = build_token_request(sa, &key, now, token_url);
        let resp = http
            .post(token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(req.body)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(transport)?;
        if (500..600).contains(&status) {
            return Err(server_error(status, &text));
        }
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let Some(token) = v["access_token"].as_str().filter(|_| status == 200) else {
            let error = v["error"]
                .as_str()
                .unwrap_or("token_request_failed")
                .to_string();
            return Err(Rejection {
                code: if status == 429 {
                    Diagnosis::VendorRateLimited
                } else {
                    Diagnosis::VendorAuthFailed
                },
                vendor_code: error,
                message: v["error_description"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| text.chars().take(200).collect()),
            });
        };
        // `expires_in` may be a number or a string.
        let expires_in = match &v["expires_in"] {
            Value::Number(n) => n.as_u64().unwrap_or(TOKEN_LIFETIME_SECS),
            Value::String(s) => s.parse().unwrap_or(TOKEN_LIFETIME_SECS),
            _ => TOKEN_LIFETIME_SECS,
        };
        self.inner.client_tokens.lock().insert(
            cache_key,
            CachedToken {
                token: token.to_string(),
                expires_at: now.plus(Duration::from_secs(expires_in)),
            },
        );
        Ok(token.to_string())
    }

    async fn send_inner(
        &self,
        http: &reqwest::Client,
        base_url: &str,
        push: &Push,
        url: &str,
    ) -> Result<String, Rejection> {
        let sa = service_account_of(push)?;
        let token = self
            .access_token(http, &sa, &token_url(base_url, &sa))
            .await?;
        let req = build_send_request(push, &token)?;
        let mut builder = http.post(url);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let resp = builder.body(req.body).send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(transport)?;
        let result = interpret_response(status, &text);
        if status == 401 {
            // The token was refused: sign a new assertion next time.
            self.inner
                .client_tokens
                .lock()
                .retain(|(email, _), _| email != &sa.client_email);
        }
        result
    }
}

fn transport(e: reqwest::Error) -> Rejection {
    transport_failure(e)
}

/// The size in bytes of `message` as JSON without its target fields,
/// counted while serializing borrowed entries (no copy of the message).
fn payload_size(message: &Map<String, Value>) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let payload: std::collections::BTreeMap<&String, &Value> = message
        .iter()
        .filter(|(k, _)| !["token", "topic", "condition"].contains(&snake(k).as_str()))
        .collect();
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, &payload) {
        Ok(()) => count.0,
        Err(_) => 0,
    }
}

/// An FCM registration token: 22 characters of instance id, a colon, then
/// `APA91b` and 134 more URL-safe base64 characters (163 in all).
fn new_fcm_token() -> String {
    const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    format!(
        "{}:APA91b{}",
        random_string(22, URLSAFE),
        random_string(134, URLSAFE)
    )
}

/// Whether a string could be an FCM registration token. Google does not
/// publish the grammar; real tokens are 140–250 URL-safe characters with a
/// colon. Anything shorter than 100 or with other characters is refused as
/// "not a valid FCM registration token".
fn is_fcm_token_shaped(s: &str) -> bool {
    (100..=4096).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':')
}

#[async_trait]
impl Vendor for Fcm {
    fn id(&self) -> VendorId {
        VendorId::Fcm
    }

    fn hosts(&self) -> &'static [&'static str] {
        &["fcm.googleapis.com", "oauth2.googleapis.com"]
    }

    /// `FirebaseMessaging.getToken()`: without Google Play services the
    /// Firebase SDK fails with `MISSING_INSTANCEID_SERVICE`; in mainland
    /// China Play services cannot reach Google and the call fails with
    /// `SERVICE_NOT_AVAILABLE`.
    fn register(&self, device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        if !device.play_services {
            return Err(RegisterError {
                vendor: VendorId::Fcm,
                code: "MISSING_INSTANCEID_SERVICE".into(),
                message: "java.io.IOException: MISSING_INSTANCEID_SERVICE (Google Play services are not installed)".into(),
                diagnosis: Diagnosis::FcmNoPlayServices,
            });
        }
        if device.region.eq_ignore_ascii_case("cn") {
            return Err(RegisterError {
                vendor: VendorId::Fcm,
                code: "SERVICE_NOT_AVAILABLE".into(),
                message: "java.io.IOException: SERVICE_NOT_AVAILABLE (Google services are unreachable from mainland China)".into(),
                diagnosis: Diagnosis::FcmRegionBlocked,
            });
        }
        Ok(new_fcm_token())
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route(TOKEN_PATH, axum::routing::post(token_endpoint))
            .route(
                "/v1/projects/{project}/messages:send",
                axum::routing::post(send_endpoint),
            )
            .with_state(self.inner.clone())
    }

    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
        // A certificate FCM cannot express fails before any request is made.
        let sa = match service_account_of(push).and_then(|sa| message_body(push).map(|_| sa)) {
            Ok(sa) => sa,
            Err(e) => {
                return SendOutcome {
                    request: None,
                    result: Err(e),
                }
            }
        };
        let url = format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            send_path(&sa.project_id)
        );
        let result = self.send_inner(http, base_url, push, &url).await;
        SendOutcome {
            request: Some(("POST".into(), url)),
            result,
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

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [("content-type", "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// A response whose body fails after the headers: hyper aborts the
/// connection, so the client sees a broken exchange (the `Drop` fault).
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other(
            "connection dropped by fault injection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// An OAuth error in Google's shape.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

/// A google.rpc error of the send API.
struct ApiError {
    status: StatusCode,
    /// Canonical status, e.g. `NOT_FOUND`.
    canonical: &'static str,
    message: String,
    /// The FcmError code.
    fcm_code: &'static str,
    extra: Vec<Value>,
}

impl ApiError {
    fn new(
        status: StatusCode,
        canonical: &'static str,
        fcm_code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            canonical,
            message: message.into(),
            fcm_code,
            extra: Vec::new(),
        }
    }

    fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "INVALID_ARGUMENT",
            message,
        )
    }

    /// 400 with a google.rpc.BadRequest field violation.
    fn field(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        let mut e = ApiError::invalid(message.clone());
        e.extra.push(json!({
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": field, "description": message}],
        }));
        e
    }

    fn unauthenticated(message: &str, reason: &str) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "UNSPECIFIED_ERROR",
            message,
        );
        e.extra.push(json!({
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": "googleapis.com",
            "metadata": {"service": "fcm.googleapis.com", "method": "google.firebase.fcm.v1.FcmService.SendMessage"},
        }));
        e
    }

    fn body(&self) -> Value {
        let mut details = vec![json!({
            "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
            "errorCode": self.fcm_code,
        })];
        details.extend(self.extra.iter().cloned());
        json!({"error": {
            "code": self.status.as_u16(),
            "message": self.message,
            "status": self.canonical,
            "details": details,
        }})
    }

    fn vendor_code(&self) -> &'static str {
        if self.fcm_code == "UNSPECIFIED_ERROR" {
            self.canonical
        } else {
            self.fcm_code
        }
    }
}

async fn token_endpoint(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let now = inner.services.clock.now();
    let (status, accepted, code, message, resp) = issue_token(&inner, &body, now);
    inner.logs.push(RequestLog {
        at: now,
        method: "POST".into(),
        path: TOKEN_PATH.into(),
        http_status: status.as_u16(),
        accepted,
        vendor_code: code,
        message,
        tokens: Vec::new(),
        message_id: None,
    });
    resp
}

fn issue_token(
    inner: &Inner,
    body: &[u8],
    now: Timestamp,
) -> (StatusCode, bool, String, String, Response) {
    let fail = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            false,
            error.to_string(),
            description.to_string(),
            oauth_error(status, error, description),
        )
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match get("grant_type") {
        Some(JWT_BEARER) => {}
        Some(other) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("Invalid grant_type: {other}"),
            )
        }
        None => {
            return fail(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing required parameter: grant_type",
            )
        }
    }
    let Some(assertion) = get("assertion").filter(|a| !a.is_empty()) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: assertion",
        );
    };
    let jwt = match UnverifiedJwt::parse(assertion) {
        Ok(j) => j,
        Err(e) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                &format!("Invalid JWT: {e}"),
            )
        }
    };
    let iss = jwt.claims.iss.as_str();
    let Some(cert) = inner.services.apps.find(VendorId::Fcm, |c| {
        matches!(&c.credentials, AnyCredentials::Fcm(f) if f.service_account["client_email"].as_str() == Some(iss))
    }) else {
        return fail(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid grant: account not found");
    };
    let AnyCredentials::Fcm(creds) = &cert.credentials else {
        return fail(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid grant: account not found",
        );
    };
    let sa = match ServiceAccount::parse(&creds.service_account) {
        Ok(sa) => sa,
        Err(_) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid grant: account not found",
            )
        }
    };
    // A key id that is not the account's current key: Google reports the
    // signature as invalid.
    if let Some(kid) = jwt.header["kid"].as_str() {
        if !sa.private_key_id.is_empty() && kid != sa.private_key_id {
            return fail(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid JWT Signature.",
            );
        }
    }
    let public = {
        let cached = inner
            .public_keys
            .lock()
            .get(&sa.client_email)
            .filter(|(pem, _)| *pem == sa.private_key)
            .map(|(_, k)| k.clone());
        match cached {
            Some(k) => k,
            None => match parse_private_key(&sa.private_key) {
                Ok(k) => {
                    let public = k.to_public_key();
                    inner.public_keys.lock().insert(
                        sa.client_email.clone(),
                        (sa.private_key.clone(), public.clone()),
                    );
                    public
                }
                Err(_) => {
                    return fail(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Invalid JWT Signature.",
                    )
                }
            },
        }
    };
    if jwt.verify(&public).is_err() {
        return fail(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid JWT Signature.",
        );
    }
    // Google allows a short-lived assertion (at most an hour) that is valid
    // now on its clock, with a little skew.
    const SKEW: i64 = 300;
    let t = now.seconds();
    let c = &jwt.claims;
    let lifetime = c.exp.checked_sub(c.iat);
    if c.exp <= c.iat
        || lifetime.is_none_or(|l| l > 3600)
        || c.iat > t.saturating_add(SKEW)
        || c.exp < t.saturating_sub(SKEW)
    {
        return fail(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        );
    }
    // The audience is not checked: google-auth always sends
    // `https://oauth2.googleapis.com/token` whatever `token_uri` says, other
    // libraries send the key file's `token_uri` (the simulator's address),
    // and some send none. Refusing any of them would fail real clients.
    let scopes: Vec<String> = c.scope.split_whitespace().map(str::to_string).collect();
    if scopes.is_empty() {
        return fail(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.",
        );
    }
    let token = format!("ya29.c.{}", random_string(120, ALNUM));
    inner.issued.lock().insert(
        token.clone(),
        IssuedToken {
            project_id: sa.project_id.clone(),
            package: cert.package.clone(),
            scopes,
            expires_at: now.plus(Duration::from_secs(TOKEN_LIFETIME_SECS)),
        },
    );
    let body =
        json!({"access_token": token, "expires_in": TOKEN_LIFETIME_SECS, "token_type": "Bearer"});
    (
        StatusCode::OK,
        true,
        "200".into(),
        String::new(),
        json_response(StatusCode::OK, &body),
    )
}

/// Field names of the v1 `Message` and its Android parts (snake_case; the
/// API accepts the lowerCamelCase forms too).
const MESSAGE_FIELDS: &[&str] = &[
    "name",
    "data",
    "notification",
    "android",
    "webpush",
    "apns",
    "fcm_options",
    "token",
    "fid",
    "topic",
    "condition",
];
const ANDROID_FIELDS: &[&str] = &[
    "collapse_key",
    "priority",
    "ttl",
    "restricted_package_name",
    "data",
    "notification",
    "fcm_options",
    "direct_boot_ok",
    "bandwidth_constrained_ok",
    "restricted_satellite_ok",
];
const ANDROID_NOTIFICATION_FIELDS: &[&str] = &[
    "title",
    "body",
    "icon",
    "color",
    "sound",
    "tag",
    "click_action",
    "body_loc_key",
    "body_loc_args",
    "title_loc_key",
    "title_loc_args",
    "channel_id",
    "ticker",
    "sticky",
    "event_time",
    "local_only",
    "notification_priority",
    "default_sound",
    "default_vibrate_timings",
    "default_light_settings",
    "vibrate_timings",
    "visibility",
    "notification_count",
    "light_settings",
    "image",
    "bypass_proxy_notification",
    "proxy",
];

fn snake(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 4);
    for ch in name.chars() {
        if ch.is_ascii_uppercase() {
            s.push('_');
            s.push(ch.to_ascii_lowercase());
        } else {
            s.push(ch);
        }
    }
    s
}

/// A field of an object under its snake_case or lowerCamelCase name.
fn get_field<'a>(obj: &'a Map<String, Value>, snake_name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| snake(k) == snake_name)
        .map(|(_, v)| v)
}

fn check_known(obj: &Map<String, Value>, known: &[&str], at: &str) -> Result<(), ApiError> {
    for k in obj.keys() {
        if !known.contains(&snake(k).as_str()) {
            return Err(ApiError::field(
                at,
                format!("Invalid JSON payload received. Unknown name \"{k}\" at '{at}': Cannot find field."),
            ));
        }
    }
    Ok(())
}

fn object_at<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match get_field(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(ApiError::field(
            at,
            format!("Invalid value at '{at}' (type.googleapis.com/google.firebase.fcm.v1.Message), expected an object"),
        )),
    }
}

fn string_map(
    obj: &Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let Some(map) = object_at(obj, name, at)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(map.len());
    for (i, (k, v)) in map.iter().enumerate() {
        match v {
            Value::String(s) => out.push((k.clone(), s.clone())),
            other => {
                let field = format!("{at}[{i}].value");
                return Err(ApiError::field(
                    &field,
                    format!("Invalid value at '{field}' (TYPE_STRING), {other}"),
                ));
            }
        }
    }
    Ok(out)
}

fn str_at<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Option<&'a str>, ApiError> {
    match get_field(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ApiError::field(
            at,
            format!("Invalid value at '{at}' (TYPE_STRING), {other}"),
        )),
    }
}

/// Where a valid message goes.
enum Target {
    Token(String),
    /// A Firebase installation id (firebase-admin 7.7 prefers it to the
    /// token): the 22-character prefix of the app instance's registration
    /// token.
    Fid(String),
    Topic,
    Condition,
}

/// A validated message.
struct Validated {
    target: Target,
    title: String,
    body: String,
    channel_id: Option<String>,
    click_action: Option<String>,
    data: Vec<(String, String)>,
    /// The message has a notification part; a data-only message shows
    /// nothing by itself (the app's `onMessageReceived` gets it).
    has_notification: bool,
    validate_only: bool,
}

/// Validates a send body as FCM does.
fn validate(body: &Value) -> Result<Validated, ApiError> {
    let Some(top) = body.as_object() else {
        return Err(ApiError::invalid(
            "Invalid JSON payload received. Expected an object.",
        ));
    };
    for k in top.keys() {
        if !["message", "validate_only"].contains(&snake(k).as_str()) {
            return Err(ApiError::field(
                "",
                format!("Invalid JSON payload received. Unknown name \"{k}\": Cannot find field."),
            ));
        }
    }
    let validate_only = match get_field(top, "validate_only") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ApiError::field(
                "validate_only",
                format!("Invalid value at 'validate_only' (TYPE_BOOL), {other}"),
            ))
        }
    };
    let Some(message) = object_at(top, "message", "message")? else {
        return Err(ApiError::field(
            "message",
            "Request contains an invalid argument: message is required.",
        ));
    };
    check_known(message, MESSAGE_FIELDS, "message")?;
    let token = str_at(message, "token", "message.token")?.filter(|s| !s.is_empty());
    let fid = str_at(message, "fid", "message.fid")?.filter(|s| !s.is_empty());
    let topic = str_at(message, "topic", "message.topic")?.filter(|s| !s.is_empty());
    let condition = str_at(message, "condition", "message.condition")?.filter(|s| !s.is_empty());
    let target = match (token, fid, topic, condition) {
        (Some(t), None, None, None) => {
            if !is_fcm_token_shaped(t) {
                return Err(ApiError::invalid(
                    "The registration token is not a valid FCM registration token",
                ));
            }
            Target::Token(t.to_string())
        }
        (None, Some(f), None, None) => {
            let valid = f.len() == 22
                && f.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(ApiError::invalid("The Firebase installation ID is not valid"));
            }
            Target::Fid(f.to_string())
        }
        (None, None, Some(t), None) => {
            let name = t.strip_prefix("/topics/").unwrap_or(t);
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b));
            if !valid {
                return Err(ApiError::field(
                    "message.topic",
                    format!("Invalid topic name: {t}"),
                ));
            }
            Target::Topic
        }
        (None, None, None, Some(_)) => Target::Condition,
        _ => {
            return Err(ApiError::field(
                "message",
                "Exactly one of message.token, message.fid, message.topic or message.condition must be specified.",
            ))
        }
    };
    let mut data = string_map(message, "data", "message.data")?;
    let notification = object_at(message, "notification", "message.notification")?;
    let mut title = String::new();
    let mut text = String::new();
    if let Some(n) = notification {
        check_known(n, &["title", "body", "image"], "message.notification")?;
        title = str_at(n, "title", "message.notification.title")?
            .unwrap_or_default()
            .to_string();
        text = str_at(n, "body", "message.notification.body")?
            .unwrap_or_default()
            .to_string();
    }
    let mut has_notification = notification.is_some();
    let mut channel_id = None;
    let mut click_action = None;
    if let Some(android) = object_at(message, "android", "message.android")? {
        check_known(android, ANDROID_FIELDS, "message.android")?;
        if let Some(p) = str_at(android, "priority", "message.android.priority")? {
            if !["NORMAL", "HIGH", "normal", "high"].contains(&p) {
                return Err(ApiError::field(
                    "message.android.priority",
                    format!("Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), \"{p}\""),
                ));
            }
        }
        if let Some(ttl) = str_at(android, "ttl", "message.android.ttl")? {
            let secs = ttl.strip_suffix('s').and_then(|n| n.parse::<f64>().ok());
            if !secs.is_some_and(|s| (0.0..=2_419_200.0).contains(&s)) {
                return Err(ApiError::field("message.android.ttl", format!("Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), \"{ttl}\"")));
            }
        }
        // Android data overrides the message's data keys.
        for (k, v) in string_map(android, "data", "message.android.data")? {
            data.retain(|(dk, _)| *dk != k);
            data.push((k, v));
        }
        if let Some(n) = object_at(android, "notification", "message.android.notification")? {
            has_notification = true;
            check_known(
                n,
                ANDROID_NOTIFICATION_FIELDS,
                "message.android.notification",
            )?;
            if let Some(t) = str_at(n, "title", "message.android.notification.title")? {
                title = t.to_string();
            }
            if let Some(b) = str_at(n, "body", "message.android.notification.body")? {
                text = b.to_string();
            }
            channel_id = str_at(n, "channel_id", "message.android.notification.channel_id")?
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            click_action = str_at(
                n,
                "click_action",
                "message.android.notification.click_action",
            )?
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        }
    }
    // The size FCM limits is the payload the device receives, keys and
    // values: the message without its target. Measured as the JSON of the
    // remaining fields.
    let size = payload_size(message);
    let limit = if matches!(target, Target::Topic) {
        MAX_TOPIC_MESSAGE_BYTES
    } else {
        MAX_MESSAGE_BYTES
    };
    if size > limit {
        return Err(ApiError::field(
            "message",
            format!("Android message is too big: {size} bytes exceeds the {limit}-byte limit"),
        ));
    }
    Ok(Validated {
        target,
        title,
        body: text,
        channel_id,
        click_action,
        data,
        has_notification,
        validate_only,
    })
}

fn instruction(
    message_id: &MessageId,
    package: &str,
    token: &str,
    vendor_id: &str,
    v: &Validated,
) -> DisplayInstruction {
    let mut extras: Vec<Extra> = v
        .data
        .iter()
        .map(|(k, val)| Extra::string(k.clone(), val.clone()))
        .collect();
    extras.push(Extra::string("google.message_id", vendor_id));
    let click = match &v.click_action {
        Some(action) => ClickRoute::Action {
            action: action.clone(),
        },
        None => ClickRoute::Launcher,
    };
    let wake = CallbackBroadcast {
        action: RECEIVE_ACTION.into(),
        component: None,
        on: CallbackTrigger::Arrived,
        extras: extras.clone(),
        // Google Play services does not reach force-stopped apps.
        include_stopped_packages: false,
    };
    DisplayInstruction {
        message_id: message_id.clone(),
        vendor: VendorId::Fcm,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: v.title.clone(),
            text: v.body.clone(),
            // The FCM SDK posts on the named channel, or on the fallback
            // channel it creates itself when none is named.
            channel_id: Some(
                v.channel_id
                    .clone()
                    .unwrap_or_else(|| FALLBACK_CHANNEL.to_string()),
            ),
            notify_id: None,
            badge_class: None,
        },
        poster: Poster::AppSdk,
        click,
        extras,
        callbacks: vec![wake],
        ext: v
            .data
            .iter()
            .find(|(k, _)| k == "ext")
            .map(|(_, v)| v.clone()),
    }
}

async fn send_endpoint(
    State(inner): State<Arc<Inner>>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let message_id = inner.services.message_id_for(&headers, VendorId::Fcm);
    let now = inner.services.clock.now();
    let path = send_path(&project);
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let token_of = |v: &Value| v["message"]["token"].as_str().map(str::to_string);
    let tokens: Vec<String> = parsed.as_ref().and_then(token_of).into_iter().collect();
    let log = |status: u16, accepted: bool, code: &str, message: &str| {
        inner.logs.push(RequestLog {
            at: now,
            method: "POST".into(),
            path: path.clone(),
            http_status: status,
            accepted,
            vendor_code: code.to_string(),
            message: message.to_string(),
            tokens: tokens.clone(),
            message_id: Some(message_id.clone()),
        });
    };
    let reject = |e: ApiError| -> Response {
        let code = e.vendor_code();
        inner.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Fcm,
                vendor_code: code.to_string(),
                message: e.message.clone(),
                code: diagnosis_of(e.status.as_u16(), code, &e.message),
            },
        );
        log(e.status.as_u16(), false, code, &e.message);
        json_response(e.status, &e.body())
    };

    // Auth.
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(bearer) = bearer else {
        return reject(ApiError::unauthenticated(
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "CREDENTIALS_MISSING",
        ));
    };
    let issued = inner.issued.lock().get(bearer).cloned();
    let Some(issued) = issued else {
        return reject(ApiError::unauthenticated(
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        ));
    };
    if now >= issued.expires_at {
        return reject(ApiError::unauthenticated(
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "ACCESS_TOKEN_EXPIRED",
        ));
    }
    if issued.project_id != project {
        return reject(ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "UNSPECIFIED_ERROR",
            format!("Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/{project}' (or it may not exist)."),
        ));
    }
    if !issued
        .scopes
        .iter()
        .any(|s| s == MESSAGING_SCOPE || s == CLOUD_PLATFORM_SCOPE)
    {
        return reject(ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "UNSPECIFIED_ERROR",
            "Request had insufficient authentication scopes.",
        ));
    }
    // Client errors count against the project quota too.
    if !inner.counters.lock().project.hit(&project, now) {
        return reject(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "QUOTA_EXCEEDED",
            format!("Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute' of service 'fcm.googleapis.com' for consumer 'project_number:{project}'."),
        ));
    }

    let token_refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match inner.faults.take(&token_refs) {
        Some(FaultKind::ErrorCode { code }) => {
            let e = match code.as_str() {
                "UNREGISTERED" => ApiError::new(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    "UNREGISTERED",
                    "Requested entity was not found.",
                ),
                "SENDER_ID_MISMATCH" => ApiError::new(
                    StatusCode::FORBIDDEN,
                    "PERMISSION_DENIED",
                    "SENDER_ID_MISMATCH",
                    "SenderId mismatch",
                ),
                "QUOTA_EXCEEDED" => ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RESOURCE_EXHAUSTED",
                    "QUOTA_EXCEEDED",
                    "Sending limit exceeded for the message target",
                ),
                "UNAVAILABLE" => ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "UNAVAILABLE",
                    "UNAVAILABLE",
                    "The service is currently unavailable.",
                ),
                "INTERNAL" => ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "INTERNAL",
                    "Internal error encountered.",
                ),
                "THIRD_PARTY_AUTH_ERROR" => ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHENTICATED",
                    "THIRD_PARTY_AUTH_ERROR",
                    "Auth error from APNS or Web Push Service",
                ),
                _ => ApiError::invalid(format!("Request contains an invalid argument ({code}).")),
            };
            return reject(e);
        }
        Some(FaultKind::Latency { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await
        }
        Some(FaultKind::ServerError { status }) => {
            let status = fault_status(status);
            let (canonical, fcm) = if status == StatusCode::SERVICE_UNAVAILABLE {
                ("UNAVAILABLE", "UNAVAILABLE")
            } else {
                ("INTERNAL", "INTERNAL")
            };
            let e = ApiError::new(status, canonical, fcm, "Internal error encountered.");
            let vendor_code = http_code(status.as_u16());
            journal_fault(
                &inner.services,
                &message_id,
                VendorId::Fcm,
                &vendor_code,
                &e.message,
            );
            log(status.as_u16(), false, &vendor_code, &e.message);
            return json_response(e.status, &e.body());
        }
        Some(FaultKind::Drop) => {
            log(0, false, "transport", "connection dropped");
            journal_fault(
                &inner.services,
                &message_id,
                VendorId::Fcm,
                "transport",
                "connection dropped",
            );
            return dropped_connection();
        }
        None => {}
    }

    let Some(parsed) = parsed else {
        return reject(ApiError::field(
            "",
            "Invalid JSON payload received. Unexpected token.",
        ));
    };
    let v = match validate(&parsed) {
        Ok(v) => v,
        Err(e) => return reject(e),
    };
    let vendor_id = format!("0:{}%{}", now.millis(), random_string(16, HEX));
    let name = format!("projects/{project}/messages/{vendor_id}");
    if v.validate_only {
        // A dry run validates without delivering; FCM names it so.
        log(200, true, "200", "validate_only");
        return json_response(
            StatusCode::OK,
            &json!({"name": format!("projects/{project}/messages/fake_message_id")}),
        );
    }
    let reg = match &v.target {
        Target::Token(token) => inner.services.gateway.lookup(VendorId::Fcm, token),
        Target::Fid(fid) => {
            let prefix = format!("{fid}:");
            inner
                .services
                .gateway
                .registrations()
                .into_iter()
                .find(|r| r.vendor == VendorId::Fcm && r.token.starts_with(&prefix))
        }
        Target::Topic | Target::Condition => {
            // pushlab's devices do not subscribe to topics, so nothing is
            // delivered, but the send is accepted.
            log(200, true, "200", "");
            return json_response(StatusCode::OK, &json!({ "name": name }));
        }
    };
    let Some(reg) = reg else {
        return reject(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "UNREGISTERED",
            "Requested entity was not found.",
        ));
    };
    let token = &reg.token;
    if reg.package != issued.package {
        return reject(ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "SENDER_ID_MISMATCH",
            "SenderId mismatch",
        ));
    }
    {
        let counters = inner.counters.lock();
        let key = format!("{project}:{token}");
        if !counters.device_second.hit(&key, now) || !counters.device_minute.hit(&key, now) {
            drop(counters);
            return reject(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RESOURCE_EXHAUSTED",
                "QUOTA_EXCEEDED",
                "Sending limit exceeded for the message target",
            ));
            // No Retry-After header: FCM sends one only at times, and pyfcm
            // sleeps on it and retries forever.
        }
    }
    inner.services.journal.append(
        Some(&message_id),
        None,
        Event::EndpointAccepted {
            vendor: VendorId::Fcm,
            vendor_message_id: name.clone(),
            token: token.clone(),
        },
    );
    // A data-only message reaches the app without showing anything, so
    // there is nothing for the device to display.
    if v.has_notification {
        inner.services.gateway.deliver(instruction(
            &message_id,
            &reg.package,
            token,
            &vendor_id,
            &v,
        ));
    }
    log(200, true, "200", "");
    json_response(StatusCode::OK, &json!({ "name": name }))
}
