//! How the send API reads a `messages:send` body: known fields (snake_case
//! or lowerCamelCase), exactly one target, the notification and Android
//! parts, and the size limit, with Google's error for each refusal.

use serde_json::{Map, Value};

use super::error::ApiError;
use super::{MAX_MESSAGE_BYTES, MAX_TOPIC_MESSAGE_BYTES};

/// Field names of the v1 `Message` and its Android parts (snake_case; the
/// API accepts the lowerCamelCase forms too).
const MESSAGE_FIELDS: &[&str] = &[
    "name",
    "data",
    "notification",
    "android",
    "webpush",
    "apns",
    "fcm_options",
    "token",
    "fid",
    "topic",
    "condition",
];
const ANDROID_FIELDS: &[&str] = &[
    "collapse_key",
    "priority",
    "ttl",
    "restricted_package_name",
    "data",
    "notification",
    "fcm_options",
    "direct_boot_ok",
    "bandwidth_constrained_ok",
    "restricted_satellite_ok",
];
const ANDROID_NOTIFICATION_FIELDS: &[&str] = &[
    "title",
    "body",
    "icon",
    "color",
    "sound",
    "tag",
    "click_action",
    "body_loc_key",
    "body_loc_args",
    "title_loc_key",
    "title_loc_args",
    "channel_id",
    "ticker",
    "sticky",
    "event_time",
    "local_only",
    "notification_priority",
    "default_sound",
    "default_vibrate_timings",
    "default_light_settings",
    "vibrate_timings",
    "visibility",
    "notification_count",
    "light_settings",
    "image",
    "bypass_proxy_notification",
    "proxy",
];

fn snake(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 4);
    for ch in name.chars() {
        if ch.is_ascii_uppercase() {
            s.push('_');
            s.push(ch.to_ascii_lowercase());
        } else {
            s.push(ch);
        }
    }
    s
}

/// A field of an object under its snake_case or lowerCamelCase name.
fn get_field<'a>(obj: &'a Map<String, Value>, snake_name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| snake(k) == snake_name)
        .map(|(_, v)| v)
}

fn check_known(obj: &Map<String, Value>, known: &[&str], at: &str) -> Result<(), ApiError> {
    for k in obj.keys() {
        if !known.contains(&snake(k).as_str()) {
            return Err(ApiError::field(
                at,
                format!("Invalid JSON payload received. Unknown name \"{k}\" at '{at}': Cannot find field."),
            ));
        }
    }
    Ok(())
}

fn object_at<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match get_field(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(ApiError::field(
            at,
            format!("Invalid value at '{at}' (type.googleapis.com/google.firebase.fcm.v1.Message), expected an object"),
        )),
    }
}

fn string_map(
    obj: &Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let Some(map) = object_at(obj, name, at)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(map.len());
    for (i, (k, v)) in map.iter().enumerate() {
        match v {
            Value::String(s) => out.push((k.clone(), s.clone())),
            other => {
                let field = format!("{at}[{i}].value");
                return Err(ApiError::field(
                    &field,
                    format!("Invalid value at '{field}' (TYPE_STRING), {other}"),
                ));
            }
        }
    }
    Ok(out)
}

fn str_at<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Option<&'a str>, ApiError> {
    match get_field(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ApiError::field(
            at,
            format!("Invalid value at '{at}' (TYPE_STRING), {other}"),
        )),
    }
}

/// Where a valid message goes.
pub(super) enum Target {
    Token(String),
    /// A Firebase installation id (firebase-admin 7.7 prefers it to the
    /// token): the 22-character prefix of the app instance's registration
    /// token.
    Fid(String),
    Topic,
    Condition,
}

/// A validated message.
pub(super) struct Validated {
    pub(super) target: Target,
    pub(super) title: String,
    pub(super) body: String,
    pub(super) channel_id: Option<String>,
    pub(super) click_action: Option<String>,
    pub(super) data: Vec<(String, String)>,
    /// The message has a notification part; a data-only message shows
    /// nothing by itself (the app's `onMessageReceived` gets it).
    pub(super) has_notification: bool,
    pub(super) validate_only: bool,
}

/// Validates a send body as FCM does: the envelope, the target, the
/// notification, the Android part, then the size.
pub(super) fn validate(body: &Value) -> Result<Validated, ApiError> {
    let (message, validate_only) = read_envelope(body)?;
    check_known(message, MESSAGE_FIELDS, "message")?;
    let target = read_target(message)?;
    let mut shown = Shown {
        data: string_map(message, "data", "message.data")?,
        ..Shown::default()
    };
    read_notification(message, &mut shown)?;
    if let Some(android) = object_at(message, "android", "message.android")? {
        read_android(android, &mut shown)?;
    }
    check_size(message, &target)?;
    Ok(Validated {
        target,
        title: shown.title,
        body: shown.body,
        channel_id: shown.channel_id,
        click_action: shown.click_action,
        data: shown.data,
        has_notification: shown.has_notification,
        validate_only,
    })
}

/// What the message makes the device show, gathered from its parts (the
/// Android part overrides the general one).
#[derive(Default)]
struct Shown {
    title: String,
    body: String,
    channel_id: Option<String>,
    click_action: Option<String>,
    data: Vec<(String, String)>,
    has_notification: bool,
}

/// The top level: `{"message": {…}, "validate_only": bool}` and nothing else.
fn read_envelope(body: &Value) -> Result<(&Map<String, Value>, bool), ApiError> {
    let Some(top) = body.as_object() else {
        return Err(ApiError::invalid(
            "Invalid JSON payload received. Expected an object.",
        ));
    };
    for k in top.keys() {
        if !["message", "validate_only"].contains(&snake(k).as_str()) {
            return Err(ApiError::field(
                "",
                format!("Invalid JSON payload received. Unknown name \"{k}\": Cannot find field."),
            ));
        }
    }
    let validate_only = match get_field(top, "validate_only") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ApiError::field(
                "validate_only",
                format!("Invalid value at 'validate_only' (TYPE_BOOL), {other}"),
            ))
        }
    };
    let Some(message) = object_at(top, "message", "message")? else {
        return Err(ApiError::field(
            "message",
            "Request contains an invalid argument: message is required.",
        ));
    };
    Ok((message, validate_only))
}

/// Exactly one of `token`, `fid`, `topic` or `condition`, well formed.
fn read_target(message: &Map<String, Value>) -> Result<Target, ApiError> {
    let token = str_at(message, "token", "message.token")?.filter(|s| !s.is_empty());
    let fid = str_at(message, "fid", "message.fid")?.filter(|s| !s.is_empty());
    let topic = str_at(message, "topic", "message.topic")?.filter(|s| !s.is_empty());
    let condition = str_at(message, "condition", "message.condition")?.filter(|s| !s.is_empty());
    match (token, fid, topic, condition) {
        (Some(t), None, None, None) => {
            if !is_fcm_token_shaped(t) {
                return Err(ApiError::invalid(
                    "The registration token is not a valid FCM registration token",
                ));
            }
            Ok(Target::Token(t.to_string()))
        }
        (None, Some(f), None, None) => {
            let valid = f.len() == 22
                && f.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(ApiError::invalid("The Firebase installation ID is not valid"));
            }
            Ok(Target::Fid(f.to_string()))
        }
        (None, None, Some(t), None) => {
            let name = t.strip_prefix("/topics/").unwrap_or(t);
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b));
            if !valid {
                return Err(ApiError::field(
                    "message.topic",
                    format!("Invalid topic name: {t}"),
                ));
            }
            Ok(Target::Topic)
        }
        (None, None, None, Some(_)) => Ok(Target::Condition),
        _ => Err(ApiError::field(
            "message",
            "Exactly one of message.token, message.fid, message.topic or message.condition must be specified.",
        )),
    }
}

/// `message.notification`: title, body, image.
fn read_notification(message: &Map<String, Value>, shown: &mut Shown) -> Result<(), ApiError> {
    let Some(n) = object_at(message, "notification", "message.notification")? else {
        return Ok(());
    };
    check_known(n, &["title", "body", "image"], "message.notification")?;
    shown.title = str_at(n, "title", "message.notification.title")?
        .unwrap_or_default()
        .to_string();
    shown.body = str_at(n, "body", "message.notification.body")?
        .unwrap_or_default()
        .to_string();
    shown.has_notification = true;
    Ok(())
}

/// `message.android`: priority, ttl, data (overriding the message's keys)
/// and the Android notification.
fn read_android(android: &Map<String, Value>, shown: &mut Shown) -> Result<(), ApiError> {
    check_known(android, ANDROID_FIELDS, "message.android")?;
    if let Some(p) = str_at(android, "priority", "message.android.priority")? {
        if !["NORMAL", "HIGH", "normal", "high"].contains(&p) {
            return Err(ApiError::field(
                "message.android.priority",
                format!("Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), \"{p}\""),
            ));
        }
    }
    if let Some(ttl) = str_at(android, "ttl", "message.android.ttl")? {
        let secs = ttl.strip_suffix('s').and_then(|n| n.parse::<f64>().ok());
        if !secs.is_some_and(|s| (0.0..=2_419_200.0).contains(&s)) {
            return Err(ApiError::field("message.android.ttl", format!("Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), \"{ttl}\"")));
        }
    }
    // Android data overrides the message's data keys.
    for (k, v) in string_map(android, "data", "message.android.data")? {
        shown.data.retain(|(dk, _)| *dk != k);
        shown.data.push((k, v));
    }
    if let Some(n) = object_at(android, "notification", "message.android.notification")? {
        read_android_notification(n, shown)?;
    }
    Ok(())
}

/// `message.android.notification`: overrides title and body, names the
/// channel and the click action.
fn read_android_notification(n: &Map<String, Value>, shown: &mut Shown) -> Result<(), ApiError> {
    shown.has_notification = true;
    check_known(
        n,
        ANDROID_NOTIFICATION_FIELDS,
        "message.android.notification",
    )?;
    if let Some(t) = str_at(n, "title", "message.android.notification.title")? {
        shown.title = t.to_string();
    }
    if let Some(b) = str_at(n, "body", "message.android.notification.body")? {
        shown.body = b.to_string();
    }
    shown.channel_id = str_at(n, "channel_id", "message.android.notification.channel_id")?
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    shown.click_action = str_at(
        n,
        "click_action",
        "message.android.notification.click_action",
    )?
    .filter(|s| !s.is_empty())
    .map(str::to_string);
    Ok(())
}

/// The size FCM limits is the payload the device receives, keys and
/// values: the message without its target. Measured as the JSON of the
/// remaining fields.
fn check_size(message: &Map<String, Value>, target: &Target) -> Result<(), ApiError> {
    let size = payload_size(message);
    let limit = if matches!(target, Target::Topic) {
        MAX_TOPIC_MESSAGE_BYTES
    } else {
        MAX_MESSAGE_BYTES
    };
    if size > limit {
        return Err(ApiError::field(
            "message",
            format!("Android message is too big: {size} bytes exceeds the {limit}-byte limit"),
        ));
    }
    Ok(())
}

/// The size in bytes of `message` as JSON without its target fields,
/// counted while serializing borrowed entries (no copy of the message).
fn payload_size(message: &Map<String, Value>) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let payload: std::collections::BTreeMap<&String, &Value> = message
        .iter()
        .filter(|(k, _)| !["token", "topic", "condition"].contains(&snake(k).as_str()))
        .collect();
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, &payload) {
        Ok(()) => count.0,
        Err(_) => 0,
    }
}

/// Whether a string could be an FCM registration token. Google does not
/// publish the grammar; real tokens are 140–250 URL-safe characters with a
/// colon. Anything shorter than 100 or with other characters is refused as
/// "not a valid FCM registration token".
pub(super) fn is_fcm_token_shaped(s: &str) -> bool {
    (100..=4096).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token() -> String {
        format!("cAbCdEfGhIjKlMnOpQrStU:APA91b{}", "x".repeat(134))
    }

    #[test]
    fn camel_case_fields_and_android_overrides_are_read() {
        let v = validate(&json!({"message": {
            "token": token(),
            "notification": {"title": "t", "body": "b"},
            "android": {"notification": {"title": "T", "channelId": "c", "clickAction": "OPEN"}},
        }, "validateOnly": true}))
        .unwrap_or_else(|e| panic!("{}", e.message));
        assert!(matches!(v.target, Target::Token(_)));
        assert_eq!((v.title.as_str(), v.body.as_str()), ("T", "b"));
        assert_eq!(v.channel_id.as_deref(), Some("c"));
        assert_eq!(v.click_action.as_deref(), Some("OPEN"));
        assert!(v.validate_only && v.has_notification);
    }

    #[test]
    fn a_message_needs_exactly_one_target() {
        let both = json!({"message": {"token": token(), "topic": "news"}});
        let e = validate(&both).err().unwrap();
        assert!(e.message.starts_with("Exactly one of"), "{}", e.message);
        let none = json!({"message": {"data": {"a": "b"}}});
        assert!(validate(&none).is_err());
        let topic = json!({"message": {"topic": "/topics/news"}});
        assert!(matches!(
            validate(&topic).ok().unwrap().target,
            Target::Topic
        ));
    }

    #[test]
    fn a_topic_message_has_the_smaller_size_limit() {
        let big = "x".repeat(MAX_TOPIC_MESSAGE_BYTES);
        let to_topic = json!({"message": {"topic": "news", "data": {"k": big}}});
        let e = validate(&to_topic).err().unwrap();
        assert!(e.message.contains("too big"), "{}", e.message);
        let to_token = json!({"message": {"token": token(), "data": {"k": big}}});
        assert!(validate(&to_token).is_ok());
    }
}
