//! The sender's `ext` arrives unchanged, vendor by vendor, over the whole
//! chain: the IM server's REST `sendmsg` takes it, its vendor client puts it
//! in the vendor's request, the simulated vendor turns the accepted push
//! into a display instruction, the device's push service hands it to the
//! demo app on a tap (as extras of the opened activity, or in the SDK's
//! click callback), and the app reports it. The reported ext must equal the
//! one sent, for arbitrary JSON objects: unicode keys and values, nested
//! objects and arrays, empty strings and the empty key, and keys that are
//! reserved names of *other* vendors (`from`, `ext`, `collapse_key`,
//! `google.x`, `gcm.n.e`, `mipush_x`, `key_message`...).
//!
//! Where a vendor constrains ext, the cases stay within its rules:
//! - OPPO needs a JSON object, and hands each key to the activity as a
//!   string extra, so the object's values are strings (a nested object or
//!   array travels as its JSON text) and it has at least one key (`{}`
//!   hands nothing over). The key `pushlab.message_id` is the push
//!   service's own on every vendor and is not generated.
//! - Huawei's intent parameters (`ExtAsHuaweiIntentParam` 1, on a device
//!   that loses the notification data) are OPPO's case too, without an
//!   `ext` member: on Huawei `ext` names the whole data.
//! - Mi caps a custom extra at 1024 characters and vivo its whole custom map
//!   at 1024: every ext here stays well below that.
//! - FCM data values are strings: the ext is one, under `data.ext`.

mod sim_apps_support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use pushlab::android::ExtraValue;
use pushlab::push::{
    fcm, huawei, meizu, oppo, vivo, xiaomi, AndroidInfo, Certificate, ClickAction, Credentials,
    Push,
};
use pushlab::services::clock::Timestamp;
use pushlab::services::journal::{MessageId, Record};
use pushlab::sim::apps::{DEMO_CHAT_ACTIVITY, EXTRA_MESSAGE_ID};
use pushlab::wire::protocol::{DeviceInfo, Rom};
use serde_json::{json, Map, Value};
use sim_apps_support::{fcm_credentials, Lab};

const USER: &str = "vinson";
const INTENT_URI: &str =
    "intent://com.pushlab.demo/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;end";

/// Keys that some vendor reserves, or that the app used to treat as not
/// the sender's.
const FOREIGN_KEYS: &[&str] = &[
    "from",
    "ext",
    "collapse_key",
    "message_type",
    "google.x",
    "google.message_id",
    "gcm.n.e",
    "gcm.notification.title",
    "mipush_x",
    "key_message",
    "method",
    "selfDefineContentString",
    "android.intent.extra.TEXT",
    "pushlab.x",
    "",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "\\PC{0,8}",
        2 => proptest::sample::select(FOREIGN_KEYS).prop_map(str::to_string),
    ]
    .prop_filter("the push service's own key", |k| k != EXTRA_MESSAGE_ID)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "\\PC{0,12}",
        1 => Just(String::new()),
        1 => Just("line\nbreak, \"quoted\", back\\slash, tab\t".to_string()),
        1 => Just("jump to denny".to_string()),
    ]
}

/// Any JSON value, nested at most three deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1.0e9f64..1.0e9).prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An ext as the IM server takes it: a JSON object's text.
fn json_object_ext() -> impl Strategy<Value = String> {
    proptest::collection::btree_map(key(), json_value(), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()).to_string())
        .prop_filter("within Mi's and vivo's 1024 characters", |s| {
            s.chars().count() <= 900
        })
}

/// An ext spread into one string extra per key (OPPO, Huawei's intent
/// parameters): a JSON object of strings, at least one key, none of them
/// `reserved`.
fn string_object_ext(reserved: &'static [&'static str]) -> impl Strategy<Value = String> {
    let value = prop_oneof![
        3 => text(),
        1 => json_value().prop_map(|v| v.to_string()),
    ];
    let key = key().prop_filter("the vendor's own key", move |k| {
        !reserved.contains(&k.as_str())
    });
    proptest::collection::btree_map(key, value, 1..6)
        .prop_map(|m| {
            Value::Object(m.into_iter().map(|(k, v)| (k, Value::String(v))).collect()).to_string()
        })
        .prop_filter("within OPPO's 4000 characters", |s| {
            s.chars().count() <= 900
        })
}

/// How the ext must come back: the same text, or (OPPO, rebuilt from the
/// extras) the same JSON object.
#[derive(Clone, Copy, PartialEq)]
enum Same {
    Text,
    Json,
}

/// One vendor's path.
struct Path {
    vendor: &'static str,
    api: u32,
    info: DeviceInfo,
    credentials: Value,
    click: Value,
    channel: Option<&'static str>,
    /// Vendor limits lifted so that a run of sends is not capped.
    limits: Option<Value>,
    /// `OfflinePushInfo.AndroidInfo` of every send.
    android: Option<Value>,
    /// The `via`s the app reports, in order (activity first, then the
    /// click callback).
    vias: &'static [&'static str],
    /// Whether the tap sends a click callback the app reports.
    callback: Option<&'static str>,
    same: Same,
}

fn device(brand: &str, api: u32, region: &str) -> DeviceInfo {
    DeviceInfo {
        brand: brand.into(),
        manufacturer: brand.into(),
        model: format!("{brand} test model"),
        api_level: api,
        rom: Rom::shipped_by(brand),
        region: region.into(),
        vendor_push: true,
        hms_core_version: None,
        play_services: false,
        drops_huawei_passthrough: false,
    }
}

fn open_app() -> Value {
    json!({"type": "open_app"})
}

fn xiaomi(click: Value, callback: Option<&'static str>) -> Path {
    Path {
        vendor: "xiaomi",
        api: 33,
        info: device("Xiaomi", 33, "cn"),
        credentials: json!({"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret"}),
        click,
        channel: Some("im"),
        limits: None,
        android: None,
        vias: &["mipush_message"],
        callback,
        same: Same::Text,
    }
}

fn huawei() -> Path {
    Path {
        vendor: "huawei",
        api: 29,
        info: DeviceInfo {
            hms_core_version: Some(60_300_000),
            ..device("HUAWEI", 29, "cn")
        },
        credentials: json!({"vendor": "huawei", "app_id": "104523457", "client_secret": "s3cret"}),
        click: open_app(),
        channel: Some("im"),
        limits: None,
        android: None,
        vias: &["intent_extra"],
        callback: None,
        same: Same::Text,
    }
}

/// Huawei on a device that loses notification data on tap, with the ext's
/// members written into the intent URI (`ExtAsHuaweiIntentParam` 1): the
/// opened activity gets only those, each as a string extra.
fn huawei_intent_params() -> Path {
    Path {
        info: DeviceInfo {
            drops_huawei_passthrough: true,
            ..huawei().info
        },
        click: json!({"type": "open_page", "page": {"intent_uri": INTENT_URI}}),
        android: Some(json!({"ExtAsHuaweiIntentParam": 1})),
        vias: &["intent_extras"],
        same: Same::Json,
        ..huawei()
    }
}

fn oppo() -> Path {
    Path {
        vendor: "oppo",
        api: 30,
        info: device("OPPO", 30, "cn"),
        credentials: json!({"vendor": "oppo", "app_key": "oppokey", "master_secret": "master", "app_secret": "s3cret"}),
        click: json!({"type": "open_page", "page": {"activity": DEMO_CHAT_ACTIVITY}}),
        channel: Some("im"),
        limits: None,
        android: None,
        vias: &["intent_extras"],
        callback: None,
        same: Same::Json,
    }
}

fn vivo() -> Path {
    Path {
        vendor: "vivo",
        api: 30,
        info: device("vivo", 30, "cn"),
        credentials: json!({"vendor": "vivo", "app_id": "105000000", "app_key": "vivokey", "app_secret": "s3cret"}),
        click: open_app(),
        channel: None,
        limits: None,
        android: None,
        vias: &["callback_params"],
        callback: Some("com.vivo.pushclient.action.RECEIVE"),
        same: Same::Text,
    }
}

fn meizu() -> Path {
    Path {
        vendor: "meizu",
        api: 30,
        info: device("meizu", 30, "cn"),
        credentials: json!({"vendor": "meizu", "app_id": "110000", "app_secret": "s3cret"}),
        click: open_app(),
        channel: None,
        // Public messages are capped at 3 a day and 5 a minute per device.
        limits: Some(
            json!({"public_per_device_per_day": null, "collapse_per_device_per_minute": null}),
        ),
        android: None,
        vias: &["intent_extra", "self_define_content"],
        callback: Some("com.meizu.flyme.push.intent.MESSAGE"),
        same: Same::Text,
    }
}

fn fcm() -> Path {
    Path {
        vendor: "fcm",
        api: 33,
        info: DeviceInfo {
            play_services: true,
            ..device("google", 33, "global")
        },
        credentials: fcm_credentials(),
        click: open_app(),
        channel: Some("im"),
        limits: None,
        android: None,
        vias: &["intent_extra"],
        callback: None,
        same: Same::Text,
    }
}

/// The demo app set up on its vendor's device, logged in, offline, with a
/// token.
async fn lab_for(path: &Path) -> Lab {
    let lab = Lab::new(path.api, path.info.clone()).await;
    let cert = lab
        .add_certificate(path.credentials.clone(), path.click.clone(), path.channel)
        .await;
    if let Some(limits) = &path.limits {
        let url = format!("{}/admin/v1/vendors/{}/limits", lab.base, path.vendor);
        let r = reqwest::Client::new()
            .put(url)
            .json(limits)
            .send()
            .await
            .expect("limits set");
        assert!(r.status().is_success(), "{:?}", r.text().await);
    }
    lab.start_agent().await;
    lab.demo_offline_with_token(USER, path.vendor, cert).await;
    lab
}

/// How long a round waits for one record of the app's. A lost ext is a
/// failing case, and shrinking runs many of them: this is shorter than the
/// labs' deadline, and still far above what a record takes.
const RECORD_DEADLINE: Duration = Duration::from_secs(5);

/// Waits for a record of the message's chain that `pred` accepts.
async fn wait_record(
    lab: &Lab,
    id: &MessageId,
    what: &str,
    pred: impl Fn(&Value) -> bool + Send + Sync + 'static,
) -> Result<(), TestCaseError> {
    let id2 = id.clone();
    let found = lab
        .hub
        .hub
        .journal()
        .wait_for(0, RECORD_DEADLINE, move |r: &Record| {
            r.message_id.as_ref() == Some(&id2) && pred(&serde_json::to_value(r).unwrap())
        })
        .await;
    match found {
        Some(_) => Ok(()),
        None => Err(TestCaseError::fail(format!(
            "no {what} for {id}; chain: {:?}; reported: {:?}",
            lab.kinds(id),
            reported(lab, id)
        ))),
    }
}

/// Every `(via, value)` the app reported for the message, in order.
fn reported(lab: &Lab, id: &MessageId) -> Vec<(String, String)> {
    lab.chain(id)
        .iter()
        .filter(|r| r["kind"] == "ext_received")
        .map(|r| {
            (
                r["detail"]["via"].as_str().unwrap_or_default().to_string(),
                r["detail"]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

/// The push the IM server's vendor client gets for `ext`: the same
/// certificate the lab holds.
fn push_of(path: &Path, ext: &str) -> Push {
    let mut credentials: Credentials =
        serde_json::from_value(path.credentials.clone()).expect("credentials");
    credentials
        .complete_for_simulation()
        .expect("credentials complete");
    Push {
        message_id: MessageId::from("msg-1"),
        certificate: Certificate {
            id: 1,
            package: pushlab::sim::apps::DEMO_PACKAGE.into(),
            credentials,
            click: serde_json::from_value::<ClickAction>(path.click.clone()).expect("click"),
            channel_id: path.channel.map(str::to_string),
            badge_class: None,
            saved_at: Timestamp(0),
            delay_secs: pushlab::push::CERTIFICATE_DELAY_SECS,
        },
        token: "token".into(),
        title: "Denny".into(),
        desc: "hi vinson".into(),
        ext: Some(ext.to_string()),
        android: path
            .android
            .clone()
            .map(|a| serde_json::from_value::<AndroidInfo>(a).expect("AndroidInfo"))
            .unwrap_or_default(),
    }
}

/// What the vendor request carries: the ext, verbatim, in the field the
/// vendor's guide names.
fn request_carries(path: &Path, ext: &str) -> Result<(), TestCaseError> {
    let push = push_of(path, ext);
    let form_field = |form: Vec<(String, String)>, name: &str| {
        form.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    };
    let json = |s: &str| -> Value { serde_json::from_str(s).unwrap_or(Value::Null) };
    let carried: Option<String> = match path.vendor {
        "xiaomi" => form_field(
            xiaomi::build_send_request(&push).expect("request").form,
            "extra.ext",
        ),
        "huawei" => huawei::build_send_request(&push, "t")
            .expect("request")
            .body["message"]["android"]["data"]
            .as_str()
            .map(str::to_string),
        "oppo" => {
            let req = oppo::build_send_request(&push, "t");
            let form: Vec<(String, String)> = serde_urlencoded::from_str(&req.body).expect("form");
            json(&form_field(form, "message").unwrap_or_default())["notification"]
                ["action_parameters"]
                .as_str()
                .map(str::to_string)
        }
        "vivo" => vivo::build_send_request(&push, "t").body["clientCustomMap"]["ext"]
            .as_str()
            .map(str::to_string),
        "meizu" => {
            let form = meizu::build_send_request(&push).expect("request").form;
            json(&form_field(form, "messageJson").unwrap_or_default())["clickTypeInfo"]
                ["parameters"]["ext"]
                .as_str()
                .map(str::to_string)
        }
        "fcm" => json(&fcm::build_send_request(&push, "t").expect("request").body)["message"]
            ["data"]["ext"]
            .as_str()
            .map(str::to_string),
        other => return Err(TestCaseError::fail(format!("no request for {other}"))),
    };
    prop_assert_eq!(carried.as_deref(), Some(ext), "{} request", path.vendor);
    Ok(())
}

/// What the device handed the app, by the vendor's own carrier: the
/// activity's extras and the click callback's.
fn handed_over(lab: &Lab, path: &Path, id: &MessageId, ext: &str) -> Result<(), TestCaseError> {
    let ours = |extras: &pushlab::android::Extras| {
        extras.get(EXTRA_MESSAGE_ID).and_then(ExtraValue::as_str) == Some(id.0.as_str())
    };
    let activity = lab.os.read(|s| {
        s.activities
            .iter()
            .rev()
            .find(|(_, i)| ours(&i.extras))
            .cloned()
    });
    let callback = lab.os.read(|s| {
        s.broadcasts
            .iter()
            .rev()
            .find(|b| ours(&b.intent.extras) && b.intent.action.as_deref() == path.callback)
            .cloned()
    });
    let string = |extras: &pushlab::android::Extras, k: &str| {
        extras
            .get(k)
            .and_then(ExtraValue::as_str)
            .map(str::to_string)
    };
    match path.vendor {
        "oppo" | "huawei" if path.same == Same::Json => {
            let (_, intent) = activity.ok_or_else(|| TestCaseError::fail("no activity"))?;
            let got: Map<String, Value> = intent
                .extras
                .iter()
                .filter(|(k, _)| *k != EXTRA_MESSAGE_ID)
                .map(|(k, v)| (k.to_string(), json!(v.as_str())))
                .collect();
            let sent: Value = serde_json::from_str(ext).unwrap();
            prop_assert_eq!(Value::Object(got), sent, "each key a string extra");
        }
        "huawei" | "fcm" | "meizu" => {
            let (_, intent) = activity.ok_or_else(|| TestCaseError::fail("no activity"))?;
            let got = string(&intent.extras, "ext");
            prop_assert_eq!(got.as_deref(), Some(ext));
        }
        "xiaomi" => {
            let extras = match callback {
                Some(b) => b.intent.extras,
                None => {
                    activity
                        .ok_or_else(|| TestCaseError::fail("no activity"))?
                        .1
                        .extras
                }
            };
            let message: Value =
                serde_json::from_str(&string(&extras, "key_message").unwrap_or_default())
                    .map_err(|e| TestCaseError::fail(format!("key_message: {e}")))?;
            prop_assert_eq!(message["extra"]["ext"].as_str(), Some(ext));
        }
        "vivo" => {
            let b = callback.ok_or_else(|| TestCaseError::fail("no callback"))?;
            let got = string(&b.intent.extras, "ext");
            prop_assert_eq!(got.as_deref(), Some(ext));
        }
        other => return Err(TestCaseError::fail(format!("no carrier for {other}"))),
    }
    Ok(())
}

/// `Lab::send` with `OfflinePushInfo.AndroidInfo`.
async fn send_with_android_info(lab: &Lab, n: u64, ext: &str, android: &Value) -> MessageId {
    let (_, v) = lab
        .post(
            "/v4/openim/sendmsg",
            json!({"From_Account": "denny", "To_Account": USER, "MsgRandom": n,
                   "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi vinson"}}],
                   "OfflinePushInfo": {"Title": "Denny", "Desc": "hi vinson", "Ext": ext,
                                       "AndroidInfo": android}}),
        )
        .await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    MessageId(v["MessageId"].as_str().expect("MessageId").to_string())
}

/// Sends `ext`, taps the notification, and checks every stage; the app is
/// offline again afterwards, whatever the outcome.
async fn one_round(lab: &Lab, path: &Path, n: u64, ext: &str) -> Result<(), TestCaseError> {
    // A new virtual second: per-device rates count per second.
    lab.hub.hub.clock().advance(Duration::from_secs(1));
    let id = match &path.android {
        None => lab.send(USER, n, ext).await,
        Some(android) => send_with_android_info(lab, n, ext, android).await,
    };
    let outcome = stages(lab, path, &id, ext).await;
    // The opened activity brings the app online; once the IM server has
    // seen that, the app is killed again, so the next message is pushed.
    if lab.kinds(&id).iter().any(|k| k == "activity_started") {
        lab.wait_account("user online", |a| a["user"] == USER && a["online"] == true)
            .await;
    }
    lab.kill_demo(USER).await;
    outcome
}

async fn stages(lab: &Lab, path: &Path, id: &MessageId, ext: &str) -> Result<(), TestCaseError> {
    let id = id.clone();
    request_carries(path, ext)?;
    wait_record(lab, &id, "posted", |r| r["kind"] == "posted").await?;
    lab.tap(&id).await;
    wait_record(lab, &id, "activity_started", |r| {
        r["kind"] == "activity_started"
    })
    .await?;
    if let Some(action) = path.callback {
        wait_record(lab, &id, "click callback", move |r| {
            r["kind"] == "callback_received" && r["detail"]["action"] == action
        })
        .await?;
    }
    handed_over(lab, path, &id, ext)?;
    for via in path.vias {
        wait_record(lab, &id, via, move |r| {
            r["kind"] == "ext_received" && r["detail"]["via"] == *via
        })
        .await?;
    }
    let got = reported(lab, &id);
    let vias: Vec<&str> = got.iter().map(|(v, _)| v.as_str()).collect();
    prop_assert_eq!(&vias, &path.vias.to_vec(), "ext of {}: {:?}", id, got);
    for (via, value) in &got {
        match path.same {
            Same::Text => prop_assert_eq!(value.as_str(), ext, "via {}", via),
            Same::Json => {
                let back: Value = serde_json::from_str(value)
                    .map_err(|e| TestCaseError::fail(format!("{via}: {e}: {value}")))?;
                let sent: Value = serde_json::from_str(ext).unwrap();
                prop_assert_eq!(back, sent, "via {}", via);
            }
        }
    }
    prop_assert!(
        !lab.kinds(&id).iter().any(|k| k == "delivered_online"),
        "pushed, not delivered online"
    );
    Ok(())
}

/// Runs arbitrary exts from `strategy` through `path`.
fn round_trips(path: Path, strategy: impl Strategy<Value = String>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let lab = rt.block_on(lab_for(&path));
    let sent = AtomicU64::new(1);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |ext| {
        let n = sent.fetch_add(1, Ordering::Relaxed);
        rt.block_on(one_round(&lab, &path, n, &ext))
    });
    rt.block_on(async { lab.apps.shutdown() });
    if let Err(e) = result {
        panic!("{} ext round trip: {e}", path.vendor);
    }
}

#[test]
fn xiaomi_open_app_hands_any_ext_to_the_click_callback() {
    round_trips(
        xiaomi(open_app(), Some("com.xiaomi.mipush.RECEIVE_MESSAGE")),
        json_object_ext(),
    );
}

#[test]
fn xiaomi_in_app_page_hands_any_ext_in_the_mipush_message() {
    round_trips(
        xiaomi(
            json!({"type": "open_page", "page": {"intent_uri": INTENT_URI}}),
            None,
        ),
        json_object_ext(),
    );
}

#[test]
fn huawei_hands_any_ext_as_the_ext_extra() {
    round_trips(huawei(), json_object_ext());
}

#[test]
fn huawei_hands_every_intent_parameter_to_the_activity() {
    // `ext` names the whole data on Huawei: an intent parameter of that
    // name is taken for it.
    round_trips(huawei_intent_params(), string_object_ext(&["ext"]));
}

#[test]
fn oppo_hands_every_key_of_any_string_object_to_the_activity() {
    round_trips(oppo(), string_object_ext(&[]));
}

#[test]
fn vivo_hands_any_ext_to_the_click_callback() {
    round_trips(vivo(), json_object_ext());
}

#[test]
fn meizu_hands_any_ext_to_the_activity_and_the_callback() {
    round_trips(meizu(), json_object_ext());
}

#[test]
fn fcm_hands_any_ext_as_data_ext() {
    round_trips(fcm(), json_object_ext());
}

/// The two cases that used to be lost, pinned: OPPO's `from` and `ext`.
#[test]
fn oppo_keeps_from_and_ext() {
    let path = oppo();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let lab = lab_for(&path).await;
        for (n, ext) in [
            r#"{"action":"jump to denny","from":"denny"}"#,
            r#"{"ext":"{\"k\":\"v\"}","action":"jump to denny"}"#,
        ]
        .iter()
        .enumerate()
        {
            one_round(&lab, &path, n as u64 + 1, ext).await.unwrap();
        }
        lab.apps.shutdown();
    });
}
