//! The simulated vivo server: `/message/auth`, `/message/send`, the group
//! push (`saveListPayload` then `pushToList`) and the push to all. Business
//! errors are HTTP 200 with vivo's `result`; each handler is the list of its
//! stages, and a stage that refuses ends the request with vivo's answer.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{json, Map, Value};

use super::delivery::display_instruction;
use super::message::{parse_message, parse_payload, Fields, Message};
use super::{auth_sign, code_desc, codes, Credentials, Inner, IssuedToken, VivoError};
use super::{
    ALL_PATH, AUTH_PATH, INTERNAL_ERROR_TEXT, PUSH_TO_LIST_PATH, SAVE_LIST_PAYLOAD_PATH, SEND_PATH,
    TIMESTAMP_WINDOW_MS, TOKEN_LIFETIME,
};
use crate::diagnosis::Diagnosis;
use crate::push::common::{
    fault_status, http_code, journal_fault, random_string, token_of_another_package, FaultKind,
};
use crate::push::{Credentials as AnyCredentials, RequestLog, Services, VendorApp, VendorId};
use crate::services::journal::{Event, MessageId};

/// vivo's API paths, each answering any method (a wrong one is refused).
pub(super) fn router(inner: Arc<Inner>) -> axum::Router {
    axum::Router::new()
        .route(AUTH_PATH, any(auth_handler))
        .route(SEND_PATH, any(send_handler))
        .route(SAVE_LIST_PAYLOAD_PATH, any(save_list_payload_handler))
        .route(PUSH_TO_LIST_PATH, any(push_to_list_handler))
        .route(ALL_PATH, any(all_handler))
        .with_state(inner)
}

/// A request as the handlers see it.
struct Req {
    method: Method,
    path: &'static str,
    headers: HeaderMap,
    /// The body as a JSON object, when it is one.
    body: Option<Map<String, Value>>,
}

impl Req {
    fn new(method: Method, path: &'static str, headers: HeaderMap, body: &Bytes) -> Req {
        let body = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        };
        Req {
            method,
            path,
            headers,
            body,
        }
    }
}

fn json_response(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// The `Drop` fault: the body fails after the headers, so hyper closes the
/// connection without completing the answer.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by fault injection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// vivo's documented internal-error answer.
fn internal_error(status: StatusCode) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        INTERNAL_ERROR_TEXT,
    )
        .into_response()
}

impl Inner {
    fn log(
        &self,
        req: &Req,
        status: u16,
        code: i64,
        message: &str,
        tokens: Vec<String>,
        message_id: Option<MessageId>,
    ) {
        self.logs.push(RequestLog {
            at: self.services.clock.now(),
            method: req.method.to_string(),
            path: req.path.to_string(),
            http_status: status,
            accepted: code == codes::SUCCESS && status == 200,
            vendor_code: code.to_string(),
            message: message.to_string(),
            tokens,
            message_id,
        });
    }

    fn reject(&self, req: &Req, e: VivoError, tokens: Vec<String>) -> Response {
        let message_id = self.services.message_id_for(&req.headers, VendorId::Vivo);
        self.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Vivo,
                vendor_code: e.code.to_string(),
                message: e.desc.clone(),
                code: e.diagnosis(),
            },
        );
        self.log(req, 200, e.code, &e.desc, tokens, Some(message_id));
        json_response(e.body())
    }

    fn find_app(&self, app_id: &str) -> Option<(Arc<VendorApp>, Credentials)> {
        let cert = self.services.apps.find(
            VendorId::Vivo,
            |c| matches!(&c.credentials, AnyCredentials::Vivo(v) if v.app_id.trim() == app_id),
        )?;
        match &cert.credentials {
            AnyCredentials::Vivo(v) => {
                let v = v.clone();
                Some((cert, v))
            }
            _ => None,
        }
    }

    /// The app of the request's `authToken` header.
    fn authenticate(&self, req: &Req) -> Result<(Arc<VendorApp>, String), VivoError> {
        if req.method != Method::POST {
            return Err(VivoError::with(codes::BODY_INVALID, "POST only"));
        }
        let token = req
            .headers
            .get("authToken")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| VivoError::with(codes::AUTH_FAILED, "authToken header missing"))?;
        let issued = self
            .tokens
            .lock()
            .get(token)
            .cloned()
            .ok_or_else(|| VivoError::new(codes::AUTH_FAILED))?;
        if self.services.clock.now() >= issued.expires_at {
            return Err(VivoError::with(codes::AUTH_FAILED, "authToken expired"));
        }
        let (cert, _) = self
            .find_app(&issued.app_id)
            .ok_or_else(|| VivoError::new(codes::AUTH_FAILED))?;
        Ok((cert, issued.app_id))
    }

    /// Journals an accepted push to `reg_id` and hands it to its device.
    fn accept(
        &self,
        cert: &VendorApp,
        reg_id: &str,
        m: &Message,
        task_id: &str,
        message_id: &MessageId,
    ) {
        self.services.journal.append(
            Some(message_id),
            None,
            Event::EndpointAccepted {
                vendor: VendorId::Vivo,
                vendor_message_id: task_id.to_string(),
                token: reg_id.to_string(),
            },
        );
        self.services.gateway.deliver(display_instruction(
            message_id.clone(),
            &cert.package,
            reg_id,
            m,
        ));
    }

    /// Whether `reg_id` belongs to a device of this app.
    fn knows(&self, cert: &VendorApp, reg_id: &str) -> bool {
        self.services
            .gateway
            .lookup(VendorId::Vivo, reg_id)
            .is_some_and(|r| r.package == cert.package)
    }

    /// Applies an injected fault; an `Err` answer ends the request.
    async fn fault(&self, req: &Req, tokens: &[String]) -> Result<(), Response> {
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        match self.faults.take(&refs) {
            None => Ok(()),
            Some(FaultKind::Latency { millis }) => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                Ok(())
            }
            Some(FaultKind::ErrorCode { code }) => {
                let code = code.trim().parse::<i64>().unwrap_or(codes::BODY_INVALID);
                let mut e = VivoError::new(code);
                if code == codes::INVALID_REG_ID {
                    e.invalid_user = tokens.first().cloned();
                }
                Err(self.reject(req, e, tokens.to_vec()))
            }
            Some(FaultKind::ServerError { status }) => {
                Err(self.server_error(req, fault_status(status), tokens))
            }
            Some(FaultKind::Drop) => {
                let message_id = self.services.message_id_for(&req.headers, VendorId::Vivo);
                journal_fault(
                    &self.services,
                    &message_id,
                    VendorId::Vivo,
                    "transport",
                    "connection dropped",
                );
                self.log(
                    req,
                    0,
                    -1,
                    "connection dropped",
                    tokens.to_vec(),
                    Some(message_id),
                );
                Err(dropped_connection())
            }
        }
    }

    /// An injected server error: journaled, logged and answered with vivo's
    /// plain-text internal error.
    fn server_error(&self, req: &Req, status: StatusCode, tokens: &[String]) -> Response {
        let message_id = self.services.message_id_for(&req.headers, VendorId::Vivo);
        self.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Vivo,
                vendor_code: http_code(status.as_u16()),
                message: INTERNAL_ERROR_TEXT.into(),
                code: Diagnosis::DeliveryTimeout,
            },
        );
        self.log(
            req,
            status.as_u16(),
            -1,
            INTERNAL_ERROR_TEXT,
            tokens.to_vec(),
            Some(message_id),
        );
        internal_error(status)
    }

    /// Logs a success (code 0) with vivo's "request succeeded" text.
    fn log_success(&self, req: &Req, tokens: Vec<String>, message_id: Option<MessageId>) {
        self.log(
            req,
            200,
            codes::SUCCESS,
            code_desc(codes::SUCCESS),
            tokens,
            message_id,
        );
    }
}

/// A JSON value as the text vivo compares (numbers and strings alike).
fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

async fn auth_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, AUTH_PATH, headers, &body);
    match auth(&s, &req) {
        Ok(token) => {
            s.log_success(&req, Vec::new(), None);
            json_response(
                json!({"result": 0, "desc": code_desc(codes::SUCCESS), "authToken": token}),
            )
        }
        Err(e) => s.reject(&req, e, Vec::new()),
    }
}

fn auth(s: &Inner, req: &Req) -> Result<String, VivoError> {
    if req.method != Method::POST {
        return Err(VivoError::with(codes::BODY_INVALID, "POST only"));
    }
    // A body that is not a JSON object reads as one without fields.
    let empty = Map::new();
    let body = req.body.as_ref().unwrap_or(&empty);
    let app_id = text_of(body.get("appId")).ok_or_else(|| VivoError::new(codes::APP_ID_EMPTY))?;
    let app_key =
        text_of(body.get("appKey")).ok_or_else(|| VivoError::new(codes::APP_KEY_EMPTY))?;
    let timestamp =
        text_of(body.get("timestamp")).ok_or_else(|| VivoError::new(codes::TIMESTAMP_EMPTY))?;
    let sign = text_of(body.get("sign")).ok_or_else(|| VivoError::new(codes::SIGN_EMPTY))?;
    let (_, creds) = s
        .find_app(&app_id)
        .ok_or_else(|| VivoError::new(codes::APP_ID_INVALID))?;
    if creds.app_key.trim() != app_key {
        return Err(VivoError::new(codes::APP_KEY_INVALID));
    }
    let now = s.services.clock.now();
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| VivoError::with(codes::TIMESTAMP_INVALID, "not a millisecond timestamp"))?;
    if ts.abs_diff(now.millis()) > TIMESTAMP_WINDOW_MS.unsigned_abs() {
        return Err(VivoError::with(
            codes::TIMESTAMP_INVALID,
            "not within 10 minutes of server time",
        ));
    }
    if sign != auth_sign(&app_id, &app_key, &timestamp, &creds.app_secret) {
        return Err(VivoError::new(codes::SIGN_INVALID));
    }
    if !s.quotas.read().auth_per_second.hit(&app_id, now) {
        return Err(VivoError::new(codes::AUTH_TOO_FREQUENT));
    }
    let token = random_string(40, b"abcdefghijklmnopqrstuvwxyz0123456789");
    s.tokens.lock().insert(
        token.clone(),
        IssuedToken {
            app_id,
            expires_at: now.plus(TOKEN_LIFETIME),
        },
    );
    Ok(token)
}

/// The result of a handler: either way, the answer to send.
type Answer = Result<Response, Response>;

/// Answers a handler's result, whichever way it went.
fn answer(result: Answer) -> Response {
    result.unwrap_or_else(|refusal| refusal)
}

async fn send_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, SEND_PATH, headers, &body);
    answer(send(&s, &req).await)
}

/// auth → faults → validate, target and quota → accept.
async fn send(s: &Inner, req: &Req) -> Answer {
    let tokens: Vec<String> = req
        .body
        .as_ref()
        .and_then(|b| text_of(b.get("regId")).or_else(|| text_of(b.get("alias"))))
        .into_iter()
        .collect();
    let refuse = |e| s.reject(req, e, tokens.clone());
    let (cert, app_id) = s.authenticate(req).map_err(refuse)?;
    s.fault(req, &tokens).await?;
    let m = check_send(s, req, &cert, &app_id).map_err(refuse)?;
    let message_id = s.services.message_id_for(&req.headers, VendorId::Vivo);
    let task_id = new_task_id(&s.services);
    s.accept(&cert, &m.target, &m, &task_id, &message_id);
    s.log_success(req, tokens, Some(message_id));
    Ok(json_response(success(&task_id)))
}

/// The message of a `/message/send`, to a known regId and within quota.
fn check_send(s: &Inner, req: &Req, cert: &VendorApp, app_id: &str) -> Result<Message, VivoError> {
    let body = app_body(req, app_id)?;
    let m = parse_message(body)?;
    // Aliases are not simulated (pushlab devices register regIds): an
    // alias is an unknown target like an unknown regId.
    let is_reg_id = text_of(body.get("regId")).is_some();
    if !(is_reg_id && s.knows(cert, &m.target)) {
        let mut e = VivoError::new(codes::INVALID_REG_ID);
        e.invalid_user = Some(m.target.clone());
        if is_reg_id
            && token_of_another_package(&s.services, VendorId::Vivo, &m.target, &cert.package)
        {
            e.meaning = Some(crate::diagnosis::Diagnosis::VendorPackageMismatch);
        }
        return Err(e);
    }
    s.quotas
        .read()
        .clone()
        .check_send(app_id, &m.target, m.system, s.services.clock.now())
        .map_err(VivoError::new)?;
    Ok(m)
}

/// The request's JSON body, after checking that its `appId` is the token's.
fn app_body<'a>(req: &'a Req, app_id: &str) -> Result<&'a Map<String, Value>, VivoError> {
    let body = req
        .body
        .as_ref()
        .ok_or_else(|| VivoError::with(codes::BODY_INVALID, "body is not a JSON object"))?;
    if text_of(body.get("appId")).as_deref() != Some(app_id) {
        return Err(VivoError::new(codes::APP_ID_MISMATCH));
    }
    Ok(body)
}

/// vivo task ids are decimal numbers written as strings.
fn new_task_id(services: &Services) -> String {
    (100_000_000 + services.next_id()).to_string()
}

fn success(task_id: &str) -> Value {
    json!({"result": 0, "desc": code_desc(codes::SUCCESS), "taskId": task_id})
}

/// A group or full push needs a `requestId` too.
fn require_request_id(body: &Map<String, Value>) -> Result<(), VivoError> {
    Fields(body)
        .string("requestId", codes::REQUEST_ID_INVALID)?
        .ok_or_else(|| VivoError::with(codes::REQUEST_ID_INVALID, "requestId is required"))?;
    Ok(())
}

/// Counts one call against a daily per-app limit (`kind` names the counter).
fn daily_quota(
    s: &Inner,
    kind: &str,
    app_id: &str,
    limit: impl Fn(&super::Limits) -> u64,
    code: i64,
) -> Result<(), VivoError> {
    let quotas = s.quotas.read().clone();
    quotas
        .check_daily(
            kind,
            app_id,
            limit(&quotas.limits),
            code,
            s.services.clock.now(),
        )
        .map_err(VivoError::new)
}

/// `/message/saveListPayload`: validates and keeps a group body; answers
/// its `taskId`.
async fn save_list_payload_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, SAVE_LIST_PAYLOAD_PATH, headers, &body);
    match save_list_payload(&s, &req) {
        Err(e) => s.reject(&req, e, Vec::new()),
        Ok(task_id) => {
            s.log_success(&req, Vec::new(), None);
            json_response(success(&task_id))
        }
    }
}

/// auth → validate → daily quota → save.
fn save_list_payload(s: &Inner, req: &Req) -> Result<String, VivoError> {
    let (_, app_id) = s.authenticate(req)?;
    let body = app_body(req, &app_id)?;
    let m = parse_payload(body, String::new())?;
    daily_quota(
        s,
        "list",
        &app_id,
        |l| l.list_payloads_daily_per_app,
        codes::LIST_PAYLOAD_LIMIT,
    )?;
    let task_id = new_task_id(&s.services);
    s.payloads.lock().insert(task_id.clone(), (app_id, m));
    Ok(task_id)
}

/// `/message/pushToList`: `{appId, regIds: [2..1000], taskId, requestId}`.
/// Unknown regIds are listed in `invalidUsers`; the known ones get the push.
async fn push_to_list_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, PUSH_TO_LIST_PATH, headers, &body);
    answer(push_to_list(&s, &req).await)
}

/// auth → faults → the saved payload → each regId.
async fn push_to_list(s: &Inner, req: &Req) -> Answer {
    let reg_ids: Vec<String> = req
        .body
        .as_ref()
        .and_then(|b| b.get("regIds"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| text_of(Some(v))).collect())
        .unwrap_or_default();
    let refuse = |e| s.reject(req, e, reg_ids.clone());
    let (cert, app_id) = s.authenticate(req).map_err(refuse)?;
    s.fault(req, &reg_ids).await?;
    let (task_id, m) = saved_payload(s, req, &app_id, &reg_ids).map_err(refuse)?;
    let message_id = s.services.message_id_for(&req.headers, VendorId::Vivo);
    let invalid = deliver_to_list(s, &cert, &app_id, &m, &reg_ids, &task_id, &message_id)
        .map_err(|code| refuse(VivoError::new(code)))?;
    s.log_success(req, reg_ids, Some(message_id));
    let mut answer = success(&task_id);
    if !invalid.is_empty() {
        answer["invalidUsers"] = Value::Array(invalid);
    }
    Ok(json_response(answer))
}

/// The saved payload `taskId` names, if it is this app's, with a valid
/// list of 2 to 1000 regIds and a `requestId`.
fn saved_payload(
    s: &Inner,
    req: &Req,
    app_id: &str,
    reg_ids: &[String],
) -> Result<(String, Message), VivoError> {
    let body = app_body(req, app_id)?;
    if !matches!(body.get("regIds"), Some(Value::Array(_))) || !(2..=1000).contains(&reg_ids.len())
    {
        return Err(VivoError::with(codes::REG_IDS_INVALID, "2 to 1000 regIds"));
    }
    let task_id = text_of(body.get("taskId"))
        .ok_or_else(|| VivoError::with(codes::TASK_ID_INVALID, "taskId is required"))?;
    let (owner, m) = s
        .payloads
        .lock()
        .get(&task_id)
        .cloned()
        .ok_or_else(|| VivoError::with(codes::TASK_ID_INVALID, &task_id))?;
    if owner != app_id {
        return Err(VivoError::with(codes::TASK_ID_INVALID, &task_id));
    }
    require_request_id(body)?;
    Ok((task_id, m))
}

/// Accepts the payload for each known regId; the unknown ones come back as
/// `invalidUsers` entries. A quota refusal ends the call: vivo answers the
/// code for the request (`Err(code)`).
fn deliver_to_list(
    s: &Inner,
    cert: &VendorApp,
    app_id: &str,
    m: &Message,
    reg_ids: &[String],
    task_id: &str,
    message_id: &MessageId,
) -> Result<Vec<Value>, i64> {
    let quotas = s.quotas.read().clone();
    let now = s.services.clock.now();
    let mut invalid = Vec::new();
    for reg_id in reg_ids {
        if !s.knows(cert, reg_id) {
            invalid.push(json!({"status": 1, "userid": reg_id}));
            continue;
        }
        quotas.check_send(app_id, reg_id, m.system, now)?;
        let mut one = m.clone();
        one.target = reg_id.clone();
        s.accept(cert, reg_id, &one, task_id, message_id);
    }
    Ok(invalid)
}

/// `/message/all`: the message to every device of the app, once a day by
/// default.
async fn all_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, ALL_PATH, headers, &body);
    answer(push_to_all(&s, &req).await)
}

/// auth → faults → validate and daily quota → every device of the app.
async fn push_to_all(s: &Inner, req: &Req) -> Answer {
    let refuse = |e| s.reject(req, e, Vec::new());
    let (cert, app_id) = s.authenticate(req).map_err(refuse)?;
    s.fault(req, &[]).await?;
    let m = check_all(s, req, &app_id).map_err(refuse)?;
    let message_id = s.services.message_id_for(&req.headers, VendorId::Vivo);
    let task_id = new_task_id(&s.services);
    let targets: Vec<String> = s
        .services
        .gateway
        .registrations()
        .into_iter()
        .filter(|r| r.vendor == VendorId::Vivo && r.package == cert.package)
        .map(|r| r.token)
        .collect();
    for reg_id in &targets {
        let mut one = m.clone();
        one.target = reg_id.clone();
        s.accept(&cert, reg_id, &one, &task_id, &message_id);
    }
    s.log_success(req, targets, Some(message_id));
    Ok(json_response(success(&task_id)))
}

/// The payload of a push to all, with its `requestId`, within the daily
/// limit.
fn check_all(s: &Inner, req: &Req, app_id: &str) -> Result<Message, VivoError> {
    let body = app_body(req, app_id)?;
    let m = parse_payload(body, String::new())?;
    require_request_id(body)?;
    daily_quota(s, "all", app_id, |l| l.all_daily_per_app, codes::ALL_LIMIT)?;
    Ok(m)
}
