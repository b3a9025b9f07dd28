//! Where the demo app finds a message's `ext` (each path the vendor guides
//! name, reported as `ext_received.via`), and how the apps read the hub's
//! address: examples, then properties over any input.

use proptest::prelude::*;
use pushlab::android::{ExtraValue, Intent};
use pushlab::sim::apps::demo::{activity_ext, callback_ext, ExtVia};
use pushlab::sim::apps::HubUrl;
use serde_json::{json, Value};

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
    assert_eq!(
        activity_ext(&i),
        vec![(ExtVia::IntentExtra, EXT.to_string())]
    );
}

#[test]
fn mi_in_app_pages_carry_the_message_under_key_message() {
    let message =
        json!({"messageId": "sdm1", "extra": {"ext": EXT, "channel_id": "im"}}).to_string();
    let i = opened(&[("key_message", &message), ("pushlab.message_id", "msg-1")]);
    assert_eq!(
        activity_ext(&i),
        vec![(ExtVia::MiPushMessage, EXT.to_string())]
    );
}

#[test]
fn oppo_keys_are_reported_as_one_json_object() {
    let i = opened(&[
        ("action", "jump to denny"),
        ("room", "42"),
        ("pushlab.message_id", "msg-1"),
        ("google.message_id", "0:1"),
    ]);
    let found = activity_ext(&i);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, ExtVia::IntentExtras);
    let v: Value = serde_json::from_str(&found[0].1).unwrap();
    assert_eq!(v, json!({"action": "jump to denny", "room": "42"}));
}

#[test]
fn an_activity_opened_without_content_reports_no_ext() {
    assert!(activity_ext(&opened(&[("pushlab.message_id", "msg-1")])).is_empty());
    // Typed extras are not string content.
    let mut i = opened(&[]);
    i.extras.insert("count", ExtraValue::Int(3));
    assert!(activity_ext(&i).is_empty());
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
        let _ = activity_ext(&opened(&pairs));
        let _ = callback_ext(&broadcast(&action, &pairs));
        for a in ["com.xiaomi.mipush.RECEIVE_MESSAGE", "com.vivo.pushclient.action.RECEIVE", "com.meizu.flyme.push.intent.MESSAGE"] {
            let _ = callback_ext(&broadcast(a, &pairs));
        }
    }

    #[test]
    fn oppo_keys_come_back_as_the_object_they_were(
        map in proptest::collection::btree_map("[a-z][a-z0-9_]{0,10}", ".{0,20}", 1..6),
    ) {
        prop_assume!(["ext", "from", "key_message"].iter().all(|k| !map.contains_key(*k)));
        let pairs: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let found = activity_ext(&opened(&pairs));
        prop_assert_eq!(found.len(), 1);
        prop_assert_eq!(found[0].0, ExtVia::IntentExtras);
        let back: std::collections::BTreeMap<String, String> = serde_json::from_str(&found[0].1).unwrap();
        prop_assert_eq!(back, map);
    }
}
