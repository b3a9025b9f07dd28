//! Shared helpers for the vendor endpoint tests: services on a virtual
//! clock, device registration, in-process and loopback calls to a vendor's
//! router, reading the gateway stream, fault injection and journal checks.
//! Each vendor test file keeps its own credentials, certificates and
//! request shapes; what is here is the same for every vendor.

#![allow(dead_code)]

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use proptest::prelude::*;
use pushlab::diagnosis::Diagnosis;
use pushlab::push::common::{AppRegistry, Fault, FaultKind, FaultScope};
use pushlab::push::{
    AndroidInfo, Certificate, ClickAction, PageTarget, Push, Services, Vendor, VendorId,
};
use pushlab::services::clock::{Clock, Timestamp};
use pushlab::services::gateway::{Gateway, Registration};
use pushlab::services::journal::{Event, Journal, MessageId};
use pushlab::wire::protocol::{DeviceInfo, DisplayInstruction, Rom, StreamItem};
use serde_json::{json, Value};
use tower::ServiceExt;

/// 2026-11-22T02:30:00Z: every vendor test runs on a virtual clock from here.
pub const START: Timestamp = Timestamp(1_795_314_600_000);

/// How long a test waits for an instruction on a device stream.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The web page every "open URL" click event in these tests points at.
pub const DOC_URL: &str = "https://cloud.tencent.com/document/product/269";

/// The custom content most tests push: a JSON object, as the IM server's
/// `ext` usually is.
pub const JSON_EXT: &str = r#"{"extKey":"ext content"}"#;

/// The TUIKit demo's chat page as an intent URI, as the IM console takes it
/// for the "open page" click event.
pub const CHAT_INTENT_URI: &str = "intent://com.tencent.qcloud.tim/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;component=com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity;end";

/// Services (clock, journal, gateway, empty app registry) on a virtual
/// clock at [`START`].
pub fn services() -> Services {
    services_on(Clock::virtual_at(START))
}

/// Services on the given clock, for tests that need a clock of their own
/// (a third-party SDK that signs on the wall clock).
pub fn services_on(clock: Clock) -> Services {
    let journal = Journal::new(clock.clone());
    Services::new(
        clock,
        journal.clone(),
        Gateway::new(journal),
        AppRegistry::default(),
    )
}

/// Tells the gateway that `device` holds `token` for `package` with `vendor`,
/// as the device's push SDK would after registering.
pub fn add_device(
    s: &Services,
    vendor: VendorId,
    device: &str,
    package: &str,
    token: &str,
    device_info: DeviceInfo,
) {
    s.gateway.add_registration(Registration {
        device: device.into(),
        vendor,
        package: package.into(),
        token: token.into(),
        device_info,
    });
}

/// A device of `brand` on API 33 in mainland China, running its maker's
/// ROM, whose vendor push service is available: what the vendors require
/// to register.
pub fn cn_device(brand: &str) -> DeviceInfo {
    DeviceInfo {
        brand: brand.into(),
        api_level: 33,
        rom: Rom::shipped_by(brand),
        region: "cn".into(),
        vendor_push: true,
        ..DeviceInfo::default()
    }
}

/// Registers `package` on `device` with `vendor`, as the device's push SDK
/// would, and tells the gateway; returns the token the vendor issued.
pub fn register_device(
    vendor: &impl Vendor,
    s: &Services,
    device: &str,
    package: &str,
    info: DeviceInfo,
) -> String {
    let token = vendor.register(&info, package).expect("registers");
    add_device(s, vendor.id(), device, package, &token, info);
    token
}

/// The "open URL" click event to [`DOC_URL`].
pub fn open_url() -> ClickAction {
    ClickAction::OpenUrl {
        url: DOC_URL.into(),
    }
}

/// The "open page" click event to [`CHAT_INTENT_URI`].
pub fn open_chat_intent_uri() -> ClickAction {
    ClickAction::OpenPage {
        page: PageTarget::IntentUri(CHAT_INTENT_URI.into()),
    }
}

/// The three click events of the IM console, named as the request
/// snapshots are: open the app, open [`DOC_URL`], open `page`.
pub fn click_events(page: ClickAction) -> [(&'static str, ClickAction); 3] {
    [
        ("open_app", ClickAction::OpenApp),
        ("open_url", open_url()),
        ("open_page", page),
    ]
}

/// A push without `ext` and with `json_ext`, named as the request
/// snapshots are.
pub fn ext_cases(json_ext: &str) -> [(&'static str, Option<&str>); 2] {
    [("no_ext", None), ("json_ext", Some(json_ext))]
}

/// A push of message `msg-1` under `certificate` to `token`, with no
/// Android overrides.
pub fn push_with(
    certificate: Certificate,
    token: &str,
    title: &str,
    desc: &str,
    ext: Option<&str>,
) -> Push {
    Push {
        message_id: MessageId::from("msg-1"),
        certificate,
        token: token.into(),
        title: title.into(),
        desc: desc.into(),
        ext: ext.map(str::to_string),
        android: AndroidInfo::default(),
    }
}

/// `p` as the IM server sends a message that has no title of its own: the
/// default title, and "Hello" as the text.
pub fn with_default_title(mut p: Push) -> Push {
    p.title = pushlab::im::decision::DEFAULT_TITLE.into();
    p.desc = "Hello".into();
    p
}

/// Replaces the value of header `name` in a serialized request (headers as
/// `[name, value]` pairs) so that a snapshot holds no secret.
pub fn redact_header(mut req: Value, name: &str, replacement: &str) -> Value {
    if let Some(headers) = req["headers"].as_array_mut() {
        for h in headers {
            if h[0] == name {
                h[1] = json!(replacement);
            }
        }
    }
    req
}

/// Sends `req` to `router` in process and returns the status with the body
/// as JSON (`Null` when the body is not JSON).
pub async fn respond(router: &axum::Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = router.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Serves `router` on 127.0.0.1 (a free port) and returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// The next display instruction on a device stream, within [`DEADLINE`];
/// other stream items are skipped.
pub async fn next_display(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<StreamItem>,
) -> DisplayInstruction {
    loop {
        let item = tokio::time::timeout(DEADLINE, rx.recv())
            .await
            .expect("an instruction before the deadline")
            .expect("stream open");
        if let StreamItem::Display { instruction } = item {
            return *instruction;
        }
    }
}

/// A single-threaded runtime for async calls inside proptest cases.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Makes the vendor's endpoint answer its next request with `kind`.
pub fn fault_next(vendor: &impl Vendor, kind: FaultKind) {
    vendor.faults().add(Fault {
        scope: FaultScope::Next { count: 1 },
        kind,
    });
}

/// Whether the journal holds an event for which `pred` holds.
pub fn journaled(s: &Services, pred: impl Fn(&Event) -> bool) -> bool {
    s.journal.all().iter().any(|r| pred(&r.event))
}

/// Whether the journal holds an instruction dropped with `code`.
pub fn dropped_as(s: &Services, code: Diagnosis) -> bool {
    journaled(
        s,
        |e| matches!(e, Event::InstructionDropped { code: c, .. } if *c == code),
    )
}

/// Whether the journal holds a rejection by `vendor`'s endpoint with this
/// vendor code and diagnosis.
pub fn rejected_as(s: &Services, vendor: VendorId, vendor_code: &str, code: Diagnosis) -> bool {
    journaled(s, |e| {
        matches!(e, Event::EndpointRejected { vendor: v, vendor_code: vc, code: c, .. }
            if *v == vendor && vc == vendor_code && *c == code)
    })
}

/// Sends `push` `sends` times at once through the vendor's own client to
/// its endpoint on loopback, asserts every send is accepted, and returns how
/// many of the logged requests were to the auth endpoint (`is_auth` on the
/// path): with a cold token cache they should share one.
pub async fn auth_calls_of_concurrent_sends(
    vendor: &impl Vendor,
    push: &Push,
    sends: usize,
    is_auth: impl Fn(&str) -> bool,
) -> usize {
    let base = serve(vendor.router()).await;
    let http = reqwest::Client::new();
    let outcomes =
        futures::future::join_all((0..sends).map(|_| vendor.send(&http, &base, push))).await;
    for o in &outcomes {
        assert!(o.result.is_ok(), "{:?}", o.result);
    }
    vendor
        .requests()
        .iter()
        .filter(|r| is_auth(&r.path))
        .count()
}

/// Any i64, with `i64::MIN` and `i64::MAX` each drawn a third of the time:
/// the inputs that overflow timestamp and size arithmetic.
pub fn i64_with_extremes() -> impl Strategy<Value = i64> {
    prop_oneof![Just(i64::MIN), Just(i64::MAX), any::<i64>()]
}
