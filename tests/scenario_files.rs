//! Scenario files: the built-in suites load and match the JSON Schema;
//! broken files are reported as `file:line:column: field: what (allowed: …)`;
//! files expand into a matrix; shards and filters select stably.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use pushlab::diagnosis::Diagnosis;
use pushlab::push::{ClickAction, PageTarget, VendorId};
use pushlab::scenario::model::{ClickSpec, Step};
use pushlab::scenario::{
    collect_files, expand, json_schema, load_file, parse_str, RunId, Selection, Shard,
};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn builtin() -> Vec<PathBuf> {
    collect_files(&[root().join("scenarios")]).expect("scenarios/ is readable")
}

#[test]
fn every_builtin_suite_loads() {
    let files = builtin();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "faq.yaml",
            "fcm.yaml",
            "huawei.yaml",
            "im_rules.yaml",
            "meizu.yaml",
            "oppo.yaml",
            "vivo.yaml",
            "xiaomi.yaml"
        ]
    );
    for f in &files {
        let s = load_file(f).unwrap_or_else(|e| panic!("{e}"));
        assert!(!expand(&s).is_empty(), "{} has runs", f.display());
    }
}

#[test]
fn each_vendor_suite_covers_its_click_events_and_ext() {
    for vendor in ["xiaomi", "huawei", "oppo", "vivo", "meizu", "fcm"] {
        let s = load_file(&root().join(format!("scenarios/{vendor}.yaml"))).unwrap();
        assert_eq!(s.file.vendor.name(), vendor);
        let runs = expand(&s);
        let clicks: Vec<&ClickAction> = runs.iter().map(|r| &r.certificate.click).collect();
        assert!(
            clicks.contains(&&ClickAction::OpenApp),
            "{vendor}: open app"
        );
        assert!(
            clicks
                .iter()
                .any(|c| matches!(c, ClickAction::OpenPage { .. })),
            "{vendor}: open page"
        );
        if vendor != "fcm" {
            assert!(
                clicks
                    .iter()
                    .any(|c| matches!(c, ClickAction::OpenUrl { .. })),
                "{vendor}: open url"
            );
        }
        let steps: Vec<&Step> = runs.iter().flat_map(|r| &r.steps).collect();
        assert!(
            steps.iter().any(|s| matches!(s, Step::ExpectExt(_))),
            "{vendor}: ext"
        );
        assert!(
            steps.iter().any(|s| matches!(s, Step::ExpectNotification(e) if e.title.as_deref() == Some("a new message"))),
            "{vendor}: default title"
        );
    }
    let huawei = load_file(&root().join("scenarios/huawei.yaml")).unwrap();
    assert_eq!(
        huawei.file.certificate.badge_class.as_deref(),
        Some("com.pushlab.demo.SplashActivity")
    );
}

#[test]
fn the_faq_suite_names_every_answer() {
    let s = load_file(&root().join("scenarios/faq.yaml")).unwrap();
    let reasons: Vec<Diagnosis> = expand(&s)
        .iter()
        .flat_map(|r| r.steps.clone())
        .filter_map(|s| match s {
            Step::ExpectNoNotification(e) => Some(e.reason),
            _ => None,
        })
        .collect();
    for code in [
        "oppo.channel_required",
        "oppo.ext_not_json",
        "im.custom_without_desc",
        "im.logged_out",
        "im.kicked",
        "im.online",
        "im.no_token",
        "im.certificate_not_effective",
        "vendor.rate_limited",
        "vivo.unsupported_device",
        "fcm.no_play_services",
        "fcm.region_blocked",
        "device.app_stopped",
        "huawei.hms_too_old",
    ] {
        let d: Diagnosis = code.parse().unwrap();
        assert!(reasons.contains(&d), "faq.yaml proves {code}");
    }
    let runs = expand(&s);
    let oppo = runs
        .iter()
        .find(|r| r.case.starts_with("OPPO without"))
        .unwrap();
    assert_eq!(oppo.vendor, VendorId::Oppo);
    assert_eq!(
        oppo.certificate.channel_id, None,
        "channel_id: null removes it"
    );
    assert_eq!(oppo.device, "coloros-android10");
    let delay = runs.iter().find(|r| r.case.contains("10 minutes")).unwrap();
    assert!(!delay.certificate_effective);
}

// ---- the JSON Schema ----

/// The schema `pushlab schema` prints, as a validator. Building it also
/// checks the schema itself against the JSON Schema meta-schema.
fn schema_validator() -> jsonschema::Validator {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pushlab"))
        .arg("schema")
        .output()
        .expect("pushlab schema runs");
    assert!(out.status.success(), "pushlab schema: {out:?}");
    let schema: Value = serde_json::from_slice(&out.stdout).expect("pushlab schema prints JSON");
    assert_eq!(schema, json_schema(), "the CLI prints the library's schema");
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("a valid JSON Schema: {e}"))
}

/// Every way `doc` breaks the schema, one line each.
fn violations(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn yaml_as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    serde_json::to_value(v).unwrap()
}

#[test]
fn the_json_schema_accepts_every_builtin_suite() {
    let validator = schema_validator();
    let files = builtin();
    assert!(files.len() >= 7, "every built-in suite is checked");
    for f in files {
        let errors = violations(&validator, &yaml_as_json(&f));
        assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
    }
}

#[test]
fn the_json_schema_rejects_what_the_loader_rejects() {
    let validator = schema_validator();
    for (name, doc) in [
        (
            "unknown step",
            serde_json::json!({"vendor": "xiaomi", "certificate": {"credentials": {}}, "cases": [{"name": "a", "steps": [{"sned": {}}]}]}),
        ),
        (
            "unknown key",
            serde_json::json!({"vendor": "xiaomi", "certificate": {"credentials": {}}, "cases": [], "extra": 1}),
        ),
        (
            "bad vendor",
            serde_json::json!({"vendor": "honor", "certificate": {"credentials": {}}, "cases": []}),
        ),
        (
            "bad reason",
            serde_json::json!({"vendor": "xiaomi", "certificate": {"credentials": {}}, "cases": [{"name": "a", "steps": [{"expect_no_notification": {"reason": "im.nope"}}]}]}),
        ),
    ] {
        assert!(
            !violations(&validator, &doc).is_empty(),
            "{name} is rejected by the schema"
        );
    }
}

#[test]
fn the_json_schema_honours_its_patterns() {
    let validator = schema_validator();
    let doc = |wait: Value| serde_json::json!({"vendor": "xiaomi", "certificate": {"credentials": {}}, "cases": [{"name": "a", "steps": [{"advance_time": wait}]}]});
    // The same document, once with a duration the loader reads and once
    // with one it refuses (`durations_read_as_people_write_them`): only the
    // `Wait` pattern tells them apart.
    assert_eq!(
        violations(&validator, &doc("10m".into())),
        Vec::<String>::new()
    );
    let errors = violations(&validator, &doc("10 days".into()));
    assert!(
        errors.iter().any(|e| e.starts_with("/cases/0/steps/0:")),
        "`10 days` breaks the Wait pattern: {errors:#?}"
    );
}

// ---- errors ----

#[test]
fn broken_files_are_reported_with_their_position() {
    let dir = root().join("fixtures/scenarios");
    let files = collect_files(&[dir]).unwrap();
    assert!(files.len() >= 5);
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).unwrap();
        let err = parse_str(&name, &text).expect_err(&name);
        let lines = err.lines().join("\n");
        insta::assert_snapshot!(name.trim_end_matches(".yaml").to_string(), lines);
    }
}

#[test]
fn a_case_that_changes_vendor_must_bring_credentials() {
    let text = "vendor: xiaomi\ncertificate:\n  credentials: {app_id: '1', app_key: '2', app_secret: x}\ncases:\n  - name: a\n    vendor: oppo\n    steps: [login]\n";
    let err = parse_str("v.yaml", text).unwrap_err().lines();
    assert_eq!(
        err,
        ["v.yaml:6:5: cases[0].vendor: a case that goes through OPPO Push needs its own `certificate.credentials`"]
    );
}

#[test]
fn fcm_cannot_open_a_web_page() {
    let text = "vendor: fcm\ncertificate:\n  credentials: {service_account: {}}\n  click: {open_url: 'https://x.example'}\ncases:\n  - name: a\n    steps: [login]\n";
    let err = parse_str("f.yaml", text).unwrap_err().lines();
    assert_eq!(
        err,
        ["f.yaml:4:11: certificate.click.open_url: Google FCM cannot open a web page (allowed: open_app, open_page)"]
    );
}

// ---- matrix, filters, shards ----

const MATRIX: &str = r#"
vendor: xiaomi
certificate:
  credentials: {app_id: "1", app_key: "2", app_secret: fake}
  click: {open_page: {intent_uri: "intent://x#Intent;scheme=s;end"}}
  channel_id: im
devices: [miui-android13, aosp-gms-android13]
defaults: {within: 3s, user: carol}
cases:
  - name: everywhere
    steps: [login]
  - name: only on MIUI
    device: miui-android13
    certificate: {click: open_app, channel_id: null}
    steps: [login, advance_time: 600]
"#;

#[test]
fn a_device_list_runs_every_case_on_every_profile() {
    let s = parse_str("m.yaml", MATRIX).unwrap();
    let runs = expand(&s);
    let names: Vec<String> = runs.iter().map(|r| r.id().to_string()).collect();
    assert_eq!(
        names,
        [
            "m.yaml::everywhere [miui-android13]",
            "m.yaml::everywhere [aosp-gms-android13]",
            "m.yaml::only on MIUI [miui-android13]",
        ]
    );
    assert_eq!(
        runs[0].certificate.click,
        ClickAction::OpenPage {
            page: PageTarget::IntentUri("intent://x#Intent;scheme=s;end".into())
        }
    );
    assert_eq!(runs[0].certificate.channel_id.as_deref(), Some("im"));
    assert_eq!(runs[2].certificate.click, ClickAction::OpenApp);
    assert_eq!(runs[2].certificate.channel_id, None);
    assert_eq!(runs[0].user, "carol");
    assert_eq!(runs[0].within, std::time::Duration::from_secs(3));
    assert_eq!(runs[0].certificate.package, "com.pushlab.demo");
    assert!(matches!(runs[2].steps[1], Step::AdvanceTime(w) if w.0.as_secs() == 600));
    assert_eq!(
        s.file.certificate.click.clone(),
        ClickSpec::OpenPage(pushlab::scenario::model::PageSpec::IntentUri(
            "intent://x#Intent;scheme=s;end".into()
        ))
    );
}

const INLINE: &str = r#"
vendor: huawei
certificate:
  credentials: {app_id: "1", client_secret: fake}
devices:
  - coloros-api26
  - {rom: emui, api: 29, hms_core: 20401299}
  - {rom: emui, android: 10, region: global, hms_core: false}
  - {rom: aosp-gms, android: 4.4w, play_services: 220000000}
  - {rom: miui, android: "12l", play_services: true}
  - {rom: funtouch, api: 30, quirks: [no_vendor_push]}
cases:
  - name: everywhere
    steps: [login]
  - name: on a Huawei that loses pass-through data
    device: {rom: emui, api: 29, quirks: [drops_passthrough]}
    steps: [login]
"#;

#[test]
fn inline_devices_run_under_their_canonical_names() {
    let s = parse_str("i.yaml", INLINE).unwrap();
    let devices: Vec<String> = expand(&s).into_iter().map(|r| r.device).collect();
    assert_eq!(
        devices,
        [
            "coloros-api26",
            "emui-android10-hms20401299",
            "emui-android10-global-nohms",
            "aosp-gms-android4.4w-gms220000000",
            "miui-android12l-gms",
            "funtouch-android11-nopush",
            "emui-android10-passthrough-drop",
        ]
    );
    // An inline definition is the profile its name parses to.
    let inline = s.file.devices.0[1].profile().unwrap();
    assert_eq!(
        inline,
        pushlab::profile::Profile::parse("emui-android10-hms20401299").unwrap()
    );
    assert_eq!(inline.hms_core_version, Some(20_401_299));
}

#[test]
fn profile_names_match_the_schema_pattern_exactly_when_they_parse() {
    let pattern = regex::Regex::new(&pushlab::scenario::model::PROFILE_NAME_PATTERN).unwrap();
    let known = pushlab::profile::KNOWN_PROFILES.iter().copied();
    let examples = pushlab::profile::EXAMPLE_PROFILES.iter().map(|(n, _)| *n);
    for name in known.chain(examples).chain([
        "coloros-api26",
        "coloros-android8",
        "coloros-android7.1",
        "emui-android10-nohms",
        "aosp-gms-api21",
        "emui-android10-passthrough-drop",
        "coloros-nopush-api29-global",
    ]) {
        assert!(pattern.is_match(name), "{name} matches the pattern");
        pushlab::profile::Profile::parse(name).unwrap();
    }
    for bad in [
        "miui-android99",
        "miui-api15",
        "miui-api37",
        "nokia-android10",
        "miui-android10-eu",
        "miui-android5.2",
        "emui",
    ] {
        assert!(!pattern.is_match(bad), "{bad} breaks the pattern");
        assert!(pushlab::profile::Profile::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_json_schema_takes_inline_devices_and_refuses_bad_names() {
    let validator = schema_validator();
    let doc: Value =
        serde_json::to_value(serde_yaml_ng::from_str::<serde_yaml_ng::Value>(INLINE).unwrap())
            .unwrap();
    assert_eq!(violations(&validator, &doc), Vec::<String>::new());
    for (what, device) in [
        ("bad name", serde_json::json!("miui-android99")),
        (
            "unknown field",
            serde_json::json!({"rom": "emui", "api": 29, "hms": 1}),
        ),
        (
            "unknown ROM",
            serde_json::json!({"rom": "nokia", "api": 29}),
        ),
        (
            "API out of range",
            serde_json::json!({"rom": "emui", "api": 40}),
        ),
        (
            "unknown quirk",
            serde_json::json!({"rom": "emui", "api": 29, "quirks": ["slow"]}),
        ),
    ] {
        let doc = serde_json::json!({"vendor": "xiaomi", "certificate": {"credentials": {}}, "devices": device, "cases": []});
        assert!(
            !violations(&validator, &doc).is_empty(),
            "{what} is rejected by the schema"
        );
    }
}

fn id(file: &str, case: &str, device: &str) -> RunId {
    RunId {
        file: file.into(),
        case: case.into(),
        device: device.into(),
    }
}

#[test]
fn shards_partition_the_runs_and_adding_a_case_moves_no_other() {
    let before: Vec<RunId> = (0..200)
        .map(|i| id("scenarios/faq.yaml", &format!("case {i}"), "miui-android13"))
        .collect();
    let mut after = before.clone();
    after.insert(57, id("scenarios/faq.yaml", "a new case", "miui-android13"));
    let n = 4;
    let shard_of = |r: &RunId| {
        (1..=n)
            .find(|k| {
                Shard {
                    index: *k,
                    count: n,
                }
                .contains(r)
            })
            .expect("every run is in exactly one shard")
    };
    for r in &before {
        let owners = (1..=n)
            .filter(|k| {
                Shard {
                    index: *k,
                    count: n,
                }
                .contains(r)
            })
            .count();
        assert_eq!(owners, 1);
        let moved = after.iter().find(|x| *x == r).map(shard_of);
        assert_eq!(moved, Some(shard_of(r)), "{r} stays in its shard");
    }
    // Every shard gets some work.
    for k in 1..=n {
        assert!(before.iter().any(|r| shard_of(r) == k));
    }
    // The directory a file is run from does not matter.
    assert_eq!(
        id("scenarios/faq.yaml", "x", "d").stable_hash(),
        id("/elsewhere/faq.yaml", "x", "d").stable_hash()
    );
}

#[test]
fn shard_and_filter_arguments() {
    assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
    for bad in ["0/4", "5/4", "1/0", "x", "1/", "/2"] {
        assert!(bad.parse::<Shard>().is_err(), "{bad}");
    }
    let sel = Selection {
        filter: Some("faq.yaml::kicked, MIUI".into()),
        shard: None,
    };
    assert!(sel.keeps(&id(
        "scenarios/faq.yaml",
        "kicked by a login elsewhere",
        "x"
    )));
    assert!(sel.keeps(&id("scenarios/x.yaml", "only on MIUI", "x")));
    assert!(!sel.keeps(&id("scenarios/faq.yaml", "logged out", "x")));
}

proptest! {
    #[test]
    fn loading_never_panics(text in "\\PC{0,300}") {
        let _ = parse_str("p.yaml", &text);
    }

    #[test]
    fn loading_yaml_like_text_never_panics(lines in proptest::collection::vec("( {0,6})(- )?[a-z_]{1,12}: ?[a-z0-9{}\\[\\]]{0,8}", 0..20)) {
        let _ = parse_str("p.yaml", &lines.join("\n"));
    }
}

#[test]
fn durations_read_as_people_write_them() {
    for (text, ms) in [
        ("500ms", 500),
        ("10s", 10_000),
        ("10m", 600_000),
        ("1h", 3_600_000),
        ("7", 7_000),
    ] {
        let w: pushlab::scenario::model::Wait = text.parse().unwrap();
        assert_eq!(w.0.as_millis(), ms, "{text}");
    }
    let text = "vendor: xiaomi\ncertificate:\n  credentials: {app_id: '1', app_key: '2', app_secret: x}\ncases:\n  - name: a\n    steps:\n      - advance_time: 10 days\n";
    let err = parse_str("d.yaml", text).unwrap_err().lines();
    assert_eq!(
        err,
        ["d.yaml:7:23: cases[0].steps[0].advance_time: `10 days` is not a duration (allowed units: ms, s, m, h)"]
    );
}

/// Every step a file can use is described in docs/scenarios.md.
#[test]
fn every_step_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scenarios.md"))
        .expect("docs/scenarios.md");
    let missing: Vec<&str> = pushlab::scenario::model::STEP_NAMES
        .iter()
        .copied()
        .filter(|s| !doc.lines().any(|l| l.trim() == format!("### {s}")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/scenarios.md has no `### <step>` for {missing:?}"
    );
}

// ---- the vendor console and the certificate delay ----

const CONSOLE: &str = r#"
vendor: xiaomi
certificate:
  credentials: {app_id: "1", app_key: "2", app_secret: typo}
console:
  credentials: {app_secret: real}
certificate_delay: 10m
cases:
  - name: file console
    steps: [login]
  - name: case console over the file's
    console: {package: com.pushlab.other}
    certificate_delay: 0s
    steps: [login, edit_certificate: {click: {open_url: "https://x.example"}, channel_id: null}]
"#;

#[test]
fn console_is_the_certificate_with_the_console_fields_in_their_place() {
    let s = parse_str("c.yaml", CONSOLE).unwrap();
    let runs = expand(&s);
    let secret = |c: &pushlab::push::Credentials| match c {
        pushlab::push::Credentials::Xiaomi(x) => (x.app_id.clone(), x.app_secret.clone()),
        _ => panic!("not Mi"),
    };
    let file = runs[0].console.as_ref().expect("the file's console");
    assert_eq!(file.package, "com.pushlab.demo");
    assert_eq!(secret(&file.credentials), ("1".into(), "real".into()));
    assert_eq!(secret(&runs[0].certificate.credentials).1, "typo");
    assert_eq!(
        runs[0].certificate_delay,
        std::time::Duration::from_secs(600)
    );
    let case = runs[1].console.as_ref().expect("the case's console");
    assert_eq!(case.package, "com.pushlab.other");
    assert_eq!(secret(&case.credentials).1, "real");
    assert_eq!(runs[1].certificate_delay, std::time::Duration::ZERO);
    assert!(matches!(&runs[1].steps[1], Step::EditCertificate(e)
        if e.click == Some(ClickSpec::OpenUrl("https://x.example".into())) && e.channel_id == Some(None)));
}

#[test]
fn without_console_the_certificate_speaks_for_the_vendor() {
    let s = parse_str("m.yaml", MATRIX).unwrap();
    assert!(expand(&s).iter().all(|r| r.console.is_none()));
    assert!(expand(&s)
        .iter()
        .all(|r| r.certificate_delay == std::time::Duration::from_secs(600)));
}

#[test]
fn the_schema_names_console_delay_and_edit_certificate() {
    let schema = serde_json::to_string(&json_schema()).unwrap();
    for word in [
        "\"console\"",
        "\"certificate_delay\"",
        "\"edit_certificate\"",
        "ConsoleSpec",
    ] {
        assert!(schema.contains(word), "schema lacks {word}");
    }
}
