//! `sendmsg` speaks Tencent IM's REST shapes: the success answer, and every
//! malformed request answered with ActionStatus FAIL, a non-zero ErrorCode
//! and an ErrorInfo naming the field — never a panic or a 500.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::{get, post, test_hub};

fn text(to: &str, random: u64) -> Value {
    json!({"From_Account": "denny", "To_Account": to, "MsgRandom": random,
           "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]})
}

async fn raw(base: &str, body: &str) -> (u16, Value) {
    let r = support::client()
        .post(format!("{base}/v4/openim/sendmsg?sdkappid=1400000000&identifier=administrator&usersig=x&random=99&contenttype=json"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_valid_message_gets_tims_success_answer() {
    let hub = test_hub().await;
    let base = hub.base_url();
    post(&base, "/admin/v1/accounts", json!({"user": "vinson"})).await;
    let (status, v) = raw(&base, &text("vinson", 1).to_string()).await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!(v, {".MsgKey" => "[msg-key]", ".MsgTime" => "[time]", ".MessageId" => "[id]"}, @r#"
    {
      "ActionStatus": "OK",
      "ErrorCode": 0,
      "ErrorInfo": "",
      "MsgTime": "[time]",
      "MsgKey": "[msg-key]",
      "MessageId": "[id]"
    }
    "#);
    assert_eq!(
        v["MsgTime"].as_i64().unwrap(),
        hub.hub.clock().now().seconds()
    );
}

#[tokio::test]
async fn malformed_requests_get_tims_error_shape() {
    let hub = test_hub().await;
    let base = hub.base_url();
    post(&base, "/admin/v1/accounts", json!({"user": "vinson"})).await;
    let cases: Vec<(&str, String, i64, &str)> = vec![
        ("not JSON", "{\"To_Account\":".into(), 90001, "JSON"),
        ("not an object", "[1,2]".into(), 90001, "object"),
        ("no To_Account", json!({"MsgRandom": 1, "MsgBody": []}).to_string(), 90003, "To_Account"),
        ("To_Account not a string", json!({"To_Account": 5, "MsgRandom": 1}).to_string(), 90003, "To_Account"),
        ("unknown To_Account", text("nobody", 1).to_string(), 90003, "nobody"),
        ("no MsgRandom", json!({"To_Account": "vinson", "MsgBody": []}).to_string(), 90005, "MsgRandom"),
        ("MsgRandom negative", json!({"To_Account": "vinson", "MsgRandom": -1}).to_string(), 90005, "MsgRandom"),
        ("no MsgBody", json!({"To_Account": "vinson", "MsgRandom": 1}).to_string(), 90002, "MsgBody"),
        ("MsgBody not an array", json!({"To_Account": "vinson", "MsgRandom": 1, "MsgBody": {}}).to_string(), 90002, "MsgBody"),
        ("element without MsgType", json!({"To_Account": "vinson", "MsgRandom": 1, "MsgBody": [{"MsgContent": {}}]}).to_string(), 90002, "MsgType"),
        ("unknown MsgType", json!({"To_Account": "vinson", "MsgRandom": 1, "MsgBody": [{"MsgType": "TIMNope", "MsgContent": {}}]}).to_string(), 90002, "TIMNope"),
        ("text without Text", json!({"To_Account": "vinson", "MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {}}]}).to_string(), 90002, "MsgContent.Text"),
        ("PushFlag 2", json!({"To_Account": "vinson", "MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}], "OfflinePushInfo": {"PushFlag": 2}}).to_string(), 90010, "PushFlag"),
        ("Ext not a string", json!({"To_Account": "vinson", "MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}], "OfflinePushInfo": {"Ext": {"a": 1}}}).to_string(), 90010, "Ext"),
        ("AndroidInfo channel not a string", json!({"To_Account": "vinson", "MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}], "OfflinePushInfo": {"AndroidInfo": {"OPPOChannelID": 3}}}).to_string(), 90010, "AndroidInfo"),
    ];
    for (name, body, code, field) in cases {
        let (status, v) = raw(&base, &body).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(v["ActionStatus"], "FAIL", "{name}: {v}");
        assert_eq!(v["ErrorCode"], code, "{name}: {v}");
        let info = v["ErrorInfo"].as_str().unwrap();
        assert!(
            info.contains(field),
            "{name}: ErrorInfo {info:?} should name {field}"
        );
    }
}

#[tokio::test]
async fn identical_messages_within_120_seconds_are_delivered_once() {
    let hub = test_hub().await;
    let base = hub.base_url();
    post(&base, "/admin/v1/accounts", json!({"user": "vinson"})).await;
    let (_, first) = post(&base, "/v4/openim/sendmsg", text("vinson", 42)).await;
    hub.hub.clock().advance(Duration::from_secs(119));
    let (_, again) = post(&base, "/v4/openim/sendmsg", text("vinson", 42)).await;
    assert_eq!(again["ActionStatus"], "OK");
    assert_eq!(again["MsgKey"], first["MsgKey"]);
    assert_eq!(again["MessageId"], first["MessageId"]);
    let (_, journal) = get(&base, "/journal?recipient=vinson").await;
    let dups: Vec<_> = journal
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "deduplicated")
        .collect();
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0]["detail"]["original"], first["MessageId"]);

    // Another MsgRandom, or the same one after the window, is a new message.
    let (_, other) = post(&base, "/v4/openim/sendmsg", text("vinson", 43)).await;
    assert_ne!(other["MessageId"], first["MessageId"]);
    hub.hub.clock().advance(Duration::from_secs(2));
    let (_, later) = post(&base, "/v4/openim/sendmsg", text("vinson", 42)).await;
    assert_ne!(later["MessageId"], first["MessageId"]);
}

#[tokio::test]
async fn every_sent_message_has_a_recorded_fate() {
    let hub = test_hub().await;
    let base = hub.base_url();
    post(&base, "/admin/v1/accounts", json!({"user": "vinson"})).await;
    let (_, v) = post(&base, "/v4/openim/sendmsg", text("vinson", 1)).await;
    let id = v["MessageId"].as_str().unwrap();
    let (_, chain) = get(&base, &format!("/journal/messages/{id}")).await;
    let chain = chain.as_array().unwrap();
    assert_eq!(chain[0]["kind"], "message_sent");
    assert_eq!(chain[1]["kind"], "not_pushed");
    assert_eq!(chain[1]["detail"]["code"], "im.logged_out");
}

#[tokio::test]
async fn account_import_creates_an_account_like_tim() {
    let hub = test_hub().await;
    let base = hub.base_url();
    let (_, v) = post(
        &base,
        "/v4/im_open_login_svc/account_import",
        json!({"UserID": "vinson"}),
    )
    .await;
    assert_eq!(v["ActionStatus"], "OK");
    let (_, v) = post(&base, "/v4/im_open_login_svc/account_import", json!({})).await;
    assert_eq!(v["ActionStatus"], "FAIL");
    assert!(v["ErrorInfo"].as_str().unwrap().contains("UserID"));
    let (_, accounts) = get(&base, "/admin/v1/accounts").await;
    assert_eq!(accounts[0]["user"], "vinson");
    assert_eq!(accounts[0]["state"], "never_logged_in");
}
