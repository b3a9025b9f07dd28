//! The simulated Android framework seen through the driver, over a direct
//! TCP connection to the simulated adbd: every observation goes through
//! the same shell commands and parsers that read a real phone.

use std::sync::Arc;
use std::time::Duration;

use pushlab::android::{ComponentName, Importance, Intent};
use pushlab::device::parse::{parse_am_start, AmStartError};
use pushlab::device::{Device, Target};
use pushlab::sim::framework::{AndroidModel, Channel, ContentIntent, NotificationPost};
use pushlab::sim::{Profile, SimDevice, SimHandle};

const DEMO: &str = "com.pushlab.demo";
const CHAT: &str = "com.pushlab.demo.chat.ChatActivity";

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

fn message(channel: Option<&str>, title: &str) -> NotificationPost {
    NotificationPost {
        id: 7,
        tag: None,
        channel_id: channel.map(str::to_string),
        title: title.to_string(),
        text: "You have a new message".to_string(),
        content_intent: Some(ContentIntent::Activity(
            Intent::default()
                .with_component(ComponentName::new(DEMO, CHAT))
                .with_extra("ext", "{\"k\":1}"),
        )),
        auto_cancel: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn force_stopped_app_gets_no_broadcast_but_a_killed_one_does() {
    let (_sim, device, _model) = boot("aosp-gms-android13").await;
    let cmd =
        "am broadcast -n com.pushlab.demo/.PushReceiver -a com.pushlab.agent.TOKEN --es vendor fcm";

    device.force_stop(DEMO).await.expect("force-stop");
    assert!(device.pidof(DEMO).await.expect("pidof").is_empty());
    let out = sh(&device, cmd).await;
    assert!(out.contains("Broadcast completed: result=0"), "{out}");
    assert!(
        device.pidof(DEMO).await.expect("pidof").is_empty(),
        "a stopped package's receiver must not run"
    );

    // Including stopped packages reaches it (and starts its process).
    sh(&device, &format!("{cmd} -f 0x20")).await;
    assert_eq!(device.pidof(DEMO).await.expect("pidof").len(), 1);
    device.force_stop(DEMO).await.expect("force-stop");

    // An explicit start leaves the stopped state; HOME + am kill only
    // ends the process.
    let r = parse_am_start(&sh(&device, "am start -W -n com.pushlab.demo/.SplashActivity").await);
    assert!(r.succeeded(), "{r:?}");
    sh(&device, "input keyevent KEYCODE_HOME").await;
    device.kill(DEMO).await.expect("kill");
    assert!(device.pidof(DEMO).await.expect("pidof").is_empty());
    sh(&device, cmd).await;
    assert_eq!(
        device.pidof(DEMO).await.expect("pidof").len(),
        1,
        "a killed (not stopped) package still receives broadcasts"
    );
    let log = device.logcat_dump().await.expect("logcat");
    assert!(log
        .iter()
        .any(|l| l.tag == "ActivityManager"
            && l.message.starts_with("Force stopping com.pushlab.demo")));
    assert!(log
        .iter()
        .any(|l| l.tag == "ActivityManager" && l.message.contains("kill background")));
}

#[tokio::test]
async fn am_kill_spares_the_app_in_front() {
    let (_sim, device, _model) = boot("aosp-gms-android13").await;
    sh(&device, "am start -n com.pushlab.demo/.SplashActivity").await;
    device.kill(DEMO).await.expect("kill");
    assert_eq!(device.pidof(DEMO).await.expect("pidof").len(), 1);
    let ps = device.processes().await.expect("ps");
    let demo = ps.iter().find(|p| p.name == DEMO).expect("demo in ps -A");
    assert_eq!(demo.app_uid(), Some(10_201));
}

#[tokio::test]
async fn a_post_on_a_missing_channel_is_dropped_from_api_26_with_the_real_log_line() {
    let (_sim, device, model) = boot("aosp-gms-android13").await;
    let dropped = model.post_notification(DEMO, message(Some("im"), "Alice"));
    assert!(dropped.is_err());
    assert!(device.notifications().await.expect("dumpsys").is_empty());
    let log = device.logcat_dump().await.expect("logcat");
    let nc = log
        .iter()
        .find_map(|l| l.no_channel_found())
        .expect("No Channel found line");
    assert_eq!(
        (nc.pkg.as_str(), nc.channel_id.as_deref()),
        (DEMO, Some("im"))
    );

    model.create_channel(DEMO, Channel::new("im", "Messages", Importance::Default));
    let key = model
        .post_notification(DEMO, message(Some("im"), "Alice"))
        .expect("posted");
    let recs = device.notifications().await.expect("dumpsys");
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].key, key);
    assert_eq!(recs[0].title_text(), Some("Alice"));
    assert_eq!(recs[0].channel.as_deref(), Some("im"));
    let prefs = device.channels().await.expect("prefs");
    let demo = prefs
        .iter()
        .find(|a| a.package == DEMO)
        .expect("demo prefs");
    assert_eq!(
        demo.channel("im").map(|c| c.importance),
        Some(Importance::Default)
    );
}

#[tokio::test]
async fn before_api_26_a_post_without_channel_shows() {
    let (_sim, device, model) = boot("aosp-gms-api25").await;
    model
        .post_notification(DEMO, message(Some("im"), "Bob"))
        .expect("no channels before O");
    let recs = device.notifications().await.expect("dumpsys");
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].title_text(), Some("Bob"));
    let log = device.logcat_dump().await.expect("logcat");
    assert!(log.iter().all(|l| l.no_channel_found().is_none()));
}

#[tokio::test]
async fn post_notifications_permission_gates_posts_on_api_33() {
    let (_sim, device, model) = boot("aosp-gms-android13").await;
    model.create_channel(DEMO, Channel::new("im", "Messages", Importance::High));
    sh(
        &device,
        "pm revoke com.pushlab.demo android.permission.POST_NOTIFICATIONS",
    )
    .await;
    assert!(model
        .post_notification(DEMO, message(Some("im"), "A"))
        .is_err());
    assert!(device.notifications().await.expect("dumpsys").is_empty());
    let pkg = sh(&device, "dumpsys package com.pushlab.demo").await;
    assert!(
        pkg.contains("android.permission.POST_NOTIFICATIONS: granted=false"),
        "{pkg}"
    );
    assert!(pkg.contains("versionCode=1"), "{pkg}");

    sh(
        &device,
        "pm grant com.pushlab.demo android.permission.POST_NOTIFICATIONS",
    )
    .await;
    model
        .post_notification(DEMO, message(Some("im"), "B"))
        .expect("granted");
    assert_eq!(device.notifications().await.expect("dumpsys").len(), 1);

    // On API 32 there is no such permission to lack.
    let (_sim, device, model) = boot("aosp-gms-api32").await;
    model.create_channel(DEMO, Channel::new("im", "Messages", Importance::High));
    let out = sh(
        &device,
        "pm revoke com.pushlab.demo android.permission.POST_NOTIFICATIONS",
    )
    .await;
    assert!(
        out.contains("Unknown permission: android.permission.POST_NOTIFICATIONS"),
        "{out}"
    );
    model
        .post_notification(DEMO, message(Some("im"), "C"))
        .expect("API 32 needs no permission");
}

#[tokio::test]
async fn an_intent_uri_lands_on_chat_activity_with_its_extras() {
    let (_sim, device, model) = boot("aosp-gms-android13").await;
    let uri = "intent://com.pushlab.demo/detail?id=1#Intent;scheme=pushscheme;launchFlags=0x10000000;S.ext=%7B%22k%22%3A1%7D;i.n=3;end";
    let r = parse_am_start(&sh(&device, &format!("am start -W '{uri}'")).await);
    assert!(r.succeeded(), "{r:?}");
    assert_eq!(r.activity.as_ref().map(|c| c.class.as_str()), Some(CHAT));
    let resumed = device.resumed_activity().await.expect("activities");
    assert_eq!(resumed, Some(ComponentName::new(DEMO, CHAT)));
    let (_, intent) = model.resumed_activity().expect("resumed");
    assert_eq!(
        intent.extras.get("ext").and_then(|v| v.as_str()),
        Some("{\"k\":1}")
    );

    // The driver's own am_start sends the intent as a URI.
    let i = Intent::default()
        .with_component(ComponentName::new(DEMO, CHAT))
        .with_extra("ext", "x");
    let r = device.am_start(&i).await.expect("am start");
    assert!(r.succeeded(), "{r:?}");
}

#[tokio::test]
async fn an_http_url_lands_on_the_browser_and_unknown_targets_fail_with_exit_0() {
    let (_sim, device, _model) = boot("aosp-gms-android13").await;
    let r = parse_am_start(
        &sh(
            &device,
            "am start -W -a android.intent.action.VIEW -d https://example.com/a",
        )
        .await,
    );
    assert_eq!(
        r.activity.map(|c| c.package),
        Some("com.android.chrome".to_string())
    );
    assert_eq!(
        device
            .resumed_activity()
            .await
            .expect("act")
            .map(|c| c.package),
        Some("com.android.chrome".to_string())
    );

    let out = device
        .shell("am start -n com.nope/.Main; echo exit=$?")
        .await
        .expect("shell")
        .combined();
    assert!(out.contains("Error type 3"), "{out}");
    assert!(
        out.contains("Error: Activity class {com.nope/com.nope.Main} does not exist."),
        "{out}"
    );
    assert!(out.contains("exit=0"), "{out}");
    let r = parse_am_start(&sh(&device, "am start -a com.nope.ACTION").await);
    assert!(
        matches!(r.error, Some(AmStartError::UnableToResolve { .. })),
        "{r:?}"
    );
}

#[tokio::test]
async fn tapping_a_notification_by_its_bounds_fires_the_content_intent() {
    let (_sim, device, model) = boot("aosp-gms-android13").await;
    model.create_channel(DEMO, Channel::new("im", "Messages", Importance::Default));
    model
        .post_notification(DEMO, message(Some("im"), "Carol"))
        .expect("posted");
    device.notification_shade(true).await.expect("expand");
    let acts = device.activities().await.expect("activities");
    assert_eq!(acts.current_focus.as_deref(), Some("NotificationShade"));
    let ui = device.ui_dump().await.expect("dump").expect("hierarchy");
    let row = ui
        .nodes
        .iter()
        .find(|n| n.resource_id == "com.android.systemui:id/expandableNotificationRow")
        .expect("a notification row");
    let (x, y) = row.bounds.expect("bounds").center();
    assert!(ui.nodes.iter().any(|n| n.text == "Carol"));
    device.tap(x, y).await.expect("tap");

    assert_eq!(
        device.resumed_activity().await.expect("act"),
        Some(ComponentName::new(DEMO, CHAT))
    );
    assert!(
        device.notifications().await.expect("dumpsys").is_empty(),
        "autoCancel removes the record"
    );
}

#[tokio::test]
async fn shell_posts_and_screencap_makes_a_png() {
    let (_sim, device, _model) = boot("aosp-gms-android13").await;
    sh(
        &device,
        "cmd notification post -t Hello greeting 'from the shell'",
    )
    .await;
    let recs = device.notifications().await.expect("dumpsys");
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].pkg, "com.android.shell");
    assert_eq!(recs[0].channel.as_deref(), Some("shell_cmd"));
    assert_eq!(recs[0].text_text(), Some("from the shell"));
    let keys = sh(&device, "cmd notification list").await;
    assert_eq!(keys.trim(), recs[0].key);

    sh(&device, "cmd statusbar expand-notifications").await;
    sh(&device, "screencap -p /sdcard/s.png").await;
    let png = device.pull("/sdcard/s.png").await.expect("pull");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().expect("valid PNG");
    assert_eq!((reader.info().width, reader.info().height), (540, 1200));
}

#[tokio::test]
async fn the_package_manager_lists_the_companions_and_the_rom() {
    let (_sim, device, _model) = boot("coloros-nopush-android10").await;
    let pkgs = device.packages().await.expect("pm list");
    for p in ["com.pushlab.agent", "com.pushlab.demo", "com.android.shell"] {
        assert!(pkgs.iter().any(|e| e.name == p), "{p} missing");
    }
    assert!(
        !pkgs.iter().any(|e| e.name == "com.heytap.mcs"),
        "no push service on a nopush model"
    );
    let third = sh(&device, "pm list packages -3 -U").await;
    assert!(
        third.contains("package:com.pushlab.demo uid:10201"),
        "{third}"
    );
    assert!(!third.contains("com.android.shell"), "{third}");
    let resolved = sh(
        &device,
        "cmd package resolve-activity --brief -a android.intent.action.VIEW -d pushscheme://com.pushlab.demo/detail",
    )
    .await;
    assert!(
        resolved.ends_with("com.pushlab.demo/.chat.ChatActivity\n"),
        "{resolved}"
    );

    let (_sim, device, _model) = boot("coloros-android10").await;
    let pkgs = device.packages().await.expect("pm list");
    assert!(pkgs.iter().any(|e| e.name == "com.heytap.mcs"));
    assert_eq!(
        device
            .getprop("ro.build.version.opporom")
            .await
            .expect("prop")
            .as_deref(),
        Some("V7.2")
    );
}

#[tokio::test]
async fn not_exported_activities_refuse_the_shell() {
    let (_sim, device, model) = boot("aosp-gms-android13").await;
    let mut m = pushlab::sim::framework::Manifest::new("com.example.hidden", "Hidden");
    m.activities.push(
        pushlab::sim::framework::packages::ComponentInfo::new("com.example.hidden.Secret", vec![])
            .exported(false),
    );
    model.install_package(m, false).expect("install");
    let out = sh(&device, "am start -n com.example.hidden/.Secret").await;
    assert!(
        out.contains("java.lang.SecurityException: Permission Denial: starting Intent { flg=0x10000000 cmp=com.example.hidden/.Secret } from null (pid="),
        "{out}"
    );
    assert!(out.contains("not exported from uid"), "{out}");
    let r = parse_am_start(&out);
    assert!(matches!(
        r.error,
        Some(AmStartError::PermissionDenied { .. })
    ));
}

#[tokio::test]
async fn activities_dump_follows_the_api_level() {
    for (profile, marker) in [
        ("aosp-gms-android13", "ResumedActivity: "),
        ("aosp-gms-android14", "topResumedActivity="),
        ("aosp-gms-android10", "mResumedActivity: "),
        ("aosp-gms-android7", "mResumedActivity: "),
    ] {
        let (_sim, device, _model) = boot(profile).await;
        sh(&device, "am start -n com.pushlab.demo/.SplashActivity").await;
        let dump = sh(&device, "dumpsys activity activities").await;
        assert!(dump.contains(marker), "{profile}: {dump}");
        assert_eq!(
            device.resumed_activity().await.expect("act"),
            Some(ComponentName::new(DEMO, "com.pushlab.demo.SplashActivity")),
            "{profile}"
        );
    }
}

/// An app model's view: hooks see the activity start with its extras, the
/// broadcast to a receiver, the service start and the process death.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<String>>);

impl pushlab::sim::framework::AppHooks for Recorder {
    fn activity_started(
        &self,
        _m: &Arc<AndroidModel>,
        start: &pushlab::sim::framework::ActivityStart,
    ) {
        let cmd = start
            .intent
            .extras
            .get("pushlab.command")
            .and_then(|v| v.as_str())
            .unwrap_or("-")
            .to_string();
        self.0
            .lock()
            .expect("lock")
            .push(format!("activity {} {cmd}", start.component.class));
    }
    fn broadcast_received(&self, m: &Arc<AndroidModel>, receiver: &ComponentName, intent: &Intent) {
        self.0
            .lock()
            .expect("lock")
            .push(format!("broadcast {} {:?}", receiver.class, intent.action));
        // The agent's tap command: tap the newest notification.
        if let Some(n) = m.notifications().last() {
            m.tap_notification(&n.key);
        }
    }
    fn service_started(&self, _m: &Arc<AndroidModel>, s: &ComponentName, _i: &Intent, fg: bool) {
        self.0
            .lock()
            .expect("lock")
            .push(format!("service {} fg={fg}", s.class));
    }
    fn process_died(
        &self,
        _m: &Arc<AndroidModel>,
        pkg: &str,
        why: pushlab::sim::framework::ProcessDeath,
    ) {
        self.0
            .lock()
            .expect("lock")
            .push(format!("died {pkg} {why:?}"));
    }
}

#[tokio::test]
async fn app_models_react_through_their_hooks() {
    let (_sim, device, model) = boot("aosp-gms-android13").await;
    let demo = Arc::new(Recorder::default());
    let agent = Arc::new(Recorder::default());
    model.set_hooks(DEMO, demo.clone());
    model.set_hooks("com.pushlab.agent", agent.clone());
    model.create_channel(DEMO, Channel::new("im", "Messages", Importance::Default));
    model
        .post_notification(DEMO, message(Some("im"), "Dave"))
        .expect("posted");

    sh(&device, "am start-foreground-service -n com.pushlab.agent/.AgentService --es hub http://127.0.0.1:1").await;
    sh(
        &device,
        "am start -W -n com.pushlab.demo/.SplashActivity --es pushlab.command login",
    )
    .await;
    sh(&device, "input keyevent KEYCODE_HOME").await;
    sh(&device, "am broadcast -n com.pushlab.agent/.CommandReceiver -a com.pushlab.agent.COMMAND --es command tap").await;
    device.force_stop(DEMO).await.expect("force-stop");

    let agent_seen = agent.0.lock().expect("lock").clone();
    assert_eq!(
        agent_seen,
        vec![
            "service com.pushlab.agent.AgentService fg=true".to_string(),
            "broadcast com.pushlab.agent.CommandReceiver Some(\"com.pushlab.agent.COMMAND\")"
                .to_string(),
        ]
    );
    let demo_seen = demo.0.lock().expect("lock").clone();
    assert_eq!(
        demo_seen,
        vec![
            "activity com.pushlab.demo.SplashActivity login".to_string(),
            format!("activity {CHAT} -"),
            "died com.pushlab.demo ForceStop".to_string(),
        ]
    );
}

#[tokio::test]
async fn push_capabilities_show_where_a_phone_shows_them() {
    let (_sim, device, _model) = boot("emui-hms-old").await;
    let hms = sh(&device, "dumpsys package com.huawei.hwid").await;
    assert!(hms.contains("versionCode=20301300 "), "{hms}");
    assert_eq!(
        device.pidof("com.huawei.hwid").await.expect("pidof").len(),
        1
    );
    let (_sim, device, _model) = boot("aosp-gms-android13").await;
    assert!(device
        .getprop("ro.com.google.gmsversion")
        .await
        .expect("prop")
        .is_some());
    let (_sim, device, _model) = boot("aosp-nogms-android13").await;
    assert!(device
        .getprop("ro.com.google.gmsversion")
        .await
        .expect("prop")
        .is_none());
    let pkgs = device.packages().await.expect("pm");
    assert!(!pkgs.iter().any(|p| p.name == "com.google.android.gms"));
}
