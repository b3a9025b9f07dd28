//! The IM server's vivo client: the signed `/message/auth` call for an
//! `authToken` (cached an hour, one refresh at a time, renewed once when
//! refused), the `/message/send` request, and how vivo's answers read.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::message::{OPERATIONAL_CATEGORIES, SYSTEM_CATEGORIES};
use super::{auth_sign, codes, diagnosis_for, Credentials, Inner};
use super::{AUTH_PATH, CLIENT_TOKEN_TTL, SEND_PATH};
use super::{CONTENT_MAX, TITLE_MAX};
use crate::diagnosis::Diagnosis;
use crate::push::common::{http_code, server_error, transport_failure};
use crate::push::{
    ClickAction, Credentials as AnyCredentials, PageTarget, Push, Rejection, SendOutcome,
    MESSAGE_ID_HEADER,
};
use crate::services::clock::Timestamp;
use crate::services::journal::MessageId;

/// An HTTP request the client makes, built without a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingRequest {
    pub method: &'static str,
    /// Relative to the vendor base URL.
    pub path: &'static str,
    pub headers: Vec<(String, String)>,
    /// JSON.
    pub body: Value,
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// vivo app ids are numbers; the documents send them as JSON numbers.
fn app_id_value(app_id: &str) -> Value {
    app_id
        .trim()
        .parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(app_id))
}

/// `POST /message/auth` for these credentials at `now`.
pub fn build_auth_request(
    creds: &Credentials,
    now: Timestamp,
    message_id: &MessageId,
) -> OutgoingRequest {
    let timestamp = now.millis();
    let sign = auth_sign(
        &creds.app_id,
        &creds.app_key,
        &timestamp.to_string(),
        &creds.app_secret,
    );
    OutgoingRequest {
        method: "POST",
        path: AUTH_PATH,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            (MESSAGE_ID_HEADER.into(), message_id.0.clone()),
        ],
        body: json!({
            "appId": app_id_value(&creds.app_id),
            "appKey": creds.app_key,
            "timestamp": timestamp,
            "sign": sign,
        }),
    }
}

/// The classification TIM's `VIVOClassification` asks for, if any.
fn classification_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The `/message/send` request for `push` with a valid `authToken`.
pub fn build_send_request(push: &Push, auth_token: &str) -> OutgoingRequest {
    let app_id = match &push.certificate.credentials {
        AnyCredentials::Vivo(c) => app_id_value(&c.app_id),
        _ => Value::Null,
    };
    let mut body = Map::new();
    body.insert("appId".into(), app_id);
    body.insert("regId".into(), json!(push.token));
    body.insert("notifyType".into(), json!(4));
    // The IM server fits the text to vivo's limits (title 40, content 100)
    // instead of losing the push to a length error (UNCONFIRMED: the exact
    // cut TIM makes is not documented).
    body.insert("title".into(), json!(truncate(&push.title, TITLE_MAX)));
    body.insert("content".into(), json!(truncate(&push.desc, CONTENT_MAX)));
    match &push.certificate.click {
        ClickAction::OpenApp => {
            body.insert("skipType".into(), json!(1));
        }
        ClickAction::OpenUrl { url } => {
            body.insert("skipType".into(), json!(2));
            body.insert("skipContent".into(), json!(url));
        }
        ClickAction::OpenPage { page } => {
            // vivo names in-app pages by intent URI; a class or action from
            // a certificate made for another vendor is written as one.
            let uri = match page {
                PageTarget::IntentUri(uri) => uri.clone(),
                PageTarget::Activity(class) => {
                    let cn = crate::android::ComponentName::new(
                        push.certificate.package.as_str(),
                        class.as_str(),
                    );
                    format!(
                        "intent:#Intent;component={};end",
                        cn.flatten_to_short_string()
                    )
                }
                PageTarget::Action(action) => format!(
                    "intent:#Intent;action={action};package={};end",
                    push.certificate.package
                ),
            };
            body.insert("skipType".into(), json!(4));
            body.insert("skipContent".into(), json!(uri));
        }
    }
    let category = push
        .android
        .vivo_category
        .as_deref()
        .filter(|c| !c.is_empty());
    let classification = push
        .android
        .vivo_classification
        .as_ref()
        .and_then(classification_of)
        .or_else(|| match category {
            Some(c) if SYSTEM_CATEGORIES.contains(&c) => Some(1),
            Some(c) if OPERATIONAL_CATEGORIES.contains(&c) => Some(0),
            _ => None,
        });
    if let Some(c) = classification {
        body.insert("classification".into(), json!(c));
    }
    if let Some(c) = category {
        body.insert("category".into(), json!(c));
    }
    // The IM server hands Ext to the app as the "ext" entry of the params.
    if let Some(ext) = push.ext.as_deref().filter(|e| !e.is_empty()) {
        body.insert("clientCustomMap".into(), json!({"ext": ext}));
    }
    let request_id: String = push.message_id.0.chars().take(64).collect();
    body.insert("requestId".into(), json!(request_id));
    OutgoingRequest {
        method: "POST",
        path: SEND_PATH,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("authToken".into(), auth_token.to_string()),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        body: Value::Object(body),
    }
}

#[derive(Debug, Deserialize)]
struct Answer {
    result: i64,
    #[serde(default)]
    desc: String,
    #[serde(default, rename = "authToken")]
    auth_token: Option<String>,
    #[serde(default, rename = "taskId")]
    task_id: Option<Value>,
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
        .body(req.body.to_string())
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
        code: diagnosis_for(a.result),
        vendor_code: a.result.to_string(),
        message: a.desc.clone(),
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
        creds.app_id.clone(),
        creds.app_key.clone(),
        creds.app_secret.clone(),
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
    let answer = execute(http, base, &build_auth_request(creds, now, message_id)).await?;
    if answer.result != codes::SUCCESS {
        return Err(rejection(&answer));
    }
    let token = answer
        .auth_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Rejection {
            code: Diagnosis::VendorAuthFailed,
            vendor_code: "0".into(),
            message: "auth answer without authToken".into(),
        })?;
    inner.client_tokens.lock().insert(key, (token.clone(), now));
    Ok(token)
}

/// Sends `push`: a token, then the send; a token vivo refuses (expired,
/// revoked) is forgotten and the send tried once more with a new one.
pub(super) async fn send(
    inner: &Inner,
    http: &reqwest::Client,
    base_url: &str,
    push: &Push,
) -> SendOutcome {
    let base = base_url.trim_end_matches('/');
    let request = Some(("POST".to_string(), format!("{base}{SEND_PATH}")));
    let AnyCredentials::Vivo(creds) = &push.certificate.credentials else {
        return SendOutcome {
            request: None,
            result: Err(Rejection {
                code: Diagnosis::VendorInvalidRequest,
                vendor_code: "certificate".into(),
                message: "not a vivo certificate".into(),
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
        if answer.result == codes::AUTH_FAILED && !retried {
            // The cached token expired or was revoked: authenticate again.
            inner.client_tokens.lock().retain(|_, (t, _)| *t != token);
            retried = true;
            continue;
        }
        return SendOutcome {
            request,
            result: task_id_of(answer),
        };
    }
}

/// The send answer's `taskId` (a string or a number), or vivo's refusal.
fn task_id_of(answer: Answer) -> Result<String, Rejection> {
    if answer.result != codes::SUCCESS {
        return Err(rejection(&answer));
    }
    match answer.task_id {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(Rejection {
            code: Diagnosis::VendorInvalidRequest,
            vendor_code: "0".into(),
            message: "answer without taskId".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(v: Value) -> Answer {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_send_answer_gives_the_task_id_as_string_or_number_or_the_refusal() {
        assert_eq!(
            task_id_of(answer(json!({"result": 0, "taskId": "7"}))).unwrap(),
            "7"
        );
        assert_eq!(
            task_id_of(answer(json!({"result": 0, "taskId": 8}))).unwrap(),
            "8"
        );
        let missing = task_id_of(answer(json!({"result": 0}))).unwrap_err();
        assert_eq!(missing.message, "answer without taskId");
        let refused = task_id_of(answer(json!({"result": 10302, "desc": "d"}))).unwrap_err();
        assert_eq!(refused.vendor_code, "10302");
    }
}
