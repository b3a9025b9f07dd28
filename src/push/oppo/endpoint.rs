//! The simulated OPPO server: `/auth` and the notification APIs
//! (`unicast`, `unicast_batch`, `save_message_content`, `broadcast`). Every
//! answer is HTTP 200 with OPPO's `code`; each handler is the list of its
//! stages, and a stage that refuses ends the request with OPPO's answer.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{json, Map, Value};

use super::delivery::display_instruction;
use super::message::{parse_notification, Fields, Notification};
use super::{auth_sign, code_message, codes, Inner, IssuedToken, OppoError, SavedMessage};
use super::{
    AUTH_PATH, BATCH_MAX, BROADCAST_PATH, SAVE_MESSAGE_PATH, TIMESTAMP_WINDOW_MS, TOKEN_LIFETIME,
    UNICAST_BATCH_PATH, UNICAST_PATH,
};
use crate::diagnosis::Diagnosis;
use crate::push::common::{
    fault_status, http_code, journal_fault, random_string, token_of_another_package, FaultKind, HEX,
};
use crate::push::{Credentials as AnyCredentials, RequestLog, Services, VendorApp, VendorId};
use crate::services::clock::Timestamp;
use crate::services::journal::{Event, MessageId};

/// OPPO's API paths, each answering any method (a wrong one is code 12).
pub(super) fn router(inner: Arc<Inner>) -> axum::Router {
    axum::Router::new()
        .route(AUTH_PATH, any(auth_handler))
        .route(UNICAST_PATH, any(unicast_handler))
        .route(UNICAST_BATCH_PATH, any(unicast_batch_handler))
        .route(SAVE_MESSAGE_PATH, any(save_handler))
        .route(BROADCAST_PATH, any(broadcast_handler))
        .with_state(inner)
}

/// A request as the handlers see it.
struct Req {
    method: Method,
    path: &'static str,
    headers: HeaderMap,
    /// Form fields (first value wins).
    form: HashMap<String, String>,
    /// The body was not UTF-8.
    bad_encoding: bool,
}

impl Req {
    fn new(method: Method, path: &'static str, headers: HeaderMap, body: &Bytes) -> Req {
        let bad_encoding = std::str::from_utf8(body).is_err();
        let mut form = HashMap::new();
        if !bad_encoding {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).unwrap_or_default();
            for (k, v) in pairs {
                form.entry(k).or_insert(v);
            }
        }
        Req {
            method,
            path,
            headers,
            form,
            bad_encoding,
        }
    }

    fn field(&self, key: &str) -> Option<&str> {
        self.form
            .get(key)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn error_body(e: &OppoError) -> Value {
    json!({"code": e.code, "message": e.message})
}

fn success_body(data: Value) -> Value {
    json!({"code": codes::SUCCESS, "message": "Success", "data": data})
}

/// A response whose body fails after the headers: hyper then closes the
/// connection without completing the answer, which the client sees as a
/// transport error (the `Drop` fault).
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by fault injection",
        ))
    });
    Response::new(Body::from_stream(stream))
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

    /// Logs and journals a refusal, and answers it.
    fn reject(&self, req: &Req, e: OppoError, tokens: Vec<String>, journal: bool) -> Response {
        let message_id =
            journal.then(|| self.services.message_id_for(&req.headers, VendorId::Oppo));
        if let Some(id) = &message_id {
            self.services.journal.append(
                Some(id),
                None,
                Event::EndpointRejected {
                    vendor: VendorId::Oppo,
                    vendor_code: e.code.to_string(),
                    message: e.message.clone(),
                    code: e.diagnosis(),
                },
            );
        }
        self.log(req, 200, e.code, &e.message, tokens, message_id);
        json_response(StatusCode::OK, error_body(&e))
    }

    fn find_app(&self, app_key: &str) -> Option<Arc<VendorApp>> {
        self.services.apps.find(
            VendorId::Oppo,
            |c| matches!(&c.credentials, AnyCredentials::Oppo(o) if o.app_key == app_key),
        )
    }

    /// The app of the request's `auth_token` (form field, else header).
    fn authenticate(&self, req: &Req) -> Result<(Arc<VendorApp>, String), OppoError> {
        let token = req
            .field("auth_token")
            .or_else(|| {
                req.headers
                    .get("auth_token")
                    .and_then(|v| v.to_str().ok())
                    .filter(|s| !s.is_empty())
            })
            .ok_or_else(|| OppoError::new(codes::MISSING_AUTH_TOKEN))?;
        let issued = self
            .tokens
            .lock()
            .get(token)
            .cloned()
            .ok_or_else(|| OppoError::new(codes::INVALID_AUTH_TOKEN))?;
        if self.services.clock.now() >= issued.expires_at {
            return Err(OppoError::with(
                codes::INVALID_AUTH_TOKEN,
                "auth_token expired",
            ));
        }
        let app = self
            .find_app(&issued.app_key)
            .ok_or_else(|| OppoError::new(codes::INVALID_AUTH_TOKEN))?;
        Ok((app, issued.app_key))
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
                let code = code
                    .trim()
                    .parse::<i64>()
                    .unwrap_or(codes::SERVICE_UNAVAILABLE);
                Err(self.reject(req, OppoError::new(code), tokens.to_vec(), true))
            }
            Some(FaultKind::ServerError { status }) => {
                Err(self.server_error(req, fault_status(status), tokens))
            }
            Some(FaultKind::Drop) => {
                let message_id = self.services.message_id_for(&req.headers, VendorId::Oppo);
                journal_fault(
                    &self.services,
                    &message_id,
                    VendorId::Oppo,
                    "transport",
                    "connection dropped",
                );
                self.log(
                    req,
                    0,
                    codes::SERVICE_UNAVAILABLE,
                    "connection dropped",
                    tokens.to_vec(),
                    Some(message_id),
                );
                Err(dropped_connection())
            }
        }
    }

    /// An injected server error: journaled, logged and answered with
    /// OPPO's -1 body under the HTTP status.
    fn server_error(&self, req: &Req, status: StatusCode, tokens: &[String]) -> Response {
        let message_id = self.services.message_id_for(&req.headers, VendorId::Oppo);
        let message = format!("HTTP {}", status.as_u16());
        self.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Oppo,
                vendor_code: http_code(status.as_u16()),
                message: message.clone(),
                code: Diagnosis::DeliveryTimeout,
            },
        );
        self.log(
            req,
            status.as_u16(),
            codes::SERVICE_UNAVAILABLE,
            &message,
            tokens.to_vec(),
            Some(message_id),
        );
        json_response(
            status,
            json!({"code": codes::SERVICE_UNAVAILABLE, "message": code_message(codes::SERVICE_UNAVAILABLE)}),
        )
    }

    /// Common checks of every authenticated call: method, encoding, token.
    fn precheck(&self, req: &Req) -> Result<(Arc<VendorApp>, String), OppoError> {
        if req.method != Method::POST {
            return Err(OppoError::new(codes::METHOD_NOT_ALLOWED));
        }
        if req.bad_encoding {
            return Err(OppoError::new(codes::INVALID_ENCODING));
        }
        self.authenticate(req)
    }

    /// Validates one unicast `message` object (target, notification, quota);
    /// the target and notification when OPPO would accept it.
    fn check_unicast(
        &self,
        app: &VendorApp,
        app_key: &str,
        m: &Map<String, Value>,
    ) -> Result<(String, Notification), OppoError> {
        let f = Fields(m);
        let target_type = f
            .int("target_type")?
            .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "target_type"))?;
        if target_type != 2 && target_type != 5 {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                format!("target_type {target_type} is not 2 (registration_id) or 5 (alias)"),
            ));
        }
        let target = f
            .non_empty("target_value")?
            .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "target_value"))?;
        let notification = match m.get("notification") {
            Some(Value::Object(n)) => parse_notification(n)?,
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(n)) => parse_notification(&n)?,
                _ => return Err(OppoError::with(codes::INVALID_ARGUMENT, "notification")),
            },
            None | Some(Value::Null) => {
                return Err(OppoError::with(codes::MISSING_ARGUMENT, "notification"))
            }
            Some(_) => return Err(OppoError::with(codes::INVALID_ARGUMENT, "notification")),
        };
        // Aliases are not simulated: pushlab devices register regIds, so an
        // alias is an unknown target like an unknown regId.
        let known = self
            .services
            .gateway
            .lookup(VendorId::Oppo, &target)
            .is_some_and(|r| r.package == app.package);
        if target_type == 5 || !known {
            let refusal = OppoError::with(codes::INVALID_REGISTRATION_ID, &target);
            if target_type != 5
                && token_of_another_package(&self.services, VendorId::Oppo, &target, &app.package)
            {
                return Err(refusal.meaning(crate::diagnosis::Diagnosis::VendorPackageMismatch));
            }
            return Err(refusal);
        }
        self.quotas
            .read()
            .clone()
            .check(
                app_key,
                &target,
                notification.is_public(),
                self.services.clock.now(),
            )
            .map_err(OppoError::new)?;
        Ok((target, notification))
    }

    /// Journals one accepted notification to `token` and hands it to the
    /// device that holds the token.
    fn accept(
        &self,
        app: &VendorApp,
        token: &str,
        n: &Notification,
        vendor_message_id: &str,
        message_id: &MessageId,
    ) {
        self.services.journal.append(
            Some(message_id),
            None,
            Event::EndpointAccepted {
                vendor: VendorId::Oppo,
                vendor_message_id: vendor_message_id.to_string(),
                token: token.to_string(),
            },
        );
        if let Some(reg) = self.services.gateway.lookup(VendorId::Oppo, token) {
            let package = if reg.package.is_empty() {
                &app.package
            } else {
                &reg.package
            };
            self.services.gateway.deliver(display_instruction(
                message_id.clone(),
                package,
                token,
                n,
            ));
        }
    }
}

fn new_message_id(services: &Services) -> String {
    // OPPO message ids are opaque strings; a hex prefix plus a counter keeps
    // them unique per hub.
    format!("{}-{}", random_string(8, HEX), services.next_id())
}

async fn auth_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, AUTH_PATH, headers, &body);
    match auth(&s, &req) {
        Ok((token, created)) => {
            s.log(&req, 200, codes::SUCCESS, "Success", Vec::new(), None);
            json_response(
                StatusCode::OK,
                success_body(json!({"auth_token": token, "create_time": created.millis()})),
            )
        }
        Err(e) => s.reject(&req, e, Vec::new(), true),
    }
}

fn auth(s: &Inner, req: &Req) -> Result<(String, Timestamp), OppoError> {
    if req.method != Method::POST {
        return Err(OppoError::new(codes::METHOD_NOT_ALLOWED));
    }
    if req.bad_encoding {
        return Err(OppoError::new(codes::INVALID_ENCODING));
    }
    let app_key = req
        .field("app_key")
        .ok_or_else(|| OppoError::new(codes::MISSING_APP_KEY))?;
    let app = s
        .find_app(app_key)
        .ok_or_else(|| OppoError::new(codes::INVALID_APP_KEY))?;
    let AnyCredentials::Oppo(creds) = &app.credentials else {
        return Err(OppoError::new(codes::INVALID_APP_KEY));
    };
    let timestamp = req
        .field("timestamp")
        .ok_or_else(|| OppoError::new(codes::MISSING_TIMESTAMP))?;
    let now = s.services.clock.now();
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| OppoError::with(codes::INVALID_TIMESTAMP, "not a millisecond timestamp"))?;
    if timestamp.len() != 13 || ts.abs_diff(now.millis()) > TIMESTAMP_WINDOW_MS.unsigned_abs() {
        return Err(OppoError::with(
            codes::INVALID_TIMESTAMP,
            "timestamp must be milliseconds within 10 minutes of server time",
        ));
    }
    let sign = req
        .field("sign")
        .ok_or_else(|| OppoError::new(codes::MISSING_SIGNATURE))?;
    if sign != auth_sign(app_key, timestamp, &creds.master_secret) {
        return Err(OppoError::new(codes::INVALID_SIGNATURE));
    }
    let token = uuid::Uuid::new_v4().to_string();
    s.tokens.lock().insert(
        token.clone(),
        IssuedToken {
            app_key: app_key.to_string(),
            expires_at: now.plus(TOKEN_LIFETIME),
        },
    );
    Ok((token, now))
}

/// The result of a handler: either way, the answer to send.
type Answer = Result<Response, Response>;

/// Answers a handler's result, whichever way it went.
fn answer(result: Answer) -> Response {
    result.unwrap_or_else(|refusal| refusal)
}

async fn unicast_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, UNICAST_PATH, headers, &body);
    answer(unicast(&s, &req).await)
}

/// precheck → read the message → faults → validate and quota → accept.
async fn unicast(s: &Inner, req: &Req) -> Answer {
    let (app, app_key) = s
        .precheck(req)
        .map_err(|e| s.reject(req, e, Vec::new(), true))?;
    // Read the message far enough to know its target before faults apply.
    let message = json_object_field(req, "message");
    let tokens: Vec<String> = message
        .as_ref()
        .ok()
        .and_then(|m| Fields(m).string("target_value").ok().flatten())
        .filter(|t| !t.is_empty())
        .into_iter()
        .collect();
    s.fault(req, &tokens).await?;
    let (target, n) = message
        .and_then(|m| s.check_unicast(&app, &app_key, &m))
        .map_err(|e| s.reject(req, e, tokens.clone(), true))?;
    let message_id = s.services.message_id_for(&req.headers, VendorId::Oppo);
    let vendor_message_id = new_message_id(&s.services);
    s.accept(&app, &target, &n, &vendor_message_id, &message_id);
    s.log(
        req,
        200,
        codes::SUCCESS,
        "Success",
        tokens,
        Some(message_id),
    );
    Ok(json_response(
        StatusCode::OK,
        success_body(json!({"messageId": vendor_message_id})),
    ))
}

/// The form field `key` as a JSON object.
fn json_object_field(req: &Req, key: &str) -> Result<Map<String, Value>, OppoError> {
    let text = req
        .form
        .get(key)
        .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, key))?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            format!("{key} is not a JSON object"),
        )),
    }
}

async fn save_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, SAVE_MESSAGE_PATH, headers, &body);
    match save(&s, &req) {
        // Refusals are not journaled: no push is under way yet.
        Err(e) => s.reject(&req, e, Vec::new(), false),
        Ok(id) => {
            s.log(&req, 200, codes::SUCCESS, "Success", Vec::new(), None);
            json_response(StatusCode::OK, success_body(json!({"message_id": id})))
        }
    }
}

/// precheck → read the notification from the form → save it; its id.
fn save(s: &Inner, req: &Req) -> Result<String, OppoError> {
    let (_app, app_key) = s.precheck(req)?;
    let fields: Map<String, Value> = req
        .form
        .iter()
        .filter(|(k, _)| k.as_str() != "auth_token")
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let notification = parse_notification(&fields)?;
    let id = new_message_id(&s.services);
    s.saved.lock().insert(
        id.clone(),
        SavedMessage {
            app_key,
            notification,
        },
    );
    Ok(id)
}

async fn broadcast_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, BROADCAST_PATH, headers, &body);
    answer(broadcast(&s, &req).await)
}

/// precheck → faults → the saved message → the targets → accept each.
async fn broadcast(s: &Inner, req: &Req) -> Answer {
    let (app, app_key) = s
        .precheck(req)
        .map_err(|e| s.reject(req, e, Vec::new(), true))?;
    // target_type 1 = every device of the app; 2 = regIds joined with `;`
    // (≤1000); other types (tags…) are not simulated. Values UNCONFIRMED.
    let listed: Vec<String> = req
        .field("target_value")
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    s.fault(req, &listed).await?;
    let refuse = |e| s.reject(req, e, listed.clone(), true);
    let (saved_id, saved) = saved_message(s, req, &app_key).map_err(refuse)?;
    let targets = broadcast_targets(s, req, &app, &listed).map_err(refuse)?;
    let message_id = s.services.message_id_for(&req.headers, VendorId::Oppo);
    let task_id = s.services.next_id().to_string();
    deliver_broadcast(s, &app, &app_key, &saved, &targets, &saved_id, &message_id);
    s.log(
        req,
        200,
        codes::SUCCESS,
        "Success",
        targets,
        Some(message_id),
    );
    Ok(json_response(
        StatusCode::OK,
        success_body(json!({"message_id": saved_id, "task_id": task_id})),
    ))
}

/// The saved message `message_id` names, if it is this app's.
fn saved_message(s: &Inner, req: &Req, app_key: &str) -> Result<(String, SavedMessage), OppoError> {
    let saved_id = req
        .field("message_id")
        .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "message_id"))?;
    let saved = s
        .saved
        .lock()
        .get(saved_id)
        .cloned()
        .filter(|m| m.app_key == app_key)
        .ok_or_else(|| OppoError::with(codes::DATA_NOT_EXIST, saved_id))?;
    Ok((saved_id.to_string(), saved))
}

/// The broadcast's targets: every device of the app (type 1) or the listed
/// regIds (type 2, at most 1000).
fn broadcast_targets(
    s: &Inner,
    req: &Req,
    app: &VendorApp,
    listed: &[String],
) -> Result<Vec<String>, OppoError> {
    let form: Map<String, Value> = req
        .form
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let target_type = Fields(&form)
        .int("target_type")?
        .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "target_type"))?;
    match target_type {
        1 => Ok(s
            .services
            .gateway
            .registrations()
            .into_iter()
            .filter(|r| r.vendor == VendorId::Oppo && r.package == app.package)
            .map(|r| r.token)
            .collect()),
        2 if listed.is_empty() => Err(OppoError::with(codes::MISSING_ARGUMENT, "target_value")),
        2 if listed.len() > 1000 => Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            "more than 1000 target_value",
        )),
        2 => Ok(listed.to_vec()),
        other => Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            format!("target_type {other} is not simulated (1 all, 2 registration ids)"),
        )),
    }
}

/// Accepts the saved message for each known target within quota. Unknown
/// regIds and quota refusals of single targets are left out silently: OPPO
/// reports them afterwards (receipts, invalid regId feedback), not in the
/// broadcast answer.
fn deliver_broadcast(
    s: &Inner,
    app: &VendorApp,
    app_key: &str,
    saved: &SavedMessage,
    targets: &[String],
    saved_id: &str,
    message_id: &MessageId,
) {
    let quotas = s.quotas.read().clone();
    let now = s.services.clock.now();
    for t in targets {
        let known = s
            .services
            .gateway
            .lookup(VendorId::Oppo, t)
            .is_some_and(|r| r.package == app.package);
        if known
            && quotas
                .check(app_key, t, saved.notification.is_public(), now)
                .is_ok()
        {
            s.accept(app, t, &saved.notification, saved_id, message_id);
        }
    }
}

/// `unicast_batch`: form `messages=[{target_type, target_value,
/// notification}…]`. The call as a whole answers code 0 once it is
/// authenticated and readable; each message's fate is an entry of `data`
/// (`messageId`, `registrationId`, and `errorCode`/`errorMessage` when that
/// message was refused).
async fn unicast_batch_handler(
    State(s): State<Arc<Inner>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, UNICAST_BATCH_PATH, headers, &body);
    answer(unicast_batch(&s, &req).await)
}

/// precheck → read the messages → faults → each message on its own.
async fn unicast_batch(s: &Inner, req: &Req) -> Answer {
    let (app, app_key) = s
        .precheck(req)
        .map_err(|e| s.reject(req, e, Vec::new(), true))?;
    let messages = batch_messages(req);
    let tokens: Vec<String> = messages
        .as_ref()
        .map(|v| {
            v.iter()
                .filter_map(|m| m.get("target_value").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    s.fault(req, &tokens).await?;
    let messages = messages.map_err(|e| s.reject(req, e, tokens.clone(), true))?;
    let message_id = s.services.message_id_for(&req.headers, VendorId::Oppo);
    let data: Vec<Value> = messages
        .iter()
        .map(|m| batch_entry(s, &app, &app_key, m, &message_id))
        .collect();
    s.log(
        req,
        200,
        codes::SUCCESS,
        "Success",
        tokens,
        Some(message_id),
    );
    Ok(json_response(
        StatusCode::OK,
        success_body(Value::Array(data)),
    ))
}

/// The `messages` form field: a JSON array of 1 to [`BATCH_MAX`] messages.
fn batch_messages(req: &Req) -> Result<Vec<Value>, OppoError> {
    let text = req
        .form
        .get("messages")
        .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "messages"))?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(v)) if v.is_empty() => {
            Err(OppoError::with(codes::MISSING_ARGUMENT, "messages"))
        }
        Ok(Value::Array(v)) if v.len() > BATCH_MAX => Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            format!("more than {BATCH_MAX} messages"),
        )),
        Ok(Value::Array(v)) => Ok(v),
        _ => Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            "messages is not a JSON array",
        )),
    }
}

/// One message of a batch, accepted or refused on its own; its entry of
/// the answer's `data`.
fn batch_entry(
    s: &Inner,
    app: &VendorApp,
    app_key: &str,
    m: &Value,
    message_id: &MessageId,
) -> Value {
    let target = m
        .get("target_value")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let checked = match m {
        Value::Object(obj) => s.check_unicast(app, app_key, obj),
        _ => Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            "message is not a JSON object",
        )),
    };
    match checked {
        Ok((target, n)) => {
            let vendor_message_id = new_message_id(&s.services);
            s.accept(app, &target, &n, &vendor_message_id, message_id);
            json!({"messageId": vendor_message_id, "registrationId": target})
        }
        Err(e) => {
            s.services.journal.append(
                Some(message_id),
                None,
                Event::EndpointRejected {
                    vendor: VendorId::Oppo,
                    vendor_code: e.code.to_string(),
                    message: e.message.clone(),
                    code: e.diagnosis(),
                },
            );
            json!({
                "messageId": "",
                "registrationId": target,
                "errorCode": e.code,
                "errorMessage": e.message,
            })
        }
    }
}
