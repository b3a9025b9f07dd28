//! The vendor console apart from the IM certificate, and the certificate
//! delay, as a user of `pushlab serve` drives them over HTTP: by default the
//! vendor takes the certificate's values as its console's; an app
//! registered through `POST /admin/v1/vendors/{vendor}/apps` is what the
//! vendor authenticates against from then on; a certificate takes effect
//! only once its delay has passed, and an edit leaves the previous version
//! in effect until then.

mod support;

use std::time::Duration;

use pushlab::hub::{Hub, RunningHub};
use pushlab::services::clock::Clock;
use serde_json::{json, Value};
use support::{get, post, DEADLINE, T0};

const SECRET: &str = "s3cret==";

fn mi_credentials(secret: &str) -> Value {
    json!({"app_id": "2882303761517", "app_key": "5601759", "app_secret": secret})
}

async fn hub(delay: Duration) -> RunningHub {
    let hub = Hub::new(Clock::virtual_at(T0));
    hub.im.set_certificate_delay(delay);
    hub.start("127.0.0.1:0".parse().unwrap()).await.unwrap()
}

/// Saves certificate 10001 for Mi with `secret` (a new version when it
/// exists).
async fn save_certificate(base: &str, secret: &str, click: Value) -> Value {
    let mut creds = mi_credentials(secret);
    creds["vendor"] = json!("xiaomi");
    let (status, v) = post(
        base,
        "/admin/v1/certificates",
        json!({"id": 10001, "package": "com.pushlab.demo", "credentials": creds, "click": click}),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    v
}

/// A device registered with Mi for the demo app, logged in as vinson, its
/// token reported: vinson is offline, so a message is pushed.
async fn offline_recipient(base: &str) {
    let (_, reg) = post(
        base,
        "/gateway/v1/register",
        json!({"device": "phone-1", "vendor": "xiaomi", "package": "com.pushlab.demo",
               "device_info": {"brand": "Xiaomi", "api_level": 33, "rom": "miui", "region": "cn", "vendor_push": true}}),
    )
    .await;
    let token = reg["token"].as_str().unwrap().to_string();
    let (_, v) = post(
        base,
        "/im/v1/login",
        json!({"user": "vinson", "device": "phone-1"}),
    )
    .await;
    let session = v["session"].as_str().unwrap().to_string();
    let (_, v) = post(
        base,
        "/im/v1/push-token",
        json!({"session": session, "certificate_id": 10001, "token": token}),
    )
    .await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
}

async fn advance(base: &str, seconds: u64) {
    let (status, _) = post(base, "/admin/v1/clock/advance", json!({"seconds": seconds})).await;
    assert_eq!(status, 200);
}

/// Sends a message to vinson and returns its chain's final outcome: the
/// record that ends it (`not_pushed`, `push_accepted` or `push_rejected`),
/// and the first diagnosis in it, if any.
async fn send(base: &str, random: u64) -> (String, Option<String>) {
    let (_, v) = post(
        base,
        "/v4/openim/sendmsg",
        json!({"From_Account": "denny", "To_Account": "vinson", "MsgRandom": random,
               "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]}),
    )
    .await;
    let id = v["MessageId"].as_str().unwrap().to_string();
    let ends = ["not_pushed", "push_accepted", "push_rejected"];
    tokio::time::timeout(DEADLINE, async {
        loop {
            let (_, chain) = get(base, &format!("/journal/messages/{id}")).await;
            let records = chain.as_array().cloned().unwrap_or_default();
            if let Some(end) = records
                .iter()
                .find(|r| ends.contains(&r["kind"].as_str().unwrap_or_default()))
            {
                let diagnosis = records
                    .iter()
                    .find_map(|r| r["detail"]["code"].as_str().map(str::to_string))
                    .filter(|c| c.contains('.'));
                return (end["kind"].as_str().unwrap().to_string(), diagnosis);
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("message {id} did not end before the deadline"))
}

#[tokio::test]
async fn a_registered_vendor_app_is_what_the_vendor_authenticates_against() {
    let running = hub(Duration::from_secs(600)).await;
    let base = running.base_url();
    save_certificate(&base, "a-typo==", json!({"type": "open_app"})).await;
    offline_recipient(&base).await;
    advance(&base, 600).await;

    // By default the certificate is taken as the Mi console's copy.
    assert_eq!(send(&base, 1).await, ("push_accepted".into(), None));

    // Mi's console holds the real secret: the certificate's typo is refused.
    let (status, apps) = post(
        &base,
        "/admin/v1/vendors/xiaomi/apps",
        json!({"package": "com.pushlab.demo", "credentials": mi_credentials(SECRET)}),
    )
    .await;
    assert_eq!(status, 201, "{apps}");
    assert_eq!(apps[0]["package"], "com.pushlab.demo");
    assert_eq!(
        send(&base, 2).await,
        ("push_rejected".into(), Some("vendor.auth_failed".into()))
    );

    // The app is for another package: Mi refuses the package (22022).
    post(
        &base,
        "/admin/v1/vendors/xiaomi/apps",
        json!({"package": "com.pushlab.other", "credentials": mi_credentials("a-typo==")}),
    )
    .await;
    let (_, listed) = get(&base, "/admin/v1/vendors/xiaomi/apps").await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(
        send(&base, 3).await,
        (
            "push_rejected".into(),
            Some("vendor.package_mismatch".into())
        )
    );

    // Forgetting the registered apps restores the default.
    let status = support::client()
        .delete(format!("{base}/admin/v1/vendors/xiaomi/apps"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(send(&base, 4).await, ("push_accepted".into(), None));
}

#[tokio::test]
async fn registering_a_vendor_app_refuses_bad_input_in_the_admin_shape() {
    let running = hub(Duration::from_secs(600)).await;
    let base = running.base_url();
    let (status, v) = post(
        &base,
        "/admin/v1/vendors/xiaomi/apps",
        json!({"package": "com.pushlab.demo", "credentials": {"app_id": "1", "app_key": "2", "app_secret": "x", "app_secrte": "x"}}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("app_secrte"), "{v}");
    let (status, _) = post(
        &base,
        "/admin/v1/vendors/nokia/apps",
        json!({"package": "p", "credentials": {}}),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_certificate_takes_effect_exactly_its_delay_after_saving() {
    let running = hub(Duration::from_secs(600)).await;
    let base = running.base_url();
    let saved = save_certificate(&base, SECRET, json!({"type": "open_app"})).await;
    assert_eq!(saved["delay_secs"], 600, "{saved}");
    offline_recipient(&base).await;
    advance(&base, 599).await;
    assert_eq!(
        send(&base, 1).await,
        (
            "not_pushed".into(),
            Some("im.certificate_not_effective".into())
        )
    );
    advance(&base, 1).await;
    assert_eq!(send(&base, 2).await, ("push_accepted".into(), None));
}

#[tokio::test]
async fn a_zero_delay_takes_effect_at_once() {
    let running = hub(Duration::ZERO).await;
    let base = running.base_url();
    save_certificate(&base, SECRET, json!({"type": "open_app"})).await;
    offline_recipient(&base).await;
    assert_eq!(send(&base, 1).await, ("push_accepted".into(), None));
}

#[tokio::test]
async fn an_edit_leaves_the_previous_version_in_effect_until_its_delay_passes() {
    let running = hub(Duration::from_secs(600)).await;
    let base = running.base_url();
    post(
        &base,
        "/admin/v1/vendors/xiaomi/apps",
        json!({"package": "com.pushlab.demo", "credentials": mi_credentials(SECRET)}),
    )
    .await;
    save_certificate(&base, SECRET, json!({"type": "open_app"})).await;
    offline_recipient(&base).await;
    advance(&base, 600).await;
    // The edit breaks the secret; the old version is still used.
    save_certificate(&base, "a-typo==", json!({"type": "open_app"})).await;
    assert_eq!(send(&base, 1).await, ("push_accepted".into(), None));
    let im = &running.hub.im;
    let in_effect = im.certificate_in_effect(10001).unwrap();
    assert!(
        matches!(&in_effect.credentials, pushlab::push::Credentials::Xiaomi(x) if x.app_secret == SECRET)
    );
    advance(&base, 599).await;
    assert_eq!(send(&base, 2).await, ("push_accepted".into(), None));
    advance(&base, 1).await;
    assert_eq!(
        send(&base, 3).await,
        ("push_rejected".into(), Some("vendor.auth_failed".into()))
    );
    // The admin list shows the newest version.
    let (_, list) = get(&base, "/admin/v1/certificates").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["credentials"]["app_secret"], "a-typo==");
}
