//! The request the IM server builds for Meizu (the signed form with its
//! `messageJson`), its send, and how the client reads Meizu's answer.

use std::collections::BTreeMap;

use md5::{Digest, Md5};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{code_message, diagnosis_of, PUSH_PATH};
use crate::diagnosis::Diagnosis;
use crate::push::common::{http_code, not_sent, post_and_read, server_error, unreadable_answer};
use crate::push::{
    ClickAction, Credentials as AnyCredentials, PageTarget, Push, Rejection, SendOutcome,
    MESSAGE_ID_HEADER,
};

/// The Meizu signature base string: every parameter except `sign`, sorted by
/// name, concatenated as `k=v` with raw (not URL-encoded) values, followed
/// by the appSecret.
pub fn sign_base_string<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    app_secret: &str,
) -> String {
    let sorted: BTreeMap<&str, &str> = params.into_iter().filter(|(k, _)| *k != "sign").collect();
    let mut s = String::new();
    for (k, v) in sorted {
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s.push_str(app_secret);
    s
}

/// `sign`: the lower-case 32-hex MD5 of [`sign_base_string`].
pub fn sign<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, app_secret: &str) -> String {
    hex::encode(Md5::digest(sign_base_string(params, app_secret).as_bytes()))
}

/// A request as the client would send it, for inspection without a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingRequest {
    pub method: &'static str,
    /// Path relative to the base URL.
    pub path: &'static str,
    pub headers: Vec<(String, String)>,
    /// Form fields in the order they are sent.
    pub form: Vec<(String, String)>,
    /// The URL-encoded body.
    pub body: String,
}

/// `noticeBarInfo.noticeMsgType`.
///
/// TIM's `AndroidInfo.MeiZuNoticeMsgType` maps to it one to one. When the
/// sender leaves it unset the client sends nothing, so Meizu applies its own
/// default, 0 (public): that is what the TIM server does too (the field is
/// optional there), and it is why unclassified IM pushes on Meizu run into
/// the daily public-message cap (`value["110011"]`).
fn notice_msg_type(push: &Push) -> Option<i64> {
    push.android.meizu_notice_msg_type
}

/// `clickTypeInfo` for the certificate's click event. Custom content rides
/// in `parameters` for "open app" and "open page" only: the IM guide says
/// these two click events support pass-through
/// (`docs/vendors/meizu.md#ext-pass-through`), and an opened web page has no
/// way to read it.
fn click_type_info(push: &Push) -> Result<Value, Rejection> {
    let parameters = push.ext.as_ref().map(|ext| json!({ "ext": ext }));
    let mut click = match &push.certificate.click {
        ClickAction::OpenApp => json!({ "clickType": 0 }),
        ClickAction::OpenPage {
            page: PageTarget::Activity(activity),
        } => json!({ "clickType": 1, "activity": activity }),
        ClickAction::OpenPage { page } => {
            return Err(Rejection {
                code: Diagnosis::VendorInvalidRequest,
                vendor_code: "client".into(),
                message: format!(
                    "Meizu opens in-app pages by activity class name only; the certificate names {page:?}"
                ),
            })
        }
        ClickAction::OpenUrl { url } => return Ok(json!({ "clickType": 2, "url": url })),
    };
    if let Some(p) = parameters {
        click["parameters"] = p;
    }
    Ok(click)
}

/// The `messageJson` the client builds for a push.
pub fn message_json(push: &Push) -> Result<Value, Rejection> {
    let mut notice = Map::new();
    notice.insert("noticeBarType".into(), json!(0));
    notice.insert("title".into(), json!(push.title));
    notice.insert("content".into(), json!(push.desc));
    if let Some(t) = notice_msg_type(push) {
        notice.insert("noticeMsgType".into(), json!(t));
    }
    Ok(json!({
        "noticeBarInfo": Value::Object(notice),
        "clickTypeInfo": click_type_info(push)?,
        "pushTimeInfo": { "offLine": 1, "validTime": 24 },
    }))
}

/// The pure request builder: the exact request the client sends for `push`.
pub fn build_send_request(push: &Push) -> Result<OutgoingRequest, Rejection> {
    let AnyCredentials::Meizu(creds) = &push.certificate.credentials else {
        return Err(Rejection {
            code: Diagnosis::VendorAuthFailed,
            vendor_code: "client".into(),
            message: format!(
                "certificate {} holds no Meizu credentials",
                push.certificate.id
            ),
        });
    };
    let message_json = message_json(push)?.to_string();
    let mut form = vec![
        ("appId".to_string(), creds.app_id.clone()),
        ("messageJson".to_string(), message_json),
        ("pushIds".to_string(), push.token.clone()),
    ];
    let sign = sign(
        form.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &creds.app_secret,
    );
    form.push(("sign".to_string(), sign));
    let body = serde_urlencoded::to_string(&form).unwrap_or_default();
    Ok(OutgoingRequest {
        method: "POST",
        path: PUSH_PATH,
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded;charset=UTF-8".into(),
            ),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        form,
        body,
    })
}

/// Maps Meizu's answer for a one-pushId send to the message id or a
/// rejection.
pub fn interpret_response(http_status: u16, body: &str, token: &str) -> Result<String, Rejection> {
    if (500..600).contains(&http_status) {
        return Err(server_error(http_status, body));
    }
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return Err(unreadable_answer(
            Diagnosis::VendorInvalidRequest,
            http_status,
            body.as_bytes(),
        ));
    };
    // `code` is a string; tolerate a number.
    let code = match &v["code"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => http_code(http_status),
    };
    let message = v["message"].as_str().unwrap_or_default().to_string();
    if code != "200" {
        return Err(Rejection {
            code: diagnosis_of(&code),
            message: if message.is_empty() {
                code_message(&code).to_string()
            } else {
                message
            },
            vendor_code: code,
        });
    }
    if let Some(map) = v["value"].as_object() {
        for (failure, ids) in map {
            let listed = ids
                .as_array()
                .is_some_and(|a| a.iter().any(|id| id.as_str() == Some(token)));
            if listed {
                return Err(Rejection {
                    code: diagnosis_of(failure),
                    vendor_code: failure.clone(),
                    message: code_message(failure).to_string(),
                });
            }
        }
    }
    Ok(v["msgId"].as_str().unwrap_or_default().to_string())
}

/// Sends `push` to Meizu at `base_url`.
pub(super) async fn send(http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
    let interpret = |status: u16, body: &[u8]| {
        interpret_response(status, &String::from_utf8_lossy(body), &push.token)
    };
    match build_send_request(push) {
        Ok(req) => post_and_read(http, base_url, req.path, &req.headers, req.body, interpret).await,
        Err(e) => not_sent(e),
    }
}
