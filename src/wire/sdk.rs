//! Names the vendors' device-side SDKs and system services use on the
//! phone: broadcast actions and notification channels. The companion apps
//! (simulated and real) and the vendor modules both name them, so they live
//! here, below both.

/// Xiaomi Mi Push.
pub mod xiaomi {
    /// The action the Mi SDK's `PushMessageReceiver` listens on for messages and
    /// clicks (docs/vendors/xiaomi.md#device-side).
    pub const ACTION_RECEIVE_MESSAGE: &str = "com.xiaomi.mipush.RECEIVE_MESSAGE";
}

/// Huawei HMS Push.
pub mod huawei {
    /// The action of the HMS SDK's `HmsMessageService` (data messages and
    /// new tokens).
    pub const MESSAGING_EVENT_ACTION: &str = "com.huawei.push.action.MESSAGING_EVENT";
}

/// vivo Push.
pub mod vivo {
    /// The broadcast action of the vivo SDK's receiver (docs/vendors/vivo.md#ext-pass-through).
    pub const RECEIVE_ACTION: &str = "com.vivo.pushclient.action.RECEIVE";
    /// The channel vivo's system service posts on. The service creates it in
    /// the app's name itself; apps do not (and cannot) choose it.
    pub const SYSTEM_CHANNEL: &str = "vivo_push_channel";
}

/// Meizu Flyme Push.
pub mod meizu {
    /// The SDK receiver action the Flyme push service broadcasts a tap on.
    pub const MESSAGE_ACTION: &str = "com.meizu.flyme.push.intent.MESSAGE";
    /// The channel the Flyme push service posts on: the push SDK and the system
    /// service create it for the app themselves (`mz_push_notification_channel`,
    /// name "MEIZUPUSH", default importance), since Meizu's API has no channel
    /// field.
    pub const NOTIFICATION_CHANNEL: &str = "mz_push_notification_channel";
}

/// Google FCM.
pub mod fcm {
    /// The broadcast with which Google Play services wakes the app.
    pub const RECEIVE_ACTION: &str = "com.google.android.c2dm.intent.RECEIVE";
    /// The channel the FCM SDK creates and uses when the message names none
    /// (and no default is declared in the manifest).
    pub const FALLBACK_CHANNEL: &str = "fcm_fallback_notification_channel";
}
