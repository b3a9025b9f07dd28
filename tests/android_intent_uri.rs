//! The intent-URI grammar against the shared vectors, plus round-trip and
//! robustness properties.

use proptest::prelude::*;
use pushlab::android::{
    ComponentName, ExtraValue, Intent, IntentUriError, LaunchFlags, Rect, UriFlags,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    format: String,
    valid: Vec<Valid>,
    invalid: Vec<Invalid>,
}

#[derive(Deserialize)]
struct Valid {
    name: String,
    uri: String,
    flags: u32,
    canonical: bool,
    intent: Intent,
}

#[derive(Deserialize)]
struct Invalid {
    name: String,
    uri: String,
    flags: u32,
    error: String,
}

fn vectors() -> Vectors {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/intent-uris.json");
    let text = std::fs::read_to_string(path).expect("fixtures/intent-uris.json is readable");
    serde_json::from_str(&text).expect("fixtures/intent-uris.json matches its documented shape")
}

/// Categories are a set: compare them sorted.
fn normalized(mut i: Intent) -> Intent {
    i.categories.sort();
    if let Some(sel) = i.selector.take() {
        i.selector = Some(Box::new(normalized(*sel)));
    }
    i
}

#[test]
fn every_valid_vector_parses_to_its_intent() {
    let v = vectors();
    assert!(!v.format.is_empty());
    assert!(v.valid.len() >= 20);
    for case in &v.valid {
        let parsed = Intent::parse_uri_with(&case.uri, UriFlags::from_bits(case.flags))
            .unwrap_or_else(|e| panic!("{}: {} failed: {e}", case.name, case.uri));
        assert_eq!(
            normalized(parsed.clone()),
            normalized(case.intent.clone()),
            "{}",
            case.name
        );
        if case.canonical {
            assert_eq!(parsed.to_uri(), case.uri, "{} writes back", case.name);
        }
    }
}

#[test]
fn every_invalid_vector_fails_with_its_error_kind() {
    for case in &vectors().invalid {
        match Intent::parse_uri_with(&case.uri, UriFlags::from_bits(case.flags)) {
            Ok(i) => panic!("{}: {} parsed as {i:?}", case.name, case.uri),
            Err(e) => assert_eq!(e.kind(), case.error, "{}: {e}", case.name),
        }
    }
}

#[test]
fn the_seed_guide_uri_opens_the_chat_activity() {
    let uri = "intent://com.tencent.qcloud.tim/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;component=com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity;end";
    let i = Intent::parse_uri(uri).unwrap();
    assert_eq!(
        i.data.as_deref(),
        Some("pushscheme://com.tencent.qcloud.tim/detail")
    );
    assert_eq!(i.scheme(), Some("pushscheme"));
    assert_eq!(
        i.component,
        Some(ComponentName::new(
            "com.tencent.qcloud.tim.tuikit",
            "com.tencent.qcloud.tim.demo.chat.ChatActivity"
        ))
    );
    assert!(i.launch_flags.contains(LaunchFlags::ACTIVITY_CLEAR_TOP));
}

#[test]
fn errors_name_what_is_wrong() {
    let e = Intent::parse_uri("intent:#Intent;launchFlags=nope;end").unwrap_err();
    assert_eq!(e, IntentUriError::BadLaunchFlags("nope".into()));
    assert!(e.to_string().contains("nope"));
}

// ---- properties --------------------------------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    // Any characters, including the grammar's own `;`, `=`, `#`, `%`, `/`.
    proptest::string::string_regex("[a-zA-Z0-9 ;=#%/:.+\\-_~'()*!é你]{1,12}").unwrap()
}

fn ident() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z][a-z0-9_]{0,6}(\\.[a-z][a-z0-9_]{0,6}){0,2}").unwrap()
}

fn extra_value() -> impl Strategy<Value = ExtraValue> {
    prop_oneof![
        text().prop_map(ExtraValue::String),
        any::<bool>().prop_map(ExtraValue::Boolean),
        any::<i8>().prop_map(ExtraValue::Byte),
        any::<char>().prop_map(ExtraValue::Char),
        (-1e300f64..1e300).prop_map(ExtraValue::Double),
        (-1e30f32..1e30).prop_map(ExtraValue::Float),
        any::<i32>().prop_map(ExtraValue::Int),
        any::<i64>().prop_map(ExtraValue::Long),
        any::<i16>().prop_map(ExtraValue::Short),
    ]
}

fn data() -> impl Strategy<Value = Option<String>> {
    // Data with a scheme (the writer moves it to `scheme=`); no `#`, which
    // would end the data part.
    proptest::option::of(
        ("[a-z][a-z0-9+.\\-]{0,6}", "[a-zA-Z0-9/?&=.:%_\\-]{0,16}")
            .prop_map(|(s, rest)| format!("{s}:{rest}")),
    )
}

prop_compose! {
    fn base_fields()(
        action in proptest::option::of(ident()),
        data in data(),
        categories in proptest::collection::vec(ident(), 0..3),
        mime in proptest::option::of("[a-z]{1,5}/[a-z*]{1,5}"),
        identifier in proptest::option::of(text()),
        flags in 0u32..0x8000_0000,
        component in proptest::option::of((ident(), ident())),
        bounds in proptest::option::of(any::<(i32, i32, i32, i32)>()),
        extras in proptest::collection::vec((text(), extra_value()), 0..4),
    ) -> Intent {
        let mut i = Intent {
            // parseUri starts from VIEW, and the writer omits VIEW.
            action: Some(action.unwrap_or_else(|| "android.intent.action.VIEW".into())),
            data,
            mime_type: mime,
            identifier,
            launch_flags: LaunchFlags(flags & !LaunchFlags::IMMUTABLE),
            component: component.map(|(p, c)| ComponentName::new(p, c)),
            source_bounds: bounds.map(|(l, t, r, b)| Rect::new(l, t, r, b)),
            ..Intent::default()
        };
        for c in categories { i.add_category(c); }
        for (k, v) in extras { i.extras.insert(k, v); }
        i
    }
}

prop_compose! {
    fn representable_intent()(
        mut base in base_fields(),
        package in proptest::option::of(ident()),
        selector in proptest::option::of((proptest::option::of(ident()), proptest::option::of("[a-z]{1,5}"), proptest::collection::vec(ident(), 0..2))),
    ) -> Intent {
        base.package = package;
        // A selector is kept only when the intent has no package; its data
        // travels as its scheme alone.
        if base.package.is_none() {
            if let Some((action, scheme, cats)) = selector {
                let mut sel = Intent { action, data: scheme.map(|s| format!("{s}:")), ..Intent::default() };
                for c in cats { sel.add_category(c); }
                base.selector = Some(Box::new(sel));
            }
        }
        // `intent:` with no items at all reads back as a VIEW of "intent:".
        if base.data.is_none() && base.to_uri() == "intent:" {
            base.categories.push("android.intent.category.DEFAULT".into());
        }
        base
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_of_write_is_identity(intent in representable_intent()) {
        let uri = intent.to_uri();
        let back = Intent::parse_uri(&uri).map_err(|e| TestCaseError::fail(format!("{uri}: {e}")))?;
        prop_assert_eq!(back, intent, "{}", uri);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,80}", flags in 0u32..8) {
        let _ = Intent::parse_uri_with(&s, UriFlags::from_bits(flags));
    }

    #[test]
    fn arbitrary_fragments_never_panic(items in "[a-zA-Z.;=%#()!0-9]{0,60}", flags in 0u32..8) {
        for prefix in ["intent:#Intent;", "android-app://p/s/h#Intent;", "http://x#", "http://x#action("] {
            let _ = Intent::parse_uri_with(&format!("{prefix}{items}"), UriFlags::from_bits(flags));
            let _ = Intent::parse_uri_with(&format!("{prefix}{items}end"), UriFlags::from_bits(flags));
        }
    }
}
