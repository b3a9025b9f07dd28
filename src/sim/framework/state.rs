//! The framework's mutable state, shared by every manager: packages,
//! processes, tasks, notifications, channels, listeners and settings.

use std::collections::{BTreeMap, BTreeSet};

use super::packages::PackageTable;
use crate::android::{ComponentName, Extras, Importance, Intent};

/// A process of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub uid: u32,
    pub name: String,
    pub package: String,
}

/// An `ActivityRecord`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRecord {
    pub hash: u32,
    pub component: ComponentName,
    pub intent: Intent,
}

/// A task (back stack of one app).
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: u32,
    pub hash: u32,
    pub affinity: String,
    pub uid: u32,
    pub home: bool,
    /// Bottom first.
    pub activities: Vec<ActivityRecord>,
}

/// What a notification's tap does.
#[derive(Debug, Clone, PartialEq)]
pub enum ContentIntent {
    /// `PendingIntent.getActivity`.
    Activity(Intent),
    /// An `ACTION_VIEW` of a URL (the default browser).
    Url(String),
    /// `PendingIntent.getBroadcast`.
    Broadcast(Intent),
    /// `PendingIntent.getService`.
    Service(Intent),
}

impl ContentIntent {
    /// The intent it fires.
    pub fn intent(&self) -> Intent {
        match self {
            ContentIntent::Activity(i)
            | ContentIntent::Broadcast(i)
            | ContentIntent::Service(i) => i.clone(),
            ContentIntent::Url(u) => Intent::view(u.clone()),
        }
    }

    /// The `PendingIntentRecord` kind printed by `dumpsys notification`.
    pub fn kind(&self) -> &'static str {
        match self {
            ContentIntent::Activity(_) | ContentIntent::Url(_) => "startActivity",
            ContentIntent::Broadcast(_) => "broadcastIntent",
            ContentIntent::Service(_) => "startService",
        }
    }
}

/// A channel as an app creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub description: String,
    pub importance: Importance,
    pub show_badge: bool,
    pub deleted: bool,
}

impl Channel {
    /// A channel with a name and importance.
    pub fn new(id: &str, name: &str, importance: Importance) -> Self {
        Channel {
            id: id.to_string(),
            name: name.to_string(),
            description: String::new(),
            importance,
            show_badge: true,
            deleted: false,
        }
    }
}

/// A notification in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct PostedNotification {
    /// `<user>|<pkg>|<id>|<tag>|<uid>`.
    pub key: String,
    pub package: String,
    pub uid: u32,
    pub id: i32,
    pub tag: Option<String>,
    pub channel: Option<String>,
    pub title: String,
    pub text: String,
    pub content_intent: Option<ContentIntent>,
    pub flags: u32,
    pub extras: Extras,
    pub when_ms: u64,
    pub importance: Importance,
    /// `System.identityHashCode`-like values printed in the dump.
    pub hash: u32,
    pub pi_hashes: (u32, u32),
    pub seen: bool,
}

impl PostedNotification {
    pub fn auto_cancel(&self) -> bool {
        self.flags & crate::android::notification::FLAG_AUTO_CANCEL != 0
    }
}

/// The mutable framework state.
#[derive(Debug, Clone)]
pub struct State {
    pub packages: PackageTable,
    pub processes: Vec<Process>,
    /// Top first.
    pub tasks: Vec<Task>,
    /// In posting order.
    pub notifications: Vec<PostedNotification>,
    /// Channels per package, in creation order.
    pub channels: BTreeMap<String, Vec<Channel>>,
    /// App-level importance (NONE = blocked; UNSPECIFIED = default).
    pub app_importance: BTreeMap<String, Importance>,
    pub shade_open: bool,
    pub listeners: BTreeSet<ComponentName>,
    /// `settings` values other than the ones the framework owns, by
    /// (namespace, key).
    pub settings: BTreeMap<(String, String), String>,
    pub(super) next_pid: u32,
    pub(super) next_task: u32,
    pub(super) next_uid: u32,
    pub(super) hash_seed: u32,
}

impl State {
    pub(super) fn hash(&mut self) -> u32 {
        // xorshift: stable, unique-looking identity hashes.
        let mut x = self.hash_seed;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.hash_seed = x;
        x & 0x0fff_ffff
    }

    /// The resumed activity: top of the top task.
    pub fn resumed(&self) -> Option<(&Task, &ActivityRecord)> {
        let t = self.tasks.first()?;
        Some((t, t.activities.last()?))
    }

    pub(super) fn process_of(&self, package: &str) -> Option<&Process> {
        self.processes.iter().find(|p| p.name == package)
    }
}
