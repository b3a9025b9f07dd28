//! How the OPPO endpoint reads a notification (`unicast`'s `notification`,
//! `save_message_content`'s form): field types as OPPO's Java binding reads
//! them, lengths, the click, `action_parameters` and the classification.

use serde_json::{Map, Value};

use super::{codes, OppoError, CONTENT_MAX, TITLE_MAX};

/// Whether `s` starts with a URI scheme (`intent:`, `pushscheme://`...):
/// a letter, then letters, digits, `+`, `-` or `.`, then `:`.
fn has_uri_scheme(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `action_parameters` as sent (raw text) and as read (a JSON object).
pub(super) type ActionParameters = (String, Map<String, Value>);

/// `click_action_type` with its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum OppoClick {
    /// 0: launch the app.
    LaunchApp,
    /// 1: an in-app page by intent action.
    Action(String),
    /// 2: a web page.
    Url(String),
    /// 4: an in-app page by activity class name.
    Activity(String),
    /// 5: an intent-scheme URL.
    IntentScheme(String),
}

/// Communication & service categories: not capped by the daily quota.
const COMMUNICATION_CATEGORIES: &[&str] = &[
    "IM",
    "ACCOUNT",
    "DEVICE_REMINDER",
    "ORDER",
    "TODO",
    "SUBSCRIPTION",
];
/// Content & marketing categories.
const CONTENT_CATEGORIES: &[&str] = &["NEWS", "CONTENT", "MARKETING", "SOCIAL"];

/// A validated notification.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Notification {
    pub(super) title: String,
    pub(super) content: String,
    pub(super) click: OppoClick,
    /// The raw `action_parameters` and its parsed object.
    pub(super) action_parameters: Option<ActionParameters>,
    pub(super) channel_id: Option<String>,
    pub(super) category: Option<String>,
    pub(super) notify_id: Option<i32>,
}

impl Notification {
    /// Content & marketing (capped) rather than communication & service.
    pub(super) fn is_public(&self) -> bool {
        !self
            .category
            .as_deref()
            .is_some_and(|c| COMMUNICATION_CATEGORIES.contains(&c))
    }
}

/// Reads notification fields from a JSON object. Integer fields are read
/// leniently (a number or a numeric string), as OPPO's Java JSON binding
/// does; form fields of `save_message_content` arrive as strings anyway.
pub(super) struct Fields<'a>(pub(super) &'a Map<String, Value>);

impl Fields<'_> {
    pub(super) fn string(&self, key: &str) -> Result<Option<String>, OppoError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
            Some(_) => Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                format!("{key} must be a string"),
            )),
        }
    }

    pub(super) fn non_empty(&self, key: &str) -> Result<Option<String>, OppoError> {
        Ok(self.string(key)?.filter(|s| !s.is_empty()))
    }

    pub(super) fn int(&self, key: &str) -> Result<Option<i64>, OppoError> {
        let bad = || OppoError::with(codes::INVALID_ARGUMENT, format!("{key} must be an integer"));
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }
}

fn check_len(key: &str, value: &str, max: usize) -> Result<(), OppoError> {
    let n = value.chars().count();
    if n > max {
        return Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            format!("{key} length {n} exceeds {max}"),
        ));
    }
    Ok(())
}

/// Validates notification fields as OPPO does (docs/vendors/oppo.md): the text,
/// the click, `action_parameters`, the classification, then the delivery
/// options.
pub(super) fn parse_notification(obj: &Map<String, Value>) -> Result<Notification, OppoError> {
    let f = Fields(obj);
    let (title, content) = read_text(&f)?;
    let click = read_click(&f)?;
    let action_parameters = read_action_parameters(obj)?;
    let channel_id = f.non_empty("channel_id")?;
    let category = read_classification(&f)?;
    check_delivery_options(&f)?;
    let notify_id = f.int("notify_id")?.and_then(|n| i32::try_from(n).ok());
    Ok(Notification {
        title,
        content,
        click,
        action_parameters,
        channel_id,
        category,
        notify_id,
    })
}

/// Title, sub-title and content within their limits (the content's depends
/// on the style).
fn read_text(f: &Fields<'_>) -> Result<(String, String), OppoError> {
    let title = f
        .non_empty("title")?
        .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "title"))?;
    check_len("title", &title, TITLE_MAX)?;
    if let Some(sub) = f.string("sub_title")? {
        check_len("sub_title", &sub, 10)?;
    }
    let content = f
        .non_empty("content")?
        .ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, "content"))?;
    let style = f.int("style")?.unwrap_or(1);
    let content_max = match style {
        1 | 3 => CONTENT_MAX,
        2 => 128,
        _ => {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                format!("style {style} is not 1, 2 or 3"),
            ))
        }
    };
    check_len("content", &content, content_max)?;
    Ok((title, content))
}

/// `click_action_type` and the activity or URL it needs.
fn read_click(f: &Fields<'_>) -> Result<OppoClick, OppoError> {
    let activity = f.non_empty("click_action_activity")?;
    let url = f.non_empty("click_action_url")?;
    let need = |v: Option<String>, key: &str, max: usize| -> Result<String, OppoError> {
        let v = v.ok_or_else(|| OppoError::with(codes::MISSING_ARGUMENT, key))?;
        check_len(key, &v, max)?;
        Ok(v)
    };
    Ok(match f.int("click_action_type")?.unwrap_or(0) {
        0 => OppoClick::LaunchApp,
        1 => OppoClick::Action(need(activity, "click_action_activity", 500)?),
        4 => OppoClick::Activity(need(activity, "click_action_activity", 500)?),
        2 => {
            let url = need(url, "click_action_url", 2000)?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(OppoError::with(
                    codes::INVALID_ARGUMENT,
                    "click_action_url must start with http:// or https:// for type 2",
                )
                .meaning(crate::diagnosis::Diagnosis::VendorUrlSchemeUnsupported));
            }
            OppoClick::Url(url)
        }
        5 => {
            let url = need(url, "click_action_url", 2000)?;
            if !has_uri_scheme(&url) {
                return Err(OppoError::with(
                    codes::INVALID_ARGUMENT,
                    "click_action_url must be an intent scheme URL for type 5",
                ));
            }
            OppoClick::IntentScheme(url)
        }
        other => {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                format!("click_action_type {other} is not 0, 1, 2, 4 or 5"),
            ))
        }
    })
}

/// `action_parameters`: a JSON object string, kept raw and parsed.
fn read_action_parameters(obj: &Map<String, Value>) -> Result<Option<ActionParameters>, OppoError> {
    match obj.get("action_parameters") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(parse_action_parameters(s)?)),
        // A JSON object where a string is expected: OPPO's binding turns it
        // into its text, which is a JSON object.
        Some(Value::Object(m)) => Ok(Some((Value::Object(m.clone()).to_string(), m.clone()))),
        Some(_) => Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            "action_parameters is not JSON: expected a JSON object string",
        )),
    }
}

/// `category` and `notify_level` (which needs a category).
fn read_classification(f: &Fields<'_>) -> Result<Option<String>, OppoError> {
    let category = f.non_empty("category")?;
    if let Some(c) = &category {
        if !COMMUNICATION_CATEGORIES.contains(&c.as_str())
            && !CONTENT_CATEGORIES.contains(&c.as_str())
        {
            return Err(OppoError::with(
                codes::CATEGORY_INVALID,
                format!("unknown category {c}"),
            ));
        }
    }
    if let Some(level) = f.int("notify_level")? {
        if ![1, 2, 16].contains(&level) {
            return Err(OppoError::with(
                codes::CATEGORY_INVALID,
                format!("notify_level {level} is not 1, 2 or 16"),
            ));
        }
        if category.is_none() {
            return Err(OppoError::with(
                codes::CATEGORY_INVALID,
                "notify_level requires category",
            ));
        }
    }
    Ok(category)
}

/// `off_line_ttl` and `network_type`, checked but not simulated.
fn check_delivery_options(f: &Fields<'_>) -> Result<(), OppoError> {
    if let Some(ttl) = f.int("off_line_ttl")? {
        if !(0..=864_000).contains(&ttl) {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                "off_line_ttl must be 0..864000 seconds",
            ));
        }
    }
    if let Some(nt) = f.int("network_type")? {
        if nt != 0 && nt != 1 {
            return Err(OppoError::with(
                codes::INVALID_ARGUMENT,
                "network_type must be 0 or 1",
            ));
        }
    }
    Ok(())
}

/// `action_parameters` must be a JSON object string of at most 4000 chars.
fn parse_action_parameters(s: &str) -> Result<ActionParameters, OppoError> {
    check_len("action_parameters", s, 4000)?;
    match serde_json::from_str::<Value>(s) {
        Ok(Value::Object(m)) => Ok((s.to_string(), m)),
        _ => Err(OppoError::with(
            codes::INVALID_ARGUMENT,
            "action_parameters is not JSON: expected a JSON object string",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Notification, OppoError> {
        parse_notification(v.as_object().unwrap())
    }

    #[test]
    fn integer_fields_may_be_numbers_or_numeric_strings() {
        let n = parse(
            json!({"title": "t", "content": "c", "click_action_type": "4",
            "click_action_activity": "com.example.Chat", "notify_id": 7}),
        )
        .unwrap();
        assert_eq!(n.click, OppoClick::Activity("com.example.Chat".into()));
        assert_eq!(n.notify_id, Some(7));
        let e = parse(json!({"title": "t", "content": "c", "style": "x"})).unwrap_err();
        assert_eq!(e.code, codes::INVALID_ARGUMENT);
    }

    #[test]
    fn action_parameters_must_be_a_json_object() {
        let e =
            parse(json!({"title": "t", "content": "c", "action_parameters": "[1]"})).unwrap_err();
        assert!(e.message.contains("action_parameters"), "{}", e.message);
        let n =
            parse(json!({"title": "t", "content": "c", "action_parameters": {"k": "v"}})).unwrap();
        assert_eq!(n.action_parameters.unwrap().0, r#"{"k":"v"}"#);
    }

    #[test]
    fn a_notify_level_needs_a_known_category() {
        let e = parse(json!({"title": "t", "content": "c", "notify_level": 2})).unwrap_err();
        assert_eq!(e.code, codes::CATEGORY_INVALID);
        let n = parse(json!({"title": "t", "content": "c", "notify_level": 2, "category": "IM"}))
            .unwrap();
        assert!(!n.is_public());
    }
}
