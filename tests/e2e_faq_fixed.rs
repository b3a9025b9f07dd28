//! The FAQ's answers, applied: each FAQ case of `scenarios/faq.yaml` with
//! its cause taken away (the OPPO channel configured, ext made JSON, desc
//! set, the user kept logged in, the token reported, the 10 minutes waited
//! out, a push-capable device...) shows the notification on the simulated
//! device, and its tap opens the app with the sender's ext.
//!
//! Each test also runs its case with the cause left in and expects the
//! FAQ's diagnosis, so it proves that taking away exactly the cause its
//! name says, and nothing else, brings the notification.

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

/// Runs every case of `header` + `cases` on the simulated device and
/// asserts each passed, printing its chain otherwise.
fn passes(header: &str, cases: &str, count: usize) {
    let text = format!("{header}\ncases:\n{cases}");
    let suite = parse_str("faq-fixed.yaml", &text)
        .unwrap_or_else(|e| panic!("the fixed case loads: {:?}\n{text}", e.lines()));
    let runs = expand(&suite);
    assert_eq!(runs.len(), count, "one run per case");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for run in &runs {
        let report = rt.block_on(run_one(run, &SimPhones, RetryPolicy { retries: 1 }));
        let why = report
            .failure
            .as_ref()
            .map(|f| f.render())
            .unwrap_or_default();
        assert_eq!(report.status, Status::Passed, "{}\n{why}", report.name());
    }
}

const OFFLINE_WITH_TOKEN: &str = "      - login\n      - report_token\n      - kill_app\n";

/// One FAQ case as these tests write it: its case-level keys, the steps
/// before the message, and the step that sends it.
#[derive(Clone, Copy)]
struct Faq<'a> {
    extra: &'a str,
    steps: &'a str,
    /// Empty for `send: SEND`.
    send: &'a str,
}

/// The FAQ's usual case: logged in, token reported, app killed, [`SEND`].
const OFFLINE: Faq<'static> = Faq {
    extra: "",
    steps: OFFLINE_WITH_TOKEN,
    send: "",
};

impl Faq<'_> {
    fn send_step(&self) -> String {
        if self.send.is_empty() {
            format!("send: {SEND}")
        } else {
            self.send.to_string()
        }
    }
}

/// The FAQ case `with_cause`, diagnosed as `reason`, and the same case with
/// only that cause taken away, `fixed`, whose notification shows and opens
/// the app with the ext (read `via`). Both must pass: the test proves that
/// taking away its one cause is what brings the notification.
fn fixing(header: &str, reason: &str, with_cause: Faq, fixed: Faq, via: &str) {
    let dropped = format!(
        "  - name: with the cause\n{}    steps:\n{}      - {}\n      - expect_no_notification: {{reason: {reason}}}\n",
        with_cause.extra,
        with_cause.steps,
        with_cause.send_step(),
    );
    let shown = format!(
        "  - name: fixed\n{}    steps:\n{}      - {}\n{}",
        fixed.extra,
        fixed.steps,
        fixed.send_step(),
        shown_tapped_with_ext(via)
    );
    let cases = format!("{dropped}{shown}");
    passes(header, &cases, 2);
}

#[test]
fn oppo_with_its_channel_configured_shows_the_notification() {
    let no_channel = Faq {
        extra: "    certificate: {channel_id: null}\n",
        ..OFFLINE
    };
    fixing(
        OPPO,
        "oppo.channel_required",
        no_channel,
        OFFLINE,
        "intent_extras",
    );
}

#[test]
fn oppo_with_a_json_ext_hands_each_key_to_the_activity() {
    let ext_not_json = Faq {
        send: "send: {text: hello, offline_push: {title: Alice, desc: hello, ext: conversation=c2c_alice}}",
        ..OFFLINE
    };
    fixing(
        OPPO,
        "oppo.ext_not_json",
        ext_not_json,
        OFFLINE,
        "intent_extras",
    );
}

#[test]
fn a_custom_message_with_desc_is_pushed() {
    let without_desc = format!(
        "  - name: custom message without desc\n    steps:\n{OFFLINE_WITH_TOKEN}      - send: {{custom: {{data: '{{\"type\":\"order\"}}'}}}}\n      - expect_no_notification: {{reason: im.custom_without_desc}}\n"
    );
    let steps = format!(
        "    steps:\n{OFFLINE_WITH_TOKEN}      - send:\n          custom: {{data: '{{\"type\":\"order\"}}', desc: You have a new order}}\n          offline_push: {{desc: You have a new order, ext: '{{\"conversation\":\"c2c_alice\"}}'}}\n      - expect_notification: {{text: You have a new order}}\n      - tap_notification\n      - expect_activity: {{component: com.pushlab.demo/.SplashActivity}}\n      - expect_ext: {{value: '{{\"conversation\":\"c2c_alice\"}}', via: mipush_message}}\n"
    );
    passes(
        MI,
        &format!("{without_desc}  - name: custom message with desc\n{steps}"),
        2,
    );
}

#[test]
fn a_user_who_stays_logged_in_gets_the_push() {
    let logged_out = Faq {
        steps: "      - login\n      - report_token\n      - logout\n      - kill_app\n",
        ..OFFLINE
    };
    fixing(MI, "im.logged_out", logged_out, OFFLINE, "mipush_message");
}

#[test]
fn without_a_login_elsewhere_the_push_arrives() {
    let kicked = Faq {
        steps: "      - login\n      - report_token\n      - kill_app\n      - kick\n",
        ..OFFLINE
    };
    fixing(MI, "im.kicked", kicked, OFFLINE, "mipush_message");
}

#[test]
fn once_the_app_is_killed_the_message_is_pushed() {
    let alive = Faq {
        steps: "      - login\n      - report_token\n",
        ..OFFLINE
    };
    fixing(MI, "im.online", alive, OFFLINE, "mipush_message");
}

#[test]
fn a_reported_token_gets_the_push() {
    let no_token = Faq {
        steps: "      - login\n      - kill_app\n",
        ..OFFLINE
    };
    fixing(MI, "im.no_token", no_token, OFFLINE, "mipush_message");
}

#[test]
fn ten_minutes_after_saving_the_certificate_the_push_arrives() {
    let fresh = Faq {
        extra: "    certificate_effective: false\n",
        ..OFFLINE
    };
    let waited = Faq {
        steps: "      - login\n      - report_token\n      - kill_app\n      - advance_time: 10m\n",
        ..fresh
    };
    fixing(
        MI,
        "im.certificate_not_effective",
        fresh,
        waited,
        "mipush_message",
    );
}

#[test]
fn a_single_message_stays_within_frequency_control() {
    let limited = Faq {
        extra: "    limits: {device_per_second: 5}\n",
        ..OFFLINE
    };
    let burst = Faq {
        send: "burst: {count: 10, send: {text: hello}}",
        ..limited
    };
    fixing(MI, "vendor.rate_limited", burst, limited, "mipush_message");
}

#[test]
fn a_vivo_device_with_push_support_shows_the_notification() {
    let no_push = Faq {
        extra: "    device: funtouch-nopush-android11\n",
        ..OFFLINE
    };
    fixing(
        VIVO,
        "vivo.unsupported_device",
        no_push,
        OFFLINE,
        "callback_params",
    );
}

#[test]
fn fcm_with_play_services_outside_mainland_china_shows_the_notification() {
    for (reason, device) in [
        ("fcm.no_play_services", "aosp-nogms-android13"),
        ("fcm.region_blocked", "aosp-gms-android13-cn"),
    ] {
        let extra = format!("    device: {device}\n");
        let elsewhere = Faq {
            extra: &extra,
            ..OFFLINE
        };
        fixing(FCM, reason, elsewhere, OFFLINE, "intent_extra");
    }
}

#[test]
fn fcm_after_process_death_alone_still_shows_the_notification() {
    let force_stopped = Faq {
        steps: "      - login\n      - report_token\n      - kill_app: {mode: force_stop}\n",
        ..OFFLINE
    };
    let killed = Faq {
        steps: "      - login\n      - report_token\n      - kill_app: {mode: kill}\n",
        ..OFFLINE
    };
    fixing(
        FCM,
        "device.app_stopped",
        force_stopped,
        killed,
        "intent_extra",
    );
}

#[test]
fn a_recent_hms_core_shows_the_notification() {
    let old_hms = Faq {
        extra: "    device: emui-hms-old\n",
        ..OFFLINE
    };
    fixing(
        HUAWEI,
        "huawei.hms_too_old",
        old_hms,
        OFFLINE,
        "intent_extra",
    );
}

#[test]
fn an_app_that_created_its_channel_shows_the_notification() {
    let never_created = Faq {
        extra: "    app: {channel_id: im, create_channel: false}\n",
        ..OFFLINE
    };
    let created = Faq {
        extra: "    app: {channel_id: im, create_channel: true}\n",
        ..OFFLINE
    };
    fixing(
        MI,
        "device.channel_missing",
        never_created,
        created,
        "mipush_message",
    );
}
