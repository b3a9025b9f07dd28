//! The notification message as the endpoint reads it, and its click
//! action.

use serde_json::{Map, Value};

/// What an accepted `messageJson` says about the notification.
pub(super) struct Notice {
    pub(super) title: String,
    pub(super) content: String,
    pub(super) public: bool,
    pub(super) click: Click,
    /// `clickTypeInfo.parameters`, when given.
    pub(super) parameters: Option<Map<String, Value>>,
}

pub(super) enum Click {
    OpenApp,
    Activity(String),
    Url(String),
    /// clickType 3 (deprecated since Android 12): the client decides; the
    /// app is opened.
    Custom,
}
