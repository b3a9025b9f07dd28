//! Arbitrary bodies to every hub endpoint never panic and never answer 500;
//! gateway messages round-trip through JSON.

mod support;

use axum::body::Body;
use axum::http::{Method, Request};
use proptest::prelude::*;
use pushlab::android::ExtraValue;
use pushlab::hub::Hub;
use pushlab::push::VendorId;
use pushlab::services::clock::Clock;
use pushlab::services::journal::MessageId;
use pushlab::wire::protocol::{
    CallbackBroadcast, CallbackTrigger, ClickRoute, DisplayInstruction, Extra, NotificationSpec,
    Poster, Requirement, StreamItem,
};
use tower::ServiceExt;

const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/v4/openim/sendmsg"),
    ("POST", "/v4/im_open_login_svc/account_import"),
    ("POST", "/im/v1/login"),
    ("POST", "/im/v1/logout"),
    ("POST", "/im/v1/push-token"),
    ("POST", "/admin/v1/certificates"),
    ("POST", "/admin/v1/accounts"),
    ("POST", "/admin/v1/accounts/u/kick"),
    ("POST", "/admin/v1/clock/advance"),
    ("POST", "/admin/v1/vendors/xiaomi/faults"),
    ("PUT", "/admin/v1/vendors/xiaomi/limits"),
    ("POST", "/gateway/v1/register"),
    ("POST", "/gateway/v1/events"),
    ("POST", "/gateway/v1/devices/d/commands"),
    ("POST", "/xiaomi/send"),
];

fn hub() -> Hub {
    Hub::with_vendors(Clock::virtual_at(support::T0), |s| {
        vec![std::sync::Arc::new(support::test_vendor::TestVendor::new(
            s.clone(),
        ))]
    })
}

fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        ".{0,200}".prop_map(String::into_bytes),
        // Plausible JSON with the right keys and wrong values.
        (
            prop::sample::select(vec![
                "To_Account",
                "MsgRandom",
                "MsgBody",
                "OfflinePushInfo",
                "user",
                "device",
                "session",
                "certificate_id",
                "token",
                "vendor",
                "package",
                "credentials",
                "seconds",
                "kind",
                "detail",
                "message_id",
                "type",
                "scope"
            ]),
            prop_oneof![
                Just(serde_json::json!(null)),
                Just(serde_json::json!(-1)),
                Just(serde_json::json!(1e300)),
                Just(serde_json::json!("x")),
                Just(serde_json::json!([{"MsgType": 1}])),
                Just(serde_json::json!({"vendor": "xiaomi"})),
            ]
        )
            .prop_map(|(k, v)| serde_json::json!({ k: v }).to_string().into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_endpoint_panics_or_answers_500(body in body_strategy()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let hub = hub();
        rt.block_on(async {
            for (method, path) in ENDPOINTS {
                let req = Request::builder()
                    .method(Method::from_bytes(method.as_bytes()).unwrap())
                    .uri(*path)
                    .header("content-type", "application/json")
                    .body(Body::from(body.clone()))
                    .unwrap();
                let resp = hub.router().oneshot(req).await.unwrap();
                prop_assert!(resp.status().as_u16() < 500, "{method} {path} answered {}", resp.status());
            }
            Ok(())
        })?;
    }

    #[test]
    fn display_instructions_round_trip(
        title in ".{0,40}", text in ".{0,80}", channel in proptest::option::of("[a-z_]{1,12}"),
        route in 0u8..5, ext in proptest::option::of(".{0,60}"), flag in any::<bool>(), n in any::<i32>(),
    ) {
        let click = match route {
            0 => ClickRoute::Launcher,
            1 => ClickRoute::IntentUri { uri: format!("intent:#Intent;S.k={n};end") },
            2 => ClickRoute::Component { component: "com.a/.B".into() },
            3 => ClickRoute::Action { action: "com.a.OPEN".into() },
            _ => ClickRoute::Url { url: "https://example.com/".into() },
        };
        let i = DisplayInstruction {
            message_id: MessageId(format!("msg-{n}")),
            vendor: VendorId::ALL[(n.unsigned_abs() % 6) as usize],
            package: "com.a".into(),
            token: "t".into(),
            notification: NotificationSpec { title, text, channel_id: channel, notify_id: Some(n), badge_class: None, badge_add_num: None, badge_set_num: None },
            poster: if flag { Poster::AppSdk } else { Poster::SystemService },
            click,
            extras: vec![
                Extra { key: "i".into(), value: ExtraValue::Int(n), requires: None },
                Extra { key: "b".into(), value: ExtraValue::Boolean(flag), requires: Some(Requirement::HuaweiPassthrough) },
            ],
            callbacks: vec![CallbackBroadcast {
                action: "com.a.CLICKED".into(), component: None, on: CallbackTrigger::Clicked,
                extras: ext.iter().map(|e| Extra::string("ext", e.clone())).collect(),
                include_stopped_packages: flag,
            }],
            ext,
        };
        let item = StreamItem::Display { instruction: Box::new(i) };
        let line = serde_json::to_string(&item).unwrap();
        prop_assert!(!line.contains('\n'));
        let back: StreamItem = serde_json::from_str(&line).unwrap();
        prop_assert_eq!(back, item);
    }
}
