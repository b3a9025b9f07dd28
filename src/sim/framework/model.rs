//! The framework model: one [`AndroidModel`] per device, whose state the
//! managers share. Each manager is an `impl AndroidModel` block of its own
//! module: [`super::package_manager`], [`super::activity_manager`],
//! [`super::processes`] (and services), [`super::broadcasts`],
//! [`super::notification_manager`] (and the shade), [`super::settings`].
//! This module holds the model itself: boot, logging and the app hooks.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::logcat::{LogBuffer, LogBufferId};
use super::packages::{self, PackageTable, LAUNCHER_ACTIVITY, LAUNCHER_PACKAGE};
use crate::android::LogLevel;
use crate::android::{ComponentName, Importance, Intent};
use crate::sim::profile::Profile;

pub use super::state::{
    ActivityRecord, Channel, ContentIntent, PostedNotification, Process, State, Task,
};
pub use super::types::{
    ActivityStart, BroadcastOutcome, Caller, InstallError, LaunchState, NotificationPost,
    PermissionError, PostDropped, ProcessDeath, RemoveReason, ServiceError, StartError,
    StartWarning, TapOutcome,
};

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

/// The secure setting that lists the allowed notification listeners.
pub const ENABLED_LISTENERS: &str = "enabled_notification_listeners";

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

pub(super) enum Event {
    Activity(String, ActivityStart),
    Broadcast(String, ComponentName, Intent),
    Service(String, ComponentName, Intent, bool),
    Died(String, ProcessDeath),
    DataCleared(String),
    Posted(PostedNotification),
    Removed(PostedNotification, RemoveReason),
}

/// The framework of one simulated device. See the module docs.
pub struct AndroidModel {
    pub(super) profile: Profile,
    pub(super) state: Mutex<State>,
    pub(super) hooks: RwLock<HashMap<String, Arc<dyn AppHooks>>>,
    pub(super) log: LogBuffer,
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

    /// Registers an app model's reactions for `package` (replacing any).
    pub fn set_hooks(&self, package: &str, hooks: Arc<dyn AppHooks>) {
        self.hooks.write().insert(package.to_string(), hooks);
    }

    pub(super) fn dispatch(self: &Arc<Self>, events: Vec<Event>) {
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
}
