//! Where the demo app finds a message's `ext` (each path the vendor guides
//! name, reported as `ext_received.via`), which keys each vendor's path
//! reserves, and how the apps read the hub's address: examples, then
//! properties over any input. `fixtures/ext-vectors.json` holds the shared
//! cases the Java `ExtExtractor` replays too.

use proptest::prelude::*;
use pushlab::android::{ExtraValue, Intent};
use pushlab::sim::apps::ext::{activity_ext, callback_ext, callback_vendor, ExtVia, VendorKeys};
use pushlab::sim::apps::HubUrl;
use pushlab::wire::VendorId;
use serde_json::{json, Value};

const OPPO: Option<VendorId> = Some(VendorId::Oppo);

const EXT: &str = r#"{"action":"jump to denny"}"#;

fn opened(extras: &[(&str, &str)]) -> Intent {
    let mut i = Intent::default();
    for (k, v) in extras {
        i.extras.insert(*k, *v);
    }
    i
}

fn broadcast(action: &str, extras: &[(&str, &str)]) -> Intent {
    Intent {
        action: Some(action.into()),
        ..opened(extras)
    }
}

#[test]
fn the_ext_extra_is_read_with_get_string() {
    let i = opened(&[("ext", EXT), ("pushlab.message_id", "msg-1")]);
    for vendor in [VendorId::Huawei, VendorId::Meizu, VendorId::Fcm] {
        assert_eq!(
            activity_ext(Some(vendor), &i),
            vec![(ExtVia::IntentExtra, EXT.to_string())],
            "{vendor}"
        );
    }
    assert_eq!(
        activity_ext(None, &i),
        vec![(ExtVia::IntentExtra, EXT.to_string())]
    );
}

#[test]
fn mi_in_app_pages_carry_the_message_under_key_message() {
    let message =
        json!({"messageId": "sdm1", "extra": {"ext": EXT, "channel_id": "im"}}).to_string();
    let i = opened(&[("key_message", &message), ("pushlab.message_id", "msg-1")]);
    assert_eq!(
        activity_ext(Some(VendorId::Xiaomi), &i),
        vec![(ExtVia::MiPushMessage, EXT.to_string())]
    );
    // On OPPO a `key_message` key is the sender's like any other.
    let found = activity_ext(OPPO, &i);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, ExtVia::IntentExtras);
    let v: Value = serde_json::from_str(&found[0].1).unwrap();
    assert_eq!(v, json!({"key_message": message}));
}

#[test]
fn oppo_keys_are_reported_as_one_json_object() {
    let i = opened(&[
        ("action", "jump to denny"),
        ("room", "42"),
        ("pushlab.message_id", "msg-1"),
        ("google.message_id", "0:1"),
    ]);
    let found = activity_ext(OPPO, &i);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, ExtVia::IntentExtras);
    let v: Value = serde_json::from_str(&found[0].1).unwrap();
    // `google.message_id` is FCM's name, not OPPO's: on OPPO it is the
    // sender's key.
    assert_eq!(
        v,
        json!({"action": "jump to denny", "room": "42", "google.message_id": "0:1"})
    );
}

#[test]
fn oppo_keeps_keys_that_other_vendors_reserve() {
    // FCM's `from`, and `ext`, which Huawei, FCM and Meizu carry the ext in.
    let i = opened(&[
        ("action", "jump to denny"),
        ("from", "denny"),
        ("pushlab.message_id", "msg-1"),
    ]);
    let found = activity_ext(OPPO, &i);
    assert_eq!(found[0].0, ExtVia::IntentExtras);
    let v: Value = serde_json::from_str(&found[0].1).unwrap();
    assert_eq!(v, json!({"action": "jump to denny", "from": "denny"}));
    let i = opened(&[("ext", "x"), ("a", "b"), ("pushlab.message_id", "msg-1")]);
    let found = activity_ext(OPPO, &i);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, ExtVia::IntentExtras);
    let v: Value = serde_json::from_str(&found[0].1).unwrap();
    assert_eq!(v, json!({"ext": "x", "a": "b"}));
}

#[test]
fn fcm_strips_only_its_own_keys_from_data_pairs() {
    let i = opened(&[
        ("from", "1234"),
        ("collapse_key", "com.pushlab.demo"),
        ("google.message_id", "0:1"),
        ("gcm.n.e", "1"),
        ("key_message", "mine"),
        ("mipush_x", "mine too"),
        ("pushlab.message_id", "msg-1"),
    ]);
    let found = activity_ext(Some(VendorId::Fcm), &i);
    assert_eq!(found[0].0, ExtVia::IntentExtras);
    let v: Value = serde_json::from_str(&found[0].1).unwrap();
    assert_eq!(v, json!({"key_message": "mine", "mipush_x": "mine too"}));
}

#[test]
fn each_vendor_reserves_only_its_own_keys() {
    let keys = |v: VendorId| VendorKeys::of(Some(v));
    for v in VendorId::ALL {
        assert!(keys(v).is_reserved("pushlab.message_id"), "{v}");
        assert!(!keys(v).is_reserved("action"), "{v}");
        assert!(!keys(v).is_reserved(""), "{v}");
    }
    assert!(keys(VendorId::Fcm).is_reserved("from"));
    assert!(keys(VendorId::Fcm).is_reserved("google.x"));
    assert!(keys(VendorId::Fcm).is_reserved("gcm.n.e"));
    assert!(!keys(VendorId::Fcm).is_reserved("key_message"));
    assert!(keys(VendorId::Xiaomi).is_reserved("key_message"));
    assert!(!keys(VendorId::Xiaomi).is_reserved("from"));
    for k in [
        "from",
        "ext",
        "collapse_key",
        "google.x",
        "gcm.n.e",
        "key_message",
        "method",
    ] {
        assert!(!keys(VendorId::Oppo).is_reserved(k), "{k}");
    }
    assert!(!VendorKeys::of(None).is_reserved("from"));
    for r in keys(VendorId::Fcm).keys() {
        assert!(!r.why.is_empty());
    }
}

#[test]
fn an_activity_opened_without_content_reports_no_ext() {
    for vendor in VendorId::ALL.map(Some).into_iter().chain([None]) {
        assert!(activity_ext(vendor, &opened(&[("pushlab.message_id", "msg-1")])).is_empty());
        // Typed extras are not string content.
        let mut i = opened(&[]);
        i.extras.insert("count", ExtraValue::Int(3));
        assert!(activity_ext(vendor, &i).is_empty());
    }
    // vivo hands its ext to the click callback only.
    assert!(activity_ext(Some(VendorId::Vivo), &opened(&[("ext", EXT), ("a", "b")])).is_empty());
}

#[test]
fn vendor_callbacks_hand_over_ext_their_own_way() {
    let message = json!({"extra": {"ext": EXT}}).to_string();
    assert_eq!(
        callback_ext(&broadcast(
            "com.xiaomi.mipush.RECEIVE_MESSAGE",
            &[("key_message", &message)]
        )),
        Some((ExtVia::MiPushMessage, EXT.to_string()))
    );
    assert_eq!(
        callback_ext(&broadcast(
            "com.vivo.pushclient.action.RECEIVE",
            &[("ext", EXT)]
        )),
        Some((ExtVia::CallbackParams, EXT.to_string()))
    );
    let self_define = json!({"ext": EXT}).to_string();
    assert_eq!(
        callback_ext(&broadcast(
            "com.meizu.flyme.push.intent.MESSAGE",
            &[
                ("method", "private"),
                ("selfDefineContentString", &self_define)
            ]
        )),
        Some((ExtVia::SelfDefineContent, EXT.to_string()))
    );
    // FCM's wake-up broadcast is not a place the guides read ext from.
    assert_eq!(
        callback_ext(&broadcast(
            "com.google.android.c2dm.intent.RECEIVE",
            &[("ext", EXT)]
        )),
        None
    );
    assert_eq!(
        callback_ext(&broadcast("com.vivo.pushclient.action.RECEIVE", &[])),
        None
    );
}

#[test]
fn a_callbacks_action_names_its_vendor() {
    for (action, vendor) in [
        ("com.xiaomi.mipush.RECEIVE_MESSAGE", VendorId::Xiaomi),
        ("com.vivo.pushclient.action.RECEIVE", VendorId::Vivo),
        ("com.meizu.flyme.push.intent.MESSAGE", VendorId::Meizu),
        ("com.google.android.c2dm.intent.RECEIVE", VendorId::Fcm),
        ("com.huawei.push.action.MESSAGING_EVENT", VendorId::Huawei),
    ] {
        assert_eq!(callback_vendor(action), Some(vendor), "{action}");
    }
    assert_eq!(callback_vendor("com.pushlab.agent.TOKEN"), None);
}

#[test]
fn via_names_are_the_journals() {
    let names: Vec<&str> = [
        ExtVia::IntentExtra,
        ExtVia::IntentExtras,
        ExtVia::MiPushMessage,
        ExtVia::CallbackParams,
        ExtVia::SelfDefineContent,
    ]
    .iter()
    .map(|v| v.name())
    .collect();
    assert_eq!(
        names,
        [
            "intent_extra",
            "intent_extras",
            "mipush_message",
            "callback_params",
            "self_define_content"
        ]
    );
}

#[test]
fn the_hub_is_an_http_host_and_port() {
    let hub = HubUrl::parse("http://127.0.0.1:8081").unwrap();
    assert_eq!(hub.to_string(), "http://127.0.0.1:8081");
    assert_eq!(HubUrl::parse("http://127.0.0.1:8081/").unwrap(), hub);
    assert_eq!(
        HubUrl::parse("http://localhost").unwrap().to_string(),
        "http://localhost:80"
    );
    for bad in [
        "https://127.0.0.1:8081",
        "http://127.0.0.1:8081/hub",
        "127.0.0.1:8081",
        "",
        "http://",
    ] {
        assert!(HubUrl::parse(bad).is_err(), "{bad}");
    }
}

proptest! {
    #[test]
    fn reading_the_hub_address_never_panics(s in ".*") {
        let _ = HubUrl::parse(&s);
    }

    #[test]
    fn finding_ext_never_panics(
        extras in proptest::collection::vec((".{0,12}", ".{0,40}"), 0..6),
        action in ".{0,40}",
    ) {
        let pairs: Vec<(&str, &str)> = extras.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for vendor in VendorId::ALL.map(Some).into_iter().chain([None]) {
            let _ = activity_ext(vendor, &opened(&pairs));
        }
        let _ = callback_ext(&broadcast(&action, &pairs));
        for a in ["com.xiaomi.mipush.RECEIVE_MESSAGE", "com.vivo.pushclient.action.RECEIVE", "com.meizu.flyme.push.intent.MESSAGE"] {
            let _ = callback_ext(&broadcast(a, &pairs));
        }
    }

    #[test]
    fn oppo_keys_come_back_as_the_object_they_were(
        map in proptest::collection::btree_map(
            prop_oneof![
                "\\PC{0,10}",
                proptest::sample::select(vec!["ext", "from", "key_message", "collapse_key", "google.x", "gcm.n.e", "mipush_x", ""])
                    .prop_map(str::to_string),
            ],
            ".{0,20}",
            1..6,
        ),
    ) {
        prop_assume!(!map.contains_key("pushlab.message_id"));
        let pairs: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let found = activity_ext(OPPO, &opened(&pairs));
        prop_assert_eq!(found.len(), 1);
        prop_assert_eq!(found[0].0, ExtVia::IntentExtras);
        let back: std::collections::BTreeMap<String, String> = serde_json::from_str(&found[0].1).unwrap();
        prop_assert_eq!(back, map);
    }
}
