//! Notification records and channels as `dumpsys notification` shows them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// `NotificationManager.IMPORTANCE_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    /// -1000: not set by anyone.
    Unspecified,
    /// 0: blocked; nothing is shown.
    None,
    Min,
    Low,
    Default,
    High,
    Max,
}

impl Importance {
    /// From the integer printed in record headers and `mImportance=<int>`.
    pub fn from_int(v: i32) -> Option<Importance> {
        Some(match v {
            -1000 => Importance::Unspecified,
            0 => Importance::None,
            1 => Importance::Min,
            2 => Importance::Low,
            3 => Importance::Default,
            4 => Importance::High,
            5 => Importance::Max,
            _ => return None,
        })
    }

    pub fn as_int(self) -> i32 {
        match self {
            Importance::Unspecified => -1000,
            Importance::None => 0,
            Importance::Min => 1,
            Importance::Low => 2,
            Importance::Default => 3,
            Importance::High => 4,
            Importance::Max => 5,
        }
    }

    /// From the name printed by `importance=DEFAULT` / `mImportance=HIGH`, or
    /// from an integer.
    pub fn parse(s: &str) -> Option<Importance> {
        let s = s.trim();
        if let Ok(v) = s.parse::<i32>() {
            return Self::from_int(v);
        }
        Some(match s.to_ascii_uppercase().as_str() {
            "UNSPECIFIED" => Importance::Unspecified,
            "NONE" => Importance::None,
            "MIN" => Importance::Min,
            "LOW" => Importance::Low,
            "DEFAULT" => Importance::Default,
            "HIGH" => Importance::High,
            "MAX" => Importance::Max,
            _ => return None,
        })
    }

    /// The name Android prints (`DEFAULT`, `HIGH`...).
    pub fn name(self) -> &'static str {
        match self {
            Importance::Unspecified => "UNSPECIFIED",
            Importance::None => "NONE",
            Importance::Min => "MIN",
            Importance::Low => "LOW",
            Importance::Default => "DEFAULT",
            Importance::High => "HIGH",
            Importance::Max => "MAX",
        }
    }

    /// Whether a notification at this importance appears in the shade.
    pub fn is_shown(self) -> bool {
        !matches!(self, Importance::None)
    }
}

impl fmt::Display for Importance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A CharSequence extra (`android.title`, `android.text`) as the dump shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotificationText {
    /// `--noredact`: `String (Hello)`, `SpannableString (Hello)`.
    Plain { value: String },
    /// Redacted dump: `String [length=23]` (12+) or bare `String` (≤ 11).
    Redacted {
        class: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        length: Option<usize>,
    },
    /// `null`.
    Null,
}

impl NotificationText {
    /// The text, when the dump was taken with `--noredact`.
    pub fn plain(&self) -> Option<&str> {
        match self {
            NotificationText::Plain { value } => Some(value),
            _ => None,
        }
    }
}

/// The `contentIntent=PendingIntent{…: PendingIntentRecord{<hash> <pkg> <kind>…}}`
/// of a notification: what a tap does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingIntentSummary {
    /// The package that created the PendingIntent.
    pub package: String,
    /// `startActivity`, `broadcastIntent`, `startService`, `startForegroundService`...
    pub kind: String,
    /// The line as printed, for anything the summary does not model.
    pub raw: String,
}

/// A notification channel (`NotificationChannel{mId='…', mName=…, …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationChannel {
    pub id: String,
    /// As printed; bugreports redact it to three characters plus `...`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub importance: Importance,
    /// `mDescription=hasDescription` (the text itself is never printed).
    pub has_description: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_badge: Option<bool>,
    /// The owning package, when the channel was listed under `AppSettings:`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

/// One `AppSettings: <pkg> (<uid>) importance=<NAME> userSet=<bool>` block of
/// the preferences section with its channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppNotificationSettings {
    pub package: String,
    pub uid: u32,
    /// `importance=NONE` means the user turned the app's notifications off.
    pub importance: Importance,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_set: Option<bool>,
    pub channels: Vec<NotificationChannel>,
}

impl AppNotificationSettings {
    pub fn notifications_enabled(&self) -> bool {
        self.importance.is_shown()
    }

    pub fn channel(&self, id: &str) -> Option<&NotificationChannel> {
        self.channels.iter().find(|c| c.id == id)
    }
}

/// `Notification.FLAG_*` names printed by Android 15+ (`flags=ONGOING_EVENT|…`).
pub const NOTIFICATION_FLAG_NAMES: &[(&str, u32)] = &[
    ("SHOW_LIGHTS", 0x1),
    ("ONGOING_EVENT", 0x2),
    ("INSISTENT", 0x4),
    ("ONLY_ALERT_ONCE", 0x8),
    ("AUTO_CANCEL", 0x10),
    ("NO_CLEAR", 0x20),
    ("FOREGROUND_SERVICE", 0x40),
    ("HIGH_PRIORITY", 0x80),
    ("LOCAL_ONLY", 0x100),
    ("GROUP_SUMMARY", 0x200),
    ("AUTOGROUP_SUMMARY", 0x400),
    ("CAN_COLORIZE", 0x800),
    ("BUBBLE", 0x1000),
    ("NO_DISMISS", 0x2000),
    ("FSI_REQUESTED_BUT_DENIED", 0x4000),
    ("USER_INITIATED_JOB", 0x8000),
];

/// `Notification.FLAG_AUTO_CANCEL`.
pub const FLAG_AUTO_CANCEL: u32 = 0x10;
/// `Notification.FLAG_ONGOING_EVENT`.
pub const FLAG_ONGOING_EVENT: u32 = 0x2;

/// One posted notification (`NotificationRecord(…)` block of `dumpsys notification`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRecord {
    pub pkg: String,
    /// `UserHandle{<n>}`; -1 for notifications shown to all users.
    pub user: i32,
    pub id: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// `<userId>|<pkg>|<id>|<tag>|<uid>`.
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<NotificationText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<NotificationText>,
    /// `Notification.flags` (hex on ≤ 14, symbolic on 15+, both read here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_intent: Option<PendingIntentSummary>,
    /// The header's `importance=<int>` (`score=` on ≤ 7 is not an importance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importance: Option<Importance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op_pkg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen: Option<bool>,
    /// `vis=PRIVATE|PUBLIC|SECRET` from the header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The channel the record was posted to, as the record prints it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_channel: Option<NotificationChannel>,
    /// Every `extras={…}` entry as printed (`key` → `Type (value)`), for
    /// extras the fields above do not model.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extras: BTreeMap<String, String>,
}

impl NotificationRecord {
    /// The title when the dump carries it (`--noredact`).
    pub fn title_text(&self) -> Option<&str> {
        self.title.as_ref().and_then(NotificationText::plain)
    }

    /// The text when the dump carries it (`--noredact`).
    pub fn text_text(&self) -> Option<&str> {
        self.text.as_ref().and_then(NotificationText::plain)
    }

    /// A String extra's value when the dump carries it (`--noredact`):
    /// `extras` holds `String (value)` for key `ext`, this returns `value`.
    pub fn extra_string(&self, key: &str) -> Option<&str> {
        let raw = self.extras.get(key)?;
        let (class, rest) = raw.split_once(" (")?;
        if class.contains(' ') {
            return None;
        }
        rest.strip_suffix(')')
    }

    pub fn has_flag(&self, flag: u32) -> bool {
        self.flags.is_some_and(|f| f & flag == flag)
    }
}
