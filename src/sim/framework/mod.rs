//! The Android framework of the simulated device: package manager,
//! activity manager (tasks, processes, the stopped state), broadcasts,
//! notification manager, logcat, the notification shade and the screen.
//! Hosts observe it only through real shell commands in Android's real
//! output formats (`am`, `pm`, `cmd`, `dumpsys`, `pidof`, `ps`, `logcat`,
//! `input`, `uiautomator`, `screencap`), so the driver that reads a phone
//! reads the simulator.
//!
//! # Layout
//!
//! One [`AndroidModel`] holds the state every manager shares
//! ([`state::State`], behind one lock); each manager is an
//! `impl AndroidModel` block in its own module:
//! [`package_manager`] (installs, permissions, resolution),
//! [`activity_manager`] (activity starts, tasks, keys), [`processes`]
//! (processes, force-stop, services), [`broadcasts`],
//! [`notification_manager`] (channels, posts, listeners, the shade) and
//! [`settings`]. [`types`] holds the values they take and return; the shell
//! commands over them are in [`commands`], their output formats in [`dump`]
//! and [`ui`].
//!
//! # API for app models
//!
//! [`install`] runs when a device is spawned; get the model with
//! [`AndroidModel::of`] (or `device.extension::<AndroidModel>()`). Then:
//!
//! - **Post a notification** as a package:
//!   [`AndroidModel::post_notification`]`(pkg, `[`NotificationPost`]`)` with
//!   channel, title, text, [`ContentIntent`] (an activity `Intent`, a URL, a
//!   broadcast or a service), `auto_cancel` and extras. It returns the
//!   record key (`0|pkg|id|tag|uid`) or the [`PostDropped`] reason (API 26+
//!   missing channel, with the real "No Channel found" log line; API 33+
//!   POST_NOTIFICATIONS not granted; app or channel blocked). Channels:
//!   [`AndroidModel::create_channel`], [`AndroidModel::delete_channel`];
//!   cancel with [`AndroidModel::cancel_notification`]; the user's tap and
//!   swipe are [`AndroidModel::tap_notification`] and
//!   [`AndroidModel::dismiss_notification`]. Failures map to the hub's
//!   diagnosis codes ([`PostDropped::diagnosis`], [`StartError::diagnosis`],
//!   [`BroadcastOutcome::diagnosis`]).
//! - **Start an activity** from an [`Intent`](crate::android::Intent)
//!   (explicit, implicit, parsed from an intent URI):
//!   [`AndroidModel::start_activity`]`(&`[`Caller`]`, &intent)` returns the
//!   [`ActivityStart`] (resolved component, launch state) or a
//!   [`StartError`]. http(s) VIEWs go to the ROM's default browser.
//! - **Send a broadcast**: [`AndroidModel::send_broadcast`] delivers to
//!   manifest receivers, skipping stopped packages unless the intent has
//!   `FLAG_INCLUDE_STOPPED_PACKAGES` (0x20); the [`BroadcastOutcome`] says
//!   who got it.
//! - **Start a service**: [`AndroidModel::start_service`].
//! - **Query**: [`AndroidModel::is_stopped`], [`AndroidModel::pid_of`],
//!   [`AndroidModel::package`], [`AndroidModel::resumed_activity`],
//!   [`AndroidModel::notifications`], [`AndroidModel::notifications_allowed`].
//! - **React**: implement [`AppHooks`] (activity started with its intent
//!   and extras, broadcast to a receiver, service started, process died,
//!   and — for packages whose listener was allowed with
//!   `cmd notification allow_listener` — notification posted/removed) and
//!   register it with [`AndroidModel::set_hooks`]`(pkg, hooks)`. Hooks run
//!   after the state changed, with no lock held.
//! - **Log**: [`AndroidModel::log_as`]`(pkg, level, tag, message)` appends to
//!   logcat as the package's process.
//!
//! The preinstalled packages are the ROM's (`android`, `com.android.shell`,
//! System UI, the launcher, the ROM's browser and push service) plus the
//! companions `com.pushlab.agent` and `com.pushlab.demo` with the manifests
//! of `docs/device-side.md`. The companions start out of the stopped state
//! with their permissions granted (as after a first launch); packages
//! installed with `pm install` start stopped without runtime permissions.

pub mod activity_manager;
pub mod apk;
pub mod args;
pub mod broadcasts;
pub mod commands;
pub mod dump;
pub mod intents;
pub mod logcat;
pub mod model;
pub mod notification_manager;
pub mod package_manager;
pub mod packages;
pub mod processes;
pub mod settings;
pub mod state;
pub mod types;
pub mod ui;

use std::sync::Arc;

pub use model::{AndroidModel, AppHooks};
pub use packages::{Manifest, Package, AGENT_PACKAGE, DEMO_PACKAGE, SHELL_PACKAGE};
pub use state::{Channel, ContentIntent, PostedNotification};
pub use types::{
    ActivityStart, BroadcastOutcome, Caller, InstallError, LaunchState, NotificationPost,
    PostDropped, ProcessDeath, RemoveReason, ServiceError, StartError, StartWarning, TapOutcome,
};

use crate::sim::device::DeviceState;

/// Boots the framework on a device: creates the model from the device's
/// profile (with the companion apps preinstalled when `companions`), stores
/// it as the device's extension and registers the shell commands. Returns
/// the model.
pub fn install(device: &DeviceState, companions: bool) -> Arc<AndroidModel> {
    let model = AndroidModel::boot(device.profile().clone(), companions);
    device.insert_extension(model.clone());
    commands::register(device);
    model
}

impl AndroidModel {
    /// The framework running on a device.
    pub fn of(device: &DeviceState) -> Option<Arc<AndroidModel>> {
        device.extension::<AndroidModel>()
    }
}
