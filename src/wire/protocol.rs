//! The gateway wire format (device push service <-> hub).
//!
//! HTTP/1.1 and JSON lines so that plain Java on a phone can speak it. The
//! vectors under `fixtures/gateway/` are checked by both the Rust and the Java
//! side; change them together with these types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::VendorId;
use super::{Link, MessageId};
use crate::android::ExtraValue;
use crate::diagnosis::Diagnosis;

/// The vendor ROM a device runs: it decides which vendor push channels the
/// phone has (Mi Push is part of MIUI/HyperOS, OPPO's of ColorOS, vivo's of
/// FuntouchOS/OriginOS, Meizu's of Flyme; HMS Core ships with EMUI and
/// HarmonyOS). `aosp` is any ROM without a vendor push service, and what an
/// unknown name reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rom {
    /// Stock Android, or a ROM with no vendor push service.
    #[default]
    Aosp,
    /// Xiaomi MIUI.
    Miui,
    /// Xiaomi HyperOS (MIUI's successor; Mi Push is built in).
    Hyperos,
    /// Huawei EMUI.
    Emui,
    /// Huawei HarmonyOS (Android-compatible releases).
    Harmonyos,
    /// OPPO ColorOS (also realme UI and OnePlus' OxygenOS, which carry
    /// OPPO's push service).
    Coloros,
    /// vivo FuntouchOS.
    Funtouchos,
    /// vivo OriginOS.
    Originos,
    /// Meizu Flyme.
    Flyme,
}

impl Rom {
    /// Every ROM, in declaration order.
    pub const ALL: [Rom; 9] = [
        Rom::Aosp,
        Rom::Miui,
        Rom::Hyperos,
        Rom::Emui,
        Rom::Harmonyos,
        Rom::Coloros,
        Rom::Funtouchos,
        Rom::Originos,
        Rom::Flyme,
    ];

    /// The name on the wire and in `debug.pushlab.rom`.
    pub fn name(self) -> &'static str {
        match self {
            Rom::Aosp => "aosp",
            Rom::Miui => "miui",
            Rom::Hyperos => "hyperos",
            Rom::Emui => "emui",
            Rom::Harmonyos => "harmonyos",
            Rom::Coloros => "coloros",
            Rom::Funtouchos => "funtouchos",
            Rom::Originos => "originos",
            Rom::Flyme => "flyme",
        }
    }

    /// The ROM a name stands for (`aosp` for any other name).
    pub fn from_name(name: &str) -> Rom {
        let name = name.trim();
        Rom::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(name))
            .unwrap_or(Rom::Aosp)
    }

    /// The ROM a maker ships on its phones (by `ro.product.manufacturer` or
    /// brand, any case): MIUI for Xiaomi, EMUI for Huawei and Honor, ColorOS
    /// for OPPO, OnePlus and realme, FuntouchOS for vivo, Flyme for Meizu;
    /// `aosp` for anyone else. A phone's own properties say better
    /// ([`facts::rom_from_props`](super::facts::rom_from_props)); this is
    /// for phones described by maker only.
    pub fn shipped_by(maker: &str) -> Rom {
        match maker.trim().to_ascii_lowercase().as_str() {
            "xiaomi" | "redmi" | "poco" => Rom::Miui,
            "huawei" | "honor" => Rom::Emui,
            "oppo" | "oneplus" | "realme" => Rom::Coloros,
            "vivo" | "iqoo" => Rom::Funtouchos,
            "meizu" => Rom::Flyme,
            _ => Rom::Aosp,
        }
    }

    /// The marketing name, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Rom::Aosp => "stock Android",
            Rom::Miui => "MIUI",
            Rom::Hyperos => "HyperOS",
            Rom::Emui => "EMUI",
            Rom::Harmonyos => "HarmonyOS",
            Rom::Coloros => "ColorOS",
            Rom::Funtouchos => "FuntouchOS",
            Rom::Originos => "OriginOS",
            Rom::Flyme => "Flyme",
        }
    }
}

impl Serialize for Rom {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Any string reads: a name pushlab does not know is `aosp` (a ROM without
/// a vendor push service pushlab simulates).
impl<'de> Deserialize<'de> for Rom {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Rom::from_name(&String::deserialize(d)?))
    }
}

impl std::fmt::Display for Rom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the device tells about itself when its push service registers, so
/// the vendor can decide as its real service would (vivo models without
/// push, HMS Core too old, no Google Play services, mainland China...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceInfo {
    /// `ro.product.brand`, e.g. `Xiaomi`.
    pub brand: String,
    /// `ro.product.manufacturer`.
    pub manufacturer: String,
    /// `ro.product.model`.
    pub model: String,
    /// `ro.build.version.sdk`.
    pub api_level: u32,
    /// The vendor ROM the device runs, from its system properties
    /// (`facts::rom_from_props`): which vendor channels it has.
    pub rom: Rom,
    /// `cn` or `global`.
    pub region: String,
    /// The ROM's push service supports this app's vendor channel (false on
    /// vivo and OPPO models without push support).
    pub vendor_push: bool,
    /// HMS Core version code, on Huawei devices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hms_core_version: Option<u64>,
    /// Google Play services are installed.
    pub play_services: bool,
    /// The device drops the data of Huawei notification messages on tap.
    pub drops_huawei_passthrough: bool,
}

/// `POST /gateway/v1/register`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// The device's id (its serial).
    pub device: String,
    pub vendor: VendorId,
    /// The app the token is for.
    pub package: String,
    #[serde(default)]
    pub device_info: DeviceInfo,
}

/// A successful registration: the token in the vendor's own shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub token: String,
}

/// A refused registration, as the vendor's device SDK would report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{vendor:?} registration failed with {code}: {message}")]
pub struct RegisterError {
    pub vendor: VendorId,
    /// The vendor SDK's code, e.g. vivo's state `101`.
    pub code: String,
    pub message: String,
    pub diagnosis: Diagnosis,
}

/// The notification as it should appear.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationSpec {
    pub title: String,
    pub text: String,
    /// The channel to post on; `None` posts without one (dropped on API 26+).
    pub channel_id: Option<String>,
    /// Same id replaces an earlier notification.
    pub notify_id: Option<i32>,
    /// Huawei's badge class: the app's entry activity.
    pub badge_class: Option<String>,
    /// Huawei's `badge.add_num`: how much the launcher badge goes up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub badge_add_num: Option<u32>,
    /// Huawei's `badge.set_num`: the number the launcher badge is set to
    /// (wins over `badge_add_num`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub badge_set_num: Option<u32>,
}

/// Where a tap goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClickRoute {
    /// The app's launcher activity.
    Launcher,
    /// An intent URI (`intent:…#Intent;…;end`), parsed with
    /// `Intent.parseUri(uri, URI_INTENT_SCHEME)`.
    IntentUri { uri: String },
    /// An explicit activity, `pkg/cls`.
    Component { component: String },
    /// An implicit intent with this action, inside the app's package.
    Action { action: String },
    /// A web page, opened with `ACTION_VIEW`.
    Url { url: String },
}

/// A capability an extra needs on the device; without it the extra is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Huawei notification data reaches the app on tap (EMUI with NC >= 9.1.1
    /// and not flagged as dropping it).
    HuaweiPassthrough,
}

impl Requirement {
    /// What a device that lacks the capability reports when it loses the
    /// extra.
    pub fn diagnosis_when_lost(self) -> Diagnosis {
        match self {
            Requirement::HuaweiPassthrough => Diagnosis::HuaweiPassthroughUnsupported,
        }
    }
}

/// One extra put on the tap intent or the callback broadcast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extra {
    pub key: String,
    pub value: ExtraValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<Requirement>,
}

impl Extra {
    pub fn string(key: impl Into<String>, value: impl Into<String>) -> Extra {
        Extra {
            key: key.into(),
            value: ExtraValue::String(value.into()),
            requires: None,
        }
    }
}

/// When a vendor callback broadcast is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackTrigger {
    /// When the notification arrives.
    Arrived,
    /// When the user taps it.
    Clicked,
}

/// A broadcast the vendor's push service sends to the app (its SDK's
/// receiver), e.g. Mi's `onNotificationMessageClicked`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackBroadcast {
    pub action: String,
    /// Explicit receiver, `pkg/cls`, when the service targets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    pub on: CallbackTrigger,
    #[serde(default)]
    pub extras: Vec<Extra>,
    /// Sent with `FLAG_INCLUDE_STOPPED_PACKAGES`, as a system push service
    /// that reaches force-stopped apps does.
    #[serde(default)]
    pub include_stopped_packages: bool,
}

/// Who posts the notification on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Poster {
    /// The ROM's push service posts it on the app's behalf (Mi, Huawei,
    /// OPPO, vivo, Meizu): works while the app is killed or force-stopped.
    #[default]
    SystemService,
    /// The app's own SDK posts it after a broadcast wakes it (FCM): nothing
    /// happens while the app is force-stopped.
    AppSdk,
}

/// What a device push service must do for one accepted push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisplayInstruction {
    pub message_id: MessageId,
    pub vendor: VendorId,
    /// The target app.
    pub package: String,
    /// The device token the push was addressed to.
    pub token: String,
    pub notification: NotificationSpec,
    #[serde(default)]
    pub poster: Poster,
    pub click: ClickRoute,
    /// Extras on the tap intent.
    #[serde(default)]
    pub extras: Vec<Extra>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callbacks: Vec<CallbackBroadcast>,
    /// The ext the sender attached, for the record; where it lands is said by
    /// `extras` and `callbacks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<String>,
}

/// A line on a device's gateway stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamItem {
    /// First line: the stream is open.
    Hello { device: String },
    /// Show a notification.
    Display {
        instruction: Box<DisplayInstruction>,
    },
    /// Fire the tap of the notification of this message.
    Tap { message_id: MessageId },
    /// Remove the notification of this message (all when `None`).
    Clear {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<MessageId>,
    },
    /// Keep-alive.
    Ping,
}

/// What the device side reports (`POST /gateway/v1/events`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum DeviceEventKind {
    /// The push service received the instruction.
    Received,
    /// The notification is in the shade.
    Posted {
        title: String,
        text: String,
        #[serde(default)]
        channel_id: Option<String>,
        /// The notification's key in `dumpsys notification`.
        #[serde(default)]
        key: Option<String>,
    },
    /// The device did not show it.
    Dropped {
        code: Diagnosis,
        #[serde(default)]
        detail: String,
    },
    /// The notification left the shade.
    Removed {
        #[serde(default)]
        reason: String,
    },
    /// The user (or the host) tapped it.
    Clicked,
    /// The tap opened an activity.
    ActivityStarted { component: String },
    /// The tap opened a URL in a browser.
    UrlOpened { url: String, package: String },
    /// The tap failed to open anything.
    ClickFailed {
        code: Diagnosis,
        #[serde(default)]
        detail: String,
    },
    /// A vendor callback broadcast reached the app, and the SDK callback
    /// its receiver dispatched it to (`None`: none, e.g. an FCM
    /// notification message the SDK shows itself).
    CallbackReceived {
        action: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        callback: Option<crate::wire::sdk::SdkCallback>,
    },
    /// The app read the ext, and where it found it.
    ExtReceived { via: String, value: String },
    /// The device lost (part of) the message's ext before the app could
    /// read it, e.g. a Huawei device that does not hand notification data
    /// over on tap.
    ExtDropped {
        code: Diagnosis,
        #[serde(default)]
        detail: String,
    },
    /// The push service set the app's launcher badge for the message: the
    /// activity class the badge is on and the number the launcher now
    /// shows (Huawei's `badge`, set through the launcher's badge provider).
    BadgeSet { class: String, number: u32 },
}

/// One device event as posted to the gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceEvent {
    /// The message the event is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// The reporting device.
    #[serde(default)]
    pub device: String,
    /// `agent` (the push service) or `app` (the demo app).
    #[serde(default = "default_reporter")]
    pub reporter: Reporter,
    #[serde(flatten)]
    pub kind: DeviceEventKind,
}

fn default_reporter() -> Reporter {
    Reporter::PushService
}

/// Which side of the device reported an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporter {
    /// The ROM's push service or the companion agent.
    PushService,
    /// The app under test.
    App,
}

/// A device event as the journal keeps it (its message id lives on the
/// journal record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub device: String,
    pub reporter: Reporter,
    #[serde(flatten)]
    pub kind: DeviceEventKind,
}

impl From<DeviceEvent> for DeviceRecord {
    fn from(e: DeviceEvent) -> Self {
        DeviceRecord {
            device: e.device,
            reporter: e.reporter,
            kind: e.kind,
        }
    }
}

impl DeviceRecord {
    pub fn link(&self) -> Link {
        match self.reporter {
            Reporter::PushService => Link::Device,
            Reporter::App => Link::App,
        }
    }

    pub fn diagnosis(&self) -> Option<Diagnosis> {
        match &self.kind {
            DeviceEventKind::Dropped { code, .. }
            | DeviceEventKind::ClickFailed { code, .. }
            | DeviceEventKind::ExtDropped { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Extras as a map, for code that does not care about types.
pub fn string_extras(extras: &[Extra]) -> BTreeMap<String, String> {
    extras
        .iter()
        .filter_map(|e| e.value.as_str().map(|v| (e.key.clone(), v.to_string())))
        .collect()
}
