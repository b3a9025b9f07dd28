//! What the simulated HMS send endpoint checks in a v1 message, in HMS's
//! order, and what an accepted message says: its targets, notification,
//! click and data.

use serde_json::Value;

use super::{codes, CATEGORIES, MAX_BODY_BYTES, MAX_TOKENS};

/// An HMS refusal: its code and the reason logged and journaled.
#[derive(Debug)]
pub(super) struct HwError {
    pub(super) code: &'static str,
    pub(super) reason: String,
    /// What the refusal means when HMS's code alone says less (an
    /// "Illegal payload" that is HMS's HTTPS rule); else the code's.
    pub(super) diagnosis: Option<crate::diagnosis::Diagnosis>,
}

pub(super) fn err(code: &'static str, reason: impl Into<String>) -> HwError {
    HwError {
        code,
        reason: reason.into(),
        diagnosis: None,
    }
}

impl HwError {
    /// The same refusal, journaled as `d`.
    pub(super) fn meaning(mut self, d: crate::diagnosis::Diagnosis) -> HwError {
        self.diagnosis = Some(d);
        self
    }
}

/// Where a tap goes, as the request says.
pub(super) enum Click {
    Intent(String),
    Action(String),
    Url(String),
    App,
}

pub(super) struct Notification {
    pub(super) title: String,
    pub(super) body: String,
    pub(super) channel_id: Option<String>,
    pub(super) notify_id: Option<i32>,
    pub(super) badge_class: Option<String>,
    /// `badge.add_num` and `badge.set_num` (checked to be in range).
    pub(super) badge_add_num: Option<u32>,
    pub(super) badge_set_num: Option<u32>,
    pub(super) click: Click,
}

/// A validated send.
pub(super) struct Validated {
    pub(super) tokens: Vec<String>,
    pub(super) validate_only: bool,
    pub(super) notification: Option<Notification>,
    pub(super) data: Option<String>,
    pub(super) category: Option<String>,
}

fn opt_str<'a>(v: &'a Value, key: &str) -> Result<Option<&'a str>, HwError> {
    match &v[key] {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(err(
            codes::ILLEGAL_PAYLOAD,
            format!("{key} must be a string"),
        )),
    }
}

fn opt_int(v: &Value, key: &str) -> Result<Option<i64>, HwError> {
    match &v[key] {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| err(codes::ILLEGAL_PAYLOAD, format!("{key} must be an integer"))),
        _ => Err(err(
            codes::ILLEGAL_PAYLOAD,
            format!("{key} must be an integer"),
        )),
    }
}

/// `\d+|\d+[sS]|\d+.\d{1,9}|\d+.\d{1,9}[sS]` (the demos' duration check).
fn is_duration(s: &str) -> bool {
    let s = s.strip_suffix(['s', 'S']).unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()))
}

fn is_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn validate_click(n: &Value) -> Result<Click, HwError> {
    let ca = &n["click_action"];
    if !ca.is_object() {
        return Err(err(codes::PARAMETER_ERROR, "click_action is required"));
    }
    match opt_int(ca, "type")? {
        Some(1) => {
            let intent = opt_str(ca, "intent")?.filter(|s| !s.is_empty());
            let action = opt_str(ca, "action")?.filter(|s| !s.is_empty());
            // When both are present, intent wins (HMS-CLICK).
            match (intent, action) {
                (Some(i), _) => Ok(Click::Intent(i.to_string())),
                (None, Some(a)) => Ok(Click::Action(a.to_string())),
                (None, None) => Err(err(
                    codes::PARAMETER_ERROR,
                    "click_action type 1 needs intent or action",
                )),
            }
        }
        Some(2) => match opt_str(ca, "url")? {
            Some(u) if u.starts_with("https://") => Ok(Click::Url(u.to_string())),
            // HMS takes only HTTPS pages (HMS-CLICK); it refuses the
            // payload, which the IM console does not check (seed 000
            // "Huawei Push" › "Open webpage" allows http://).
            Some(u) => Err(err(
                codes::ILLEGAL_PAYLOAD,
                format!("click_action.url must start with https://, got {u}"),
            )
            .meaning(crate::diagnosis::Diagnosis::HuaweiHttpsRequired)),
            None => Err(err(codes::PARAMETER_ERROR, "click_action type 2 needs url")),
        },
        Some(3) => Ok(Click::App),
        _ => Err(err(
            codes::PARAMETER_ERROR,
            "click_action type must be 1, 2 or 3",
        )),
    }
}

fn validate_android_notification(n: &Value) -> Result<Click, HwError> {
    if !n.is_object() {
        return Err(err(
            codes::ILLEGAL_PAYLOAD,
            "android.notification must be an object",
        ));
    }
    let click = validate_click(n)?;
    opt_str(n, "title")?;
    opt_str(n, "body")?;
    opt_str(n, "channel_id")?;
    check_appearance(n)?;
    check_style(n)?;
    check_extras_of_notification(n)?;
    check_badge(&n["badge"])?;
    Ok(click)
}

/// Importance, colour and sound.
fn check_appearance(n: &Value) -> Result<(), HwError> {
    if let Some(i) = opt_str(n, "importance")? {
        if !["LOW", "NORMAL", "HIGH"].contains(&i) {
            return Err(err(
                codes::PARAMETER_ERROR,
                "importance must be LOW, NORMAL or HIGH",
            ));
        }
    }
    if let Some(c) = opt_str(n, "color")? {
        if !is_color(c) {
            return Err(err(codes::PARAMETER_ERROR, "color must be #RRGGBB"));
        }
    }
    if n["default_sound"] == Value::Bool(false) && opt_str(n, "sound")?.is_none_or(str::is_empty) {
        return Err(err(
            codes::PARAMETER_ERROR,
            "sound is required when default_sound is false",
        ));
    }
    Ok(())
}

/// The style and what style 1 (big text) needs.
fn check_style(n: &Value) -> Result<(), HwError> {
    match opt_int(n, "style")? {
        None | Some(0) | Some(3) => Ok(()),
        Some(1) => {
            if opt_str(n, "big_title")?.is_none_or(str::is_empty)
                || opt_str(n, "big_body")?.is_none_or(str::is_empty)
            {
                return Err(err(
                    codes::PARAMETER_ERROR,
                    "style 1 needs big_title and big_body",
                ));
            }
            Ok(())
        }
        Some(_) => Err(err(codes::PARAMETER_ERROR, "style must be 0, 1 or 3")),
    }
}

/// Vibration, image, visibility and notify id.
fn check_extras_of_notification(n: &Value) -> Result<(), HwError> {
    match &n["vibrate_config"] {
        Value::Null => {}
        Value::Array(a) if a.len() <= 10 => {}
        Value::Array(_) => {
            return Err(err(
                codes::PARAMETER_ERROR,
                "vibrate_config holds at most 10 entries",
            ))
        }
        _ => {
            return Err(err(
                codes::ILLEGAL_PAYLOAD,
                "vibrate_config must be an array",
            ))
        }
    }
    if let Some(img) = opt_str(n, "image")? {
        if !img.starts_with("https://") {
            return Err(err(codes::PARAMETER_ERROR, "image must be an https url"));
        }
    }
    if let Some(v) = opt_str(n, "visibility")? {
        if !["VISIBILITY_UNSPECIFIED", "PRIVATE", "PUBLIC", "SECRET"].contains(&v) {
            return Err(err(codes::PARAMETER_ERROR, "invalid visibility"));
        }
    }
    if let Some(id) = opt_int(n, "notify_id")? {
        if i32::try_from(id).is_err() {
            return Err(err(codes::PARAMETER_ERROR, "notify_id is out of range"));
        }
    }
    Ok(())
}

fn check_badge(badge: &Value) -> Result<(), HwError> {
    if badge.is_null() {
        return Ok(());
    }
    if !badge.is_object() {
        return Err(err(codes::ILLEGAL_PAYLOAD, "badge must be an object"));
    }
    if opt_int(badge, "add_num")?.is_some_and(|a| !(1..=99).contains(&a)) {
        return Err(err(
            codes::PARAMETER_ERROR,
            "badge add_num must be in [1, 99]",
        ));
    }
    if opt_int(badge, "set_num")?.is_some_and(|a| !(0..=99).contains(&a)) {
        return Err(err(
            codes::PARAMETER_ERROR,
            "badge set_num must be in [0, 99]",
        ));
    }
    opt_str(badge, "class")?;
    Ok(())
}

/// Checks a send body as HMS does, in HMS's order: the envelope, the
/// targets, the size, the top-level notification, the android fields and
/// the android notification.
pub(super) fn validate(body: &Value, raw_len: usize) -> Result<Validated, HwError> {
    if !body.is_object() {
        return Err(err(
            codes::ILLEGAL_PAYLOAD,
            "the body must be a JSON object",
        ));
    }
    let validate_only = match &body["validate_only"] {
        Value::Null => false,
        Value::Bool(b) => *b,
        _ => {
            return Err(err(
                codes::ILLEGAL_PAYLOAD,
                "validate_only must be a boolean",
            ))
        }
    };
    let m = &body["message"];
    let tokens = targets(m)?;
    // Size without the tokens (each counted with its quotes and comma).
    let token_bytes: usize = tokens.iter().map(|t| t.len() + 3).sum();
    if raw_len.saturating_sub(token_bytes) > MAX_BODY_BYTES {
        return Err(err(
            codes::BODY_TOO_LARGE,
            "the message body exceeds 4096 bytes",
        ));
    }
    let data = opt_str(m, "data")?;
    let top_notification = &m["notification"];
    check_top_notification(top_notification)?;
    let a = &m["android"];
    let category = check_android(a)?;
    let android_data = opt_str(a, "data")?;
    let notification = notification(&a["notification"], top_notification)?;
    Ok(Validated {
        tokens,
        validate_only,
        notification,
        data: android_data.or(data).map(str::to_string),
        category: category.map(str::to_string),
    })
}

/// The message's tokens: exactly one of token, topic and condition, and
/// between 1 and [`MAX_TOKENS`] tokens.
fn targets(m: &Value) -> Result<Vec<String>, HwError> {
    // A missing (or misspelt) `message` leaves no token: 80300010.
    if !m.is_null() && !m.is_object() {
        return Err(err(codes::ILLEGAL_PAYLOAD, "message must be an object"));
    }
    let tokens: Vec<String> = match &m["token"] {
        Value::Null => vec![],
        Value::Array(a) => a
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| err(codes::ILLEGAL_PAYLOAD, "token must be an array of strings"))
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(err(
                codes::ILLEGAL_PAYLOAD,
                "token must be an array of strings",
            ))
        }
    };
    let has_topic = !m["topic"].is_null();
    let has_condition = !m["condition"].is_null();
    let targets =
        usize::from(!tokens.is_empty()) + usize::from(has_topic) + usize::from(has_condition);
    if targets > 1 {
        return Err(err(
            codes::PARAMETER_ERROR,
            "exactly one of token, topic and condition",
        ));
    }
    if !has_topic && !has_condition && (tokens.is_empty() || tokens.len() > MAX_TOKENS) {
        return Err(err(
            codes::TOKEN_COUNT,
            format!("between 1 and {MAX_TOKENS} tokens are allowed"),
        ));
    }
    Ok(tokens)
}

fn check_top_notification(top: &Value) -> Result<(), HwError> {
    if top.is_null() {
        return Ok(());
    }
    if !top.is_object() {
        return Err(err(
            codes::ILLEGAL_PAYLOAD,
            "notification must be an object",
        ));
    }
    opt_str(top, "title")?;
    opt_str(top, "body")?;
    if opt_str(top, "image")?.is_some_and(|i| !i.starts_with("https://")) {
        return Err(err(codes::PARAMETER_ERROR, "image must be an https url"));
    }
    Ok(())
}

/// The android fields HMS checks; the category, when given.
fn check_android(a: &Value) -> Result<Option<&str>, HwError> {
    if !a.is_null() && !a.is_object() {
        return Err(err(codes::ILLEGAL_PAYLOAD, "android must be an object"));
    }
    if let Some(k) = opt_int(a, "collapse_key")? {
        if !(-1..=100).contains(&k) {
            return Err(err(
                codes::BAD_COLLAPSE_KEY,
                "collapse_key must be in [-1, 100]",
            ));
        }
    }
    if let Some(u) = opt_str(a, "urgency")? {
        if u != "HIGH" && u != "NORMAL" {
            return Err(err(
                codes::PARAMETER_ERROR,
                "urgency must be HIGH or NORMAL",
            ));
        }
    }
    let category = opt_str(a, "category")?;
    if let Some(c) = category {
        if !CATEGORIES.contains(&c) {
            return Err(err(codes::PARAMETER_ERROR, format!("unknown category {c}")));
        }
    }
    if let Some(ttl) = opt_str(a, "ttl")? {
        if !is_duration(ttl) {
            return Err(err(
                codes::PARAMETER_ERROR,
                "ttl must be a duration such as 86400s",
            ));
        }
    }
    if opt_int(a, "fast_app_target")?.is_some_and(|t| t != 1 && t != 2) {
        return Err(err(
            codes::PARAMETER_ERROR,
            "fast_app_target must be 1 or 2",
        ));
    }
    if opt_int(a, "target_user_type")?.is_some_and(|t| t != 0 && t != 1) {
        return Err(err(
            codes::PARAMETER_ERROR,
            "target_user_type must be 0 or 1",
        ));
    }
    Ok(category)
}

/// The notification to show, if any: the android notification's fields
/// over the top-level ones; without `android.notification` the tap opens
/// the app.
fn notification(an: &Value, top_notification: &Value) -> Result<Option<Notification>, HwError> {
    let click = if an.is_null() {
        None
    } else {
        Some(validate_android_notification(an)?)
    };
    if click.is_none() && top_notification.is_null() {
        return Ok(None);
    }
    let pick = |k: &str| {
        an[k]
            .as_str()
            .or(top_notification[k].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let (title, text) = (pick("title"), pick("body"));
    if title.is_empty() && text.is_empty() {
        return Err(err(
            codes::PARAMETER_ERROR,
            "a notification needs a title or a body",
        ));
    }
    Ok(Some(Notification {
        title,
        body: text,
        channel_id: an["channel_id"].as_str().map(str::to_string),
        notify_id: an["notify_id"].as_i64().and_then(|n| i32::try_from(n).ok()),
        badge_class: an["badge"]["class"].as_str().map(str::to_string),
        badge_add_num: an["badge"]["add_num"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok()),
        badge_set_num: an["badge"]["set_num"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok()),
        click: click.unwrap_or(Click::App),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(body: Value) -> Result<Validated, HwError> {
        let raw = body.to_string().len();
        validate(&body, raw)
    }

    #[test]
    fn a_message_without_tokens_is_refused_with_the_token_count_code() {
        let e = check(json!({"message": {"android": {}}})).err().unwrap();
        assert_eq!(e.code, codes::TOKEN_COUNT);
    }

    #[test]
    fn click_type_1_needs_an_intent_or_an_action() {
        let n = json!({"title": "t", "click_action": {"type": 1}});
        let body = json!({"message": {"token": ["x"], "android": {"notification": n}}});
        let e = check(body).err().unwrap();
        assert_eq!(e.code, codes::PARAMETER_ERROR);
        assert_eq!(e.reason, "click_action type 1 needs intent or action");
    }

    #[test]
    fn an_accepted_notification_without_click_opens_the_app() {
        let body = json!({"message": {"token": ["x"], "notification": {"title": "t"}}});
        let v = check(body).ok().unwrap();
        assert!(matches!(v.notification.unwrap().click, Click::App));
    }
}
