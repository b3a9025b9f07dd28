//! Retrospection and control, in the spirit of LocalStack: reset, the clock,
//! the journal, and each vendor endpoint's requests, faults and limits.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::Hub;
use crate::push::common::Fault;
use crate::push::{Credentials, Vendor, VendorApp, VendorId};
use crate::services::journal::{MessageId, Query as JournalQuery};

pub fn router(hub: Hub) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/admin/v1/reset", post(reset))
        .route("/admin/v1/clock", get(clock))
        .route("/admin/v1/clock/advance", post(advance))
        .route("/admin/v1/vendors", get(vendors))
        .route("/admin/v1/vendors/{vendor}/requests", get(vendor_requests))
        .route(
            "/admin/v1/vendors/{vendor}/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route(
            "/admin/v1/vendors/{vendor}/limits",
            get(get_limits).put(set_limits),
        )
        .route("/admin/v1/vendors/{vendor}/reset", post(reset_vendor))
        .route(
            "/admin/v1/vendors/{vendor}/apps",
            get(list_apps).post(register_app).delete(unregister_apps),
        )
        .route("/journal", get(journal))
        .route("/journal/messages/{id}", get(journal_message))
        .with_state(hub)
}

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

async fn index(State(hub): State<Hub>) -> Response {
    let vendors: Vec<_> = hub
        .vendors
        .keys()
        .map(|v| json!({"vendor": v, "name": v.display_name(), "path": format!("/{}", v.name())}))
        .collect();
    Json(json!({
        "service": "pushlab hub",
        "clock": {"mode": hub.clock().mode(), "now": hub.clock().now().to_string()},
        "apis": {
            "im_rest": "/v4/openim/sendmsg",
            "im_device": "/im/v1/{login,logout,push-token,connection}",
            "gateway": "/gateway/v1/{register,stream,events,devices,registrations}",
            "admin": "/admin/v1/{reset,clock,certificates,accounts,tokens,vendors}",
            "journal": "/journal?message_id=&recipient=&since=",
        },
        "vendors": vendors,
    }))
    .into_response()
}

async fn reset(State(hub): State<Hub>) -> Response {
    hub.reset();
    StatusCode::NO_CONTENT.into_response()
}

async fn clock(State(hub): State<Hub>) -> Response {
    let now = hub.clock().now();
    Json(json!({"mode": hub.clock().mode(), "now": now, "iso": now.to_string()})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    #[serde(default)]
    seconds: Option<f64>,
    #[serde(default)]
    millis: Option<u64>,
}

async fn advance(State(hub): State<Hub>, body: Bytes) -> Response {
    let a: Advance = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("advance: {e}")),
    };
    let d = match (a.seconds, a.millis) {
        (Some(s), None) if Duration::try_from_secs_f64(s).is_ok() => Duration::from_secs_f64(s),
        (None, Some(ms)) => Duration::from_millis(ms),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "advance: give one of seconds (>= 0) or millis",
            )
        }
    };
    hub.clock().advance(d);
    let now = hub.clock().now();
    Json(json!({"now": now, "iso": now.to_string()})).into_response()
}

/// An admin error: answered as `{"error": ...}` with its status.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

fn vendor(hub: &Hub, name: &str) -> Result<std::sync::Arc<dyn Vendor>, ApiError> {
    let id: VendorId = name
        .parse()
        .map_err(|e: crate::push::UnknownVendor| ApiError(StatusCode::NOT_FOUND, e.to_string()))?;
    hub.vendors
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("vendor {id} is not served")))
}

async fn vendors(State(hub): State<Hub>) -> Response {
    let list: Vec<_> = hub
        .vendors
        .values()
        .map(|v| {
            let reqs = v.requests();
            json!({
                "vendor": v.id(),
                "name": v.id().display_name(),
                "hosts": v.hosts(),
                "accepted": reqs.iter().filter(|r| r.accepted).count(),
                "rejected": reqs.iter().filter(|r| !r.accepted).count(),
                "faults": v.faults().list(),
                "limits": v.limits(),
            })
        })
        .collect();
    Json(list).into_response()
}

#[derive(Deserialize)]
struct RequestFilter {
    #[serde(default)]
    accepted: Option<bool>,
}

async fn vendor_requests(
    State(hub): State<Hub>,
    Path(name): Path<String>,
    q: Result<Query<RequestFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let v = match vendor(&hub, &name) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let filter = q.ok().and_then(|Query(q)| q.accepted);
    let list: Vec<_> = v
        .requests()
        .into_iter()
        .filter(|r| filter.is_none_or(|a| r.accepted == a))
        .collect();
    Json(list).into_response()
}

async fn list_faults(State(hub): State<Hub>, Path(name): Path<String>) -> Response {
    match vendor(&hub, &name) {
        Ok(v) => Json(v.faults().list()).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn add_fault(State(hub): State<Hub>, Path(name): Path<String>, body: Bytes) -> Response {
    let v = match vendor(&hub, &name) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    match serde_json::from_slice::<Fault>(&body) {
        Ok(f) => {
            v.faults().add(f);
            (StatusCode::CREATED, Json(v.faults().list())).into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, format!("fault: {e}")),
    }
}

async fn clear_faults(State(hub): State<Hub>, Path(name): Path<String>) -> Response {
    match vendor(&hub, &name) {
        Ok(v) => {
            v.faults().clear();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn get_limits(State(hub): State<Hub>, Path(name): Path<String>) -> Response {
    match vendor(&hub, &name) {
        Ok(v) => Json(v.limits()).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn set_limits(State(hub): State<Hub>, Path(name): Path<String>, body: Bytes) -> Response {
    let v = match vendor(&hub, &name) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(x) => x,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("limits: {e}")),
    };
    match v.set_limits(value) {
        Ok(()) => Json(v.limits()).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, format!("limits: {e}")),
    }
}

async fn reset_vendor(State(hub): State<Hub>, Path(name): Path<String>) -> Response {
    match vendor(&hub, &name) {
        Ok(v) => {
            v.reset();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// An app as the vendor's developer console holds it, in the body of
/// `POST /admin/v1/vendors/{vendor}/apps`: the package and the credentials
/// in the vendor's own fields (as in a certificate).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppInput {
    package: String,
    credentials: serde_json::Map<String, serde_json::Value>,
}

/// The apps registered explicitly with the vendor (empty: the vendor takes
/// each saved certificate's values as its console's).
async fn list_apps(State(hub): State<Hub>, Path(name): Path<String>) -> Response {
    match vendor(&hub, &name) {
        Ok(v) => Json(hub.services.apps.registered(v.id())).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Registers (or replaces, by package) an app in the vendor's console. From
/// then on the vendor knows only its registered apps: a certificate whose
/// credentials or package differ is refused as the real vendor would.
async fn register_app(State(hub): State<Hub>, Path(name): Path<String>, body: Bytes) -> Response {
    let v = match vendor(&hub, &name) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let input: AppInput = match serde_json::from_slice(&body) {
        Ok(x) => x,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("app: {e}")),
    };
    if input.package.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "app: package must not be empty");
    }
    let credentials = match Credentials::from_fields(v.id(), &input.credentials) {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("app credentials: {e}")),
    };
    hub.register_vendor_app(VendorApp {
        package: input.package,
        credentials,
    });
    (
        StatusCode::CREATED,
        Json(hub.services.apps.registered(v.id())),
    )
        .into_response()
}

/// Forgets the vendor's registered apps: saved certificates speak for the
/// console again.
async fn unregister_apps(State(hub): State<Hub>, Path(name): Path<String>) -> Response {
    match vendor(&hub, &name) {
        Ok(v) => {
            hub.services.apps.unregister_all(v.id());
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn journal(
    State(hub): State<Hub>,
    q: Result<Query<JournalQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("journal: {e}")),
    };
    Json(hub.journal().query(&q)).into_response()
}

async fn journal_message(State(hub): State<Hub>, Path(id): Path<String>) -> Response {
    let chain = hub.journal().chain(&MessageId(id.clone()));
    if chain.is_empty() {
        return error(
            StatusCode::NOT_FOUND,
            format!("no records for message {id}"),
        );
    }
    Json(chain).into_response()
}
