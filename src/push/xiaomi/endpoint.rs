//! The simulated Mi Push send endpoint: `POST /v3/message/regid` (and
//! `/v2/…`). The handler is its list of stages: authenticate → faults →
//! validate → targets → quota → accept; each stage refuses with a
//! [`MiError`], answered in Mi's error shape by [`refuse`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::delivery::instruction;
use super::request::{Form, Message};
use super::{
    codes, description_of, diagnosis_for, Inner, MAX_CUSTOM_EXTRAS, MAX_EXTRA_CHARS,
    MAX_PAYLOAD_BYTES, MAX_REGIDS, MAX_SCHEDULE_MS, SYSTEM_EXTRAS,
};
use crate::diagnosis::Diagnosis;
use crate::push::common::{random_string, token_of_another_package, ALNUM};
use crate::push::endpoint::{json_answer, Exchange, FaultWords, Halt};
use crate::push::{Credentials, Services, VendorApp, VendorId};
use crate::services::clock::Timestamp;

/// A Mi error: code plus reason.
#[derive(Debug)]
pub(super) struct MiError {
    code: i64,
    reason: String,
    /// What the refusal means when Mi's code alone says less; else the
    /// code's diagnosis.
    diagnosis: Option<Diagnosis>,
}

impl MiError {
    fn new(code: i64, reason: impl Into<String>) -> MiError {
        MiError {
            code,
            reason: reason.into(),
            diagnosis: None,
        }
    }

    /// The same refusal, journaled as `d`.
    fn meaning(mut self, d: Diagnosis) -> MiError {
        self.diagnosis = Some(d);
        self
    }
}

fn trace_id() -> String {
    format!("Xcm{}", random_string(19, ALNUM))
}

fn error_body(e: &MiError) -> Value {
    json!({
        "result": "error",
        "reason": e.reason,
        "trace_id": trace_id(),
        "code": e.code,
        "description": description_of(e.code),
    })
}

/// The one place a refusal becomes Mi's answer: HTTP 200 with the error
/// body, logged and journaled with the diagnosis of its code.
fn refuse(ex: &Exchange, e: MiError) -> Response {
    let code = e.code.to_string();
    ex.log(200, false, &code, &e.reason);
    let diagnosis = e.diagnosis.unwrap_or_else(|| diagnosis_for(e.code));
    ex.journal_rejected(&code, &e.reason, diagnosis);
    json_answer(StatusCode::OK, &error_body(&e))
}

fn parse_int(form: &Form, key: &str) -> Result<Option<i64>, MiError> {
    match form.get(key) {
        None => Ok(None),
        Some(s) => s.trim().parse::<i64>().map(Some).map_err(|_| {
            MiError::new(
                codes::ILLEGAL_PARAMETER,
                format!("{key} must be an integer"),
            )
        }),
    }
}

/// Checks the whole message as Mi does, in Mi's order: pass-through, texts,
/// payload, notification fields, timing, click action, custom extras.
fn validate(form: &Form, now_ms: i64) -> Result<Message, MiError> {
    let pass_through = pass_through_of(form)?;
    let (title, description) = texts(form, pass_through)?;
    let payload = form.get("payload").map(str::to_string);
    if payload
        .as_ref()
        .is_some_and(|p| p.len() > MAX_PAYLOAD_BYTES)
    {
        return Err(MiError::new(codes::CONTENT_TOO_LONG, "payload is too long"));
    }
    let (notify_type, notify_id) = notify_fields(form)?;
    check_timing(form, now_ms)?;
    check_click(form)?;
    check_extras(form)?;
    Ok(Message {
        title: title.to_string(),
        description: description.to_string(),
        payload,
        pass_through,
        notify_type,
        notify_id,
    })
}

fn pass_through_of(form: &Form) -> Result<bool, MiError> {
    match parse_int(form, "pass_through")? {
        None | Some(0) => Ok(false),
        Some(1) => Ok(true),
        Some(_) => Err(MiError::new(
            codes::ILLEGAL_PARAMETER,
            "pass_through must be 0 or 1",
        )),
    }
}

/// Title and description: required for a notification, and shorter than
/// 50 and 128 characters.
fn texts(form: &Form, pass_through: bool) -> Result<(&str, &str), MiError> {
    let title = form.get("title").unwrap_or_default();
    let description = form.get("description").unwrap_or_default();
    if !pass_through {
        if title.trim().is_empty() {
            return Err(MiError::new(
                codes::MISSING_PARAMETER,
                "title is required and must not be blank",
            ));
        }
        if description.trim().is_empty() {
            return Err(MiError::new(
                codes::MISSING_PARAMETER,
                "description is required and must not be blank",
            ));
        }
    }
    if title.chars().count() >= 50 {
        return Err(MiError::new(
            codes::ILLEGAL_PARAMETER,
            "title length must be less than 50",
        ));
    }
    if description.chars().count() >= 128 {
        return Err(MiError::new(
            codes::ILLEGAL_PARAMETER,
            "description length must be less than 128",
        ));
    }
    Ok((title, description))
}

/// `notify_type` (-1 or a combination of 1, 2, 4) and `notify_id` (an i32).
fn notify_fields(form: &Form) -> Result<(i64, Option<i32>), MiError> {
    let notify_type = parse_int(form, "notify_type")?.unwrap_or(-1);
    if notify_type != -1 && !(0..=7).contains(&notify_type) {
        return Err(MiError::new(
            codes::ILLEGAL_PARAMETER,
            "notify_type must be -1 or a combination of 1, 2 and 4",
        ));
    }
    let notify_id = match parse_int(form, "notify_id")? {
        None => None,
        Some(n) => Some(
            i32::try_from(n)
                .map_err(|_| MiError::new(codes::ILLEGAL_PARAMETER, "notify_id is out of range"))?,
        ),
    };
    Ok((notify_type, notify_id))
}

fn check_timing(form: &Form, now_ms: i64) -> Result<(), MiError> {
    if let Some(ttl) = parse_int(form, "time_to_live")? {
        if ttl < 0 {
            return Err(MiError::new(
                codes::ILLEGAL_PARAMETER,
                "time_to_live must not be negative",
            ));
        }
    }
    // Scheduled sends are checked but delivered at once: pushlab's cases
    // never schedule, and the hub clock is virtual.
    if let Some(at) = parse_int(form, "time_to_send")? {
        if at > now_ms.saturating_add(MAX_SCHEDULE_MS) {
            return Err(MiError::new(
                codes::ILLEGAL_PARAMETER,
                "time_to_send must be within 7 days",
            ));
        }
    }
    Ok(())
}

/// The click action: `extra.notify_effect` and what each effect needs.
fn check_click(form: &Form) -> Result<(), MiError> {
    match form.extra("notify_effect") {
        None | Some("1") => Ok(()),
        // Mi's SDKs document `intent_uri` for effect 2; `class_name`
        // alone is not a documented substitute, so it is refused.
        Some("2") if form.extra("intent_uri").is_none_or(|u| u.trim().is_empty()) => {
            Err(MiError::new(
                codes::MISSING_PARAMETER,
                "extra.intent_uri is required when extra.notify_effect is 2",
            ))
        }
        Some("2") => Ok(()),
        Some("3") => match form.extra("web_uri") {
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => Ok(()),
            Some(_) => Err(MiError::new(
                codes::ILLEGAL_PARAMETER,
                "extra.web_uri must start with http:// or https://",
            )
            .meaning(Diagnosis::VendorUrlSchemeUnsupported)),
            None => Err(MiError::new(
                codes::MISSING_PARAMETER,
                "extra.web_uri is required when extra.notify_effect is 3",
            )),
        },
        Some(_) => Err(MiError::new(
            codes::ILLEGAL_PARAMETER,
            "extra.notify_effect must be 1, 2 or 3",
        )),
    }
}

/// Custom extras: how many, and how long each key and value.
fn check_extras(form: &Form) -> Result<(), MiError> {
    let custom: Vec<_> = form
        .extras
        .iter()
        .filter(|(k, _)| !SYSTEM_EXTRAS.contains(&k.as_str()))
        .collect();
    if form.extras_overflow || custom.len() > MAX_CUSTOM_EXTRAS {
        return Err(MiError::new(
            codes::TOO_MANY_EXTRAS,
            format!("at most {MAX_CUSTOM_EXTRAS} custom extra key/value pairs are allowed"),
        ));
    }
    if custom
        .iter()
        .any(|(k, v)| k.chars().count() > MAX_EXTRA_CHARS || v.chars().count() > MAX_EXTRA_CHARS)
    {
        return Err(MiError::new(
            codes::EXTRAS_TOO_LONG,
            format!("custom extra keys and values are limited to {MAX_EXTRA_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A Mi message id, e.g. `sdm53b12345678901234ab` (shape approximate).
fn new_message_id(services: &Services) -> String {
    format!(
        "sdm{:017}{}",
        services.next_id() % 100_000_000_000_000_000,
        random_string(2, ALNUM)
    )
}

pub(super) async fn handle_send(
    State(inner): State<Arc<Inner>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut ex = Exchange::new(
        VendorId::Xiaomi,
        &inner.services,
        &inner.logs,
        &headers,
        uri.path(),
    );
    match send_stages(&inner, &mut ex, &headers, &body).await {
        Ok(answer) => answer,
        Err(halt) => halt.answer(|e| refuse(&ex, e)),
    }
}

/// The stages of a send, in Mi's order.
async fn send_stages(
    inner: &Inner,
    ex: &mut Exchange<'_>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Halt<MiError>> {
    let app = authenticate(inner, headers)?;
    // Authenticated: now the body is worth parsing.
    let form = Form::parse(body);
    ex.tokens = form.tokens().into_iter().map(str::to_string).collect();
    faults(inner, ex).await?;
    let message = validate_request(&form, &app, ex)?;
    let (good, bad) = targets(inner, &app, &ex.tokens)?;
    quota(inner, &app_id_of(&app), &good, ex.now)?;
    Ok(accept(inner, ex, &app, &message, &form, &good, &bad))
}

/// Authentication: exactly `key=<AppSecret>`, lower-case `key`, of an app
/// in the Mi console.
fn authenticate(inner: &Inner, headers: &HeaderMap) -> Result<Arc<VendorApp>, MiError> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("key="))
        .filter(|s| !s.is_empty())
        .and_then(|secret| {
            inner.services.apps.find(
                VendorId::Xiaomi,
                |c| matches!(&c.credentials, Credentials::Xiaomi(x) if x.app_secret == secret),
            )
        })
        .ok_or_else(|| MiError::new(codes::AUTH_FAILED, "Authentication failed"))
}

fn app_id_of(app: &VendorApp) -> String {
    match &app.credentials {
        Credentials::Xiaomi(x) => x.app_id.clone(),
        _ => String::new(),
    }
}

/// Injected faults; an injected code is answered as Mi would (200001 with
/// Mi's quota wording).
async fn faults(inner: &Inner, ex: &Exchange<'_>) -> Result<(), Halt<MiError>> {
    let words = FaultWords {
        server_error_logged: "fault injection: server error",
        server_error_journaled: "fault injection: server error",
        dropped: "fault injection: connection dropped",
    };
    let server_error = |status: StatusCode| (status, "Server Error").into_response();
    let Some(code) = ex
        .injected_fault(&inner.faults, &words, server_error)
        .await?
    else {
        return Ok(());
    };
    let code: i64 = code.trim().parse().unwrap_or(codes::SYSTEM_ERROR);
    let reason = if code == codes::QUOTA_EXCEEDED {
        let quota = inner.limits.read().daily_quota;
        format!("exceed quota, quota: {quota}, have acked: {quota}")
    } else {
        format!("fault injection: {}", description_of(code))
    };
    Err(Halt::Refuse(MiError::new(code, reason)))
}

/// The request's package, its targets' count, then the message itself.
fn validate_request(form: &Form, app: &VendorApp, ex: &Exchange) -> Result<Message, MiError> {
    check_packages(form, app, ex.path.contains("/v2/"))?;
    if ex.tokens.is_empty() {
        return Err(MiError::new(
            codes::MISSING_PARAMETER,
            "registration_id is required",
        ));
    }
    if ex.tokens.len() > MAX_REGIDS {
        return Err(MiError::new(
            codes::ILLEGAL_PARAMETER,
            format!("at most {MAX_REGIDS} registration ids per request"),
        ));
    }
    validate(form, ex.now.millis())
}

/// Package: v3 accepts a comma-separated list; each must be the app's.
fn check_packages(form: &Form, app: &VendorApp, v2: bool) -> Result<(), MiError> {
    let Some(packages) = form
        .get("restricted_package_name")
        .filter(|p| !p.trim().is_empty())
    else {
        return Err(MiError::new(
            codes::MISSING_PARAMETER,
            "restricted_package_name is required",
        ));
    };
    let packages: Vec<&str> = packages.split(',').map(str::trim).collect();
    if (v2 && packages.len() != 1) || packages.iter().any(|p| *p != app.package) {
        return Err(MiError::new(
            codes::ILLEGAL_PACKAGE,
            format!("Invalid package name: {}", packages.join(",")),
        ));
    }
    Ok(())
}

/// The regIds Mi knows for this app, and the others. A regId of another
/// app is as unknown as a made-up one. With no valid target at all Mi
/// answers 20301 "No valid targets!" (as widely reported by Mi users); when
/// some are valid the send succeeds and the others are listed in
/// `data.bad_regids` (the key name the push-xiaomi client reads;
/// UNCONFIRMED).
fn targets<'t>(
    inner: &Inner,
    app: &VendorApp,
    tokens: &'t [String],
) -> Result<(Vec<&'t str>, Vec<&'t str>), MiError> {
    let (good, bad): (Vec<&str>, Vec<&str>) = tokens.iter().map(String::as_str).partition(|t| {
        inner
            .services
            .gateway
            .lookup(VendorId::Xiaomi, t)
            .is_some_and(|r| r.package == app.package)
    });
    if good.is_empty() {
        let refusal = MiError::new(codes::SEND_FAILED, "No valid targets!");
        let foreign = tokens
            .iter()
            .any(|t| token_of_another_package(&inner.services, VendorId::Xiaomi, t, &app.package));
        return Err(if foreign {
            refusal.meaning(Diagnosis::VendorPackageMismatch)
        } else {
            refusal
        });
    }
    Ok((good, bad))
}

/// Frequency control per app and per regId, then the app's daily quota
/// (counted per regId reached).
fn quota(inner: &Inner, app_id: &str, good: &[&str], now: Timestamp) -> Result<(), MiError> {
    let counters = inner.counters.read();
    if let Some(app_rate) = &counters.app {
        if !app_rate.hit(app_id, now) {
            return Err(MiError::new(
                codes::TOO_FREQUENT,
                "The API is called too frequently",
            ));
        }
    }
    for t in good {
        if !counters.device.hit(&format!("{app_id}\n{t}"), now) {
            return Err(MiError::new(
                codes::TOO_FREQUENT,
                "Too many messages to the same device in a short time",
            ));
        }
    }
    let quota = inner.limits.read().daily_quota;
    counters
        .daily
        .hit(app_id, now, good.len() as u64, quota)
        .map_err(|acked| {
            MiError::new(
                codes::QUOTA_EXCEEDED,
                format!("exceed quota, quota: {quota}, have acked: {acked}"),
            )
        })
}

/// Accepts the send: logs it, journals and delivers it to each known
/// regId, and answers with the message id (and the unknown regIds).
fn accept(
    inner: &Inner,
    ex: &Exchange,
    app: &VendorApp,
    message: &Message,
    form: &Form,
    good: &[&str],
    bad: &[&str],
) -> Response {
    let vendor_message_id = new_message_id(&inner.services);
    ex.log(200, true, "0", "Success");
    for t in good {
        ex.journal_accepted(&vendor_message_id, t);
        // Pass-through messages go to the app's own process, which is gone
        // in the offline case; nothing is shown (IM uses notification-bar
        // messages only).
        if !message.pass_through {
            inner.services.gateway.deliver(instruction(
                &ex.message_id,
                &vendor_message_id,
                &app.package,
                t,
                message,
                form,
            ));
        }
    }
    let mut data = json!({ "id": vendor_message_id });
    if !bad.is_empty() {
        data["bad_regids"] = Value::String(bad.join(","));
    }
    json_answer(
        StatusCode::OK,
        &json!({
            "result": "ok",
            "trace_id": trace_id(),
            "code": 0,
            "data": data,
            "description": description_of(0),
            "info": format!("Received push messages for {} REGID", good.len()),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::common::test_services;
    use crate::push::EndpointState;

    fn inner() -> Arc<Inner> {
        super::super::Xiaomi::new(test_services()).inner
    }

    fn form(body: &str) -> Form {
        Form::parse(body.as_bytes())
    }

    #[test]
    fn validate_refuses_a_notification_without_title_as_missing_parameter() {
        let e = validate(&form("description=d"), 0).err().unwrap();
        assert_eq!(e.code, codes::MISSING_PARAMETER);
        assert!(e.reason.contains("title"), "{}", e.reason);
    }

    #[test]
    fn validate_refuses_effect_2_without_an_intent_uri() {
        let e = validate(&form("title=t&description=d&extra.notify_effect=2"), 0)
            .err()
            .unwrap();
        assert_eq!(e.code, codes::MISSING_PARAMETER);
        assert!(validate(&form("title=t&description=d"), 0).is_ok());
    }

    #[test]
    fn validate_counts_custom_extras_only() {
        let custom: String = (0..=MAX_CUSTOM_EXTRAS)
            .map(|i| format!("&extra.k{i}=v"))
            .collect();
        let e = validate(&form(&format!("title=t&description=d{custom}")), 0)
            .err()
            .unwrap();
        assert_eq!(e.code, codes::TOO_MANY_EXTRAS);
        let system = "&extra.notify_effect=1&extra.channel_id=c";
        assert!(validate(&form(&format!("title=t&description=d{system}")), 0).is_ok());
    }

    #[test]
    fn quota_refuses_the_send_past_the_daily_quota() {
        let inner = inner();
        let mut limits = inner.current_limits();
        limits.daily_quota = 2;
        inner.install_limits(limits);
        let now = inner.services.clock.now();
        assert!(quota(&inner, "app", &["a"], now).is_ok());
        assert!(quota(&inner, "app", &["b"], now).is_ok());
        let e = quota(&inner, "app", &["c"], now).unwrap_err();
        assert_eq!(e.code, codes::QUOTA_EXCEEDED);
        assert_eq!(e.reason, "exceed quota, quota: 2, have acked: 2");
        assert!(quota(&inner, "other", &["c"], now).is_ok());
    }

    #[test]
    fn quota_refuses_a_burst_to_one_regid_as_too_frequent() {
        let inner = inner();
        let now = inner.services.clock.now();
        let per_second = inner.current_limits().device_per_second;
        for _ in 0..per_second {
            assert!(quota(&inner, "app", &["t"], now).is_ok());
        }
        let e = quota(&inner, "app", &["t"], now).unwrap_err();
        assert_eq!(e.code, codes::TOO_FREQUENT);
    }
}
