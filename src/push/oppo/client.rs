//! The IM server's OPPO client: the signed `/auth` call for an
//! `auth_token` (cached an hour, one refresh at a time, renewed once when
//! refused), the unicast request, and how OPPO's answers read.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{auth_sign, codes, diagnosis_for, Credentials, Inner};
use super::{AUTH_PATH, CLIENT_TOKEN_TTL, UNICAST_PATH};
use crate::diagnosis::Diagnosis;
use crate::push::common::{http_code, server_error, transport_failure};
use crate::push::{
    ClickAction, Credentials as AnyCredentials, PageTarget, Push, Rejection, SendOutcome,
    MESSAGE_ID_HEADER,
};
use crate::services::clock::Timestamp;
use crate::services::journal::MessageId;

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

async fn execute(
    http: &reqwest::Client,
    base: &str,
    req: &OutgoingRequest,
) -> Result<Answer, Rejection> {
    let mut rb = http.post(format!("{base}{}", req.path));
    for (k, v) in &req.headers {
        rb = rb.header(k, v);
    }
    let resp = rb
        .body(req.body.clone())
        .send()
        .await
        .map_err(transport_failure)?;
    let status = resp.status();
    let text = resp.text().await.map_err(transport_failure)?;
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

/// A cached token for these credentials, or a new one from `/auth`.
async fn client_token(
    inner: &Inner,
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
        inner
            .client_tokens
            .lock()
            .get(&key)
            .filter(|(_, at)| now.since(*at) < CLIENT_TOKEN_TTL)
            .map(|(token, _)| token.clone())
    };
    if let Some(token) = cached(inner.services.clock.now()) {
        return Ok(token);
    }
    // Single flight: one refresh per credentials, the others wait for it.
    let _refresh = inner.refresh.lock(&key).await;
    let now = inner.services.clock.now();
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
    inner.client_tokens.lock().insert(key, (token.clone(), now));
    Ok(token)
}

/// Sends `push` as a unicast: a token, then the send; a token OPPO refuses
/// (revoked, expired early) is forgotten and the send tried once more with
/// a new one.
pub(super) async fn send(
    inner: &Inner,
    http: &reqwest::Client,
    base_url: &str,
    push: &Push,
) -> SendOutcome {
    let base = base_url.trim_end_matches('/');
    let request = Some(("POST".to_string(), format!("{base}{UNICAST_PATH}")));
    let AnyCredentials::Oppo(creds) = &push.certificate.credentials else {
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
        let token = match client_token(inner, http, base, creds, &push.message_id).await {
            Ok(t) => t,
            Err(r) => {
                return SendOutcome {
                    request: Some(("POST".into(), format!("{base}{AUTH_PATH}"))),
                    result: Err(r),
                }
            }
        };
        let answer = match execute(http, base, &build_send_request(push, &token)).await {
            Ok(a) => a,
            Err(r) => {
                return SendOutcome {
                    request,
                    result: Err(r),
                }
            }
        };
        if answer.code == codes::INVALID_AUTH_TOKEN && !retried {
            forget_token(inner, &token);
            retried = true;
            continue;
        }
        return SendOutcome {
            request,
            result: message_id_of(&answer),
        };
    }
}

/// The cached token was revoked or expired early: forget it.
fn forget_token(inner: &Inner, token: &str) {
    inner.client_tokens.lock().retain(|_, (t, _)| t != token);
}

/// The unicast answer's `data.messageId`, or OPPO's refusal.
fn message_id_of(answer: &Answer) -> Result<String, Rejection> {
    if answer.code != codes::SUCCESS {
        return Err(rejection(answer));
    }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(v: Value) -> Answer {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_unicast_answer_gives_the_camel_case_message_id_or_the_refusal() {
        let ok = answer(json!({"code": 0, "message": "Success", "data": {"messageId": "m-1"}}));
        assert_eq!(message_id_of(&ok).unwrap(), "m-1");
        let snake = answer(json!({"code": 0, "data": {"message_id": "m-1"}}));
        assert_eq!(message_id_of(&snake).unwrap_err().vendor_code, "0");
        let refused = answer(json!({"code": 33, "message": "over"}));
        let r = message_id_of(&refused).unwrap_err();
        assert_eq!(
            (r.vendor_code.as_str(), r.code),
            ("33", Diagnosis::VendorQuotaExceeded)
        );
    }
}
