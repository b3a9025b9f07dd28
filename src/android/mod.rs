//! Android value types shared by the driver, the simulated device and the
//! vendor modules: intents and their URI form, components, notification
//! records and channels, API levels.

pub mod api_level;
pub mod apk;
pub mod intent;
pub mod intent_uri;
pub mod log;
pub mod notification;
pub mod uri;

pub use api_level::ApiLevel;
pub use intent::{ComponentName, ExtraValue, Extras, Intent, LaunchFlags, Rect};
pub use intent_uri::{IntentUriError, UriFlags};
pub use log::LogLevel;
pub use notification::{
    AppNotificationSettings, Importance, NotificationChannel, NotificationRecord, NotificationText,
    PendingIntentSummary,
};
