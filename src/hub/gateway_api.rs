//! The gateway's HTTP surface (docs/architecture.md, section "Gateway protocol").

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::push::{Vendor, VendorId};
use crate::services::gateway::{Gateway, Registration};
use crate::services::journal::Event;
use crate::services::lines::json_lines;
use crate::wire::protocol::{DeviceEvent, RegisterRequest, RegisterResponse, StreamItem};

#[derive(Clone)]
struct GatewayState {
    gateway: Gateway,
    vendors: Arc<BTreeMap<VendorId, Arc<dyn Vendor>>>,
}

/// `/gateway/v1/...` routes.
pub fn router(gateway: Gateway, vendors: Arc<BTreeMap<VendorId, Arc<dyn Vendor>>>) -> Router {
    Router::new()
        .route("/gateway/v1/register", post(register))
        .route("/gateway/v1/stream", get(stream))
        .route("/gateway/v1/events", post(events))
        .route("/gateway/v1/devices", get(devices))
        .route("/gateway/v1/devices/{device}/commands", post(command))
        .route("/gateway/v1/registrations", get(registrations))
        .with_state(GatewayState { gateway, vendors })
}

fn bad_request(msg: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg.into()}))).into_response()
}

async fn register(State(st): State<GatewayState>, body: Bytes) -> Response {
    let req: RegisterRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(format!("register: {e}")),
    };
    if req.device.is_empty() || req.package.is_empty() {
        return bad_request("register: device and package must not be empty");
    }
    if let Some(existing) = st
        .gateway
        .registration_of(&req.device, req.vendor, &req.package)
    {
        return Json(RegisterResponse {
            token: existing.token,
        })
        .into_response();
    }
    let Some(vendor) = st.vendors.get(&req.vendor) else {
        return bad_request(format!("register: vendor {} is not served", req.vendor));
    };
    match vendor.register(&req.device_info, &req.package) {
        Ok(token) => {
            st.gateway.journal().append(
                None,
                None,
                Event::Registered {
                    device: req.device.clone(),
                    vendor: req.vendor,
                    package: req.package.clone(),
                    token: token.clone(),
                },
            );
            st.gateway.add_registration(Registration {
                device: req.device,
                vendor: req.vendor,
                package: req.package,
                token: token.clone(),
                device_info: req.device_info,
            });
            Json(RegisterResponse { token }).into_response()
        }
        Err(e) => {
            st.gateway.journal().append(
                None,
                None,
                Event::RegistrationRefused {
                    device: req.device,
                    vendor: req.vendor,
                    package: req.package,
                    vendor_code: e.code.clone(),
                    message: e.message.clone(),
                    code: e.diagnosis,
                },
            );
            (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": e}))).into_response()
        }
    }
}

#[derive(Deserialize)]
struct StreamQuery {
    device: String,
}

async fn stream(
    State(st): State<GatewayState>,
    q: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(Query(q)) = q.ok().filter(|q| !q.device.is_empty()) else {
        return bad_request("stream: ?device= is required");
    };
    let (rx, guard) = st.gateway.open_stream(&q.device);
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        json_lines(rx, guard),
    )
        .into_response()
}

async fn events(State(st): State<GatewayState>, body: Bytes) -> Response {
    // One event object, or an array of them.
    let parsed: Result<Vec<DeviceEvent>, _> =
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Array(items)) => {
                items.into_iter().map(serde_json::from_value).collect()
            }
            Ok(v) => serde_json::from_value(v).map(|e| vec![e]),
            Err(e) => return bad_request(format!("events: {e}")),
        };
    match parsed {
        Ok(events) => {
            let n = events.len();
            for e in events {
                st.gateway.post_event(e);
            }
            Json(json!({"accepted": n})).into_response()
        }
        Err(e) => bad_request(format!("events: {e}")),
    }
}

async fn devices(State(st): State<GatewayState>) -> Response {
    Json(st.gateway.devices()).into_response()
}

async fn registrations(State(st): State<GatewayState>) -> Response {
    Json(st.gateway.registrations()).into_response()
}

async fn command(
    State(st): State<GatewayState>,
    Path(device): Path<String>,
    body: Bytes,
) -> Response {
    match serde_json::from_slice::<StreamItem>(&body) {
        Ok(item @ (StreamItem::Tap { .. } | StreamItem::Clear { .. })) => {
            st.gateway.command(&device, item);
            StatusCode::ACCEPTED.into_response()
        }
        Ok(_) => bad_request("command: only tap and clear can be sent"),
        Err(e) => bad_request(format!("command: {e}")),
    }
}
