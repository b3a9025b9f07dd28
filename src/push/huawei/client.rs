//! The requests the IM server builds for HMS Push (the OAuth token and the
//! v1 send), the cached access token, and how the client reads HMS answers.

use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::delivery::{add_intent_extras, ext_pairs};
use super::{codes, diagnosis_for, Credentials, Inner};
use crate::diagnosis::Diagnosis;
use crate::push::common::{http_code, not_sent, post, rejection, server_error, unreadable_answer};
use crate::push::{
    ClickAction, Credentials as AnyCredentials, PageTarget, Push, Rejection, SendOutcome,
    MESSAGE_ID_HEADER,
};
use crate::services::clock::Timestamp;

/// An HTTP request the client sends, for snapshots and for `send`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutgoingRequest {
    pub method: String,
    /// Relative to the base URL (the OAuth host for the token request).
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// JSON for sends; form-urlencoded text for the token request.
    pub body: Value,
}

fn credentials(push: &Push) -> Result<&Credentials, Rejection> {
    match &push.certificate.credentials {
        AnyCredentials::Huawei(c) => Ok(c),
        _ => Err(rejection(
            Diagnosis::VendorInvalidRequest,
            "certificate",
            "the certificate holds no Huawei credentials",
        )),
    }
}

/// The OAuth token request (client-credentials mode).
pub fn build_token_request(creds: &Credentials) -> OutgoingRequest {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", &creds.app_id)
        .append_pair("client_secret", &creds.client_secret)
        .finish();
    OutgoingRequest {
        method: "POST".into(),
        path: "/oauth2/v3/token".into(),
        headers: vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: Value::String(body),
    }
}

/// The click action of the certificate's click event. With
/// `ExtAsHuaweiIntentParam` 1 the ext's JSON keys also become extras of
/// the intent URI; an activity class cannot be named by HMS.
fn click_action(push: &Push, ext: Option<&str>) -> Result<Value, Rejection> {
    Ok(match &push.certificate.click {
        ClickAction::OpenApp => json!({"type": 3}),
        ClickAction::OpenUrl { url } => json!({"type": 2, "url": url}),
        ClickAction::OpenPage {
            page: PageTarget::IntentUri(uri),
        } => {
            let uri = match ext {
                Some(ext) if push.android.ext_as_huawei_intent_param == Some(1) => {
                    add_intent_extras(uri, &ext_pairs(ext))
                }
                _ => uri.clone(),
            };
            json!({"type": 1, "intent": uri})
        }
        ClickAction::OpenPage {
            page: PageTarget::Action(action),
        } => json!({"type": 1, "action": action}),
        ClickAction::OpenPage {
            page: PageTarget::Activity(class),
        } => {
            return Err(rejection(
                Diagnosis::VendorInvalidRequest,
                "certificate",
                format!("HMS opens an in-app page by intent URI or action, not by class {class}"),
            ))
        }
    })
}

/// A non-empty optional field.
fn non_empty(v: &Option<String>) -> Option<&String> {
    v.as_ref().filter(|s| !s.is_empty())
}

/// `android.notification`: texts, channel, importance, click and badge.
fn notification(push: &Push, click: Value) -> Map<String, Value> {
    let mut notification = Map::new();
    notification.insert("title".into(), json!(push.title));
    notification.insert("body".into(), json!(push.desc));
    let channel =
        non_empty(&push.android.huawei_channel_id).or(non_empty(&push.certificate.channel_id));
    if let Some(c) = channel {
        notification.insert("channel_id".into(), json!(c));
    }
    if let Some(i) = non_empty(&push.android.huawei_importance) {
        notification.insert("importance".into(), json!(i));
    }
    notification.insert("click_action".into(), click);
    if let Some(class) = non_empty(&push.certificate.badge_class) {
        notification.insert("badge".into(), json!({"add_num": 1, "class": class}));
    }
    notification
}

/// Builds the HMS v1 send request for `push` with `access_token` (pure).
///
/// - Click: open app → type 3; URL → type 2 `url`; in-app page → type 1 with
///   `intent` (intent URI) or `action`; an activity class cannot be named
///   by HMS and is a certificate error.
/// - Ext: `android.data`; with `AndroidInfo.ExtAsHuaweiIntentParam` 1 its
///   JSON keys also become extras of the intent URI.
/// - Badge: the certificate's badge class → `badge {add_num: 1, class}`.
/// - `HuaWeiImportance` → `notification.importance`, `HuaWeiCategory` →
///   `android.category`, `HuaWeiChannelID` (else the certificate's) →
///   `notification.channel_id`.
pub fn build_send_request(push: &Push, access_token: &str) -> Result<OutgoingRequest, Rejection> {
    let creds = credentials(push)?;
    let ext = push.ext.as_deref().filter(|e| !e.is_empty());
    let click = click_action(push, ext)?;
    let mut android = Map::new();
    if let Some(c) = non_empty(&push.android.huawei_category) {
        android.insert("category".into(), json!(c));
    }
    if let Some(ext) = ext {
        android.insert("data".into(), json!(ext));
    }
    android.insert(
        "notification".into(),
        Value::Object(notification(push, click)),
    );
    let body = json!({
        "validate_only": false,
        "message": {
            "android": android,
            "token": [push.token],
        }
    });
    Ok(OutgoingRequest {
        method: "POST".into(),
        path: format!("/v1/{}/messages:send", creds.app_id),
        headers: vec![
            ("Authorization".into(), format!("Bearer {access_token}")),
            (
                "Content-Type".into(),
                "application/json;charset=utf-8".into(),
            ),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        body,
    })
}

/// Reads an HMS send answer into the request id or a rejection.
pub fn interpret_send_response(status: u16, body: &[u8]) -> Result<String, Rejection> {
    let v: Value = match serde_json::from_slice(body) {
        // Flow control is a 503 that says so; any other 5xx is the server
        // failing.
        Ok(v @ Value::Object(_))
            if !(500..600).contains(&status) || v["code"] == codes::FLOW_CONTROL =>
        {
            v
        }
        _ if (500..600).contains(&status) => {
            return Err(server_error(status, &String::from_utf8_lossy(body)));
        }
        _ => {
            let diagnosis = match status {
                401 | 403 => Diagnosis::VendorAuthFailed,
                429 => Diagnosis::VendorRateLimited,
                _ => Diagnosis::VendorInvalidRequest,
            };
            return Err(unreadable_answer(diagnosis, status, body));
        }
    };
    let code = match &v["code"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let msg = v["msg"].as_str().unwrap_or_default().to_string();
    match code.as_str() {
        codes::SUCCESS | codes::PARTIAL => {
            Ok(v["requestId"].as_str().unwrap_or_default().to_string())
        }
        "" => Err(rejection(
            Diagnosis::VendorInvalidRequest,
            http_code(status),
            msg,
        )),
        _ => Err(rejection(diagnosis_for(&code), code, msg)),
    }
}

/// Where the OAuth token comes from: the real OAuth host when the client
/// talks to Huawei's real push host, else the same base (the simulator
/// serves both).
fn token_url(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    if base.contains("push-api.cloud.huawei.com") || base.contains("api.push.hicloud.com") {
        "https://oauth-login.cloud.huawei.com/oauth2/v3/token".into()
    } else {
        format!("{base}/oauth2/v3/token")
    }
}

/// How long before expiry the client refreshes (the demos use 5 minutes).
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A cached token for these credentials, valid beyond the refresh margin.
fn cached_token(inner: &Inner, key: &super::CacheKey, now: Timestamp) -> Option<String> {
    inner
        .cache
        .lock()
        .get(key)
        .filter(|(_, expires)| now.plus(REFRESH_MARGIN) < *expires)
        .map(|(token, _)| token.clone())
}

/// The access token for `creds` from the token endpoint at `url`: the
/// cached one while it is fresh, else a new one (single flight: one
/// refresh per credentials, the others wait for it).
async fn access_token(
    inner: &Inner,
    http: &reqwest::Client,
    url: &str,
    creds: &Credentials,
) -> Result<String, Rejection> {
    let clock = &inner.services.clock;
    let key = (
        url.to_string(),
        creds.app_id.clone(),
        creds.client_secret.clone(),
    );
    if let Some(token) = cached_token(inner, &key, clock.now()) {
        return Ok(token);
    }
    let _refresh = inner.refresh.lock(&key).await;
    let now = clock.now();
    if let Some(token) = cached_token(inner, &key, now) {
        return Ok(token);
    }
    let (token, lifetime) = fetch_token(http, url, creds).await?;
    inner.cache.lock().insert(
        key,
        (token.clone(), now.plus(Duration::from_secs(lifetime))),
    );
    Ok(token)
}

/// Asks the OAuth server for a token: the token and its lifetime in
/// seconds, or the OAuth error as a rejection.
async fn fetch_token(
    http: &reqwest::Client,
    url: &str,
    creds: &Credentials,
) -> Result<(String, u64), Rejection> {
    let req = build_token_request(creds);
    let body = req.body.as_str().unwrap_or_default().to_string();
    let (status, bytes) = post(http, url, &req.headers, body).await?;
    if (500..600).contains(&status) && status != 503 {
        return Err(server_error(status, &String::from_utf8_lossy(&bytes)));
    }
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    match v["access_token"].as_str() {
        Some(token) if status == 200 && !token.is_empty() => {
            Ok((token.to_string(), v["expires_in"].as_u64().unwrap_or(3600)))
        }
        _ => {
            let code = match &v["error"] {
                Value::Null => http_code(status),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let diagnosis = if status == 429 {
                Diagnosis::VendorRateLimited
            } else {
                Diagnosis::VendorAuthFailed
            };
            Err(rejection(
                diagnosis,
                code,
                v["error_description"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect()),
            ))
        }
    }
}

/// Whether HMS refused the token itself (the client refreshes and retries
/// once, as the Go demo does).
fn token_refused(r: &Rejection) -> bool {
    r.vendor_code == codes::OAUTH_FAILED || r.vendor_code == codes::OAUTH_EXPIRED
}

/// Sends `push` to HMS at `base_url`, fetching (or reusing) the access
/// token; after 80200001/80200003 the token is refreshed once and the send
/// retried.
pub(super) async fn send(
    inner: &Inner,
    http: &reqwest::Client,
    base_url: &str,
    push: &Push,
) -> SendOutcome {
    let creds = match credentials(push) {
        Ok(c) => c,
        Err(e) => return not_sent(e),
    };
    // Built once, before spending a token on it (a certificate HMS cannot
    // express fails here); each attempt only sets its bearer token.
    let mut req = match build_send_request(push, "") {
        Ok(r) => r,
        Err(e) => return not_sent(e),
    };
    let body = req.body.to_string();
    let token_url = token_url(base_url);
    let url = format!("{}{}", base_url.trim_end_matches('/'), req.path);
    let mut last_url = None;
    for attempt in 0..2 {
        let token = match access_token(inner, http, &token_url, creds).await {
            Ok(t) => t,
            Err(e) => {
                return SendOutcome {
                    request: last_url.map(|u| ("POST".to_string(), u)),
                    result: Err(e),
                }
            }
        };
        set_bearer(&mut req.headers, &token);
        last_url = Some(url.clone());
        let result = match post(http, &url, &req.headers, body.clone()).await {
            Ok((status, body)) => interpret_send_response(status, &body),
            Err(e) => Err(e),
        };
        match &result {
            Err(r) if attempt == 0 && token_refused(r) => {
                inner
                    .cache
                    .lock()
                    .retain(|(u, id, _), _| !(u == &token_url && id == &creds.app_id));
            }
            _ => {
                return SendOutcome {
                    request: Some(("POST".into(), url)),
                    result,
                }
            }
        }
    }
    SendOutcome {
        request: last_url.map(|u| ("POST".to_string(), u)),
        result: Err(rejection(
            Diagnosis::VendorAuthFailed,
            codes::OAUTH_FAILED,
            "token refused twice",
        )),
    }
}

fn set_bearer(headers: &mut [(String, String)], token: &str) {
    for (k, v) in headers.iter_mut() {
        if k.eq_ignore_ascii_case("authorization") {
            *v = format!("Bearer {token}");
        }
    }
}
