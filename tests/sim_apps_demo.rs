//! The demo app's commands as the runner gives them, confirmed where the
//! runner confirms them: on the IM server (accounts, tokens) and on the
//! device (channels, logcat), never through the app's own word.

mod sim_apps_support;

use pushlab::android::{ComponentName, ExtraValue};
use pushlab::sim::apps::{ACTION_TOKEN, DEMO_PACKAGE};
use pushlab::wire::protocol::{DeviceInfo, Rom};
use serde_json::json;
use sim_apps_support::Lab;

const USER: &str = "vinson";

fn miui() -> DeviceInfo {
    DeviceInfo {
        brand: "Xiaomi".into(),
        manufacturer: "Xiaomi".into(),
        model: "2211133C".into(),
        api_level: 33,
        rom: Rom::Miui,
        region: "cn".into(),
        vendor_push: true,
        ..DeviceInfo::default()
    }
}

#[tokio::test]
async fn first_launch_creates_the_im_channel_and_login_brings_the_user_online() {
    let lab = Lab::new(33, miui()).await;
    lab.login(USER).await;
    assert!(lab.os.read(|s| s
        .channels
        .contains(&(DEMO_PACKAGE.to_string(), "im".to_string()))));
    let account = lab
        .wait_account("logged in", |a| {
            a["user"] == USER && a["state"] == "logged_in"
        })
        .await;
    assert_eq!(account["device"], sim_apps_support::SERIAL);
    lab.apps.shutdown();
}

#[tokio::test]
async fn logout_ends_the_session_and_the_connection() {
    let lab = Lab::new(33, miui()).await;
    lab.login(USER).await;
    lab.am_start_splash(&[("pushlab.command", "logout".into())]);
    lab.wait_account("logged out and offline", |a| {
        a["user"] == USER && a["state"] == "logged_out" && a["online"] == false
    })
    .await;
    lab.os.wait_for_log("logged out").await;
    lab.apps.shutdown();
}

#[tokio::test]
async fn a_killed_app_comes_back_online_when_opened_again() {
    let lab = Lab::new(33, miui()).await;
    lab.login(USER).await;
    lab.kill_demo(USER).await;
    assert!(!lab.apps.demo().is_running());
    // The user opens the app from the launcher: the IM SDK reconnects with
    // the session it kept.
    lab.os
        .start_activity_as_user(ComponentName::new(DEMO_PACKAGE, ".SplashActivity"));
    lab.wait_account("online again", |a| a["user"] == USER && a["online"] == true)
        .await;
    lab.apps.shutdown();
}

#[tokio::test]
async fn a_token_request_without_a_running_push_service_is_refused() {
    let lab = Lab::new(33, miui()).await;
    lab.login(USER).await;
    lab.report_token("xiaomi", 10001);
    lab.os
        .wait_for_log("registration failed: SERVICE_NOT_AVAILABLE")
        .await;
    let answered = lab.os.read(|s| {
        s.broadcasts.iter().any(|b| {
            b.intent.action.as_deref() == Some(ACTION_TOKEN)
                && b.intent.extras.get("error_code")
                    == Some(&ExtraValue::String("SERVICE_NOT_AVAILABLE".into()))
        })
    });
    assert!(answered);
    assert!(lab.hub.hub.im.tokens().is_empty());
    lab.apps.shutdown();
}

#[tokio::test]
async fn a_token_is_reported_with_the_certificate_of_its_vendor() {
    let lab = Lab::new(33, miui()).await;
    let cert = lab
        .add_certificate(
            json!({"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret"}),
            json!({"type": "open_app"}),
            Some("im"),
        )
        .await;
    lab.start_agent().await;
    lab.login(USER).await;
    lab.report_token("xiaomi", cert);
    let account = lab
        .wait_account("token reported", |a| {
            a["push_token"]["certificate_id"] == cert
        })
        .await;
    // The token is the one the gateway registered for this device and app.
    let registration = lab
        .hub
        .hub
        .gateway()
        .registrations()
        .into_iter()
        .find(|r| r.package == DEMO_PACKAGE)
        .expect("a registration");
    assert_eq!(account["push_token"]["token"], registration.token.as_str());
    assert_eq!(registration.device, sim_apps_support::SERIAL);
    assert_eq!(registration.device_info, miui());
    lab.apps.shutdown();
}

#[tokio::test]
async fn a_kicked_app_forgets_its_session() {
    let lab = Lab::new(33, miui()).await;
    lab.login(USER).await;
    lab.os.wait_for_log("online as vinson").await;
    let (status, _) = lab
        .post(
            &format!("/admin/v1/accounts/{USER}/kick"),
            json!({"by_device": "another-phone"}),
        )
        .await;
    assert_eq!(status, 204);
    lab.os
        .wait_for_log("kicked offline by a login on another-phone")
        .await;
    // Opened again, it has no session to go online with.
    lab.os
        .start_activity_as_user(ComponentName::new(DEMO_PACKAGE, ".SplashActivity"));
    lab.os.wait_for_log("not logged in: no IM connection").await;
    let account = lab.wait_account("kicked", |a| a["user"] == USER).await;
    assert_eq!(account["state"], "kicked");
    assert_eq!(account["online"], false);
    lab.apps.shutdown();
}
