//! The FAQ's answers, applied: each FAQ case of `scenarios/faq.yaml` with
//! its cause taken away (the OPPO channel configured, ext made JSON, desc
//! set, the user kept logged in, the token reported, the 10 minutes waited
//! out, a push-capable device...) shows the notification on the simulated
//! device, and its tap opens the app with the sender's ext.

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

const MI: &str = r#"
vendor: xiaomi
certificate:
  credentials: {app_id: "2882303761500000000", app_key: "5500000000000", app_secret: "FAKE-mi-app-secret-for-tests=="}
  click: open_app
  channel_id: im
devices: miui-android13
"#;

const OPPO: &str = r#"
vendor: oppo
certificate:
  credentials: {app_key: fake-oppo-app-key, master_secret: fake-oppo-master-secret}
  click: open_app
  channel_id: im
devices: coloros-android10
"#;

const VIVO: &str = r#"
vendor: vivo
certificate:
  credentials: {app_id: "10000", app_key: fake-vivo-app-key, app_secret: fake-vivo-app-secret}
  click: open_app
devices: funtouch-android11
"#;

const FCM: &str = r#"
vendor: fcm
certificate:
  credentials:
    service_account:
      type: service_account
      project_id: pushlab-demo
      private_key_id: fake-key-id
      client_email: pushlab-demo@pushlab-demo.iam.gserviceaccount.com
  click: open_app
  channel_id: im
devices: aosp-gms-android13
"#;

const HUAWEI: &str = r#"
vendor: huawei
certificate:
  credentials: {app_id: "100000000", client_secret: fake-huawei-client-secret-0000}
  click: open_app
  channel_id: im
devices: emui-android10
"#;

/// The message every fixed case sends, with a JSON ext.
const SEND: &str = r#"{text: hello, offline_push: {title: Alice, desc: hello, ext: '{"conversation":"c2c_alice"}'}}"#;

/// After the send: the notification shows, its tap opens the launcher
/// activity, and the app reads the ext where its vendor puts it.
fn shown_tapped_with_ext(via: &str) -> String {
    format!(
        r#"      - expect_notification: {{title: Alice, text: hello}}
      - tap_notification
      - expect_activity: {{component: com.pushlab.demo/.SplashActivity}}
      - expect_ext: {{value: '{{"conversation":"c2c_alice"}}', via: {via}}}
"#
    )
}

/// Runs the one case of `header` + `case` on the simulated device and
/// asserts it passed, printing its chain otherwise.
fn passes(header: &str, case: &str) {
    let text = format!("{header}\ncases:\n{case}");
    let suite = parse_str("faq-fixed.yaml", &text)
        .unwrap_or_else(|e| panic!("the fixed case loads: {:?}\n{text}", e.lines()));
    let runs = expand(&suite);
    assert_eq!(runs.len(), 1, "one run");
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
    assert_eq!(report.status, Status::Passed, "{}\n{why}", report.name());
}

fn case(name: &str, extra: &str, steps: &str, via: &str) -> String {
    format!(
        "  - name: {name}\n{extra}    steps:\n{steps}      - send: {SEND}\n{}",
        shown_tapped_with_ext(via)
    )
}

const OFFLINE_WITH_TOKEN: &str = "      - login\n      - report_token\n      - kill_app\n";

#[test]
fn oppo_with_its_channel_configured_shows_the_notification() {
    passes(
        OPPO,
        &case(
            "OPPO with ChannelID",
            "",
            OFFLINE_WITH_TOKEN,
            "intent_extras",
        ),
    );
}

#[test]
fn oppo_with_a_json_ext_hands_each_key_to_the_activity() {
    passes(
        OPPO,
        &case("OPPO JSON ext", "", OFFLINE_WITH_TOKEN, "intent_extras"),
    );
}

#[test]
fn a_custom_message_with_desc_is_pushed() {
    let steps = format!(
        "    steps:\n{OFFLINE_WITH_TOKEN}      - send:\n          custom: {{data: '{{\"type\":\"order\"}}', desc: You have a new order}}\n          offline_push: {{desc: You have a new order, ext: '{{\"conversation\":\"c2c_alice\"}}'}}\n      - expect_notification: {{text: You have a new order}}\n      - tap_notification\n      - expect_activity: {{component: com.pushlab.demo/.SplashActivity}}\n      - expect_ext: {{value: '{{\"conversation\":\"c2c_alice\"}}', via: mipush_message}}\n"
    );
    passes(MI, &format!("  - name: custom message with desc\n{steps}"));
}

#[test]
fn a_user_who_stays_logged_in_gets_the_push() {
    passes(
        MI,
        &case("stays logged in", "", OFFLINE_WITH_TOKEN, "mipush_message"),
    );
}

#[test]
fn without_a_login_elsewhere_the_push_arrives() {
    passes(
        MI,
        &case("not kicked", "", OFFLINE_WITH_TOKEN, "mipush_message"),
    );
}

#[test]
fn once_the_app_is_killed_the_message_is_pushed() {
    passes(
        MI,
        &case(
            "app killed",
            "",
            "      - login\n      - report_token\n      - kill_app\n",
            "mipush_message",
        ),
    );
}

#[test]
fn a_reported_token_gets_the_push() {
    passes(
        MI,
        &case("token reported", "", OFFLINE_WITH_TOKEN, "mipush_message"),
    );
}

#[test]
fn ten_minutes_after_saving_the_certificate_the_push_arrives() {
    passes(
        MI,
        &case(
            "certificate in effect",
            "    certificate_effective: false\n",
            "      - login\n      - report_token\n      - kill_app\n      - advance_time: 10m\n",
            "mipush_message",
        ),
    );
}

#[test]
fn a_single_message_stays_within_frequency_control() {
    passes(
        MI,
        &case(
            "within frequency control",
            "    limits: {device_per_second: 5}\n",
            OFFLINE_WITH_TOKEN,
            "mipush_message",
        ),
    );
}

#[test]
fn a_vivo_device_with_push_support_shows_the_notification() {
    passes(
        VIVO,
        &case(
            "vivo with push support",
            "",
            OFFLINE_WITH_TOKEN,
            "callback_params",
        ),
    );
}

#[test]
fn fcm_with_play_services_outside_mainland_china_shows_the_notification() {
    passes(
        FCM,
        &case(
            "FCM with Play services",
            "",
            OFFLINE_WITH_TOKEN,
            "intent_extra",
        ),
    );
}

#[test]
fn fcm_after_process_death_alone_still_shows_the_notification() {
    passes(
        FCM,
        &case(
            "FCM after the process is killed",
            "",
            "      - login\n      - report_token\n      - kill_app: {mode: kill}\n",
            "intent_extra",
        ),
    );
}

#[test]
fn a_recent_hms_core_shows_the_notification() {
    passes(
        HUAWEI,
        &case("HMS Core recent", "", OFFLINE_WITH_TOKEN, "intent_extra"),
    );
}

#[test]
fn an_app_that_created_its_channel_shows_the_notification() {
    passes(
        MI,
        &case(
            "channel created",
            "    app: {channel_id: im, create_channel: true}\n",
            OFFLINE_WITH_TOKEN,
            "mipush_message",
        ),
    );
}
