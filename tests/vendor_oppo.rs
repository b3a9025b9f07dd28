//! OPPO Push: the request the IM server builds, the simulated endpoint's
//! answers (auth, validation, quotas, faults), the device-side semantics of
//! an accepted push, and a client/endpoint round trip over loopback.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt;

mod vendor_support;
use vendor_support::{
    auth_calls_of_concurrent_sends, cn_device, ext_cases, fault_next, i64_with_extremes,
    next_display, open_url, push_with, register_device, rejected_as, respond, runtime, serve,
    services, with_default_title, START,
};

use pushlab::diagnosis::Diagnosis;
use pushlab::push::common::{Fault, FaultKind, FaultScope};
use pushlab::push::oppo::{self, Oppo};
use pushlab::push::{
    AndroidInfo, Certificate, ClickAction, Credentials, PageTarget, Push, Services, Vendor,
    VendorId,
};
use pushlab::services::clock::Timestamp;
use pushlab::services::journal::{Event, MessageId};
use pushlab::wire::protocol::{ClickRoute, DeviceInfo, Rom};

const PACKAGE: &str = "com.tencent.qcloud.tim.tuikit";
const APP_KEY: &str = "a1b2c3";
const MASTER_SECRET: &str = "m4s7e8r";
const DEVICE: &str = "sim-oppo-1";

fn certificate(click: ClickAction, channel: Option<&str>) -> Certificate {
    Certificate {
        id: 7005,
        package: PACKAGE.into(),
        credentials: Credentials::Oppo(oppo::Credentials {
            app_id: "30012345".into(),
            app_key: APP_KEY.into(),
            app_secret: "s3cr3t".into(),
            master_secret: MASTER_SECRET.into(),
        }),
        click,
        channel_id: channel.map(str::to_string),
        badge_class: None,
        saved_at: Timestamp(0),
        delay_secs: pushlab::push::CERTIFICATE_DELAY_SECS,
    }
}

fn push(click: ClickAction, ext: Option<&str>) -> Push {
    push_with(
        certificate(click, Some("tuikit")),
        "CN_0123456789abcdef0123456789abcdef",
        "a new message",
        "Hello from Denny",
        ext,
    )
}

/// A vendor with the app in its console and one registered device.
fn setup() -> (Services, Oppo, String) {
    let s = services();
    s.apps
        .upsert(&certificate(ClickAction::OpenApp, Some("tuikit")));
    let oppo = Oppo::new(s.clone());
    let token = register_device(&oppo, &s, DEVICE, PACKAGE, cn_device("OPPO"));
    (s, oppo, token)
}

/// The request with its form decoded and the `message` JSON parsed, secrets
/// and volatile values replaced.
fn view(req: &oppo::OutgoingRequest) -> Value {
    let mut form = serde_json::Map::new();
    for (k, v) in req.form() {
        let v = match k.as_str() {
            "message" => serde_json::from_str(&v).expect("message is JSON"),
            "auth_token" => json!("[auth_token]"),
            "timestamp" => json!("[timestamp]"),
            "sign" => json!("[sign]"),
            _ => json!(v),
        };
        form.insert(k, v);
    }
    json!({"method": req.method, "path": req.path, "headers": req.headers, "form": form})
}

const JSON_EXT: &str = r#"{"action":"jump to denny"}"#;

fn page(target: PageTarget) -> ClickAction {
    ClickAction::OpenPage { page: target }
}

// ---------------------------------------------------------------------------
// Client requests (snapshots)
// ---------------------------------------------------------------------------

#[test]
fn signature_matches_a_worked_example() {
    // sha256("a1b2c3" + "1700000000000" + "m4s7e8r"), computed independently.
    assert_eq!(
        oppo::auth_sign(APP_KEY, "1700000000000", MASTER_SECRET),
        "ba13572647acda575565ad59f205744a09daabf92ea4449c915a772fe147ab34"
    );
}

#[test]
fn auth_request_is_a_signed_form() {
    let creds = oppo::Credentials {
        app_id: "30012345".into(),
        app_key: APP_KEY.into(),
        app_secret: "s3cr3t".into(),
        master_secret: MASTER_SECRET.into(),
    };
    let req = oppo::build_auth_request(&creds, START, &MessageId::from("msg-1"));
    let form = req.form();
    assert!(form.contains(&("timestamp".into(), START.millis().to_string())));
    assert!(form.contains(&(
        "sign".into(),
        oppo::auth_sign(APP_KEY, &START.millis().to_string(), MASTER_SECRET)
    )));
    insta::assert_json_snapshot!("oppo_auth_request", view(&req));
}

#[test]
fn send_requests_for_each_click_event_with_and_without_ext() {
    let clicks = [
        ("open_app", ClickAction::OpenApp),
        ("open_url", open_url()),
        (
            "open_page_activity",
            page(PageTarget::Activity("com.tencent.qcloud.tim.demo.chat.ChatActivity".into())),
        ),
        ("open_page_action", page(PageTarget::Action("android.intent.action.VIEW".into()))),
        (
            "open_page_intent_uri",
            page(PageTarget::IntentUri(
                "intent://com.tencent.qcloud.tim/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;component=com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity;end".into(),
            )),
        ),
    ];
    for (name, click) in clicks {
        for (ext_name, ext) in ext_cases(JSON_EXT) {
            let req = oppo::build_send_request(&push(click.clone(), ext), "TOKEN");
            insta::assert_json_snapshot!(format!("oppo_send_{name}_{ext_name}"), view(&req));
        }
    }
}

#[test]
fn default_title_and_custom_message_desc_are_sent_as_title_and_content() {
    let mut p = push(ClickAction::OpenApp, None);
    p.title = "a new message".into();
    p.desc = "[custom] order #42 shipped".into();
    let req = oppo::build_send_request(&p, "TOKEN");
    insta::assert_json_snapshot!("oppo_send_custom_desc", view(&req));
}

#[test]
fn long_chat_text_is_fitted_to_oppo_limits_rather_than_refused() {
    let mut p = push(ClickAction::OpenApp, None);
    p.title = "标".repeat(60);
    p.desc = "字".repeat(80);
    let v = view(&oppo::build_send_request(&p, "TOKEN"));
    let n = &v["form"]["message"]["notification"];
    assert_eq!(
        n["title"].as_str().map(|t| t.chars().count()),
        Some(oppo::TITLE_MAX)
    );
    assert_eq!(
        n["content"].as_str().map(|t| t.chars().count()),
        Some(oppo::CONTENT_MAX)
    );
}

#[test]
fn android_info_channel_and_classification_override_the_certificate() {
    let mut p = push(ClickAction::OpenApp, None);
    p.android = AndroidInfo {
        oppo_channel_id: Some("im_messages".into()),
        oppo_category: Some("IM".into()),
        oppo_notify_level: Some(16),
        ..AndroidInfo::default()
    };
    let req = oppo::build_send_request(&p, "TOKEN");
    insta::assert_json_snapshot!("oppo_send_channel_override", view(&req));
}

#[test]
fn faq_without_channel_id_sends_no_channel_and_non_json_ext_verbatim() {
    let mut p = push(ClickAction::OpenApp, Some("ext content"));
    p.certificate.channel_id = None;
    let req = oppo::build_send_request(&p, "TOKEN");
    let v = view(&req);
    assert!(v["form"]["message"]["notification"]
        .get("channel_id")
        .is_none());
    insta::assert_json_snapshot!("oppo_send_faq_no_channel_plain_ext", v);
}

/// The FAQ's two payloads apart: a non-JSON ext with a channel...
#[test]
fn faq_non_json_ext_is_sent_verbatim() {
    let p = push(ClickAction::OpenApp, Some("ext content"));
    let req = oppo::build_send_request(&p, "TOKEN");
    insta::assert_json_snapshot!("oppo_send_faq_plain_ext", view(&req));
}

/// ...and no channel with a JSON ext.
#[test]
fn faq_without_channel_id_sends_no_channel() {
    let mut p = push(ClickAction::OpenApp, Some(JSON_EXT));
    p.certificate.channel_id = None;
    let req = oppo::build_send_request(&p, "TOKEN");
    let v = view(&req);
    assert!(v["form"]["message"]["notification"]
        .get("channel_id")
        .is_none());
    insta::assert_json_snapshot!("oppo_send_faq_no_channel", v);
}

// ---------------------------------------------------------------------------
// Endpoint
// ---------------------------------------------------------------------------

async fn call(
    router: &axum::Router,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut rb = Request::post(path).header("content-type", "application/x-www-form-urlencoded");
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    respond(router, rb.body(Body::from(body)).expect("request")).await
}

fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields)
        .expect("form")
        .into_bytes()
}

fn signed_auth(s: &Services, offset_ms: i64) -> Vec<u8> {
    let ts = (s.clock.now().millis() + offset_ms).to_string();
    let sign = oppo::auth_sign(APP_KEY, &ts, MASTER_SECRET);
    form(&[("app_key", APP_KEY), ("timestamp", &ts), ("sign", &sign)])
}

/// What [`setup`] gives, then the vendor's router and a valid auth token:
/// where most endpoint tests start.
async fn authed() -> (Services, Oppo, String, axum::Router, String) {
    let (s, oppo, device) = setup();
    let router = oppo.router();
    let token = auth_token(&s, &router).await;
    (s, oppo, device, router, token)
}

async fn auth_token(s: &Services, router: &axum::Router) -> String {
    let (status, v) = call(router, oppo::AUTH_PATH, &[], signed_auth(s, 0)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["code"], 0, "{v}");
    v["data"]["auth_token"]
        .as_str()
        .expect("auth_token")
        .to_string()
}

fn notification(extra: Value) -> Value {
    let mut n = json!({"title": "a new message", "content": "Hello", "click_action_type": 0, "channel_id": "tuikit"});
    if let (Some(n), Value::Object(extra)) = (n.as_object_mut(), extra) {
        n.extend(extra);
    }
    n
}

/// Sends a unicast of notification `n` to `target` with `token`.
async fn send_unicast(
    router: &axum::Router,
    token: &str,
    target: &str,
    n: Value,
) -> (StatusCode, Value) {
    call(router, oppo::UNICAST_PATH, &[], unicast(token, target, n)).await
}

fn unicast(token: &str, target: &str, n: Value) -> Vec<u8> {
    let message = json!({"target_type": 2, "target_value": target, "notification": n}).to_string();
    form(&[("message", &message), ("auth_token", token)])
}

#[tokio::test]
async fn auth_issues_a_token_for_a_good_signature() {
    let (s, oppo, _) = setup();
    let router = oppo.router();
    let (_, v) = call(&router, oppo::AUTH_PATH, &[], signed_auth(&s, 0)).await;
    assert_eq!(v["code"], 0);
    assert_eq!(v["data"]["create_time"], START.millis());
    assert!(v["data"]["auth_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn auth_rejections_carry_oppo_codes() {
    let (s, oppo, _) = setup();
    let router = oppo.router();
    let now = s.clock.now().millis().to_string();
    let sign = oppo::auth_sign(APP_KEY, &now, MASTER_SECRET);
    let old = (s.clock.now().millis() - 11 * 60 * 1000).to_string();
    let old_sign = oppo::auth_sign(APP_KEY, &old, MASTER_SECRET);
    let cases: Vec<(&str, Vec<u8>, i64)> = vec![
        (
            "missing app key",
            form(&[("timestamp", &now), ("sign", &sign)]),
            15,
        ),
        (
            "unknown app key",
            form(&[("app_key", "nope"), ("timestamp", &now), ("sign", &sign)]),
            14,
        ),
        (
            "missing timestamp",
            form(&[("app_key", APP_KEY), ("sign", &sign)]),
            18,
        ),
        (
            "timestamp not a number",
            form(&[("app_key", APP_KEY), ("timestamp", "soon"), ("sign", &sign)]),
            19,
        ),
        (
            "timestamp 11 minutes old",
            form(&[
                ("app_key", APP_KEY),
                ("timestamp", &old),
                ("sign", &old_sign),
            ]),
            19,
        ),
        (
            "timestamp in seconds",
            form(&[
                ("app_key", APP_KEY),
                ("timestamp", &now[..10]),
                ("sign", &sign),
            ]),
            19,
        ),
        (
            "missing sign",
            form(&[("app_key", APP_KEY), ("timestamp", &now)]),
            17,
        ),
        (
            "wrong sign",
            form(&[("app_key", APP_KEY), ("timestamp", &now), ("sign", "00")]),
            16,
        ),
        ("not UTF-8", vec![0xff, 0xfe, 0x00], 25),
    ];
    for (name, body, code) in cases {
        let (status, v) = call(&router, oppo::AUTH_PATH, &[], body).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(v["code"], code, "{name}: {v}");
        assert!(v["message"].is_string(), "{name}");
        assert!(v.get("data").is_none(), "{name}");
    }
    let resp = router
        .clone()
        .oneshot(
            Request::get(oppo::AUTH_PATH)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    let v: Value = serde_json::from_slice(
        &axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .expect("body"),
    )
    .expect("json");
    assert_eq!(v["code"], 12, "GET is not allowed");
    assert!(oppo.requests().iter().all(|r| !r.accepted));
}

#[tokio::test]
async fn unicast_accepts_the_token_as_form_field_or_header() {
    let (_, _, device_token, router, token) = authed().await;
    let (_, v) = send_unicast(&router, &token, &device_token, notification(json!({}))).await;
    assert_eq!(v["code"], 0, "{v}");
    assert!(
        v["data"]["messageId"].is_string(),
        "camelCase messageId: {v}"
    );

    let message = json!({"target_type": 2, "target_value": device_token, "notification": notification(json!({}))}).to_string();
    let (_, v) = call(
        &router,
        oppo::UNICAST_PATH,
        &[("auth_token", token.as_str())],
        form(&[("message", &message)]),
    )
    .await;
    assert_eq!(v["code"], 0, "header token: {v}");
}

#[tokio::test]
async fn unicast_rejections_carry_oppo_codes() {
    let (_, _, device, router, token) = authed().await;
    let long = "x".repeat(51);
    let cases: Vec<(&str, Vec<u8>, i64)> = vec![
        ("no auth_token", form(&[("message", "{}")]), 29),
        (
            "unknown auth_token",
            unicast("forged", &device, notification(json!({}))),
            11,
        ),
        ("missing message", form(&[("auth_token", &token)]), 40),
        (
            "message not JSON",
            form(&[("auth_token", &token), ("message", "title=hi")]),
            41,
        ),
        (
            "missing notification",
            form(&[
                ("auth_token", &token),
                (
                    "message",
                    &json!({"target_type": 2, "target_value": device}).to_string(),
                ),
            ]),
            40,
        ),
        (
            "missing target_type",
            form(&[
                ("auth_token", &token),
                (
                    "message",
                    &json!({"target_value": device, "notification": notification(json!({}))})
                        .to_string(),
                ),
            ]),
            40,
        ),
        (
            "missing title",
            unicast(&token, &device, notification(json!({"title": ""}))),
            40,
        ),
        (
            "web page URL that is not http(s)",
            unicast(
                &token,
                &device,
                notification(
                    json!({"click_action_type": 2, "click_action_url": "javascript:alert(1)"}),
                ),
            ),
            41,
        ),
        (
            "intent scheme URL without a scheme",
            unicast(
                &token,
                &device,
                notification(json!({"click_action_type": 5, "click_action_url": "not a url"})),
            ),
            41,
        ),
        (
            "title of 51 chars",
            unicast(&token, &device, notification(json!({"title": long}))),
            41,
        ),
        (
            "content of 51 chars in style 1",
            unicast(&token, &device, notification(json!({"content": long}))),
            41,
        ),
        (
            "content of 129 chars in style 2",
            unicast(
                &token,
                &device,
                notification(json!({"style": 2, "content": "y".repeat(129)})),
            ),
            41,
        ),
        (
            "style 7",
            unicast(&token, &device, notification(json!({"style": 7}))),
            41,
        ),
        (
            "click_action_type 3",
            unicast(
                &token,
                &device,
                notification(json!({"click_action_type": 3})),
            ),
            41,
        ),
        (
            "click_action_type as an object",
            unicast(
                &token,
                &device,
                notification(json!({"click_action_type": {}})),
            ),
            41,
        ),
        (
            "type 1 without activity",
            unicast(
                &token,
                &device,
                notification(json!({"click_action_type": 1})),
            ),
            40,
        ),
        (
            "type 4 without activity",
            unicast(
                &token,
                &device,
                notification(json!({"click_action_type": 4})),
            ),
            40,
        ),
        (
            "type 2 without url",
            unicast(
                &token,
                &device,
                notification(json!({"click_action_type": 2})),
            ),
            40,
        ),
        (
            "type 5 without url",
            unicast(
                &token,
                &device,
                notification(json!({"click_action_type": 5})),
            ),
            40,
        ),
        (
            "ext not JSON",
            unicast(
                &token,
                &device,
                notification(json!({"action_parameters": "ext content"})),
            ),
            41,
        ),
        (
            "ext a JSON array",
            unicast(
                &token,
                &device,
                notification(json!({"action_parameters": "[1,2]"})),
            ),
            41,
        ),
        (
            "ext over 4000 chars",
            unicast(
                &token,
                &device,
                notification(
                    json!({"action_parameters": json!({"k": "v".repeat(4000)}).to_string()}),
                ),
            ),
            41,
        ),
        (
            "unknown category",
            unicast(&token, &device, notification(json!({"category": "GOSSIP"}))),
            67,
        ),
        (
            "notify_level without category",
            unicast(&token, &device, notification(json!({"notify_level": 2}))),
            67,
        ),
        (
            "unknown regId",
            unicast(
                &token,
                "CN_ffffffffffffffffffffffffffffffff",
                notification(json!({})),
            ),
            10000,
        ),
        ("not UTF-8", vec![0xc3, 0x28], 25),
    ];
    for (name, body, code) in cases {
        let (status, v) = call(&router, oppo::UNICAST_PATH, &[], body).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(v["code"], code, "{name}: {v}");
    }
    // The ext rejection names action_parameters, which is how the client
    // tells it from other invalid arguments.
    let (_, v) = send_unicast(
        &router,
        &token,
        &device,
        notification(json!({"action_parameters": "ext content"})),
    )
    .await;
    let message = v["message"].as_str().expect("message");
    assert!(
        message.contains("action_parameters is not JSON"),
        "{message}"
    );
    assert_eq!(oppo::diagnosis_for(41, message), Diagnosis::OppoExtNotJson);
    // A long text fits in style 2.
    let (_, v) = send_unicast(
        &router,
        &token,
        &device,
        notification(json!({"style": 2, "content": long})),
    )
    .await;
    assert_eq!(v["code"], 0, "{v}");
}

#[tokio::test]
async fn tokens_expire_after_24_hours() {
    let (s, _, device, router, token) = authed().await;
    s.clock.advance(Duration::from_secs(23 * 3600));
    let (_, v) = send_unicast(&router, &token, &device, notification(json!({}))).await;
    assert_eq!(v["code"], 0, "still valid after 23 h: {v}");
    s.clock.advance(Duration::from_secs(3601));
    let (_, v) = send_unicast(&router, &token, &device, notification(json!({}))).await;
    assert_eq!(v["code"], 11, "expired: {v}");
}

#[tokio::test]
async fn daily_quota_caps_marketing_messages_but_not_im_ones() {
    let (s, oppo, device) = setup();
    oppo.set_limits(json!({"public_daily_per_app": 2}))
        .expect("limits");
    let router = oppo.router();
    let token = auth_token(&s, &router).await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        let (_, v) = send_unicast(&router, &token, &device, notification(json!({}))).await;
        codes.push(v["code"].as_i64().expect("code"));
    }
    assert_eq!(codes, [0, 0, 33]);
    let (_, v) = send_unicast(
        &router,
        &token,
        &device,
        notification(json!({"category": "IM", "notify_level": 16})),
    )
    .await;
    assert_eq!(v["code"], 0, "communication & service is not capped: {v}");
    // The next China day starts a new count.
    s.clock.advance(Duration::from_secs(24 * 3600));
    let token = auth_token(&s, &router).await;
    let (_, v) = send_unicast(&router, &token, &device, notification(json!({}))).await;
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(oppo::diagnosis_for(33, ""), Diagnosis::VendorQuotaExceeded);
}

#[tokio::test]
async fn a_fast_burst_to_one_device_meets_frequency_control() {
    let (s, _, device, router, token) = authed().await;
    let mut accepted = 0;
    let mut limited = 0;
    for _ in 0..100 {
        let (_, v) = send_unicast(
            &router,
            &token,
            &device,
            notification(json!({"category": "IM"})),
        )
        .await;
        match v["code"].as_i64() {
            Some(0) => accepted += 1,
            Some(13) => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        accepted > 0 && limited > 0,
        "accepted {accepted}, limited {limited}"
    );
    assert_eq!(oppo::diagnosis_for(13, ""), Diagnosis::VendorRateLimited);
    // The next second lets sends through again.
    s.clock.advance(Duration::from_secs(1));
    let (_, v) = send_unicast(&router, &token, &device, notification(json!({}))).await;
    assert_eq!(v["code"], 0);
}

#[tokio::test]
async fn app_qps_and_service_flow_control() {
    let (s, oppo, device) = setup();
    oppo.set_limits(json!({"app_qps": 1})).expect("limits");
    let router = oppo.router();
    let token = auth_token(&s, &router).await;
    let send = || unicast(&token, &device, notification(json!({})));
    assert_eq!(
        call(&router, oppo::UNICAST_PATH, &[], send()).await.1["code"],
        0
    );
    assert_eq!(
        call(&router, oppo::UNICAST_PATH, &[], send()).await.1["code"],
        55
    );
    oppo.set_limits(json!({"app_qps": 100, "service_qps": 0}))
        .expect("limits");
    assert_eq!(
        call(&router, oppo::UNICAST_PATH, &[], send()).await.1["code"],
        -2
    );
    assert!(
        oppo.set_limits(json!({"bogus": 1})).is_err(),
        "unknown keys are refused"
    );
    assert_eq!(oppo.limits()["app_qps"], 100);
}

#[tokio::test]
async fn injected_faults_answer_in_oppo_shape() {
    let (_, oppo, device, router, token) = authed().await;
    fault_next(&oppo, FaultKind::ErrorCode { code: "-2".into() });
    let (status, v) = send_unicast(&router, &token, &device, notification(json!({}))).await;
    assert_eq!((status, v["code"].clone()), (StatusCode::OK, json!(-2)));
    oppo.faults().add(Fault {
        scope: FaultScope::Token {
            token: device.clone(),
        },
        kind: FaultKind::ServerError { status: 503 },
    });
    let (status, _) = send_unicast(&router, &token, &device, notification(json!({}))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    oppo.faults().clear();
    fault_next(&oppo, FaultKind::Latency { millis: 1 });
    let (_, v) = send_unicast(&router, &token, &device, notification(json!({}))).await;
    assert_eq!(v["code"], 0, "latency only delays");
}

#[tokio::test]
async fn accepted_pushes_become_oppo_display_instructions() {
    let (s, _, device, router, token) = authed().await;
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);
    let params = json!({"action": "jump to denny", "n": 1}).to_string();

    // Activity by class: pairs become string extras of the activity.
    send_unicast(
        &router,
        &token,
        &device,
        notification(json!({
            "click_action_type": 4,
            "click_action_activity": "com.tencent.qcloud.tim.demo.chat.ChatActivity",
            "action_parameters": params,
        })),
    )
    .await;
    let i = next_display(&mut rx).await;
    insta::assert_json_snapshot!("oppo_instruction_activity_with_ext", i, {".message_id" => "[id]", ".token" => "[token]"});

    // Web page: pairs appended as query parameters.
    send_unicast(
        &router,
        &token,
        &device,
        notification(json!({
            "click_action_type": 2,
            "click_action_url": "https://cloud.tencent.com/document/product/269?from=push",
            "action_parameters": params,
        })),
    )
    .await;
    let i = next_display(&mut rx).await;
    assert_eq!(
        i.click,
        ClickRoute::Url {
            url:
                "https://cloud.tencent.com/document/product/269?from=push&action=jump+to+denny&n=1"
                    .into()
        }
    );
    assert!(i.extras.is_empty());

    // Action, and no channel: the device decides (not displayed on API 26+).
    send_unicast(&router, &token, &device, json!({
        "title": "t", "content": "c", "click_action_type": 1, "click_action_activity": "android.intent.action.VIEW",
    })).await;
    let i = next_display(&mut rx).await;
    assert_eq!(
        i.click,
        ClickRoute::Action {
            action: "android.intent.action.VIEW".into()
        }
    );
    assert_eq!(i.notification.channel_id, None);
    assert!(i.callbacks.is_empty(), "OPPO's SDK has no click callback");
}

#[tokio::test]
async fn broadcast_in_two_steps() {
    let (s, _, device, router, token) = authed().await;
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);
    let (_, v) = call(
        &router,
        oppo::SAVE_MESSAGE_PATH,
        &[],
        form(&[
            ("auth_token", &token),
            ("title", "Sale"),
            ("content", "Today only"),
            ("click_action_type", "0"),
            ("channel_id", "tuikit"),
        ]),
    )
    .await;
    assert_eq!(v["code"], 0, "{v}");
    let saved = v["data"]["message_id"]
        .as_str()
        .expect("snake_case message_id")
        .to_string();
    let targets = format!("{device};CN_ffffffffffffffffffffffffffffffff");
    let (_, v) = call(
        &router,
        oppo::BROADCAST_PATH,
        &[],
        form(&[
            ("auth_token", &token),
            ("message_id", &saved),
            ("target_type", "2"),
            ("target_value", &targets),
        ]),
    )
    .await;
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["data"]["message_id"], saved.as_str());
    assert!(v["data"]["task_id"].is_string());
    assert_eq!(next_display(&mut rx).await.notification.title, "Sale");

    let (_, v) = call(
        &router,
        oppo::BROADCAST_PATH,
        &[],
        form(&[
            ("auth_token", &token),
            ("message_id", "nope"),
            ("target_type", "2"),
            ("target_value", &device),
        ]),
    )
    .await;
    assert_eq!(v["code"], 31);
    let (_, v) = call(
        &router,
        oppo::SAVE_MESSAGE_PATH,
        &[],
        form(&[("auth_token", &token), ("title", "Sale")]),
    )
    .await;
    assert_eq!(v["code"], 40, "content missing: {v}");
}

#[tokio::test]
async fn unicast_batch_reports_each_message() {
    let (s, _, device, router, token) = authed().await;
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);
    let messages = json!([
        {"target_type": 2, "target_value": device, "notification": notification(json!({}))},
        {"target_type": 2, "target_value": "CN_ffffffffffffffffffffffffffffffff", "notification": notification(json!({}))},
        {"target_type": 2, "target_value": device, "notification": notification(json!({"action_parameters": "ext content"}))},
    ])
    .to_string();
    let (_, v) = call(
        &router,
        oppo::UNICAST_BATCH_PATH,
        &[],
        form(&[("auth_token", &token), ("messages", &messages)]),
    )
    .await;
    assert_eq!(v["code"], 0, "{v}");
    let data = v["data"].as_array().expect("data is an array");
    assert_eq!(data.len(), 3);
    assert!(
        data[0]["messageId"].as_str().is_some_and(|m| !m.is_empty())
            && data[0].get("errorCode").is_none()
    );
    assert_eq!(data[0]["registrationId"], device.as_str());
    assert_eq!(data[1]["errorCode"], 10000);
    assert_eq!(data[2]["errorCode"], 41);
    assert_eq!(next_display(&mut rx).await.token, device);

    let (_, v) = call(
        &router,
        oppo::UNICAST_BATCH_PATH,
        &[],
        form(&[("auth_token", &token)]),
    )
    .await;
    assert_eq!(v["code"], 40);
    let (_, v) = call(
        &router,
        oppo::UNICAST_BATCH_PATH,
        &[],
        form(&[("auth_token", &token), ("messages", "{}")]),
    )
    .await;
    assert_eq!(v["code"], 41);
}

// ---------------------------------------------------------------------------
// Device registration
// ---------------------------------------------------------------------------

#[test]
fn registration_gives_oppo_regids_or_refuses_on_devices_without_push() {
    let oppo = Oppo::new(services());
    let mut info = DeviceInfo {
        brand: "OPPO".into(),
        model: "A37".into(),
        rom: Rom::Coloros,
        region: "cn".into(),
        vendor_push: true,
        ..DeviceInfo::default()
    };
    let cn = oppo.register(&info, PACKAGE).expect("cn");
    assert!(
        cn.starts_with("CN_") && cn.len() == 35 && cn[3..].chars().all(|c| c.is_ascii_hexdigit()),
        "{cn}"
    );
    info.region = "global".into();
    let global = oppo.register(&info, PACKAGE).expect("global");
    assert!(
        global.starts_with("OPPO_") && !global.contains("CN"),
        "{global}"
    );
    info.vendor_push = false;
    let err = oppo.register(&info, PACKAGE).expect_err("no OPPO push");
    assert_eq!(err.diagnosis, Diagnosis::OppoUnsupportedDevice);
    assert_eq!(err.vendor, VendorId::Oppo);
}

// ---------------------------------------------------------------------------
// Round trip over loopback
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_send_reaches_the_device_and_the_journal() {
    let (s, oppo, device) = setup();
    let base = serve(oppo.router()).await;
    let http = reqwest::Client::new();
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);

    let mut p = push(
        page(PageTarget::Activity(
            "com.tencent.qcloud.tim.demo.chat.ChatActivity".into(),
        )),
        Some(JSON_EXT),
    );
    p.token = device.clone();
    let outcome = oppo.send(&http, &base, &p).await;
    let id = outcome.result.expect("accepted");
    assert_eq!(
        outcome.request,
        Some(("POST".into(), format!("{base}{}", oppo::UNICAST_PATH)))
    );

    let i = next_display(&mut rx).await;
    assert_eq!(i.message_id, MessageId::from("msg-1"));
    assert_eq!(
        i.click,
        ClickRoute::Component {
            component: format!("{PACKAGE}/com.tencent.qcloud.tim.demo.chat.ChatActivity")
        }
    );
    assert_eq!(i.notification.channel_id.as_deref(), Some("tuikit"));
    assert_eq!(
        pushlab::wire::protocol::string_extras(&i.extras)
            .get("action")
            .map(String::as_str),
        Some("jump to denny")
    );
    assert!(s.journal.chain(&MessageId::from("msg-1")).iter().any(|r| matches!(
        &r.event,
        Event::EndpointAccepted { vendor: VendorId::Oppo, vendor_message_id, .. } if *vendor_message_id == id
    )));

    // A second send reuses the cached auth token.
    oppo.send(&http, &base, &p)
        .await
        .result
        .expect("accepted again");
    let auths = oppo
        .requests()
        .iter()
        .filter(|r| r.path == oppo::AUTH_PATH)
        .count();
    assert_eq!(auths, 1);
}

#[tokio::test]
async fn client_maps_oppo_refusals_to_diagnoses() {
    let (s, oppo, device) = setup();
    let base = serve(oppo.router()).await;
    let http = reqwest::Client::new();

    let mut p = push(ClickAction::OpenApp, Some("ext content"));
    p.token = device.clone();
    let r = oppo
        .send(&http, &base, &p)
        .await
        .result
        .expect_err("OPPO refuses non-JSON ext");
    assert_eq!(
        (r.code, r.vendor_code.as_str()),
        (Diagnosis::OppoExtNotJson, "41")
    );
    assert!(s
        .journal
        .chain(&MessageId::from("msg-1"))
        .iter()
        .any(|r| matches!(
            &r.event,
            Event::EndpointRejected {
                code: Diagnosis::OppoExtNotJson,
                ..
            }
        )));

    p.ext = None;
    p.token = "CN_ffffffffffffffffffffffffffffffff".into();
    let r = oppo
        .send(&http, &base, &p)
        .await
        .result
        .expect_err("unknown regId");
    assert_eq!(r.code, Diagnosis::VendorTokenInvalid);

    let mut wrong = p.clone();
    if let Credentials::Oppo(c) = &mut wrong.certificate.credentials {
        c.master_secret = "wrong".into();
    }
    let r = oppo
        .send(&http, &base, &wrong)
        .await
        .result
        .expect_err("bad secret");
    assert_eq!(
        (r.code, r.vendor_code.as_str()),
        (Diagnosis::VendorAuthFailed, "16")
    );

    // A revoked token (code 11) is refreshed once and the send succeeds.
    p.token = device.clone();
    fault_next(&oppo, FaultKind::ErrorCode { code: "11".into() });
    oppo.send(&http, &base, &p)
        .await
        .result
        .expect("re-authenticated");

    fault_next(&oppo, FaultKind::Drop);
    let r = oppo
        .send(&http, &base, &p)
        .await
        .result
        .expect_err("dropped");
    assert_eq!(r.vendor_code, "transport");
    // The endpoint journals the drop as the timeout the client reports.
    assert!(rejected_as(
        &s,
        VendorId::Oppo,
        "transport",
        Diagnosis::DeliveryTimeout
    ));

    let r = oppo
        .send(&http, "http://127.0.0.1:9", &p)
        .await
        .result
        .expect_err("nothing listens");
    assert_eq!(r.vendor_code, "transport");
}

#[tokio::test]
async fn reset_forgets_tokens_logs_and_faults() {
    let (_, oppo, device, router, token) = authed().await;
    oppo.faults().add(Fault {
        scope: FaultScope::Next { count: 5 },
        kind: FaultKind::Drop,
    });
    oppo.reset();
    assert!(oppo.requests().is_empty());
    assert!(oppo.faults().list().is_empty());
    let (_, v) = send_unicast(&router, &token, &device, notification(json!({}))).await;
    assert_eq!(v["code"], 11, "tokens were forgotten");
}

// ---------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bodies_never_crash_any_endpoint(body in proptest::collection::vec(any::<u8>(), 0..300), which in 0usize..5) {
        let rt = runtime();
        let (_, oppo, _) = setup();
        let router = oppo.router();
        let path = [oppo::AUTH_PATH, oppo::UNICAST_PATH, oppo::SAVE_MESSAGE_PATH, oppo::BROADCAST_PATH, oppo::UNICAST_BATCH_PATH][which];
        let (status, v) = rt.block_on(call(&router, path, &[], body));
        prop_assert_eq!(status, StatusCode::OK);
        prop_assert!(v["code"].is_i64());
    }

    #[test]
    fn arbitrary_messages_never_crash_unicast(
        title in ".{0,60}",
        content in ".{0,140}",
        click in -1i64..7,
        style in 0i64..4,
        params in proptest::option::of(".{0,40}"),
        url in proptest::option::of(".{0,40}"),
    ) {
        let rt = runtime();
        let (_, _, device, router, token) = rt.block_on(authed());
        let mut n = json!({"title": title, "content": content, "click_action_type": click, "style": style});
        if let Some(p) = params { n["action_parameters"] = json!(p); }
        if let Some(u) = url { n["click_action_url"] = json!(u); n["click_action_activity"] = json!(u); }
        let (status, v) = rt.block_on(send_unicast(&router, &token, &device, n));
        prop_assert_eq!(status, StatusCode::OK);
        prop_assert!(v["code"].is_i64());
    }

    #[test]
    fn arbitrary_json_messages_never_crash_unicast(message in "[\\[\\]{}\":,a-z0-9 ]{0,80}") {
        let rt = runtime();
        let (_, _, _, router, token) = rt.block_on(authed());
        let (status, v) = rt.block_on(call(&router, oppo::UNICAST_PATH, &[], form(&[("auth_token", &token), ("message", &message)])));
        prop_assert_eq!(status, StatusCode::OK);
        prop_assert!(v["code"].is_i64());
    }
}

/// Any JSON value, to replace one field of a valid message.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        i64_with_extremes().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,30}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A valid auth form with one field replaced by any text (any i64
    /// timestamp among them) is answered in OPPO's shape.
    #[test]
    fn auth_with_one_field_mutated_answers_in_oppo_shape(
        field in prop_oneof![Just("app_key"), Just("timestamp"), Just("sign")],
        value in prop_oneof![
            i64_with_extremes().prop_map(|n| n.to_string()),
            ".{0,40}",
        ],
    ) {
        let rt = runtime();
        let (s, oppo, _) = setup();
        let router = oppo.router();
        let good: Vec<(String, String)> = serde_urlencoded::from_bytes(&signed_auth(&s, 0)).expect("form");
        let fields: Vec<(&str, &str)> = good
            .iter()
            .map(|(k, v)| (k.as_str(), if k == field { value.as_str() } else { v.as_str() }))
            .collect();
        let (status, v) = rt.block_on(call(&router, oppo::AUTH_PATH, &[], form(&fields)));
        prop_assert_eq!(status, StatusCode::OK);
        prop_assert!(v["code"].is_i64(), "{}", v);
    }

    /// A valid unicast with one field of its message or notification
    /// replaced by any JSON value is answered in OPPO's shape.
    #[test]
    fn unicast_with_one_field_mutated_answers_in_oppo_shape(
        in_notification in any::<bool>(),
        field in prop_oneof![
            Just("title"), Just("content"), Just("click_action_type"), Just("click_action_url"),
            Just("click_action_activity"), Just("click_action_url"), Just("action_parameters"),
            Just("channel_id"), Just("style"), Just("off_line_ttl"), Just("category"),
            Just("notify_level"), Just("target_type"), Just("target_value"), Just("sub_title"),
        ],
        value in arbitrary_json(),
    ) {
        let rt = runtime();
        let (_, _, device, router, token) = rt.block_on(authed());
        let mut message = json!({"target_type": 2, "target_value": device, "notification": notification(json!({}))});
        if in_notification { message["notification"][field] = value; } else { message[field] = value; }
        let body = form(&[("message", &message.to_string()), ("auth_token", &token)]);
        let (status, v) = rt.block_on(call(&router, oppo::UNICAST_PATH, &[], body));
        prop_assert_eq!(status, StatusCode::OK);
        prop_assert!(v["code"].is_i64(), "{}", v);
    }
}

/// Forty concurrent sends with no cached token make one auth call between
/// them and all of them are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_sends_share_one_auth_call() {
    let (_, oppo, device) = setup();
    let mut p = push(ClickAction::OpenApp, None);
    p.token = device;
    let auth_calls =
        auth_calls_of_concurrent_sends(&oppo, &p, 40, |path| path == oppo::AUTH_PATH).await;
    assert_eq!(auth_calls, 1);
}

/// An injected "server error" with a non-5xx status answers 500 and is
/// journaled as the timeout the client reports.
#[tokio::test]
async fn injected_server_errors_are_always_5xx_and_journaled() {
    let (s, oppo, device, router, token) = authed().await;
    fault_next(&oppo, FaultKind::ServerError { status: 200 });
    let (status, _) = send_unicast(&router, &token, &device, notification(json!({}))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(rejected_as(
        &s,
        VendorId::Oppo,
        "http_500",
        Diagnosis::DeliveryTimeout
    ));
}

/// A message sent without a title carries the IM server's default title.
#[test]
fn send_request_with_the_default_title() {
    let p = with_default_title(push(ClickAction::OpenApp, None));
    insta::assert_json_snapshot!(
        "oppo_send_default_title",
        view(&oppo::build_send_request(&p, "TOKEN"))
    );
}

/// Android offline pushes cannot have a custom sound (the IM SDK does not
/// support it, since most vendors do not): `AndroidInfo.Sound` leaves the
/// vendor request exactly as it is without it, and the message is still
/// sent.
#[test]
fn android_sound_leaves_the_request_unchanged() {
    let request = |p: &Push| serde_json::to_value(oppo::build_send_request(p, "TOKEN")).unwrap();
    let plain = push(ClickAction::OpenApp, Some(JSON_EXT));
    let mut with_sound = plain.clone();
    with_sound.android.sound = Some("ring.mp3".into());
    assert_eq!(request(&with_sound), request(&plain));
}
