//! `pushlab parse` prints what the driver reads from a pasted capture.

use std::io::Write;
use std::process::{Command, Stdio};

fn pushlab_parse(kind: &str, fixture: &str) -> serde_json::Value {
    let path = format!("{}/fixtures/device/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_pushlab"))
        .args(["parse", kind, &path])
        .output()
        .expect("pushlab runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("pushlab parse prints JSON")
}

#[test]
fn notifications_print_one_object_per_record() {
    let json = pushlab_parse(
        "notifications",
        "dumpsys-notification-api33-healer-bugreport-records.txt",
    );
    assert_eq!(json.as_array().map(Vec::len), Some(5));
    insta::assert_json_snapshot!("api33_notification_records", json);
}

#[test]
fn activities_print_the_resumed_component() {
    let json = pushlab_parse(
        "activities",
        "dumpsys-activity-activities-api33-healer-bugreport.txt",
    );
    insta::assert_json_snapshot!("api33_activities", json);
}

#[test]
fn am_start_prints_status_and_times() {
    let json = pushlab_parse("am-start", "am-start-W-encapp-readme.txt");
    insta::assert_json_snapshot!("am_start_w_encapp", json);
}

#[test]
fn logcat_marks_the_no_channel_found_drop() {
    let json = pushlab_parse("logcat", "logcat-no-channel-found-emui8-xinge-push.txt");
    insta::assert_json_snapshot!("logcat_no_channel_found", json);
}

#[test]
fn a_section_pasted_on_stdin_parses_too() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pushlab"))
        .args(["parse", "channels", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pushlab runs");
    let section = "DUMP OF SERVICE notification:\n  AppSettings: com.tencent.qcloud.tim.tuikit (10234) importance=NONE userSet=true\n    NotificationChannel{mId='pushlab_default', mName=Messages, mDescription=, mImportance=4, mBypassDnd=false}\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(section.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["package"], "com.tencent.qcloud.tim.tuikit");
    assert_eq!(json[0]["importance"], "none");
    assert_eq!(json[0]["channels"][0]["id"], "pushlab_default");
    assert_eq!(json[0]["channels"][0]["importance"], "high");
}
