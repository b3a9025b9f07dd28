//! `expect_callback` and `expect_notification`'s `badge` on the simulated
//! phone: each passes on what the device really did and fails, naming what
//! it saw, on anything else (a wrong callback, a wrong badge class, a badge
//! where none was set); `pushlab check` rejects a callback the case's
//! vendor SDK does not have.

use async_trait::async_trait;
use pushlab::device::{Device, Target};
use pushlab::report::Status;
use pushlab::runner::{run_one, DeviceProvider, ProvidedDevice, ProviderError, RetryPolicy};
use pushlab::scenario::{expand, parse_str};
use pushlab::sim::profile::Profile;
use pushlab::sim::SimDevice;

struct SimPhones;

#[async_trait]
impl DeviceProvider for SimPhones {
    async fn acquire(&self, profile: &str) -> Result<ProvidedDevice, ProviderError> {
        let profile = Profile::parse(profile)
            .map_err(|e| ProviderError::Unavailable(format!("profile {profile}: {e}")))?;
        let sim = SimDevice::spawn(profile, "127.0.0.1:0".parse().expect("loopback address"))
            .await
            .map_err(|e| ProviderError::Transient(e.to_string()))?;
        Ok(ProvidedDevice {
            device: Device::new(Target::tcp(sim.addr())),
            serial: sim.serial(),
            virtual_clock: true,
            keep_alive: Box::new(sim),
        })
    }
}

const HUAWEI: &str = r#"
vendor: huawei
certificate:
  credentials: {app_id: "100000000", client_secret: fake-huawei-client-secret-0000}
  click: open_app
  channel_id: im
  badge_class: com.pushlab.demo.SplashActivity
devices: emui-android10
"#;

const MI: &str = r#"
vendor: xiaomi
certificate:
  credentials: {app_id: "2882303761500000000", app_key: "5500000000000", app_secret: "FAKE-mi-app-secret-for-tests=="}
  click: open_app
  channel_id: im
devices: miui-android13
"#;

const MEIZU: &str = r#"
vendor: meizu
certificate:
  credentials: {app_id: "100000", app_secret: fake-meizu-app-secret}
  click: open_app
devices: flyme-android11
"#;

const OFFLINE: &str = "      - login\n      - report_token\n      - kill_app\n";

/// Runs the single case `steps` (after [`OFFLINE`]) with case-level keys
/// `extra`; the status and the failure text.
fn run(header: &str, extra: &str, steps: &str) -> (Status, String) {
    let text = format!("{header}\ncases:\n  - name: c\n{extra}    steps:\n{OFFLINE}{steps}");
    let suite = parse_str("callbacks.yaml", &text)
        .unwrap_or_else(|e| panic!("the case loads: {:?}\n{text}", e.lines()));
    let runs = expand(&suite);
    assert_eq!(runs.len(), 1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report = rt.block_on(run_one(&runs[0], &SimPhones, RetryPolicy { retries: 1 }));
    let why = report
        .failure
        .as_ref()
        .map(|f| f.render())
        .unwrap_or_default();
    (report.status, why)
}

const SEND: &str = "      - send: {text: hello, offline_push: {title: Alice, desc: hello, ext: '{\"k\":\"v\"}'}}\n";

#[test]
fn the_badge_is_the_entry_activity_with_one_per_message() {
    let ok = format!(
        "{SEND}      - expect_notification: {{text: hello, badge: {{class: com.pushlab.demo.SplashActivity, number: 1}}}}\n"
    );
    let (status, why) = run(HUAWEI, "", &ok);
    assert_eq!(status, Status::Passed, "{why}");

    let wrong_number = format!(
        "{SEND}      - expect_notification: {{text: hello, badge: {{class: com.pushlab.demo.SplashActivity, number: 2}}}}\n"
    );
    let (status, why) = run(HUAWEI, "", &wrong_number);
    assert_eq!(status, Status::Failed, "{why}");
    assert!(
        why.contains("the launcher badge is 1 on com.pushlab.demo.SplashActivity"),
        "{why}"
    );

    let none_expected =
        format!("{SEND}      - expect_notification: {{text: hello, badge: null}}\n");
    let (status, why) = run(HUAWEI, "", &none_expected);
    assert_eq!(status, Status::Failed, "{why}");
    assert!(why.contains("expected none"), "{why}");
}

#[test]
fn a_wrong_badge_class_in_the_certificate_sets_no_badge() {
    let bogus = "    certificate: {badge_class: com.pushlab.demo.Bogus}\n";
    let want = format!(
        "{SEND}      - expect_notification: {{text: hello, badge: {{class: com.pushlab.demo.SplashActivity, number: 1}}}}\n"
    );
    let (status, why) = run(HUAWEI, bogus, &want);
    assert_eq!(status, Status::Failed, "{why}");
    assert!(why.contains("no launcher badge was set"), "{why}");
    // Nor does the bogus class itself show a badge.
    let as_sent = format!(
        "{SEND}      - expect_notification: {{text: hello, badge: {{class: com.pushlab.demo.Bogus, number: 1}}}}\n"
    );
    let (status, why) = run(HUAWEI, bogus, &as_sent);
    assert_eq!(status, Status::Failed, "{why}");
}

#[test]
fn mi_open_app_runs_the_click_callback_and_not_the_arrival() {
    let tap =
        format!("{SEND}      - expect_notification: {{title: Alice}}\n      - tap_notification\n");
    let clicked = format!("{tap}      - expect_callback: {{name: onNotificationMessageClicked}}\n");
    let (status, why) = run(MI, "", &clicked);
    assert_eq!(status, Status::Passed, "{why}");

    let arrived = format!(
        "{tap}      - expect_callback: {{name: onNotificationMessageArrived, within: 1s}}\n"
    );
    let (status, why) = run(MI, "", &arrived);
    assert_eq!(status, Status::Failed, "{why}");
    assert!(
        why.contains("onNotificationMessageClicked (broadcast com.xiaomi.mipush.RECEIVE_MESSAGE)"),
        "{why}"
    );
}

#[test]
fn mi_in_app_page_opens_the_activity_without_the_click_callback() {
    let page = "    certificate:\n      click:\n        open_page:\n          intent_uri: \"intent://com.pushlab.demo/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;component=com.pushlab.demo/com.pushlab.demo.chat.ChatActivity;end\"\n";
    let tap =
        format!("{SEND}      - expect_notification: {{title: Alice}}\n      - tap_notification\n");
    let (status, why) = run(
        MI,
        page,
        &format!("{tap}      - expect_callback: {{name: activity}}\n"),
    );
    assert_eq!(status, Status::Passed, "{why}");
    let (status, why) = run(
        MI,
        page,
        &format!(
            "{tap}      - expect_callback: {{name: onNotificationMessageClicked, within: 1s}}\n"
        ),
    );
    assert_eq!(status, Status::Failed, "{why}");
    assert!(
        why.contains("activity com.pushlab.demo/com.pushlab.demo.chat.ChatActivity"),
        "{why}"
    );
}

#[test]
fn meizu_taps_run_on_notification_clicked() {
    let tap =
        format!("{SEND}      - expect_notification: {{title: Alice}}\n      - tap_notification\n");
    let (status, why) = run(
        MEIZU,
        "",
        &format!("{tap}      - expect_callback: {{name: onNotificationClicked}}\n      - expect_callback: {{name: activity}}\n"),
    );
    assert_eq!(status, Status::Passed, "{why}");
    let (status, why) = run(
        MEIZU,
        "",
        &format!("{tap}      - expect_callback: {{name: onNotificationArrived, within: 1s}}\n"),
    );
    assert_eq!(status, Status::Failed, "{why}");
}

#[test]
fn check_rejects_a_callback_the_vendor_sdk_lacks_and_lists_the_valid_ones() {
    let text = format!(
        "{MEIZU}\ncases:\n  - name: c\n    steps:\n{OFFLINE}{SEND}      - tap_notification\n      - expect_callback: {{name: onNotificationMessageClicked}}\n"
    );
    let err = parse_str("m.yaml", &text).expect_err("a Mi/vivo callback on Meizu");
    let lines = err.lines().join("\n");
    assert!(lines.contains("m.yaml:16:"), "{lines}");
    assert!(
        lines.contains("cases[0].steps[5].expect_callback.name"),
        "{lines}"
    );
    assert!(
        lines.contains("activity, onNotificationClicked, onNotificationArrived, onMessage"),
        "{lines}"
    );
    let unknown = text.replace("onNotificationMessageClicked", "onPushArrived");
    let lines = parse_str("m.yaml", &unknown)
        .expect_err("no such callback")
        .lines()
        .join("\n");
    assert!(lines.contains("m.yaml:16:"), "{lines}");
    assert!(lines.contains("onPushArrived"), "{lines}");
    // A badge only Huawei sets.
    let badge = format!(
        "{MEIZU}\ncases:\n  - name: c\n    steps:\n{OFFLINE}{SEND}      - expect_notification: {{badge: {{class: a.B, number: 1}}}}\n"
    );
    let lines = parse_str("m.yaml", &badge)
        .expect_err("badge on Meizu")
        .lines()
        .join("\n");
    assert!(lines.contains("sets no launcher badge"), "{lines}");
}

/// One phone for every case, as a real phone serves a whole suite.
struct OnePhone(std::sync::Arc<pushlab::sim::SimHandle>);

#[async_trait]
impl DeviceProvider for OnePhone {
    async fn acquire(&self, _profile: &str) -> Result<ProvidedDevice, ProviderError> {
        Ok(ProvidedDevice {
            device: Device::new(Target::tcp(self.0.addr())),
            serial: self.0.serial(),
            virtual_clock: true,
            keep_alive: Box::new(self.0.clone()),
        })
    }
}

/// Each case starts from fresh app data (`pm clear`): the push service
/// forgets the count it kept for the app, so a second case on the same
/// phone sees its first message as badge 1, not as the previous case's
/// count plus one.
#[test]
fn a_phone_reused_for_the_next_case_counts_the_badge_from_one() {
    let step = "      - expect_notification: {text: hello, badge: {class: com.pushlab.demo.SplashActivity, number: 1}}\n";
    let text = format!(
        "{HUAWEI}\ncases:\n  - name: first\n    steps:\n{OFFLINE}{SEND}{step}  - name: second\n    steps:\n{OFFLINE}{SEND}{step}"
    );
    let suite = parse_str("badges.yaml", &text).expect("the cases load");
    let runs = expand(&suite);
    assert_eq!(runs.len(), 2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let profile = Profile::parse("emui-android10").expect("profile");
        let sim = SimDevice::spawn(profile, "127.0.0.1:0".parse().expect("loopback address"))
            .await
            .expect("phone");
        let phone = OnePhone(std::sync::Arc::new(sim));
        for run in &runs {
            let report = run_one(run, &phone, RetryPolicy { retries: 0 }).await;
            let why = report
                .failure
                .as_ref()
                .map(|f| f.render())
                .unwrap_or_default();
            assert_eq!(report.status, Status::Passed, "{}: {why}", run.case);
        }
    });
}
