//! The IM server's FCM client: the service-account assertion traded for an
//! access token (cached, one refresh at a time), the v1 send request, and
//! how FCM's answers read.

use std::time::Duration;

use jsonwebtoken::EncodingKey;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::jwt::{encoding_key, parse_private_key, sign_assertion, Claims};
use super::{
    send_path, CachedToken, Inner, ServiceAccount, FCM_HOST, GOOGLE_TOKEN_URI, JWT_BEARER,
    MESSAGING_SCOPE, TOKEN_LIFETIME_SECS, TOKEN_PATH,
};
use crate::diagnosis::Diagnosis;
use crate::push::common::{server_error, transport_failure};
use crate::push::{
    ClickAction, Credentials as AnyCredentials, PageTarget, Push, Rejection, SendOutcome,
    MESSAGE_ID_HEADER,
};
use crate::services::clock::Timestamp;

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
/// - `ext` travels as `data.ext` (the IM guide reads `getString("ext")` on the
///   launched activity; `docs/vendors/fcm.md#ext-pass-through`). The channel
///   is `AndroidInfo.GoogleChannelID`, else the certificate's.
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
    key: &EncodingKey,
    now: Timestamp,
    token_url: &str,
) -> Result<OutgoingRequest, Rejection> {
    let iat = now.seconds();
    let claims = Claims {
        iss: sa.client_email.clone(),
        scope: MESSAGING_SCOPE.into(),
        aud: json!(GOOGLE_TOKEN_URI),
        iat,
        exp: iat + 3600,
    };
    let assertion = sign_assertion(key, &sa.private_key_id, &claims)
        .map_err(|e| client_error(Diagnosis::VendorAuthFailed, e))?;
    let body = serde_urlencoded::to_string([
        ("grant_type", JWT_BEARER),
        ("assertion", assertion.as_str()),
    ])
    .unwrap_or_default();
    Ok(OutgoingRequest {
        method: "POST",
        path: token_url.to_string(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body,
    })
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
        "UNREGISTERED" => Diagnosis::VendorTokenInvalid,
        // The token exists but was issued to another sender's app.
        "SENDER_ID_MISMATCH" => Diagnosis::VendorPackageMismatch,
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

/// Sends `push`: a certificate FCM cannot express fails before any request
/// is made; otherwise an access token, then the send.
pub(super) async fn send(
    inner: &Inner,
    http: &reqwest::Client,
    base_url: &str,
    push: &Push,
) -> SendOutcome {
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
    let result = post_message(inner, http, base_url, push, &sa, &url).await;
    SendOutcome {
        request: Some(("POST".into(), url)),
        result,
    }
}

async fn post_message(
    inner: &Inner,
    http: &reqwest::Client,
    base_url: &str,
    push: &Push,
    sa: &ServiceAccount,
    url: &str,
) -> Result<String, Rejection> {
    let token = access_token(inner, http, sa, &token_url(base_url, sa)).await?;
    let req = build_send_request(push, &token)?;
    let mut builder = http.post(url);
    for (k, v) in &req.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let resp = builder
        .body(req.body)
        .send()
        .await
        .map_err(transport_failure)?;
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(transport_failure)?;
    let result = interpret_response(status, &text);
    if status == 401 {
        // The token was refused: sign a new assertion next time.
        inner
            .client_tokens
            .lock()
            .retain(|(email, _), _| email != &sa.client_email);
    }
    result
}

/// The signing key of a service account's PEM, parsed once.
fn signing_key(inner: &Inner, pem: &str) -> Result<EncodingKey, Rejection> {
    if let Some(k) = inner.signing_keys.lock().get(pem) {
        return Ok(k.clone());
    }
    let key = parse_private_key(pem)
        .and_then(|k| encoding_key(&k))
        .map_err(|e| client_error(Diagnosis::VendorAuthFailed, e))?;
    inner
        .signing_keys
        .lock()
        .insert(pem.to_string(), key.clone());
    Ok(key)
}

/// The cached token of `cache_key` if it is still good a minute from `now`.
fn cached_token(inner: &Inner, cache_key: &(String, String), now: Timestamp) -> Option<String> {
    inner
        .client_tokens
        .lock()
        .get(cache_key)
        .filter(|t| now.plus(Duration::from_secs(60)) < t.expires_at)
        .map(|t| t.token.clone())
}

/// A valid access token for this service account, from the cache or
/// the token endpoint. Refreshed a minute before it expires (hub clock).
async fn access_token(
    inner: &Inner,
    http: &reqwest::Client,
    sa: &ServiceAccount,
    token_url: &str,
) -> Result<String, Rejection> {
    let cache_key = (sa.client_email.clone(), token_url.to_string());
    if let Some(token) = cached_token(inner, &cache_key, inner.services.clock.now()) {
        return Ok(token);
    }
    // Single flight: one refresh per service account, the others wait.
    let _refresh = inner.refresh.lock(&cache_key).await;
    let now = inner.services.clock.now();
    if let Some(token) = cached_token(inner, &cache_key, now) {
        return Ok(token);
    }
    let key = signing_key(inner, &sa.private_key)?;
    let req = build_token_request(sa, &key, now, token_url)?;
    let resp = http
        .post(token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(req.body)
        .send()
        .await
        .map_err(transport_failure)?;
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(transport_failure)?;
    let (token, expires_in) = read_token_answer(status, &text)?;
    inner.client_tokens.lock().insert(
        cache_key,
        CachedToken {
            token: token.clone(),
            expires_at: now.plus(Duration::from_secs(expires_in)),
        },
    );
    Ok(token)
}

/// The access token and its lifetime in seconds from the token endpoint's
/// answer, or why there is none.
fn read_token_answer(status: u16, text: &str) -> Result<(String, u64), Rejection> {
    if (500..600).contains(&status) {
        return Err(server_error(status, text));
    }
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
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
    Ok((token.to_string(), expires_in))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_answer_gives_the_token_and_its_lifetime_as_number_or_string() {
        let n = read_token_answer(200, r#"{"access_token":"ya29.a","expires_in":120}"#);
        assert_eq!(n.unwrap(), ("ya29.a".to_string(), 120));
        let s = read_token_answer(200, r#"{"access_token":"ya29.b","expires_in":"90"}"#);
        assert_eq!(s.unwrap(), ("ya29.b".to_string(), 90));
        let none = read_token_answer(200, r#"{"access_token":"ya29.c"}"#);
        assert_eq!(none.unwrap().1, TOKEN_LIFETIME_SECS);
    }

    #[test]
    fn an_oauth_error_answer_keeps_googles_error_and_description() {
        let e = read_token_answer(
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
        )
        .unwrap_err();
        assert_eq!(e.vendor_code, "invalid_grant");
        assert_eq!(e.message, "Invalid JWT Signature.");
        assert_eq!(e.code, Diagnosis::VendorAuthFailed);
        let limited = read_token_answer(429, r#"{"error":"rate_limit_exceeded"}"#).unwrap_err();
        assert_eq!(limited.code, Diagnosis::VendorRateLimited);
    }
}
