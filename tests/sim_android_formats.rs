//! The simulated framework's outputs, pinned as snapshots (identity hashes
//! and times masked): what a reader of a real device's output sees.

use std::time::Duration;

use pushlab::android::{ComponentName, Importance, Intent};
use pushlab::device::{Device, Target};
use pushlab::sim::framework::{AndroidModel, Channel, ContentIntent, NotificationPost};
use pushlab::sim::{Profile, SimDevice};
use regex::Regex;

fn mask(s: &str) -> String {
    let s = Regex::new(r"\{[0-9a-f]{5,8}( |:)")
        .expect("re")
        .replace_all(s, "{HASH$1");
    let s = Regex::new(r"0x[0-9a-f]{8}:")
        .expect("re")
        .replace_all(&s, "0xHASH:");
    let s = Regex::new(r"when=\d+")
        .expect("re")
        .replace_all(&s, "when=TIME");
    Regex::new(r"Window\{[0-9a-f]+ ")
        .expect("re")
        .replace_all(&s, "Window{HASH ")
        .into_owned()
}

async fn capture(profile: &str, cmds: &[&str]) -> String {
    let sim = SimDevice::spawn(
        Profile::parse(profile).expect("profile"),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("spawn");
    let key = tempfile::tempdir().expect("tmp").keep().join("adbkey");
    let device = Device::new(Target::tcp(sim.addr())).with_adb_key(key);
    let model = AndroidModel::of(sim.device()).expect("model");
    model.create_channel(
        "com.pushlab.demo",
        Channel::new("im", "Messages", Importance::Default),
    );
    model
        .post_notification(
            "com.pushlab.demo",
            NotificationPost {
                id: 1001,
                channel_id: Some("im".into()),
                title: "Alice".into(),
                text: "See you at 8".into(),
                auto_cancel: true,
                content_intent: Some(ContentIntent::Activity(
                    Intent::default()
                        .with_component(ComponentName::new(
                            "com.pushlab.demo",
                            "com.pushlab.demo.chat.ChatActivity",
                        ))
                        .with_extra("ext", "{\"order\":42}"),
                )),
                extras: [("ext".to_string(), "{\"order\":42}".into())]
                    .into_iter()
                    .collect(),
                ..Default::default()
            },
        )
        .ok();
    let mut all = String::new();
    for c in cmds {
        let out = tokio::time::timeout(Duration::from_secs(30), device.shell(c))
            .await
            .expect("deadline")
            .expect("shell");
        all.push_str(&format!("$ {c}\n{}\n", out.combined()));
    }
    mask(&all)
}

#[tokio::test]
async fn api33_outputs() {
    let out = capture(
        "aosp-gms-android13",
        &[
            "pm list packages -f -U",
            "dumpsys package com.pushlab.demo",
            "am start -W -n com.pushlab.demo/.SplashActivity --es pushlab.command login",
            "dumpsys activity activities",
            "dumpsys notification --noredact",
            "am broadcast -n com.pushlab.agent/.CommandReceiver -a com.pushlab.agent.COMMAND --es command tap",
        ],
    )
    .await;
    insta::assert_snapshot!(out);
}

#[tokio::test]
async fn api25_outputs() {
    let out = capture(
        "aosp-gms-android7.1",
        &[
            "dumpsys notification",
            "am start -W -n com.pushlab.demo/.SplashActivity",
            "dumpsys activity activities",
        ],
    )
    .await;
    insta::assert_snapshot!(out);
}
