//! The simulated HMS endpoints: the OAuth token server and the v1 send.
//!
//! The send handler is its list of stages: path → authenticate → faults →
//! validate → flow control → targets → accept; each stage refuses with an
//! [`HwError`], answered in HMS's shape by [`refuse`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::delivery::instruction;
use super::validate::{err, validate, HwError, Validated};
use super::{codes, diagnosis_for, http_status_of, message_of, Inner, Issued};
use crate::diagnosis::Diagnosis;
use crate::push::common::{random_string, token_of_another_package};
use crate::push::endpoint::{json_answer, Exchange, FaultWords, Halt};
use crate::push::{Credentials, RequestLog, Services, VendorApp, VendorId};
use crate::services::clock::Timestamp;
use crate::services::journal::Event;

// ---------------------------------------------------------------------------
// OAuth
// ---------------------------------------------------------------------------

/// A Huawei OAuth error. The shape `{"error":N,"sub_error":N,
/// "error_description":"…"}` with HTTP 400 is what Huawei's OAuth server
/// answers; the exact numbers per failure are UNCONFIRMED.
fn oauth_error(status: StatusCode, error: u32, sub_error: u32, description: &str) -> Response {
    json_answer(
        status,
        &json!({"sub_error": sub_error, "error_description": description, "error": error}),
    )
}

/// An access token in the shape of Huawei's (base64 text, about 130 chars).
fn new_access_token() -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    format!("CgB6e3x9{}=", random_string(120, B64))
}

/// An OAuth refusal: HTTP status, `error`, `sub_error`, description.
struct OauthRefusal(StatusCode, u32, u32, &'static str);

pub(super) async fn handle_token(
    State(inner): State<Arc<Inner>>,
    OriginalUri(uri): OriginalUri,
    body: Bytes,
) -> Response {
    let now = inner.services.clock.now();
    let log = |status: StatusCode, accepted: bool, code: &str, message: &str| {
        inner.logs.push(RequestLog {
            at: now,
            method: "POST".into(),
            path: uri.path().to_string(),
            http_status: status.as_u16(),
            accepted,
            vendor_code: code.to_string(),
            message: message.to_string(),
            tokens: vec![],
            message_id: None,
        });
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match token_client(&inner, &form, now) {
        Ok(client_id) => {
            let (token, lifetime) = issue_token(&inner, client_id, now);
            log(StatusCode::OK, true, "0", "token issued");
            json_answer(
                StatusCode::OK,
                &json!({"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}),
            )
        }
        Err(OauthRefusal(status, error, sub, description)) => {
            log(status, false, &error.to_string(), description);
            oauth_error(status, error, sub, description)
        }
    }
}

/// The client a token request authenticates: the grant, the client id and
/// secret of an app in the console, within the token rate (1000 per 5
/// minutes per app; then refused until the window resets, answered, in a
/// form that is UNCONFIRMED, as HTTP 429 in the OAuth error shape).
fn token_client<'f>(
    inner: &Inner,
    form: &'f HashMap<String, String>,
    now: Timestamp,
) -> Result<&'f str, OauthRefusal> {
    let get = |k: &str| form.get(k).map(String::as_str).filter(|s| !s.is_empty());
    let bad =
        |error, sub, description| OauthRefusal(StatusCode::BAD_REQUEST, error, sub, description);
    let Some(grant) = get("grant_type") else {
        return Err(bad(1102, 20001, "missing required parameter: grant_type"));
    };
    if grant != "client_credentials" {
        return Err(bad(1102, 20003, "unsupported grant_type"));
    }
    let client_id = get("client_id")
        .ok_or_else(|| bad(1102, 20001, "missing required parameter: client_id"))?;
    let secret = get("client_secret")
        .ok_or_else(|| bad(1102, 20001, "missing required parameter: client_secret"))?;
    let Some(app) = app_of(inner, client_id) else {
        return Err(bad(1101, 20068, "invalid client"));
    };
    if !matches!(&app.credentials, Credentials::Huawei(h) if h.client_secret == secret) {
        return Err(bad(1101, 20068, "invalid client secret"));
    }
    if !inner.counters.read().tokens.hit(client_id, now) {
        return Err(OauthRefusal(
            StatusCode::TOO_MANY_REQUESTS,
            1203,
            11205,
            "the number of access tokens requested exceeds the limit",
        ));
    }
    Ok(client_id)
}

/// Issues a new access token for `client_id`: the token and its lifetime.
fn issue_token(inner: &Inner, client_id: &str, now: Timestamp) -> (String, u64) {
    let lifetime = inner.limits.read().token_lifetime_secs;
    let token = new_access_token();
    let mut issued = inner.issued.lock();
    // Forget expired tokens now and then so the table stays small.
    if issued.len() >= 4096 {
        issued.retain(|_, i| i.expires_at > now);
    }
    issued.insert(
        token.clone(),
        Issued {
            app_id: client_id.to_string(),
            expires_at: now.plus(Duration::from_secs(lifetime)),
        },
    );
    (token, lifetime)
}

/// The console's app with this app id.
fn app_of(inner: &Inner, app_id: &str) -> Option<Arc<VendorApp>> {
    inner.services.apps.find(
        VendorId::Huawei,
        |c| matches!(&c.credentials, Credentials::Huawei(h) if h.app_id == app_id),
    )
}

// ---------------------------------------------------------------------------
// Send
// ---------------------------------------------------------------------------

/// An HMS request id: digits, like `160398567184071545006401`.
fn new_request_id(services: &Services) -> String {
    format!(
        "{:013}{:011}",
        services.clock.now().millis().rem_euclid(10_000_000_000_000),
        services.next_id() % 100_000_000_000
    )
}

fn hms_json(status: StatusCode, code: &str, msg: &str, request_id: &str) -> Response {
    json_answer(
        status,
        &json!({"code": code, "msg": msg, "requestId": request_id}),
    )
}

/// The one place a refusal becomes HMS's answer: the code's HTTP status
/// and `{code, msg, requestId}`, logged and journaled with the reason.
fn refuse(ex: &Exchange, request_id: &str, e: HwError) -> Response {
    let status = http_status_of(e.code);
    ex.log(status.as_u16(), false, e.code, &e.reason);
    let diagnosis = e.diagnosis.unwrap_or_else(|| diagnosis_for(e.code));
    ex.journal_rejected(e.code, &e.reason, diagnosis);
    hms_json(status, e.code, message_of(e.code), request_id)
}

/// The tokens a body names, read before validation so that every log
/// entry lists them.
fn tokens_of(parsed: Option<&Value>) -> Vec<String> {
    parsed
        .and_then(|v| v["message"]["token"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) async fn handle_send(
    State(inner): State<Arc<Inner>>,
    Path((path_app_id, action)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut ex = Exchange::new(
        VendorId::Huawei,
        &inner.services,
        &inner.logs,
        &headers,
        uri.path(),
    );
    let request_id = new_request_id(&inner.services);
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    ex.tokens = tokens_of(parsed.as_ref());
    let send = SendCall {
        inner: &inner,
        ex: &ex,
        app_id: &path_app_id,
        request_id: &request_id,
    };
    match send.stages(&action, &headers, parsed, body.len()).await {
        Ok(answer) => answer,
        Err(halt) => halt.answer(|e| refuse(&ex, &request_id, e)),
    }
}

/// One send request and what every stage needs of it.
struct SendCall<'a> {
    inner: &'a Inner,
    ex: &'a Exchange<'a>,
    /// The app id of the path.
    app_id: &'a str,
    request_id: &'a str,
}

impl SendCall<'_> {
    /// The stages of a send, in HMS's order.
    async fn stages(
        &self,
        action: &str,
        headers: &HeaderMap,
        parsed: Option<Value>,
        raw_len: usize,
    ) -> Result<Response, Halt<HwError>> {
        self.known_action(action)?;
        let app = self.authenticate(headers)?;
        self.faults().await?;
        let parsed = parsed.ok_or_else(|| err(codes::ILLEGAL_PAYLOAD, "the body is not JSON"))?;
        let v = validate(&parsed, raw_len)?;
        self.flow_control(&v.tokens)?;
        let (good, bad) = self.targets(&app, &v.tokens)?;
        Ok(self.accept(&app, &v, &good, &bad))
    }

    /// Only `messages:send` is served; anything else is a 404, logged but
    /// not journaled (no message was refused).
    fn known_action(&self, action: &str) -> Result<(), Halt<HwError>> {
        if action == "messages:send" {
            return Ok(());
        }
        let status = StatusCode::NOT_FOUND;
        self.ex.log(status.as_u16(), false, "404", "unknown path");
        Err(Halt::answered(hms_json(
            status,
            codes::PARAMETER_ERROR,
            "Not Found",
            self.request_id,
        )))
    }

    /// OAuth: `Bearer <token>` issued for this app id, not expired, of an
    /// app in the console.
    fn authenticate(&self, headers: &HeaderMap) -> Result<Arc<VendorApp>, HwError> {
        let bearer = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| !t.is_empty());
        let issued = bearer.and_then(|t| self.inner.issued.lock().get(t).cloned());
        let Some(issued) = issued else {
            return Err(err(codes::OAUTH_FAILED, "missing or unknown access token"));
        };
        if issued.app_id != self.app_id {
            return Err(err(
                codes::OAUTH_FAILED,
                "the access token belongs to another app",
            ));
        }
        if self.ex.now >= issued.expires_at {
            return Err(err(codes::OAUTH_EXPIRED, "the access token has expired"));
        }
        app_of(self.inner, self.app_id).ok_or_else(|| err(codes::OAUTH_FAILED, "unknown app"))
    }

    /// Injected faults. Any injected code answers in HMS's shape, with
    /// "fault injection" as its message; one HMS does not list gets 400,
    /// as its unlisted parameter errors do.
    async fn faults(&self) -> Result<(), Halt<HwError>> {
        let words = FaultWords {
            server_error_logged: "fault injection",
            server_error_journaled: "fault injection: server error",
            dropped: "fault injection: connection dropped",
        };
        let server_error = |status: StatusCode| {
            let internal = codes::INTERNAL;
            hms_json(status, internal, message_of(internal), self.request_id)
        };
        let ex = self.ex;
        let Some(code) = ex
            .injected_fault(&self.inner.faults, &words, server_error)
            .await?
        else {
            return Ok(());
        };
        let code = code.trim();
        let status = http_status_of(code);
        ex.log(status.as_u16(), false, code, "fault injection");
        ex.journal_rejected(code, "fault injection", diagnosis_for(code));
        Err(Halt::answered(hms_json(
            status,
            code,
            "fault injection",
            self.request_id,
        )))
    }

    /// Flow control per app, then per device.
    fn flow_control(&self, tokens: &[String]) -> Result<(), HwError> {
        let now = self.ex.now;
        let counters = self.inner.counters.read();
        if counters
            .app
            .as_ref()
            .is_some_and(|w| !w.hit(self.app_id, now))
        {
            return Err(err(codes::FLOW_CONTROL, "app send rate over its QPS quota"));
        }
        if let Some(t) = tokens.iter().find(|t| !counters.device.hit(t, now)) {
            return Err(err(
                codes::FLOW_CONTROL,
                format!("too many messages to token {t} in a short time"),
            ));
        }
        Ok(())
    }

    /// The tokens HMS knows for this app, and the others; with none known
    /// the send is refused.
    fn targets<'t>(
        &self,
        app: &VendorApp,
        tokens: &'t [String],
    ) -> Result<(Vec<&'t String>, Vec<&'t String>), HwError> {
        let (good, bad): (Vec<&String>, Vec<&String>) = tokens.iter().partition(|t| {
            self.inner
                .services
                .gateway
                .lookup(VendorId::Huawei, t)
                .is_some_and(|r| r.package == app.package)
        });
        if !tokens.is_empty() && good.is_empty() {
            let refusal = err(codes::ALL_TOKENS_INVALID, "all the tokens are invalid");
            let foreign = tokens.iter().any(|t| {
                token_of_another_package(&self.inner.services, VendorId::Huawei, t, &app.package)
            });
            return Err(if foreign {
                refusal.meaning(crate::diagnosis::Diagnosis::VendorPackageMismatch)
            } else {
                refusal
            });
        }
        Ok((good, bad))
    }

    /// Accepts the send (80000000, or 80100000 listing the illegal tokens)
    /// and, unless it only validates, journals and delivers it to each
    /// known token.
    fn accept(
        &self,
        app: &VendorApp,
        v: &Validated,
        good: &[&String],
        bad: &[&String],
    ) -> Response {
        let (code, msg) = if bad.is_empty() {
            (codes::SUCCESS, message_of(codes::SUCCESS).to_string())
        } else {
            (
                codes::PARTIAL,
                json!({"success": good.len(), "failure": bad.len(), "illegal_tokens": bad})
                    .to_string(),
            )
        };
        self.ex.log(200, true, code, &msg);
        if !v.validate_only {
            for t in good {
                self.deliver(app, v, t);
            }
        }
        hms_json(StatusCode::OK, code, &msg, self.request_id)
    }

    /// Journals the acceptance for `token` and shows the notification, if
    /// any and within the marketing cap. Data messages go to the app's own
    /// process, which is gone in the offline case: nothing is displayed.
    fn deliver(&self, app: &VendorApp, v: &Validated, token: &str) {
        let ex = self.ex;
        ex.journal_accepted(self.request_id, token);
        let Some(n) = &v.notification else { return };
        if v.category.as_deref() == Some("MARKETING") && !self.within_marketing_cap(token) {
            return;
        }
        self.inner.services.gateway.deliver(instruction(
            &ex.message_id,
            &app.package,
            token,
            n,
            v.data.as_deref(),
        ));
    }

    /// Counts a news or marketing message to `token`; above the daily cap
    /// it is accepted but dropped, and the journal says why.
    fn within_marketing_cap(&self, token: &str) -> bool {
        let cap = self.inner.limits.read().marketing_per_device_daily;
        let counters = self.inner.counters.read();
        if counters.marketing.hit(token, self.ex.now, 1, cap).is_ok() {
            return true;
        }
        self.inner.services.journal.append(
            Some(&self.ex.message_id),
            None,
            Event::InstructionDropped {
                code: Diagnosis::VendorQuotaExceeded,
                detail: format!(
                    "news and marketing messages are limited to {cap} per device per day"
                ),
            },
        );
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::common::test_services;
    use crate::push::EndpointState;

    fn inner() -> Arc<Inner> {
        super::super::Huawei::new(test_services()).inner
    }

    fn with_call<T>(inner: &Inner, f: impl FnOnce(&SendCall) -> T) -> T {
        let ex = Exchange::new(
            VendorId::Huawei,
            &inner.services,
            &inner.logs,
            &HeaderMap::new(),
            "/v1/app/messages:send",
        );
        f(&SendCall {
            inner,
            ex: &ex,
            app_id: "app",
            request_id: "1",
        })
    }

    #[test]
    fn authenticate_refuses_an_unknown_bearer_token() {
        let inner = inner();
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer nope".parse().unwrap());
        let e = with_call(&inner, |c| c.authenticate(&headers)).unwrap_err();
        assert_eq!(e.code, codes::OAUTH_FAILED);
    }

    #[test]
    fn flow_control_refuses_past_the_app_rate() {
        let inner = inner();
        let mut limits = inner.current_limits();
        limits.app_per_second = Some(2);
        inner.install_limits(limits);
        let tokens = vec!["t".to_string()];
        with_call(&inner, |c| {
            assert!(c.flow_control(&tokens).is_ok());
            assert!(c.flow_control(&tokens).is_ok());
            let e = c.flow_control(&tokens).unwrap_err();
            assert_eq!(e.code, codes::FLOW_CONTROL);
            assert_eq!(e.reason, "app send rate over its QPS quota");
        });
    }

    #[test]
    fn the_marketing_cap_drops_the_message_past_the_daily_count() {
        let inner = inner();
        with_call(&inner, |c| {
            let cap = inner.current_limits().marketing_per_device_daily;
            for _ in 0..cap {
                assert!(c.within_marketing_cap("t"));
            }
            assert!(!c.within_marketing_cap("t"));
            assert!(c.within_marketing_cap("other"));
        });
    }
}
