//! Google FCM HTTP v1: the client's exact requests, the simulated token and
//! send endpoints (JWT-bearer auth, validation, quotas, faults), a loopback
//! round trip to a device stream, robustness against arbitrary input, and
//! interop with the real firebase-admin Python SDK.

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use proptest::prelude::*;
use pushlab::push::common::{Fault, FaultKind, FaultScope};
use pushlab::push::fcm::{self, Claims, Fcm, ServiceAccount};
use pushlab::push::{
    Certificate, ClickAction, Credentials, PageTarget, Push, Services, Vendor, VendorId,
};
use pushlab::services::clock::{Clock, Timestamp};
use pushlab::services::gateway::Registration;
use pushlab::services::journal::{Event, MessageId};
use pushlab::wire::protocol::{string_extras, CallbackTrigger, ClickRoute, DeviceInfo, Poster};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use tower::ServiceExt;

mod vendor_support;
use vendor_support::{
    add_device, auth_calls_of_concurrent_sends, ext_cases, fault_next, next_display, push_with,
    respond, serve, services_on, with_default_title, JSON_EXT, START,
};

const PROJECT: &str = "pushlab-demo";
const EMAIL: &str = "firebase-adminsdk-test@pushlab-demo.iam.gserviceaccount.com";
const KEY_ID: &str = "0123456789abcdef0123456789abcdef01234567";
const PACKAGE: &str = "com.tencent.qcloud.tim.demo";
const DEVICE: &str = "sim-pixel-1";

/// A TEST-ONLY RSA key generated once per test run (never a real account).
fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("test key"))
}

fn other_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("test key"))
}

fn pem(k: &RsaPrivateKey) -> String {
    k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
}

/// A service-account key file as Firebase hands it out.
fn service_account_json(project: &str, email: &str, token_uri: &str) -> Value {
    json!({
        "type": "service_account",
        "project_id": project,
        "private_key_id": KEY_ID,
        "private_key": pem(key()),
        "client_email": email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/test",
        "universe_domain": "googleapis.com"
    })
}

fn certificate(click: ClickAction) -> Certificate {
    Certificate {
        id: 7777,
        package: PACKAGE.into(),
        credentials: Credentials::Fcm(fcm::Credentials {
            service_account: service_account_json(PROJECT, EMAIL, fcm::GOOGLE_TOKEN_URI),
        }),
        click,
        channel_id: Some("im_channel".into()),
        badge_class: None,
        saved_at: Timestamp(0),
        delay_secs: pushlab::push::CERTIFICATE_DELAY_SECS,
    }
}

fn token() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| format!("cAbCdEfGhIjKlMnOpQrStU:APA91b{}", "x".repeat(134)))
}

fn unknown_token() -> String {
    format!("dZyXwVuTsRqPoNmLkJiHgF:APA91b{}", "y".repeat(134))
}

fn push(click: ClickAction, ext: Option<&str>) -> Push {
    push_with(
        certificate(click),
        token(),
        "Denny",
        "hello from Denny",
        ext,
    )
}

fn page() -> ClickAction {
    ClickAction::OpenPage {
        page: PageTarget::Action("com.tencent.qcloud.tim.demo.OPEN_CHAT".into()),
    }
}

fn hub() -> (Services, Fcm) {
    hub_on(Clock::virtual_at(START))
}

fn hub_on(clock: Clock) -> (Services, Fcm) {
    let s = services_on(clock);
    s.apps.upsert(&certificate(ClickAction::OpenApp));
    add_device(
        &s,
        VendorId::Fcm,
        DEVICE,
        PACKAGE,
        token(),
        DeviceInfo::default(),
    );
    let f = Fcm::new(s.clone());
    (s, f)
}

async fn call(f: &Fcm, req: Request<Body>) -> (StatusCode, Value) {
    respond(&f.router(), req).await
}

fn form_request(body: String) -> Request<Body> {
    Request::post(fcm::TOKEN_PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

fn assertion(claims: &Claims, k: &RsaPrivateKey, kid: &str) -> String {
    let a = fcm::sign_assertion(&fcm::encoding_key(k).unwrap(), kid, claims).unwrap();
    serde_urlencoded::to_string([("grant_type", fcm::JWT_BEARER), ("assertion", a.as_str())])
        .unwrap()
}

fn claims_at(now: Timestamp) -> Claims {
    Claims {
        iss: EMAIL.into(),
        scope: fcm::MESSAGING_SCOPE.into(),
        aud: json!(fcm::GOOGLE_TOKEN_URI),
        iat: now.seconds(),
        exp: now.seconds() + 3600,
    }
}

async fn access_token(f: &Fcm, s: &Services) -> String {
    let (status, v) = call(
        f,
        form_request(assertion(&claims_at(s.clock.now()), key(), KEY_ID)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["access_token"].as_str().unwrap().to_string()
}

fn send_request(project: &str, bearer: Option<&str>, body: &str) -> Request<Body> {
    let mut b = Request::post(fcm::send_path(project)).header("content-type", "application/json");
    if let Some(t) = bearer {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::from(body.to_string())).unwrap()
}

/// Sends `body` to the project's send endpoint with access token `t`.
async fn send_as(f: &Fcm, t: &str, body: &str) -> (StatusCode, Value) {
    call(f, send_request(PROJECT, Some(t), body)).await
}

fn fcm_error_code(v: &Value) -> Option<&str> {
    v["error"]["details"].as_array()?.iter().find_map(|d| {
        (d["@type"] == "type.googleapis.com/google.firebase.fcm.v1.FcmError")
            .then(|| d["errorCode"].as_str())
            .flatten()
    })
}

// ---------------------------------------------------------------- client requests

fn snapshot_send(push: &Push) -> Value {
    let req = fcm::build_send_request(push, "[access-token]").expect("request");
    json!({
        "method": req.method,
        "path": req.path,
        "headers": req.headers,
        "body": serde_json::from_str::<Value>(&req.body).unwrap(),
    })
}

#[test]
fn client_requests_for_open_app_and_open_page_with_and_without_ext() {
    for (name, click) in [("open_app", ClickAction::OpenApp), ("open_page", page())] {
        for (ext_name, ext) in ext_cases(JSON_EXT) {
            insta::assert_json_snapshot!(
                format!("fcm_request_{name}_{ext_name}"),
                snapshot_send(&push(click.clone(), ext))
            );
        }
    }
}

#[test]
fn client_request_with_channel_override_and_custom_desc() {
    let mut p = push(ClickAction::OpenApp, Some(JSON_EXT));
    p.desc = "[custom] order shipped".into();
    p.android.google_channel_id = Some("orders".into());
    insta::assert_json_snapshot!(
        "fcm_request_channel_override_custom_desc",
        snapshot_send(&p)
    );
}

#[test]
fn client_refuses_open_url_and_class_name_pages() {
    let url = ClickAction::OpenUrl {
        url: "https://cloud.tencent.com/document/product/269".into(),
    };
    let class = ClickAction::OpenPage {
        page: PageTarget::Activity("com.tencent.qcloud.tim.demo.chat.ChatActivity".into()),
    };
    for click in [url, class] {
        let err = fcm::build_send_request(&push(click, None), "t").unwrap_err();
        assert_eq!(err.code.code(), "vendor.invalid_request");
    }
}

#[tokio::test]
async fn open_url_certificates_fail_before_any_request() {
    let (_, f) = hub();
    let p = push(
        ClickAction::OpenUrl {
            url: "https://cloud.tencent.com/document/product/269".into(),
        },
        Some(JSON_EXT),
    );
    let out = f
        .send(&reqwest::Client::new(), "http://127.0.0.1:1", &p)
        .await;
    assert_eq!(out.request, None);
    assert_eq!(out.result.unwrap_err().vendor_code, "client");
    assert!(f.requests().is_empty());
}

#[test]
fn token_request_carries_a_google_auth_shaped_assertion() {
    let sa = ServiceAccount::parse(&service_account_json(PROJECT, EMAIL, fcm::GOOGLE_TOKEN_URI))
        .unwrap();
    let signing = fcm::encoding_key(key()).unwrap();
    let req =
        fcm::build_token_request(&sa, &signing, START, "http://127.0.0.1:9/fcm/token").unwrap();
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&req.body).unwrap();
    assert_eq!(form[0], ("grant_type".into(), fcm::JWT_BEARER.into()));
    let jwt = fcm::read_assertion(&form[1].1).unwrap();
    let public = fcm::decoding_key(&key().to_public_key()).unwrap();
    fcm::verify_assertion(&form[1].1, &public).unwrap();
    assert_eq!(
        serde_json::to_value(&jwt.header).unwrap(),
        json!({"alg": "RS256", "typ": "JWT", "kid": KEY_ID})
    );
    assert_eq!(
        jwt.claims,
        Claims {
            iss: EMAIL.into(),
            scope: fcm::MESSAGING_SCOPE.into(),
            aud: json!("https://oauth2.googleapis.com/token"),
            iat: START.seconds(),
            exp: START.seconds() + 3600,
        }
    );
    insta::assert_json_snapshot!(
        "fcm_token_request",
        json!({
            "method": req.method, "path": req.path, "headers": req.headers,
            "form": {"grant_type": form[0].1, "assertion": "[jwt]"},
        })
    );
}

#[test]
fn token_url_is_the_simulators_own_unless_talking_to_google() {
    let sa = ServiceAccount::parse(&service_account_json(PROJECT, EMAIL, fcm::GOOGLE_TOKEN_URI))
        .unwrap();
    assert_eq!(
        fcm::token_url("http://127.0.0.1:8080/fcm/", &sa),
        "http://127.0.0.1:8080/fcm/token"
    );
    assert_eq!(
        fcm::token_url("https://fcm.googleapis.com", &sa),
        fcm::GOOGLE_TOKEN_URI
    );
}

// ---------------------------------------------------------------- token endpoint

#[tokio::test]
async fn token_endpoint_issues_bearer_tokens_for_valid_assertions() {
    let (_, f) = hub();
    let (status, v) = call(
        &f,
        form_request(assertion(&claims_at(START), key(), KEY_ID)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["expires_in"], 3599);
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["access_token"].as_str().unwrap().starts_with("ya29."));
}

/// google-auth sends Google's token URL whatever the key file says, other
/// clients send the key file's `token_uri` or nothing: none is refused.
#[tokio::test]
async fn token_endpoint_accepts_any_audience_or_none() {
    let (s, f) = hub();
    for aud in [
        json!(fcm::GOOGLE_TOKEN_URI),
        json!("http://127.0.0.1:4000/fcm/token"),
        json!("http://127.0.0.1:4000/token/elsewhere"),
        json!("https://example.com/"),
        json!(["a", "b"]),
        Value::Null,
    ] {
        let mut c = claims_at(s.clock.now());
        c.aud = aud.clone();
        let (status, v) = call(&f, form_request(assertion(&c, key(), KEY_ID))).await;
        assert_eq!(status, StatusCode::OK, "aud {aud}: {v}");
    }
}

#[tokio::test]
async fn token_endpoint_refuses_bad_assertions_in_googles_oauth_shape() {
    let (_, f) = hub();
    let late = Claims {
        iat: START.seconds() - 7200,
        exp: START.seconds() - 3600,
        ..claims_at(START)
    };
    let long = Claims {
        exp: START.seconds() + 7200,
        ..claims_at(START)
    };
    let stranger = Claims {
        iss: "someone@else.iam.gserviceaccount.com".into(),
        ..claims_at(START)
    };
    let no_scope = Claims {
        scope: String::new(),
        ..claims_at(START)
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "wrong grant type",
            "grant_type=client_credentials&assertion=x".into(),
            "unsupported_grant_type",
        ),
        (
            "no assertion",
            format!("grant_type={}", fcm::JWT_BEARER),
            "invalid_request",
        ),
        (
            "not a JWT",
            format!("grant_type={}&assertion=abc", fcm::JWT_BEARER),
            "invalid_grant",
        ),
        (
            "unknown account",
            assertion(&stranger, key(), KEY_ID),
            "invalid_grant",
        ),
        (
            "signed with another key",
            assertion(&claims_at(START), other_key(), KEY_ID),
            "invalid_grant",
        ),
        (
            "another key id",
            assertion(&claims_at(START), key(), "ffff"),
            "invalid_grant",
        ),
        (
            "expired assertion",
            assertion(&late, key(), KEY_ID),
            "invalid_grant",
        ),
        (
            "longer than an hour",
            assertion(&long, key(), KEY_ID),
            "invalid_grant",
        ),
        (
            "no scope",
            assertion(&no_scope, key(), KEY_ID),
            "invalid_scope",
        ),
    ];
    for (name, body, error) in cases {
        let (status, v) = call(&f, form_request(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(v["error"], error, "{name}: {v}");
        assert!(v["error_description"].is_string(), "{name}");
    }
}

// ---------------------------------------------------------------- send endpoint

fn body_for(message: Value) -> String {
    json!({"message": message, "validate_only": false}).to_string()
}

#[tokio::test]
async fn send_accepts_a_valid_message_and_names_it() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let req = fcm::build_send_request(&push(ClickAction::OpenApp, Some(JSON_EXT)), &t).unwrap();
    let (status, v) = call(&f, send_request(PROJECT, Some(&t), &req.body)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["name"]
        .as_str()
        .unwrap()
        .starts_with("projects/pushlab-demo/messages/0:"));
    assert!(s.journal.all().iter().any(|r| matches!(
        &r.event,
        Event::EndpointAccepted {
            vendor: VendorId::Fcm,
            ..
        }
    )));
}

#[tokio::test]
async fn send_rejections_carry_google_rpc_errors_with_fcm_error_details() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let ok_message = json!({"token": token(), "notification": {"title": "t", "body": "b"}});
    struct Case {
        name: &'static str,
        project: &'static str,
        bearer: Option<String>,
        body: String,
        status: u16,
        canonical: &'static str,
        fcm: &'static str,
    }
    let tt = Some(t.clone());
    let cases = vec![
        Case {
            name: "no bearer",
            project: PROJECT,
            bearer: None,
            body: body_for(ok_message.clone()),
            status: 401,
            canonical: "UNAUTHENTICATED",
            fcm: "UNSPECIFIED_ERROR",
        },
        Case {
            name: "unknown bearer",
            project: PROJECT,
            bearer: Some("ya29.forged".into()),
            body: body_for(ok_message.clone()),
            status: 401,
            canonical: "UNAUTHENTICATED",
            fcm: "UNSPECIFIED_ERROR",
        },
        Case {
            name: "token of another project",
            project: "someone-else",
            bearer: tt.clone(),
            body: body_for(ok_message.clone()),
            status: 403,
            canonical: "PERMISSION_DENIED",
            fcm: "UNSPECIFIED_ERROR",
        },
        Case {
            name: "not JSON",
            project: PROJECT,
            bearer: tt.clone(),
            body: "{nope".into(),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "no message",
            project: PROJECT,
            bearer: tt.clone(),
            body: "{}".into(),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "no target",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"notification": {"title": "t"}})),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "token and topic",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"token": token(), "topic": "news"})),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "token and fid",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"token": token(), "fid": "cAbCdEfGhIjKlMnOpQrStU"})),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "malformed fid",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"fid": "short"})),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "unknown fid",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"fid": "zzzzzzzzzzzzzzzzzzzzzz"})),
            status: 404,
            canonical: "NOT_FOUND",
            fcm: "UNREGISTERED",
        },
        Case {
            name: "unknown field",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"token": token(), "colour": "red"})),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "bad priority",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"token": token(), "android": {"priority": "URGENT"}})),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "malformed token",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"token": "not-a-token"})),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "oversize",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"token": token(), "data": {"ext": "x".repeat(4100)}})),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "oversize topic message",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"topic": "news", "data": {"ext": "x".repeat(2100)}})),
            status: 400,
            canonical: "INVALID_ARGUMENT",
            fcm: "INVALID_ARGUMENT",
        },
        Case {
            name: "unknown token",
            project: PROJECT,
            bearer: tt.clone(),
            body: body_for(json!({"token": unknown_token()})),
            status: 404,
            canonical: "NOT_FOUND",
            fcm: "UNREGISTERED",
        },
    ];
    for c in cases {
        let (status, v) = call(&f, send_request(c.project, c.bearer.as_deref(), &c.body)).await;
        assert_eq!(status.as_u16(), c.status, "{}: {v}", c.name);
        assert_eq!(v["error"]["code"], c.status, "{}", c.name);
        assert_eq!(v["error"]["status"], c.canonical, "{}", c.name);
        assert_eq!(fcm_error_code(&v), Some(c.fcm), "{}: {v}", c.name);
    }
}

#[tokio::test]
async fn data_values_must_be_strings() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let body = body_for(json!({"token": token(), "data": {"ext": {"extKey": "ext content"}}}));
    let (status, v) = send_as(&f, &t, &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let violations = v["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.BadRequest")
        .unwrap();
    assert_eq!(
        violations["fieldViolations"][0]["field"],
        "message.data[0].value"
    );
    assert_eq!(fcm_error_code(&v), Some("INVALID_ARGUMENT"));
}

#[tokio::test]
async fn malformed_token_says_so() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let (_, v) = call(
        &f,
        send_request(PROJECT, Some(&t), &body_for(json!({"token": "abc"}))),
    )
    .await;
    assert_eq!(
        v["error"]["message"],
        "The registration token is not a valid FCM registration token"
    );
    let err = fcm::interpret_response(400, &v.to_string()).unwrap_err();
    assert_eq!(err.code.code(), "vendor.token_invalid");
}

#[tokio::test]
async fn access_tokens_expire_on_the_hub_clock() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let body = body_for(json!({"token": token()}));
    assert_eq!(send_as(&f, &t, &body).await.0, StatusCode::OK);
    s.clock.advance(Duration::from_secs(3600));
    let (status, v) = send_as(&f, &t, &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["details"][1]["reason"], "ACCESS_TOKEN_EXPIRED");
    assert_eq!(
        fcm::interpret_response(401, &v.to_string())
            .unwrap_err()
            .code
            .code(),
        "vendor.auth_failed"
    );
}

#[tokio::test]
async fn token_of_another_app_is_a_sender_id_mismatch() {
    let (s, f) = hub();
    s.gateway.add_registration(Registration {
        device: DEVICE.into(),
        vendor: VendorId::Fcm,
        package: "com.other.app".into(),
        token: unknown_token(),
        device_info: DeviceInfo::default(),
    });
    let t = access_token(&f, &s).await;
    let (status, v) = call(
        &f,
        send_request(
            PROJECT,
            Some(&t),
            &body_for(json!({"token": unknown_token()})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(fcm_error_code(&v), Some("SENDER_ID_MISMATCH"));
}

#[tokio::test]
async fn validate_only_validates_without_delivering() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let body = json!({"message": {"token": token()}, "validate_only": true}).to_string();
    let (status, v) = send_as(&f, &t, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["name"], "projects/pushlab-demo/messages/fake_message_id");
    assert!(!s.journal.all().iter().any(|r| matches!(
        r.event,
        Event::InstructionQueued { .. } | Event::EndpointAccepted { .. }
    )));
}

#[tokio::test]
async fn data_only_messages_are_accepted_but_show_nothing() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let body = body_for(json!({"token": token(), "data": {"ext": JSON_EXT}}));
    let (status, _) = send_as(&f, &t, &body).await;
    assert_eq!(status, StatusCode::OK);
    let events: Vec<_> = s.journal.all().iter().map(|r| r.event.clone()).collect();
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::EndpointAccepted { .. })));
    assert!(!events.iter().any(|e| matches!(
        e,
        Event::InstructionQueued { .. } | Event::InstructionDelivered { .. }
    )));
}

#[tokio::test]
async fn a_fast_burst_to_one_device_gets_quota_exceeded() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let body = body_for(json!({"token": token(), "notification": {"title": "t", "body": "b"}}));
    let mut statuses = Vec::new();
    for _ in 0..100 {
        statuses.push(send_as(&f, &t, &body).await);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .count(),
        50
    );
    let (status, v) = statuses.last().unwrap();
    assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v["error"]["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(fcm_error_code(v), Some("QUOTA_EXCEEDED"));
    assert_eq!(
        fcm::interpret_response(429, &v.to_string())
            .unwrap_err()
            .code
            .code(),
        "vendor.rate_limited"
    );
    // The next second the device may receive again.
    s.clock.advance(Duration::from_secs(1));
    assert_eq!(send_as(&f, &t, &body).await.0, StatusCode::OK);
}

#[tokio::test]
async fn project_quota_is_configurable() {
    let (s, f) = hub();
    assert_eq!(
        f.limits(),
        json!({"project_per_minute": 600000, "device_per_minute": 240, "device_per_second": 50})
    );
    assert!(f.set_limits(json!({"per_device": 1})).is_err());
    f.set_limits(json!({"project_per_minute": 1})).unwrap();
    let t = access_token(&f, &s).await;
    let body = body_for(json!({"token": token()}));
    assert_eq!(send_as(&f, &t, &body).await.0, StatusCode::OK);
    let (status, v) = send_as(&f, &t, &body).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(fcm_error_code(&v), Some("QUOTA_EXCEEDED"));
}

#[tokio::test]
async fn injected_faults_answer_in_fcm_shape() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let body = body_for(json!({"token": token()}));
    fault_next(
        &f,
        FaultKind::ErrorCode {
            code: "UNAVAILABLE".into(),
        },
    );
    let (status, v) = send_as(&f, &t, &body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(fcm_error_code(&v), Some("UNAVAILABLE"));
    f.faults().add(Fault {
        scope: FaultScope::Token {
            token: token().into(),
        },
        kind: FaultKind::ServerError { status: 500 },
    });
    let (status, v) = send_as(&f, &t, &body).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(fcm_error_code(&v), Some("INTERNAL"));
    f.reset();
    assert!(f.faults().list().is_empty());
    assert!(f.requests().is_empty());
    // Reset forgets issued tokens too.
    assert_eq!(send_as(&f, &t, &body).await.0, StatusCode::UNAUTHORIZED);
}

// ---------------------------------------------------------------- round trip

#[tokio::test]
async fn round_trip_open_page_with_ext_reaches_the_device_stream() {
    let (s, f) = hub();
    let base = serve(f.router()).await;
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);
    let http = reqwest::Client::new();
    let outcome = f.send(&http, &base, &push(page(), Some(JSON_EXT))).await;
    let name = outcome.result.expect("accepted");
    assert!(name.starts_with("projects/pushlab-demo/messages/"));
    assert_eq!(
        outcome.request.unwrap().1,
        format!("{base}/v1/projects/pushlab-demo/messages:send")
    );

    let instruction = next_display(&mut rx).await;
    assert_eq!(instruction.poster, Poster::AppSdk);
    assert_eq!(
        instruction.click,
        ClickRoute::Action {
            action: "com.tencent.qcloud.tim.demo.OPEN_CHAT".into()
        }
    );
    assert_eq!(
        instruction.notification.channel_id.as_deref(),
        Some("im_channel")
    );
    assert_eq!(string_extras(&instruction.extras)["ext"], JSON_EXT);
    assert_eq!(
        instruction.callbacks[0].action,
        "com.google.android.c2dm.intent.RECEIVE"
    );
    assert_eq!(instruction.callbacks[0].on, CallbackTrigger::Arrived);
    assert!(!instruction.callbacks[0].include_stopped_packages);
    insta::assert_json_snapshot!("fcm_instruction_open_page_json_ext", instruction, {
        ".token" => "[token]",
        ".extras[1].value.value" => "[message-id]",
        ".callbacks[0].extras[1].value.value" => "[message-id]",
    });
    let chain = s.journal.chain(&MessageId::from("msg-1"));
    assert!(chain
        .iter()
        .any(|r| matches!(r.event, Event::EndpointAccepted { .. })));

    // Open app: launcher, and the cached access token is reused.
    let mut p = push(ClickAction::OpenApp, None);
    p.android.google_channel_id = Some("orders".into());
    f.send(&http, &base, &p).await.result.expect("accepted");
    let instruction = next_display(&mut rx).await;
    assert_eq!(instruction.click, ClickRoute::Launcher);
    assert_eq!(
        instruction.notification.channel_id.as_deref(),
        Some("orders")
    );
    let token_requests = f
        .requests()
        .iter()
        .filter(|r| r.path == fcm::TOKEN_PATH)
        .count();
    assert_eq!(token_requests, 1);

    // Past the token's lifetime the client signs a new assertion.
    s.clock.advance(Duration::from_secs(3600));
    f.send(&http, &base, &p).await.result.expect("accepted");
    let token_requests = f
        .requests()
        .iter()
        .filter(|r| r.path == fcm::TOKEN_PATH)
        .count();
    assert_eq!(token_requests, 2);
}

#[tokio::test]
async fn client_maps_unknown_tokens_auth_failures_and_transport_errors() {
    let (s, f) = hub();
    let base = serve(f.router()).await;
    let http = reqwest::Client::new();
    let mut p = push(ClickAction::OpenApp, None);
    p.token = unknown_token();
    let err = f.send(&http, &base, &p).await.result.unwrap_err();
    assert_eq!(
        (err.vendor_code.as_str(), err.code.code()),
        ("UNREGISTERED", "vendor.token_invalid")
    );

    // A certificate whose account the vendor console does not know.
    s.apps.clear();
    f.forget_client_tokens();
    let err = f
        .send(&http, &base, &push(ClickAction::OpenApp, None))
        .await
        .result
        .unwrap_err();
    assert_eq!(
        (err.vendor_code.as_str(), err.code.code()),
        ("invalid_grant", "vendor.auth_failed")
    );

    let err = f
        .send(
            &http,
            "http://127.0.0.1:1",
            &push(ClickAction::OpenApp, None),
        )
        .await
        .result
        .unwrap_err();
    assert_eq!(err.vendor_code, "transport");
    assert_eq!(err.code, pushlab::diagnosis::Diagnosis::DeliveryTimeout);
}

// ---------------------------------------------------------------- register

#[test]
fn register_needs_play_services_outside_mainland_china() {
    let (_, f) = hub();
    let pixel = DeviceInfo {
        brand: "google".into(),
        model: "Pixel 8".into(),
        api_level: 34,
        region: "global".into(),
        play_services: true,
        ..DeviceInfo::default()
    };
    let t = f.register(&pixel, PACKAGE).unwrap();
    let (instance, rest) = t.split_once(':').unwrap();
    assert_eq!(instance.len(), 22);
    assert!(rest.starts_with("APA91b"));
    assert_eq!(t.len(), 163);

    let no_gms = DeviceInfo {
        play_services: false,
        ..pixel.clone()
    };
    let err = f.register(&no_gms, PACKAGE).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.diagnosis.code()),
        ("MISSING_INSTANCEID_SERVICE", "fcm.no_play_services")
    );

    let china = DeviceInfo {
        region: "cn".into(),
        ..pixel
    };
    let err = f.register(&china, PACKAGE).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.diagnosis.code()),
        ("SERVICE_NOT_AVAILABLE", "fcm.region_blocked")
    );
}

// ---------------------------------------------------------------- robustness

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn arbitrary_bodies_never_panic_nor_answer_500(body in proptest::collection::vec(any::<u8>(), 0..512), json_like in "\\PC{0,200}") {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (s, f) = hub();
            let (status, _) = call(&f, form_request(String::from_utf8_lossy(&body).into_owned())).await;
            prop_assert!(status.is_client_error());
            let t = access_token(&f, &s).await;
            for b in [String::from_utf8_lossy(&body).into_owned(), json_like.clone(), body_for(json!({"token": token(), "data": {"k": json_like.clone()}, "android": {"ttl": json_like.clone()}}))] {
                let (status, _) = call(&f, send_request(PROJECT, Some(&t), &b)).await;
                prop_assert!(!status.is_server_error());
            }
            Ok(())
        })?;
    }

    #[test]
    fn arbitrary_json_messages_never_panic(v in arb_json()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (s, f) = hub();
            let t = access_token(&f, &s).await;
            for b in [v.to_string(), json!({"message": v.clone()}).to_string(), json!({"message": {"token": token(), "android": v.clone()}}).to_string()] {
                let (status, _) = call(&f, send_request(PROJECT, Some(&t), &b)).await;
                prop_assert!(!status.is_server_error());
            }
            Ok(())
        })?;
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("token".to_string()),
                    Just("data".to_string()),
                    Just("notification".to_string()),
                    Just("topic".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ---------------------------------------------------------------- interop

/// The real firebase-admin SDK (pinned in tests/interop/requirements.txt)
/// against the simulator: only FCM_URL and the key file's token_uri point
/// at loopback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firebase_admin_python_sdk_talks_to_the_simulator() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-test-deps.sh",
        python.display()
    );
    // google-auth signs its assertion on the wall clock.
    let (s, f) = hub_on(Clock::virtual_now());
    let base = serve(f.router()).await;
    let dir = tempfile::tempdir().unwrap();
    let sa_path = dir.path().join("service-account.json");
    std::fs::write(
        &sa_path,
        serde_json::to_vec_pretty(&service_account_json(
            PROJECT,
            EMAIL,
            &format!("{base}/token"),
        ))
        .unwrap(),
    )
    .unwrap();
    let (mut rx, _guard) = s.gateway.open_stream(DEVICE);

    let output = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(&python)
            .arg(root.join("tests/interop/fcm_firebase_admin.py"))
            .arg(&base)
            .arg(&sa_path)
            .arg(token())
            .arg(unknown_token())
            .env("NO_PROXY", "127.0.0.1")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .output(),
    )
    .await
    .expect("firebase-admin script finished")
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "script failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: std::collections::HashMap<String, Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .map(|v| (v["case"].as_str().unwrap().to_string(), v["result"].clone()))
        .collect();

    let name = results["send"]["ok"]
        .as_str()
        .unwrap_or_else(|| panic!("send: {}", results["send"]));
    assert!(
        name.starts_with("projects/pushlab-demo/messages/0:"),
        "{name}"
    );
    let fid_name = results["fid_send"]["ok"]
        .as_str()
        .unwrap_or_else(|| panic!("fid: {}", results["fid_send"]));
    assert!(
        fid_name.starts_with("projects/pushlab-demo/messages/0:"),
        "{fid_name}"
    );
    assert_eq!(
        results["dry_run"]["ok"],
        "projects/pushlab-demo/messages/fake_message_id"
    );
    assert_eq!(
        results["unknown_token"]["error"], "UnregisteredError",
        "{}",
        results["unknown_token"]
    );
    assert_eq!(results["malformed_token"]["error"], "InvalidArgumentError");
    assert_eq!(
        results["oversize"]["error"], "InvalidArgumentError",
        "{}",
        results["oversize"]
    );
    assert_eq!(results["oversize"]["invalid_argument"], true);

    // The SDK's send reached the device with its data as extras.
    let instruction = next_display(&mut rx).await;
    assert_eq!(string_extras(&instruction.extras)["ext"], JSON_EXT);
    assert_eq!(
        instruction.notification.channel_id.as_deref(),
        Some("im_channel")
    );
    // google-auth signed one assertion and reused its token.
    assert_eq!(
        f.requests()
            .iter()
            .filter(|r| r.path == fcm::TOKEN_PATH && r.accepted)
            .count(),
        1
    );
}

// ---------------------------------------------------------------- one field mutated

fn any_i64() -> impl Strategy<Value = i64> {
    prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0), any::<i64>()]
}

#[tokio::test]
async fn extreme_iat_and_exp_are_refused_as_invalid_grant() {
    let (s, f) = hub();
    let now = s.clock.now();
    for (iat, exp) in [
        (i64::MIN, i64::MAX),
        (i64::MIN, now.seconds()),
        (now.seconds(), i64::MAX),
        (i64::MAX, i64::MIN),
    ] {
        let claims = Claims {
            iat,
            exp,
            ..claims_at(now)
        };
        let (status, v) = call(&f, form_request(assertion(&claims, key(), KEY_ID))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "iat {iat} exp {exp}: {v}");
        assert_eq!(v["error"], "invalid_grant", "iat {iat} exp {exp}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A validly signed assertion with any `iat` and `exp` is answered in
    /// Google's OAuth shape, never with a crash.
    #[test]
    fn assertions_with_any_iat_and_exp_never_panic(iat in any_i64(), exp in any_i64(), mutate_iat in any::<bool>()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (s, f) = hub();
            let mut claims = claims_at(s.clock.now());
            if mutate_iat { claims.iat = iat; } else { claims.exp = exp; }
            let (status, v) = call(&f, form_request(assertion(&claims, key(), KEY_ID))).await;
            prop_assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{} {}", status, v);
            Ok(())
        })?;
    }

    /// A valid send with one field of its message, its android block or
    /// its notification replaced by any JSON value never answers 5xx.
    #[test]
    fn send_with_one_field_mutated_never_panics(
        place in 0usize..3,
        field in prop_oneof![
            Just("token"), Just("data"), Just("notification"), Just("android"), Just("title"),
            Just("body"), Just("ttl"), Just("priority"), Just("collapse_key"), Just("click_action"),
            Just("channel_id"), Just("restricted_package_name"), Just("validate_only"),
        ],
        value in arb_json(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (s, f) = hub();
            let t = access_token(&f, &s).await;
            let mut body = json!({"message": {
                "token": token(),
                "notification": {"title": "a new message", "body": "Hello"},
                "data": {"ext": "{}"},
                "android": {"ttl": "60s", "priority": "high", "notification": {"channel_id": "tuikit", "click_action": "OPEN"}},
            }});
            match place {
                0 => body["message"][field] = value,
                1 => body["message"]["android"][field] = value,
                _ => body["message"]["android"]["notification"][field] = value,
            }
            let (status, v) = call(&f, send_request(PROJECT, Some(&t), &body.to_string())).await;
            prop_assert!(!status.is_server_error(), "{} {}", status, v);
            Ok(())
        })?;
    }
}

/// Forty concurrent sends with no cached access token make one token
/// request between them and all of them are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_sends_share_one_token_request() {
    let (_, f) = hub();
    let p = push(ClickAction::OpenApp, None);
    let token_calls =
        auth_calls_of_concurrent_sends(&f, &p, 40, |path| path == fcm::TOKEN_PATH).await;
    assert_eq!(token_calls, 1);
}

#[tokio::test]
async fn changing_limits_keeps_the_counts_of_the_current_window() {
    let (s, f) = hub();
    f.set_limits(json!({"project_per_minute": 1})).unwrap();
    let t = access_token(&f, &s).await;
    let body = body_for(json!({"token": token()}));
    assert_eq!(send_as(&f, &t, &body).await.0, StatusCode::OK);
    f.set_limits(json!({"device_per_second": 49})).unwrap();
    let (status, _) = send_as(&f, &t, &body).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

/// The size FCM limits is the message without its target: exactly 4096
/// bytes pass, one more is refused, and the token's length never counts.
#[tokio::test]
async fn message_size_is_measured_without_the_target() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    // `{"data":{"k":"<v>"}}` is 17 bytes around the value.
    let at_size = |n: usize| body_for(json!({"token": token(), "data": {"k": "v".repeat(n - 17)}}));
    let (status, v) = call(
        &f,
        send_request(PROJECT, Some(&t), &at_size(fcm::MAX_MESSAGE_BYTES)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = call(
        &f,
        send_request(PROJECT, Some(&t), &at_size(fcm::MAX_MESSAGE_BYTES + 1)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("too big"),
        "{v}"
    );
}

/// A message sent without a title carries the IM server's default title.
#[test]
fn send_request_with_the_default_title() {
    let p = with_default_title(push(ClickAction::OpenApp, None));
    insta::assert_json_snapshot!("fcm_send_default_title", snapshot_send(&p));
}

/// An injected server error with a non-5xx status answers 500; it and a
/// dropped connection are journaled as the timeouts the client reports.
#[tokio::test]
async fn injected_server_errors_and_drops_are_journaled() {
    let (s, f) = hub();
    let t = access_token(&f, &s).await;
    let body = body_for(json!({"token": token(), "notification": {"title": "t", "body": "b"}}));
    fault_next(&f, FaultKind::ServerError { status: 418 });
    let (status, _) = send_as(&f, &t, &body).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    fault_next(&f, FaultKind::Drop);
    let resp = f
        .router()
        .oneshot(send_request(PROJECT, Some(&t), &body))
        .await
        .unwrap();
    assert!(resp.into_body().collect().await.is_err());
    let journaled: Vec<String> = s
        .journal
        .all()
        .iter()
        .filter_map(|r| match &r.event {
            Event::EndpointRejected {
                vendor: VendorId::Fcm,
                vendor_code,
                code: pushlab::diagnosis::Diagnosis::DeliveryTimeout,
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
    let request = |p: &Push| {
        serde_json::to_value(fcm::build_send_request(p, "[access-token]").expect("request"))
            .unwrap()
    };
    let plain = push(ClickAction::OpenApp, Some(JSON_EXT));
    let mut with_sound = plain.clone();
    with_sound.android.sound = Some("ring.mp3".into());
    assert_eq!(request(&with_sound), request(&plain));
}
