//! The values the framework's managers take and return: who calls, how an
//! activity start, a broadcast, a service start or a notification post
//! went, and why something failed.

use super::state::ContentIntent;
use crate::android::{ComponentName, Extras, Intent};

/// Who asks the framework for something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// `adb shell` (uid 2000).
    Shell,
    /// An installed package (its own components are always reachable).
    Package(String),
}

impl Caller {
    pub(super) fn package(&self) -> Option<&str> {
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

/// What the tap on a notification did.
#[derive(Debug, Clone, PartialEq)]
pub enum TapOutcome {
    /// No contentIntent: nothing happens.
    Nothing,
    Activity(Box<Result<ActivityStart, StartError>>),
    Broadcast(BroadcastOutcome),
    Service(Result<ComponentName, ServiceError>),
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

/// Why `pm grant`/`revoke` failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermissionError {
    #[error("java.lang.IllegalArgumentException: Unknown package: {0}")]
    UnknownPackage(String),
    #[error(
        "java.lang.SecurityException: Package {package} has not requested permission {permission}"
    )]
    NotRequested { package: String, permission: String },
    /// Before API 33 there is no `POST_NOTIFICATIONS` permission.
    #[error("java.lang.IllegalArgumentException: Unknown permission: {0}")]
    UnknownPermission(String),
    /// Before API 23 permissions are fixed at install.
    #[error("java.lang.SecurityException: Permission {0} is not a changeable permission type")]
    NotChangeable(String),
}
