//! The simulated phone at the API levels where Android changed what the
//! push chain depends on, read over ADB as a host reads a real phone:
//! runtime permissions (API 23), `cmd` (API 24), notification channels
//! (API 26), `POST_NOTIFICATIONS` (API 33), notification listeners (API 18)
//! and `settings` (API 17).

use std::sync::Arc;
use std::time::Duration;

use pushlab::android::{ComponentName, Intent};
use pushlab::device::{Device, Target};
use pushlab::sim::framework::{AndroidModel, ContentIntent, Manifest, NotificationPost};
use pushlab::sim::{Profile, SimDevice, SimHandle};

const DEMO: &str = "com.pushlab.demo";
const CAMERA: &str = "android.permission.CAMERA";

async fn boot(profile: &str) -> (SimHandle, Device, Arc<AndroidModel>) {
    let sim = SimDevice::spawn(
        Profile::parse(profile).expect("profile"),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("spawn");
    let key = tempfile::tempdir().expect("tmp").keep().join("adbkey");
    let device = Device::new(Target::tcp(sim.addr())).with_adb_key(key);
    let model = AndroidModel::of(sim.device()).expect("framework installed");
    (sim, device, model)
}

async fn sh(device: &Device, cmd: &str) -> String {
    tokio::time::timeout(Duration::from_secs(30), device.shell(cmd))
        .await
        .expect("shell within deadline")
        .expect("shell")
        .combined()
}

fn unchanneled(title: &str) -> NotificationPost {
    NotificationPost {
        id: 3,
        channel_id: None,
        title: title.into(),
        text: "hello".into(),
        content_intent: Some(ContentIntent::Activity(
            Intent::default().with_component(ComponentName::new(DEMO, ".SplashActivity")),
        )),
        ..Default::default()
    }
}

#[tokio::test]
async fn permissions_are_granted_at_install_below_api_23_and_asked_for_from_it() {
    for (profile, runtime) in [("aosp-gms-api22", false), ("aosp-gms-api23", true)] {
        let (_sim, device, model) = boot(profile).await;
        let mut m = Manifest::new("com.example.camera", "Camera app");
        m.requested_permissions = vec![CAMERA.into()];
        model.install_package(m, false).expect("install");
        let granted = || {
            model
                .package("com.example.camera")
                .expect("installed")
                .granted
                .contains(CAMERA)
        };
        assert_eq!(granted(), !runtime, "{profile}: granted at install");
        let out = sh(&device, &format!("pm grant com.example.camera {CAMERA}")).await;
        if runtime {
            assert!(out.trim().is_empty(), "{profile}: {out}");
            assert!(granted(), "{profile}: granted by pm grant");
        } else {
            assert!(
                out.contains("is not a changeable permission type"),
                "{profile}: {out}"
            );
        }
        sh(&device, "pm clear com.example.camera").await;
        assert_eq!(granted(), !runtime, "{profile}: after pm clear");
    }
}

#[tokio::test]
async fn post_notifications_is_a_permission_from_api_33_only() {
    for (profile, exists) in [("aosp-gms-api32", false), ("aosp-gms-api33", true)] {
        let (_sim, device, _model) = boot(profile).await;
        let out = sh(
            &device,
            "pm grant com.pushlab.demo android.permission.POST_NOTIFICATIONS",
        )
        .await;
        assert_eq!(
            !out.contains("Unknown permission"),
            exists,
            "{profile}: {out}"
        );
    }
}

#[tokio::test]
async fn a_notification_without_channel_shows_below_api_26_only() {
    for (profile, shown) in [("coloros-api25", true), ("coloros-api26", false)] {
        let (_sim, device, model) = boot(profile).await;
        let posted = model.post_notification(DEMO, unchanneled("A"));
        assert_eq!(posted.is_ok(), shown, "{profile}: {posted:?}");
        let listed = device.notifications().await.expect("dumpsys notification");
        assert_eq!(listed.len(), usize::from(shown), "{profile}: {listed:?}");
    }
}

#[tokio::test]
async fn cmd_arrives_with_api_24_and_the_shade_opens_without_it() {
    for (profile, has_cmd) in [("aosp-gms-api23", false), ("aosp-gms-api24", true)] {
        let (_sim, device, model) = boot(profile).await;
        let out = sh(&device, "cmd statusbar collapse").await;
        assert_eq!(!out.contains("cmd: not found"), has_cmd, "{profile}: {out}");
        device.notification_shade(true).await.expect("shade opens");
        assert!(model.snapshot().shade_open, "{profile}: shade open");
        device
            .notification_shade(false)
            .await
            .expect("shade closes");
        assert!(!model.snapshot().shade_open, "{profile}: shade closed");
    }
}

#[tokio::test]
async fn notification_listeners_arrive_with_api_18_and_settings_with_api_17() {
    let listener = "com.pushlab.agent/com.pushlab.agent.ListenerService";
    for (profile, listeners) in [("aosp-gms-api17", false), ("aosp-gms-api18", true)] {
        let (_sim, device, model) = boot(profile).await;
        sh(
            &device,
            "settings put secure enabled_notification_listeners ''",
        )
        .await;
        sh(
            &device,
            &format!("settings put secure enabled_notification_listeners {listener}"),
        )
        .await;
        assert_eq!(
            !model.listeners().is_empty(),
            listeners,
            "{profile}: {:?}",
            model.listeners()
        );
    }
    let (_sim, device, _model) = boot("aosp-gms-api16").await;
    let out = sh(
        &device,
        "settings get secure enabled_notification_listeners",
    )
    .await;
    assert!(out.contains("settings: not found"), "{out}");
}
