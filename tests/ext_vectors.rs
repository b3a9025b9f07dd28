//! `fixtures/ext-vectors.json`: what a device hands the demo app, vendor by
//! vendor and path by path, and the ext the app must report. The Rust model
//! (`pushlab::sim::apps::ext`) is checked here; the Java `ExtExtractor`
//! replays the same file (`ExtVectorsTest`), so the two cannot drift.
//!
//! `PUSHLAB_UPDATE_EXT_VECTORS=1 cargo test --test ext_vectors` rewrites
//! every `reported` from the Rust model (review the diff before keeping it).

use pushlab::android::{ExtraValue, Intent};
use pushlab::sim::apps::ext::{activity_ext, callback_ext};
use pushlab::wire::VendorId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/ext-vectors.json");

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vectors {
    format: String,
    cases: Vec<Case>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PathKind {
    /// The extras of the activity a tap opened.
    Activity,
    /// A vendor SDK callback broadcast.
    Callback,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// The vendor that delivered; null when the app does not know it.
    vendor: Option<VendorId>,
    path: PathKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    /// The extras, in order: a string, or `{"type", "value"}` for a typed one.
    extras: Map<String, Value>,
    reported: Vec<Reported>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reported {
    via: String,
    value: String,
}

fn extra(name: &str, key: &str, v: &Value) -> ExtraValue {
    match v {
        Value::String(s) => ExtraValue::String(s.clone()),
        Value::Object(t) => match (t.get("type").and_then(Value::as_str), t.get("value")) {
            (Some("int"), Some(n)) => ExtraValue::Int(n.as_i64().expect("int") as i32),
            (Some("long"), Some(n)) => ExtraValue::Long(n.as_i64().expect("long")),
            (Some("boolean"), Some(b)) => ExtraValue::Boolean(b.as_bool().expect("boolean")),
            other => panic!("{name}: extra {key}: unsupported typed value {other:?}"),
        },
        other => panic!("{name}: extra {key}: {other} is neither a string nor a typed value"),
    }
}

/// What the Rust model reports for a case.
fn report(case: &Case) -> Vec<Reported> {
    let mut intent = Intent {
        action: case.action.clone(),
        ..Intent::default()
    };
    for (k, v) in &case.extras {
        intent.extras.insert(k.clone(), extra(&case.name, k, v));
    }
    let found = match case.path {
        PathKind::Activity => activity_ext(case.vendor, &intent),
        PathKind::Callback => callback_ext(&intent).into_iter().collect(),
    };
    found
        .into_iter()
        .map(|(via, value)| Reported {
            via: via.name().to_string(),
            value,
        })
        .collect()
}

/// `intent_extras` is a JSON object whose key order is the implementation's;
/// everything else is compared as the exact text.
fn same(a: &[Reported], b: &[Reported]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.via == y.via
                && if x.via == "intent_extras" {
                    serde_json::from_str::<Value>(&x.value).ok()
                        == serde_json::from_str::<Value>(&y.value).ok()
                } else {
                    x.value == y.value
                }
        })
}

fn load() -> Vectors {
    let text = std::fs::read_to_string(FILE).expect("fixtures/ext-vectors.json is readable");
    serde_json::from_str(&text).expect("fixtures/ext-vectors.json matches its documented shape")
}

#[test]
fn the_model_reports_what_every_vector_expects() {
    let mut vectors = load();
    if std::env::var_os("PUSHLAB_UPDATE_EXT_VECTORS").is_some() {
        for case in &mut vectors.cases {
            case.reported = report(case);
        }
        let text = serde_json::to_string_pretty(&vectors).unwrap() + "\n";
        std::fs::write(FILE, text).expect("fixtures/ext-vectors.json is writable");
        return;
    }
    let wrong: Vec<String> = vectors
        .cases
        .iter()
        .filter_map(|case| {
            let got = report(case);
            (!same(&got, &case.reported))
                .then(|| format!("{}: got {got:?}, expected {:?}", case.name, case.reported))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_vectors_cover_every_vendor_with_a_foreign_reserved_key() {
    let vectors = load();
    let foreign = [
        "from",
        "collapse_key",
        "google.",
        "gcm.",
        "key_message",
        "mipush_",
        "ext",
        "method",
    ];
    for vendor in VendorId::ALL {
        let covered = vectors.cases.iter().any(|c| {
            c.vendor == Some(vendor)
                && !c.reported.is_empty()
                && c.extras.iter().any(|(k, v)| {
                    let text = v.as_str().unwrap_or_default();
                    foreign
                        .iter()
                        .any(|f| k.starts_with(f) || text.contains(&format!("\"{f}")))
                })
        });
        assert!(
            covered,
            "{vendor}: no vector with another vendor's reserved key"
        );
    }
    // The two that used to be lost.
    let oppo = |name: &str| {
        vectors
            .cases
            .iter()
            .find(|c| c.vendor == Some(VendorId::Oppo) && c.name.contains(name))
            .unwrap_or_else(|| panic!("no OPPO vector for {name}"))
    };
    let from = oppo("`from`");
    assert_eq!(from.reported.len(), 1);
    assert_eq!(from.reported[0].via, "intent_extras");
    assert_eq!(
        serde_json::from_str::<Value>(&from.reported[0].value).unwrap(),
        serde_json::json!({"action": "jump to denny", "from": "denny"})
    );
    let ext = oppo("`ext`");
    assert_eq!(ext.reported.len(), 1);
    assert_eq!(ext.reported[0].via, "intent_extras");
    assert_eq!(
        serde_json::from_str::<Value>(&ext.reported[0].value).unwrap(),
        serde_json::json!({"ext": "{\"k\":\"v\"}", "action": "jump to denny"})
    );
}
