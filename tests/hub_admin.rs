//! The hub's retrospection and fault-injection API with the real vendors, as
//! a user drives it with curl: a vendor's send endpoint without credentials
//! answers that vendor's auth error; with credentials and a token registered
//! through the gateway it accepts, shows the request in retrospection, and
//! puts a DisplayInstruction on the device's stream; an injected fault is
//! answered in the vendor's own shape, then the endpoint recovers.

mod support;

use pushlab::hub::Hub;
use pushlab::services::clock::Clock;
use serde_json::{json, Value};
use support::{get, post, Lines, T0};

async fn form(url: &str, auth: Option<&str>, fields: &[(&str, &str)]) -> Value {
    let mut r = support::client().post(url).form(fields);
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    r.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn faults_and_retrospection_through_the_admin_api() {
    let running = Hub::new(Clock::virtual_at(T0))
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = running.base_url();
    let (status, _) = post(
        &base,
        "/admin/v1/certificates",
        json!({"package": "com.pushlab.demo",
               "credentials": {"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret=="}}),
    )
    .await;
    assert_eq!(status, 201);
    let (_, reg) = post(
        &base,
        "/gateway/v1/register",
        json!({"device": "phone-1", "vendor": "xiaomi", "package": "com.pushlab.demo",
               "device_info": {"brand": "Xiaomi", "api_level": 33, "rom": "miui", "region": "cn", "vendor_push": true}}),
    )
    .await;
    let token = reg["token"].as_str().unwrap().to_string();
    let mut stream = Lines::open(format!("{base}/gateway/v1/stream?device=phone-1")).await;
    let url = format!("{base}/xiaomi/v3/message/regid");
    let fields = [
        ("registration_id", token.as_str()),
        ("restricted_package_name", "com.pushlab.demo"),
        ("title", "Denny"),
        ("description", "hello"),
        ("extra.notify_effect", "1"),
    ];

    // No credentials: Mi's own auth error.
    let v = form(&url, None, &fields).await;
    assert_eq!(v["code"], 21301, "{v}");

    // Credentials and a registered token: accepted, on the stream, in retrospection.
    let v = form(&url, Some("key=s3cret=="), &fields).await;
    assert_eq!(v["code"], 0, "{v}");
    let display = stream.next_of("display").await;
    assert_eq!(display["instruction"]["notification"]["title"], "Denny");
    let (_, accepted) = get(&base, "/admin/v1/vendors/xiaomi/requests?accepted=true").await;
    assert_eq!(accepted.as_array().unwrap().len(), 1);
    let (_, rejected) = get(&base, "/admin/v1/vendors/xiaomi/requests?accepted=false").await;
    assert_eq!(rejected.as_array().unwrap().len(), 1);

    // An injected error code for the next request, in Mi's shape.
    let (status, _) = post(
        &base,
        "/admin/v1/vendors/xiaomi/faults",
        json!({"scope": {"type": "next", "count": 1}, "kind": {"type": "error_code", "code": "10027"}}),
    )
    .await;
    assert_eq!(status, 201);
    let v = form(&url, Some("key=s3cret=="), &fields).await;
    assert_eq!(v["code"], 10027, "{v}");
    assert_eq!(v["result"], "error");
    let v = form(&url, Some("key=s3cret=="), &fields).await;
    assert_eq!(v["code"], 0, "the fault was for one request: {v}");

    // A fault for one token only.
    post(
        &base,
        "/admin/v1/vendors/xiaomi/faults",
        json!({"scope": {"type": "token", "token": token}, "kind": {"type": "server_error", "status": 503}}),
    )
    .await;
    let r = support::client()
        .post(&url)
        .header("authorization", "key=s3cret==")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let (_, faults) = get(&base, "/admin/v1/vendors/xiaomi/faults").await;
    assert_eq!(faults.as_array().unwrap().len(), 1);

    // Reset forgets faults and requests.
    let (status, _) = post(&base, "/admin/v1/vendors/xiaomi/reset", json!({})).await;
    assert_eq!(status, 204);
    let (_, faults) = get(&base, "/admin/v1/vendors/xiaomi/faults").await;
    assert_eq!(faults, json!([]));
    let (_, reqs) = get(&base, "/admin/v1/vendors/xiaomi/requests").await;
    assert_eq!(reqs, json!([]));

    // Limits are the vendor's own shape; unknown keys are refused.
    let (_, limits) = get(&base, "/admin/v1/vendors/xiaomi/limits").await;
    assert!(limits.is_object());
    let r = support::client()
        .put(format!("{base}/admin/v1/vendors/xiaomi/limits"))
        .json(&json!({"no_such_limit": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (status, _) = get(&base, "/admin/v1/vendors/nokia/requests").await;
    assert_eq!(status, 404);
}

/// The IM console gives every saved certificate its own ID, which is the ID
/// the app must report: two certificates saved without one get different
/// IDs, each listed with its own vendor, and saving again under an ID keeps
/// it (an edit, not a new certificate).
#[tokio::test]
async fn each_saved_certificate_gets_its_own_id() {
    let running = Hub::new(Clock::virtual_at(T0))
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = running.base_url();
    let mi = json!({"package": "com.pushlab.demo",
        "credentials": {"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret=="}});
    let huawei = json!({"package": "com.pushlab.demo",
        "credentials": {"vendor": "huawei", "app_id": "100000000", "client_secret": "secret"}});
    let (status, first) = post(&base, "/admin/v1/certificates", mi.clone()).await;
    assert_eq!(status, 201, "{first}");
    let (status, second) = post(&base, "/admin/v1/certificates", huawei).await;
    assert_eq!(status, 201, "{second}");
    let (a, b) = (
        first["id"].as_u64().unwrap(),
        second["id"].as_u64().unwrap(),
    );
    assert_ne!(a, b, "two saved certificates share an ID");
    assert_eq!(
        (first["vendor"].as_str(), second["vendor"].as_str()),
        (Some("xiaomi"), Some("huawei"))
    );

    let mut edit = mi;
    edit["id"] = json!(a);
    let (_, edited) = post(&base, "/admin/v1/certificates", edit).await;
    assert_eq!(
        edited["id"].as_u64(),
        Some(a),
        "an edit keeps the certificate's ID"
    );
    let (_, list) = get(&base, "/admin/v1/certificates").await;
    let mut ids: Vec<u64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    ids.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(ids, want, "{list}");
}
