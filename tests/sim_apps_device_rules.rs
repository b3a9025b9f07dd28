//! The device's own rules as the push service meets them, against the real
//! hub: a channel the app never created, Android 7 without channels, a tap
//! whose target does not exist, an open-URL tap, the host's `clear`, and the
//! same model serving as a ROM's own push service.

mod sim_apps_support;

use pushlab::android::ExtraValue;
use pushlab::sim::apps::{HubUrl, PendingKind};
use pushlab::wire::protocol::{DeviceInfo, Rom};
use serde_json::json;
use sim_apps_support::{assert_in_order, fcm_credentials, Lab, BROWSER, SERIAL};

const USER: &str = "vinson";
const EXT: &str = r#"{"action":"jump to denny"}"#;

fn device(brand: &str, api: u32) -> DeviceInfo {
    DeviceInfo {
        brand: brand.into(),
        manufacturer: brand.into(),
        model: format!("{brand} test model"),
        api_level: api,
        rom: Rom::shipped_by(brand),
        region: "cn".into(),
        vendor_push: true,
        hms_core_version: Some(60_300_000),
        ..DeviceInfo::default()
    }
}

fn xiaomi() -> serde_json::Value {
    json!({"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret"})
}

fn oppo() -> serde_json::Value {
    json!({"vendor": "oppo", "app_key": "oppokey", "master_secret": "master", "app_secret": "s3cret"})
}

#[tokio::test]
async fn a_channel_the_app_never_created_drops_the_notification() {
    let lab = Lab::new(33, device("Xiaomi", 33)).await;
    let cert = lab
        .add_certificate(xiaomi(), json!({"type": "open_app"}), Some("im"))
        .await;
    lab.start_agent().await;
    // The app is told not to create its channel before its first launch.
    lab.am_start_splash(&[
        ("pushlab.command", "configure".into()),
        ("pushlab.channel_id", "im".into()),
        ("pushlab.create_channel", ExtraValue::Boolean(false)),
    ]);
    lab.os
        .wait_for_log("configured channel im (create: false)")
        .await;
    lab.demo_offline_with_token(USER, "xiaomi", cert).await;

    let id = lab.send(USER, 1, EXT).await;
    let dropped = lab.wait_kind(&id, "dropped").await;
    assert_eq!(dropped["detail"]["code"], "device.channel_missing");
    lab.os
        .wait_for_log("No Channel found for pkg=com.pushlab.demo, channelId=im")
        .await;
    assert!(lab.os.read(|s| s.shade.is_empty()));
    lab.apps.shutdown();
}

#[tokio::test]
async fn android_7_shows_an_oppo_push_without_a_channel() {
    let lab = Lab::new(25, device("OPPO", 25)).await;
    let cert = lab
        .add_certificate(oppo(), json!({"type": "open_app"}), None)
        .await;
    lab.start_agent().await;
    lab.demo_offline_with_token(USER, "oppo", cert).await;

    let id = lab.send(USER, 1, EXT).await;
    let shown = lab.wait_notification(&id).await;
    assert_eq!(shown.post.channel_id, None);
    let posted = lab.wait_kind(&id, "posted").await;
    assert!(posted["detail"]["channel_id"].is_null());
    lab.apps.shutdown();
}

#[tokio::test]
async fn a_tap_on_a_page_the_app_does_not_have_fails_with_activity_not_found() {
    let lab = Lab::new(33, device("Xiaomi", 33)).await;
    let uri = "intent://com.pushlab.demo/nowhere#Intent;scheme=otherscheme;end";
    let cert = lab
        .add_certificate(
            xiaomi(),
            json!({"type": "open_page", "page": {"intent_uri": uri}}),
            Some("im"),
        )
        .await;
    lab.start_agent().await;
    lab.demo_offline_with_token(USER, "xiaomi", cert).await;

    let id = lab.send(USER, 1, EXT).await;
    lab.wait_notification(&id).await;
    lab.tap(&id).await;
    let failed = lab.wait_kind(&id, "click_failed").await;
    assert_eq!(failed["detail"]["code"], "device.activity_not_found");
    assert_in_order(&lab.kinds(&id), &["posted", "clicked", "click_failed"]);
    assert!(!lab.kinds(&id).contains(&"activity_started".to_string()));
    lab.apps.shutdown();
}

#[tokio::test]
async fn an_open_url_tap_opens_the_browser() {
    let lab = Lab::new(29, device("HUAWEI", 29)).await;
    let url = "https://cloud.tencent.com/product/im";
    let cert = lab
        .add_certificate(
            json!({"vendor": "huawei", "app_id": "104523457", "client_secret": "s3cret"}),
            json!({"type": "open_url", "url": url}),
            Some("im"),
        )
        .await;
    lab.start_agent().await;
    lab.demo_offline_with_token(USER, "huawei", cert).await;

    let id = lab.send(USER, 1, EXT).await;
    lab.wait_notification(&id).await;
    let activities_before = lab.os.read(|s| s.activities.len());
    lab.tap(&id).await;
    let opened = lab.wait_kind(&id, "url_opened").await;
    assert_eq!(opened["detail"]["url"], url);
    assert_eq!(opened["detail"]["package"], BROWSER);
    assert_eq!(lab.os.read(|s| s.urls.clone()), vec![url.to_string()]);
    lab.wait_kind(&id, "removed").await;
    assert_eq!(lab.os.read(|s| s.activities.len()), activities_before);
    lab.apps.shutdown();
}

#[tokio::test]
async fn the_hosts_clear_removes_the_notification() {
    let lab = Lab::new(33, device("Xiaomi", 33)).await;
    let cert = lab
        .add_certificate(xiaomi(), json!({"type": "open_app"}), Some("im"))
        .await;
    lab.start_agent().await;
    lab.demo_offline_with_token(USER, "xiaomi", cert).await;

    let id = lab.send(USER, 1, EXT).await;
    lab.wait_notification(&id).await;
    let (status, _) = lab
        .post(
            &format!("/gateway/v1/devices/{SERIAL}/commands"),
            json!({"type": "clear"}),
        )
        .await;
    assert_eq!(status, 202);
    let removed = lab.wait_kind(&id, "removed").await;
    assert_eq!(removed["detail"]["reason"], "cancel");
    assert!(lab.os.read(|s| s.shade.is_empty()));
    lab.apps.shutdown();
}

#[tokio::test]
async fn the_roms_own_push_service_posts_for_the_app() {
    let lab = Lab::new(33, device("Xiaomi", 33)).await;
    let cert = lab
        .add_certificate(xiaomi(), json!({"type": "open_app"}), Some("im"))
        .await;
    let hub = HubUrl::parse(&lab.base).expect("hub URL");
    lab.apps
        .start_rom_push_service("com.xiaomi.xmsf", hub, SERIAL);
    lab.wait_connected(true).await;
    lab.demo_offline_with_token(USER, "xiaomi", cert).await;

    let id = lab.send(USER, 1, EXT).await;
    let shown = lab.wait_notification(&id).await;
    assert_eq!(shown.package, "com.pushlab.demo");
    assert_eq!(shown.post.poster, "com.xiaomi.xmsf");
    assert_eq!(shown.post.content_intent.creator, "com.xiaomi.xmsf");
    assert_eq!(shown.post.content_intent.kind, PendingKind::Broadcast);
    lab.tap(&id).await;
    lab.wait_kind(&id, "activity_started").await;
    lab.wait_kind(&id, "ext_received").await;
    // The process of the push service dies: its stream closes.
    lab.os.kill("com.xiaomi.xmsf");
    lab.wait_connected(false).await;
    assert!(!lab.apps.push_service().is_running());
    lab.apps.shutdown();
}

#[tokio::test]
async fn the_fcm_sdk_falls_back_to_its_own_channel() {
    let lab = Lab::new(
        33,
        DeviceInfo {
            region: "global".into(),
            play_services: true,
            ..device("google", 33)
        },
    )
    .await;
    let cert = lab
        .add_certificate(
            fcm_credentials(),
            json!({"type": "open_app"}),
            Some("never_created"),
        )
        .await;
    lab.start_agent().await;
    lab.demo_offline_with_token(USER, "fcm", cert).await;

    let id = lab.send(USER, 1, EXT).await;
    let shown = lab.wait_notification(&id).await;
    assert_eq!(
        shown.post.channel_id.as_deref(),
        Some("fcm_fallback_notification_channel")
    );
    // The app's own SDK posts it, after Google Play services woke it.
    assert_eq!(shown.post.poster, "com.pushlab.demo");
    lab.wait_kind(&id, "callback_received").await;
    lab.apps.shutdown();
}

#[tokio::test]
async fn a_system_push_service_reaches_a_force_stopped_app() {
    let lab = Lab::new(33, device("Xiaomi", 33)).await;
    let cert = lab
        .add_certificate(xiaomi(), json!({"type": "open_app"}), Some("im"))
        .await;
    lab.start_agent().await;
    lab.login(USER).await;
    lab.report_token("xiaomi", cert);
    lab.wait_account("token reported", |a| {
        a["push_token"]["certificate_id"] == cert
    })
    .await;
    lab.os.force_stop("com.pushlab.demo");
    lab.wait_account("user offline", |a| {
        a["user"] == USER && a["online"] == false
    })
    .await;

    let id = lab.send(USER, 1, EXT).await;
    lab.wait_notification(&id).await;
    lab.tap(&id).await;
    lab.wait_kind(&id, "callback_received").await;
    // MIUI's service sends its click callback with FLAG_INCLUDE_STOPPED_PACKAGES.
    let callback = lab
        .os
        .read(|s| {
            s.broadcasts
                .iter()
                .find(|b| b.intent.action.as_deref() == Some("com.xiaomi.mipush.RECEIVE_MESSAGE"))
                .cloned()
        })
        .expect("the click callback");
    assert!(callback.include_stopped);
    assert_eq!(callback.intent.package.as_deref(), Some("com.pushlab.demo"));
    assert!(callback.intent.extras.get("key_message").is_some());
    lab.apps.shutdown();
}
