//! The gateway protocol's shared vectors (fixtures/gateway/): every value
//! reads as its Rust type and writes back to the same JSON. The Java
//! companion app checks the same files.

use pushlab::wire::protocol::{
    DeviceEvent, RegisterError, RegisterRequest, RegisterResponse, StreamItem,
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

#[test]
fn device_events() {
    for (name, v) in vectors("events.json") {
        round_trip::<DeviceEvent>(&name, &v);
    }
}

#[test]
fn registration() {
    for (name, v) in vectors("register.json") {
        match name.as_str() {
            "response" => round_trip::<RegisterResponse>(&name, &v),
            "error" => round_trip::<RegisterError>(&name, &v["error"]),
            _ => round_trip::<RegisterRequest>(&name, &v),
        }
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
