//! Tencent Cloud IM's REST shapes: `sendmsg` requests and the
//! `ActionStatus`/`ErrorCode`/`ErrorInfo` responses.
//!
//! Requests are read from raw JSON by hand so that every problem is answered
//! the way TIM answers it: a `FAIL` with a non-zero `ErrorCode` and an
//! `ErrorInfo` that names the field.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::push::AndroidInfo;

/// TIM error codes used by the simulator (TIM's REST error table).
pub mod codes {
    /// The body is not valid JSON.
    pub const JSON_PARSE: i64 = 90001;
    /// `MsgBody` is missing, not an array, or has a malformed element.
    pub const MSG_BODY: i64 = 90002;
    /// `To_Account` is missing or names no account.
    pub const TO_ACCOUNT: i64 = 90003;
    /// `MsgRandom` is missing or not an integer.
    pub const MSG_RANDOM: i64 = 90005;
    /// A field has the wrong type or value.
    pub const BAD_FIELD: i64 = 90010;
    /// `From_Account` is not a valid account name.
    pub const FROM_ACCOUNT: i64 = 90008;
    /// The request is larger than TIM accepts.
    pub const TOO_LARGE: i64 = 93000;
    /// A device-side call named an unknown or expired session.
    pub const SESSION: i64 = 70001;
}

/// The largest `sendmsg` body TIM accepts (its 12 KB message limit, UNCONFIRMED
/// for the whole request; generous enough for every real payload).
pub const MAX_BODY: usize = 12 * 1024 * 4;

/// A TIM REST answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimResponse {
    #[serde(rename = "ActionStatus")]
    pub action_status: &'static str,
    #[serde(rename = "ErrorCode")]
    pub error_code: i64,
    #[serde(rename = "ErrorInfo")]
    pub error_info: String,
    #[serde(rename = "MsgTime", skip_serializing_if = "Option::is_none")]
    pub msg_time: Option<i64>,
    #[serde(rename = "MsgKey", skip_serializing_if = "Option::is_none")]
    pub msg_key: Option<String>,
    /// pushlab's journal id of the message (TIM ignores unknown fields the
    /// other way round; clients that do not know it ignore it).
    #[serde(rename = "MessageId", skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

impl TimResponse {
    pub fn ok() -> TimResponse {
        TimResponse {
            action_status: "OK",
            error_code: 0,
            error_info: String::new(),
            msg_time: None,
            msg_key: None,
            message_id: None,
        }
    }

    pub fn fail(error: &TimError) -> TimResponse {
        TimResponse {
            action_status: "FAIL",
            error_code: error.code,
            error_info: error.info.clone(),
            msg_time: None,
            msg_key: None,
            message_id: None,
        }
    }
}

/// A request TIM refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {info}")]
pub struct TimError {
    pub code: i64,
    pub info: String,
}

impl TimError {
    pub fn new(code: i64, info: impl Into<String>) -> TimError {
        TimError {
            code,
            info: info.into(),
        }
    }
}

/// One element of `MsgBody`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsgElem {
    Text {
        text: String,
    },
    Custom {
        data: String,
        desc: String,
        ext: String,
    },
    /// Face, location, image, sound... carried but not rendered.
    Other {
        msg_type: String,
    },
}

impl MsgElem {
    pub fn type_name(&self) -> &str {
        match self {
            MsgElem::Text { .. } => "TIMTextElem",
            MsgElem::Custom { .. } => "TIMCustomElem",
            MsgElem::Other { msg_type } => msg_type,
        }
    }
}

/// `OfflinePushInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfflinePushInfo {
    /// 0 push (default), 1 do not push offline.
    pub push_flag: i64,
    pub title: Option<String>,
    pub desc: Option<String>,
    pub ext: Option<String>,
    pub android: AndroidInfo,
}

/// A parsed `sendmsg` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMsg {
    pub from: String,
    pub to: String,
    pub msg_random: u64,
    pub msg_seq: Option<u64>,
    pub body: Vec<MsgElem>,
    pub offline_push: OfflinePushInfo,
    /// The `MsgBody` as sent, for deduplication (CRC32 of the content).
    pub body_json: String,
}

fn field_str(
    obj: &Map<String, Value>,
    key: &str,
    code: i64,
    required: bool,
) -> Result<Option<String>, TimError> {
    match obj.get(key) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(TimError::new(code, format!("{key} is required"))),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(TimError::new(code, format!("{key} must be a string"))),
    }
}

fn field_uint(
    obj: &Map<String, Value>,
    key: &str,
    code: i64,
    required: bool,
) -> Result<Option<u64>, TimError> {
    match obj.get(key) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(TimError::new(code, format!("{key} is required"))),
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= u32::MAX as u64)
            .map(Some)
            .ok_or_else(|| {
                TimError::new(code, format!("{key} must be an unsigned 32-bit integer"))
            }),
    }
}

fn parse_elem(i: usize, v: &Value) -> Result<MsgElem, TimError> {
    let bad = |what: &str| TimError::new(codes::MSG_BODY, format!("MsgBody[{i}]: {what}"));
    let obj = v.as_object().ok_or_else(|| bad("must be an object"))?;
    let msg_type = match obj.get("MsgType") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(bad("MsgType must be a string")),
        None => return Err(bad("MsgType is required")),
    };
    let content = match obj.get("MsgContent") {
        Some(Value::Object(m)) => m,
        Some(_) => return Err(bad("MsgContent must be an object")),
        None => return Err(bad("MsgContent is required")),
    };
    let s = |key: &str, required: bool| -> Result<String, TimError> {
        match content.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) if !required => Ok(String::new()),
            None | Some(Value::Null) => Err(bad(&format!("MsgContent.{key} is required"))),
            Some(_) => Err(bad(&format!("MsgContent.{key} must be a string"))),
        }
    };
    Ok(match msg_type.as_str() {
        "TIMTextElem" => MsgElem::Text {
            text: s("Text", true)?,
        },
        "TIMCustomElem" => MsgElem::Custom {
            data: s("Data", false)?,
            desc: s("Desc", false)?,
            ext: s("Ext", false)?,
        },
        "TIMFaceElem" | "TIMLocationElem" | "TIMImageElem" | "TIMSoundElem" | "TIMFileElem"
        | "TIMVideoFileElem" => MsgElem::Other { msg_type },
        other => return Err(bad(&format!("unknown MsgType {other}"))),
    })
}

fn parse_offline_push(v: &Value) -> Result<OfflinePushInfo, TimError> {
    let bad = |what: String| TimError::new(codes::BAD_FIELD, format!("OfflinePushInfo.{what}"));
    let obj = v
        .as_object()
        .ok_or_else(|| TimError::new(codes::BAD_FIELD, "OfflinePushInfo must be an object"))?;
    let push_flag = match obj.get("PushFlag") {
        None | Some(Value::Null) => 0,
        Some(v) => match v.as_i64() {
            Some(n @ (0 | 1)) => n,
            _ => return Err(bad("PushFlag must be 0 or 1".into())),
        },
    };
    let s = |key: &str| -> Result<Option<String>, TimError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!("{key} must be a string"))),
        }
    };
    let android = match obj.get("AndroidInfo") {
        None => AndroidInfo::default(),
        Some(v) => parse_android_info(v)?,
    };
    Ok(OfflinePushInfo {
        push_flag,
        title: s("Title")?,
        desc: s("Desc")?,
        ext: s("Ext")?,
        android,
    })
}

/// `OfflinePushInfo.AndroidInfo` from its JSON (TIM's field names; null is
/// none).
pub fn parse_android_info(v: &Value) -> Result<AndroidInfo, TimError> {
    let bad = |what: String| TimError::new(codes::BAD_FIELD, format!("OfflinePushInfo.{what}"));
    match v {
        Value::Null => Ok(AndroidInfo::default()),
        Value::Object(_) => {
            serde_json::from_value(v.clone()).map_err(|e| bad(format!("AndroidInfo: {e}")))
        }
        _ => Err(bad("AndroidInfo must be an object".into())),
    }
}

impl MsgElem {
    /// The element in TIM's JSON (`MsgType`, `MsgContent`), which
    /// [`SendMsg::parse`] reads back as the same element.
    pub fn to_tim_json(&self) -> Value {
        let content = match self {
            MsgElem::Text { text } => serde_json::json!({ "Text": text }),
            MsgElem::Custom { data, desc, ext } => {
                serde_json::json!({ "Data": data, "Desc": desc, "Ext": ext })
            }
            MsgElem::Other { .. } => serde_json::json!({}),
        };
        serde_json::json!({ "MsgType": self.type_name(), "MsgContent": content })
    }
}

impl SendMsg {
    /// A request made in code rather than read from a body: what
    /// [`SendMsg::parse`] reads from a body with these fields (no `MsgSeq`,
    /// no `OfflinePushInfo`), after the same checks (`to` and `body`
    /// required; an empty `from` is `admin`).
    pub fn new(
        admin: &str,
        from: &str,
        to: &str,
        msg_random: u32,
        body: Vec<MsgElem>,
    ) -> Result<SendMsg, TimError> {
        if to.is_empty() {
            return Err(TimError::new(codes::TO_ACCOUNT, "To_Account is required"));
        }
        if body.is_empty() {
            return Err(TimError::new(codes::MSG_BODY, "MsgBody must not be empty"));
        }
        let json: Vec<Value> = body.iter().map(MsgElem::to_tim_json).collect();
        Ok(SendMsg {
            from: if from.is_empty() { admin } else { from }.to_string(),
            to: to.to_string(),
            msg_random: msg_random.into(),
            msg_seq: None,
            body,
            offline_push: OfflinePushInfo::default(),
            body_json: serde_json::to_string(&json).unwrap_or_default(),
        })
    }

    /// Reads a `sendmsg` body. `admin` is the sender when `From_Account` is
    /// absent (the request's `identifier`).
    pub fn parse(body: &[u8], admin: &str) -> Result<SendMsg, TimError> {
        if body.len() > MAX_BODY {
            return Err(TimError::new(codes::TOO_LARGE, "request body too large"));
        }
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| TimError::new(codes::JSON_PARSE, format!("JSON parse failed: {e}")))?;
        let obj = v.as_object().ok_or_else(|| {
            TimError::new(codes::JSON_PARSE, "request body must be a JSON object")
        })?;
        let to = field_str(obj, "To_Account", codes::TO_ACCOUNT, true)?.unwrap_or_default();
        if to.is_empty() {
            return Err(TimError::new(codes::TO_ACCOUNT, "To_Account is required"));
        }
        let from = field_str(obj, "From_Account", codes::FROM_ACCOUNT, false)?
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| admin.to_string());
        let msg_random = field_uint(obj, "MsgRandom", codes::MSG_RANDOM, true)?.unwrap_or_default();
        let msg_seq = field_uint(obj, "MsgSeq", codes::BAD_FIELD, false)?;
        let body_v = match obj.get("MsgBody") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(Value::Array(_)) => {
                return Err(TimError::new(codes::MSG_BODY, "MsgBody must not be empty"))
            }
            Some(_) => return Err(TimError::new(codes::MSG_BODY, "MsgBody must be an array")),
            None => return Err(TimError::new(codes::MSG_BODY, "MsgBody is required")),
        };
        let body = body_v
            .iter()
            .enumerate()
            .map(|(i, e)| parse_elem(i, e))
            .collect::<Result<Vec<_>, _>>()?;
        let offline_push = match obj.get("OfflinePushInfo") {
            None | Some(Value::Null) => OfflinePushInfo::default(),
            Some(v) => parse_offline_push(v)?,
        };
        Ok(SendMsg {
            from,
            to,
            msg_random,
            msg_seq,
            body,
            offline_push,
            body_json: serde_json::to_string(body_v).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: serde_json::Value) -> Result<SendMsg, TimError> {
        SendMsg::parse(v.to_string().as_bytes(), "administrator")
    }

    #[test]
    fn reads_a_text_message_with_offline_push_info() {
        let m = parse(serde_json::json!({
            "From_Account": "denny", "To_Account": "vinson", "MsgRandom": 1287657,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
            "OfflinePushInfo": {"PushFlag": 0, "Title": "t", "Desc": "d", "Ext": "{\"a\":1}",
                "AndroidInfo": {"OPPOChannelID": "im", "VIVOClassification": 1}}
        }))
        .unwrap();
        assert_eq!(m.from, "denny");
        assert_eq!(m.body, vec![MsgElem::Text { text: "hi".into() }]);
        assert_eq!(
            m.offline_push.android.oppo_channel_id.as_deref(),
            Some("im")
        );
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        let e = parse(serde_json::json!({"To_Account": "b", "MsgRandom": 1, "MsgBody": []}))
            .unwrap_err();
        assert_eq!(e.code, codes::MSG_BODY);
        let e = parse(serde_json::json!({"To_Account": "b",
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {}}]}))
        .unwrap_err();
        assert!(e.info.contains("MsgRandom"), "{e}");
        let e = parse(serde_json::json!({"To_Account": "b", "MsgRandom": 1,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {}}]}))
        .unwrap_err();
        assert_eq!(e.code, codes::MSG_BODY);
        assert!(e.info.contains("MsgContent.Text"), "{e}");
        let e = SendMsg::parse(b"{nope", "admin").unwrap_err();
        assert_eq!(e.code, codes::JSON_PARSE);
    }
}
