//! Reports from a fixed result set: JUnit XML and JSON snapshots, the
//! console summary and lines. The report layer needs no device.

use pushlab::report::{line, CaseReport, Failure, RunReport, Status};

fn results() -> RunReport {
    RunReport {
        duration_ms: 4_321,
        cases: vec![
            CaseReport {
                file: "scenarios/xiaomi.yaml".into(),
                case: "open app".into(),
                device: "miui-android13".into(),
                status: Status::Passed,
                duration_ms: 812,
                attempts: 1,
                failure: None,
            },
            CaseReport {
                file: "scenarios/xiaomi.yaml".into(),
                case: "ext <reaches> the app".into(),
                device: "miui-android13".into(),
                status: Status::Failed,
                duration_ms: 10_250,
                attempts: 1,
                failure: Some(Failure {
                    step: Some(4),
                    step_name: Some("expect_notification".into()),
                    message: "no notification within 10s".into(),
                    diagnosis: Some("device.channel_missing".into()),
                    advice: Some("Create the channel in the app before the push arrives.".into()),
                    chain: vec![
                        "IM ✓ → vendor ✓ → gateway ✓ → device ✗ (device.channel_missing)".into(),
                        "#1    IM       message_sent {\"from\":\"alice\",\"to\":\"bob\"}".into(),
                        "#6    device   dropped {\"code\":\"device.channel_missing\",\"detail\":\"No Channel found\"}".into(),
                    ],
                }),
            },
            CaseReport {
                file: "scenarios/faq.yaml".into(),
                case: "FCM in mainland China".into(),
                device: "aosp-gms-android13-cn".into(),
                status: Status::Error,
                duration_ms: 30_001,
                attempts: 2,
                failure: Some(Failure {
                    step: None,
                    step_name: None,
                    message: "device 127.0.0.1:40123 lost during `shell`: connection reset".into(),
                    diagnosis: None,
                    advice: None,
                    chain: vec![],
                }),
            },
            CaseReport {
                file: "scenarios/vivo.yaml".into(),
                case: "open app".into(),
                device: "funtouch-android11".into(),
                status: Status::Skipped,
                duration_ms: 0,
                attempts: 1,
                failure: Some(Failure {
                    step: None,
                    step_name: None,
                    message: "no device can stand for funtouch-android11: emulator-5554: needs a vivo (Funtouch OS) device; this is google Pixel 7 (Android 13, API 33)".into(),
                    diagnosis: None,
                    advice: None,
                    chain: vec![],
                }),
            },
        ],
    }
}

#[test]
fn junit_xml() {
    insta::assert_snapshot!(results().to_junit());
}

#[test]
fn json() {
    insta::assert_snapshot!(results().to_json());
}

#[test]
fn json_round_trips() {
    let r = results();
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let cases: Vec<CaseReport> = serde_json::from_value(v["cases"].clone()).unwrap();
    assert_eq!(cases, r.cases);
    assert_eq!(v["summary"]["failed"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["skipped"], 1);
}

#[test]
fn skipped_runs_neither_pass_nor_fail_a_run() {
    let mut r = results();
    r.cases
        .retain(|c| c.status != Status::Failed && c.status != Status::Error);
    assert!(r.all_passed(), "a pass and a skip");
    r.cases.retain(|c| c.status == Status::Skipped);
    assert!(!r.all_passed(), "only skips: nothing ran");
    assert!(r.summary().contains("nothing ran"));
}

#[test]
fn console_summary_and_lines() {
    let r = results();
    insta::assert_snapshot!(r.summary());
    assert_eq!(
        line(&r.cases[2]),
        "ERROR scenarios/faq.yaml::FCM in mainland China [aosp-gms-android13-cn] (30.0s, 2 attempts)"
    );
    assert!(!r.all_passed());
}
