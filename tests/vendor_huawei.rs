//! Huawei HMS Push: the requests the IM server builds, the simulated OAuth
//! and send endpoints (auth, validation, sizes, flow control, the marketing
//! cap, faults), registration on old HMS Core, and the device-side
//! instruction an accepted push becomes.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use proptest::prelude::*;
use pushlab::diagnosis::Diagnosis;
use pushlab::push::common::{Fault, FaultKind, FaultScope};
use pushlab::push::huawei::{
    self, add_intent_extras, build_send_request, build_token_request, Huawei,
};
use pushlab::push::{
    Certificate, ClickAction, Credentials, PageTarget, Push, Services, Vendor, VendorId,
    MESSAGE_ID_HEADER,
};
use pushlab::services::clock::Timestamp;
use pushlab::services::journal::{Event, MessageId};
use pushlab::wire::protocol::{ClickRoute, DeviceInfo, Poster, Requirement, StreamItem};
use serde_json::{json, Value};
use tower::ServiceExt;

mod vendor_support;
use vendor_support::{
    add_device, auth_calls_of_concurrent_sends, click_events, dropped_as, ext_cases, fault_next,
    i64_with_extremes, journaled, next_display, open_chat_intent_uri, push_with, redact_header,
    rejected_as, respond, serve, services, with_default_title, CHAT_INTENT_URI, JSON_EXT,
};

const PACKAGE: &str = "com.tencent.qcloud.tim.tuikit";
const APP_ID: &str = "104612345";
const SECRET: &str = "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2";

fn certificate(click: ClickAction) -> Certificate {
    Certificate {
        id: 7777,
        package: PACKAGE.into(),
        credentials: Credentials::Huawei(huawei::Credentials {
            app_id: APP_ID.into(),
            client_secret: SECRET.into(),
        }),
        click,
        channel_id: Some("im_channel".into()),
        badge_class: Some("com.tencent.qcloud.tim.demo.SplashActivity".into()),
        saved_at: Timestamp(0),
        delay_secs: pushlab::push::CERTIFICATE_DELAY_SECS,
    }
}

fn push(click: ClickAction, ext: Option<&str>) -> Push {
    push_with(
        certificate(click),
        "0hms-token",
        "a new message",
        "hello",
        ext,
    )
}

fn snapshot_of(p: &Push) -> Value {
    let req =
        serde_json::to_value(build_send_request(p, "ACCESS_TOKEN").expect("request")).unwrap();
    redact_header(req, "Authorization", "Bearer [access_token]")
}

#[test]
fn client_requests_for_each_click_event_with_and_without_ext() {
    for (name, click) in click_events(open_chat_intent_uri()) {
        for (ext_name, ext) in ext_cases(JSON_EXT) {
            insta::assert_json_snapshot!(
                format!("huawei_{name}_{ext_name}"),
                snapshot_of(&push(click.clone(), ext))
            );
        }
    }
}

#[test]
fn client_request_with_custom_desc_channel_override_and_classification() {
    let mut p = push(ClickAction::OpenApp, Some(JSON_EXT));
    p.title = "Denny".into();
    p.desc = "[Custom message] jump to denny".into();
    p.android.huawei_channel_id = Some("hw_im".into());
    p.android.huawei_importance = Some("NORMAL".into());
    p.android.huawei_category = Some("IM".into());
    let req = build_send_request(&p, "t").unwrap();
    assert_eq!(
        req.body["message"]["android"]["notification"]["channel_id"],
        "hw_im"
    );
    insta::assert_json_snapshot!("huawei_custom_desc_channel_override", snapshot_of(&p));
}

#[test]
fn ext_as_intent_param_puts_ext_keys_into_the_intent_uri() {
    let mut p = push(
        open_chat_intent_uri(),
        Some(r#"{"extKey":"ext content","n":1}"#),
    );
    p.android.ext_as_huawei_intent_param = Some(1);
    let req = build_send_request(&p, "t").unwrap();
    let intent = req.body["message"]["android"]["notification"]["click_action"]["intent"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        intent.ends_with(";S.extKey=ext%20content;S.n=1;end"),
        "{intent}"
    );
    insta::assert_json_snapshot!("huawei_open_page_ext_as_intent_param", snapshot_of(&p));

    // The action variant of an in-app page.
    let p = push(
        ClickAction::OpenPage {
            page: PageTarget::Action("com.tencent.qcloud.OPEN_CHAT".into()),
        },
        None,
    );
    let req = build_send_request(&p, "t").unwrap();
    assert_eq!(
        req.body["message"]["android"]["notification"]["click_action"],
        json!({"type": 1, "action": "com.tencent.qcloud.OPEN_CHAT"})
    );
    // A class name cannot be expressed.
    let p = push(
        ClickAction::OpenPage {
            page: PageTarget::Activity("com.example.Chat".into()),
        },
        None,
    );
    assert_eq!(
        build_send_request(&p, "t").unwrap_err().code,
        Diagnosis::VendorInvalidRequest
    );
}

#[test]
fn intent_extras_are_written_as_to_uri_does() {
    let kv = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    assert_eq!(
        add_intent_extras("intent:#Intent;component=a/.B;end", &kv("k", "a b;c")),
        "intent:#Intent;component=a/.B;S.k=a%20b%3Bc;end"
    );
    assert_eq!(
        add_intent_extras("intent:#Intent;action=X;SEL;scheme=s;end", &kv("k", "v")),
        "intent:#Intent;action=X;S.k=v;SEL;scheme=s;end"
    );
    assert_eq!(
        add_intent_extras("pushscheme://com.tencent.qcloud.tim/detail", &kv("k", "v")),
        "intent://com.tencent.qcloud.tim/detail#Intent;scheme=pushscheme;S.k=v;end"
    );
    assert_eq!(
        add_intent_extras("intent:#Intent;end", &[]),
        "intent:#Intent;end"
    );
}

#[test]
fn token_request_is_client_credentials() {
    let req = build_token_request(&huawei::Credentials {
        app_id: APP_ID.into(),
        client_secret: "s/+".into(),
    });
    assert_eq!(req.path, "/oauth2/v3/token");
    assert_eq!(
        req.body,
        json!(format!(
            "grant_type=client_credentials&client_id={APP_ID}&client_secret=s%2F%2B"
        ))
    );
}

// ---------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------

#[test]
fn registration_needs_hms_core_20401300() {
    let hw = Huawei::new(services());
    let device = |v: Option<u64>| DeviceInfo {
        brand: "HUAWEI".into(),
        hms_core_version: v,
        ..DeviceInfo::default()
    };
    let token = hw.register(&device(Some(60_300_301)), PACKAGE).unwrap();
    assert!(
        token.len() >= 130 && token.as_bytes()[0].is_ascii_digit(),
        "{token}"
    );
    let ok = hw.register(&device(Some(20_401_300)), PACKAGE);
    assert!(ok.is_ok());
    let old = hw.register(&device(Some(20_401_299)), PACKAGE).unwrap_err();
    assert_eq!(
        (old.diagnosis, old.code.as_str()),
        (Diagnosis::HuaweiHmsTooOld, "2")
    );
    let none = hw.register(&device(None), PACKAGE).unwrap_err();
    assert_eq!(none.diagnosis, Diagnosis::HuaweiHmsMissing);
}

// ---------------------------------------------------------------------------
// Endpoint, in process
// ---------------------------------------------------------------------------

struct Lab {
    services: Services,
    hw: Huawei,
}

impl Lab {
    fn new() -> Lab {
        let services = services();
        services.apps.upsert(&certificate(ClickAction::OpenApp));
        let mut other = certificate(ClickAction::OpenApp);
        other.id = 8888;
        other.package = "com.other.app".into();
        other.credentials = Credentials::Huawei(huawei::Credentials {
            app_id: "999".into(),
            client_secret: "other".into(),
        });
        services.apps.upsert(&other);
        let hw = Huawei::new(services.clone());
        Lab { services, hw }
    }

    fn register(&self, device: &str) -> String {
        let info = DeviceInfo {
            hms_core_version: Some(60_300_301),
            ..DeviceInfo::default()
        };
        let token = self.hw.register(&info, PACKAGE).unwrap();
        add_device(
            &self.services,
            VendorId::Huawei,
            device,
            PACKAGE,
            &token,
            info,
        );
        token
    }

    async fn call(&self, req: Request<Body>) -> (StatusCode, Value) {
        respond(&self.hw.router(), req).await
    }

    /// Whether the answer to a send of `body` with `bearer` is cut off: its
    /// body never completes (the connection is dropped).
    async fn send_is_cut_off(&self, bearer: &str, body: String) -> bool {
        let resp = self
            .hw
            .router()
            .oneshot(
                Request::post(format!("/v1/{APP_ID}/messages:send"))
                    .header("authorization", bearer)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        resp.into_body().collect().await.is_err()
    }

    async fn token_for(&self, path: &str, form: &str) -> (StatusCode, Value) {
        self.call(
            Request::post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form.to_string()))
                .unwrap(),
        )
        .await
    }

    async fn access_token(&self, app_id: &str, secret: &str) -> String {
        let (status, v) = self
            .token_for(
                "/oauth2/v3/token",
                &format!("grant_type=client_credentials&client_id={app_id}&client_secret={secret}"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["access_token"].as_str().unwrap().to_string()
    }

    /// An `Authorization` value with a fresh access token of the app.
    async fn bearer(&self) -> String {
        format!("Bearer {}", self.access_token(APP_ID, SECRET).await)
    }

    /// Sends the well-formed [`message`] to `token` as the app.
    async fn send_message(&self, bearer: &str, token: &str) -> (StatusCode, Value) {
        self.send(APP_ID, Some(bearer), message(token).to_string())
            .await
    }

    async fn send(
        &self,
        app_id: &str,
        auth: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, Value) {
        let mut req = Request::post(format!("/v1/{app_id}/messages:send"))
            .header("content-type", "application/json;charset=utf-8")
            .header(MESSAGE_ID_HEADER, "m-1");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        self.call(req.body(body.into()).unwrap()).await
    }
}

fn message(token: &str) -> Value {
    json!({
        "validate_only": false,
        "message": {
            "android": {
                "data": JSON_EXT,
                "notification": {
                    "title": "a new message",
                    "body": "hello",
                    "click_action": {"type": 3}
                }
            },
            "token": [token]
        }
    })
}

#[tokio::test]
async fn oauth_issues_bearer_tokens_on_v2_and_v3_and_refuses_bad_clients() {
    let lab = Lab::new();
    for path in ["/oauth2/v2/token", "/oauth2/v3/token"] {
        let (status, v) = lab
            .token_for(
                path,
                &format!("grant_type=client_credentials&client_id={APP_ID}&client_secret={SECRET}"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["expires_in"], 3600);
        assert_eq!(v["token_type"], "Bearer");
    }
    for form in [
        format!("grant_type=client_credentials&client_id={APP_ID}&client_secret=wrong"),
        format!("grant_type=client_credentials&client_id=123&client_secret={SECRET}"),
        format!("grant_type=password&client_id={APP_ID}&client_secret={SECRET}"),
        format!("grant_type=client_credentials&client_secret={SECRET}"),
        "%%%".to_string(),
    ] {
        let (status, v) = lab.token_for("/oauth2/v3/token", &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form}");
        assert!(
            v["error"].is_number() && v["error_description"].is_string(),
            "{form}: {v}"
        );
    }
}

#[tokio::test]
async fn oauth_allows_1000_tokens_per_5_minutes() {
    let lab = Lab::new();
    lab.hw
        .set_limits(json!({"tokens_per_5_minutes": 3}))
        .unwrap();
    let form = format!("grant_type=client_credentials&client_id={APP_ID}&client_secret={SECRET}");
    for _ in 0..3 {
        assert_eq!(
            lab.token_for("/oauth2/v3/token", &form).await.0,
            StatusCode::OK
        );
    }
    let (status, v) = lab.token_for("/oauth2/v3/token", &form).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(v["error"].is_number());
    lab.services.clock.advance(Duration::from_secs(300));
    assert_eq!(
        lab.token_for("/oauth2/v3/token", &form).await.0,
        StatusCode::OK
    );
    assert_eq!(
        Huawei::new(services()).limits()["tokens_per_5_minutes"],
        1000
    );
    assert!(lab.hw.set_limits(json!({"tokens": 1})).is_err());
}

#[tokio::test]
async fn accepted_send_answers_string_success_code() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let bearer = lab.bearer().await;
    let (status, v) = lab.send_message(&bearer, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["code"], "80000000");
    assert_eq!(v["msg"], "Success");
    assert!(v["requestId"]
        .as_str()
        .unwrap()
        .bytes()
        .all(|b| b.is_ascii_digit()));
}

#[tokio::test]
async fn auth_failures_answer_802_codes_with_401() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let mine = lab.access_token(APP_ID, SECRET).await;
    let other = lab.access_token("999", "other").await;
    let body = message(&token).to_string();
    for (name, auth, code) in [
        ("no header", None, "80200001"),
        (
            "lower-case bearer",
            Some(format!("bearer {mine}")),
            "80200001",
        ),
        ("unknown token", Some("Bearer nope".to_string()), "80200001"),
        (
            "token of another app",
            Some(format!("Bearer {other}")),
            "80200001",
        ),
    ] {
        let (status, v) = lab.send(APP_ID, auth.as_deref(), body.clone()).await;
        assert_eq!(
            (status, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some(code)),
            "{name}"
        );
        assert!(v["msg"].is_string() && v["requestId"].is_string());
    }
    lab.services.clock.advance(Duration::from_secs(3600));
    let (status, v) = lab
        .send(APP_ID, Some(&format!("Bearer {mine}")), body)
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("80200003"))
    );
}

#[tokio::test]
async fn validation_failures_answer_hms_codes() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let bearer = lab.bearer().await;
    let with = |path: &[&str], value: Value| {
        let mut m = message(&token);
        let mut cur = &mut m;
        for p in &path[..path.len() - 1] {
            cur = &mut cur[*p];
        }
        match value {
            Value::Null => {
                cur.as_object_mut().unwrap().remove(path[path.len() - 1]);
            }
            v => cur[path[path.len() - 1]] = v,
        }
        m.to_string()
    };
    let tokens_1001: Vec<String> = (0..1001).map(|i| format!("t{i}")).collect();
    let big = "x".repeat(4100);
    let cases: Vec<(&str, String, &str)> = vec![
        ("not json", "{nope".into(), "80100003"),
        (
            "misspelt message",
            json!({"mesage": {"token": [token]}}).to_string(),
            "80300010",
        ),
        (
            "no token",
            with(&["message", "token"], json!([])),
            "80300010",
        ),
        (
            "1001 tokens",
            with(&["message", "token"], json!(tokens_1001)),
            "80300010",
        ),
        (
            "token and topic",
            with(&["message", "topic"], json!("news")),
            "80100001",
        ),
        (
            "data not a string",
            with(&["message", "android", "data"], json!({"a": 1})),
            "80100003",
        ),
        (
            "body over 4096",
            with(&["message", "android", "data"], json!(big)),
            "80300008",
        ),
        (
            "no click_action",
            with(
                &["message", "android", "notification", "click_action"],
                Value::Null,
            ),
            "80100001",
        ),
        (
            "type 1 without intent",
            with(
                &["message", "android", "notification", "click_action"],
                json!({"type": 1}),
            ),
            "80100001",
        ),
        (
            "type 2 http url",
            with(
                &["message", "android", "notification", "click_action"],
                json!({"type": 2, "url": "http://x"}),
            ),
            "80100003",
        ),
        (
            "type 4",
            with(
                &["message", "android", "notification", "click_action"],
                json!({"type": 4}),
            ),
            "80100001",
        ),
        (
            "collapse_key 101",
            with(&["message", "android", "collapse_key"], json!(101)),
            "80100013",
        ),
        (
            "urgency LOW",
            with(&["message", "android", "urgency"], json!("LOW")),
            "80100001",
        ),
        (
            "ttl words",
            with(&["message", "android", "ttl"], json!("one day")),
            "80100001",
        ),
        (
            "category",
            with(&["message", "android", "category"], json!("GAMES")),
            "80100001",
        ),
        (
            "importance",
            with(
                &["message", "android", "notification", "importance"],
                json!("MAX"),
            ),
            "80100001",
        ),
        (
            "color",
            with(
                &["message", "android", "notification", "color"],
                json!("red"),
            ),
            "80100001",
        ),
        (
            "style 1 alone",
            with(&["message", "android", "notification", "style"], json!(1)),
            "80100001",
        ),
        (
            "no default sound",
            with(
                &["message", "android", "notification", "default_sound"],
                json!(false),
            ),
            "80100001",
        ),
        (
            "fast_app_target",
            with(&["message", "android", "fast_app_target"], json!(3)),
            "80100001",
        ),
        (
            "http image",
            with(
                &["message", "android", "notification", "image"],
                json!("http://x/i.png"),
            ),
            "80100001",
        ),
        (
            "11 vibrations",
            with(
                &["message", "android", "notification", "vibrate_config"],
                json!(vec!["1s"; 11]),
            ),
            "80100001",
        ),
        (
            "unknown token",
            with(&["message", "token"], json!(["nope"])),
            "80300007",
        ),
    ];
    for (name, body, code) in cases {
        let (status, v) = lab.send(APP_ID, Some(&bearer), body).await;
        assert_eq!(v["code"].as_str(), Some(code), "{name}: {v}");
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert!(v["requestId"].is_string());
    }
    assert!(journaled(&lab.services, |e| matches!(
        e,
        Event::EndpointRejected { vendor_code, code: Diagnosis::VendorTokenInvalid, .. } if vendor_code == "80300007"
    )));
}

#[tokio::test]
async fn partially_invalid_tokens_answer_80100000() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let bearer = lab.bearer().await;
    let mut m = message(&token);
    m["message"]["token"] = json!([token, "bad"]);
    let (status, v) = lab.send(APP_ID, Some(&bearer), m.to_string()).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::OK, Some("80100000"))
    );
    let detail: Value = serde_json::from_str(v["msg"].as_str().unwrap()).unwrap();
    assert_eq!(detail["success"], 1);
    assert_eq!(detail["illegal_tokens"], json!(["bad"]));
}

#[tokio::test]
async fn a_fast_burst_to_one_device_meets_flow_control_503() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let bearer = lab.bearer().await;
    let mut answers = Vec::new();
    for _ in 0..100 {
        let (status, v) = lab.send_message(&bearer, &token).await;
        answers.push((status, v["code"].as_str().unwrap().to_string()));
    }
    assert_eq!(answers[0].1, "80000000");
    assert!(answers.contains(&(StatusCode::SERVICE_UNAVAILABLE, "503".to_string())));
    lab.services.clock.advance(Duration::from_secs(1));
    let (_, v) = lab.send_message(&bearer, &token).await;
    assert_eq!(v["code"], "80000000");
}

#[tokio::test]
async fn marketing_messages_are_capped_at_two_per_device_per_day() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let (mut rx, _guard) = lab.services.gateway.open_stream("dev-1");
    let bearer = lab.bearer().await;
    let mut m = message(&token);
    m["message"]["android"]["category"] = json!("MARKETING");
    for _ in 0..3 {
        let (_, v) = lab.send(APP_ID, Some(&bearer), m.to_string()).await;
        assert_eq!(v["code"], "80000000", "accepted by the API");
    }
    next_display(&mut rx).await;
    next_display(&mut rx).await;
    assert!(tokio::time::timeout(Duration::from_millis(50), async {
        loop {
            if let Some(StreamItem::Display { .. }) = rx.recv().await {
                return;
            }
        }
    })
    .await
    .is_err());
    assert!(dropped_as(&lab.services, Diagnosis::VendorQuotaExceeded));
}

#[tokio::test]
async fn faults_answer_codes_server_errors_and_drops() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let bearer = lab.bearer().await;
    fault_next(
        &lab.hw,
        FaultKind::ErrorCode {
            code: "80300007".into(),
        },
    );
    let (status, v) = lab.send_message(&bearer, &token).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("80300007"))
    );
    fault_next(&lab.hw, FaultKind::ServerError { status: 502 });
    let (status, _) = lab.send_message(&bearer, &token).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    lab.hw.faults().add(Fault {
        scope: FaultScope::Token {
            token: token.clone(),
        },
        kind: FaultKind::Drop,
    });
    assert!(
        lab.send_is_cut_off(&bearer, message(&token).to_string())
            .await
    );
    lab.hw.reset();
    assert!(lab.hw.requests().is_empty() && lab.hw.faults().list().is_empty());
    // Issued tokens are forgotten too.
    let (status, _) = lab.send_message(&bearer, &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn accepted_pushes_become_hms_display_instructions() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let (mut rx, _guard) = lab.services.gateway.open_stream("dev-1");
    let bearer = lab.bearer().await;

    // Open app with data, channel and badge.
    let mut m = message(&token);
    m["message"]["android"]["notification"]["channel_id"] = json!("im");
    m["message"]["android"]["notification"]["badge"] = json!({"add_num": 1, "class": "com.x.Main"});
    lab.send(APP_ID, Some(&bearer), m.to_string()).await;
    let i = next_display(&mut rx).await;
    assert_eq!(i.click, ClickRoute::Launcher);
    assert_eq!(i.poster, Poster::SystemService);
    assert_eq!(i.notification.channel_id.as_deref(), Some("im"));
    assert_eq!(i.notification.badge_class.as_deref(), Some("com.x.Main"));
    assert!(i.callbacks.is_empty());
    let ext = i.extras.iter().find(|e| e.key == "ext").unwrap();
    assert_eq!(ext.value.as_str(), Some(JSON_EXT));
    assert!(i
        .extras
        .iter()
        .all(|e| e.requires == Some(Requirement::HuaweiPassthrough)));
    assert!(i.extras.iter().any(|e| e.key == "extKey"));

    // Intent, action, URL.
    let mut m = message(&token);
    m["message"]["android"]["notification"]["click_action"] =
        json!({"type": 1, "intent": CHAT_INTENT_URI, "action": "ignored"});
    lab.send(APP_ID, Some(&bearer), m.to_string()).await;
    assert_eq!(
        next_display(&mut rx).await.click,
        ClickRoute::IntentUri {
            uri: CHAT_INTENT_URI.into()
        }
    );
    m["message"]["android"]["notification"]["click_action"] =
        json!({"type": 1, "action": "com.x.OPEN"});
    lab.send(APP_ID, Some(&bearer), m.to_string()).await;
    assert_eq!(
        next_display(&mut rx).await.click,
        ClickRoute::Action {
            action: "com.x.OPEN".into()
        }
    );
    m["message"]["android"]["notification"]["click_action"] =
        json!({"type": 2, "url": "https://example.com/p"});
    lab.send(APP_ID, Some(&bearer), m.to_string()).await;
    let i = next_display(&mut rx).await;
    assert_eq!(
        i.click,
        ClickRoute::Url {
            url: "https://example.com/p".into()
        }
    );
    assert!(i.extras.is_empty());
}

// ---------------------------------------------------------------------------
// Round trip over loopback
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_send_round_trip_over_loopback_with_token_refresh() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let (mut rx, _guard) = lab.services.gateway.open_stream("dev-1");
    let base = serve(lab.hw.router()).await;
    let http = reqwest::Client::new();

    let mut p = push(open_chat_intent_uri(), Some(JSON_EXT));
    p.token = token.clone();
    p.android.ext_as_huawei_intent_param = Some(1);
    let outcome = lab.hw.send(&http, &base, &p).await;
    assert!(outcome.result.is_ok(), "{outcome:?}");
    assert_eq!(
        outcome.request.unwrap().1,
        format!("{base}/v1/{APP_ID}/messages:send")
    );
    let i = next_display(&mut rx).await;
    assert_eq!(i.message_id, MessageId::from("msg-1"));
    let ClickRoute::IntentUri { uri } = &i.click else {
        panic!("{:?}", i.click)
    };
    assert!(uri.contains("S.extKey=ext%20content;"), "{uri}");
    assert_eq!(
        i.notification.badge_class.as_deref(),
        Some("com.tencent.qcloud.tim.demo.SplashActivity")
    );
    assert_eq!(i.notification.channel_id.as_deref(), Some("im_channel"));
    assert!(lab
        .services
        .journal
        .chain(&MessageId::from("msg-1"))
        .iter()
        .any(|r| matches!(&r.event, Event::EndpointAccepted { token: t, .. } if *t == token)));

    // The cached token is reused; once expired the client gets a new one.
    let tokens_issued = |lab: &Lab| {
        lab.hw
            .requests()
            .iter()
            .filter(|r| r.path.contains("oauth2"))
            .count()
    };
    lab.hw.send(&http, &base, &p).await.result.unwrap();
    assert_eq!(tokens_issued(&lab), 1);
    lab.services.clock.advance(Duration::from_secs(3600));
    lab.hw.send(&http, &base, &p).await.result.unwrap();
    assert_eq!(tokens_issued(&lab), 2);

    // Unknown token, bad secret, transport failure.
    p.token = "unknown".into();
    let e = lab.hw.send(&http, &base, &p).await.result.unwrap_err();
    assert_eq!(
        (e.code, e.vendor_code.as_str()),
        (Diagnosis::VendorTokenInvalid, "80300007")
    );
    let mut bad = push(ClickAction::OpenApp, None);
    bad.certificate.credentials = Credentials::Huawei(huawei::Credentials {
        app_id: APP_ID.into(),
        client_secret: "wrong".into(),
    });
    let e = lab.hw.send(&http, &base, &bad).await.result.unwrap_err();
    assert_eq!(e.code, Diagnosis::VendorAuthFailed);
    let e = lab
        .hw
        .send(&http, "http://127.0.0.1:1", &p)
        .await
        .result
        .unwrap_err();
    assert_eq!(e.vendor_code, "transport");
}

// ---------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("message".to_string()),
                    Just("android".to_string()),
                    Just("notification".to_string()),
                    Just("token".to_string()),
                    Just("click_action".to_string()),
                    Just("type".to_string()),
                    Just("data".to_string()),
                    Just("badge".to_string()),
                    Just("title".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn intent_extras_never_panic_and_always_land_in_the_uri(
        uri in prop_oneof![".{0,40}", ".{0,5}#Intent;.{0,5}end", "intent:[a-z/]{0,10}#Intent;[a-z=;.]{0,20}end", "[a-z]{1,6}://[a-z./]{0,12}"],
        key in "[A-Za-z0-9_ ;=%]{1,8}",
        value in ".{0,16}",
    ) {
        let out = add_intent_extras(&uri, &[(key.clone(), value.clone())]);
        prop_assert!(out.starts_with("intent:"), "{}", out);
        prop_assert!(out.ends_with("end"), "{}", out);
        prop_assert!(out.contains("S."), "{}", out);
        prop_assert!(!out[out.find("S.").unwrap_or(0)..].contains(' '));
    }

    #[test]
    fn arbitrary_bodies_never_panic_nor_answer_500(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        json_body in json_value(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let lab = Lab::new();
            let bearer = lab.bearer().await;
            for b in [body.clone(), json_body.to_string().into_bytes()] {
                let (status, v) = lab.send(APP_ID, Some(&bearer), b.clone()).await;
                prop_assert!(!status.is_server_error());
                prop_assert!(v["code"].is_string());
                let (status, v) = lab.token_for("/oauth2/v3/token", &String::from_utf8_lossy(&b)).await;
                prop_assert!(!status.is_server_error());
                prop_assert!(v.is_object());
            }
            Ok(())
        })?;
    }
}

// ---------------------------------------------------------------------------
// Interop: Huawei's own Python server SDK against the simulator
// ---------------------------------------------------------------------------

/// Runs `tests/interop/huawei_push_admin.py` with the project's venv.
async fn run_hms_python_sdk(base: &str, app_id: &str, secret: &str, token: &str) -> (bool, String) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-test-deps.sh to install the interop clients",
        python.display()
    );
    let out = tokio::process::Command::new(python)
        .arg(root.join("tests/interop/huawei_push_admin.py"))
        .args([base, app_id, secret, token])
        .output()
        .await
        .expect("python runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn huawei_python_sdk_sends_through_the_simulator_unchanged() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let (mut rx, _guard) = lab.services.gateway.open_stream("dev-1");
    let base = serve(lab.hw.router()).await;

    let (ok, out) = run_hms_python_sdk(&base, APP_ID, SECRET, &token).await;
    assert!(ok, "the SDK's send failed: {out}");
    let v: Value = serde_json::from_str(out.trim().lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["code"], "80000000", "{out}");
    let i = next_display(&mut rx).await;
    assert_eq!(i.notification.text, "hello from the HMS Python SDK");
    assert_eq!(
        i.notification.badge_class.as_deref(),
        Some("com.example.Main")
    );
    assert_eq!(i.click, ClickRoute::Launcher);

    // A wrong secret: the SDK raises on the OAuth server's non-200 answer.
    let (ok, out) = run_hms_python_sdk(&base, APP_ID, "wrong", &token).await;
    assert!(!ok && out.contains("400"), "{out}");
    // An unknown token: the SDK raises on the send's non-200 answer.
    let (ok, out) = run_hms_python_sdk(&base, APP_ID, SECRET, "unknown").await;
    assert!(!ok && out.contains("400"), "{out}");
}

/// Text for one form field: any i64 (edges included) or any string.
fn any_field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        i64_with_extremes().prop_map(|n| n.to_string()),
        Just(String::new()),
        ".{0,40}",
    ]
}

/// Any JSON value, edge integers and floats included.
fn any_field_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(-1i64)].prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        json_value(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A valid OAuth request with one field replaced is answered with
    /// Huawei's OAuth shape, never a crash nor a 5xx.
    #[test]
    fn oauth_with_one_field_mutated_never_panics_nor_answers_500(
        which in 0usize..3,
        value in any_field_text(),
        v2 in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let lab = Lab::new();
            let mut fields = vec![
                ("grant_type", "client_credentials".to_string()),
                ("client_id", APP_ID.to_string()),
                ("client_secret", SECRET.to_string()),
            ];
            fields[which].1 = value.clone();
            let body = serde_urlencoded::to_string(&fields).unwrap();
            let path = if v2 { "/oauth2/v2/token" } else { "/oauth2/v3/token" };
            let (status, v) = lab.token_for(path, &body).await;
            prop_assert!(!status.is_server_error(), "{} {}", status, v);
            prop_assert!(v.is_object(), "{}", v);
            Ok(())
        })?;
    }

    /// A valid authenticated send with one field of its message, android
    /// block or notification replaced is answered in HMS's shape.
    #[test]
    fn send_with_one_field_mutated_never_panics_nor_answers_500(
        place in 0usize..4,
        field in prop_oneof![
            Just("token"), Just("data"), Just("android"), Just("notification"), Just("title"),
            Just("body"), Just("click_action"), Just("collapse_key"), Just("ttl"), Just("urgency"),
            Just("category"), Just("badge"), Just("notify_id"), Just("style"), Just("importance"),
            Just("channel_id"), Just("fast_app_target"), Just("target_user_type"), Just("validate_only"),
        ],
        value in any_field_json(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let lab = Lab::new();
            let token = lab.register("dev-1");
            let bearer = lab.bearer().await;
            let mut body = message(&token);
            match place {
                0 => body[field] = value,
                1 => body["message"][field] = value,
                2 => body["message"]["android"][field] = value,
                _ => body["message"]["android"]["notification"][field] = value,
            }
            let (status, v) = lab.send(APP_ID, Some(&bearer), body.to_string()).await;
            prop_assert!(!status.is_server_error(), "{} {}", status, v);
            prop_assert!(v["code"].is_string(), "{}", v);
            Ok(())
        })?;
    }
}

/// Fifteen concurrent sends with no cached token make one OAuth call
/// between them and all of them are accepted (fifteen stays under the
/// per-device flow control of twenty a second).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_sends_share_one_oauth_call() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let mut p = push(ClickAction::OpenApp, None);
    p.token = token;
    let oauth_calls =
        auth_calls_of_concurrent_sends(&lab.hw, &p, 15, |path| path.contains("oauth2")).await;
    assert_eq!(oauth_calls, 1);
}

#[tokio::test]
async fn changing_limits_keeps_todays_marketing_counts() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let bearer = lab.bearer().await;
    let mut m = message(&token);
    m["message"]["android"]["category"] = json!("MARKETING");
    for _ in 0..2 {
        let (_, v) = lab.send(APP_ID, Some(&bearer), m.to_string()).await;
        assert_eq!(v["code"], "80000000");
    }
    lab.hw.set_limits(json!({"device_per_second": 19})).unwrap();
    let (_, v) = lab.send(APP_ID, Some(&bearer), m.to_string()).await;
    assert_eq!(v["code"], "80000000", "accepted by the API");
    assert!(dropped_as(&lab.services, Diagnosis::VendorQuotaExceeded));
}

/// Faults hit authenticated sends only; an injected code HMS does not list
/// is answered in HMS's shape with 400, never 500; a "server error" with a
/// non-5xx status is a 500; injected 5xx and drops are logged and journaled.
#[tokio::test]
async fn faults_hit_authenticated_sends_and_are_journaled() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let bearer = lab.bearer().await;
    fault_next(
        &lab.hw,
        FaultKind::ErrorCode {
            code: "81234567".into(),
        },
    );
    let (status, _) = lab
        .send(APP_ID, Some("Bearer forged"), message(&token).to_string())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no fault before auth");
    let (status, v) = lab.send_message(&bearer, &token).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("81234567"))
    );
    assert!(v["requestId"].is_string());

    fault_next(&lab.hw, FaultKind::ServerError { status: 404 });
    let (status, _) = lab.send_message(&bearer, &token).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let last = lab.hw.requests().pop().expect("logged");
    assert_eq!(last.vendor_code, "http_500");
    assert!(rejected_as(
        &lab.services,
        VendorId::Huawei,
        "http_500",
        Diagnosis::DeliveryTimeout
    ));

    fault_next(&lab.hw, FaultKind::Drop);
    assert!(
        lab.send_is_cut_off(&bearer, message(&token).to_string())
            .await
    );
    assert_eq!(
        lab.hw.requests().pop().expect("logged").vendor_code,
        "transport"
    );
    assert!(journaled(&lab.services, |e| matches!(
        e,
        Event::EndpointRejected { vendor: VendorId::Huawei, vendor_code, .. } if vendor_code == "transport"
    )));
}

/// A message sent without a title carries the IM server's default title.
#[test]
fn send_request_with_the_default_title() {
    let p = with_default_title(push(ClickAction::OpenApp, None));
    insta::assert_json_snapshot!("huawei_send_default_title", snapshot_of(&p));
}

/// Android offline pushes cannot have a custom sound (the IM SDK does not
/// support it, since most vendors do not): `AndroidInfo.Sound` leaves the
/// vendor request exactly as it is without it, and the message is still
/// sent.
#[test]
fn android_sound_leaves_the_request_unchanged() {
    let request = |p: &Push| {
        serde_json::to_value(build_send_request(p, "ACCESS_TOKEN").expect("request")).unwrap()
    };
    let plain = push(ClickAction::OpenApp, Some(JSON_EXT));
    let mut with_sound = plain.clone();
    with_sound.android.sound = Some("ring.mp3".into());
    assert_eq!(request(&with_sound), request(&plain));
}
