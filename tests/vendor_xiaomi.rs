//! Xiaomi Mi Push: the request the IM server builds, the simulated endpoint's
//! answers (auth, validation, quotas, frequency control, faults) and the
//! device-side instruction an accepted push becomes.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use proptest::prelude::*;
use pushlab::diagnosis::Diagnosis;
use pushlab::push::common::{Fault, FaultKind, FaultScope};
use pushlab::push::xiaomi::{self, build_send_request, Xiaomi};
use pushlab::push::{
    Certificate, ClickAction, Credentials, PageTarget, Push, Services, Vendor, VendorId,
    MESSAGE_ID_HEADER,
};
use pushlab::services::clock::Timestamp;
use pushlab::services::journal::{Event, MessageId};
use pushlab::wire::protocol::{
    CallbackTrigger, ClickRoute, DeviceInfo, DisplayInstruction, Poster, Rom,
};
use serde_json::{json, Value};
use tower::ServiceExt;

mod vendor_support;
use vendor_support::{
    add_device, click_events, ext_cases, fault_next, journaled, next_display, open_chat_intent_uri,
    push_with, redact_header, respond, serve, services, with_default_title, CHAT_INTENT_URI,
    JSON_EXT,
};

const PACKAGE: &str = "com.tencent.qcloud.tim.tuikit";
const SECRET: &str = "5CJ9kq1w2e3r4t5y6u7i8o==";

fn certificate(click: ClickAction) -> Certificate {
    Certificate {
        id: 6666,
        package: PACKAGE.into(),
        credentials: Credentials::Xiaomi(xiaomi::Credentials {
            app_id: "2882303761517473625".into(),
            app_key: "5451747338625".into(),
            app_secret: SECRET.into(),
        }),
        click,
        channel_id: Some("im_channel".into()),
        badge_class: None,
        saved_at: Timestamp(0),
        delay_secs: pushlab::push::CERTIFICATE_DELAY_SECS,
    }
}

fn push(click: ClickAction, ext: Option<&str>) -> Push {
    push_with(certificate(click), "regid-1", "a new message", "hello", ext)
}

/// The request as a snapshot: the secret is replaced.
fn snapshot_of(p: &Push) -> Value {
    let req = serde_json::to_value(build_send_request(p).expect("request")).unwrap();
    redact_header(req, "Authorization", "key=[app_secret]")
}

#[test]
fn client_requests_for_each_click_event_with_and_without_ext() {
    for (name, click) in click_events(open_chat_intent_uri()) {
        for (ext_name, ext) in ext_cases(JSON_EXT) {
            insta::assert_json_snapshot!(
                format!("xiaomi_{name}_{ext_name}"),
                snapshot_of(&push(click.clone(), ext))
            );
        }
    }
}

#[test]
fn client_request_with_custom_desc_and_channel_override() {
    let mut p = push(ClickAction::OpenApp, Some(JSON_EXT));
    p.title = "Denny".into();
    p.desc = "[Custom message] jump to denny".into();
    p.android.xiaomi_channel_id = Some("high_system".into());
    let req = build_send_request(&p).unwrap();
    assert!(req
        .form
        .contains(&("extra.channel_id".into(), "high_system".into())));
    insta::assert_json_snapshot!("xiaomi_custom_desc_channel_override", snapshot_of(&p));
}

#[test]
fn client_refuses_an_in_app_page_given_as_activity_or_action() {
    for page in [
        PageTarget::Activity("com.example.Chat".into()),
        PageTarget::Action("com.example.OPEN".into()),
    ] {
        let e = build_send_request(&push(ClickAction::OpenPage { page }, None)).unwrap_err();
        assert_eq!(e.code, Diagnosis::VendorInvalidRequest);
    }
}

// ---------------------------------------------------------------------------
// Endpoint, in process
// ---------------------------------------------------------------------------

struct Lab {
    services: Services,
    mi: Xiaomi,
}

impl Lab {
    fn new() -> Lab {
        let services = services();
        services.apps.upsert(&certificate(ClickAction::OpenApp));
        let mi = Xiaomi::new(services.clone());
        Lab { services, mi }
    }

    fn register(&self, device: &str) -> String {
        let miui = DeviceInfo {
            rom: Rom::Miui,
            ..DeviceInfo::default()
        };
        let token = self.mi.register(&miui, PACKAGE).unwrap();
        add_device(
            &self.services,
            VendorId::Xiaomi,
            device,
            PACKAGE,
            &token,
            DeviceInfo::default(),
        );
        token
    }

    async fn post(
        &self,
        path: &str,
        auth: Option<&str>,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter())
            .finish();
        self.post_raw(path, auth, body.into_bytes()).await
    }

    async fn post_raw(&self, path: &str, auth: Option<&str>, body: Vec<u8>) -> (StatusCode, Value) {
        let mut req = Request::post(path)
            .header(
                "content-type",
                "application/x-www-form-urlencoded;charset=UTF-8",
            )
            .header(MESSAGE_ID_HEADER, "m-1");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        respond(&self.mi.router(), req.body(Body::from(body)).unwrap()).await
    }

    /// The well-formed send of [`good_form`] to `token`, authenticated.
    async fn send_good(&self, token: &str) -> (StatusCode, Value) {
        let auth = format!("key={SECRET}");
        self.post("/v3/message/regid", Some(&auth), &good_form(token))
            .await
    }

    /// Whether the body of the answer to a good send to `token` fails to
    /// complete (the connection is dropped).
    async fn send_good_is_cut_off(&self, token: &str) -> bool {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(good_form(token))
            .finish();
        let resp = self
            .mi
            .router()
            .oneshot(
                Request::post("/v3/message/regid")
                    .header("authorization", format!("key={SECRET}"))
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        resp.into_body().collect().await.is_err()
    }
}

/// Form fields in order.
type Form = Vec<(&'static str, &'static str)>;

fn good_form(token: &str) -> Vec<(&str, &str)> {
    vec![
        ("registration_id", token),
        ("restricted_package_name", PACKAGE),
        ("title", "a new message"),
        ("description", "hello"),
        ("extra.notify_effect", "1"),
        ("extra.ext", JSON_EXT),
    ]
}

fn with<'a>(form: &[(&'a str, &'a str)], key: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut f: Vec<_> = form.iter().filter(|(k, _)| *k != key).cloned().collect();
    f.push((key, value));
    f
}

fn without<'a>(form: &[(&'a str, &'a str)], key: &str) -> Vec<(&'a str, &'a str)> {
    form.iter().filter(|(k, _)| *k != key).cloned().collect()
}

#[tokio::test]
async fn accepted_send_answers_ok_with_a_message_id() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    for path in ["/v3/message/regid", "/v2/message/regid"] {
        let (status, v) = lab
            .post(path, Some(&format!("key={SECRET}")), &good_form(&token))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["result"], "ok");
        assert_eq!(v["code"], 0);
        assert!(v["data"]["id"].as_str().unwrap().starts_with("sdm"));
        assert!(v["trace_id"].is_string());
    }
    assert!(lab.mi.requests().iter().all(|r| r.accepted));
}

#[tokio::test]
async fn every_rejection_class_answers_mi_code_in_mi_shape() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let t: &'static str = Box::leak(token.into_boxed_str());
    let auth = format!("key={SECRET}");
    let good = good_form(t);
    let long_title: &'static str = Box::leak("标".repeat(50).into_boxed_str());
    let long_desc: &'static str = Box::leak("d".repeat(128).into_boxed_str());
    let long_value: &'static str = Box::leak("v".repeat(1025).into_boxed_str());
    let mut many_extras = good.clone();
    for k in [
        "extra.a", "extra.b", "extra.c", "extra.d", "extra.e", "extra.f", "extra.g", "extra.h",
        "extra.i", "extra.j",
    ] {
        many_extras.push((k, "x"));
    }
    let unauthenticated = [
        ("no auth", None),
        ("upper-case Key", Some(format!("Key={SECRET}"))),
        ("wrong secret", Some("key=nope".into())),
    ]
    .map(|(name, auth)| (name, auth, good.clone(), 21301));
    // Every other case is authenticated with the app secret.
    let authenticated: Vec<(&str, Form, i64)> = vec![
        (
            "missing package",
            without(&good, "restricted_package_name"),
            10016,
        ),
        (
            "other package",
            with(&good, "restricted_package_name", "com.other"),
            22022,
        ),
        ("missing regid", without(&good, "registration_id"), 10016),
        (
            "unknown regid",
            with(&good, "registration_id", "bm90LWEtcmVnaWQ="),
            20301,
        ),
        ("missing title", without(&good, "title"), 10016),
        ("blank title", with(&good, "title", "   "), 10016),
        ("title of 50", with(&good, "title", long_title), 10017),
        (
            "blank description",
            with(&good, "description", " \t"),
            10016,
        ),
        (
            "description of 128",
            with(&good, "description", long_desc),
            10017,
        ),
        (
            "bad notify_effect",
            with(&good, "extra.notify_effect", "4"),
            10017,
        ),
        (
            "effect 2 without intent_uri",
            with(&good, "extra.notify_effect", "2"),
            10016,
        ),
        (
            "effect 2 with a class_name but no intent_uri",
            with(
                &with(&good, "extra.notify_effect", "2"),
                "extra.class_name",
                "com.tencent.qcloud.tim.demo.chat.ChatActivity",
            ),
            10016,
        ),
        (
            "effect 3 without web_uri",
            with(&good, "extra.notify_effect", "3"),
            10016,
        ),
        (
            "notify_id not a number",
            with(&good, "notify_id", "x"),
            10017,
        ),
        ("11 custom extras", many_extras, 65014),
        (
            "custom value of 1025",
            with(&good, "extra.k", long_value),
            65015,
        ),
    ];
    let cases = unauthenticated.into_iter().chain(
        authenticated
            .into_iter()
            .map(|(name, form, code)| (name, Some(auth.clone()), form, code)),
    );
    for (name, auth, form, code) in cases {
        let (status, v) = lab.post("/v3/message/regid", auth.as_deref(), &form).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(v["result"], "error", "{name}");
        assert_eq!(v["code"], code, "{name}: {v}");
        assert!(
            v["reason"].is_string() && v["description"].is_string() && v["trace_id"].is_string(),
            "{name}"
        );
    }
    assert!(journaled(
        &lab.services,
        |e| matches!(e, Event::EndpointRejected { vendor_code, code: Diagnosis::VendorTokenInvalid, .. } if vendor_code == "20301")
    ));
    assert!(lab.mi.requests().iter().all(|r| !r.accepted));
}

#[tokio::test]
async fn partially_unknown_regids_are_listed_as_bad() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let targets = format!("{token},unknownregid");
    let mut form = good_form(&token);
    form[0] = ("registration_id", &targets);
    let (_, v) = lab
        .post("/v3/message/regid", Some(&format!("key={SECRET}")), &form)
        .await;
    assert_eq!(v["code"], 0);
    assert_eq!(v["data"]["bad_regids"], "unknownregid");
}

#[tokio::test]
async fn a_fast_burst_to_one_device_hits_frequency_control() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let mut codes = Vec::new();
    for _ in 0..100 {
        let (_, v) = lab.send_good(&token).await;
        codes.push(v["code"].as_i64().unwrap());
    }
    assert_eq!(codes[0], 0);
    assert!(
        codes.contains(&10027),
        "a burst of 100 sends to one device is throttled"
    );
    // A second later the device may be reached again.
    lab.services.clock.advance(Duration::from_secs(1));
    let (_, v) = lab.send_good(&token).await;
    assert_eq!(v["code"], 0);
}

#[tokio::test]
async fn daily_quota_answers_200001_until_the_next_china_day() {
    let lab = Lab::new();
    lab.mi
        .set_limits(json!({"daily_quota": 2, "device_per_second": 1000}))
        .unwrap();
    assert_eq!(lab.mi.limits()["daily_quota"], 2);
    assert!(lab.mi.set_limits(json!({"nope": 1})).is_err());
    let token = lab.register("dev-1");
    for _ in 0..2 {
        let (_, v) = lab.send_good(&token).await;
        assert_eq!(v["code"], 0);
    }
    let (_, v) = lab.send_good(&token).await;
    assert_eq!(v["code"], 200001);
    assert_eq!(v["reason"], "exceed quota, quota: 2, have acked: 2");
    lab.services.clock.advance(Duration::from_secs(86_400));
    let (_, v) = lab.send_good(&token).await;
    assert_eq!(v["code"], 0);
}

#[tokio::test]
async fn faults_answer_codes_server_errors_and_drops() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    fault_next(
        &lab.mi,
        FaultKind::ErrorCode {
            code: "10027".into(),
        },
    );
    let (_, v) = lab.send_good(&token).await;
    assert_eq!(v["code"], 10027);
    fault_next(&lab.mi, FaultKind::ServerError { status: 503 });
    let (status, _) = lab.send_good(&token).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    lab.mi.faults().add(Fault {
        scope: FaultScope::Token {
            token: token.clone(),
        },
        kind: FaultKind::Drop,
    });
    assert!(
        lab.send_good_is_cut_off(&token).await,
        "the body never completes"
    );
    lab.mi.reset();
    assert!(lab.mi.faults().list().is_empty());
    assert!(lab.mi.requests().is_empty());
}

#[tokio::test]
async fn accepted_push_becomes_mi_display_instructions() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let (mut rx, _guard) = lab.services.gateway.open_stream("dev-1");
    let auth = format!("key={SECRET}");

    // Open app: launcher plus onNotificationMessageClicked carrying ext.
    lab.post(
        "/v3/message/regid",
        Some(&auth),
        &with(&good_form(&token), "extra.channel_id", "im"),
    )
    .await;
    let i: DisplayInstruction = next_display(&mut rx).await;
    assert_eq!(i.click, ClickRoute::Launcher);
    assert_eq!(i.poster, Poster::SystemService);
    assert_eq!(i.notification.channel_id.as_deref(), Some("im"));
    assert!(i.extras.is_empty());
    let cb = &i.callbacks[0];
    assert_eq!(cb.action, "com.xiaomi.mipush.RECEIVE_MESSAGE");
    assert_eq!(cb.on, CallbackTrigger::Clicked);
    assert!(cb.include_stopped_packages);
    let msg: Value = serde_json::from_str(cb.extras[0].value.as_str().unwrap()).unwrap();
    assert_eq!(cb.extras[0].key, "key_message");
    assert_eq!(msg["extra"]["ext"], JSON_EXT);
    assert_eq!(msg["title"], "a new message");

    // Open in-app page: the intent URI with the MiPushMessage as key_message.
    let form = with(
        &with(&good_form(&token), "extra.notify_effect", "2"),
        "extra.intent_uri",
        CHAT_INTENT_URI,
    );
    lab.post("/v3/message/regid", Some(&auth), &form).await;
    let i = next_display(&mut rx).await;
    assert_eq!(
        i.click,
        ClickRoute::IntentUri {
            uri: CHAT_INTENT_URI.into()
        }
    );
    assert!(i.callbacks.is_empty());
    let msg: Value = serde_json::from_str(i.extras[0].value.as_str().unwrap()).unwrap();
    assert_eq!(i.extras[0].key, "key_message");
    assert_eq!(msg["extra"]["ext"], JSON_EXT);

    // Open URL.
    let form = with(
        &with(&good_form(&token), "extra.notify_effect", "3"),
        "extra.web_uri",
        "https://example.com/p",
    );
    lab.post("/v3/message/regid", Some(&auth), &form).await;
    let i = next_display(&mut rx).await;
    assert_eq!(
        i.click,
        ClickRoute::Url {
            url: "https://example.com/p".into()
        }
    );
    assert!(i.callbacks.is_empty() && i.extras.is_empty());
}

// ---------------------------------------------------------------------------
// Round trip over loopback
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_send_round_trip_over_loopback() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let (mut rx, _guard) = lab.services.gateway.open_stream("dev-1");
    let base = serve(lab.mi.router()).await;
    let http = reqwest::Client::new();

    let mut p = push(open_chat_intent_uri(), Some(JSON_EXT));
    p.token = token.clone();
    let outcome = lab.mi.send(&http, &base, &p).await;
    let id = outcome.result.expect("accepted");
    assert!(id.starts_with("sdm"));
    assert_eq!(
        outcome.request.unwrap().1,
        format!("{base}/v3/message/regid")
    );

    let instruction = next_display(&mut rx).await;
    assert_eq!(instruction.message_id, MessageId::from("msg-1"));
    assert_eq!(
        instruction.click,
        ClickRoute::IntentUri {
            uri: CHAT_INTENT_URI.into()
        }
    );
    assert_eq!(
        instruction.notification.channel_id.as_deref(),
        Some("im_channel")
    );
    assert_eq!(instruction.ext.as_deref(), Some(JSON_EXT));
    assert!(lab
        .services
        .journal
        .chain(&MessageId::from("msg-1"))
        .iter()
        .any(|r| matches!(&r.event, Event::EndpointAccepted { token: t, .. } if *t == token)));

    // Unknown token, wrong secret, transport failure.
    p.token = "unknown".into();
    let e = lab.mi.send(&http, &base, &p).await.result.unwrap_err();
    assert_eq!(
        (e.code, e.vendor_code.as_str()),
        (Diagnosis::VendorTokenInvalid, "20301")
    );
    let mut bad = push(ClickAction::OpenApp, None);
    bad.token = token.clone();
    if let Credentials::Xiaomi(c) = &mut bad.certificate.credentials {
        c.app_secret = "wrong".into();
    }
    let e = lab.mi.send(&http, &base, &bad).await.result.unwrap_err();
    assert_eq!(
        (e.code, e.vendor_code.as_str()),
        (Diagnosis::VendorAuthFailed, "21301")
    );
    fault_next(&lab.mi, FaultKind::Drop);
    let e = lab.mi.send(&http, &base, &p).await.result.unwrap_err();
    assert_eq!(e.vendor_code, "transport");
    let e = lab
        .mi
        .send(&http, "http://127.0.0.1:1", &p)
        .await
        .result
        .unwrap_err();
    assert_eq!(e.vendor_code, "transport");
}

#[test]
fn reg_ids_have_mi_shape() {
    let mi = Xiaomi::new(services());
    let miui = DeviceInfo {
        rom: Rom::Miui,
        ..DeviceInfo::default()
    };
    let id = mi.register(&miui, PACKAGE).unwrap();
    assert_eq!(id.len(), 64);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'));
    let stock = mi.register(&DeviceInfo::default(), PACKAGE).unwrap_err();
    assert_eq!(stock.diagnosis, Diagnosis::XiaomiUnsupportedDevice);
}

// ---------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bodies_never_panic_nor_answer_500(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        auth in proptest::option::of("(key=)?[ -~]{0,30}"),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let lab = Lab::new();
            let (status, v) = lab.post_raw("/v3/message/regid", auth.as_deref(), body).await;
            prop_assert_eq!(status, StatusCode::OK);
            prop_assert!(v["code"].is_i64());
            Ok(())
        })?;
    }

    #[test]
    fn arbitrary_forms_never_panic(
        fields in proptest::collection::vec(
            (prop_oneof![
                Just("title".to_string()), Just("description".to_string()),
                Just("extra.notify_effect".to_string()), Just("notify_id".to_string()),
                Just("registration_id".to_string()), Just("restricted_package_name".to_string()),
                Just("time_to_send".to_string()), "extra\\.[a-z]{1,5}"
            ], ".{0,60}"),
            0..16),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let lab = Lab::new();
            let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (status, v) = lab.post("/v3/message/regid", Some(&format!("key={SECRET}")), &form).await;
            prop_assert_eq!(status, StatusCode::OK);
            prop_assert!(v["code"].is_i64());
            Ok(())
        })?;
    }
}

/// Text for one form field: any i64 (edges included) or any string.
fn any_field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop_oneof![
            Just(i64::MIN),
            Just(i64::MAX),
            Just(-1i64),
            Just(0i64),
            any::<i64>()
        ]
        .prop_map(|n| n.to_string()),
        Just(String::new()),
        ".{0,60}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A valid authenticated send with one field replaced (or added) is
    /// answered in Mi's shape: validation sees every value.
    #[test]
    fn send_with_one_field_mutated_answers_in_mi_shape(
        key in prop_oneof![
            Just("registration_id"), Just("restricted_package_name"), Just("title"),
            Just("description"), Just("payload"), Just("pass_through"), Just("notify_type"),
            Just("notify_id"), Just("time_to_live"), Just("time_to_send"),
            Just("extra.notify_effect"), Just("extra.intent_uri"), Just("extra.web_uri"),
            Just("extra.channel_id"), Just("extra.ext"), Just("extra.class_name"),
        ],
        value in any_field_text(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let lab = Lab::new();
            let token = lab.register("dev-1");
            let form = with(&good_form(&token), key, &value);
            let (status, v) = lab.post("/v3/message/regid", Some(&format!("key={SECRET}")), &form).await;
            prop_assert_eq!(status, StatusCode::OK);
            prop_assert!(v["code"].is_i64(), "{}", v);
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn thousands_of_extras_are_refused_with_65014_and_repeats_keep_the_last_value() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    let auth = format!("key={SECRET}");
    let keys: Vec<String> = (0..20_000).map(|i| format!("extra.k{i}")).collect();
    let mut form = good_form(&token);
    form.extend(keys.iter().map(|k| (k.as_str(), "v")));
    let (_, v) = lab.post("/v3/message/regid", Some(&auth), &form).await;
    assert_eq!(v["code"], 65014, "{v}");

    // One key sent 20,000 times is one extra.
    let values: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
    let mut form = good_form(&token);
    form.extend(values.iter().map(|v| ("extra.k", v.as_str())));
    let (_, v) = lab.post("/v3/message/regid", Some(&auth), &form).await;
    assert_eq!(v["code"], 0, "{v}");
}

#[tokio::test]
async fn an_unauthenticated_send_is_refused_before_its_body_is_read() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    fault_next(
        &lab.mi,
        FaultKind::ErrorCode {
            code: "10027".into(),
        },
    );
    let (_, v) = lab
        .post("/v3/message/regid", Some("key=wrong"), &good_form(&token))
        .await;
    assert_eq!(v["code"], 21301, "{v}");
    let log = lab.mi.requests().pop().expect("logged");
    assert!(log.tokens.is_empty(), "{log:?}");
    // The fault was kept for the next authenticated send.
    let (_, v) = lab
        .post(
            "/v3/message/regid",
            Some(&format!("key={SECRET}")),
            &good_form(&token),
        )
        .await;
    assert_eq!(v["code"], 10027, "{v}");
}

#[tokio::test]
async fn changing_limits_keeps_todays_counts() {
    let lab = Lab::new();
    lab.mi
        .set_limits(json!({"daily_quota": 2, "device_per_second": 1000}))
        .unwrap();
    let token = lab.register("dev-1");
    for _ in 0..2 {
        let (_, v) = lab.send_good(&token).await;
        assert_eq!(v["code"], 0);
    }
    lab.mi
        .set_limits(json!({"device_per_second": 999}))
        .unwrap();
    let (_, v) = lab.send_good(&token).await;
    assert_eq!(v["code"], 200001, "the two sent today still count: {v}");
}

/// A message sent without a title carries the IM server's default title.
#[test]
fn send_request_with_the_default_title() {
    let p = with_default_title(push(ClickAction::OpenApp, None));
    insta::assert_json_snapshot!("xiaomi_send_default_title", snapshot_of(&p));
}

/// An injected server error with a non-5xx status answers 500; it and a
/// dropped connection are logged and journaled as the timeouts the client
/// reports.
#[tokio::test]
async fn injected_server_errors_and_drops_are_journaled() {
    let lab = Lab::new();
    let token = lab.register("dev-1");
    fault_next(&lab.mi, FaultKind::ServerError { status: 200 });
    let (status, _) = lab.send_good(&token).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    fault_next(&lab.mi, FaultKind::Drop);
    assert!(lab.send_good_is_cut_off(&token).await);
    let logged: Vec<String> = lab
        .mi
        .requests()
        .iter()
        .map(|r| r.vendor_code.clone())
        .collect();
    assert_eq!(logged, ["http_500", "transport"]);
    let journaled: Vec<String> = lab
        .services
        .journal
        .all()
        .iter()
        .filter_map(|r| match &r.event {
            Event::EndpointRejected {
                vendor: VendorId::Xiaomi,
                vendor_code,
                code: Diagnosis::DeliveryTimeout,
                ..
            } => Some(vendor_code.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(journaled, ["http_500", "transport"]);
}

/// Android offline pushes cannot have a custom sound (the IM SDK does not
/// support it, since most vendors do not): `AndroidInfo.Sound` leaves the
/// vendor request exactly as it is without it, and the message is still
/// sent.
#[test]
fn android_sound_leaves_the_request_unchanged() {
    let request = |p: &Push| serde_json::to_value(build_send_request(p).expect("request")).unwrap();
    let plain = push(ClickAction::OpenApp, Some(JSON_EXT));
    let mut with_sound = plain.clone();
    with_sound.android.sound = Some("ring.mp3".into());
    assert_eq!(request(&with_sound), request(&plain));
}
