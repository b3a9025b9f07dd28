//! The notification manager and the shade: channels, posts, cancels,
//! listeners, and the user's tap and swipe.

use std::sync::Arc;

use super::logcat::now_ms;
use super::model::{AndroidModel, Event, SHELL_CHANNEL, SHELL_NOTIFICATION_ID};
use super::packages::{POST_NOTIFICATIONS, SHELL_PACKAGE};
use super::state::{Channel, ContentIntent, PostedNotification, State};
use super::types::{Caller, NotificationPost, PostDropped, RemoveReason, TapOutcome};
use crate::android::LogLevel;
use crate::android::{ComponentName, ExtraValue, Extras, Importance, Intent};

impl AndroidModel {
    /// Whether the package may post notifications at all (API 33+
    /// permission, app-level block).
    pub fn notifications_allowed(&self, package: &str) -> bool {
        let st = self.state.lock();
        self.permission_ok(&st, package)
            && st.app_importance.get(package) != Some(&Importance::None)
    }

    pub(super) fn permission_ok(&self, st: &State, package: &str) -> bool {
        let Some(p) = st.packages.get(package) else {
            return false;
        };
        if self.api() < 33 || p.system || p.manifest.target_sdk < 33 {
            return true;
        }
        p.granted.contains(POST_NOTIFICATIONS)
    }

    pub(super) fn cancel_package_locked(
        &self,
        st: &mut State,
        package: &str,
        events: &mut Vec<Event>,
    ) {
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut st.notifications)
            .into_iter()
            .partition(|n| n.package == package);
        st.notifications = kept;
        for n in gone {
            events.push(Event::Removed(n, RemoveReason::PackageChanged));
        }
    }

    /// Creates or updates a channel of `package` (no-op below API 26,
    /// where channels do not exist). Like Android, an existing channel
    /// keeps its importance.
    pub fn create_channel(&self, package: &str, channel: Channel) {
        if self.api() < 26 {
            return;
        }
        let mut st = self.state.lock();
        let list = st.channels.entry(package.to_string()).or_default();
        match list.iter_mut().find(|c| c.id == channel.id) {
            Some(c) => {
                c.name = channel.name;
                c.description = channel.description;
                c.deleted = false;
            }
            None => list.push(channel),
        }
    }

    /// Deletes a channel (it stays listed with `mDeleted=true`).
    pub fn delete_channel(&self, package: &str, id: &str) {
        let mut st = self.state.lock();
        if let Some(c) = st
            .channels
            .get_mut(package)
            .and_then(|l| l.iter_mut().find(|c| c.id == id))
        {
            c.deleted = true;
        }
    }

    /// Sets a channel's importance as the user would (NONE blocks it).
    pub fn set_channel_importance(&self, package: &str, id: &str, importance: Importance) {
        let mut st = self.state.lock();
        if let Some(c) = st
            .channels
            .get_mut(package)
            .and_then(|l| l.iter_mut().find(|c| c.id == id))
        {
            c.importance = importance;
        }
    }

    /// The user's app-level switch for the package's notifications.
    pub fn set_notifications_enabled(&self, package: &str, enabled: bool) {
        let mut st = self.state.lock();
        if enabled {
            st.app_importance.remove(package);
        } else {
            st.app_importance
                .insert(package.to_string(), Importance::None);
        }
    }

    /// The package's channels.
    pub fn channels(&self, package: &str) -> Vec<Channel> {
        self.state
            .lock()
            .channels
            .get(package)
            .cloned()
            .unwrap_or_default()
    }

    /// Posts a notification as `package` (`NotificationManager.notify`).
    /// Returns the record's key, or why the framework dropped it (the
    /// app's `notify()` does not learn this on a real device; the log does).
    pub fn post_notification(
        self: &Arc<Self>,
        package: &str,
        post: NotificationPost,
    ) -> Result<String, PostDropped> {
        let mut events = Vec::new();
        let res = {
            let mut st = self.state.lock();
            self.post_locked(&mut st, package, post, &mut events)
        };
        self.dispatch(events);
        res
    }

    pub(super) fn post_locked(
        &self,
        st: &mut State,
        package: &str,
        post: NotificationPost,
        events: &mut Vec<Event>,
    ) -> Result<String, PostDropped> {
        let uid = st
            .packages
            .get(package)
            .map(|p| p.uid)
            .ok_or_else(|| PostDropped::UnknownPackage(package.to_string()))?;
        let tag_s = post.tag.clone().unwrap_or_else(|| "null".into());
        let blocked_app = st.app_importance.get(package) == Some(&Importance::None);
        if !self.permission_ok(st, package) || blocked_app {
            self.log_system(
                LogLevel::Error,
                "NotificationService",
                &format!("Suppressing notification from package {package} by user request."),
            );
            return Err(if blocked_app {
                PostDropped::AppBlocked(package.to_string())
            } else {
                PostDropped::PermissionDenied(package.to_string())
            });
        }
        let flags = if post.auto_cancel { 0x10 } else { 0 } | if post.ongoing { 0x2 } else { 0 };
        let (channel, importance) = if self.api() >= 26 {
            let found = post.channel_id.as_ref().and_then(|id| {
                st.channels
                    .get(package)
                    .and_then(|l| l.iter().find(|c| &c.id == id && !c.deleted))
                    .cloned()
            });
            let Some(ch) = found else {
                let channel = post.channel_id.clone().unwrap_or_else(|| "null".into());
                self.log_system(
                    LogLevel::Error,
                    "NotificationService",
                    &format!(
                        "No Channel found for pkg={package}, channelId={channel}, id={}, tag={tag_s}, opPkg={package}, callingUid={uid}, userId=0, incomingUserId=0, notificationUid={uid}, notification=Notification(channel={channel} shortcut=null contentView=null vibrate=null sound=null defaults=0x0 flags=0x{flags:x} color=0x00000000 vis=PRIVATE)",
                        post.id
                    ),
                );
                return Err(PostDropped::NoChannel {
                    package: package.to_string(),
                    channel: post.channel_id,
                });
            };
            if ch.importance == Importance::None {
                return Err(PostDropped::ChannelBlocked {
                    package: package.to_string(),
                    channel: ch.id,
                });
            }
            (Some(ch.id), ch.importance)
        } else {
            (None, Importance::Default)
        };
        let key = format!("0|{package}|{}|{tag_s}|{uid}", post.id);
        let hash = st.hash();
        let pi = (st.hash(), st.hash());
        let record = PostedNotification {
            key: key.clone(),
            package: package.to_string(),
            uid,
            id: post.id,
            tag: post.tag,
            channel,
            title: post.title,
            text: post.text,
            content_intent: post.content_intent,
            flags,
            extras: post.extras,
            when_ms: now_ms(),
            importance,
            hash,
            pi_hashes: pi,
            seen: false,
        };
        st.notifications.retain(|n| n.key != key);
        st.notifications.push(record.clone());
        events.push(Event::Posted(record));
        Ok(key)
    }

    /// `NotificationManager.cancel(tag, id)` as `package`.
    pub fn cancel_notification(
        self: &Arc<Self>,
        package: &str,
        tag: Option<&str>,
        id: i32,
    ) -> bool {
        let mut events = Vec::new();
        {
            let mut st = self.state.lock();
            let before = st.notifications.len();
            let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut st.notifications)
                .into_iter()
                .partition(|n| n.package == package && n.id == id && n.tag.as_deref() == tag);
            st.notifications = kept;
            let _ = before;
            for n in gone {
                events.push(Event::Removed(n, RemoveReason::AppCancel));
            }
        }
        let any = !events.is_empty();
        self.dispatch(events);
        any
    }

    /// The user swipes a notification away (listeners see `REASON_CANCEL`).
    pub fn dismiss_notification(self: &Arc<Self>, key: &str) -> bool {
        let mut events = Vec::new();
        {
            let mut st = self.state.lock();
            let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut st.notifications)
                .into_iter()
                .partition(|n| n.key == key);
            st.notifications = kept;
            for n in gone {
                events.push(Event::Removed(n, RemoveReason::Cancel));
            }
        }
        let any = !events.is_empty();
        self.dispatch(events);
        any
    }

    /// Every notification in the list (posting order).
    pub fn notifications(&self) -> Vec<PostedNotification> {
        self.state.lock().notifications.clone()
    }

    /// Lets a listener service receive posts and removals
    /// (`cmd notification allow_listener`). Before Android 4.3 (API 18)
    /// there are no notification listeners: nothing changes.
    pub fn allow_listener(&self, component: ComponentName) {
        if self.has_listeners() {
            self.state.lock().listeners.insert(component);
        }
    }

    /// Whether the framework has notification listeners (API 18+).
    pub fn has_listeners(&self) -> bool {
        self.api() >= 18
    }

    /// Takes a listener's access away (`cmd notification
    /// disallow_listener`).
    pub fn disallow_listener(&self, component: &ComponentName) {
        self.state.lock().listeners.remove(component);
    }

    /// The allowed notification listeners.
    pub fn listeners(&self) -> Vec<ComponentName> {
        self.state.lock().listeners.iter().cloned().collect()
    }

    /// Opens or closes the notification shade.
    pub fn set_shade(&self, open: bool) {
        self.state.lock().shade_open = open;
    }

    /// Whether the shade is open.
    pub fn shade_open(&self) -> bool {
        self.state.lock().shade_open
    }

    /// A user's tap on a notification: fires its contentIntent as the
    /// posting package, removes it if autoCancel, collapses the shade.
    pub fn tap_notification(self: &Arc<Self>, key: &str) -> Option<TapOutcome> {
        let n = {
            let mut st = self.state.lock();
            let n = st.notifications.iter_mut().find(|n| n.key == key)?;
            n.seen = true;
            let n = n.clone();
            st.shade_open = false;
            n
        };
        let caller = Caller::Package(n.package.clone());
        let outcome = match &n.content_intent {
            None => TapOutcome::Nothing,
            Some(ContentIntent::Broadcast(i)) => {
                TapOutcome::Broadcast(self.send_broadcast(&caller, i))
            }
            Some(ContentIntent::Service(i)) => {
                TapOutcome::Service(self.start_service(&caller, i, false))
            }
            Some(ci) => TapOutcome::Activity(Box::new(self.start_activity(&caller, &ci.intent()))),
        };
        if n.content_intent.is_some() && n.auto_cancel() {
            let mut events = Vec::new();
            {
                let mut st = self.state.lock();
                let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut st.notifications)
                    .into_iter()
                    .partition(|x| x.key == n.key);
                st.notifications = kept;
                for g in gone {
                    events.push(Event::Removed(g, RemoveReason::Click));
                }
            }
            self.dispatch(events);
        }
        Some(outcome)
    }

    /// Posts what `cmd notification post` posts: as `com.android.shell`,
    /// id 2020, on the `shell_cmd` channel (created on first use).
    pub fn post_from_shell(
        self: &Arc<Self>,
        tag: &str,
        title: Option<String>,
        text: &str,
        content_intent: Option<Intent>,
    ) -> Result<String, PostDropped> {
        self.create_channel(
            SHELL_PACKAGE,
            Channel::new(SHELL_CHANNEL, "Shell command", Importance::Default),
        );
        let mut extras = Extras::new();
        extras.insert(
            "android.template",
            ExtraValue::String("android.app.Notification$BigTextStyle".into()),
        );
        self.post_notification(
            SHELL_PACKAGE,
            NotificationPost {
                id: SHELL_NOTIFICATION_ID,
                tag: Some(tag.to_string()),
                channel_id: Some(SHELL_CHANNEL.into()),
                title: title.unwrap_or_default(),
                text: text.to_string(),
                content_intent: content_intent.map(ContentIntent::Activity),
                auto_cancel: false,
                ongoing: false,
                extras,
            },
        )
    }
}
