//! vivo Push: the request the IM server builds, the simulated endpoint's
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
    auth_calls_of_concurrent_sends, cn_device, ext_cases, fault_next, next_display, open_url,
    push_with, register_device, rejected_as, runtime, serve, services, with_default_title, START,
};

use pushlab::diagnosis::Diagnosis;
use pushlab::push::common::{Fault, FaultKind, FaultScope};
use pushlab::push::vivo::{self, Vivo};
use pushlab::push::{
    AndroidInfo, Certificate, ClickAction, Credentials, PageTarget, Push, Services, Vendor,
    VendorId,
};
use pushlab::services::clock::Timestamp;
use pushlab::services::journal::{Event, MessageId};
use pushlab::wire::protocol::{
    string_extras, CallbackTrigger, ClickRoute, DeviceInfo, Poster, Rom,
};

const PACKAGE: &str = "com.tencent.qcloud.tim.tuikit";
const APP_ID: &str = "10004";
const APP_KEY: &str = "25509283-3767-4b9e-83fe-b6e55ac6243e";
const APP_SECRET: &str = "vivo-secret";
const DEVICE: &str = "sim-vivo-1";
const INTENT_URI: &str = "intent://com.tencent.qcloud.tim/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;component=com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity;S.from=push;end";

fn creds() -> vivo::Credentials {
    vivo::Credentials {
        app_id: APP_ID.into(),
        app_key: APP_KEY.into(),
        app_secret: APP_SECRET.into(),
    }
}

fn certificate(click: ClickAction) -> Certificate {
    Certificate {
        id: 6666,
        package: PACKAGE.into(),
        credentials: Credentials::Vivo(creds()),
        click,
        channel_id: None,
        badge_class: None,
        saved_at: Timestamp(0),
        delay_secs: pushlab::push::CERTIFICATE_DELAY_SECS,
    }
}

fn push(click: ClickAction, ext: Option<&str>) -> Push {
    push_with(
        certificate(click),
        "15985386600511011330053",
        "a new message",
        "Hello from Denny",
        ext,
    )
}

fn setup() -> (Services, Vivo, String) {
    let s = services();
    s.apps.upsert(&certificate(ClickAction::OpenApp));
    let vivo = Vivo::new(s.clone());
    let token = register_device(&vivo, &s, DEVICE, PACKAGE, cn_device("vivo"));
    (s, vivo, token)
}

/// The request with secrets and volatile values replaced.
fn view(req: &vivo::OutgoingRequest) -> Value {
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| {
            let v = if k == "authToken" {
                "[authToken]".to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    let mut body = req.body.clone();
    for k in ["timestamp", "sign"] {
        if body.get(k).is_some() {
            body[k] = json!(format!("[{k}]"));
        }
    }
    json!({"method": req.method, "path": req.path, "headers": headers, "body": body})
}

const JSON_EXT: &str = r#"{"action":"jump to denny"}"#;

// ---------------------------------------------------------------------------
// Client requests (snapshots)
// ---------------------------------------------------------------------------

#[test]
fn signature_matches_a_worked_example() {
    // md5("10004" + appKey + "1501484120000" + "vivo-secret"), computed
    // independently (the vivo doc's example does not publish its secret).
    assert_eq!(
        vivo::auth_sign(APP_ID, APP_KEY, "1501484120000", APP_SECRET),
        "a90b49aee91f6837437238e61d0d1bdd"
    );
}

#[test]
fn auth_request_is_signed_json() {
    let req = vivo::build_auth_request(&creds(), START, &MessageId::from("msg-1"));
    assert_eq!(req.body["timestamp"], START.millis());
    assert_eq!(
        req.body["sign"],
        vivo::auth_sign(APP_ID, APP_KEY, &START.millis().to_string(), APP_SECRET)
    );
    assert_eq!(
        req.body["appId"], 10004,
        "appId is a JSON number as in vivo's examples"
    );
    insta::assert_json_snapshot!("vivo_auth_request", view(&req));
}

#[test]
fn send_requests_for_each_click_event_with_and_without_ext() {
    let clicks = [
        ("open_app", ClickAction::OpenApp),
        ("open_url", open_url()),
        (
            "open_page",
            ClickAction::OpenPage {
                page: PageTarget::IntentUri(INTENT_URI.into()),
            },
        ),
    ];
    for (name, click) in clicks {
        for (ext_name, ext) in ext_cases(JSON_EXT) {
            let req = vivo::build_send_request(&push(click.clone(), ext), "TOKEN");
            insta::assert_json_snapshot!(format!("vivo_send_{name}_{ext_name}"), view(&req));
        }
    }
}

#[test]
fn custom_message_desc_and_classification_fields() {
    let mut p = push(ClickAction::OpenApp, Some("ext content"));
    p.desc = "[custom] order #42 shipped".into();
    p.android = AndroidInfo {
        vivo_category: Some("IM".into()),
        ..AndroidInfo::default()
    };
    let req = vivo::build_send_request(&p, "TOKEN");
    assert_eq!(req.body["classification"], 1, "IM is a system message");
    insta::assert_json_snapshot!("vivo_send_custom_desc_im_category", view(&req));

    p.android = AndroidInfo {
        vivo_category: Some("MARKETING".into()),
        ..AndroidInfo::default()
    };
    assert_eq!(
        vivo::build_send_request(&p, "TOKEN").body["classification"],
        0
    );
    p.android = AndroidInfo {
        vivo_classification: Some(json!("1")),
        ..AndroidInfo::default()
    };
    let body = vivo::build_send_request(&p, "TOKEN").body;
    assert_eq!(
        (body["classification"].clone(), body.get("category")),
        (json!(1), None)
    );
}

#[test]
fn long_chat_text_is_fitted_to_vivo_limits_rather_than_refused() {
    let mut p = push(ClickAction::OpenApp, None);
    p.title = "标".repeat(60);
    p.desc = "字".repeat(150);
    let body = vivo::build_send_request(&p, "TOKEN").body;
    assert_eq!(
        body["title"].as_str().map(|t| t.chars().count()),
        Some(vivo::TITLE_MAX)
    );
    assert_eq!(
        body["content"].as_str().map(|t| t.chars().count()),
        Some(vivo::CONTENT_MAX)
    );
}

#[test]
fn pages_named_by_class_or_action_become_intent_uris() {
    let p = push(
        ClickAction::OpenPage {
            page: PageTarget::Activity(".ChatActivity".into()),
        },
        None,
    );
    assert_eq!(
        vivo::build_send_request(&p, "T").body["skipContent"],
        format!("intent:#Intent;component={PACKAGE}/.ChatActivity;end")
    );
}

// ---------------------------------------------------------------------------
// Endpoint
// ---------------------------------------------------------------------------

async fn call_raw(
    router: &axum::Router,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let mut rb = Request::post(path).header("content-type", "application/json");
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let resp = router
        .clone()
        .oneshot(rb.body(Body::from(body)).expect("request"))
        .await
        .expect("infallible");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .expect("body");
    (status, bytes.to_vec())
}

async fn call(
    router: &axum::Router,
    path: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (StatusCode, Value) {
    let (status, bytes) = call_raw(router, path, headers, body.to_string().into_bytes()).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn signed_auth(s: &Services, offset_ms: i64) -> Value {
    let ts = s.clock.now().millis() + offset_ms;
    json!({"appId": 10004, "appKey": APP_KEY, "timestamp": ts, "sign": vivo::auth_sign(APP_ID, APP_KEY, &ts.to_string(), APP_SECRET)})
}

/// What [`setup`] gives, then the vendor's router and a valid auth token:
/// where most endpoint tests start.
async fn authed() -> (Services, Vivo, String, axum::Router, String) {
    let (s, vivo, reg) = setup();
    let router = vivo.router();
    let token = auth_token(&s, &router).await;
    (s, vivo, reg, router, token)
}

async fn auth_token(s: &Services, router: &axum::Router) -> String {
    let (status, v) = call(router, vivo::AUTH_PATH, &[], signed_auth(s, 0)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["result"], 0, "{v}");
    v["authToken"].as_str().expect("authToken").to_string()
}

fn message(reg_id: &str, extra: Value) -> Value {
    let mut m = json!({
        "appId": 10004, "regId": reg_id, "notifyType": 4, "title": "a new message", "content": "Hello",
        "skipType": 1, "requestId": "r-1",
    });
    if let (Some(m), Value::Object(extra)) = (m.as_object_mut(), extra) {
        for (k, v) in extra {
            if v.is_null() {
                m.remove(&k);
            } else {
                m.insert(k, v);
            }
        }
    }
    m
}

async fn send(router: &axum::Router, token: &str, body: Value) -> Value {
    let (status, v) = call(router, vivo::SEND_PATH, &[("authToken", token)], body).await;
    assert_eq!(status, StatusCode::OK);
    v
}

#[tokio::test]
async fn auth_issues_a_token_for_a_good_signature() {
    let (s, vivo, _) = setup();
    let router = vivo.router();
    let (_, v) = call(&router, vivo::AUTH_PATH, &[], signed_auth(&s, 0)).await;
    assert_eq!(
        (v["result"].clone(), v["desc"].clone()),
        (json!(0), json!("请求成功"))
    );
    assert!(v["authToken"].as_str().is_some_and(|t| !t.is_empty()));
    // appId as a string works too.
    let mut body = signed_auth(&s, 9 * 60 * 1000);
    body["appId"] = json!(APP_ID);
    assert_eq!(
        call(&router, vivo::AUTH_PATH, &[], body).await.1["result"],
        0,
        "9 minutes ahead is inside the window"
    );
}

#[tokio::test]
async fn auth_rejections_carry_vivo_codes() {
    let (s, vivo, _) = setup();
    let router = vivo.router();
    let good = signed_auth(&s, 0);
    let without = |k: &str| {
        let mut b = good.clone();
        b.as_object_mut().expect("object").remove(k);
        b
    };
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let cases: Vec<(&str, Value, i64)> = vec![
        ("missing appId", without("appId"), 10200),
        ("missing appKey", without("appKey"), 10201),
        ("missing timestamp", without("timestamp"), 10203),
        ("missing sign", without("sign"), 10204),
        ("unknown appId", with("appId", json!(99999)), 10205),
        ("wrong appKey", with("appKey", json!("nope")), 10202),
        ("wrong sign", with("sign", json!("00")), 10206),
        (
            "timestamp 11 minutes old",
            signed_auth(&s, -11 * 60 * 1000),
            10207,
        ),
        (
            "timestamp not a number",
            with("timestamp", json!("soon")),
            10207,
        ),
        ("body not an object", json!([1, 2]), 10200),
        (
            "timestamp at the smallest i64",
            with("timestamp", json!(i64::MIN)),
            10207,
        ),
        (
            "timestamp at the largest i64",
            with("timestamp", json!(i64::MAX)),
            10207,
        ),
    ];
    for (name, body, code) in cases {
        let (status, v) = call(&router, vivo::AUTH_PATH, &[], body).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(v["result"], code, "{name}: {v}");
        assert!(
            v["desc"].is_string() && v.get("authToken").is_none(),
            "{name}"
        );
    }
    let (status, bytes) = call_raw(&router, vivo::AUTH_PATH, &[], b"not json".to_vec()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<Value>(&bytes).expect("json")["result"],
        10200
    );
}

#[tokio::test]
async fn auth_is_limited_to_ten_calls_per_second() {
    let (s, vivo, _) = setup();
    let router = vivo.router();
    let mut results = Vec::new();
    for _ in 0..11 {
        results.push(
            call(&router, vivo::AUTH_PATH, &[], signed_auth(&s, 0))
                .await
                .1["result"]
                .clone(),
        );
    }
    assert_eq!(results[..10], vec![json!(0); 10][..]);
    assert_eq!(results[10], 10208);
    assert_eq!(vivo::diagnosis_for(10208), Diagnosis::VendorRateLimited);
    s.clock.advance(Duration::from_secs(1));
    assert_eq!(
        call(&router, vivo::AUTH_PATH, &[], signed_auth(&s, 0))
            .await
            .1["result"],
        0
    );
}

#[tokio::test]
async fn send_accepts_a_valid_message() {
    let (_, _, reg_id, router, token) = authed().await;
    let v = send(
        &router,
        &token,
        message(&reg_id, json!({"clientCustomMap": {"ext": JSON_EXT}})),
    )
    .await;
    assert_eq!(
        (v["result"].clone(), v["desc"].clone()),
        (json!(0), json!("请求成功"))
    );
    assert!(v["taskId"].is_string(), "{v}");
}

#[tokio::test]
async fn send_rejections_carry_vivo_codes() {
    let (_, _, reg, router, token) = authed().await;
    let long = |n: usize| json!("字".repeat(n));
    let cases: Vec<(&str, Value, i64)> = vec![
        (
            "appId of another app",
            message(&reg, json!({"appId": 10005})),
            10094,
        ),
        (
            "appId missing",
            message(&reg, json!({"appId": null})),
            10094,
        ),
        (
            "neither regId nor alias",
            message(&reg, json!({"regId": null})),
            10050,
        ),
        (
            "notifyType missing",
            message(&reg, json!({"notifyType": null})),
            10052,
        ),
        (
            "notifyType 5",
            message(&reg, json!({"notifyType": 5})),
            10052,
        ),
        (
            "notifyType a word",
            message(&reg, json!({"notifyType": "loud"})),
            10052,
        ),
        (
            "title missing",
            message(&reg, json!({"title": null})),
            10053,
        ),
        (
            "title of 41 chars",
            message(&reg, json!({"title": long(41)})),
            10054,
        ),
        (
            "content missing",
            message(&reg, json!({"content": ""})),
            10055,
        ),
        (
            "content of 101 chars",
            message(&reg, json!({"content": long(101)})),
            10056,
        ),
        (
            "skipType missing",
            message(&reg, json!({"skipType": null})),
            10057,
        ),
        ("skipType 5", message(&reg, json!({"skipType": 5})), 10057),
        (
            "URL without skipContent",
            message(&reg, json!({"skipType": 2})),
            10058,
        ),
        (
            "URL not http",
            message(&reg, json!({"skipType": 2, "skipContent": "ftp://x"})),
            10058,
        ),
        (
            "page without skipContent",
            message(&reg, json!({"skipType": 4})),
            10058,
        ),
        (
            "skipContent over 1024",
            message(
                &reg,
                json!({"skipType": 4, "skipContent": "i".repeat(1025)}),
            ),
            10058,
        ),
        (
            "timeToLive 59",
            message(&reg, json!({"timeToLive": 59})),
            10059,
        ),
        (
            "clientCustomMap with a number",
            message(&reg, json!({"clientCustomMap": {"n": 1}})),
            10060,
        ),
        (
            "clientCustomMap a string",
            message(&reg, json!({"clientCustomMap": JSON_EXT})),
            10060,
        ),
        (
            "clientCustomMap over 1024",
            message(&reg, json!({"clientCustomMap": {"ext": "e".repeat(1022)}})),
            10060,
        ),
        (
            "requestId missing",
            message(&reg, json!({"requestId": null})),
            10061,
        ),
        (
            "networkType 2",
            message(&reg, json!({"networkType": 2})),
            10062,
        ),
        (
            "classification 2",
            message(&reg, json!({"classification": 2})),
            10063,
        ),
        (
            "system category as operational",
            message(&reg, json!({"classification": 0, "category": "IM"})),
            10097,
        ),
        (
            "unknown category",
            message(&reg, json!({"category": "GOSSIP"})),
            10097,
        ),
        ("body not an object", json!("hello"), 10064),
    ];
    for (name, body, code) in cases {
        let v = send(&router, &token, body).await;
        assert_eq!(v["result"], code, "{name}: {v}");
        assert!(v["desc"].is_string(), "{name}");
    }
    // An unknown regId names it in invalidUser.
    let v = send(
        &router,
        &token,
        message("15985386600511011330053", json!({})),
    )
    .await;
    assert_eq!(v["result"], 10302);
    assert_eq!(
        v["invalidUser"],
        json!({"status": 1, "userid": "15985386600511011330053"})
    );
    // Auth header problems.
    assert_eq!(
        call(&router, vivo::SEND_PATH, &[], message(&reg, json!({})))
            .await
            .1["result"],
        10000
    );
    assert_eq!(
        send(&router, "forged", message(&reg, json!({}))).await["result"],
        10000
    );
    // Exactly at the limits is fine.
    let v = send(
        &router,
        &token,
        message(
            &reg,
            json!({"title": long(40), "content": long(100), "timeToLive": 60,
        "clientCustomMap": {"ext": "e".repeat(1021)}, "classification": 1, "category": "IM"}),
        ),
    )
    .await;
    assert_eq!(v["result"], 0, "{v}");
}

#[tokio::test]
async fn tokens_expire_after_24_hours() {
    let (s, _, reg, router, token) = authed().await;
    s.clock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(
        send(&router, &token, message(&reg, json!({}))).await["result"],
        10000
    );
}

#[tokio::test]
async fn daily_quota_per_classification() {
    let (s, vivo, reg) = setup();
    vivo.set_limits(json!({"operational_daily_per_app": 1, "system_daily_per_app": 1}))
        .expect("limits");
    let router = vivo.router();
    let token = auth_token(&s, &router).await;
    assert_eq!(
        send(&router, &token, message(&reg, json!({}))).await["result"],
        0
    );
    assert_eq!(
        send(&router, &token, message(&reg, json!({}))).await["result"],
        10070
    );
    assert_eq!(
        send(&router, &token, message(&reg, json!({"classification": 1}))).await["result"],
        0
    );
    assert_eq!(
        send(&router, &token, message(&reg, json!({"classification": 1}))).await["result"],
        10070
    );
    assert_eq!(vivo::diagnosis_for(10070), Diagnosis::VendorQuotaExceeded);
    assert!(vivo.set_limits(json!({"nope": 1})).is_err());
}

#[tokio::test]
async fn a_fast_burst_to_one_device_meets_frequency_control() {
    let (_, _, reg, router, token) = authed().await;
    let mut outcomes = (0, 0);
    for _ in 0..100 {
        match send(&router, &token, message(&reg, json!({"classification": 1}))).await["result"]
            .as_i64()
        {
            Some(0) => outcomes.0 += 1,
            Some(10071) => outcomes.1 += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
    assert_eq!(vivo::diagnosis_for(10071), Diagnosis::VendorRateLimited);
}

#[tokio::test]
async fn injected_faults_answer_in_vivo_shape() {
    let (_, vivo, reg, router, token) = authed().await;
    fault_next(
        &vivo,
        FaultKind::ErrorCode {
            code: "10070".into(),
        },
    );
    assert_eq!(
        send(&router, &token, message(&reg, json!({}))).await["result"],
        10070
    );
    vivo.faults().add(Fault {
        scope: FaultScope::Token { token: reg.clone() },
        kind: FaultKind::ServerError { status: 500 },
    });
    let (status, bytes) = call_raw(
        &router,
        vivo::SEND_PATH,
        &[("authToken", &token)],
        message(&reg, json!({})).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(bytes, b"Internet server error!");
}

#[tokio::test]
async fn accepted_pushes_become_vivo_display_instructions() {
    let (s, _, reg, router, token) = authed().await;
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);

    send(
        &router,
        &token,
        message(
            &reg,
            json!({"skipType": 4, "skipContent": INTENT_URI, "clientCustomMap": {"ext": JSON_EXT}}),
        ),
    )
    .await;
    let i = next_display(&mut rx).await;
    insta::assert_json_snapshot!("vivo_instruction_page_with_ext", i, {".message_id" => "[id]", ".token" => "[token]"});
    assert_eq!(i.poster, Poster::SystemService);
    assert!(
        i.extras.is_empty(),
        "the ext travels in the SDK callback, not on the activity"
    );
    let cb = &i.callbacks[0];
    assert_eq!(
        (cb.action.as_str(), cb.on, cb.include_stopped_packages),
        (vivo::RECEIVE_ACTION, CallbackTrigger::Clicked, true)
    );
    assert_eq!(
        string_extras(&cb.extras).get("ext").map(String::as_str),
        Some(JSON_EXT)
    );

    send(
        &router,
        &token,
        message(
            &reg,
            json!({"skipType": 2, "skipContent": "https://cloud.tencent.com/document/product/269"}),
        ),
    )
    .await;
    let i = next_display(&mut rx).await;
    assert_eq!(
        i.click,
        ClickRoute::Url {
            url: "https://cloud.tencent.com/document/product/269".into()
        }
    );
    assert!(
        i.callbacks.is_empty(),
        "a web page does not involve the app"
    );
    send(&router, &token, message(&reg, json!({}))).await;
    assert_eq!(next_display(&mut rx).await.click, ClickRoute::Launcher);
}

async fn post(router: &axum::Router, path: &str, token: &str, body: Value) -> Value {
    let (status, v) = call(router, path, &[("authToken", token)], body).await;
    assert_eq!(status, StatusCode::OK);
    v
}

#[tokio::test]
async fn group_push_saves_a_body_then_sends_it_to_a_list() {
    let (s, vivo, reg, router, token) = authed().await;
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);
    let payload = json!({"appId": 10004, "notifyType": 4, "title": "Sale", "content": "Today only", "skipType": 1,
        "requestId": "p-1", "clientCustomMap": {"ext": JSON_EXT}});
    let v = post(
        &router,
        vivo::SAVE_LIST_PAYLOAD_PATH,
        &token,
        payload.clone(),
    )
    .await;
    assert_eq!(v["result"], 0, "{v}");
    let task_id = v["taskId"].as_str().expect("taskId").to_string();

    let unknown = "15985386600511011330053";
    let v = post(
        &router,
        vivo::PUSH_TO_LIST_PATH,
        &token,
        json!({"appId": 10004, "regIds": [reg, unknown], "taskId": task_id, "requestId": "l-1"}),
    )
    .await;
    assert_eq!(v["result"], 0, "{v}");
    assert_eq!(v["invalidUsers"], json!([{"status": 1, "userid": unknown}]));
    let i = next_display(&mut rx).await;
    assert_eq!(
        (i.notification.title.as_str(), i.token.as_str()),
        ("Sale", reg.as_str())
    );

    let cases: Vec<(&str, Value, i64)> = vec![
        (
            "one regId",
            json!({"appId": 10004, "regIds": [reg], "taskId": task_id, "requestId": "l"}),
            10067,
        ),
        (
            "regIds not a list",
            json!({"appId": 10004, "regIds": reg, "taskId": task_id, "requestId": "l"}),
            10067,
        ),
        (
            "unknown taskId",
            json!({"appId": 10004, "regIds": [reg, unknown], "taskId": "1", "requestId": "l"}),
            10066,
        ),
        (
            "appId of another app",
            json!({"appId": 1, "regIds": [reg, unknown], "taskId": task_id, "requestId": "l"}),
            10094,
        ),
    ];
    for (name, body, code) in cases {
        assert_eq!(
            post(&router, vivo::PUSH_TO_LIST_PATH, &token, body).await["result"],
            code,
            "{name}"
        );
    }
    let mut bad = payload.clone();
    bad["title"] = json!("");
    assert_eq!(
        post(&router, vivo::SAVE_LIST_PAYLOAD_PATH, &token, bad).await["result"],
        10053
    );
    vivo.set_limits(json!({"list_payloads_daily_per_app": 1}))
        .expect("limits");
    assert_eq!(
        post(&router, vivo::SAVE_LIST_PAYLOAD_PATH, &token, payload).await["result"],
        10252
    );
}

#[tokio::test]
async fn full_push_reaches_every_device_once_a_day() {
    let (s, _, reg, router, token) = authed().await;
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);
    let body = json!({"appId": 10004, "notifyType": 1, "title": "Hi all", "content": "News", "skipType": 1, "requestId": "a-1"});
    assert_eq!(
        post(&router, vivo::ALL_PATH, &token, body.clone()).await["result"],
        0
    );
    assert_eq!(next_display(&mut rx).await.token, reg);
    let v = post(&router, vivo::ALL_PATH, &token, body.clone()).await;
    assert_eq!(v["result"], 10254, "{v}");
    assert_eq!(vivo::diagnosis_for(10254), Diagnosis::VendorQuotaExceeded);
    s.clock.advance(Duration::from_secs(24 * 3600));
    let token = auth_token(&s, &router).await;
    assert_eq!(
        post(&router, vivo::ALL_PATH, &token, body).await["result"],
        0
    );
}

// ---------------------------------------------------------------------------
// Device registration
// ---------------------------------------------------------------------------

#[test]
fn registration_gives_23_digit_regids_or_state_101() {
    let vivo = Vivo::new(services());
    let mut info = DeviceInfo {
        brand: "vivo".into(),
        model: "X9".into(),
        rom: Rom::Funtouchos,
        vendor_push: true,
        ..DeviceInfo::default()
    };
    let reg = vivo.register(&info, PACKAGE).expect("supported");
    assert!(
        reg.len() == 23 && reg.chars().all(|c| c.is_ascii_digit()),
        "{reg}"
    );
    info.vendor_push = false;
    let err = vivo.register(&info, PACKAGE).expect_err("unsupported");
    assert_eq!(
        (err.code.as_str(), err.diagnosis),
        ("101", Diagnosis::VivoUnsupportedDevice)
    );
}

// ---------------------------------------------------------------------------
// Round trip over loopback
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_send_reaches_the_device_and_the_journal() {
    let (s, vivo, reg) = setup();
    let base = serve(vivo.router()).await;
    let http = reqwest::Client::new();
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);

    let mut p = push(
        ClickAction::OpenPage {
            page: PageTarget::IntentUri(INTENT_URI.into()),
        },
        Some(JSON_EXT),
    );
    p.token = reg.clone();
    p.android.vivo_category = Some("IM".into());
    let outcome = vivo.send(&http, &base, &p).await;
    let task_id = outcome.result.expect("accepted");
    assert_eq!(
        outcome.request,
        Some(("POST".into(), format!("{base}{}", vivo::SEND_PATH)))
    );

    let i = next_display(&mut rx).await;
    assert_eq!(i.message_id, MessageId::from("msg-1"));
    assert_eq!(
        i.click,
        ClickRoute::IntentUri {
            uri: INTENT_URI.into()
        }
    );
    assert_eq!(i.ext.as_deref(), Some(JSON_EXT));
    assert!(s.journal.chain(&MessageId::from("msg-1")).iter().any(|r| matches!(
        &r.event,
        Event::EndpointAccepted { vendor: VendorId::Vivo, vendor_message_id, .. } if *vendor_message_id == task_id
    )));
    vivo.send(&http, &base, &p).await.result.expect("again");
    assert_eq!(
        vivo.requests()
            .iter()
            .filter(|r| r.path == vivo::AUTH_PATH)
            .count(),
        1,
        "token cached"
    );
}

#[tokio::test]
async fn client_maps_vivo_refusals_to_diagnoses() {
    let (s, vivo, reg) = setup();
    let base = serve(vivo.router()).await;
    let http = reqwest::Client::new();
    let mut p = push(ClickAction::OpenApp, None);

    let r = vivo
        .send(&http, &base, &p)
        .await
        .result
        .expect_err("unknown regId");
    assert_eq!(
        (r.code, r.vendor_code.as_str()),
        (Diagnosis::VendorTokenInvalid, "10302")
    );

    p.token = reg.clone();
    let mut wrong = p.clone();
    if let Credentials::Vivo(c) = &mut wrong.certificate.credentials {
        c.app_secret = "wrong".into();
    }
    let r = vivo
        .send(&http, &base, &wrong)
        .await
        .result
        .expect_err("bad secret");
    assert_eq!(
        (r.code, r.vendor_code.as_str()),
        (Diagnosis::VendorAuthFailed, "10206")
    );

    p.android.vivo_classification = Some(json!("0"));
    p.android.vivo_category = Some("IM".into());
    let r = vivo
        .send(&http, &base, &p)
        .await
        .result
        .expect_err("mismatch");
    assert_eq!(
        (r.code, r.vendor_code.as_str()),
        (Diagnosis::VendorInvalidRequest, "10097")
    );
    p.android = AndroidInfo::default();

    fault_next(
        &vivo,
        FaultKind::ErrorCode {
            code: "10000".into(),
        },
    );
    vivo.send(&http, &base, &p)
        .await
        .result
        .expect("re-authenticated after 10000");

    fault_next(&vivo, FaultKind::ServerError { status: 500 });
    let r = vivo
        .send(&http, &base, &p)
        .await
        .result
        .expect_err("internal error");
    assert_eq!(
        (r.code, r.vendor_code.as_str(), r.message.as_str()),
        (
            Diagnosis::DeliveryTimeout,
            "http_500",
            "Internet server error!"
        )
    );

    fault_next(&vivo, FaultKind::Drop);
    assert_eq!(
        vivo.send(&http, &base, &p)
            .await
            .result
            .expect_err("dropped")
            .vendor_code,
        "transport"
    );
    // The endpoint journals the drop as the timeout the client reports.
    assert!(rejected_as(
        &s,
        VendorId::Vivo,
        "transport",
        Diagnosis::DeliveryTimeout
    ));
}

#[tokio::test]
async fn reset_forgets_tokens_logs_and_faults() {
    let (_, vivo, reg, router, token) = authed().await;
    vivo.faults().add(Fault {
        scope: FaultScope::Next { count: 3 },
        kind: FaultKind::Drop,
    });
    vivo.reset();
    assert!(vivo.requests().is_empty() && vivo.faults().list().is_empty());
    assert_eq!(
        send(&router, &token, message(&reg, json!({}))).await["result"],
        10000
    );
}

// ---------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,30}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("regId".to_string()),
                    Just("title".to_string()),
                    Just("content".to_string()),
                    Just("skipType".to_string()),
                    Just("skipContent".to_string()),
                    Just("notifyType".to_string()),
                    Just("clientCustomMap".to_string()),
                    Just("classification".to_string()),
                    Just("category".to_string()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_crash_any_endpoint(body in proptest::collection::vec(any::<u8>(), 0..300), which in 0usize..5) {
        let rt = runtime();
        let (_, _, _, router, token) = rt.block_on(authed());
        let path = [vivo::AUTH_PATH, vivo::SEND_PATH, vivo::SAVE_LIST_PAYLOAD_PATH, vivo::PUSH_TO_LIST_PATH, vivo::ALL_PATH][which];
        let (status, bytes) = rt.block_on(call_raw(&router, path, &[("authToken", &token)], body));
        prop_assert_eq!(status, StatusCode::OK);
        let v: Value = serde_json::from_slice(&bytes).expect("JSON answer");
        prop_assert!(v["result"].is_i64());
    }

    #[test]
    fn arbitrary_json_never_crashes_send(fields in arbitrary_json()) {
        let rt = runtime();
        let (_, _, reg, router, token) = rt.block_on(authed());
        let body = match fields {
            Value::Object(extra) => {
                let mut m = message(&reg, json!({}));
                if let Some(o) = m.as_object_mut() { o.extend(extra); }
                m
            }
            other => other,
        };
        let (status, v) = rt.block_on(call(&router, vivo::SEND_PATH, &[("authToken", &token)], body));
        prop_assert_eq!(status, StatusCode::OK);
        prop_assert!(v["result"].is_i64());
    }
}

/// One field of a request replaced by an arbitrary value: any i64, any
/// string, or any JSON value.
fn mutated_field() -> impl Strategy<Value = Value> {
    let edge = prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(-1), Just(0)];
    prop_oneof![
        edge.prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<i64>().prop_map(|n| Value::from(n.to_string())),
        arbitrary_json(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A valid auth request with one field replaced is answered in vivo's
    /// shape, never with a crash: the timestamp window and the signature
    /// checks are reached with any value.
    #[test]
    fn auth_with_one_field_mutated_answers_in_vivo_shape(
        field in prop_oneof![Just("appId"), Just("appKey"), Just("timestamp"), Just("sign")],
        value in mutated_field(),
    ) {
        let rt = runtime();
        let (s, vivo, _) = setup();
        let router = vivo.router();
        let mut body = signed_auth(&s, 0);
        body[field] = value;
        let (status, v) = rt.block_on(call(&router, vivo::AUTH_PATH, &[], body));
        prop_assert_eq!(status, StatusCode::OK);
        prop_assert!(v["result"].is_i64(), "{}", v);
    }

    /// A valid send with one field replaced is answered in vivo's shape.
    #[test]
    fn send_with_one_field_mutated_answers_in_vivo_shape(
        field in prop_oneof![
            Just("appId"), Just("regId"), Just("notifyType"), Just("title"), Just("content"),
            Just("skipType"), Just("skipContent"), Just("requestId"), Just("clientCustomMap"),
            Just("classification"), Just("category"), Just("timeToLive"), Just("networkType"),
        ],
        value in mutated_field(),
    ) {
        let rt = runtime();
        let (_, _, reg, router, token) = rt.block_on(authed());
        let mut body = message(&reg, json!({}));
        body[field] = value;
        let (status, v) = rt.block_on(call(&router, vivo::SEND_PATH, &[("authToken", &token)], body));
        prop_assert_eq!(status, StatusCode::OK);
        prop_assert!(v["result"].is_i64(), "{}", v);
    }
}

/// Forty concurrent sends with no cached token make one auth call between
/// them (vivo allows ten a second) and all of them are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_sends_share_one_auth_call() {
    let (_, vivo, reg) = setup();
    let mut p = push(ClickAction::OpenApp, None);
    p.token = reg;
    let auth_calls =
        auth_calls_of_concurrent_sends(&vivo, &p, 40, |path| path == vivo::AUTH_PATH).await;
    assert_eq!(auth_calls, 1);
}

/// An injected "server error" with a non-5xx status answers 500 and is
/// journaled as the timeout the client reports.
#[tokio::test]
async fn injected_server_errors_are_always_5xx_and_journaled() {
    let (s, vivo, reg, router, token) = authed().await;
    fault_next(&vivo, FaultKind::ServerError { status: 302 });
    let (status, _) = call(
        &router,
        vivo::SEND_PATH,
        &[("authToken", &token)],
        message(&reg, json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(rejected_as(
        &s,
        VendorId::Vivo,
        "http_500",
        Diagnosis::DeliveryTimeout
    ));
}

/// A message sent without a title carries the IM server's default title.
#[test]
fn send_request_with_the_default_title() {
    let p = with_default_title(push(ClickAction::OpenApp, None));
    insta::assert_json_snapshot!(
        "vivo_send_default_title",
        view(&vivo::build_send_request(&p, "TOKEN"))
    );
}

/// Android offline pushes cannot have a custom sound (the IM SDK does not
/// support it, since most vendors do not): `AndroidInfo.Sound` leaves the
/// vendor request exactly as it is without it, and the message is still
/// sent.
#[test]
fn android_sound_leaves_the_request_unchanged() {
    let request = |p: &Push| serde_json::to_value(vivo::build_send_request(p, "TOKEN")).unwrap();
    let plain = push(ClickAction::OpenApp, Some(JSON_EXT));
    let mut with_sound = plain.clone();
    with_sound.android.sound = Some("ring.mp3".into());
    assert_eq!(request(&with_sound), request(&plain));
}
