//! The narrow view of the Android framework the app models need.
//!
//! The simulated device's framework model (package, activity and
//! notification managers, processes, broadcasts, logcat) implements
//! [`DeviceOs`]; tests implement it with an in-memory double. The app models
//! never reach around it: everything they do on the device goes through this
//! trait, and everything they learn from the hub goes over HTTP through
//! [`DeviceOs::connect`], exactly as the Java apps on a phone do.

use std::fmt;
use std::io;
use std::pin::Pin;

use futures::future::BoxFuture;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::android::{Extras, Importance, Intent};
use crate::diagnosis::Diagnosis;
use crate::wire::protocol::DeviceInfo;

/// A byte stream from device-side code to a host service (through an
/// `adb reverse` forward, or directly when the device runs on the host).
pub trait DeviceIo: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> DeviceIo for T {}

/// A connected socket, as `new Socket(host, port)` gives an app.
pub type DeviceSocket = Pin<Box<dyn DeviceIo>>;

/// Why the framework refused an operation, as a diagnosis plus the words
/// Android would log (e.g. `No Channel found for pkg=…, channelId=…`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct OsError {
    pub code: Diagnosis,
    pub detail: String,
}

impl OsError {
    pub fn new(code: Diagnosis, detail: impl Into<String>) -> OsError {
        OsError {
            code,
            detail: detail.into(),
        }
    }
}

/// A notification channel an app (or a ROM service on its behalf) creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSpec {
    pub id: String,
    pub name: String,
    pub importance: Importance,
}

/// What a `PendingIntent` does when fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingKind {
    /// `PendingIntent.getActivity`.
    Activity,
    /// `PendingIntent.getBroadcast`.
    Broadcast,
}

/// A notification's content intent: fired by the framework when the user
/// taps the notification in the shade.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingTap {
    /// The package that created the PendingIntent (it runs with its identity).
    pub creator: String,
    pub kind: PendingKind,
    pub intent: Intent,
}

/// `NotificationManager.notify(tag, id, notification)` as seen by the
/// framework.
#[derive(Debug, Clone, PartialEq)]
pub struct PostSpec {
    /// The package that calls notify (`opPkg`): a system push service posts
    /// for the target app under its own identity.
    pub poster: String,
    pub tag: Option<String>,
    pub id: i32,
    /// `None` posts without a channel (API < 26 always does).
    pub channel_id: Option<String>,
    pub title: String,
    pub text: String,
    /// `Notification.FLAG_AUTO_CANCEL`: a tap removes it.
    pub auto_cancel: bool,
    pub content_intent: PendingTap,
    /// `Notification.extras` beyond title and text (`pushlab.message_id`).
    pub extras: Extras,
}

/// `android.util.Log` priorities the models use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogPriority {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogPriority {
    /// The letter logcat prints (`D`, `I`, `W`, `E`).
    pub fn letter(self) -> char {
        match self {
            LogPriority::Debug => 'D',
            LogPriority::Info => 'I',
            LogPriority::Warn => 'W',
            LogPriority::Error => 'E',
        }
    }
}

impl fmt::Display for LogPriority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

/// The framework services the app models call. Every method is what an app
/// can do through the public SDK (or, for a ROM push service, through the
/// system APIs it holds); none gives the models a side channel.
///
/// The framework calls back into the models through
/// [`super::DeviceApps`]'s hooks (an activity started, a broadcast
/// delivered, a service started, a process died). Implementations must not
/// hold their own locks while calling a hook: a hook may call the OS again.
pub trait DeviceOs: Send + Sync + 'static {
    /// `Build.VERSION.SDK_INT`.
    fn api_level(&self) -> u32;

    /// The device's facts as a push SDK reads them from `getprop` and the
    /// package manager (brand, model, API level, region, HMS Core, Play
    /// services, vendor push support).
    fn device_info(&self) -> DeviceInfo;

    /// Opens a TCP connection from the device to `host:port`. On the
    /// simulated device `127.0.0.1:<P>` reaches the host through an
    /// `adb reverse tcp:<P>` forward (or directly over a TCP transport).
    fn connect(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<DeviceSocket>>;

    /// `NotificationManager.getNotificationChannel` for `package`.
    fn channel_exists(&self, package: &str, channel_id: &str) -> bool;

    /// `NotificationManager.createNotificationChannel` for `package`
    /// (idempotent, as on Android).
    fn create_channel(&self, package: &str, channel: ChannelSpec);

    /// Posts a notification for `package`; returns its key (as `dumpsys
    /// notification` prints it). Refused under the device's rules: no such
    /// channel on API >= 26 (`device.channel_missing`, with the "No Channel
    /// found" line logged), notifications blocked...
    fn post_notification(&self, package: &str, post: PostSpec) -> Result<String, OsError>;

    /// Removes a notification by key; false if it was not in the shade.
    fn cancel_notification(&self, key: &str) -> bool;

    /// `PackageManager.getLaunchIntentForPackage(package)`: the explicit
    /// intent of the package's launcher activity, if it has one.
    fn launch_intent_for_package(&self, package: &str) -> Option<Intent>;

    /// `Context.startActivity(intent)` from `caller` (with
    /// `FLAG_ACTIVITY_NEW_TASK`); the resolved component, or why nothing
    /// started (`device.activity_not_found`, `device.activity_not_exported`).
    fn start_activity(
        &self,
        intent: Intent,
        caller: &str,
    ) -> Result<crate::android::ComponentName, OsError>;

    /// Opens `url` with `ACTION_VIEW` in the default browser; the browser's
    /// package, or `device.url_invalid`.
    fn open_url(&self, url: &str, caller: &str) -> Result<String, OsError>;

    /// `Context.sendBroadcast` from `caller`, with
    /// `FLAG_INCLUDE_STOPPED_PACKAGES` when `include_stopped`. True when a
    /// receiver got it (a force-stopped app does not, without the flag).
    fn send_broadcast(&self, intent: Intent, caller: &str, include_stopped: bool) -> bool;

    /// Whether `package` is in the stopped state (force-stopped, not yet
    /// opened again).
    fn is_stopped(&self, package: &str) -> bool;

    /// Writes a logcat line.
    fn log(&self, priority: LogPriority, tag: &str, message: &str);

    /// `ContentResolver.call(content://<authority>/…, method, null,
    /// extras)` from `caller`: the provider's answer, or `None` when no
    /// installed provider has the authority (or it refuses the method). A
    /// device without such providers keeps this default.
    fn call_provider(
        &self,
        authority: &str,
        method: &str,
        extras: &crate::android::Extras,
        caller: &str,
    ) -> Option<crate::android::Extras> {
        let _ = (authority, method, extras, caller);
        None
    }
}
