//! How the vivo endpoint reads a message (`/message/send`, the group
//! payload, the push to all): field types as vivo's Java binding reads
//! them, lengths, the click, classification and the custom map.

use serde_json::{Map, Value};

use super::{codes, VivoError};

/// Categories of system messages (classification 1) and of operational ones
/// (classification 0), per vivo's classification doc.
pub(super) const SYSTEM_CATEGORIES: &[&str] = &[
    "IM",
    "ACCOUNT",
    "TODO",
    "DEVICE_REMINDER",
    "ORDER",
    "SUBSCRIPTION",
];
/// vivo's title limit, in characters.
pub const TITLE_MAX: usize = 40;
/// vivo's content limit, in characters.
pub const CONTENT_MAX: usize = 100;

pub(super) const OPERATIONAL_CATEGORIES: &[&str] = &["NEWS", "CONTENT", "MARKETING", "SOCIAL"];

/// `skipType` with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Skip {
    /// 1: open the app's home.
    App,
    /// 2: a web page.
    Url(String),
    /// 3: custom; the SDK callback decides (unsupported from SDK 480 on).
    Custom(String),
    /// 4: an in-app page by intent URI.
    Page(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Message {
    pub(super) target: String,
    pub(super) title: String,
    pub(super) content: String,
    pub(super) skip: Skip,
    pub(super) custom: Vec<(String, String)>,
    /// Classification 1.
    pub(super) system: bool,
    pub(super) notify_id: Option<i32>,
}

/// Reads fields leniently, as vivo's Java JSON binding does (a number where
/// a string is expected and a numeric string where a number is expected
/// are both accepted).
pub(super) struct Fields<'a>(pub(super) &'a Map<String, Value>);

impl Fields<'_> {
    pub(super) fn string(&self, key: &str, code: i64) -> Result<Option<String>, VivoError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
            Some(v @ Value::Number(_)) => Ok(Some(v.to_string())),
            Some(_) => Err(VivoError::with(code, format!("{key} must be a string"))),
        }
    }

    pub(super) fn int(&self, key: &str, code: i64) -> Result<Option<i64>, VivoError> {
        let bad = || VivoError::with(code, format!("{key} must be an integer"));
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Validates a `/message/send` body (after appId and auth).
pub(super) fn parse_message(obj: &Map<String, Value>) -> Result<Message, VivoError> {
    let f = Fields(obj);
    // regId wins over alias.
    let target = match f.string("regId", codes::BODY_INVALID)? {
        Some(r) => r,
        None => f
            .string("alias", codes::BODY_INVALID)?
            .ok_or_else(|| VivoError::new(codes::MISSING_TARGET))?,
    };
    parse_payload(obj, target)
}

/// Validates the notification fields shared by single, group and full
/// pushes; `target` is empty for saved group payloads. Field by field in
/// vivo's order: type, text, click, delivery options, classification,
/// custom map, request id.
pub(super) fn parse_payload(
    obj: &Map<String, Value>,
    target: String,
) -> Result<Message, VivoError> {
    let f = Fields(obj);
    check_notify_type(&f)?;
    let (title, content) = read_text(&f)?;
    let skip = read_skip(&f)?;
    check_delivery_options(&f)?;
    let system = read_system(&f)?;
    let custom = read_custom_map(obj)?;
    check_request_id(&f)?;
    let notify_id = f
        .int("notifyId", codes::BODY_INVALID)?
        .and_then(|n| i32::try_from(n).ok())
        .filter(|n| *n >= 1);
    Ok(Message {
        target,
        title,
        content,
        skip,
        custom,
        system,
        notify_id,
    })
}

/// `notifyType` 1 to 4 (sound, vibration, both, none), required.
fn check_notify_type(f: &Fields<'_>) -> Result<(), VivoError> {
    match f.int("notifyType", codes::NOTIFY_TYPE_INVALID)? {
        Some(1..=4) => Ok(()),
        Some(n) => Err(VivoError::with(codes::NOTIFY_TYPE_INVALID, n)),
        None => Err(VivoError::with(
            codes::NOTIFY_TYPE_INVALID,
            "notifyType is required",
        )),
    }
}

/// Title and content, required and within their limits.
fn read_text(f: &Fields<'_>) -> Result<(String, String), VivoError> {
    let title = f
        .string("title", codes::TITLE_EMPTY)?
        .ok_or_else(|| VivoError::new(codes::TITLE_EMPTY))?;
    if chars(&title) > TITLE_MAX {
        return Err(VivoError::with(
            codes::TITLE_TOO_LONG,
            "at most 40 characters",
        ));
    }
    let content = f
        .string("content", codes::CONTENT_EMPTY)?
        .ok_or_else(|| VivoError::new(codes::CONTENT_EMPTY))?;
    if chars(&content) > CONTENT_MAX {
        return Err(VivoError::with(
            codes::CONTENT_TOO_LONG,
            "at most 100 characters",
        ));
    }
    Ok((title, content))
}

/// `skipType` with the `skipContent` it needs.
fn read_skip(f: &Fields<'_>) -> Result<Skip, VivoError> {
    let skip_content = f.string("skipContent", codes::SKIP_CONTENT_INVALID)?;
    if let Some(c) = &skip_content {
        if chars(c) > 1024 {
            return Err(VivoError::with(
                codes::SKIP_CONTENT_INVALID,
                "at most 1024 characters",
            ));
        }
    }
    let need = |c: Option<String>| {
        c.ok_or_else(|| VivoError::with(codes::SKIP_CONTENT_INVALID, "skipContent is required"))
    };
    match f.int("skipType", codes::SKIP_TYPE_INVALID)? {
        Some(1) => Ok(Skip::App),
        Some(2) => {
            let url = need(skip_content)?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                let mut e = VivoError::with(
                    codes::SKIP_CONTENT_INVALID,
                    "a URL starting with http:// or https://",
                );
                e.meaning = Some(crate::diagnosis::Diagnosis::VendorUrlSchemeUnsupported);
                return Err(e);
            }
            Ok(Skip::Url(url))
        }
        Some(3) => Ok(Skip::Custom(skip_content.unwrap_or_default())),
        Some(4) => Ok(Skip::Page(need(skip_content)?)),
        Some(n) => Err(VivoError::with(codes::SKIP_TYPE_INVALID, n)),
        None => Err(VivoError::with(
            codes::SKIP_TYPE_INVALID,
            "skipType is required",
        )),
    }
}

/// `timeToLive`, `networkType` and `pushMode`: checked, not simulated.
fn check_delivery_options(f: &Fields<'_>) -> Result<(), VivoError> {
    if let Some(ttl) = f.int("timeToLive", codes::TIME_TO_LIVE_INVALID)? {
        // At least 60 s; at most one day (MODOOD; the older doc allowed 7).
        if !(60..=86_400).contains(&ttl) {
            return Err(VivoError::with(
                codes::TIME_TO_LIVE_INVALID,
                "60..86400 seconds",
            ));
        }
    }
    if let Some(nt) = f.int("networkType", codes::NETWORK_TYPE_INVALID)? {
        if nt != -1 && nt != 1 {
            return Err(VivoError::with(codes::NETWORK_TYPE_INVALID, nt));
        }
    }
    if let Some(pm) = f.int("pushMode", codes::PUSH_MODE_INVALID)? {
        if pm != 0 && pm != 1 {
            return Err(VivoError::with(codes::PUSH_MODE_INVALID, pm));
        }
    }
    Ok(())
}

/// Whether the message is a system one (classification 1), from
/// `classification` and `category`, which must agree.
fn read_system(f: &Fields<'_>) -> Result<bool, VivoError> {
    let classification = f.int("classification", codes::CLASSIFICATION_INVALID)?;
    if let Some(c) = classification {
        if c != 0 && c != 1 {
            return Err(VivoError::with(codes::CLASSIFICATION_INVALID, c));
        }
    }
    let Some(cat) = f.string("category", codes::CATEGORY_MISMATCH)? else {
        return Ok(classification == Some(1));
    };
    let cat_system = if SYSTEM_CATEGORIES.contains(&cat.as_str()) {
        true
    } else if OPERATIONAL_CATEGORIES.contains(&cat.as_str()) {
        false
    } else {
        return Err(VivoError::with(
            codes::CATEGORY_MISMATCH,
            format!("unknown category {cat}"),
        ));
    };
    if classification.is_some_and(|c| (c == 1) != cat_system) {
        return Err(VivoError::new(codes::CATEGORY_MISMATCH));
    }
    Ok(cat_system)
}

/// `clientCustomMap`: string values, at most 1024 characters in all.
fn read_custom_map(obj: &Map<String, Value>) -> Result<Vec<(String, String)>, VivoError> {
    let m = match obj.get("clientCustomMap") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(VivoError::with(
                codes::CLIENT_CUSTOM_MAP_INVALID,
                "must be a map of strings",
            ))
        }
    };
    let mut pairs = Vec::with_capacity(m.len());
    let mut total = 0;
    for (k, v) in m {
        let Value::String(v) = v else {
            return Err(VivoError::with(
                codes::CLIENT_CUSTOM_MAP_INVALID,
                "values must be strings",
            ));
        };
        total += chars(k) + chars(v);
        pairs.push((k.clone(), v.clone()));
    }
    if total > 1024 {
        return Err(VivoError::with(
            codes::CLIENT_CUSTOM_MAP_INVALID,
            "keys and values exceed 1024 characters",
        ));
    }
    Ok(pairs)
}

/// requestId is in every documented example; vivo uses it to
/// deduplicate, so a send without one is refused (UNCONFIRMED).
fn check_request_id(f: &Fields<'_>) -> Result<(), VivoError> {
    let request_id = f
        .string("requestId", codes::REQUEST_ID_INVALID)?
        .ok_or_else(|| VivoError::with(codes::REQUEST_ID_INVALID, "requestId is required"))?;
    if chars(&request_id) > 64 {
        return Err(VivoError::with(
            codes::REQUEST_ID_INVALID,
            "at most 64 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Map<String, Value> {
        json!({"regId": "12345678901234567890123", "notifyType": "4", "title": "t",
            "content": "c", "skipType": 1, "requestId": "r-1"})
        .as_object()
        .unwrap()
        .clone()
    }

    fn with(key: &str, v: Value) -> Result<Message, VivoError> {
        let mut m = base();
        m.insert(key.into(), v);
        parse_message(&m)
    }

    #[test]
    fn category_and_classification_must_agree() {
        assert!(with("category", json!("IM")).unwrap().system);
        let mut m = base();
        m.insert("category".into(), json!("MARKETING"));
        m.insert("classification".into(), json!(1));
        assert_eq!(
            parse_message(&m).unwrap_err().code,
            codes::CATEGORY_MISMATCH
        );
    }

    #[test]
    fn the_custom_map_takes_strings_only() {
        let m = with("clientCustomMap", json!({"ext": "x"})).unwrap();
        assert_eq!(m.custom, vec![("ext".to_string(), "x".to_string())]);
        let e = with("clientCustomMap", json!({"n": 1})).unwrap_err();
        assert_eq!(e.code, codes::CLIENT_CUSTOM_MAP_INVALID);
    }

    #[test]
    fn a_web_page_skip_needs_an_http_url() {
        let mut m = base();
        m.insert("skipType".into(), json!(2));
        m.insert("skipContent".into(), json!("ftp://x"));
        assert_eq!(
            parse_message(&m).unwrap_err().code,
            codes::SKIP_CONTENT_INVALID
        );
        m.insert("skipContent".into(), json!("https://x"));
        assert_eq!(
            parse_message(&m).unwrap().skip,
            Skip::Url("https://x".into())
        );
    }
}
