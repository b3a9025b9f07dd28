//! The simulated Meizu endpoint: `pushByPushId`. The handler is its list
//! of stages: parameters → authenticate (the signature) → faults →
//! validate → quota → accept; each stage refuses with a [`Refusal`],
//! answered in Meizu's shape by [`refuse`].

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::client::sign;
use super::delivery::{instruction, is_push_id_shaped};
use super::request::{Click, Notice};
use super::{code_message, diagnosis_of, Counters, Inner, MAX_PUSH_IDS, PUSH_PATH};
use crate::diagnosis::Diagnosis;
use crate::push::common::{random_string, token_of_another_package, HEX};
use crate::push::endpoint::{json_answer, Exchange, FaultWords, Halt};
use crate::push::{Credentials as AnyCredentials, VendorApp, VendorId};
use crate::services::clock::Timestamp;

/// A Meizu answer: always HTTP 200 with a string `code`.
fn answer(code: &str, message: &str) -> Response {
    let body = json!({ "code": code, "message": message, "value": "", "redirect": "" });
    json_answer(StatusCode::OK, &body)
}

/// The one place a refusal becomes Meizu's answer, journaled and logged.
fn refuse(ex: &Exchange, r: Refusal) -> Response {
    let diagnosis = r.meaning.unwrap_or_else(|| diagnosis_of(&r.code));
    ex.journal_rejected(&r.code, &r.message, diagnosis);
    ex.log(200, false, &r.code, &r.message);
    answer(&r.code, &r.message)
}

/// Why a request was refused, before any device was addressed.
#[derive(Debug)]
pub(super) struct Refusal {
    code: String,
    message: String,
    /// What the refusal means when Meizu's code alone says less; else the
    /// code's diagnosis.
    meaning: Option<Diagnosis>,
}

impl Refusal {
    fn new(code: &str, message: impl Into<String>) -> Refusal {
        Refusal {
            code: code.to_string(),
            message: message.into(),
            meaning: None,
        }
    }
}

/// Reads an integer field Meizu's JSON binder would accept (a number or a
/// numeric string).
fn int_field(v: &Value, name: &str) -> Result<Option<i64>, Refusal> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| Refusal::new("1005", format!("{name} 必须为整数"))),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Refusal::new("1005", format!("{name} 必须为整数"))),
        Some(_) => Err(Refusal::new("1005", format!("{name} 必须为整数"))),
    }
}

fn str_field<'a>(v: &'a Value, name: &str) -> Result<Option<&'a str>, Refusal> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Refusal::new("1005", format!("{name} 必须为字符串"))),
    }
}

/// Validates `messageJson` as Meizu does for a notification-bar message.
fn parse_message_json(raw: &str) -> Result<Notice, Refusal> {
    let v: Value = serde_json::from_str(raw)
        .map_err(|_| Refusal::new("1005", "messageJson 不是合法的JSON"))?;
    if !v.is_object() {
        return Err(Refusal::new("1005", "messageJson 不是合法的JSON对象"));
    }
    let bar = v.get("noticeBarInfo").unwrap_or(&Value::Null);
    let (title, content, public) = notice_bar(bar)?;
    let click_info = v.get("clickTypeInfo").unwrap_or(&Value::Null);
    if !(click_info.is_object() || click_info.is_null()) {
        return Err(Refusal::new("1005", "clickTypeInfo 格式错误"));
    }
    let parameters = parameters(click_info)?;
    let click = click(click_info)?;
    if let Some(time) = v.get("pushTimeInfo").filter(|t| !t.is_null()) {
        if let Some(valid) = int_field(time, "validTime")? {
            if !(1..=72).contains(&valid) {
                return Err(Refusal::new("1005", "validTime 为1到72小时内的正整数"));
            }
        }
    }
    Ok(Notice {
        title: title.to_string(),
        content: content.to_string(),
        public,
        click,
        parameters,
    })
}

/// `noticeBarInfo`: title (1–32 characters), content (1–100), whether the
/// message is public (`noticeMsgType` 0, the default) and the bar type.
fn notice_bar(bar: &Value) -> Result<(&str, &str, bool), Refusal> {
    if !(bar.is_object() || bar.is_null()) {
        return Err(Refusal::new("1005", "noticeBarInfo 格式错误"));
    }
    let title = str_field(bar, "title")?.unwrap_or_default();
    let content = str_field(bar, "content")?.unwrap_or_default();
    if title.is_empty() {
        return Err(Refusal::new("110004", "noticeBarInfo.title 不能为空"));
    }
    if content.is_empty() {
        return Err(Refusal::new("110004", "noticeBarInfo.content 不能为空"));
    }
    if title.chars().count() > 32 {
        return Err(Refusal::new("1005", "noticeBarInfo.title 字数限制1~32"));
    }
    if content.chars().count() > 100 {
        return Err(Refusal::new("1005", "noticeBarInfo.content 字数限制1~100"));
    }
    let public = match int_field(bar, "noticeMsgType")? {
        None | Some(0) => true,
        Some(1) => false,
        Some(_) => return Err(Refusal::new("1005", "noticeMsgType 只能为0或1")),
    };
    if let Some(t) = int_field(bar, "noticeBarType")? {
        if t != 0 && t != 2 {
            return Err(Refusal::new("1005", "noticeBarType 只能为0或2"));
        }
    }
    Ok((title, content, public))
}

/// `clickTypeInfo.parameters`: a JSON object, or one serialized into a
/// string (what some SDKs send).
fn parameters(click_info: &Value) -> Result<Option<Map<String, Value>>, Refusal> {
    let not_json = || Refusal::new("1005", "clickTypeInfo.parameters 必须为JSON格式");
    match click_info.get("parameters") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            _ => Err(not_json()),
        },
        Some(_) => Err(not_json()),
    }
}

/// `clickTypeInfo.clickType` and what each type needs.
fn click(click_info: &Value) -> Result<Click, Refusal> {
    Ok(match int_field(click_info, "clickType")?.unwrap_or(0) {
        0 => Click::OpenApp,
        1 => match str_field(click_info, "activity")? {
            Some(a) if !a.trim().is_empty() => Click::Activity(a.trim().to_string()),
            _ => {
                return Err(Refusal::new(
                    "110004",
                    "clickType为打开应用页面时 activity 不能为空",
                ))
            }
        },
        2 => match str_field(click_info, "url")?.map(str::trim) {
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                Click::Url(u.to_string())
            }
            Some(u) if !u.is_empty() => {
                return Err(Refusal {
                    meaning: Some(Diagnosis::VendorUrlSchemeUnsupported),
                    ..Refusal::new(
                        "1005",
                        "clickType为打开URI页面时 url 必须以 http:// 或 https:// 开头",
                    )
                })
            }
            _ => {
                return Err(Refusal::new(
                    "110004",
                    "clickType为打开URI页面时 url 不能为空",
                ))
            }
        },
        3 => match str_field(click_info, "customAttribute")? {
            Some(c) if !c.is_empty() && c.len() <= 1000 => Click::Custom,
            _ => {
                return Err(Refusal::new(
                    "110004",
                    "clickType为应用客户端自定义时 customAttribute 不能为空(1000字节以内)",
                ))
            }
        },
        _ => return Err(Refusal::new("1005", "clickType 只能为0、1、2、3")),
    })
}

/// The form parameters of a request, by name.
struct Params(Vec<(String, String)>);

impl Params {
    /// A parameter's value, empty when absent.
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    fn push_ids(&self) -> Vec<&str> {
        self.get("pushIds")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// The pushIds a send reached, and the others by failure code.
struct Outcome {
    accepted: Vec<(String, String)>,
    failures: BTreeMap<&'static str, Vec<String>>,
}

pub(super) async fn push_by_push_id(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut ex = Exchange::new(
        VendorId::Meizu,
        &inner.services,
        &inner.logs,
        &headers,
        PUSH_PATH,
    );
    let params = Params(serde_urlencoded::from_bytes(&body).unwrap_or_default());
    ex.tokens = params.push_ids().into_iter().map(str::to_string).collect();
    match send_stages(&inner, &ex, &params, body.is_empty()).await {
        Ok(answer) => answer,
        Err(halt) => halt.answer(|r| refuse(&ex, r)),
    }
}

/// The stages of a send, in Meizu's order.
async fn send_stages(
    inner: &Inner,
    ex: &Exchange<'_>,
    params: &Params,
    empty_body: bool,
) -> Result<Response, Halt<Refusal>> {
    check_params(params, empty_body)?;
    let cert = authenticate(inner, params)?;
    faults(inner, ex).await?;
    if ex.tokens.len() > MAX_PUSH_IDS {
        return Err(
            Refusal::new("1005", format!("pushIds 一批最多不能超过{MAX_PUSH_IDS}个")).into(),
        );
    }
    let notice = parse_message_json(params.get("messageJson"))?;
    let outcome = quota(
        inner,
        &cert,
        params.get("appId"),
        &ex.token_refs(),
        &notice,
        ex.now,
    )?;
    Ok(accept(inner, ex, &cert, &notice, outcome))
}

/// A form Meizu can read, with every required parameter.
fn check_params(params: &Params, empty_body: bool) -> Result<(), Refusal> {
    if params.0.is_empty() && !empty_body {
        return Err(Refusal::new("1005", code_message("1005")));
    }
    for name in ["appId", "pushIds", "messageJson", "sign"] {
        if params.get(name).trim().is_empty() {
            return Err(Refusal::new("110004", format!("{name} 参数不能为空")));
        }
    }
    Ok(())
}

/// Authentication: an app of the console with this `appId`, and the MD5
/// signature of the parameters with its appSecret.
fn authenticate(inner: &Inner, params: &Params) -> Result<Arc<VendorApp>, Refusal> {
    let app_id = params.get("appId");
    let illegal_app = || Refusal::new("110000", code_message("110000"));
    let cert = inner
        .services
        .apps
        .find(
            VendorId::Meizu,
            |c| matches!(&c.credentials, AnyCredentials::Meizu(m) if m.app_id == app_id),
        )
        .ok_or_else(illegal_app)?;
    let AnyCredentials::Meizu(creds) = &cert.credentials else {
        return Err(illegal_app());
    };
    let expected = sign(
        params.0.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &creds.app_secret,
    );
    if !expected.eq_ignore_ascii_case(params.get("sign").trim()) {
        return Err(Refusal::new("1006", code_message("1006")));
    }
    Ok(cert)
}

/// Injected faults; an injected code is answered with Meizu's message for
/// it.
async fn faults(inner: &Inner, ex: &Exchange<'_>) -> Result<(), Halt<Refusal>> {
    let words = FaultWords {
        server_error_logged: "injected server error",
        server_error_journaled: "injected server error",
        dropped: "connection dropped",
    };
    let server_error = |status: StatusCode| {
        (status, "<html><body><h1>Server Error</h1></body></html>").into_response()
    };
    match ex
        .injected_fault(&inner.faults, &words, server_error)
        .await?
    {
        Some(code) => Err(Refusal::new(&code, code_message(&code)).into()),
        None => Ok(()),
    }
}

/// Quotas and frequency control, on the hub clock: the app's rate and
/// daily count refuse the whole request; per pushId, its shape, its
/// registration, the daily public-message cap and the per-minute collapse
/// decide which devices it reaches.
fn quota(
    inner: &Inner,
    cert: &VendorApp,
    app_id: &str,
    push_ids: &[&str],
    notice: &Notice,
    now: Timestamp,
) -> Result<Outcome, Refusal> {
    let counters = inner.counters.lock();
    if !counters.app_rate.hit(app_id, now) {
        return Err(Refusal::new("110010", code_message("110010")));
    }
    if let Some(limit) = counters.limits.app_daily {
        if counters.app_daily.hit(app_id, now, 1, limit).is_err() {
            return Err(Refusal::new("110019", code_message("110019")));
        }
    }
    let mut outcome = Outcome {
        accepted: Vec::new(),
        failures: BTreeMap::new(),
    };
    for id in push_ids {
        match device_check(inner, &counters, cert, app_id, id, notice.public, now) {
            Ok(package) => outcome.accepted.push((id.to_string(), package)),
            Err(code) => outcome
                .failures
                .entry(code)
                .or_default()
                .push(id.to_string()),
        }
    }
    Ok(outcome)
}

/// Whether one pushId is reached: its app's package, or the failure code
/// it is listed under in `value`.
fn device_check(
    inner: &Inner,
    counters: &Counters,
    cert: &VendorApp,
    app_id: &str,
    id: &str,
    public: bool,
    now: Timestamp,
) -> Result<String, &'static str> {
    if !is_push_id_shaped(id) {
        return Err("110003");
    }
    let Some(reg) = inner
        .services
        .gateway
        .lookup(VendorId::Meizu, id)
        .filter(|r| r.package == cert.package)
    else {
        return Err("110002");
    };
    let key = format!("{app_id}:{id}");
    if public {
        if let Some(limit) = counters.limits.public_per_device_per_day {
            if counters.public_daily.hit(&key, now, 1, limit).is_err() {
                return Err("110011");
            }
        }
    }
    if !counters.collapse.hit(&key, now) {
        return Err("520");
    }
    Ok(reg.package)
}

/// Journals each failed pushId, journals and delivers each reached one,
/// and answers `"200"` with the failures listed in `value`.
fn accept(
    inner: &Inner,
    ex: &Exchange,
    cert: &VendorApp,
    notice: &Notice,
    outcome: Outcome,
) -> Response {
    let Outcome { accepted, failures } = outcome;
    let msg_id = random_string(32, HEX);
    for (failure, ids) in &failures {
        for id in ids {
            let message = format!("{}: {id}", code_message(failure));
            // 110002 lists a pushId Meizu has no device for in this app;
            // one issued to another package is a package mismatch.
            let diagnosis = if *failure == "110002"
                && token_of_another_package(&inner.services, VendorId::Meizu, id, &cert.package)
            {
                Diagnosis::VendorPackageMismatch
            } else {
                diagnosis_of(failure)
            };
            ex.journal_rejected(failure, &message, diagnosis);
        }
    }
    for (id, package) in &accepted {
        ex.journal_accepted(&msg_id, id);
        inner
            .services
            .gateway
            .deliver(instruction(&ex.message_id, package, id, notice));
    }
    let vendor_code = match failures.keys().next() {
        Some(first) if accepted.is_empty() => first.to_string(),
        _ => "200".to_string(),
    };
    ex.log(200, !accepted.is_empty(), &vendor_code, "");
    let value: Map<String, Value> = failures
        .into_iter()
        .map(|(k, ids)| (k.to_string(), json!(ids)))
        .collect();
    json_answer(
        StatusCode::OK,
        &json!({ "code": "200", "message": "", "msgId": msg_id, "value": value }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::common::test_services;
    use crate::push::EndpointState;

    fn inner() -> Arc<Inner> {
        super::super::Meizu::new(test_services()).inner
    }

    fn cert() -> VendorApp {
        VendorApp {
            package: "com.example".into(),
            credentials: AnyCredentials::Meizu(super::super::Credentials {
                app_id: "100".into(),
                app_key: String::new(),
                app_secret: "s".into(),
            }),
        }
    }

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_missing_parameter_is_refused_with_110004() {
        let p = params(&[("appId", "100"), ("pushIds", "x"), ("sign", "y")]);
        let r = check_params(&p, false).unwrap_err();
        assert_eq!(r.code, "110004");
        assert_eq!(r.message, "messageJson 参数不能为空");
    }

    #[test]
    fn a_wrong_signature_is_refused_with_1006() {
        let inner = inner();
        inner.services.apps.register(cert());
        let mut p = params(&[("appId", "100"), ("pushIds", "x"), ("messageJson", "{}")]);
        p.0.push(("sign".into(), "0".repeat(32)));
        assert_eq!(authenticate(&inner, &p).unwrap_err().code, "1006");
        let good = sign(p.0[..3].iter().map(|(k, v)| (k.as_str(), v.as_str())), "s");
        p.0[3].1 = good;
        assert!(authenticate(&inner, &p).is_ok());
    }

    #[test]
    fn an_empty_title_is_refused_with_110004() {
        let r = parse_message_json(r#"{"noticeBarInfo":{"content":"c"}}"#)
            .err()
            .unwrap();
        assert_eq!(r.code, "110004");
    }

    #[test]
    fn quota_refuses_the_request_past_the_app_daily_count() {
        let inner = inner();
        let mut limits = inner.current_limits();
        limits.app_daily = Some(1);
        inner.install_limits(limits);
        let notice = parse_message_json(r#"{"noticeBarInfo":{"title":"t","content":"c"}}"#)
            .ok()
            .unwrap();
        let now = inner.services.clock.now();
        let first = quota(&inner, &cert(), "100", &["short"], &notice, now)
            .ok()
            .unwrap();
        // A pushId of the wrong shape is listed under 110003, not refused.
        assert_eq!(first.failures["110003"], vec!["short".to_string()]);
        let r = quota(&inner, &cert(), "100", &["short"], &notice, now)
            .err()
            .unwrap();
        assert_eq!(r.code, "110019");
    }
}
