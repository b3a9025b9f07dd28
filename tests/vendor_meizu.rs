//! Meizu Flyme Push: the client's exact requests, the simulated endpoint's
//! answers (auth, validation, quotas, faults), a loopback round trip to a
//! device stream, and robustness against arbitrary input.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use proptest::prelude::*;
use pushlab::diagnosis::Diagnosis;
use pushlab::push::common::{Fault, FaultKind, FaultScope};
use pushlab::push::meizu::{self, Meizu};
use pushlab::push::{
    Certificate, ClickAction, Credentials, PageTarget, Push, Services, Vendor, VendorId,
};
use pushlab::services::clock::Timestamp;
use pushlab::services::journal::{Event, MessageId};
use pushlab::wire::protocol::{CallbackTrigger, ClickRoute, DeviceInfo, Poster, Rom};
use serde_json::{json, Value};
use tower::ServiceExt;

mod vendor_support;
use vendor_support::{
    add_device, click_events, ext_cases, fault_next, i64_with_extremes, next_display, open_url,
    push_with, rejected_as, respond, serve, services, with_default_title, JSON_EXT,
};

const APP_ID: &str = "100001";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const PACKAGE: &str = "com.tencent.qcloud.tim.demo";
const DEVICE: &str = "sim-flyme-1";
const TOKEN: &str = "ULY6c5968497e4a7c70517e4c4a6e0b045c5d66407b4e";

fn certificate(click: ClickAction) -> Certificate {
    Certificate {
        id: 4242,
        package: PACKAGE.into(),
        credentials: Credentials::Meizu(meizu::Credentials {
            app_id: APP_ID.into(),
            app_key: "appkey".into(),
            app_secret: SECRET.into(),
        }),
        click,
        channel_id: None,
        badge_class: None,
        saved_at: Timestamp(0),
        delay_secs: pushlab::push::CERTIFICATE_DELAY_SECS,
    }
}

fn push(click: ClickAction, ext: Option<&str>) -> Push {
    push_with(certificate(click), TOKEN, "Denny", "hello from Denny", ext)
}

fn page() -> ClickAction {
    ClickAction::OpenPage {
        page: PageTarget::Activity("com.tencent.qcloud.tim.demo.chat.ChatActivity".into()),
    }
}

/// A hub with the Meizu app registered and one device holding `TOKEN`.
fn hub() -> (Services, Meizu) {
    let s = services();
    s.apps.upsert(&certificate(ClickAction::OpenApp));
    add_device(
        &s,
        VendorId::Meizu,
        DEVICE,
        PACKAGE,
        TOKEN,
        DeviceInfo::default(),
    );
    let m = Meizu::new(s.clone());
    (s, m)
}

/// A signed form with these fields (the signature over all of them).
fn signed(fields: &[(&str, &str)], secret: &str) -> String {
    let mut form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let sign = meizu::sign(fields.iter().copied(), secret);
    form.push(("sign".into(), sign));
    serde_urlencoded::to_string(&form).unwrap()
}

/// A signed form sending `message_json` to the registered `TOKEN` as the
/// app itself.
fn signed_to_token(message_json: &str) -> String {
    signed(
        &[
            ("appId", APP_ID),
            ("pushIds", TOKEN),
            ("messageJson", message_json),
        ],
        SECRET,
    )
}

fn message_json(title: &str, content: &str, click: Value) -> String {
    json!({"noticeBarInfo": {"title": title, "content": content}, "clickTypeInfo": click})
        .to_string()
}

/// The client's form for a private message (`noticeMsgType` 1) opening
/// the app, outside the daily cap on public messages.
fn private_message_body() -> String {
    let mut p = push(ClickAction::OpenApp, None);
    p.android.meizu_notice_msg_type = Some(1);
    meizu::build_send_request(&p).unwrap().body
}

async fn post(m: &Meizu, body: String) -> (StatusCode, Value) {
    let req = Request::post(meizu::PUSH_PATH)
        .header(
            "content-type",
            "application/x-www-form-urlencoded;charset=UTF-8",
        )
        .body(Body::from(body))
        .unwrap();
    respond(&m.router(), req).await
}

// ---------------------------------------------------------------- signature

#[test]
fn signature_matches_the_worked_example_of_the_meizu_doc() {
    // MZ-API "接口签名规范": appId 10000, the Java literal messageJson, the
    // pushId and the literal secret "<APP_SECRET>" give ac076ff2….
    let params = [
        ("appId", "10000"),
        ("pushIds", "RA50c6348036344485d01776773577c64740465480a6b"),
        (
            "messageJson",
            r#"{"title":"title","content":"content","pushTimeInfo":{"offLine":1,"validTime":24}}"#,
        ),
    ];
    assert_eq!(
        meizu::sign_base_string(params, "<APP_SECRET>"),
        r#"appId=10000messageJson={"title":"title","content":"content","pushTimeInfo":{"offLine":1,"validTime":24}}pushIds=RA50c6348036344485d01776773577c64740465480a6b<APP_SECRET>"#
    );
    assert_eq!(
        meizu::sign(params, "<APP_SECRET>"),
        "ac076ff25d9900015a681cb5172aa53b"
    );
}

#[test]
fn signature_ignores_the_sign_parameter_itself() {
    let a = meizu::sign([("b", "2"), ("a", "1")], "s");
    let b = meizu::sign([("a", "1"), ("sign", "whatever"), ("b", "2")], "s");
    assert_eq!(a, b);
}

// ---------------------------------------------------------------- client requests

fn snapshot_request(push: &Push) -> Value {
    let req = meizu::build_send_request(push).expect("request");
    let form: serde_json::Map<String, Value> = req
        .form
        .iter()
        .map(|(k, v)| {
            let v = if k == "messageJson" {
                serde_json::from_str(v).unwrap()
            } else {
                json!(v)
            };
            (k.clone(), v)
        })
        .collect();
    json!({"method": req.method, "path": req.path, "headers": req.headers, "form": form})
}

#[test]
fn client_requests_for_every_click_event_with_and_without_ext() {
    for (name, click) in click_events(page()) {
        for (ext_name, ext) in ext_cases(JSON_EXT) {
            insta::assert_json_snapshot!(
                format!("meizu_request_{name}_{ext_name}"),
                snapshot_request(&push(click.clone(), ext))
            );
        }
    }
}

#[test]
fn client_request_for_a_private_message_with_a_custom_desc() {
    let mut p = push(ClickAction::OpenApp, Some(JSON_EXT));
    p.title = "Custom message".into();
    p.desc = "[custom] order shipped".into();
    p.android.meizu_notice_msg_type = Some(1);
    insta::assert_json_snapshot!("meizu_request_private_custom_desc", snapshot_request(&p));
}

#[test]
fn client_request_body_is_urlencoded_and_verifies() {
    let req = meizu::build_send_request(&push(page(), Some(JSON_EXT))).unwrap();
    let parsed: Vec<(String, String)> = serde_urlencoded::from_str(&req.body).unwrap();
    assert_eq!(parsed, req.form);
    let sign = parsed.iter().find(|(k, _)| k == "sign").unwrap().1.clone();
    assert_eq!(
        sign,
        meizu::sign(parsed.iter().map(|(k, v)| (k.as_str(), v.as_str())), SECRET)
    );
}

#[test]
fn client_refuses_pages_that_meizu_cannot_name() {
    let p = push(
        ClickAction::OpenPage {
            page: PageTarget::IntentUri("pushscheme://com.tencent.qcloud/detail".into()),
        },
        None,
    );
    let err = meizu::build_send_request(&p).unwrap_err();
    assert_eq!(err.code.code(), "vendor.invalid_request");
}

// ---------------------------------------------------------------- endpoint

#[tokio::test]
async fn accepted_push_answers_string_code_200_with_a_msg_id() {
    let (s, m) = hub();
    let req = meizu::build_send_request(&push(ClickAction::OpenApp, Some(JSON_EXT))).unwrap();
    let (status, v) = post(&m, req.body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["code"], "200");
    assert_eq!(v["message"], "");
    assert_eq!(v["value"], json!({}));
    assert_eq!(v["msgId"].as_str().unwrap().len(), 32);
    let accepted = s.journal.all().iter().any(|r| {
        matches!(&r.event, Event::EndpointAccepted { vendor: VendorId::Meizu, token, .. } if token == TOKEN)
    });
    assert!(accepted);
    assert!(m.requests()[0].accepted);
}

#[tokio::test]
async fn endpoint_rejections_carry_meizu_codes() {
    let valid_json = message_json("t", "c", json!({"clickType": 0}));
    struct Case {
        name: &'static str,
        body: String,
        code: &'static str,
    }
    let cases = vec![
        Case {
            name: "not a form",
            body: "%%%\u{0}".into(),
            code: "110004",
        },
        Case {
            name: "missing sign",
            body: serde_urlencoded::to_string([
                ("appId", APP_ID),
                ("pushIds", TOKEN),
                ("messageJson", &valid_json),
            ])
            .unwrap(),
            code: "110004",
        },
        Case {
            name: "empty pushIds",
            body: signed(
                &[
                    ("appId", APP_ID),
                    ("pushIds", ""),
                    ("messageJson", &valid_json),
                ],
                SECRET,
            ),
            code: "110004",
        },
        Case {
            name: "unknown appId",
            body: signed(
                &[
                    ("appId", "999"),
                    ("pushIds", TOKEN),
                    ("messageJson", &valid_json),
                ],
                SECRET,
            ),
            code: "110000",
        },
        Case {
            name: "bad signature",
            body: signed(
                &[
                    ("appId", APP_ID),
                    ("pushIds", TOKEN),
                    ("messageJson", &valid_json),
                ],
                "wrong-secret",
            ),
            code: "1006",
        },
        Case {
            name: "messageJson not JSON",
            body: signed_to_token("{nope"),
            code: "1005",
        },
        Case {
            name: "missing title",
            body: signed_to_token(&message_json("", "c", json!({}))),
            code: "110004",
        },
        Case {
            name: "title over 32 chars",
            body: signed_to_token(&message_json(&"标".repeat(33), "c", json!({}))),
            code: "1005",
        },
        Case {
            name: "content over 100 chars",
            body: signed_to_token(&message_json("t", &"x".repeat(101), json!({}))),
            code: "1005",
        },
        Case {
            name: "title of wrong type",
            body: signed_to_token(
                &json!({"noticeBarInfo": {"title": 5, "content": "c"}}).to_string(),
            ),
            code: "1005",
        },
        Case {
            name: "unknown clickType",
            body: signed_to_token(&message_json("t", "c", json!({"clickType": 7}))),
            code: "1005",
        },
        Case {
            name: "open page without activity",
            body: signed_to_token(&message_json("t", "c", json!({"clickType": 1}))),
            code: "110004",
        },
        Case {
            name: "open URI without url",
            body: signed_to_token(&message_json("t", "c", json!({"clickType": 2}))),
            code: "110004",
        },
        Case {
            name: "open URI with a url that is not http(s)",
            body: signed_to_token(&message_json(
                "t",
                "c",
                json!({"clickType": 2, "url": "javascript:alert(1)"}),
            )),
            code: "1005",
        },
        Case {
            name: "ext parameters not a JSON object",
            body: signed_to_token(&message_json(
                "t",
                "c",
                json!({"clickType": 0, "parameters": "plain text"}),
            )),
            code: "1005",
        },
        Case {
            name: "more than 100 pushIds",
            body: signed(
                &[
                    ("appId", APP_ID),
                    ("pushIds", &vec![TOKEN; 101].join(",")),
                    ("messageJson", &valid_json),
                ],
                SECRET,
            ),
            code: "1005",
        },
    ];
    for case in cases {
        let (_, m) = hub();
        let (status, v) = post(&m, case.body).await;
        assert_eq!(status, StatusCode::OK, "{}", case.name);
        assert_eq!(v["code"], json!(case.code), "{}: {v}", case.name);
        assert!(
            v["code"].is_string(),
            "{}: code must be a string",
            case.name
        );
        assert_eq!(v["value"], "", "{}", case.name);
        assert!(!m.requests()[0].accepted, "{}", case.name);
    }
}

#[tokio::test]
async fn bad_push_ids_are_listed_in_value_under_code_200() {
    let (s, m) = hub();
    let other = "J0476035d625e6c64567f71487e040e7d017f0558675b";
    let body = signed(
        &[
            ("appId", APP_ID),
            ("pushIds", &format!("{TOKEN},{other},bad!id")),
            (
                "messageJson",
                &message_json("t", "c", json!({"clickType": 0})),
            ),
        ],
        SECRET,
    );
    let (_, v) = post(&m, body).await;
    assert_eq!(v["code"], "200");
    assert_eq!(v["value"], json!({"110002": [other], "110003": ["bad!id"]}));
    let rejected = s
        .journal
        .all()
        .iter()
        .filter(|r| matches!(&r.event, Event::EndpointRejected { vendor_code, .. } if vendor_code == "110002"))
        .count();
    assert_eq!(rejected, 1);
}

#[tokio::test]
async fn unknown_token_is_a_token_invalid_rejection_for_the_client() {
    let (_, m) = hub();
    let mut p = push(ClickAction::OpenApp, None);
    p.token = "J0476035d625e6c64567f71487e040e7d017f0558675b".into();
    let req = meizu::build_send_request(&p).unwrap();
    let (_, v) = post(&m, req.body).await;
    let err = meizu::interpret_response(200, &v.to_string(), &p.token).unwrap_err();
    assert_eq!(err.vendor_code, "110002");
    assert_eq!(err.code.code(), "vendor.token_invalid");
}

#[tokio::test]
async fn a_fast_burst_hits_meizu_frequency_control() {
    let (_, m) = hub();
    // Private messages, so the daily public cap stays out of the way; the
    // per-device collapse is lifted to isolate the app-level rate.
    m.set_limits(json!({"collapse_per_device_per_minute": null}))
        .unwrap();
    let body = private_message_body();
    let mut codes = Vec::new();
    for _ in 0..100 {
        let (_, v) = post(&m, body.clone()).await;
        codes.push(v["code"].as_str().unwrap().to_string());
    }
    assert_eq!(codes.iter().filter(|c| *c == "200").count(), 50);
    let (_, v) = post(&m, body).await;
    assert_eq!(
        v,
        json!({"code": "110010", "message": "应用请求频率超过限制", "value": "", "redirect": ""})
    );
    assert_eq!(meizu::diagnosis_of("110010").code(), "vendor.rate_limited");
}

#[tokio::test]
async fn public_messages_are_capped_per_device_per_day() {
    let (s, m) = hub();
    let body = meizu::build_send_request(&push(ClickAction::OpenApp, None))
        .unwrap()
        .body;
    for _ in 0..3 {
        let (_, v) = post(&m, body.clone()).await;
        assert_eq!(v["value"], json!({}));
    }
    let (_, v) = post(&m, body.clone()).await;
    assert_eq!(v["code"], "200");
    assert_eq!(v["value"], json!({"110011": [TOKEN]}));
    let err = meizu::interpret_response(200, &v.to_string(), TOKEN).unwrap_err();
    assert_eq!(err.code.code(), "vendor.quota_exceeded");
    // The next China day the cap starts over.
    s.clock.advance(Duration::from_secs(86_400));
    let (_, v) = post(&m, body).await;
    assert_eq!(v["value"], json!({}));
}

#[tokio::test]
async fn more_than_five_messages_a_minute_to_one_device_are_collapsed() {
    let (s, m) = hub();
    let body = private_message_body();
    for _ in 0..5 {
        assert_eq!(post(&m, body.clone()).await.1["value"], json!({}));
    }
    assert_eq!(
        post(&m, body.clone()).await.1["value"],
        json!({"520": [TOKEN]})
    );
    s.clock.advance(Duration::from_secs(60));
    assert_eq!(post(&m, body).await.1["value"], json!({}));
}

#[tokio::test]
async fn app_daily_quota_answers_110019() {
    let (_, m) = hub();
    m.set_limits(json!({"app_daily": 1})).unwrap();
    let body = private_message_body();
    assert_eq!(post(&m, body.clone()).await.1["code"], "200");
    assert_eq!(post(&m, body).await.1["code"], "110019");
}

#[test]
fn limits_have_documented_defaults_and_refuse_unknown_keys() {
    let (_, m) = hub();
    assert_eq!(
        m.limits(),
        json!({"app_requests_per_second": 50, "collapse_per_device_per_minute": 5, "public_per_device_per_day": 3, "app_daily": null})
    );
    assert!(m.set_limits(json!({"qps": 1})).is_err());
    m.set_limits(json!({"public_per_device_per_day": 5}))
        .unwrap();
    assert_eq!(m.limits()["public_per_device_per_day"], 5);
    assert_eq!(m.limits()["app_requests_per_second"], 50);
}

#[tokio::test]
async fn injected_faults_answer_in_meizu_shape() {
    let (_, m) = hub();
    let body = meizu::build_send_request(&push(ClickAction::OpenApp, None))
        .unwrap()
        .body;
    fault_next(
        &m,
        FaultKind::ErrorCode {
            code: "1003".into(),
        },
    );
    let (_, v) = post(&m, body.clone()).await;
    assert_eq!(v["code"], "1003");
    m.faults().add(Fault {
        scope: FaultScope::Token {
            token: TOKEN.into(),
        },
        kind: FaultKind::ServerError { status: 502 },
    });
    let (status, _) = post(&m, body).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    m.reset();
    assert!(m.faults().list().is_empty());
    assert!(m.requests().is_empty());
}

// ---------------------------------------------------------------- round trip

#[tokio::test]
async fn round_trip_open_page_with_ext_reaches_the_device_stream() {
    let (s, m) = hub();
    let base = serve(m.router()).await;
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);
    let p = push(page(), Some(JSON_EXT));
    let outcome = m.send(&reqwest::Client::new(), &base, &p).await;
    let msg_id = outcome.result.expect("accepted");
    assert_eq!(msg_id.len(), 32);
    assert_eq!(
        outcome.request.unwrap().1,
        format!("{base}{}", meizu::PUSH_PATH)
    );

    let instruction = next_display(&mut rx).await;
    assert_eq!(instruction.message_id, MessageId::from("msg-1"));
    assert_eq!(instruction.poster, Poster::SystemService);
    assert_eq!(instruction.notification.title, "Denny");
    assert_eq!(instruction.notification.text, "hello from Denny");
    assert_eq!(
        instruction.click,
        ClickRoute::Component {
            component: format!("{PACKAGE}/com.tencent.qcloud.tim.demo.chat.ChatActivity")
        }
    );
    let extras = pushlab::wire::protocol::string_extras(&instruction.extras);
    assert_eq!(extras.get("ext").map(String::as_str), Some(JSON_EXT));
    let cb = &instruction.callbacks[0];
    assert_eq!(cb.action, "com.meizu.flyme.push.intent.MESSAGE");
    assert_eq!(cb.on, CallbackTrigger::Clicked);
    assert!(cb.include_stopped_packages);
    let cb_extras = pushlab::wire::protocol::string_extras(&cb.extras);
    assert_eq!(cb_extras["method"], "private");
    let self_define: Value = serde_json::from_str(&cb_extras["selfDefineContentString"]).unwrap();
    assert_eq!(self_define, json!({"ext": JSON_EXT}));
    insta::assert_json_snapshot!("meizu_instruction_open_page_json_ext", instruction, {
        ".token" => "[token]",
    });

    let chain = s.journal.chain(&MessageId::from("msg-1"));
    assert!(chain
        .iter()
        .any(|r| matches!(r.event, Event::EndpointAccepted { .. })));
    assert!(chain
        .iter()
        .any(|r| matches!(r.event, Event::InstructionDelivered { .. })));
}

#[tokio::test]
async fn round_trip_open_url_and_open_app() {
    let (s, m) = hub();
    let base = serve(m.router()).await;
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);
    let http = reqwest::Client::new();
    for (click, route, ext_extra) in [
        (
            open_url(),
            ClickRoute::Url {
                url: "https://cloud.tencent.com/document/product/269".into(),
            },
            None,
        ),
        (ClickAction::OpenApp, ClickRoute::Launcher, Some(JSON_EXT)),
    ] {
        let mut p = push(click, Some(JSON_EXT));
        p.android.meizu_notice_msg_type = Some(1);
        m.send(&http, &base, &p).await.result.expect("accepted");
        let instruction = next_display(&mut rx).await;
        assert_eq!(instruction.click, route);
        let extras = pushlab::wire::protocol::string_extras(&instruction.extras);
        assert_eq!(extras.get("ext").map(String::as_str), ext_extra);
    }
}

#[tokio::test]
async fn client_maps_transport_failures_and_dropped_connections() {
    let (_, m) = hub();
    let http = reqwest::Client::new();
    let out = m
        .send(
            &http,
            "http://127.0.0.1:1",
            &push(ClickAction::OpenApp, None),
        )
        .await;
    assert_eq!(out.result.unwrap_err().vendor_code, "transport");

    let base = serve(m.router()).await;
    fault_next(&m, FaultKind::Drop);
    let out = m
        .send(&http, &base, &push(ClickAction::OpenApp, None))
        .await;
    assert_eq!(out.result.unwrap_err().vendor_code, "transport");
}

// ---------------------------------------------------------------- register

#[test]
fn register_gives_a_push_id_on_flyme_and_refuses_elsewhere() {
    let (_, m) = hub();
    let flyme = DeviceInfo {
        brand: "Meizu".into(),
        manufacturer: "Meizu".into(),
        model: "MEIZU 20".into(),
        api_level: 33,
        rom: Rom::Flyme,
        region: "cn".into(),
        vendor_push: true,
        ..DeviceInfo::default()
    };
    let id = m.register(&flyme, PACKAGE).unwrap();
    assert_eq!(id.len(), 45);
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(id[3..]
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));

    let pixel = DeviceInfo {
        brand: "google".into(),
        manufacturer: "Google".into(),
        model: "Pixel 8".into(),
        ..DeviceInfo::default()
    };
    let err = m.register(&pixel, PACKAGE).unwrap_err();
    assert_eq!(err.diagnosis.code(), "meizu.unsupported_device");
}

// ---------------------------------------------------------------- robustness

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bodies_never_panic_nor_answer_500(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (_, m) = hub();
            let req = Request::post(meizu::PUSH_PATH).body(Body::from(body)).unwrap();
            let resp = m.router().oneshot(req).await.unwrap();
            prop_assert_eq!(resp.status(), StatusCode::OK);
            Ok(())
        })?;
    }

    #[test]
    fn arbitrary_signed_message_json_never_panics(raw in "\\PC{0,200}", title in "\\PC{0,40}", click in 0i64..6) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (_, m) = hub();
            for mj in [raw.clone(), message_json(&title, "c", json!({"clickType": click, "parameters": raw.clone()}))] {
                let (status, v) = post(&m, signed_to_token(&mj)).await;
                prop_assert_eq!(status, StatusCode::OK);
                prop_assert!(v["code"].is_string());
            }
            Ok(())
        })?;
    }

    #[test]
    fn signature_is_independent_of_parameter_order(mut params in proptest::collection::btree_map("[a-zA-Z]{1,8}", "\\PC{0,20}", 0..6)) {
        params.remove("sign");
        let forward: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut backward = forward.clone();
        backward.reverse();
        prop_assert_eq!(meizu::sign(forward, "k"), meizu::sign(backward, "k"));
    }
}

/// Any JSON value for one message field, edge integers included.
fn any_field_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        i64_with_extremes().prop_map(|n| json!(n)),
        i64_with_extremes().prop_map(|n| json!(n.to_string())),
        any::<f64>().prop_map(|n| json!(n)),
        "\\PC{0,30}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A valid signed push with one field of its message replaced is
    /// answered in Meizu's shape: the signature holds, so validation runs.
    #[test]
    fn signed_push_with_one_field_mutated_answers_in_meizu_shape(
        block in prop_oneof![Just("noticeBarInfo"), Just("clickTypeInfo"), Just("pushTimeInfo"), Just("noticeExpandInfo"), Just("advanceInfo")],
        field in prop_oneof![
            Just("title"), Just("content"), Just("noticeMsgType"), Just("noticeBarType"),
            Just("clickType"), Just("url"), Just("activity"), Just("parameters"),
            Just("validTime"), Just("offLine"), Just("notifyKey"),
        ],
        value in any_field_json(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (_, m) = hub();
            let mut mj: Value = serde_json::from_str(&message_json("t", "c", json!({"clickType": 0}))).unwrap();
            mj[block] = json!({});
            mj[block][field] = value;
            if block == "noticeBarInfo" {
                for (k, v) in [("title", "t"), ("content", "c")] {
                    if k != field { mj[block][k] = json!(v); }
                }
            }
            let (status, v) = post(&m, signed_to_token(&mj.to_string())).await;
            prop_assert_eq!(status, StatusCode::OK);
            prop_assert!(v["code"].is_string(), "{}", v);
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn changing_limits_keeps_todays_counts() {
    let (_, m) = hub();
    m.set_limits(json!({"app_daily": 1})).unwrap();
    let body = private_message_body();
    assert_eq!(post(&m, body.clone()).await.1["code"], "200");
    m.set_limits(json!({"app_requests_per_second": 1000}))
        .unwrap();
    assert_eq!(post(&m, body).await.1["code"], "110019");
}

/// A fault hits a correctly signed send only, and an injected server error
/// with a non-5xx status answers 500.
#[tokio::test]
async fn faults_hit_signed_sends_only_and_server_errors_are_5xx() {
    let (services, m) = hub();
    let body = meizu::build_send_request(&push(ClickAction::OpenApp, None))
        .unwrap()
        .body;
    fault_next(&m, FaultKind::ServerError { status: 200 });
    let unsigned = serde_urlencoded::to_string([("appId", APP_ID), ("pushIds", TOKEN)]).unwrap();
    let (status, v) = post(&m, unsigned).await;
    assert_eq!(status, StatusCode::OK, "no fault before the signature: {v}");
    let (status, _) = post(&m, body).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let last = m.requests().pop().expect("logged");
    assert_eq!(last.vendor_code, "http_500");
    assert!(rejected_as(
        &services,
        VendorId::Meizu,
        "http_500",
        Diagnosis::DeliveryTimeout
    ));
}

/// A message sent without a title carries the IM server's default title.
#[test]
fn send_request_with_the_default_title() {
    let p = with_default_title(push(ClickAction::OpenApp, None));
    insta::assert_json_snapshot!("meizu_send_default_title", snapshot_request(&p));
}

/// Android offline pushes cannot have a custom sound (the IM SDK does not
/// support it, since most vendors do not): `AndroidInfo.Sound` leaves the
/// vendor request exactly as it is without it, and the message is still
/// sent.
#[test]
fn android_sound_leaves_the_request_unchanged() {
    let request =
        |p: &Push| serde_json::to_value(meizu::build_send_request(p).expect("request")).unwrap();
    let plain = push(ClickAction::OpenApp, Some(JSON_EXT));
    let mut with_sound = plain.clone();
    with_sound.android.sound = Some("ring.mp3".into());
    assert_eq!(request(&with_sound), request(&plain));
}
