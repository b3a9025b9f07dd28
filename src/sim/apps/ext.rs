//! Where the demo app finds a message's `ext`, vendor by vendor, exactly as
//! each vendor's path hands it over (`docs/device-side.md#the-ext-paths`).
//!
//! Every vendor delivers the sender's content its own way: Mi inside the
//! `MiPushMessage`, Huawei, FCM and Meizu as an `ext` string extra, OPPO as
//! one string extra per key of the JSON object, vivo and Meizu in their
//! SDK's click callback. Next to that content, each vendor's path puts a
//! few keys of its own (Mi's `key_message`, FCM's `google.*`...). The app
//! strips exactly those of the vendor that delivered the message, and
//! nothing else: a key that is some *other* vendor's reserved name (an
//! OPPO ext with `from` or `ext` in it) is the sender's and arrives as
//! sent. [`VendorKeys::of`] is the one list of those keys; the Java
//! `ExtExtractor` keeps the same list, and `fixtures/ext-vectors.json`
//! holds both to it.

use serde_json::{Map, Value};

use crate::android::{ExtraValue, Intent};
use crate::companion::EXTRA_MESSAGE_ID;
use crate::wire::sdk;
use crate::wire::VendorId;

/// Where the app's `ext` arrived, as `ext_received.via` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtVia {
    /// The `ext` string extra of the opened activity (Huawei's data, FCM's
    /// `data.ext`, Meizu's `parameters.ext`).
    IntentExtra,
    /// Each key of a JSON ext as its own extra (OPPO; Huawei's intent-URI
    /// extras), reported as the JSON object of them.
    IntentExtras,
    /// Mi's `MiPushMessage` under `key_message` (opened activity or click
    /// callback).
    MiPushMessage,
    /// A click callback's parameters (vivo's params, Mi's message extra).
    CallbackParams,
    /// Meizu's `selfDefineContentString`.
    SelfDefineContent,
}

impl ExtVia {
    /// The name the journal records.
    pub fn name(self) -> &'static str {
        match self {
            ExtVia::IntentExtra => "intent_extra",
            ExtVia::IntentExtras => "intent_extras",
            ExtVia::MiPushMessage => "mipush_message",
            ExtVia::CallbackParams => "callback_params",
            ExtVia::SelfDefineContent => "self_define_content",
        }
    }
}

/// How a reserved key is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMatch {
    /// Exactly this key.
    Exact(&'static str),
    /// Every key that starts with this.
    Prefix(&'static str),
}

impl KeyMatch {
    fn matches(self, key: &str) -> bool {
        match self {
            KeyMatch::Exact(k) => key == k,
            KeyMatch::Prefix(p) => key.starts_with(p),
        }
    }
}

/// One key a delivery path puts next to the sender's content, and why.
#[derive(Debug, Clone, Copy)]
pub struct ReservedKey {
    pub key: KeyMatch,
    pub why: &'static str,
}

const fn exact(key: &'static str, why: &'static str) -> ReservedKey {
    ReservedKey {
        key: KeyMatch::Exact(key),
        why,
    }
}

const fn prefix(key: &'static str, why: &'static str) -> ReservedKey {
    ReservedKey {
        key: KeyMatch::Prefix(key),
        why,
    }
}

/// The one key every push service (the agent, or the ROM service the
/// simulator runs) adds to the tap intent and to each callback: it ties the
/// app's reports to the message in the journal. A sender's ext key of this
/// name cannot reach the app, on any vendor.
const PUSHLAB: &[ReservedKey] = &[exact(
    EXTRA_MESSAGE_ID,
    "the push service's message id, added to every tap intent and callback",
)];

/// Mi: the tap intent of an in-app page and the click callback carry the
/// message under `PushMessageHelper.KEY_MESSAGE`; the ext is inside it.
const XIAOMI: &[ReservedKey] = &[exact(
    "key_message",
    "PushMessageHelper.KEY_MESSAGE: the MiPushMessage the ext travels in",
)];

/// Huawei: the notification's data under `ext` (the key Tencent's guide
/// reads); its JSON members under their own keys are the sender's.
const HUAWEI: &[ReservedKey] = &[exact(
    "ext",
    "the whole notification data, which the member keys repeat",
)];

/// OPPO adds nothing: every extra besides the push service's id is a key of
/// the sender's `action_parameters`.
const OPPO: &[ReservedKey] = &[];

/// vivo: the ext reaches the app only in the click callback's params, under
/// the `ext` key the IM server chose; the opened activity carries nothing of
/// vivo's.
const VIVO: &[ReservedKey] = &[];

/// Meizu: the opened activity gets each `parameters` key (the IM server
/// sends only `ext`); the tap broadcast adds `method` and the self-defined
/// content.
const MEIZU: &[ReservedKey] = &[
    exact("ext", "parameters.ext, the IM server's one parameter"),
    exact(
        "method",
        "the Flyme tap broadcast's kind (`private` for a click)",
    ),
    exact(
        "selfDefineContentString",
        "the tap broadcast's copy of the parameters JSON",
    ),
];

/// FCM: the SDK puts each `data` pair on the opened activity next to keys
/// of its own, which FCM forbids as data keys: `from` (the sender id),
/// `collapse_key`, `message_type`, the `google.*` keys (`google.message_id`,
/// `google.sent_time`, `google.ttl`...) and the `gcm.*` notification keys
/// (`gcm.notification.title`, `gcm.n.e`...).
const FCM: &[ReservedKey] = &[
    exact("from", "the sender id the FCM SDK adds"),
    exact("collapse_key", "the collapse key the FCM SDK adds"),
    exact("message_type", "the message type the FCM SDK adds"),
    prefix("google.", "the FCM SDK's message metadata"),
    prefix("gcm.", "the FCM SDK's notification fields"),
];

/// The keys of one vendor's delivery paths that are not the sender's.
#[derive(Debug, Clone, Copy)]
pub struct VendorKeys {
    pub vendor: Option<VendorId>,
    own: &'static [ReservedKey],
}

impl VendorKeys {
    /// The reserved keys of `vendor`'s paths; `None` (the app does not know
    /// which vendor delivered) reserves only the push service's own key.
    pub fn of(vendor: Option<VendorId>) -> VendorKeys {
        let own = match vendor {
            None => &[][..],
            Some(VendorId::Xiaomi) => XIAOMI,
            Some(VendorId::Huawei) => HUAWEI,
            Some(VendorId::Oppo) => OPPO,
            Some(VendorId::Vivo) => VIVO,
            Some(VendorId::Meizu) => MEIZU,
            Some(VendorId::Fcm) => FCM,
        };
        VendorKeys { vendor, own }
    }

    /// Every reserved key, the push service's first.
    pub fn keys(&self) -> impl Iterator<Item = &ReservedKey> {
        PUSHLAB.iter().chain(self.own)
    }

    /// Whether `key` is this vendor's (or the push service's), not the
    /// sender's.
    pub fn is_reserved(&self, key: &str) -> bool {
        self.keys().any(|r| r.key.matches(key))
    }
}

/// How a vendor's tap hands the ext to the opened activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ActivityCarrier {
    /// The MiPushMessage under `key_message` (Mi).
    MiPushMessage,
    /// The `ext` string extra; without it, the other string extras
    /// (Huawei's intent-URI extras, FCM's other data pairs, Meizu's other
    /// parameters).
    ExtExtra,
    /// Every string extra is a key of the sender's object (OPPO).
    EachKey,
    /// The activity gets none of the sender's content (vivo: the callback
    /// has it).
    Nothing,
}

fn activity_carrier(vendor: Option<VendorId>) -> Option<ActivityCarrier> {
    Some(match vendor? {
        VendorId::Xiaomi => ActivityCarrier::MiPushMessage,
        VendorId::Huawei | VendorId::Meizu | VendorId::Fcm => ActivityCarrier::ExtExtra,
        VendorId::Oppo => ActivityCarrier::EachKey,
        VendorId::Vivo => ActivityCarrier::Nothing,
    })
}

/// `miPushMessage.getExtra().get("ext")` from the JSON of a `MiPushMessage`.
fn mi_message_ext(json: &str) -> Option<String> {
    let v: Value = serde_json::from_str(json).ok()?;
    v.get("extra")?.get("ext")?.as_str().map(str::to_string)
}

/// Meizu's `selfDefineContentString` is the parameters JSON the server
/// sent: its `ext` when it has one, else the whole string.
fn meizu_ext(self_define: &str) -> String {
    match serde_json::from_str::<Value>(self_define) {
        Ok(Value::Object(m)) => match m.get("ext") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => self_define.to_string(),
            Some(other) => other.to_string(),
        },
        _ => self_define.to_string(),
    }
}

fn string_of<'a>(intent: &'a Intent, key: &str) -> Option<&'a str> {
    intent.extras.get(key).and_then(ExtraValue::as_str)
}

/// The string extras that are not `keys`' reserved ones, as one JSON
/// object. Typed extras are the app's own, never a vendor's spread ext.
fn own_string_extras(intent: &Intent, keys: &VendorKeys) -> Option<String> {
    let pairs: Map<String, Value> = intent
        .extras
        .iter()
        .filter(|(k, _)| !keys.is_reserved(k))
        .filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), Value::String(s.into()))))
        .collect();
    (!pairs.is_empty()).then(|| Value::Object(pairs).to_string())
}

/// Every path `ext` arrives by on an activity a tap of `vendor`'s
/// notification opened. `None`: the app does not know the vendor, and reads
/// every place any vendor uses, treating only the push service's key as
/// not the sender's.
pub fn activity_ext(vendor: Option<VendorId>, intent: &Intent) -> Vec<(ExtVia, String)> {
    let keys = VendorKeys::of(vendor);
    let mi = || {
        string_of(intent, "key_message")
            .and_then(mi_message_ext)
            .map(|e| (ExtVia::MiPushMessage, e))
    };
    let ext_extra = || string_of(intent, "ext").map(|e| (ExtVia::IntentExtra, e.to_string()));
    let each_key =
        |keys: &VendorKeys| own_string_extras(intent, keys).map(|e| (ExtVia::IntentExtras, e));
    match activity_carrier(vendor) {
        Some(ActivityCarrier::MiPushMessage) => mi().into_iter().collect(),
        Some(ActivityCarrier::ExtExtra) => ext_extra()
            .or_else(|| each_key(&keys))
            .into_iter()
            .collect(),
        Some(ActivityCarrier::EachKey) => each_key(&keys).into_iter().collect(),
        Some(ActivityCarrier::Nothing) => Vec::new(),
        None => {
            let found: Vec<_> = ext_extra().into_iter().chain(mi()).collect();
            if found.is_empty() {
                each_key(&keys).into_iter().collect()
            } else {
                found
            }
        }
    }
}

/// The vendor whose SDK receiver listens on a callback broadcast's action.
pub fn callback_vendor(action: &str) -> Option<VendorId> {
    match action {
        sdk::xiaomi::ACTION_RECEIVE_MESSAGE => Some(VendorId::Xiaomi),
        sdk::vivo::RECEIVE_ACTION => Some(VendorId::Vivo),
        sdk::meizu::MESSAGE_ACTION => Some(VendorId::Meizu),
        sdk::fcm::RECEIVE_ACTION => Some(VendorId::Fcm),
        sdk::huawei::MESSAGING_EVENT_ACTION => Some(VendorId::Huawei),
        _ => None,
    }
}

/// The `ext` a vendor callback broadcast carries, if any. The action says
/// whose callback it is, and so where the ext is.
pub fn callback_ext(intent: &Intent) -> Option<(ExtVia, String)> {
    let string = |k: &str| string_of(intent, k);
    match callback_vendor(intent.action.as_deref()?)? {
        // onNotificationMessageClicked(context, miPushMessage): the ext is
        // in the MiPushMessage's extra map.
        VendorId::Xiaomi => string("key_message")
            .and_then(mi_message_ext)
            .map(|e| (ExtVia::MiPushMessage, e))
            .or_else(|| string("ext").map(|e| (ExtVia::CallbackParams, e.to_string()))),
        // onNotificationMessageClicked(context, upsNotificationMessage):
        // getParams().get("ext").
        VendorId::Vivo => string("ext").map(|e| (ExtVia::CallbackParams, e.to_string())),
        // onNotificationClicked(context, mzPushMessage):
        // getSelfDefineContentString().
        VendorId::Meizu => string("selfDefineContentString")
            .filter(|s| !s.is_empty())
            .map(|e| (ExtVia::SelfDefineContent, meizu_ext(e))),
        // FCM's wake-up broadcast and HMS's messaging event are not where
        // the guides read a notification's ext: the opened activity is.
        VendorId::Fcm | VendorId::Huawei | VendorId::Oppo => None,
    }
}
