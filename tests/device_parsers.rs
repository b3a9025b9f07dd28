//! Every captured device output in `fixtures/device/` parses, and the parsers
//! never panic on arbitrary input.

use proptest::prelude::*;
use pushlab::android::notification::NotificationText;
use pushlab::android::{ComponentName, Importance, Rect};
use pushlab::device::parse::{self, AmStatus, LogLevel, ResumedSource};

fn capture(name: &str) -> String {
    let path = format!("{}/fixtures/device/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn api33_bugreport_records_show_the_posted_notifications() {
    let records = parse::parse_notification_records(&capture(
        "dumpsys-notification-api33-healer-bugreport-records.txt",
    ));
    assert_eq!(records.len(), 5);
    let usb_debugging = &records[1];
    assert_eq!(usb_debugging.pkg, "android");
    assert_eq!(usb_debugging.user, -1);
    assert_eq!(usb_debugging.id, 26);
    assert_eq!(usb_debugging.tag, None);
    assert_eq!(usb_debugging.key, "-1|android|26|null|1000");
    assert_eq!(
        usb_debugging.channel.as_deref(),
        Some("DEVELOPER_IMPORTANT")
    );
    assert_eq!(usb_debugging.importance, Some(Importance::High));
    assert_eq!(usb_debugging.flags, Some(0x2));
    assert_eq!(
        usb_debugging.title,
        Some(NotificationText::Redacted {
            class: "String".into(),
            length: Some(23)
        })
    );
    let tap = usb_debugging
        .content_intent
        .as_ref()
        .expect("the USB notification opens settings");
    assert_eq!(
        (tap.package.as_str(), tap.kind.as_str()),
        ("android", "startActivity")
    );

    let app = &records[4];
    assert_eq!(app.pkg, "com.debug.loggerui");
    assert_eq!(app.key, "0|com.debug.loggerui|365001|null|10046");
    assert_eq!(
        app.channel.as_deref(),
        Some("com.debug.loggerui.notification")
    );
    assert_eq!(app.uid, Some(10046));
    assert_eq!(app.flags, Some(0x68));
    assert_eq!(
        app.content_intent.as_ref().map(|c| c.package.as_str()),
        Some("com.debug.loggerui")
    );
    let channel = app
        .effective_channel
        .as_ref()
        .expect("records print their channel");
    assert_eq!(channel.id, "com.debug.loggerui.notification");

    // The ranker group summary carries its own tag and a six-part key.
    assert_eq!(records[0].tag.as_deref(), Some("ranker_group"));
    assert!(records[0].key.ends_with("|ranker_group"));
    assert!(records[0].content_intent.is_none());
}

#[test]
fn api33_bugreport_preferences_list_apps_and_channels() {
    let apps = parse::parse_notification_preferences(&capture(
        "dumpsys-notification-api33-healer-bugreport-preferences.txt",
    ));
    let android = apps
        .iter()
        .find(|a| a.package == "android")
        .expect("the system's AppSettings");
    assert_eq!(android.uid, 1000);
    assert_eq!(android.importance, Importance::Default);
    assert_eq!(android.user_set, Some(false));
    let usb = android.channel("USB").expect("the USB channel");
    assert_eq!(usb.importance, Importance::Min);
    assert_eq!(
        usb.name.as_deref(),
        Some("USB..."),
        "bugreports redact channel names"
    );
    assert_eq!(usb.package.as_deref(), Some("android"));
    let total: usize = apps.iter().map(|a| a.channels.len()).sum();
    assert_eq!(
        total, 62,
        "every NotificationChannel line belongs to an app"
    );
    let disabled = apps
        .iter()
        .find(|a| a.package == "com.android.cts.ctsshim")
        .unwrap();
    assert!(!disabled.notifications_enabled());
}

#[test]
fn a_whole_bugreport_parses_through_its_notification_sections() {
    let bugreport = format!(
        "== dumpstate\nDUMP OF SERVICE CRITICAL notification:\n{}--------- 0.020s was the duration of dumpsys notification, ending at: 2025-12-09\nDUMP OF SERVICE package:\n  AppSettings: not.notification (1) importance=NONE userSet=false\nDUMP OF SERVICE notification:\n{}",
        capture("dumpsys-notification-api33-healer-bugreport-records.txt"),
        capture("dumpsys-notification-api33-healer-bugreport-preferences.txt"),
    );
    assert_eq!(parse::parse_notification_records(&bugreport).len(), 5);
    let apps = parse::parse_notification_preferences(&bugreport);
    assert!(apps.iter().all(|a| a.package != "not.notification"));
    assert!(apps.iter().any(|a| a.package == "com.android.settings"));
}

#[test]
fn api33_activities_name_the_resumed_camera() {
    let state = parse::parse_activities(&capture(
        "dumpsys-activity-activities-api33-healer-bugreport.txt",
    ));
    let camera: ComponentName = "com.mediatek.camera/.CameraLauncher".parse().unwrap();
    assert_eq!(state.resumed_component(), Some(&camera));
    assert_eq!(state.resumed_source, Some(ResumedSource::ResumedActivity));
    assert_eq!(state.resumed.as_ref().and_then(|r| r.task), Some(12));
    assert_eq!(
        state.focused_app.as_ref().map(|r| &r.component),
        Some(&camera)
    );
    assert_eq!(state.current_focus.as_deref(), Some("NotificationShade"));
    assert!(state.history.len() > 3);
}

#[test]
fn am_start_w_reports_status_activity_and_times() {
    let r = parse::parse_am_start(&capture("am-start-W-encapp-readme.txt"));
    assert_eq!(r.status, Some(AmStatus::Ok));
    assert_eq!(r.launch_state.as_deref(), Some("COLD"));
    assert_eq!(
        r.activity,
        Some(ComponentName::new(
            "com.facebook.alohaapps.launcher",
            "com.facebook.aloha.app.home.touch.HomeActivity"
        ))
    );
    assert_eq!((r.total_time_ms, r.wait_time_ms), (Some(1479), Some(1482)));
    assert!(r.complete);
    assert!(r.succeeded());
    assert!(r
        .starting
        .unwrap()
        .contains("cmp=com.facebook.encapp/.MainActivity"));
}

#[test]
fn threadtime_logcat_reads_every_line() {
    let text = capture("logcat-threadtime-api33-healer-excerpt.txt");
    let lines = parse::parse_logcat(&text);
    assert_eq!(
        lines.len(),
        text.lines().filter(|l| !l.trim().is_empty()).count()
    );
    let adbd = lines
        .iter()
        .find(|l| l.tag == "adbd")
        .expect("an adbd line");
    assert_eq!(
        (adbd.pid, adbd.tid, adbd.level),
        (Some(559), Some(574), LogLevel::Info)
    );
    assert_eq!(adbd.date.as_deref(), Some("12-09"));
    assert_eq!(adbd.time.as_deref(), Some("17:03:12.841"));
    assert_eq!(adbd.message, "jdwp connection from 5980");
    assert!(lines.iter().any(|l| l.tag == "ActivityManager"
        && l.message
            .starts_with("Start proc 5980:android.process.media")));
}

#[test]
fn the_no_channel_found_line_names_package_and_channel() {
    let lines = parse::parse_logcat(&capture("logcat-no-channel-found-emui8-xinge-push.txt"));
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(
        (line.level, line.tag.as_str()),
        (LogLevel::Error, "NotificationService")
    );
    let drop = line.no_channel_found().expect("a No Channel found line");
    assert_eq!(drop.pkg, "com.jeepeng.push");
    assert_eq!(drop.channel_id, None);
    assert_eq!(drop.id, Some(995033369));
    assert_eq!(drop.op_pkg.as_deref(), Some("com.huawei.android.pushagent"));
    assert_eq!(drop.notification_uid, Some(10261));
}

#[test]
fn logcat_format_examples_parse_in_each_format() {
    let lines = parse::parse_logcat(&capture("logcat-format-examples-awesome-adb.txt"));
    let headset: Vec<_> = lines
        .iter()
        .filter(|l| l.tag == "HeadsetStateMachine")
        .collect();
    assert_eq!(headset.len(), 2, "the time and threadtime examples");
    assert!(headset
        .iter()
        .all(|l| l.pid == Some(1785) && l.level == LogLevel::Debug));
    assert!(headset.iter().any(|l| l.tid == Some(1832)));
}

#[test]
fn pm_list_packages_and_ps_parse() {
    let pkgs = parse::parse_pm_list_packages(&capture("pm-list-packages-awesome-adb-excerpt.txt"));
    assert_eq!(pkgs.len(), 10);
    assert_eq!(pkgs[0].name, "com.android.smoketest");
    let ps_text = capture("ps-A-api33-healer.txt");
    let procs = parse::parse_ps(&ps_text);
    assert_eq!(procs.len(), ps_text.lines().count() - 1);
    let adbd = procs.iter().find(|p| p.name == "adbd").unwrap();
    assert_eq!(
        (adbd.pid, adbd.ppid, adbd.user.as_str()),
        (6098, Some(1), "root")
    );
    assert!(procs.iter().any(|p| p.app_uid().is_some()));
}

#[test]
fn uiautomator_dumps_give_nodes_with_bounds() {
    let dialog =
        parse::parse_ui_dump(&capture("uiautomator-dump-android-dialog-quietlog.xml")).unwrap();
    assert_eq!(dialog.nodes.len(), 12);
    assert_eq!(dialog.rotation, Some(0));
    assert_eq!(
        dialog.nodes[0].bounds,
        Some(Rect::new(28, 1030, 1052, 1536))
    );
    let wait = dialog
        .find_resource_id("android:id/aerr_wait")
        .next()
        .expect("the Wait button");
    assert_eq!(wait.text, "Wait");
    assert!(wait.clickable);
    let title = dialog
        .find_resource_id("android:id/alertTitle")
        .next()
        .unwrap();
    assert_eq!(title.text, "Process system isn't responding");

    let messages =
        parse::parse_ui_dump(&capture("uiautomator-dump-messages-app-keval.xml")).unwrap();
    assert_eq!(messages.nodes.len(), 110);
    assert_eq!(messages.nodes[0].bounds, Some(Rect::new(0, 0, 720, 1536)));
    assert!(messages
        .nodes
        .iter()
        .all(|n| n.package == "com.google.android.apps.messaging"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsers_never_panic(s in "\\PC{0,400}") {
        run_all(&s);
    }

    #[test]
    fn parsers_never_panic_on_near_misses(s in "(NotificationRecord\\(|AppSettings: |NotificationChannel\\{|mId=|extras=\\{|\\}|key=|pkg=|ActivityRecord\\{|topResumedActivity=|Status:|Error: |package:|<node |bounds=\"\\[|[0-9a-z =,:|()'\\[\\]{}\n/.-]){0,60}") {
        run_all(&s);
    }
}

fn run_all(s: &str) {
    let _ = parse::parse_notification_records(s);
    let _ = parse::parse_notification_preferences(s);
    let _ = parse::parse_channel(s);
    let _ = parse::parse_activities(s);
    let _ = parse::parse_am_start(s);
    let _ = parse::parse_pidof(s);
    let _ = parse::parse_ps(s);
    let _ = parse::parse_pm_list_packages(s);
    let _ = parse::parse_logcat(s);
    let _ = parse::parse_ui_dump(s);
    let _ = parse::NoChannelFound::parse(s);
}
