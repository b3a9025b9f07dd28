//! The request the IM server builds for Mi Push, its send, and how the
//! client reads Mi's answer.

use serde::Serialize;
use serde_json::Value;

use super::diagnosis_for;
use crate::diagnosis::Diagnosis;
use crate::push::common::{not_sent, post_and_read, rejection, server_error, unreadable_answer};
use crate::push::{
    ClickAction, Credentials, PageTarget, Push, Rejection, SendOutcome, MESSAGE_ID_HEADER,
};
use crate::services::journal::MessageId;

/// The exact HTTP request the client sends, for snapshots and for `send`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendRequest {
    pub method: String,
    /// Relative to the base URL.
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The form-urlencoded body.
    pub body: String,
    /// The form fields in order, decoded (for readable snapshots).
    pub form: Vec<(String, String)>,
}

/// The send path the client uses.
pub const SEND_PATH: &str = "/v3/message/regid";

/// A stable notification id per message: Mi replaces notifications that
/// share a `notify_id`, so each IM message needs its own.
fn notify_id_for(message_id: &MessageId) -> i64 {
    let crc = crc32fast::hash(message_id.0.as_bytes());
    i64::from(crc & 0x7fff_ffff)
}

/// The `extra.notify_effect` fields of the certificate's click event; an
/// in-app page named other than by intent URI cannot be expressed by Mi.
fn click_fields(click: &ClickAction) -> Result<Vec<(String, String)>, Rejection> {
    let effect = |n: &str| ("extra.notify_effect".to_string(), n.to_string());
    match click {
        ClickAction::OpenApp => Ok(vec![effect("1")]),
        ClickAction::OpenUrl { url } => {
            Ok(vec![effect("3"), ("extra.web_uri".into(), url.clone())])
        }
        ClickAction::OpenPage {
            page: PageTarget::IntentUri(uri),
        } => Ok(vec![effect("2"), ("extra.intent_uri".into(), uri.clone())]),
        ClickAction::OpenPage { page } => Err(rejection(
            Diagnosis::VendorInvalidRequest,
            "certificate",
            format!("Mi Push opens an in-app page only by intent URI, not by {page:?}"),
        )),
    }
}

/// The notification channel: `AndroidInfo.XiaoMiChannelID`, else the
/// certificate's.
fn channel_of(push: &Push) -> Option<&String> {
    push.android
        .xiaomi_channel_id
        .as_ref()
        .filter(|c| !c.is_empty())
        .or(push
            .certificate
            .channel_id
            .as_ref()
            .filter(|c| !c.is_empty()))
}

/// Builds the Mi send request for `push` (pure: no network, no clock).
///
/// Fails, without a request, when the certificate is not a Mi certificate or
/// its click event cannot be expressed by Mi (an in-app page given as an
/// activity class or an action: Mi needs an intent URI).
pub fn build_send_request(push: &Push) -> Result<SendRequest, Rejection> {
    let Credentials::Xiaomi(creds) = &push.certificate.credentials else {
        return Err(rejection(
            Diagnosis::VendorInvalidRequest,
            "certificate",
            "the certificate holds no Xiaomi credentials",
        ));
    };
    let mut form: Vec<(String, String)> = vec![
        ("registration_id".into(), push.token.clone()),
        (
            "restricted_package_name".into(),
            push.certificate.package.clone(),
        ),
        ("pass_through".into(), "0".into()),
        ("notify_type".into(), "-1".into()),
        (
            "notify_id".into(),
            notify_id_for(&push.message_id).to_string(),
        ),
        ("title".into(), push.title.clone()),
        ("description".into(), push.desc.clone()),
    ];
    form.extend(click_fields(&push.certificate.click)?);
    if let Some(channel) = channel_of(push) {
        form.push(("extra.channel_id".into(), channel.clone()));
    }
    if let Some(ext) = push.ext.as_ref().filter(|e| !e.is_empty()) {
        form.push(("extra.ext".into(), ext.clone()));
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter())
        .finish();
    Ok(SendRequest {
        method: "POST".into(),
        path: SEND_PATH.into(),
        headers: vec![
            ("Authorization".into(), format!("key={}", creds.app_secret)),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded;charset=UTF-8".into(),
            ),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        body,
        form,
    })
}

/// Reads a Mi answer into the vendor message id or a rejection.
pub fn interpret_response(status: u16, body: &[u8]) -> Result<String, Rejection> {
    if (500..600).contains(&status) {
        return Err(server_error(status, &String::from_utf8_lossy(body)));
    }
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let Some(v) = parsed.filter(Value::is_object) else {
        let diagnosis = if status == 401 || status == 403 {
            Diagnosis::VendorAuthFailed
        } else {
            Diagnosis::VendorInvalidRequest
        };
        return Err(unreadable_answer(diagnosis, status, body));
    };
    let code = match &v["code"] {
        Value::Number(n) => n.as_i64().unwrap_or(-1),
        Value::String(s) => s.parse().unwrap_or(-1),
        _ => -1,
    };
    if code == 0 && (200..300).contains(&status) {
        return Ok(v["data"]["id"].as_str().unwrap_or_default().to_string());
    }
    let reason = v["reason"]
        .as_str()
        .or(v["description"].as_str())
        .unwrap_or_default()
        .to_string();
    Err(rejection(diagnosis_for(code), code.to_string(), reason))
}

/// Sends `push` to the Mi API at `base_url`.
pub(super) async fn send(http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
    match build_send_request(push) {
        Ok(req) => {
            post_and_read(
                http,
                base_url,
                &req.path,
                &req.headers,
                req.body,
                interpret_response,
            )
            .await
        }
        Err(e) => not_sent(e),
    }
}
