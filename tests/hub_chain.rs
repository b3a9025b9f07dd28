//! The hub end to end over loopback HTTP, with the in-tree test vendor: a
//! user logs in, reports a token and goes offline; a message sent to them is
//! decided, sent through the vendor client to the vendor endpoint, reaches the
//! device's gateway stream as a DisplayInstruction, and the device's events
//! close the chain in the journal.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::{get, post, test_hub, Lines, DEADLINE};

const PKG: &str = "com.tencent.qcloud.tim.tuikit";

async fn add_certificate(base: &str) -> u64 {
    let (status, cert) = post(
        base,
        "/admin/v1/certificates",
        json!({
            "package": PKG,
            "credentials": {"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret"},
            "click": {"type": "open_app"},
            "channel_id": "im"
        }),
    )
    .await;
    assert_eq!(status, 201, "{cert}");
    cert["id"].as_u64().unwrap()
}

async fn register(base: &str, device: &str) -> String {
    let (status, v) = post(
        base,
        "/gateway/v1/register",
        json!({"device": device, "vendor": "xiaomi", "package": PKG,
               "device_info": {"brand": "Xiaomi", "api_level": 33, "rom": "miui", "region": "cn", "vendor_push": true}}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["token"].as_str().unwrap().to_string()
}

async fn login(base: &str, user: &str, device: &str) -> String {
    let (_, v) = post(
        base,
        "/im/v1/login",
        json!({"user": user, "device": device}),
    )
    .await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    v["session"].as_str().unwrap().to_string()
}

async fn send_text(base: &str, to: &str, random: u64) -> (Value, String) {
    let (_, v) = post(
        base,
        "/v4/openim/sendmsg",
        json!({"From_Account": "denny", "To_Account": to, "MsgRandom": random,
               "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi vinson"}}],
               "OfflinePushInfo": {"Title": "Denny", "Ext": "{\"action\":\"jump to denny\"}"}}),
    )
    .await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    let id = v["MessageId"].as_str().unwrap().to_string();
    (v, id)
}

/// Waits until the message's chain has a record of `kind`, and returns the
/// chain's kinds in order.
async fn chain_until(base: &str, id: &str, kind: &str) -> Vec<Value> {
    tokio::time::timeout(DEADLINE, async {
        loop {
            let (_, chain) = get(base, &format!("/journal/messages/{id}")).await;
            let records = chain.as_array().cloned().unwrap_or_default();
            if records.iter().any(|r| r["kind"] == kind) {
                return records;
            }
            // The chain advances on the server's own tasks: ask again once
            // the journal has grown.
            let since = records
                .last()
                .map(|r| r["seq"].as_u64().unwrap())
                .unwrap_or(0);
            let _ = get(base, &format!("/journal?since={since}")).await;
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kind} for {id} before the deadline"))
}

fn kinds(chain: &[Value]) -> Vec<String> {
    chain
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_offline_push_travels_the_whole_chain() {
    let hub = test_hub().await;
    let base = hub.base_url();
    let cert = add_certificate(&base).await;
    hub.hub.clock().advance(Duration::from_secs(600));

    let token = register(&base, "emulator-5554").await;
    let mut stream = Lines::open(format!("{base}/gateway/v1/stream?device=emulator-5554")).await;
    assert_eq!(stream.next().await["type"], "hello");

    let session = login(&base, "vinson", "emulator-5554").await;
    let (_, v) = post(
        &base,
        "/im/v1/push-token",
        json!({"session": session, "certificate_id": cert, "token": token}),
    )
    .await;
    assert_eq!(v["ActionStatus"], "OK");

    // The app is alive: online delivery, no push.
    let mut conn = Lines::open(format!("{base}/im/v1/connection?session={session}")).await;
    assert_eq!(conn.next().await["type"], "hello");
    let (_, online_id) = send_text(&base, "vinson", 1).await;
    let m = conn.next_of("message").await;
    assert_eq!(m["message_id"], online_id.as_str());
    let chain = chain_until(&base, &online_id, "delivered_online").await;
    assert_eq!(kinds(&chain), ["message_sent", "delivered_online"]);

    // The app's process dies: its connection drops and the user is offline.
    drop(conn);
    tokio::time::timeout(DEADLINE, async {
        loop {
            let (_, accounts) = get(&base, "/admin/v1/accounts").await;
            let vinson = accounts
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["user"] == "vinson")
                .cloned()
                .unwrap();
            if vinson["online"] == false {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("connection drop noticed");

    let (resp, id) = send_text(&base, "vinson", 2).await;
    assert!(resp["MsgKey"].is_string() && resp["MsgTime"].is_i64());
    let display = stream.next_of("display").await;
    let instr = &display["instruction"];
    assert_eq!(instr["message_id"], id.as_str());
    assert_eq!(instr["package"], PKG);
    assert_eq!(instr["notification"]["title"], "Denny");
    assert_eq!(instr["notification"]["text"], "hi vinson");
    assert_eq!(instr["notification"]["channel_id"], "im");

    // The device reports what it did.
    let (status, _) = post(
        &base,
        "/gateway/v1/events",
        json!([
            {"message_id": id, "device": "emulator-5554", "kind": "posted",
             "detail": {"title": "Denny", "text": "hi vinson", "channel_id": "im"}},
            {"message_id": id, "device": "emulator-5554", "kind": "clicked"},
            {"message_id": id, "device": "emulator-5554", "reporter": "app", "kind": "ext_received",
             "detail": {"via": "intent_extra", "value": "{\"action\":\"jump to denny\"}"}}
        ]),
    )
    .await;
    assert_eq!(status, 200);

    let chain = chain_until(&base, &id, "ext_received").await;
    // The endpoint accepts and hands the push to the gateway before the
    // client hears back, so the order is fixed.
    assert_eq!(
        kinds(&chain),
        [
            "message_sent",
            "push_decided",
            "endpoint_accepted",
            "instruction_delivered",
            "vendor_request",
            "push_accepted",
            "posted",
            "clicked",
            "ext_received"
        ]
    );
    // Ordered, timestamped, all for the recipient.
    let seqs: Vec<u64> = chain.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert!(chain
        .iter()
        .all(|r| r["recipient"] == "vinson" && r["at"].is_i64()));
    let links: Vec<&str> = chain.iter().map(|r| r["link"].as_str().unwrap()).collect();
    assert_eq!(links.first(), Some(&"im"));
    assert_eq!(links.last(), Some(&"app"));
    let (_, by_user) = get(&base, "/journal?recipient=vinson").await;
    assert!(by_user.as_array().unwrap().len() >= chain.len());

    // Retrospection sees the accepted request.
    let (_, reqs) = get(&base, "/admin/v1/vendors/xiaomi/requests").await;
    assert_eq!(reqs.as_array().unwrap().len(), 1);
    drop(stream);
    hub.stop().await.unwrap();
}

#[tokio::test]
async fn a_push_queues_until_the_device_connects() {
    let hub = test_hub().await;
    let base = hub.base_url();
    let cert = add_certificate(&base).await;
    hub.hub.clock().advance(Duration::from_secs(601));
    let token = register(&base, "phone-1").await;
    let session = login(&base, "vinson", "phone-1").await;
    post(
        &base,
        "/im/v1/push-token",
        json!({"session": session, "certificate_id": cert, "token": token}),
    )
    .await;
    let (_, id) = send_text(&base, "vinson", 3).await;
    let chain = chain_until(&base, &id, "instruction_queued").await;
    assert!(kinds(&chain).contains(&"instruction_queued".to_string()));
    let mut stream = Lines::open(format!("{base}/gateway/v1/stream?device=phone-1")).await;
    let d = stream.next_of("display").await;
    assert_eq!(d["instruction"]["message_id"], id.as_str());
    chain_until(&base, &id, "instruction_delivered").await;
}

#[tokio::test]
async fn a_certificate_takes_effect_ten_minutes_after_saving() {
    let hub = test_hub().await;
    let base = hub.base_url();
    let cert = add_certificate(&base).await;
    let token = register(&base, "phone-1").await;
    let session = login(&base, "vinson", "phone-1").await;
    post(
        &base,
        "/im/v1/push-token",
        json!({"session": session, "certificate_id": cert, "token": token}),
    )
    .await;

    let (_, early) = send_text(&base, "vinson", 10).await;
    let chain = chain_until(&base, &early, "not_pushed").await;
    assert_eq!(chain[1]["detail"]["code"], "im.certificate_not_effective");

    let (_, adv) = post(&base, "/admin/v1/clock/advance", json!({"seconds": 600})).await;
    assert!(adv["now"].is_i64());
    let (_, later) = send_text(&base, "vinson", 11).await;
    chain_until(&base, &later, "push_accepted").await;
}

#[tokio::test]
async fn logged_out_kicked_and_tokenless_users_get_no_push() {
    let hub = test_hub().await;
    let base = hub.base_url();
    let cert = add_certificate(&base).await;
    hub.hub.clock().advance(Duration::from_secs(600));
    let token = register(&base, "phone-1").await;

    // Never reported a token.
    let session = login(&base, "vinson", "phone-1").await;
    let (_, id) = send_text(&base, "vinson", 20).await;
    let chain = chain_until(&base, &id, "not_pushed").await;
    assert_eq!(chain[1]["detail"]["code"], "im.no_token");

    // Kicked by a login on another device: the old device's connection is told.
    post(
        &base,
        "/im/v1/push-token",
        json!({"session": session, "certificate_id": cert, "token": token}),
    )
    .await;
    let mut conn = Lines::open(format!("{base}/im/v1/connection?session={session}")).await;
    conn.next_of("hello").await;
    let (status, _) = post(
        &base,
        "/admin/v1/accounts/vinson/kick",
        json!({"by_device": "web"}),
    )
    .await;
    assert_eq!(status, 204);
    let kicked = conn.next_of("kicked").await;
    assert_eq!(kicked["by_device"], "web");
    let (_, id) = send_text(&base, "vinson", 21).await;
    let chain = chain_until(&base, &id, "not_pushed").await;
    assert_eq!(chain[1]["detail"]["code"], "im.kicked");

    // Logged out.
    let session = login(&base, "vinson", "phone-1").await;
    let (_, v) = post(&base, "/im/v1/logout", json!({"session": session})).await;
    assert_eq!(v["ActionStatus"], "OK");
    let (_, id) = send_text(&base, "vinson", 22).await;
    let chain = chain_until(&base, &id, "not_pushed").await;
    assert_eq!(chain[1]["detail"]["code"], "im.logged_out");
    // A logged-out session can no longer report tokens.
    let (_, v) = post(
        &base,
        "/im/v1/push-token",
        json!({"session": session, "certificate_id": cert, "token": token}),
    )
    .await;
    assert_eq!(v["ActionStatus"], "FAIL");
}

#[tokio::test]
async fn an_unknown_token_is_refused_by_the_vendor_and_recorded() {
    let hub = test_hub().await;
    let base = hub.base_url();
    let cert = add_certificate(&base).await;
    hub.hub.clock().advance(Duration::from_secs(600));
    let session = login(&base, "vinson", "phone-1").await;
    post(
        &base,
        "/im/v1/push-token",
        json!({"session": session, "certificate_id": cert, "token": "never-issued"}),
    )
    .await;
    let (_, id) = send_text(&base, "vinson", 30).await;
    let chain = chain_until(&base, &id, "push_rejected").await;
    let rejected = chain.iter().find(|r| r["kind"] == "push_rejected").unwrap();
    assert_eq!(rejected["detail"]["code"], "vendor.token_invalid");
    assert!(kinds(&chain).contains(&"endpoint_rejected".to_string()));
}

#[tokio::test]
async fn a_device_the_vendor_does_not_support_cannot_register() {
    let hub = test_hub().await;
    let base = hub.base_url();
    let (status, v) = post(
        &base,
        "/gateway/v1/register",
        json!({"device": "d", "vendor": "xiaomi", "package": PKG, "device_info": {"vendor_push": false}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(v["error"]["code"], "unsupported");
    let (_, journal) = get(&base, "/journal").await;
    let refused = journal
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "registration_refused")
        .cloned()
        .unwrap();
    assert_eq!(refused["detail"]["device"], "d");
    assert_eq!(refused["detail"]["vendor_code"], "unsupported");
    assert_eq!(refused["link"], "gateway");
    let (status, v) = post(
        &base,
        "/gateway/v1/register",
        json!({"device": "d", "vendor": "apns", "package": PKG}),
    )
    .await;
    assert_eq!(status, 400, "{v}");
}

#[tokio::test]
async fn a_tap_command_reaches_the_device_stream() {
    let hub = test_hub().await;
    let base = hub.base_url();
    let mut stream = Lines::open(format!("{base}/gateway/v1/stream?device=d1")).await;
    let (status, _) = post(
        &base,
        "/gateway/v1/devices/d1/commands",
        json!({"type": "tap", "message_id": "msg-9"}),
    )
    .await;
    assert_eq!(status, 202);
    let tap = stream.next_of("tap").await;
    assert_eq!(tap["message_id"], "msg-9");
}

#[tokio::test]
async fn the_vendor_real_host_header_reaches_its_endpoint() {
    let hub = test_hub().await;
    let base = hub.base_url();
    let r = support::client()
        .post(format!("{base}/send"))
        .header("host", "push.test.invalid")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "auth", "{v}");
}

#[tokio::test]
async fn reset_forgets_everything() {
    let hub = test_hub().await;
    let base = hub.base_url();
    add_certificate(&base).await;
    login(&base, "vinson", "d").await;
    let (status, _) = post(&base, "/admin/v1/reset", json!({})).await;
    assert_eq!(status, 204);
    for path in [
        "/admin/v1/certificates",
        "/admin/v1/accounts",
        "/admin/v1/tokens",
        "/journal",
        "/gateway/v1/registrations",
    ] {
        let (_, v) = get(&base, path).await;
        assert_eq!(v, json!([]), "{path}");
    }
}
