//! A minimal vendor that exists only in tests: it lets the hub's IM server,
//! gateway and journal be tested end to end without depending on any real
//! vendor's wire format. It plays `VendorId::Xiaomi`'s slot.
//!
//! Its endpoint: `POST /send` with header `X-Test-Secret: <app_secret>` and a
//! JSON body `{token, title, text, ext}`; answers `{"ok":true,"id":…}` or
//! `{"ok":false,"code":…,"message":…}`.

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use pushlab::diagnosis::Diagnosis;
use pushlab::push::common::RequestLogs;
use pushlab::push::{
    Credentials, EndpointControl, Faults, Push, Rejection, RequestLog, SendOutcome, Services,
    Vendor, VendorId, MESSAGE_ID_HEADER,
};
use pushlab::services::journal::Event;
use pushlab::wire::protocol::{
    ClickRoute, DeviceInfo, DisplayInstruction, Extra, NotificationSpec, Poster, RegisterError,
};
use serde_json::{json, Value};

pub struct TestVendor {
    inner: Arc<Inner>,
}

struct Inner {
    services: Services,
    faults: Faults,
    logs: RequestLogs,
}

impl TestVendor {
    pub fn new(services: Services) -> TestVendor {
        TestVendor {
            inner: Arc::new(Inner {
                services,
                faults: Faults::default(),
                logs: RequestLogs::default(),
            }),
        }
    }
}

fn secret_of(c: &Credentials) -> Option<&str> {
    match c {
        Credentials::Xiaomi(x) => Some(&x.app_secret),
        _ => None,
    }
}

async fn send(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Json<Value> {
    let s = &inner.services;
    let id = s.message_id_for(&headers, VendorId::Xiaomi);
    let secret = headers
        .get("x-test-secret")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let reject = |code: &str, message: &str, d: Diagnosis| {
        s.journal.append(
            Some(&id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Xiaomi,
                vendor_code: code.into(),
                message: message.into(),
                code: d,
            },
        );
        inner.logs.push(RequestLog {
            at: s.clock.now(),
            method: "POST".into(),
            path: "/send".into(),
            http_status: 200,
            accepted: false,
            vendor_code: code.into(),
            message: message.into(),
            tokens: vec![],
            message_id: Some(id.clone()),
        });
        Json(json!({"ok": false, "code": code, "message": message}))
    };
    let Some(app) = s.apps.find(VendorId::Xiaomi, |c| {
        secret_of(&c.credentials) == Some(secret)
    }) else {
        return reject("auth", "unknown secret", Diagnosis::VendorAuthFailed);
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return reject("json", "body is not JSON", Diagnosis::VendorInvalidRequest);
    };
    let token = v["token"].as_str().unwrap_or_default().to_string();
    if s.gateway.lookup(VendorId::Xiaomi, &token).is_none() {
        return reject("token", "unknown token", Diagnosis::VendorTokenInvalid);
    }
    let vendor_id = format!("tv-{}", s.next_id());
    s.journal.append(
        Some(&id),
        None,
        Event::EndpointAccepted {
            vendor: VendorId::Xiaomi,
            vendor_message_id: vendor_id.clone(),
            token: token.clone(),
        },
    );
    inner.logs.push(RequestLog {
        at: s.clock.now(),
        method: "POST".into(),
        path: "/send".into(),
        http_status: 200,
        accepted: true,
        vendor_code: "ok".into(),
        message: String::new(),
        tokens: vec![token.clone()],
        message_id: Some(id.clone()),
    });
    let ext = v["ext"].as_str().map(str::to_string);
    s.gateway.deliver(DisplayInstruction {
        message_id: id,
        vendor: VendorId::Xiaomi,
        package: app.package.clone(),
        token,
        notification: NotificationSpec {
            title: v["title"].as_str().unwrap_or_default().into(),
            text: v["text"].as_str().unwrap_or_default().into(),
            channel_id: v["channel_id"].as_str().map(str::to_string),
            ..Default::default()
        },
        poster: Poster::SystemService,
        click: ClickRoute::Launcher,
        extras: ext
            .iter()
            .map(|e| Extra::string("ext", e.clone()))
            .collect(),
        callbacks: vec![],
        ext,
    });
    Json(json!({"ok": true, "id": vendor_id}))
}

#[async_trait]
impl Vendor for TestVendor {
    fn id(&self) -> VendorId {
        VendorId::Xiaomi
    }

    fn hosts(&self) -> &'static [&'static str] {
        &["push.test.invalid"]
    }

    fn register(&self, device: &DeviceInfo, package: &str) -> Result<String, RegisterError> {
        if !device.vendor_push {
            return Err(RegisterError {
                vendor: VendorId::Xiaomi,
                code: "unsupported".into(),
                message: "no push on this device".into(),
                diagnosis: Diagnosis::VendorTokenInvalid,
            });
        }
        Ok(format!("tok-{package}-{}", self.inner.services.next_id()))
    }

    fn router(&self) -> Router {
        Router::new()
            .route("/send", post(send))
            .with_state(self.inner.clone())
    }

    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
        let url = format!("{base_url}/send");
        let secret = secret_of(&push.certificate.credentials).unwrap_or_default();
        let r = http
            .post(&url)
            .header("x-test-secret", secret)
            .header(MESSAGE_ID_HEADER, push.message_id.0.as_str())
            .json(&json!({"token": push.token, "title": push.title, "text": push.desc, "ext": push.ext, "channel_id": push.certificate.channel_id}))
            .send()
            .await;
        let result = match r {
            Err(e) => Err(Rejection {
                code: Diagnosis::VendorInvalidRequest,
                vendor_code: "transport".into(),
                message: e.to_string(),
            }),
            Ok(resp) => {
                let v: Value = resp.json().await.unwrap_or(Value::Null);
                if v["ok"] == true {
                    Ok(v["id"].as_str().unwrap_or_default().to_string())
                } else {
                    let code = v["code"].as_str().unwrap_or_default().to_string();
                    let d = match code.as_str() {
                        "auth" => Diagnosis::VendorAuthFailed,
                        "token" => Diagnosis::VendorTokenInvalid,
                        _ => Diagnosis::VendorInvalidRequest,
                    };
                    Err(Rejection {
                        code: d,
                        vendor_code: code,
                        message: v["message"].as_str().unwrap_or_default().into(),
                    })
                }
            }
        };
        SendOutcome {
            request: Some(("POST".into(), url)),
            result,
        }
    }

    fn endpoint(&self) -> &dyn EndpointControl {
        &*self.inner
    }
}

/// The test vendor has a log and faults but no limits.
impl EndpointControl for Inner {
    fn requests(&self) -> Vec<RequestLog> {
        self.logs.list()
    }

    fn faults(&self) -> &Faults {
        &self.faults
    }

    fn limits(&self) -> Value {
        json!({})
    }

    fn set_limits(&self, _: Value) -> Result<(), String> {
        Err("the test vendor has no limits".into())
    }

    fn reset(&self) {
        self.logs.clear();
        self.faults.clear();
    }
}
