//! Reports from a fixed result set: JUnit XML and JSON snapshots, the
//! console summary and lines, the reporters fed with events, and the JSON
//! report against its documentation. The report layer needs no device.

use std::collections::BTreeSet;

use pushlab::report::{
    line, CaseReport, ConsoleReporter, Event, Failure, FileReporter, Reporter, Reporters,
    RunReport, Status, StepOutcome, StepStatus, JSON_FORMAT_VERSION,
};

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
    insta::assert_snapshot!(results().to_junit().unwrap());
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
    assert_eq!(v["format_version"], JSON_FORMAT_VERSION);
    assert_eq!(
        v["cases"][1]["failure"]["step"], 5,
        "steps count from 1, as on the console"
    );
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

/// The events of a run that ended in `r`: each result ends its case in
/// the order of `r`, then the run finishes.
fn events(r: &RunReport) -> Vec<Event> {
    let mut e = vec![Event::RunStarted {
        cases: r.cases.len(),
    }];
    for (index, c) in r.cases.iter().enumerate() {
        e.push(Event::CaseStarted {
            index,
            name: c.name(),
        });
        e.push(Event::case_ended(
            index,
            c.clone(),
            &["send", "expect_notification"],
        ));
    }
    e.push(Event::RunFinished { summary: r.clone() });
    e
}

#[test]
fn the_console_reporter_prints_a_line_as_each_run_ends_and_the_summary_at_the_end() {
    let r = results();
    let mut console = ConsoleReporter::new(Vec::new(), Vec::new());
    let events = events(&r);
    let (last, live) = events.split_last().unwrap();
    for e in live {
        console.report(e).unwrap();
    }
    let (progress, summary) = console.into_writers();
    let lines: String = r.cases.iter().map(|c| format!("{}\n", line(c))).collect();
    assert_eq!(String::from_utf8(progress).unwrap(), lines);
    assert!(summary.is_empty(), "no summary before the run finishes");

    let mut console = ConsoleReporter::new(Vec::new(), Vec::new());
    for e in &events {
        console.report(e).unwrap();
    }
    assert!(matches!(last, Event::RunFinished { .. }));
    let (_, summary) = console.into_writers();
    assert_eq!(String::from_utf8(summary).unwrap(), r.summary());
}

#[test]
fn file_reporters_write_their_file_when_the_run_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let (json, xml) = (dir.path().join("r.json"), dir.path().join("r.xml"));
    let mut reporters = Reporters::default();
    reporters.push(FileReporter::json(&json));
    reporters.push(FileReporter::junit(&xml));
    let r = results();
    let events = events(&r);
    let (last, live) = events.split_last().unwrap();
    for e in live {
        reporters.report(e).unwrap();
    }
    assert!(!json.exists() && !xml.exists(), "written only at the end");
    reporters.report(last).unwrap();
    assert_eq!(std::fs::read_to_string(&json).unwrap(), r.to_json());
    assert_eq!(
        std::fs::read_to_string(&xml).unwrap(),
        r.to_junit().unwrap()
    );
}

#[test]
fn a_reporter_that_cannot_write_fails_with_the_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut json = FileReporter::json(dir.path().join("no such dir").join("r.json"));
    let err = json
        .report(&Event::RunFinished { summary: results() })
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn skipped_runs_end_in_case_skipped_with_their_reason() {
    let r = results();
    let e = Event::case_ended(3, r.cases[3].clone(), &["send"]);
    let Event::CaseSkipped { index, reason, .. } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(*index, 3);
    assert!(reason.starts_with("no device can stand for funtouch-android11"));
    assert_eq!(e.result(), Some(&r.cases[3]));
}

#[test]
fn step_outcomes_follow_the_failing_step() {
    let r = results();
    let names = [
        "login",
        "send",
        "wait",
        "tap",
        "expect_notification",
        "logout",
    ];
    let statuses = |c: &CaseReport| -> Vec<StepStatus> {
        StepOutcome::of(&names, c)
            .into_iter()
            .map(|s| s.status)
            .collect()
    };
    use StepStatus::*;
    assert_eq!(statuses(&r.cases[0]), [Passed; 6]);
    // The failure names the fifth step (index 4).
    assert_eq!(
        statuses(&r.cases[1]),
        [Passed, Passed, Passed, Passed, Failed, NotRun]
    );
    assert_eq!(statuses(&r.cases[2]), [Unknown; 6]);
    assert_eq!(statuses(&r.cases[3]), [NotRun; 6]);
    let outcomes = StepOutcome::of(&names, &r.cases[1]);
    assert_eq!(
        (outcomes[4].number, outcomes[4].name.as_str()),
        (5, "expect_notification")
    );
}

#[test]
fn junit_xml_carries_every_run_its_failure_and_its_skip() {
    let r = results();
    let xml = quick_junit::Report::deserialize_from_str(&r.to_junit().unwrap()).unwrap();
    assert_eq!(
        (xml.tests, xml.failures, xml.errors, xml.skipped),
        (4, 1, 1, 1)
    );
    let suites: Vec<&str> = xml.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        suites,
        [
            "scenarios/xiaomi.yaml",
            "scenarios/faq.yaml",
            "scenarios/vivo.yaml"
        ]
    );
    let cases: Vec<&quick_junit::TestCase> =
        xml.test_suites.iter().flat_map(|s| &s.test_cases).collect();
    for (c, x) in r.cases.iter().zip(&cases) {
        assert_eq!(x.name.as_str(), format!("{} [{}]", c.case, c.device));
        let (message, description) = match &x.status {
            quick_junit::TestCaseStatus::Success { .. } => (None, None),
            quick_junit::TestCaseStatus::NonSuccess {
                message,
                description,
                ..
            } => (message.as_ref(), description.as_ref()),
            quick_junit::TestCaseStatus::Skipped { message, .. } => (message.as_ref(), None),
        };
        let f = c.failure.as_ref();
        assert_eq!(message.map(|m| m.as_str()), f.map(|f| f.message.as_str()));
        if c.status != Status::Skipped {
            // Reading XML back trims the text's closing newline.
            let rendered = f.map(|f| f.render());
            assert_eq!(
                description.map(|d| d.as_str()),
                rendered.as_deref().map(str::trim_end)
            );
        }
    }
    assert_eq!(cases.len(), r.cases.len());
}

/// The field paths of a JSON value: `summary.total`, `cases[].file`,
/// `cases[].failure.step`... (objects and arrays of objects are followed).
fn paths(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(p.clone());
                paths(v, &p, out);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                paths(v, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// The first column of the field table under `### Fields` in
/// docs/report-format.md, and the version the document says it describes.
fn documented() -> (BTreeSet<String>, u64) {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-format.md"),
    )
    .unwrap();
    let version = doc
        .split("**format version ")
        .nth(1)
        .and_then(|rest| rest.split("**").next())
        .and_then(|n| n.trim().parse().ok())
        .expect("the document says `**format version N**`");
    let table = doc
        .split("### Fields")
        .nth(1)
        .expect("a `### Fields` section")
        .split("\n#")
        .next()
        .unwrap_or_default();
    let fields = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    (fields, version)
}

#[test]
fn the_json_report_is_what_docs_report_format_describes() {
    let (fields, version) = documented();
    assert_eq!(u64::from(JSON_FORMAT_VERSION), version);
    let v: serde_json::Value = serde_json::from_str(&results().to_json()).unwrap();
    assert_eq!(v["format_version"], version);
    let mut found = BTreeSet::new();
    paths(&v, "", &mut found);
    let undocumented: Vec<&String> = found.difference(&fields).collect();
    assert!(undocumented.is_empty(), "not in the doc: {undocumented:?}");
    // The fixture has every optional field, so a documented field it lacks
    // is gone from the report.
    let stale: Vec<&String> = fields.difference(&found).collect();
    assert!(
        stale.is_empty(),
        "documented but not in a report: {stale:?}"
    );
}
