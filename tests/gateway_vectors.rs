//! The gateway protocol's shared vectors (fixtures/gateway/): every value
//! reads as its Rust type and writes back to the same JSON. The Java
//! companion app checks the same files.

use std::collections::BTreeMap;

use pushlab::wire::facts::rom_from_props;
use pushlab::wire::protocol::{
    DeviceEvent, RegisterError, RegisterRequest, RegisterResponse, Rom, StreamItem,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fn vectors(file: &str) -> Vec<(String, Value)> {
    let path = format!("{}/fixtures/gateway/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Vec<Value> = serde_json::from_str(&text).unwrap();
    v.into_iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["value"].clone()))
        .collect()
}

/// JSON equality where an absent key equals null or an empty array (the
/// writer leaves out empty optional fields).
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null() && x.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, x)| (k.clone(), normalize(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        x => x.clone(),
    }
}

fn round_trip<T: Serialize + DeserializeOwned>(name: &str, v: &Value) {
    let t: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let back = serde_json::to_value(&t).unwrap();
    assert_eq!(normalize(&back), normalize(v), "{name}");
}

#[test]
fn stream_items() {
    let items = vectors("stream-items.json");
    assert!(items.iter().any(|(n, _)| n.contains("intent URI")));
    for (name, v) in items {
        round_trip::<StreamItem>(&name, &v);
    }
}

/// Every kind of device event the protocol has, as the JSON names it.
const EVENT_KINDS: [&str; 12] = [
    "received",
    "posted",
    "dropped",
    "removed",
    "clicked",
    "activity_started",
    "url_opened",
    "click_failed",
    "callback_received",
    "ext_received",
    "ext_dropped",
    "badge_set",
];

#[test]
fn device_events() {
    let events = vectors("events.json");
    let mut kinds: Vec<&str> = events
        .iter()
        .filter_map(|(_, v)| v["kind"].as_str())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut all = EVENT_KINDS.to_vec();
    all.sort_unstable();
    assert_eq!(kinds, all, "events.json covers every event kind");
    for (name, v) in events {
        round_trip::<DeviceEvent>(&name, &v);
    }
}

#[test]
fn registration() {
    let (mut requests, mut responses, mut errors) = (0, 0, 0);
    for (name, v) in vectors("register.json") {
        match name.as_str() {
            "response" => {
                responses += 1;
                round_trip::<RegisterResponse>(&name, &v)
            }
            "error" => {
                errors += 1;
                round_trip::<RegisterError>(&name, &v["error"])
            }
            _ => {
                requests += 1;
                round_trip::<RegisterRequest>(&name, &v)
            }
        }
    }
    assert!(requests >= 1, "register.json has a request");
    assert_eq!(
        (responses, errors),
        (1, 1),
        "register.json has a response and an error"
    );
}

/// The ROM a phone's properties say, as the agent reads it too.
#[test]
fn device_roms() {
    let cases = vectors("device-roms.json");
    let mut seen = Vec::new();
    for (name, v) in cases {
        let props: BTreeMap<String, String> = serde_json::from_value(v["properties"].clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let want: Rom = serde_json::from_value(v["rom"].clone()).unwrap();
        assert_eq!(rom_from_props(&props), want, "{name}");
        seen.push(want);
    }
    for rom in Rom::ALL {
        assert!(seen.contains(&rom), "device-roms.json has a {rom} phone");
    }
}

#[test]
fn malformed_lines_are_errors_not_panics() {
    for bad in [
        r#"{"type":"display"}"#,
        r#"{"type":"teleport"}"#,
        r#"{"type":"display","instruction":{"message_id":"m","vendor":"nokia"}}"#,
        r#"{"message_id":"m","kind":"dropped","detail":{"code":"no.such.code"}}"#,
    ] {
        let a = serde_json::from_str::<StreamItem>(bad).is_err();
        let b = serde_json::from_str::<DeviceEvent>(bad).is_err();
        assert!(a && b, "{bad}");
    }
}

/// `callbacks.json`: the SDK callback each vendor broadcast is dispatched
/// to, as the demo apps (Rust model and Java) both derive it.
#[test]
fn sdk_callback_dispatch() {
    use pushlab::wire::sdk::SdkCallback;
    let vectors = vectors("callbacks.json");
    assert!(vectors.len() >= 10);
    let mut seen = std::collections::HashSet::new();
    for (name, v) in vectors {
        let action = v["action"].as_str().unwrap();
        let extras = v["extras"].as_object().unwrap();
        let got = SdkCallback::dispatched(
            action,
            |k| extras.get(k).and_then(Value::as_str),
            |p| extras.keys().any(|k| k.starts_with(p)),
        );
        let want = v["callback"]
            .as_str()
            .map(|c| c.parse::<SdkCallback>().unwrap());
        assert_eq!(got, want, "{name}");
        seen.extend(got);
    }
    assert_eq!(
        seen.len(),
        SdkCallback::ALL.len(),
        "every callback has a vector"
    );
}
