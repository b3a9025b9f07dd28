//! The IM server's HTTP surface: TIM's REST API for backends, the device-side
//! calls the demo app makes, and the certificate/account admin API.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::model::{codes, SendMsg, TimError, TimResponse};
use super::{CertificateInput, ImServer, PushToken};
use crate::services::lines::json_lines;

/// Query string of TIM REST calls (`sdkappid`, `identifier`, `usersig`,
/// `random`, `contenttype`). The simulator accepts any credentials; the
/// identifier is the sender when `From_Account` is absent.
#[derive(Debug, Default, Deserialize)]
pub struct RestQuery {
    #[serde(default)]
    pub identifier: Option<String>,
}

/// Routes for backends (TIM REST) and for devices.
pub fn router(im: ImServer) -> Router {
    Router::new()
        .route("/v4/openim/sendmsg", post(sendmsg))
        .route("/v4/im_open_login_svc/account_import", post(account_import))
        .route("/im/v1/login", post(login))
        .route("/im/v1/logout", post(logout))
        .route("/im/v1/push-token", post(push_token))
        .route("/im/v1/connection", get(connection))
        .route(
            "/admin/v1/certificates",
            post(add_certificate).get(list_certificates),
        )
        .route("/admin/v1/certificates/{id}", delete(delete_certificate))
        .route("/admin/v1/accounts", post(add_account).get(list_accounts))
        .route("/admin/v1/accounts/{user}/kick", post(kick))
        .route("/admin/v1/tokens", get(list_tokens))
        .with_state(im)
}

fn tim(r: TimResponse) -> Response {
    Json(r).into_response()
}

async fn sendmsg(
    State(im): State<ImServer>,
    q: Result<Query<RestQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Response {
    let admin = q
        .ok()
        .and_then(|Query(q)| q.identifier)
        .unwrap_or_else(|| "administrator".to_string());
    let result = SendMsg::parse(&body, &admin).and_then(|m| im.send(m));
    match result {
        Ok(sent) => tim(TimResponse {
            msg_time: Some(sent.msg_time),
            msg_key: Some(sent.msg_key),
            message_id: Some(sent.message_id.0),
            ..TimResponse::ok()
        }),
        Err(e) => tim(TimResponse::fail(&e)),
    }
}

async fn account_import(State(im): State<ImServer>, body: Bytes) -> Response {
    let user = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("UserID")
                .or_else(|| v.get("Identifier"))
                .and_then(|u| u.as_str())
                .map(str::to_string)
        });
    match user.filter(|u| !u.is_empty()) {
        Some(u) => {
            im.import_account(&u);
            tim(TimResponse::ok())
        }
        None => tim(TimResponse::fail(&TimError::new(
            codes::BAD_FIELD,
            "UserID is required",
        ))),
    }
}

/// A JSON body read by hand, so malformed input gets TIM's error shape.
fn parse_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, TimError> {
    serde_json::from_slice(body).map_err(|e| {
        let code = if serde_json::from_slice::<serde_json::Value>(body).is_err() {
            codes::JSON_PARSE
        } else {
            codes::BAD_FIELD
        };
        TimError::new(code, e.to_string())
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginReq {
    user: String,
    device: String,
}

async fn login(State(im): State<ImServer>, body: Bytes) -> Response {
    let req: LoginReq = match parse_body(&body) {
        Ok(r) => r,
        Err(e) => return tim(TimResponse::fail(&e)),
    };
    if req.user.is_empty() || req.device.is_empty() {
        return tim(TimResponse::fail(&TimError::new(
            codes::BAD_FIELD,
            "user and device must not be empty",
        )));
    }
    let session = im.login(&req.user, &req.device);
    Json(json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "session": session, "user": req.user}))
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionReq {
    session: String,
}

async fn logout(State(im): State<ImServer>, body: Bytes) -> Response {
    let req: SessionReq = match parse_body(&body) {
        Ok(r) => r,
        Err(e) => return tim(TimResponse::fail(&e)),
    };
    match im.logout(&req.session) {
        Ok(()) => tim(TimResponse::ok()),
        Err(e) => tim(TimResponse::fail(&e)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenReq {
    session: String,
    certificate_id: u64,
    token: String,
}

async fn push_token(State(im): State<ImServer>, body: Bytes) -> Response {
    let req: TokenReq = match parse_body(&body) {
        Ok(r) => r,
        Err(e) => return tim(TimResponse::fail(&e)),
    };
    let token = PushToken {
        certificate_id: req.certificate_id,
        token: req.token,
    };
    match im.report_token(&req.session, token) {
        Ok(()) => tim(TimResponse::ok()),
        Err(e) => tim(TimResponse::fail(&e)),
    }
}

#[derive(Deserialize)]
struct ConnectionQuery {
    session: String,
}

/// The online connection: chunked JSON lines for as long as the app's
/// process keeps the request open.
async fn connection(
    State(im): State<ImServer>,
    q: Result<Query<ConnectionQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return tim(TimResponse::fail(&TimError::new(
            codes::BAD_FIELD,
            "session is required",
        )));
    };
    match im.connect(&q.session) {
        Ok((rx, guard)) => (
            [(header::CONTENT_TYPE, "application/x-ndjson")],
            json_lines(rx, guard),
        )
            .into_response(),
        Err(e) => tim(TimResponse::fail(&e)),
    }
}

fn admin_error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

async fn add_certificate(State(im): State<ImServer>, body: Bytes) -> Response {
    match serde_json::from_slice::<CertificateInput>(&body) {
        Ok(input) => {
            let cert = im.save_certificate(input);
            let effective = cert.effective_at();
            let mut v = serde_json::to_value(&cert).unwrap_or_default();
            v["effective_at"] = json!(effective);
            v["vendor"] = json!(cert.vendor());
            (StatusCode::CREATED, Json(v)).into_response()
        }
        Err(e) => admin_error(StatusCode::BAD_REQUEST, format!("certificate: {e}")),
    }
}

async fn list_certificates(State(im): State<ImServer>) -> Response {
    Json(im.certificates()).into_response()
}

async fn delete_certificate(State(im): State<ImServer>, Path(id): Path<u64>) -> Response {
    if im.delete_certificate(id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        admin_error(StatusCode::NOT_FOUND, format!("no certificate {id}"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountReq {
    user: String,
}

async fn add_account(State(im): State<ImServer>, body: Bytes) -> Response {
    match serde_json::from_slice::<AccountReq>(&body) {
        Ok(r) if !r.user.is_empty() => {
            im.import_account(&r.user);
            StatusCode::CREATED.into_response()
        }
        Ok(_) => admin_error(StatusCode::BAD_REQUEST, "user must not be empty"),
        Err(e) => admin_error(StatusCode::BAD_REQUEST, format!("account: {e}")),
    }
}

async fn list_accounts(State(im): State<ImServer>) -> Response {
    Json(im.accounts()).into_response()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KickReq {
    #[serde(default)]
    by_device: Option<String>,
}

async fn kick(State(im): State<ImServer>, Path(user): Path<String>, body: Bytes) -> Response {
    let req: KickReq = if body.is_empty() {
        KickReq::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("kick: {e}")),
        }
    };
    let by = req.by_device.unwrap_or_else(|| "another-device".into());
    im.kick(&user, &by);
    StatusCode::NO_CONTENT.into_response()
}

async fn list_tokens(State(im): State<ImServer>) -> Response {
    Json(im.tokens()).into_response()
}
