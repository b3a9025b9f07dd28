//! Meizu Flyme Push: certificate fields, client, simulated endpoint and
//! device-side delivery semantics.
//!
//! Wire format (vendors.md §5, the official HTTP API README):
//! - `POST /garcia/api/server/push/varnished/pushByPushId`, form-urlencoded
//!   `appId`, `pushIds` (comma-separated, at most 100), `messageJson` (a JSON
//!   string) and `sign`.
//! - `sign` is the lower-case hex MD5 of the parameters except `sign`, sorted
//!   by name and concatenated as `k=v` with raw values, followed by the
//!   appSecret ([`sign`]).
//! - Every answer is HTTP 200 with `{"code":"…","message":"…","value":…}`
//!   where `code` is a **string**; a push that reached some devices but not
//!   others still says `"200"` and lists the bad pushIds under their failure
//!   code in `value` (`{"110002":["…"]}`).
//!
//! Device side: the Flyme system push service posts the notification (it
//! reaches killed and force-stopped apps); a tap sends the SDK's
//! `com.meizu.flyme.push.intent.MESSAGE` broadcast (`method=private`), which
//! the SDK turns into `onNotificationClicked(MzPushMessage)`, and the opened
//! activity gets `clickTypeInfo.parameters` as string extras (the seed reads
//! `getString("ext")`).

pub use crate::wire::sdk::meizu::{MESSAGE_ACTION, NOTIFICATION_CHANNEL};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use md5::{Digest, Md5};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::sync::Arc;

use super::common::{
    china_day, http_code, random_string, server_error, transport_failure, FaultKind, RateWindow,
    RequestLogs, HEX,
};
use super::common::{fault_status, journal_fault};
use super::{
    ClickAction, Credentials as AnyCredentials, EndpointControl, EndpointState, Faults, PageTarget,
    Push, Rejection, RequestLog, SendOutcome, Services, Vendor, VendorId, MESSAGE_ID_HEADER,
};
use crate::diagnosis::Diagnosis;
use crate::services::journal::{Event, MessageId};
use crate::wire::protocol::{
    CallbackBroadcast, CallbackTrigger, ClickRoute, DeviceInfo, DisplayInstruction, Extra,
    NotificationSpec, Poster, RegisterError,
};

/// What the Meizu Flyme Push console gives the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub app_id: String,
    #[serde(default)]
    pub app_key: String,
    /// Used in every request's MD5 signature.
    pub app_secret: String,
}

/// The notification-bar push by pushId.
pub const PUSH_PATH: &str = "/garcia/api/server/push/varnished/pushByPushId";

/// At most this many pushIds per request (MZ-API, 2025 README).
pub const MAX_PUSH_IDS: usize = 100;

/// The Meizu signature base string: every parameter except `sign`, sorted by
/// name, concatenated as `k=v` with raw (not URL-encoded) values, followed
/// by the appSecret.
pub fn sign_base_string<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    app_secret: &str,
) -> String {
    let sorted: BTreeMap<&str, &str> = params.into_iter().filter(|(k, _)| *k != "sign").collect();
    let mut s = String::new();
    for (k, v) in sorted {
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s.push_str(app_secret);
    s
}

/// `sign`: the lower-case 32-hex MD5 of [`sign_base_string`].
pub fn sign<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, app_secret: &str) -> String {
    hex::encode(Md5::digest(sign_base_string(params, app_secret).as_bytes()))
}

/// A request as the client would send it, for inspection without a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingRequest {
    pub method: &'static str,
    /// Path relative to the base URL.
    pub path: &'static str,
    pub headers: Vec<(String, String)>,
    /// Form fields in the order they are sent.
    pub form: Vec<(String, String)>,
    /// The URL-encoded body.
    pub body: String,
}

/// `noticeBarInfo.noticeMsgType`.
///
/// TIM's `AndroidInfo.MeiZuNoticeMsgType` maps to it one to one. When the
/// sender leaves it unset the client sends nothing, so Meizu applies its own
/// default, 0 (public): that is what the TIM server does too (the field is
/// optional there), and it is why unclassified IM pushes on Meizu run into
/// the daily public-message cap (`value["110011"]`).
fn notice_msg_type(push: &Push) -> Option<i64> {
    push.android.meizu_notice_msg_type
}

/// The `messageJson` the client builds for a push.
pub fn message_json(push: &Push) -> Result<Value, Rejection> {
    let mut notice = Map::new();
    notice.insert("noticeBarType".into(), json!(0));
    notice.insert("title".into(), json!(push.title));
    notice.insert("content".into(), json!(push.desc));
    if let Some(t) = notice_msg_type(push) {
        notice.insert("noticeMsgType".into(), json!(t));
    }
    // Custom content rides in `parameters` for "open app" and "open page"
    // only: the seed guide says these two click events support pass-through,
    // and an opened web page has no way to read it.
    let parameters = push.ext.as_ref().map(|ext| json!({ "ext": ext }));
    let click = match &push.certificate.click {
        ClickAction::OpenApp => {
            let mut c = json!({ "clickType": 0 });
            if let Some(p) = parameters {
                c["parameters"] = p;
            }
            c
        }
        ClickAction::OpenPage { page: PageTarget::Activity(activity) } => {
            let mut c = json!({ "clickType": 1, "activity": activity });
            if let Some(p) = parameters {
                c["parameters"] = p;
            }
            c
        }
        ClickAction::OpenPage { page } => {
            return Err(Rejection {
                code: Diagnosis::VendorInvalidRequest,
                vendor_code: "client".into(),
                message: format!(
                    "Meizu opens in-app pages by activity class name only; the certificate names {page:?}"
                ),
            })
        }
        ClickAction::OpenUrl { url } => json!({ "clickType": 2, "url": url }),
    };
    Ok(json!({
        "noticeBarInfo": Value::Object(notice),
        "clickTypeInfo": click,
        "pushTimeInfo": { "offLine": 1, "validTime": 24 },
    }))
}

/// The pure request builder: the exact request the client sends for `push`.
pub fn build_send_request(push: &Push) -> Result<OutgoingRequest, Rejection> {
    let AnyCredentials::Meizu(creds) = &push.certificate.credentials else {
        return Err(Rejection {
            code: Diagnosis::VendorAuthFailed,
            vendor_code: "client".into(),
            message: format!(
                "certificate {} holds no Meizu credentials",
                push.certificate.id
            ),
        });
    };
    let message_json = message_json(push)?.to_string();
    let mut form = vec![
        ("appId".to_string(), creds.app_id.clone()),
        ("messageJson".to_string(), message_json),
        ("pushIds".to_string(), push.token.clone()),
    ];
    let sign = sign(
        form.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &creds.app_secret,
    );
    form.push(("sign".to_string(), sign));
    let body = serde_urlencoded::to_string(&form).unwrap_or_default();
    Ok(OutgoingRequest {
        method: "POST",
        path: PUSH_PATH,
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded;charset=UTF-8".into(),
            ),
            (MESSAGE_ID_HEADER.into(), push.message_id.0.clone()),
        ],
        form,
        body,
    })
}

/// The diagnosis of a Meizu code (top level or inside `value`).
pub fn diagnosis_of(code: &str) -> Diagnosis {
    match code {
        "1006" | "110000" | "110001" | "110033" | "110009" => Diagnosis::VendorAuthFailed,
        "110002" | "110003" | "110005" => Diagnosis::VendorTokenInvalid,
        "110010" | "520" | "519" => Diagnosis::VendorRateLimited,
        "110019" | "110011" | "110051" | "110053" => Diagnosis::VendorQuotaExceeded,
        _ => Diagnosis::VendorInvalidRequest,
    }
}

/// The message Meizu writes for a code.
fn code_message(code: &str) -> &'static str {
    match code {
        "200" => "",
        "500" => "其他异常",
        "1001" => "系统错误",
        "1003" => "服务器忙",
        "1005" => "参数错误，请参考API文档",
        "1006" => "签名认证失败",
        "110000" => "appId不合法",
        "110001" => "appKey不合法",
        "110002" => "pushId失效(pushId未订阅或者消息开关关闭)",
        "110003" => "pushId非法",
        "110004" => "参数不能为空",
        "110009" => "应用被加入黑名单",
        "110010" => "应用请求频率超过限制",
        "110011" => "超过每日公信消息推送上限",
        "110019" => "超过该应用的当天推送次数限制",
        "520" => "消息折叠（1分钟内同一设备同一应用消息收到多次，默认5次）",
        _ => "推送消息失败",
    }
}

// ---------------------------------------------------------------- limits

/// Meizu's quota and frequency settings (`limits()` / `set_limits()`).
///
/// Defaults:
/// - `app_requests_per_second` 50 → top-level `110010` ("应用请求频率超过限制").
///   Meizu publishes no number; 50/s per app is chosen so that the FAQ's
///   fast burst (~100 sends/s) triggers the documented frequency answer
///   while ordinary scenarios never do. Counted per virtual second.
/// - `collapse_per_device_per_minute` 5 → `value["520"]`: the doc says a
///   device that receives more than 5 messages of one app within a minute
///   has the rest collapsed.
/// - `public_per_device_per_day` 3 → `value["110011"]`: public messages
///   (noticeMsgType 0) are capped at 3 per device per day for non-news apps
///   (5 for news apps); private messages are not capped (TENCENT-CAT).
/// - `app_daily` none → `110019`: Meizu documents the code but no number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub app_requests_per_second: Option<u64>,
    pub collapse_per_device_per_minute: Option<u64>,
    pub public_per_device_per_day: Option<u64>,
    pub app_daily: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            app_requests_per_second: Some(50),
            collapse_per_device_per_minute: Some(5),
            public_per_device_per_day: Some(3),
            app_daily: None,
        }
    }
}

/// Counters per key and China day.
#[derive(Default)]
struct DailyCounter {
    counts: HashMap<String, (i64, u64)>,
}

impl DailyCounter {
    /// Counts one for `key` on `day` unless that would pass `limit`.
    fn hit(&mut self, key: &str, day: i64, limit: u64) -> bool {
        let e = self.counts.entry(key.to_string()).or_insert((day, 0));
        if e.0 != day {
            *e = (day, 0);
        }
        if e.1 >= limit {
            return false;
        }
        e.1 += 1;
        true
    }
}

struct Counters {
    limits: Limits,
    app_rate: RateWindow,
    collapse: RateWindow,
    public_daily: DailyCounter,
    app_daily: DailyCounter,
}

impl Counters {
    fn new(limits: Limits) -> Counters {
        Counters {
            app_rate: RateWindow::new(
                limits.app_requests_per_second.unwrap_or(u64::MAX),
                Duration::from_secs(1),
            ),
            collapse: RateWindow::new(
                limits.collapse_per_device_per_minute.unwrap_or(u64::MAX),
                Duration::from_secs(60),
            ),
            public_daily: DailyCounter::default(),
            app_daily: DailyCounter::default(),
            limits,
        }
    }
}

// ---------------------------------------------------------------- vendor

struct Inner {
    services: Services,
    faults: Faults,
    logs: RequestLogs,
    counters: Mutex<Counters>,
}

/// The Meizu vendor: client, simulated endpoint and device semantics.
pub struct Meizu {
    inner: Arc<Inner>,
}

impl Meizu {
    pub fn new(services: Services) -> Self {
        Self {
            inner: Arc::new(Inner {
                services,
                faults: Faults::default(),
                logs: RequestLogs::default(),
                counters: Mutex::new(Counters::new(Limits::default())),
            }),
        }
    }
}

/// A plausible Meizu pushId: three characters of prefix then 42 lower-case
/// hex digits, 45 in all, like the doc's `RA50c6348036344485d0177677…` and
/// `J0476035d625e6c64567f7148…`.
fn new_push_id() -> String {
    let prefix = random_string(1, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        + &random_string(2, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    prefix + &random_string(42, HEX)
}

/// Whether a string has the shape of a pushId (else `110003`). Meizu does
/// not publish the grammar; this accepts any 20–64 ASCII letters and digits.
fn is_push_id_shaped(s: &str) -> bool {
    (20..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[async_trait]
impl Vendor for Meizu {
    fn id(&self) -> VendorId {
        VendorId::Meizu
    }

    fn hosts(&self) -> &'static [&'static str] {
        &["server-api-push.meizu.com", "api-push.meizu.com"]
    }

    /// Meizu push needs Flyme: the SDK's `PushManager.register` talks to the
    /// Flyme system push service, and the TIM guide lists Flyme as the
    /// system requirement. So only devices whose brand or manufacturer is
    /// Meizu get a pushId; elsewhere `onRegisterStatus` never brings one.
    fn register(&self, device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        let is_meizu = device.brand.eq_ignore_ascii_case("meizu")
            || device.manufacturer.eq_ignore_ascii_case("meizu");
        if !is_meizu {
            return Err(RegisterError {
                vendor: VendorId::Meizu,
                code: "UNSUPPORTED_DEVICE".into(),
                message: format!(
                    "Meizu push needs a Flyme device; {} {} has no Flyme push service",
                    device.brand, device.model
                ),
                diagnosis: Diagnosis::MeizuUnsupportedDevice,
            });
        }
        Ok(new_push_id())
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route(PUSH_PATH, axum::routing::post(push_by_push_id))
            .with_state(self.inner.clone())
    }

    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome {
        let req = match build_send_request(push) {
            Ok(r) => r,
            Err(e) => {
                return SendOutcome {
                    request: None,
                    result: Err(e),
                }
            }
        };
        let url = format!("{}{}", base_url.trim_end_matches('/'), req.path);
        let mut builder = http.post(&url);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let result = match builder.body(req.body).send().await {
            Err(e) => Err(transport(e)),
            Ok(resp) => {
                let status = resp.status();
                match resp.text().await {
                    Err(e) => Err(transport(e)),
                    Ok(text) => interpret_response(status.as_u16(), &text, &push.token),
                }
            }
        };
        SendOutcome {
            request: Some(("POST".into(), url)),
            result,
        }
    }

    fn endpoint(&self) -> &dyn EndpointControl {
        &*self.inner
    }
}

impl EndpointState for Inner {
    type Limits = Limits;

    fn logs(&self) -> &RequestLogs {
        &self.logs
    }

    fn faults(&self) -> &Faults {
        &self.faults
    }

    fn current_limits(&self) -> Limits {
        self.counters.lock().limits.clone()
    }

    fn install_limits(&self, merged: Limits) {
        // New limits apply to what was already counted today.
        let mut counters = self.counters.lock();
        let mut next = Counters::new(merged);
        next.app_rate.keep_counts_of(&counters.app_rate);
        next.collapse.keep_counts_of(&counters.collapse);
        next.public_daily = std::mem::take(&mut counters.public_daily);
        next.app_daily = std::mem::take(&mut counters.app_daily);
        *counters = next;
    }

    fn reset_state(&self) {
        let mut counters = self.counters.lock();
        let limits = counters.limits.clone();
        *counters = Counters::new(limits);
    }
}

fn transport(e: reqwest::Error) -> Rejection {
    transport_failure(e)
}

/// Maps Meizu's answer for a one-pushId send to the message id or a
/// rejection.
pub fn interpret_response(http_status: u16, body: &str, token: &str) -> Result<String, Rejection> {
    if (500..600).contains(&http_status) {
        return Err(server_error(http_status, body));
    }
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return Err(Rejection {
            code: Diagnosis::VendorInvalidRequest,
            vendor_code: http_code(http_status),
            message: body.chars().take(200).collect(),
        });
    };
    // `code` is a string; tolerate a number.
    let code = match &v["code"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => http_code(http_status),
    };
    let message = v["message"].as_str().unwrap_or_default().to_string();
    if code != "200" {
        return Err(Rejection {
            code: diagnosis_of(&code),
            message: if message.is_empty() {
                code_message(&code).to_string()
            } else {
                message
            },
            vendor_code: code,
        });
    }
    if let Some(map) = v["value"].as_object() {
        for (failure, ids) in map {
            let listed = ids
                .as_array()
                .is_some_and(|a| a.iter().any(|id| id.as_str() == Some(token)));
            if listed {
                return Err(Rejection {
                    code: diagnosis_of(failure),
                    vendor_code: failure.clone(),
                    message: code_message(failure).to_string(),
                });
            }
        }
    }
    Ok(v["msgId"].as_str().unwrap_or_default().to_string())
}

// ---------------------------------------------------------------- endpoint

/// A Meizu answer: always HTTP 200 with a string `code`.
fn answer(code: &str, message: &str) -> Response {
    let body = json!({ "code": code, "message": message, "value": "", "redirect": "" });
    json_response(StatusCode::OK, &body)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [("content-type", "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// A response whose body fails after the headers: hyper aborts the
/// connection, so the client sees a broken exchange (the `Drop` fault).
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other(
            "connection dropped by fault injection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// Why a request was refused, before any device was addressed.
struct Refusal {
    code: String,
    message: String,
}

impl Refusal {
    fn new(code: &str, message: impl Into<String>) -> Refusal {
        Refusal {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// What an accepted `messageJson` says about the notification.
struct Notice {
    title: String,
    content: String,
    public: bool,
    click: Click,
    /// `clickTypeInfo.parameters`, when given.
    parameters: Option<Map<String, Value>>,
}

enum Click {
    OpenApp,
    Activity(String),
    Url(String),
    /// clickType 3 (deprecated since Android 12): the client decides; the
    /// app is opened.
    Custom,
}

/// Reads an integer field Meizu's JSON binder would accept (a number or a
/// numeric string).
fn int_field(v: &Value, name: &str) -> Result<Option<i64>, Refusal> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| Refusal::new("1005", format!("{name} 必须为整数"))),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Refusal::new("1005", format!("{name} 必须为整数"))),
        Some(_) => Err(Refusal::new("1005", format!("{name} 必须为整数"))),
    }
}

fn str_field<'a>(v: &'a Value, name: &str) -> Result<Option<&'a str>, Refusal> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Refusal::new("1005", format!("{name} 必须为字符串"))),
    }
}

/// Validates `messageJson` as Meizu does for a notification-bar message.
fn parse_message_json(raw: &str) -> Result<Notice, Refusal> {
    let v: Value = serde_json::from_str(raw)
        .map_err(|_| Refusal::new("1005", "messageJson 不是合法的JSON"))?;
    if !v.is_object() {
        return Err(Refusal::new("1005", "messageJson 不是合法的JSON对象"));
    }
    let bar = v.get("noticeBarInfo").unwrap_or(&Value::Null);
    if !(bar.is_object() || bar.is_null()) {
        return Err(Refusal::new("1005", "noticeBarInfo 格式错误"));
    }
    let title = str_field(bar, "title")?.unwrap_or_default();
    let content = str_field(bar, "content")?.unwrap_or_default();
    if title.is_empty() {
        return Err(Refusal::new("110004", "noticeBarInfo.title 不能为空"));
    }
    if content.is_empty() {
        return Err(Refusal::new("110004", "noticeBarInfo.content 不能为空"));
    }
    if title.chars().count() > 32 {
        return Err(Refusal::new("1005", "noticeBarInfo.title 字数限制1~32"));
    }
    if content.chars().count() > 100 {
        return Err(Refusal::new("1005", "noticeBarInfo.content 字数限制1~100"));
    }
    let public = match int_field(bar, "noticeMsgType")? {
        None | Some(0) => true,
        Some(1) => false,
        Some(_) => return Err(Refusal::new("1005", "noticeMsgType 只能为0或1")),
    };
    if let Some(t) = int_field(bar, "noticeBarType")? {
        if t != 0 && t != 2 {
            return Err(Refusal::new("1005", "noticeBarType 只能为0或2"));
        }
    }
    let click_info = v.get("clickTypeInfo").unwrap_or(&Value::Null);
    if !(click_info.is_object() || click_info.is_null()) {
        return Err(Refusal::new("1005", "clickTypeInfo 格式错误"));
    }
    let parameters = match click_info.get("parameters") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m.clone()),
        // A JSON object serialized into a string is what some SDKs send.
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => Some(m),
            _ => {
                return Err(Refusal::new(
                    "1005",
                    "clickTypeInfo.parameters 必须为JSON格式",
                ))
            }
        },
        Some(_) => {
            return Err(Refusal::new(
                "1005",
                "clickTypeInfo.parameters 必须为JSON格式",
            ))
        }
    };
    let click = match int_field(click_info, "clickType")?.unwrap_or(0) {
        0 => Click::OpenApp,
        1 => match str_field(click_info, "activity")? {
            Some(a) if !a.trim().is_empty() => Click::Activity(a.trim().to_string()),
            _ => {
                return Err(Refusal::new(
                    "110004",
                    "clickType为打开应用页面时 activity 不能为空",
                ))
            }
        },
        2 => match str_field(click_info, "url")?.map(str::trim) {
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                Click::Url(u.to_string())
            }
            Some(u) if !u.is_empty() => {
                return Err(Refusal::new(
                    "1005",
                    "clickType为打开URI页面时 url 必须以 http:// 或 https:// 开头",
                ))
            }
            _ => {
                return Err(Refusal::new(
                    "110004",
                    "clickType为打开URI页面时 url 不能为空",
                ))
            }
        },
        3 => match str_field(click_info, "customAttribute")? {
            Some(c) if !c.is_empty() && c.len() <= 1000 => Click::Custom,
            _ => {
                return Err(Refusal::new(
                    "110004",
                    "clickType为应用客户端自定义时 customAttribute 不能为空(1000字节以内)",
                ))
            }
        },
        _ => return Err(Refusal::new("1005", "clickType 只能为0、1、2、3")),
    };
    if let Some(time) = v.get("pushTimeInfo").filter(|t| !t.is_null()) {
        if let Some(valid) = int_field(time, "validTime")? {
            if !(1..=72).contains(&valid) {
                return Err(Refusal::new("1005", "validTime 为1到72小时内的正整数"));
            }
        }
    }
    Ok(Notice {
        title: title.to_string(),
        content: content.to_string(),
        public,
        click,
        parameters,
    })
}

/// Extras the opened activity gets from `parameters`: each key as a string
/// extra (non-string values as their JSON text).
fn parameter_extras(parameters: &Map<String, Value>) -> Vec<Extra> {
    parameters
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => Extra::string(k.clone(), s.clone()),
            other => Extra::string(k.clone(), other.to_string()),
        })
        .collect()
}

/// The device-side instruction for one accepted pushId.
fn instruction(
    message_id: &MessageId,
    package: &str,
    token: &str,
    notice: &Notice,
) -> DisplayInstruction {
    let (click, extras) = match &notice.click {
        Click::OpenApp | Click::Custom => (
            ClickRoute::Launcher,
            notice
                .parameters
                .as_ref()
                .map(parameter_extras)
                .unwrap_or_default(),
        ),
        Click::Activity(activity) => (
            ClickRoute::Component {
                component: format!("{package}/{activity}"),
            },
            notice
                .parameters
                .as_ref()
                .map(parameter_extras)
                .unwrap_or_default(),
        ),
        // A web page gets no extras.
        Click::Url(url) => (ClickRoute::Url { url: url.clone() }, Vec::new()),
    };
    let self_define = notice
        .parameters
        .as_ref()
        .map(|p| Value::Object(p.clone()).to_string())
        .unwrap_or_default();
    // The tap broadcast the SDK turns into onNotificationClicked: action
    // MESSAGE with `method=private`. The real intent carries the message as
    // a parcelable `pushMessage`; its selfDefineContentString (the
    // parameters JSON) is flattened into a string extra of that name.
    let clicked = CallbackBroadcast {
        action: MESSAGE_ACTION.into(),
        component: None,
        on: CallbackTrigger::Clicked,
        extras: vec![
            Extra::string("method", "private"),
            Extra::string("selfDefineContentString", self_define),
        ],
        include_stopped_packages: true,
    };
    let ext = notice
        .parameters
        .as_ref()
        .and_then(|p| p.get("ext"))
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        });
    DisplayInstruction {
        message_id: message_id.clone(),
        vendor: VendorId::Meizu,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: notice.title.clone(),
            text: notice.content.clone(),
            channel_id: Some(NOTIFICATION_CHANNEL.to_string()),
            notify_id: None,
            badge_class: None,
        },
        poster: Poster::SystemService,
        click,
        extras,
        callbacks: vec![clicked],
        ext,
    }
}

async fn push_by_push_id(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let message_id = inner.services.message_id_for(&headers, VendorId::Meizu);
    let now = inner.services.clock.now();
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let push_ids: Vec<&str> = param("pushIds")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let log = |status: u16, accepted: bool, code: &str, message: &str, tokens: Vec<String>| {
        inner.logs.push(RequestLog {
            at: now,
            method: "POST".into(),
            path: PUSH_PATH.into(),
            http_status: status,
            accepted,
            vendor_code: code.to_string(),
            message: message.to_string(),
            tokens,
            message_id: Some(message_id.clone()),
        });
    };
    let tokens: Vec<String> = push_ids.iter().map(|s| s.to_string()).collect();

    let reject = |refusal: Refusal| -> Response {
        inner.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointRejected {
                vendor: VendorId::Meizu,
                vendor_code: refusal.code.clone(),
                message: refusal.message.clone(),
                code: diagnosis_of(&refusal.code),
            },
        );
        log(200, false, &refusal.code, &refusal.message, tokens.clone());
        answer(&refusal.code, &refusal.message)
    };

    if params.is_empty() && !body.is_empty() {
        return reject(Refusal::new("1005", code_message("1005")));
    }
    for name in ["appId", "pushIds", "messageJson", "sign"] {
        if param(name).trim().is_empty() {
            return reject(Refusal::new("110004", format!("{name} 参数不能为空")));
        }
    }
    let app_id = param("appId");
    let Some(cert) = inner.services.apps.find(
        VendorId::Meizu,
        |c| matches!(&c.credentials, AnyCredentials::Meizu(m) if m.app_id == app_id),
    ) else {
        return reject(Refusal::new("110000", code_message("110000")));
    };
    let AnyCredentials::Meizu(creds) = &cert.credentials else {
        return reject(Refusal::new("110000", code_message("110000")));
    };
    let expected = sign(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &creds.app_secret,
    );
    if !expected.eq_ignore_ascii_case(param("sign").trim()) {
        return reject(Refusal::new("1006", code_message("1006")));
    }
    // Faults after authentication (the signature) and before validation,
    // as in every vendor: "the next N" counts authenticated sends.
    match inner.faults.take(&push_ids) {
        Some(FaultKind::ErrorCode { code }) => {
            let msg = code_message(&code).to_string();
            return reject(Refusal::new(&code, msg));
        }
        Some(FaultKind::Latency { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await
        }
        Some(FaultKind::ServerError { status }) => {
            let status = fault_status(status);
            let vendor_code = http_code(status.as_u16());
            log(
                status.as_u16(),
                false,
                &vendor_code,
                "injected server error",
                tokens.clone(),
            );
            journal_fault(
                &inner.services,
                &message_id,
                VendorId::Meizu,
                &vendor_code,
                "injected server error",
            );
            return (status, "<html><body><h1>Server Error</h1></body></html>").into_response();
        }
        Some(FaultKind::Drop) => {
            log(0, false, "transport", "connection dropped", tokens.clone());
            journal_fault(
                &inner.services,
                &message_id,
                VendorId::Meizu,
                "transport",
                "connection dropped",
            );
            return dropped_connection();
        }
        None => {}
    }

    if push_ids.len() > MAX_PUSH_IDS {
        return reject(Refusal::new(
            "1005",
            format!("pushIds 一批最多不能超过{MAX_PUSH_IDS}个"),
        ));
    }
    let notice = match parse_message_json(param("messageJson")) {
        Ok(n) => n,
        Err(r) => return reject(r),
    };

    // Quotas and frequency control, on the hub clock.
    let mut failures: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut accepted: Vec<(String, String)> = Vec::new();
    {
        let mut counters = inner.counters.lock();
        if !counters.app_rate.hit(app_id, now) {
            drop(counters);
            return reject(Refusal::new("110010", code_message("110010")));
        }
        if let Some(limit) = counters.limits.app_daily {
            if !counters.app_daily.hit(app_id, china_day(now), limit) {
                drop(counters);
                return reject(Refusal::new("110019", code_message("110019")));
            }
        }
        for id in &push_ids {
            if !is_push_id_shaped(id) {
                failures.entry("110003").or_default().push(id.to_string());
                continue;
            }
            let Some(reg) = inner
                .services
                .gateway
                .lookup(VendorId::Meizu, id)
                .filter(|r| r.package == cert.package)
            else {
                failures.entry("110002").or_default().push(id.to_string());
                continue;
            };
            let key = format!("{app_id}:{id}");
            if notice.public {
                if let Some(limit) = counters.limits.public_per_device_per_day {
                    if !counters.public_daily.hit(&key, china_day(now), limit) {
                        failures.entry("110011").or_default().push(id.to_string());
                        continue;
                    }
                }
            }
            if !counters.collapse.hit(&key, now) {
                failures.entry("520").or_default().push(id.to_string());
                continue;
            }
            accepted.push((id.to_string(), reg.package));
        }
    }

    let msg_id = random_string(32, HEX);
    for (failure, ids) in &failures {
        for id in ids {
            inner.services.journal.append(
                Some(&message_id),
                None,
                Event::EndpointRejected {
                    vendor: VendorId::Meizu,
                    vendor_code: failure.to_string(),
                    message: format!("{}: {id}", code_message(failure)),
                    code: diagnosis_of(failure),
                },
            );
        }
    }
    for (id, package) in &accepted {
        inner.services.journal.append(
            Some(&message_id),
            None,
            Event::EndpointAccepted {
                vendor: VendorId::Meizu,
                vendor_message_id: msg_id.clone(),
                token: id.clone(),
            },
        );
        inner
            .services
            .gateway
            .deliver(instruction(&message_id, package, id, &notice));
    }
    let vendor_code = match failures.keys().next() {
        Some(first) if accepted.is_empty() => first.to_string(),
        _ => "200".to_string(),
    };
    log(200, !accepted.is_empty(), &vendor_code, "", tokens.clone());
    let value: Map<String, Value> = failures
        .into_iter()
        .map(|(k, ids)| (k.to_string(), json!(ids)))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({ "code": "200", "message": "", "msgId": msg_id, "value": value }),
    )
}
