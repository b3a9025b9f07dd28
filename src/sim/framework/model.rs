//! The framework model: package, activity, process, broadcast and
//! notification managers of one simulated device.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::intents::{intent_string, short_string};
use super::logcat::{now_ms, LogBuffer, LogBufferId};
use super::packages::{
    self, uid_short, ComponentKind, Manifest, Package, PackageTable, CATEGORY_DEFAULT,
    LAUNCHER_ACTIVITY, LAUNCHER_PACKAGE, POST_NOTIFICATIONS, SHELL_PACKAGE,
};
use crate::android::intent::{ACTION_VIEW, CATEGORY_LAUNCHER};
use crate::android::LogLevel;
use crate::android::{ComponentName, ExtraValue, Extras, Importance, Intent, LaunchFlags};
use crate::sim::profile::Profile;

/// `system_server`'s pid (log lines of the framework carry it).
pub const SYSTEM_SERVER_PID: u32 = 1147;
/// The pid the shell's `am`/`cmd` commands appear to run as.
pub const SHELL_PID: u32 = 9876;
/// `FLAG_RECEIVER_FROM_SHELL`, added by `am broadcast`.
pub const FLAG_RECEIVER_FROM_SHELL: u32 = 0x0040_0000;
/// `FLAG_EXCLUDE_STOPPED_PACKAGES`.
pub const FLAG_EXCLUDE_STOPPED_PACKAGES: u32 = 0x10;
/// The id `cmd notification post` uses.
pub const SHELL_NOTIFICATION_ID: i32 = 2020;
/// The channel `cmd notification post` posts on.
pub const SHELL_CHANNEL: &str = "shell_cmd";
/// The chooser shown when several apps handle an implicit intent.
pub const RESOLVER_ACTIVITY: &str = "com.android.internal.app.ResolverActivity";

/// Who asks the framework for something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// `adb shell` (uid 2000).
    Shell,
    /// An installed package (its own components are always reachable).
    Package(String),
}

impl Caller {
    fn package(&self) -> Option<&str> {
        match self {
            Caller::Shell => None,
            Caller::Package(p) => Some(p),
        }
    }
}

/// How an activity start went (`am start -W`'s `LaunchState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchState {
    /// The process had to be started.
    Cold,
    /// The process ran; a new activity instance was created.
    Warm,
    /// An existing instance came to front.
    Hot,
}

impl LaunchState {
    pub fn name(self) -> &'static str {
        match self {
            LaunchState::Cold => "COLD",
            LaunchState::Warm => "WARM",
            LaunchState::Hot => "HOT",
        }
    }
}

/// A started activity.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityStart {
    /// The activity that is now on top.
    pub component: ComponentName,
    /// The intent it was started with (extras included).
    pub intent: Intent,
    pub launch_state: LaunchState,
    /// `Some` when no new instance was created (`am start` prints it).
    pub warning: Option<StartWarning>,
}

/// The `Warning: Activity not started, …` cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartWarning {
    /// The task was brought to front (launcher intent of a running app).
    BroughtToFront,
    /// `FLAG_ACTIVITY_SINGLE_TOP` and the activity was on top.
    DeliveredToTop,
}

impl StartWarning {
    /// The text after `Warning: `.
    pub fn message(self) -> &'static str {
        match self {
            StartWarning::BroughtToFront => {
                "Activity not started, its current task has been brought to the front"
            }
            StartWarning::DeliveredToTop => {
                "Activity not started, intent has been delivered to currently running top-most instance."
            }
        }
    }
}

/// Why an activity did not start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StartError {
    /// Nothing matches (`Error: Activity not started, unable to resolve …`).
    #[error("unable to resolve {0:?}")]
    Unresolved(Box<Intent>),
    /// The explicit component does not exist (`Error type 3`).
    #[error("activity class {0} does not exist")]
    ClassNotFound(ComponentName),
    /// An intent URI that does not parse.
    #[error("bad intent URI: {0}")]
    BadUri(String),
    /// The activity is not exported and the caller is another app.
    #[error("{component} is not exported from uid {uid}")]
    NotExported {
        component: ComponentName,
        uid: u32,
        intent: Box<Intent>,
    },
}

/// Why a service did not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error("Not found; no service started.")]
    NotFound,
    #[error(
        "Not allowed to start service {intent} without permission not exported from uid {uid}"
    )]
    NotExported { intent: String, uid: u32 },
    /// API 26+: `startService` of an app not in the foreground.
    #[error("app is in background uid null")]
    Background,
}

/// What a broadcast reached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOutcome {
    /// Receivers that got it.
    pub delivered: Vec<ComponentName>,
    /// Receivers skipped because their package is stopped.
    pub skipped_stopped: Vec<ComponentName>,
    /// Manifest receivers of an implicit broadcast on API 26+.
    pub background_blocked: Vec<ComponentName>,
}

impl BroadcastOutcome {
    /// `device.app_stopped` when a receiver was skipped because its
    /// package is stopped and nobody got the broadcast.
    pub fn diagnosis(&self) -> Option<crate::diagnosis::Diagnosis> {
        (self.delivered.is_empty() && !self.skipped_stopped.is_empty())
            .then_some(crate::diagnosis::Diagnosis::DeviceAppStopped)
    }
}

/// Why a process died.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessDeath {
    /// `am force-stop` (the package is now stopped).
    ForceStop,
    /// `am kill` (process death only).
    Killed,
    /// `pm clear` / uninstall.
    DataCleared,
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

/// A notification an app asks to post (`NotificationManager.notify`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NotificationPost {
    pub id: i32,
    pub tag: Option<String>,
    /// Required on API 26+ (a missing channel drops the post).
    pub channel_id: Option<String>,
    pub title: String,
    pub text: String,
    pub content_intent: Option<ContentIntent>,
    /// `FLAG_AUTO_CANCEL`: the tap removes it.
    pub auto_cancel: bool,
    /// `FLAG_ONGOING_EVENT`.
    pub ongoing: bool,
    /// `Notification.extras` beyond title and text.
    pub extras: Extras,
}

/// Why a post did not make it into the list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostDropped {
    #[error("unknown package {0}")]
    UnknownPackage(String),
    /// API 26+, the channel does not exist ("No Channel found" in logcat).
    #[error("no channel {channel:?} for {package}")]
    NoChannel {
        package: String,
        channel: Option<String>,
    },
    /// API 33+, POST_NOTIFICATIONS not granted.
    #[error("{0} lacks POST_NOTIFICATIONS")]
    PermissionDenied(String),
    /// The user blocked the app's notifications.
    #[error("notifications of {0} are blocked")]
    AppBlocked(String),
    /// The channel's importance is NONE.
    #[error("channel {channel} of {package} is blocked")]
    ChannelBlocked { package: String, channel: String },
}

impl PostDropped {
    /// The diagnosis a support engineer would give for this drop.
    pub fn diagnosis(&self) -> Option<crate::diagnosis::Diagnosis> {
        use crate::diagnosis::Diagnosis;
        match self {
            PostDropped::UnknownPackage(_) => None,
            PostDropped::NoChannel { .. } => Some(Diagnosis::DeviceChannelMissing),
            PostDropped::PermissionDenied(_)
            | PostDropped::AppBlocked(_)
            | PostDropped::ChannelBlocked { .. } => Some(Diagnosis::DeviceNotificationsDisabled),
        }
    }
}

impl StartError {
    /// The diagnosis for a tap that could not open its target; `url` says
    /// whether the target was an open-URL click.
    pub fn diagnosis(&self, url: bool) -> crate::diagnosis::Diagnosis {
        use crate::diagnosis::Diagnosis;
        match self {
            _ if url => Diagnosis::DeviceUrlInvalid,
            StartError::NotExported { .. } => Diagnosis::DeviceActivityNotExported,
            StartError::BadUri(_) | StartError::Unresolved(_) | StartError::ClassNotFound(_) => {
                Diagnosis::DeviceActivityNotFound
            }
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

/// Why a notification left the list (`NotificationListenerService.REASON_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveReason {
    /// Tapped with autoCancel.
    Click,
    /// Cancelled by the app.
    AppCancel,
    /// Cleared by the user.
    Cancel,
    /// The package was force-stopped, cleared or removed.
    PackageChanged,
}

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

/// What the tap on a notification did.
#[derive(Debug, Clone, PartialEq)]
pub enum TapOutcome {
    /// No contentIntent: nothing happens.
    Nothing,
    Activity(Box<Result<ActivityStart, StartError>>),
    Broadcast(BroadcastOutcome),
    Service(Result<ComponentName, ServiceError>),
}

/// Reactions of an app model to framework events. Every method has an
/// empty default; hooks run after the framework state has changed and with
/// no lock held, so they may call back into the model.
pub trait AppHooks: Send + Sync {
    /// An activity of the package was started (or got a new intent).
    fn activity_started(&self, _model: &Arc<AndroidModel>, _start: &ActivityStart) {}
    /// A receiver of the package got a broadcast.
    fn broadcast_received(
        &self,
        _model: &Arc<AndroidModel>,
        _receiver: &ComponentName,
        _intent: &Intent,
    ) {
    }
    /// A service of the package was started.
    fn service_started(
        &self,
        _model: &Arc<AndroidModel>,
        _service: &ComponentName,
        _intent: &Intent,
        _foreground: bool,
    ) {
    }
    /// The package's process died.
    fn process_died(&self, _model: &Arc<AndroidModel>, _package: &str, _reason: ProcessDeath) {}
    /// The package's data was wiped (`pm clear`, uninstall), whether or
    /// not its process ran.
    fn data_cleared(&self, _model: &Arc<AndroidModel>, _package: &str) {}
    /// For packages with an allowed notification listener: a post.
    fn notification_posted(&self, _model: &Arc<AndroidModel>, _n: &PostedNotification) {}
    /// For packages with an allowed notification listener: a removal.
    fn notification_removed(
        &self,
        _model: &Arc<AndroidModel>,
        _n: &PostedNotification,
        _reason: RemoveReason,
    ) {
    }
}

enum Event {
    Activity(String, ActivityStart),
    Broadcast(String, ComponentName, Intent),
    Service(String, ComponentName, Intent, bool),
    Died(String, ProcessDeath),
    DataCleared(String),
    Posted(PostedNotification),
    Removed(PostedNotification, RemoveReason),
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
    next_pid: u32,
    next_task: u32,
    next_uid: u32,
    hash_seed: u32,
}

impl State {
    fn hash(&mut self) -> u32 {
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

    fn process_of(&self, package: &str) -> Option<&Process> {
        self.processes.iter().find(|p| p.name == package)
    }
}

/// The framework of one simulated device. See the module docs.
pub struct AndroidModel {
    profile: Profile,
    state: Mutex<State>,
    hooks: RwLock<HashMap<String, Arc<dyn AppHooks>>>,
    log: LogBuffer,
}

impl std::fmt::Debug for AndroidModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AndroidModel")
            .field("profile", &self.profile.name)
            .finish_non_exhaustive()
    }
}

impl AndroidModel {
    /// A freshly booted framework: the ROM's packages and the companion
    /// apps, the launcher in front, the system processes running.
    pub fn new(profile: Profile) -> Arc<Self> {
        Self::boot(profile, true)
    }

    /// [`Self::new`], with the companion apps installed or not.
    pub fn boot(profile: Profile, companions: bool) -> Arc<Self> {
        let mut packages = PackageTable::new();
        for p in packages::preinstalled(&profile, companions) {
            packages.insert(p.name().to_string(), p);
        }
        let mut state = State {
            packages,
            processes: Vec::new(),
            tasks: Vec::new(),
            notifications: Vec::new(),
            channels: BTreeMap::new(),
            app_importance: BTreeMap::new(),
            shade_open: false,
            listeners: BTreeSet::new(),
            settings: BTreeMap::new(),
            next_pid: 4200,
            next_task: 9,
            next_uid: 10_210,
            hash_seed: 0x1f72_345d,
        };
        let mut boot = vec![
            (2420, 10_086, packages::SYSTEMUI_PACKAGE),
            (2713, 10_081, LAUNCHER_PACKAGE),
        ];
        // The ROM's push service is persistent: it runs from boot.
        if let Some((pkg, _)) = packages::push_service_for(&profile) {
            boot.push((3105, 10_120, pkg));
        }
        for (pid, uid, name) in boot {
            state.processes.push(Process {
                pid,
                uid,
                name: name.to_string(),
                package: name.to_string(),
            });
        }
        let hash = state.hash();
        let rec_hash = state.hash();
        state.tasks.push(Task {
            id: 1,
            hash,
            affinity: LAUNCHER_PACKAGE.into(),
            uid: 10_081,
            home: true,
            activities: vec![ActivityRecord {
                hash: rec_hash,
                component: ComponentName::new(LAUNCHER_PACKAGE, LAUNCHER_ACTIVITY),
                intent: Intent::new(crate::android::intent::ACTION_MAIN),
            }],
        });
        if profile.api_level.get() >= 26 {
            // System channels exist from boot, like the preferences capture.
            state.channels.insert(
                "android".into(),
                vec![
                    Channel::new("DEVELOPER", "Developer messages", Importance::Low),
                    Channel::new("FOREGROUND_SERVICE", "App activity", Importance::Low),
                ],
            );
        }
        let model = Arc::new(AndroidModel {
            profile,
            state: Mutex::new(state),
            hooks: RwLock::new(HashMap::new()),
            log: LogBuffer::default(),
        });
        model.log_system(
            LogLevel::Info,
            "SystemServer",
            "Entered the Android system server!",
        );
        model
    }

    /// The device profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The API level.
    pub fn api(&self) -> u8 {
        self.profile.api_level.get()
    }

    /// A snapshot of the state (for dumps and the UI).
    pub fn snapshot(&self) -> State {
        self.state.lock().clone()
    }

    /// The log buffers.
    pub fn log(&self) -> &LogBuffer {
        &self.log
    }

    /// Appends a line to logcat's main buffer as `package`'s process (or
    /// pid 0 when it has none).
    pub fn log_as(&self, package: &str, level: LogLevel, tag: &str, message: &str) {
        let pid = self
            .state
            .lock()
            .process_of(package)
            .map(|p| p.pid)
            .unwrap_or(0);
        self.log
            .append(LogBufferId::Main, pid, pid, level, tag, message);
    }

    /// A framework (system_server) log line in the system buffer.
    pub fn log_system(&self, level: LogLevel, tag: &str, message: &str) {
        let tid = SYSTEM_SERVER_PID + 1 + (tag.len() as u32 * 7) % 400;
        self.log.append(
            LogBufferId::System,
            SYSTEM_SERVER_PID,
            tid,
            level,
            tag,
            message,
        );
    }

    fn atm_tag(&self) -> &'static str {
        if self.api() >= 29 {
            "ActivityTaskManager"
        } else {
            "ActivityManager"
        }
    }

    /// Registers an app model's reactions for `package` (replacing any).
    pub fn set_hooks(&self, package: &str, hooks: Arc<dyn AppHooks>) {
        self.hooks.write().insert(package.to_string(), hooks);
    }

    fn dispatch(self: &Arc<Self>, events: Vec<Event>) {
        for e in events {
            match e {
                Event::Activity(pkg, start) => {
                    if let Some(h) = self.hook(&pkg) {
                        h.activity_started(self, &start);
                    }
                }
                Event::Broadcast(pkg, cmp, intent) => {
                    if let Some(h) = self.hook(&pkg) {
                        h.broadcast_received(self, &cmp, &intent);
                    }
                }
                Event::Service(pkg, cmp, intent, fg) => {
                    if let Some(h) = self.hook(&pkg) {
                        h.service_started(self, &cmp, &intent, fg);
                    }
                }
                Event::Died(pkg, why) => {
                    if let Some(h) = self.hook(&pkg) {
                        h.process_died(self, &pkg, why);
                    }
                }
                Event::DataCleared(pkg) => {
                    if let Some(h) = self.hook(&pkg) {
                        h.data_cleared(self, &pkg);
                    }
                }
                Event::Posted(n) => {
                    for h in self.listener_hooks() {
                        h.notification_posted(self, &n);
                    }
                }
                Event::Removed(n, why) => {
                    for h in self.listener_hooks() {
                        h.notification_removed(self, &n, why);
                    }
                }
            }
        }
    }

    fn hook(&self, pkg: &str) -> Option<Arc<dyn AppHooks>> {
        self.hooks.read().get(pkg).cloned()
    }

    fn listener_hooks(&self) -> Vec<Arc<dyn AppHooks>> {
        let pkgs: BTreeSet<String> = self
            .state
            .lock()
            .listeners
            .iter()
            .map(|c| c.package.clone())
            .collect();
        pkgs.iter().filter_map(|p| self.hook(p)).collect()
    }

    // ----- packages ---------------------------------------------------

    /// A package's record.
    pub fn package(&self, name: &str) -> Option<Package> {
        self.state.lock().packages.get(name).cloned()
    }

    /// Whether the package is in the stopped state.
    pub fn is_stopped(&self, name: &str) -> Option<bool> {
        self.state.lock().packages.get(name).map(|p| p.stopped)
    }

    /// The pid of the package's main process, if it runs.
    pub fn pid_of(&self, name: &str) -> Option<u32> {
        self.state.lock().process_of(name).map(|p| p.pid)
    }

    /// Installs (or replaces) a package from its manifest. A new install is
    /// in the stopped state with no runtime permission granted.
    pub fn install_package(
        self: &Arc<Self>,
        manifest: Manifest,
        replace: bool,
    ) -> Result<(), InstallError> {
        self.install_package_with(manifest, replace, false)
    }

    /// [`Self::install_package`], granting every requested permission when
    /// `grant_all` (`pm install -g`).
    pub fn install_package_with(
        self: &Arc<Self>,
        manifest: Manifest,
        replace: bool,
        grant_all: bool,
    ) -> Result<(), InstallError> {
        let api = u32::from(self.api());
        if manifest.min_sdk > api {
            return Err(InstallError::OlderSdk {
                min_sdk: manifest.min_sdk,
                api,
            });
        }
        let requested = manifest.requested_permissions.clone();
        let name = manifest.package.clone();
        let mut events = Vec::new();
        {
            let mut st = self.state.lock();
            if let Some(old) = st.packages.get(&name).cloned() {
                if !replace {
                    return Err(InstallError::AlreadyExists(name));
                }
                if manifest.version_code < old.manifest.version_code {
                    return Err(InstallError::VersionDowngrade(name));
                }
                // An update keeps the app's data; only its process goes.
                self.kill_locked(&mut st, &name, ProcessDeath::Killed, "replace", &mut events);
                let mut p = Package::new(manifest, old.uid, old.system, old.code_path.clone());
                p.granted.extend(old.granted.iter().cloned());
                p.stopped = old.stopped;
                p.installer = old.installer.clone();
                st.packages.insert(name.clone(), p);
            } else {
                let uid = st.next_uid;
                st.next_uid += 1;
                let path = format!(
                    "/data/app/~~{:x}==/{}-1/base.apk",
                    uid.wrapping_mul(2_654_435_761),
                    name
                );
                let mut p = Package::new(manifest, uid, false, path);
                p.stopped = true;
                p.installer = Some("com.android.shell".into());
                st.packages.insert(name.clone(), p);
            }
            if grant_all {
                if let Some(p) = st.packages.get_mut(&name) {
                    p.granted.extend(requested);
                }
            }
        }
        self.dispatch(events);
        Ok(())
    }

    /// `pm uninstall`: false when the package is unknown.
    pub fn uninstall(self: &Arc<Self>, name: &str) -> bool {
        self.wipe(name, "uninstall pkg", |st| {
            st.packages.remove(name);
            // An uninstalled listener loses its access, as on a phone.
            st.listeners.retain(|c| c.package != name);
        })
    }

    /// `pm clear`: kills the app, removes its notifications and channels,
    /// revokes runtime permissions.
    pub fn clear_data(self: &Arc<Self>, name: &str) -> bool {
        self.wipe(name, "clear data", |st| {
            if let Some(p) = st.packages.get_mut(name) {
                if !p.system {
                    p.granted
                        .retain(|g| packages::is_install_time_permission(g));
                }
            }
        })
    }

    /// What `pm clear` and uninstall share: the process killed (`why` in
    /// the log), notifications and channels gone, the app models told its
    /// data is gone; then `also`. False when the package is unknown.
    fn wipe(self: &Arc<Self>, name: &str, why: &str, also: impl FnOnce(&mut State)) -> bool {
        let mut events = Vec::new();
        let ok = {
            let mut st = self.state.lock();
            if !st.packages.contains_key(name) {
                false
            } else {
                self.kill_locked(&mut st, name, ProcessDeath::DataCleared, why, &mut events);
                self.cancel_package_locked(&mut st, name, &mut events);
                events.push(Event::DataCleared(name.to_string()));
                st.channels.remove(name);
                also(&mut st);
                true
            }
        };
        self.dispatch(events);
        ok
    }

    /// `pm grant` / `pm revoke`.
    pub fn set_permission(
        &self,
        package: &str,
        permission: &str,
        granted: bool,
    ) -> Result<(), PermissionError> {
        let mut st = self.state.lock();
        let p = st
            .packages
            .get_mut(package)
            .ok_or_else(|| PermissionError::UnknownPackage(package.to_string()))?;
        if !p
            .manifest
            .requested_permissions
            .iter()
            .any(|r| r == permission)
        {
            return Err(PermissionError::NotRequested {
                package: package.to_string(),
                permission: permission.to_string(),
            });
        }
        if granted {
            p.granted.insert(permission.to_string());
        } else {
            p.granted.remove(permission);
        }
        Ok(())
    }

    /// Whether the package may post notifications at all (API 33+
    /// permission, app-level block).
    pub fn notifications_allowed(&self, package: &str) -> bool {
        let st = self.state.lock();
        self.permission_ok(&st, package)
            && st.app_importance.get(package) != Some(&Importance::None)
    }

    fn permission_ok(&self, st: &State, package: &str) -> bool {
        let Some(p) = st.packages.get(package) else {
            return false;
        };
        if self.api() < 33 || p.system || p.manifest.target_sdk < 33 {
            return true;
        }
        p.granted.contains(POST_NOTIFICATIONS)
    }

    // ----- resolution ----------------------------------------------------

    /// The activities an intent resolves to, best first (what
    /// `cmd package resolve-activity` answers).
    pub fn resolve_activities(&self, intent: &Intent) -> Vec<ComponentName> {
        let st = self.state.lock();
        self.resolve_activities_locked(&st, intent)
    }

    fn resolve_activities_locked(&self, st: &State, intent: &Intent) -> Vec<ComponentName> {
        if let Some(c) = &intent.component {
            return st
                .packages
                .get(&c.package)
                .and_then(|p| p.manifest.component(ComponentKind::Activity, &c.class))
                .map(|_| c.clone())
                .into_iter()
                .collect();
        }
        let need_default = !intent.categories.iter().any(|c| c == CATEGORY_LAUNCHER);
        let mut out = Vec::new();
        for p in st.packages.values() {
            if intent.package.as_ref().is_some_and(|want| want != p.name()) {
                continue;
            }
            for a in &p.manifest.activities {
                if a.filters.iter().any(|f| f.matches(intent, need_default)) {
                    out.push(ComponentName::new(p.name(), &a.class));
                }
            }
        }
        out
    }

    fn pick_activity(&self, st: &State, intent: &Intent) -> Result<ComponentName, StartError> {
        let found = self.resolve_activities_locked(st, intent);
        if let Some(c) = &intent.component {
            return found
                .into_iter()
                .next()
                .ok_or_else(|| StartError::ClassNotFound(c.clone()));
        }
        let web = intent.action.as_deref() == Some(ACTION_VIEW)
            && matches!(
                intent.scheme().map(str::to_ascii_lowercase).as_deref(),
                Some("http" | "https")
            );
        if web {
            let (browser, _, _) = packages::browser_for(self.profile.rom);
            if let Some(b) = found.iter().find(|c| c.package == browser) {
                return Ok(b.clone());
            }
        }
        match found.len() {
            0 => Err(StartError::Unresolved(Box::new(intent.clone()))),
            1 => Ok(found[0].clone()),
            _ => Ok(ComponentName::new("android", RESOLVER_ACTIVITY)),
        }
    }

    // ----- processes --------------------------------------------------

    /// Starts the package's process if needed; true when it was started
    /// (a cold start).
    fn ensure_process(
        &self,
        st: &mut State,
        package: &str,
        why: &str,
        cmp: &ComponentName,
    ) -> bool {
        if st.process_of(package).is_some() || package == "android" {
            return false;
        }
        let Some(uid) = st.packages.get(package).map(|p| p.uid) else {
            return false;
        };
        st.next_pid += 1 + (st.hash() % 37);
        let pid = st.next_pid;
        st.processes.push(Process {
            pid,
            uid,
            name: package.to_string(),
            package: package.to_string(),
        });
        self.log_system(
            LogLevel::Info,
            "ActivityManager",
            &format!(
                "Start proc {pid}:{package}/{} for {why} {{{}}}",
                uid_short(uid),
                cmp.flatten_to_string()
            ),
        );
        true
    }

    fn kill_locked(
        &self,
        st: &mut State,
        package: &str,
        why: ProcessDeath,
        reason: &str,
        events: &mut Vec<Event>,
    ) {
        let adj = match why {
            ProcessDeath::Killed => 900,
            _ => 0,
        };
        let dying: Vec<Process> = st
            .processes
            .iter()
            .filter(|p| p.package == package)
            .cloned()
            .collect();
        for p in &dying {
            self.log_system(
                LogLevel::Info,
                "ActivityManager",
                &format!(
                    "Killing {}:{}/{} (adj {adj}): {reason}",
                    p.pid,
                    p.name,
                    uid_short(p.uid)
                ),
            );
            self.log.append(
                LogBufferId::Events,
                SYSTEM_SERVER_PID,
                SYSTEM_SERVER_PID + 20,
                LogLevel::Info,
                "am_kill",
                &format!("[0,{},{},{adj},{reason}]", p.pid, p.name),
            );
        }
        st.processes.retain(|p| p.package != package);
        if !dying.is_empty() {
            events.push(Event::Died(package.to_string(), why));
        }
    }

    fn cancel_package_locked(&self, st: &mut State, package: &str, events: &mut Vec<Event>) {
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut st.notifications)
            .into_iter()
            .partition(|n| n.package == package);
        st.notifications = kept;
        for n in gone {
            events.push(Event::Removed(n, RemoveReason::PackageChanged));
        }
    }

    /// `am force-stop`: kills the package's processes, finishes its
    /// activities, cancels its notifications and sets the stopped state.
    pub fn force_stop(self: &Arc<Self>, package: &str) {
        let mut events = Vec::new();
        {
            let mut st = self.state.lock();
            let Some(uid) = st.packages.get(package).map(|p| p.uid) else {
                drop(st);
                self.log_system(
                    LogLevel::Warn,
                    "ActivityManager",
                    &format!("Invalid packageName: {package}"),
                );
                return;
            };
            self.log_system(
                LogLevel::Info,
                "ActivityManager",
                &format!("Force stopping {package} appid={uid} user=0: from pid {SHELL_PID}"),
            );
            self.kill_locked(
                &mut st,
                package,
                ProcessDeath::ForceStop,
                &format!("stop {package}"),
                &mut events,
            );
            st.tasks.retain(|t| t.affinity != package || t.home);
            for t in st.tasks.iter_mut() {
                t.activities.retain(|a| a.component.package != package);
            }
            st.tasks.retain(|t| !t.activities.is_empty());
            self.cancel_package_locked(&mut st, package, &mut events);
            if let Some(p) = st.packages.get_mut(package) {
                p.stopped = true;
            }
        }
        self.dispatch(events);
    }

    /// `am kill`: kills the package's processes if it is in the
    /// background; an app in front survives. The stopped state is kept.
    /// Returns whether a process died.
    pub fn kill_background(self: &Arc<Self>, package: &str) -> bool {
        let mut events = Vec::new();
        {
            let mut st = self.state.lock();
            let foreground = st
                .resumed()
                .is_some_and(|(_, a)| a.component.package == package);
            if foreground {
                return false;
            }
            self.kill_locked(
                &mut st,
                package,
                ProcessDeath::Killed,
                "kill background",
                &mut events,
            );
        }
        let died = !events.is_empty();
        self.dispatch(events);
        died
    }

    /// `input keyevent KEYCODE_HOME`: the launcher comes to front.
    pub fn go_home(&self) {
        let mut st = self.state.lock();
        st.shade_open = false;
        if let Some(i) = st.tasks.iter().position(|t| t.home) {
            let t = st.tasks.remove(i);
            st.tasks.insert(0, t);
        }
    }

    /// `KEYCODE_BACK`: finishes the top activity (never the launcher).
    pub fn go_back(&self) {
        let mut st = self.state.lock();
        if st.shade_open {
            st.shade_open = false;
            return;
        }
        if let Some(t) = st.tasks.first_mut() {
            if !t.home {
                t.activities.pop();
            }
        }
        st.tasks.retain(|t| !t.activities.is_empty());
    }

    /// Finishes the top-most instance of an activity (an app model calling
    /// `finish()`).
    pub fn finish_activity(&self, component: &ComponentName) {
        let mut st = self.state.lock();
        for t in st.tasks.iter_mut() {
            if let Some(i) = t.activities.iter().rposition(|a| &a.component == component) {
                t.activities.remove(i);
                break;
            }
        }
        st.tasks.retain(|t| !t.activities.is_empty());
    }

    // ----- activities -------------------------------------------------

    /// Starts an activity as `caller` (`startActivity` with
    /// `FLAG_ACTIVITY_NEW_TASK`, as the shell and PendingIntents do).
    pub fn start_activity(
        self: &Arc<Self>,
        caller: &Caller,
        intent: &Intent,
    ) -> Result<ActivityStart, StartError> {
        let mut intent = intent.clone();
        intent.launch_flags = LaunchFlags(intent.launch_flags.0 | LaunchFlags::ACTIVITY_NEW_TASK);
        let mut events = Vec::new();
        let res = {
            let mut st = self.state.lock();
            self.start_activity_locked(&mut st, caller, intent, &mut events)
        };
        self.dispatch(events);
        res
    }

    /// Starts the activity an intent URI names, parsed as apps and push
    /// services do (`Intent.parseUri(uri, URI_INTENT_SCHEME)`: anything but
    /// `intent:` is a VIEW of the whole string).
    pub fn start_activity_uri(
        self: &Arc<Self>,
        caller: &Caller,
        uri: &str,
    ) -> Result<ActivityStart, StartError> {
        let intent = Intent::parse_uri_with(uri, crate::android::UriFlags::INTENT_SCHEME)
            .map_err(|e| StartError::BadUri(e.to_string()))?;
        self.start_activity(caller, &intent)
    }

    fn start_activity_locked(
        &self,
        st: &mut State,
        caller: &Caller,
        intent: Intent,
        events: &mut Vec<Event>,
    ) -> Result<ActivityStart, StartError> {
        let component = self.pick_activity(st, &intent)?;
        let caller_uid = match caller {
            Caller::Shell => 2000,
            Caller::Package(p) => st.packages.get(p).map(|p| p.uid).unwrap_or(1000),
        };
        if component.package != "android" {
            let pkg = st
                .packages
                .get(&component.package)
                .ok_or_else(|| StartError::ClassNotFound(component.clone()))?;
            let info = pkg
                .manifest
                .component(ComponentKind::Activity, &component.class)
                .ok_or_else(|| StartError::ClassNotFound(component.clone()))?;
            if !info.exported && caller.package() != Some(component.package.as_str()) {
                return Err(StartError::NotExported {
                    component,
                    uid: pkg.uid,
                    intent: Box::new(intent),
                });
            }
        }
        let mut logged = intent.clone();
        if logged.component.is_none() {
            logged.component = Some(component.clone());
        }
        self.log_system(
            LogLevel::Info,
            self.atm_tag(),
            &format!(
                "START u0 {{{}}} from uid {caller_uid}",
                short_string(&logged, true)
            ),
        );
        st.shade_open = false;
        if let Some(p) = st.packages.get_mut(&component.package) {
            // An explicit start takes the package out of the stopped state.
            p.stopped = false;
        }
        let cold = self.ensure_process(st, &component.package, "top-activity", &component);
        let launcher_intent = intent.categories.iter().any(|c| c == CATEGORY_LAUNCHER)
            && intent.action.as_deref() == Some(crate::android::intent::ACTION_MAIN);
        let single_top = intent
            .launch_flags
            .contains(LaunchFlags::ACTIVITY_SINGLE_TOP)
            || st
                .packages
                .get(&component.package)
                .and_then(|p| {
                    p.manifest
                        .component(ComponentKind::Activity, &component.class)
                })
                .is_some_and(|a| a.single_top);
        let task_idx = st
            .tasks
            .iter()
            .position(|t| !t.home && t.affinity == component.package);
        let mut warning = None;
        match task_idx {
            Some(i) => {
                let t = st.tasks.remove(i);
                st.tasks.insert(0, t);
                let top_is_it = st.tasks[0]
                    .activities
                    .last()
                    .is_some_and(|a| a.component == component);
                // The launcher's intent brings the task to front when the
                // task was started by the same intent (`filterEquals`);
                // otherwise the start proceeds (a singleTop activity on top
                // gets it through onNewIntent).
                let same_root = st.tasks[0]
                    .activities
                    .first()
                    .is_some_and(|a| a.component == component && same_filter(&a.intent, &intent));
                if launcher_intent && same_root && !(single_top && top_is_it) {
                    warning = Some(StartWarning::BroughtToFront);
                } else if single_top && top_is_it {
                    warning = Some(StartWarning::DeliveredToTop);
                    if let Some(a) = st.tasks[0].activities.last_mut() {
                        a.intent = intent.clone();
                    }
                } else {
                    let hash = st.hash();
                    st.tasks[0].activities.push(ActivityRecord {
                        hash,
                        component: component.clone(),
                        intent: intent.clone(),
                    });
                }
            }
            None => {
                let hash = st.hash();
                let rec = st.hash();
                let id = st.next_task;
                st.next_task += 1;
                let uid = st
                    .packages
                    .get(&component.package)
                    .map(|p| p.uid)
                    .unwrap_or(1000);
                st.tasks.insert(
                    0,
                    Task {
                        id,
                        hash,
                        affinity: component.package.clone(),
                        uid,
                        home: false,
                        activities: vec![ActivityRecord {
                            hash: rec,
                            component: component.clone(),
                            intent: intent.clone(),
                        }],
                    },
                );
            }
        }
        let launch_state = match (cold, warning) {
            (true, _) => LaunchState::Cold,
            (false, None) => LaunchState::Warm,
            (false, Some(_)) => LaunchState::Hot,
        };
        if warning.is_none() {
            self.log_system(
                LogLevel::Info,
                self.atm_tag(),
                &format!(
                    "Displayed {}: +{}ms",
                    component.flatten_to_short_string(),
                    if cold { 412 } else { 138 }
                ),
            );
        }
        let start = ActivityStart {
            component: component.clone(),
            intent,
            launch_state,
            warning,
        };
        if warning != Some(StartWarning::BroughtToFront) {
            events.push(Event::Activity(component.package.clone(), start.clone()));
        }
        Ok(start)
    }

    /// The resumed activity and its intent.
    pub fn resumed_activity(&self) -> Option<(ComponentName, Intent)> {
        let st = self.state.lock();
        st.resumed()
            .map(|(_, a)| (a.component.clone(), a.intent.clone()))
    }

    // ----- services ---------------------------------------------------

    /// `startService` / `startForegroundService` as `caller`.
    pub fn start_service(
        self: &Arc<Self>,
        caller: &Caller,
        intent: &Intent,
        foreground: bool,
    ) -> Result<ComponentName, ServiceError> {
        let mut events = Vec::new();
        let res = {
            let mut st = self.state.lock();
            let cmp = match &intent.component {
                Some(c) => st
                    .packages
                    .get(&c.package)
                    .and_then(|p| p.manifest.component(ComponentKind::Service, &c.class))
                    .map(|_| c.clone()),
                None => intent.package.as_ref().and_then(|pkg| {
                    let p = st.packages.get(pkg)?;
                    p.manifest
                        .services
                        .iter()
                        .find(|s| s.filters.iter().any(|f| f.matches(intent, false)))
                        .map(|s| ComponentName::new(pkg, &s.class))
                }),
            };
            match cmp {
                None => Err(ServiceError::NotFound),
                Some(cmp) => {
                    let pkg = st.packages.get(&cmp.package).cloned();
                    let exported = pkg
                        .as_ref()
                        .and_then(|p| p.manifest.component(ComponentKind::Service, &cmp.class))
                        .is_some_and(|s| s.exported);
                    let in_front = st
                        .resumed()
                        .is_some_and(|(_, a)| a.component.package == cmp.package);
                    if !exported && caller.package() != Some(cmp.package.as_str()) {
                        Err(ServiceError::NotExported {
                            intent: intent_string(intent),
                            uid: pkg.map(|p| p.uid).unwrap_or(0),
                        })
                    } else if self.api() >= 26
                        && !foreground
                        && !in_front
                        && caller.package() != Some(cmp.package.as_str())
                    {
                        Err(ServiceError::Background)
                    } else {
                        if let Some(p) = st.packages.get_mut(&cmp.package) {
                            p.stopped = false;
                        }
                        self.ensure_process(&mut st, &cmp.package, "service", &cmp);
                        events.push(Event::Service(
                            cmp.package.clone(),
                            cmp.clone(),
                            intent.clone(),
                            foreground,
                        ));
                        Ok(cmp)
                    }
                }
            }
        };
        self.dispatch(events);
        res
    }

    // ----- broadcasts -------------------------------------------------

    /// Sends a broadcast as `caller` to manifest receivers. Stopped
    /// packages are skipped unless the intent has
    /// `FLAG_INCLUDE_STOPPED_PACKAGES`; on API 26+ an implicit broadcast
    /// (no component, no package) reaches no manifest receiver.
    pub fn send_broadcast(self: &Arc<Self>, caller: &Caller, intent: &Intent) -> BroadcastOutcome {
        let mut events = Vec::new();
        let mut out = BroadcastOutcome::default();
        {
            let mut st = self.state.lock();
            let flags = intent.launch_flags.0;
            let include_stopped = flags & LaunchFlags::INCLUDE_STOPPED_PACKAGES != 0
                && flags & FLAG_EXCLUDE_STOPPED_PACKAGES == 0;
            let mut targets: Vec<(ComponentName, bool)> = Vec::new();
            if let Some(c) = &intent.component {
                if let Some(r) = st
                    .packages
                    .get(&c.package)
                    .and_then(|p| p.manifest.component(ComponentKind::Receiver, &c.class))
                {
                    targets.push((ComponentName::new(&c.package, &r.class), r.exported));
                }
            } else {
                for p in st.packages.values() {
                    if intent.package.as_ref().is_some_and(|w| w != p.name()) {
                        continue;
                    }
                    for r in &p.manifest.receivers {
                        if r.filters.iter().any(|f| f.matches(intent, false)) {
                            targets.push((ComponentName::new(p.name(), &r.class), r.exported));
                        }
                    }
                }
            }
            let implicit = intent.component.is_none() && intent.package.is_none();
            for (cmp, exported) in targets {
                if !exported && caller.package() != Some(cmp.package.as_str()) {
                    continue;
                }
                let stopped = st.packages.get(&cmp.package).is_some_and(|p| p.stopped);
                if stopped && !include_stopped {
                    out.skipped_stopped.push(cmp);
                    continue;
                }
                if implicit && self.api() >= 26 {
                    let mut shown = intent.clone();
                    shown.launch_flags = LaunchFlags(flags | 0x10);
                    self.log_system(
                        LogLevel::Warn,
                        "BroadcastQueue",
                        &format!(
                            "Background execution not allowed: receiving {} to {}",
                            intent_string(&shown),
                            cmp.flatten_to_short_string()
                        ),
                    );
                    out.background_blocked.push(cmp);
                    continue;
                }
                self.ensure_process(&mut st, &cmp.package, "broadcast", &cmp);
                events.push(Event::Broadcast(
                    cmp.package.clone(),
                    cmp.clone(),
                    intent.clone(),
                ));
                out.delivered.push(cmp);
            }
        }
        self.dispatch(events);
        out
    }

    // ----- notifications ----------------------------------------------

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

    fn post_locked(
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
    /// (`cmd notification allow_listener`).
    pub fn allow_listener(&self, component: ComponentName) {
        self.state.lock().listeners.insert(component);
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

    /// A `settings` value. `secure enabled_notification_listeners` is the
    /// allowed listeners, as on a phone.
    pub fn setting(&self, namespace: &str, key: &str) -> Option<String> {
        let st = self.state.lock();
        if (namespace, key) == ("secure", ENABLED_LISTENERS) {
            let v: Vec<String> = st.listeners.iter().map(|c| c.flatten_to_string()).collect();
            return (!v.is_empty()).then(|| v.join(":"));
        }
        st.settings
            .get(&(namespace.to_string(), key.to_string()))
            .cloned()
    }

    /// `settings put` (`None`: `settings delete`). Unparsable listener
    /// entries are ignored, as the notification manager ignores them.
    pub fn set_setting(&self, namespace: &str, key: &str, value: Option<&str>) {
        let mut st = self.state.lock();
        if (namespace, key) == ("secure", ENABLED_LISTENERS) {
            st.listeners = value
                .unwrap_or_default()
                .split(':')
                .filter_map(|c| c.parse().ok())
                .collect();
            return;
        }
        let k = (namespace.to_string(), key.to_string());
        match value {
            Some(v) => st.settings.insert(k, v.to_string()),
            None => st.settings.remove(&k),
        };
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

    /// The launcher's task is in front and nothing else was opened since.
    pub fn home_in_front(&self) -> bool {
        self.state.lock().tasks.first().is_some_and(|t| t.home)
    }

    /// The categories `am start` adds for implicit launches (for tests).
    pub fn default_category() -> &'static str {
        CATEGORY_DEFAULT
    }
}

/// Why `pm install` failed; `Display` is the text inside `Failure [...]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstallError {
    #[error(
        "INSTALL_FAILED_ALREADY_EXISTS: Attempt to re-install {0} without first uninstalling."
    )]
    AlreadyExists(String),
    #[error("INSTALL_FAILED_VERSION_DOWNGRADE: Downgrade detected on package {0}")]
    VersionDowngrade(String),
    #[error("INSTALL_FAILED_OLDER_SDK: Failed parse during installPackageLI: Requires newer sdk version #{min_sdk} (current version is #{api})")]
    OlderSdk { min_sdk: u32, api: u32 },
    #[error("INSTALL_PARSE_FAILED_NOT_APK: Failed to parse {0}")]
    NotApk(String),
    #[error("INSTALL_PARSE_FAILED_MANIFEST_MALFORMED: {0}")]
    BadManifest(String),
}

/// The secure setting that lists the allowed notification listeners.
pub const ENABLED_LISTENERS: &str = "enabled_notification_listeners";

/// Why `pm grant`/`revoke` failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermissionError {
    #[error("java.lang.IllegalArgumentException: Unknown package: {0}")]
    UnknownPackage(String),
    #[error(
        "java.lang.SecurityException: Package {package} has not requested permission {permission}"
    )]
    NotRequested { package: String, permission: String },
}

/// `Intent.filterEquals`: action, data, package, component and categories
/// (extras and flags do not count).
fn same_filter(a: &Intent, b: &Intent) -> bool {
    let cats = |i: &Intent| i.categories.iter().cloned().collect::<BTreeSet<_>>();
    a.action == b.action
        && a.data == b.data
        && a.mime_type == b.mime_type
        && a.identifier == b.identifier
        && a.package == b.package
        && a.component == b.component
        && cats(a) == cats(b)
}
