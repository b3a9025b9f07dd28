//! The device-side app models against the real hub, one vendor at a time:
//! the push service registers the demo app, the app logs in and reports its
//! token, its process dies, a message sent through the IM REST API reaches
//! the push service as a DisplayInstruction, is posted under the device's
//! rules, and a tap opens the right activity with the message's `ext`, all
//! of it recorded in the journal in order. Then the ways it goes wrong: an
//! OPPO push without a channel on Android 8, FCM to a force-stopped app, a
//! Huawei device that drops pass-through data, a vivo model without push,
//! and a push service whose stream reconnects.

mod sim_apps_support;

use pushlab::android::{ComponentName, ExtraValue};
use pushlab::services::journal::MessageId;
use pushlab::sim::apps::{ACTION_TOKEN, DEMO_CHAT_ACTIVITY, DEMO_PACKAGE, DEMO_SPLASH_ACTIVITY};
use pushlab::wire::protocol::{DeviceInfo, Rom};
use serde_json::{json, Value};
use sim_apps_support::{assert_in_order, fcm_credentials, Lab};

const USER: &str = "vinson";
const EXT: &str = r#"{"action":"jump to denny"}"#;
const INTENT_URI: &str =
    "intent://com.pushlab.demo/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;end";

fn device(brand: &str, rom: Rom, api: u32, region: &str) -> DeviceInfo {
    DeviceInfo {
        brand: brand.into(),
        manufacturer: brand.into(),
        model: format!("{brand} test model"),
        api_level: api,
        rom,
        region: region.into(),
        vendor_push: true,
        hms_core_version: None,
        play_services: false,
        drops_huawei_passthrough: false,
    }
}

fn miui() -> DeviceInfo {
    device("Xiaomi", Rom::Miui, 33, "cn")
}

fn emui() -> DeviceInfo {
    DeviceInfo {
        hms_core_version: Some(60_300_000),
        ..device("HUAWEI", Rom::Emui, 29, "cn")
    }
}

fn coloros(api: u32) -> DeviceInfo {
    device("OPPO", Rom::Coloros, api, "cn")
}

fn funtouch() -> DeviceInfo {
    device("vivo", Rom::Funtouchos, 30, "cn")
}

fn flyme() -> DeviceInfo {
    device("meizu", Rom::Flyme, 30, "cn")
}

fn pixel() -> DeviceInfo {
    DeviceInfo {
        play_services: true,
        ..device("google", Rom::Aosp, 33, "global")
    }
}

/// One vendor's happy path.
struct Case {
    vendor: &'static str,
    api: u32,
    info: DeviceInfo,
    credentials: Value,
    click: Value,
    channel: Option<&'static str>,
    /// The activity the tap opens.
    activity: &'static str,
    /// Every `(via, value)` the app must report.
    ext: Vec<(&'static str, String)>,
    /// Tap in the shade (SystemUI) instead of the host's tap command.
    tap_in_shade: bool,
}

/// The demo app is set up on a device with the push service running, and
/// its process is killed: the user is logged in, offline, with a token.
async fn offline_demo(case: &Case) -> (Lab, u64) {
    let lab = Lab::new(case.api, case.info.clone()).await;
    let cert = lab
        .add_certificate(case.credentials.clone(), case.click.clone(), case.channel)
        .await;
    lab.start_agent().await;
    lab.login(USER).await;
    lab.report_token(case.vendor, cert);
    lab.wait_account("token reported", |a| {
        a["user"] == USER && a["push_token"]["certificate_id"] == cert
    })
    .await;
    lab.kill_demo(USER).await;
    (lab, cert)
}

async fn round_trip(case: Case) -> (Lab, MessageId) {
    let (lab, _) = offline_demo(&case).await;
    let id = lab.send(USER, 1, EXT).await;

    // The push service posts it as the demo app.
    let shown = lab.wait_notification(&id).await;
    assert_eq!(shown.package, DEMO_PACKAGE);
    assert_eq!(shown.post.title, "Denny");
    assert_eq!(shown.post.text, "hi vinson");
    assert!(shown.post.auto_cancel);
    let posted = lab.wait_kind(&id, "posted").await;
    assert_eq!(posted["detail"]["key"], shown.key.as_str());
    assert_eq!(
        posted["detail"]["channel_id"].as_str(),
        shown.post.channel_id.as_deref()
    );

    if case.tap_in_shade {
        lab.os.tap_in_shade(&shown.key);
    } else {
        lab.tap(&id).await;
    }
    let started = lab.wait_kind(&id, "activity_started").await;
    let component = ComponentName::new(DEMO_PACKAGE, case.activity).flatten_to_string();
    assert_eq!(started["detail"]["component"], component.as_str());
    assert_eq!(started["link"], "app");
    for (via, value) in &case.ext {
        let got = lab
            .hub
            .hub
            .journal()
            .wait_for(0, sim_apps_support::DEADLINE, |r| {
                r.message_id.as_ref() == Some(&id)
                    && serde_json::to_value(r).unwrap()["detail"]["via"] == *via
            })
            .await
            .unwrap_or_else(|| panic!("no ext via {via}: {:?}", lab.kinds(&id)));
        let got = serde_json::to_value(&*got).unwrap();
        assert_eq!(got["kind"], "ext_received");
        assert_eq!(got["detail"]["value"], value.as_str(), "via {via}");
    }

    // The activity the framework started got the message id.
    let (opened, intent) = lab.os.read(|s| s.activities.last().cloned()).unwrap();
    assert_eq!(opened.flatten_to_string(), component);
    assert_eq!(
        intent.extras.get("pushlab.message_id"),
        Some(&ExtraValue::String(id.0.clone()))
    );

    // Auto-cancel: the notification left the shade.
    lab.wait_kind(&id, "removed").await;
    let key = shown.key.clone();
    lab.os
        .wait_for("the tapped notification gone", |s| {
            (!s.shade.iter().any(|n| n.key == key)).then_some(())
        })
        .await;

    assert_in_order(
        &lab.kinds(&id),
        &[
            "message_sent",
            "push_decided",
            "received",
            "posted",
            "clicked",
            "activity_started",
            "ext_received",
        ],
    );
    lab.apps.shutdown();
    (lab, id)
}

/// The push service's and the app's records of a message's chain, for a
/// snapshot: each reporter's own records are in a fixed order; how the two
/// interleave is not.
fn device_side(lab: &Lab, id: &MessageId) -> Value {
    let chain = lab.chain(id);
    let of = |link: &str| -> Vec<Value> {
        chain
            .iter()
            .filter(|r| r["link"] == link)
            .cloned()
            .collect()
    };
    json!({"push_service": of("device"), "app": of("app")})
}

#[tokio::test]
async fn xiaomi_open_app_hands_ext_to_the_click_callback() {
    let (lab, id) = round_trip(Case {
        vendor: "xiaomi",
        api: 33,
        info: miui(),
        credentials: json!({"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret"}),
        click: json!({"type": "open_app"}),
        channel: Some("im"),
        activity: DEMO_SPLASH_ACTIVITY,
        // onNotificationMessageClicked(context, miPushMessage).
        ext: vec![("mipush_message", EXT.to_string())],
        tap_in_shade: false,
    })
    .await;
    insta::assert_json_snapshot!(device_side(&lab, &id), {".*[].at" => "[at]", ".*[].seq" => "[seq]", ".*[].detail.key" => "[key]"});
}

#[tokio::test]
async fn xiaomi_in_app_page_carries_the_mipush_message() {
    round_trip(Case {
        vendor: "xiaomi",
        api: 33,
        info: miui(),
        credentials: json!({"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret"}),
        click: json!({"type": "open_page", "page": {"intent_uri": INTENT_URI}}),
        channel: Some("im"),
        activity: DEMO_CHAT_ACTIVITY,
        ext: vec![("mipush_message", EXT.to_string())],
        tap_in_shade: false,
    })
    .await;
}

#[tokio::test]
async fn huawei_intent_uri_opens_the_chat_with_the_data_as_ext() {
    round_trip(Case {
        vendor: "huawei",
        api: 29,
        info: emui(),
        credentials: json!({"vendor": "huawei", "app_id": "104523457", "client_secret": "s3cret"}),
        click: json!({"type": "open_page", "page": {"intent_uri": INTENT_URI}}),
        channel: Some("im"),
        activity: DEMO_CHAT_ACTIVITY,
        ext: vec![("intent_extra", EXT.to_string())],
        tap_in_shade: false,
    })
    .await;
}

#[tokio::test]
async fn oppo_activity_gets_each_ext_key_as_an_extra() {
    round_trip(Case {
        vendor: "oppo",
        api: 30,
        info: coloros(30),
        credentials: json!({"vendor": "oppo", "app_key": "oppokey", "master_secret": "master", "app_secret": "s3cret"}),
        click: json!({"type": "open_page", "page": {"activity": DEMO_CHAT_ACTIVITY}}),
        channel: Some("im"),
        activity: DEMO_CHAT_ACTIVITY,
        ext: vec![("intent_extras", EXT.to_string())],
        tap_in_shade: false,
    })
    .await;
}

#[tokio::test]
async fn vivo_posts_on_its_own_channel_and_hands_params_to_the_callback() {
    round_trip(Case {
        vendor: "vivo",
        api: 30,
        info: funtouch(),
        credentials: json!({"vendor": "vivo", "app_id": "105000000", "app_key": "vivokey", "app_secret": "s3cret"}),
        click: json!({"type": "open_app"}),
        channel: None,
        activity: DEMO_SPLASH_ACTIVITY,
        ext: vec![("callback_params", EXT.to_string())],
        tap_in_shade: true,
    })
    .await;
}

#[tokio::test]
async fn meizu_hands_ext_to_the_activity_and_the_click_callback() {
    let (lab, id) = round_trip(Case {
        vendor: "meizu",
        api: 30,
        info: flyme(),
        credentials: json!({"vendor": "meizu", "app_id": "110000", "app_secret": "s3cret"}),
        click: json!({"type": "open_app"}),
        channel: None,
        activity: DEMO_SPLASH_ACTIVITY,
        ext: vec![
            ("intent_extra", EXT.to_string()),
            // The ext inside the parameters JSON.
            ("self_define_content", EXT.to_string()),
        ],
        tap_in_shade: false,
    })
    .await;
    insta::assert_json_snapshot!(device_side(&lab, &id), {".*[].at" => "[at]", ".*[].seq" => "[seq]", ".*[].detail.key" => "[key]"});
}

#[tokio::test]
async fn fcm_click_action_opens_the_chat_with_the_data_pairs() {
    round_trip(Case {
        vendor: "fcm",
        api: 33,
        info: pixel(),
        credentials: fcm_credentials(),
        click: json!({"type": "open_page", "page": {"action": "com.pushlab.demo.OPEN_CHAT"}}),
        channel: Some("im"),
        activity: DEMO_CHAT_ACTIVITY,
        ext: vec![("intent_extra", EXT.to_string())],
        tap_in_shade: false,
    })
    .await;
}

fn case(
    vendor: &'static str,
    api: u32,
    info: DeviceInfo,
    credentials: Value,
    channel: Option<&'static str>,
) -> Case {
    Case {
        vendor,
        api,
        info,
        credentials,
        click: json!({"type": "open_app"}),
        channel,
        activity: DEMO_SPLASH_ACTIVITY,
        ext: vec![],
        tap_in_shade: false,
    }
}

#[tokio::test]
async fn oppo_without_a_channel_on_android_8_is_not_displayed() {
    let c = case(
        "oppo",
        26,
        coloros(26),
        json!({"vendor": "oppo", "app_key": "oppokey", "master_secret": "master", "app_secret": "s3cret"}),
        None,
    );
    let (lab, _) = offline_demo(&c).await;
    let id = lab.send(USER, 1, EXT).await;
    let dropped = lab.wait_kind(&id, "dropped").await;
    assert_eq!(dropped["detail"]["code"], "oppo.channel_required");
    assert_eq!(dropped["link"], "device");
    assert!(lab.os.read(|s| s.shade.is_empty()));
    assert_in_order(&lab.kinds(&id), &["received", "dropped"]);
    lab.apps.shutdown();
}

#[tokio::test]
async fn fcm_to_a_force_stopped_app_shows_nothing() {
    let c = case("fcm", 33, pixel(), fcm_credentials(), Some("im"));
    let lab = Lab::new(c.api, c.info.clone()).await;
    let cert = lab
        .add_certificate(c.credentials.clone(), c.click.clone(), c.channel)
        .await;
    lab.start_agent().await;
    lab.login(USER).await;
    lab.report_token("fcm", cert);
    lab.wait_account("token reported", |a| {
        a["push_token"]["certificate_id"] == cert
    })
    .await;
    lab.os.force_stop(DEMO_PACKAGE);
    lab.wait_account("user offline", |a| {
        a["user"] == USER && a["online"] == false
    })
    .await;

    let id = lab.send(USER, 1, EXT).await;
    let dropped = lab.wait_kind(&id, "dropped").await;
    assert_eq!(dropped["detail"]["code"], "device.app_stopped");
    assert!(lab.os.read(|s| s.shade.is_empty()));
    // The wake-up broadcast never reached the app.
    let woke = lab.os.read(|s| {
        s.broadcasts
            .iter()
            .any(|b| b.intent.action.as_deref() == Some("com.google.android.c2dm.intent.RECEIVE"))
    });
    assert!(!woke);
    assert!(!lab.kinds(&id).contains(&"posted".to_string()));
    lab.apps.shutdown();
}

#[tokio::test]
async fn huawei_data_is_lost_on_a_device_that_drops_pass_through() {
    let c = Case {
        click: json!({"type": "open_page", "page": {"intent_uri": INTENT_URI}}),
        activity: DEMO_CHAT_ACTIVITY,
        ..case(
            "huawei",
            29,
            DeviceInfo {
                drops_huawei_passthrough: true,
                ..emui()
            },
            json!({"vendor": "huawei", "app_id": "104523457", "client_secret": "s3cret"}),
            Some("im"),
        )
    };
    let (lab, _) = offline_demo(&c).await;
    let id = lab.send(USER, 1, EXT).await;
    lab.wait_notification(&id).await;
    lab.tap(&id).await;
    // The app reports its activity and every ext it found in one batch.
    lab.wait_kind(&id, "activity_started").await;
    let kinds = lab.kinds(&id);
    assert!(!kinds.contains(&"ext_received".to_string()), "{kinds:?}");
    let (_, intent) = lab.os.read(|s| s.activities.last().cloned()).unwrap();
    assert_eq!(intent.extras.get("ext"), None);
    assert!(intent.extras.get("pushlab.message_id").is_some());
    lab.apps.shutdown();
}

#[tokio::test]
async fn vivo_model_without_push_gets_state_101_and_reports_no_token() {
    let lab = Lab::new(
        30,
        DeviceInfo {
            vendor_push: false,
            ..funtouch()
        },
    )
    .await;
    let cert = lab
        .add_certificate(
            json!({"vendor": "vivo", "app_id": "105000000", "app_key": "vivokey", "app_secret": "s3cret"}),
            json!({"type": "open_app"}),
            None,
        )
        .await;
    lab.start_agent().await;
    lab.login(USER).await;
    lab.report_token("vivo", cert);
    lab.os.wait_for_log("registration failed: 101").await;
    let reply = lab
        .os
        .read(|s| {
            s.broadcasts
                .iter()
                .find(|b| b.intent.action.as_deref() == Some(ACTION_TOKEN))
                .cloned()
        })
        .expect("a TOKEN answer");
    let extra = |k: &str| {
        reply
            .intent
            .extras
            .get(k)
            .and_then(ExtraValue::as_str)
            .map(str::to_string)
    };
    assert_eq!(extra("vendor").as_deref(), Some("vivo"));
    assert_eq!(extra("error_code").as_deref(), Some("101"));
    assert_eq!(
        extra("diagnosis").as_deref(),
        Some("vivo.unsupported_device")
    );
    assert_eq!(extra("token"), None);
    assert_eq!(reply.delivered_to.len(), 1);
    let account = lab.wait_account("the account", |a| a["user"] == USER).await;
    assert!(account["push_token"].is_null(), "{account}");
    assert!(lab.hub.hub.im.tokens().is_empty());
    lab.apps.shutdown();
}

#[tokio::test]
async fn a_reconnected_stream_delivers_the_queued_instructions() {
    let c = case(
        "xiaomi",
        33,
        miui(),
        json!({"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret"}),
        Some("im"),
    );
    let (lab, _) = offline_demo(&c).await;

    // The device loses its network: the stream drops.
    lab.os.set_network(false);
    lab.wait_connected(false).await;
    let id = lab.send(USER, 1, EXT).await;
    lab.wait_kind(&id, "instruction_queued").await;
    assert!(lab.os.read(|s| s.shade.is_empty()));

    // Back online, the push service reconnects and gets what waited.
    lab.os.set_network(true);
    lab.wait_kind(&id, "posted").await;
    lab.wait_notification(&id).await;
    assert_in_order(
        &lab.kinds(&id),
        &[
            "instruction_queued",
            "instruction_delivered",
            "received",
            "posted",
        ],
    );
    lab.apps.shutdown();
}
