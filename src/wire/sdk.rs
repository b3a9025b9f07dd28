//! Names the vendors' device-side SDKs and system services use on the
//! phone: broadcast actions and notification channels. The companion apps
//! (simulated and real) and the vendor modules both name them, so they live
//! here, below both.

/// Xiaomi Mi Push.
pub mod xiaomi {
    /// The action the Mi SDK's `PushMessageReceiver` listens on for messages and
    /// clicks (docs/vendors/xiaomi.md#device-side).
    pub const ACTION_RECEIVE_MESSAGE: &str = "com.xiaomi.mipush.RECEIVE_MESSAGE";
    /// `PushMessageHelper.KEY_MESSAGE`: the extra carrying the `MiPushMessage`.
    pub const KEY_MESSAGE: &str = "key_message";
}

/// Huawei HMS Push.
pub mod huawei {
    /// The action of the HMS SDK's `HmsMessageService` (data messages and
    /// new tokens).
    pub const MESSAGING_EVENT_ACTION: &str = "com.huawei.push.action.MESSAGING_EVENT";
    // Huawei's launcher (EMUI, HarmonyOS) and its badge provider, which HMS
    // Core calls to set the app icon's number for a message with `badge`.
    /// The launcher's content provider authority
    /// (`content://com.huawei.android.launcher.settings/badge/`).
    pub const BADGE_AUTHORITY: &str = "com.huawei.android.launcher.settings";
    /// The provider method that sets a badge.
    pub const METHOD_CHANGE_BADGE: &str = "change_badge";
    /// `change_badge` arguments: the app, its entry activity, the number.
    pub const ARG_PACKAGE: &str = "package";
    pub const ARG_CLASS: &str = "class";
    pub const ARG_BADGE_NUMBER: &str = "badgenumber";
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
    /// The extra of a MESSAGE broadcast that says which callback it is for.
    pub const EXTRA_METHOD: &str = "method";
    /// `method` of the tap broadcast (`onNotificationClicked`).
    pub const METHOD_CLICKED: &str = "private";
    /// `method` of the arrival broadcast (`onNotificationArrived`).
    pub const METHOD_ARRIVED: &str = "notification_arrived";
    /// `method` of a pass-through message (`onMessage`).
    pub const METHOD_MESSAGE: &str = "message";
}

/// Google FCM.
pub mod fcm {
    /// The broadcast with which Google Play services wakes the app.
    pub const RECEIVE_ACTION: &str = "com.google.android.c2dm.intent.RECEIVE";
    /// The channel the FCM SDK creates and uses when the message names none
    /// (and no default is declared in the manifest).
    pub const FALLBACK_CHANNEL: &str = "fcm_fallback_notification_channel";
    /// The key prefix of a notification message's fields on the wake-up
    /// broadcast (`gcm.notification.title`, `…body`, …): the SDK shows such
    /// a message itself.
    pub const NOTIFICATION_PREFIX: &str = "gcm.notification.";
    /// The title and body keys the device's FCM service puts on it.
    pub const EXTRA_TITLE: &str = "gcm.notification.title";
    pub const EXTRA_BODY: &str = "gcm.notification.body";
}

/// The app-side callback a vendor SDK calls when its push service's
/// broadcast reaches the app: what `expect_callback` names, and what the
/// demo app reports in `callback_received.callback`. The wire name is the
/// SDK's method name; Mi and vivo share `onNotificationMessageClicked`, so
/// a name is read against the vendor of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SdkCallback {
    /// Mi `PushMessageReceiver` and vivo `OpenClientPushMessageReceiver`:
    /// the user tapped a notification message.
    #[serde(rename = "onNotificationMessageClicked")]
    NotificationMessageClicked,
    /// Mi: a notification message arrived (shown by MIUI).
    #[serde(rename = "onNotificationMessageArrived")]
    NotificationMessageArrived,
    /// Mi: a pass-through (data) message arrived; nothing is shown.
    #[serde(rename = "onReceivePassThroughMessage")]
    ReceivePassThroughMessage,
    /// Meizu `MzPushMessageReceiver`: the user tapped a notification.
    #[serde(rename = "onNotificationClicked")]
    NotificationClicked,
    /// Meizu: a notification arrived (shown by Flyme).
    #[serde(rename = "onNotificationArrived")]
    NotificationArrived,
    /// Meizu: a pass-through message arrived.
    #[serde(rename = "onMessage")]
    Message,
    /// FCM `FirebaseMessagingService`: a data message, or any message while
    /// the app is in the foreground. A notification message for an app in
    /// the background is shown by the SDK without it.
    #[serde(rename = "onMessageReceived")]
    MessageReceived,
}

impl SdkCallback {
    /// Every callback, in declaration order.
    pub const ALL: [SdkCallback; 7] = [
        SdkCallback::NotificationMessageClicked,
        SdkCallback::NotificationMessageArrived,
        SdkCallback::ReceivePassThroughMessage,
        SdkCallback::NotificationClicked,
        SdkCallback::NotificationArrived,
        SdkCallback::Message,
        SdkCallback::MessageReceived,
    ];

    /// The SDK's method name.
    pub fn name(self) -> &'static str {
        match self {
            SdkCallback::NotificationMessageClicked => "onNotificationMessageClicked",
            SdkCallback::NotificationMessageArrived => "onNotificationMessageArrived",
            SdkCallback::ReceivePassThroughMessage => "onReceivePassThroughMessage",
            SdkCallback::NotificationClicked => "onNotificationClicked",
            SdkCallback::NotificationArrived => "onNotificationArrived",
            SdkCallback::Message => "onMessage",
            SdkCallback::MessageReceived => "onMessageReceived",
        }
    }

    /// The message callbacks the vendor's SDK has. HMS and OPPO hand
    /// notification messages to the app only through the opened activity:
    /// HMS's `onMessageReceived` is for data messages, which IM offline push
    /// does not send, and OPPO's SDK has no click callback
    /// (docs/vendors/oppo.md).
    pub fn of_vendor(vendor: super::VendorId) -> &'static [SdkCallback] {
        use super::VendorId;
        match vendor {
            VendorId::Xiaomi => &[
                SdkCallback::NotificationMessageClicked,
                SdkCallback::NotificationMessageArrived,
                SdkCallback::ReceivePassThroughMessage,
            ],
            VendorId::Vivo => &[SdkCallback::NotificationMessageClicked],
            VendorId::Meizu => &[
                SdkCallback::NotificationClicked,
                SdkCallback::NotificationArrived,
                SdkCallback::Message,
            ],
            VendorId::Fcm => &[SdkCallback::MessageReceived],
            VendorId::Huawei | VendorId::Oppo => &[],
        }
    }

    /// The callback the vendor SDK's receiver calls for a broadcast with
    /// this `action`, reading the extras it dispatches on (`extra(key)` is
    /// the string extra `key`). `None` when the SDK calls none (an FCM
    /// notification message for an app in the background, a broadcast no
    /// SDK listens on).
    ///
    /// - Mi: the `MiPushMessage` under `key_message` says which:
    ///   `passThrough` 1 is a pass-through message; otherwise
    ///   `isArrivedMessage` true is the arrival, else the click.
    /// - vivo: the receiver's broadcast is the notification click.
    /// - Meizu: the `method` extra; `private` is the tap broadcast (as
    ///   docs/vendors/meizu.md reads it), `notification_arrived` the arrival
    ///   and `message` a pass-through message (the last two names are
    ///   pushlab's; UNCONFIRMED).
    /// - FCM: the SDK shows a notification message (one with
    ///   `gcm.notification.` keys) itself while the app is in the
    ///   background, and calls `onMessageReceived` only for a data message.
    pub fn dispatched<'a>(
        action: &str,
        extra: impl Fn(&str) -> Option<&'a str>,
        has_key_prefix: impl Fn(&str) -> bool,
    ) -> Option<SdkCallback> {
        match action {
            xiaomi::ACTION_RECEIVE_MESSAGE => {
                let message = extra(xiaomi::KEY_MESSAGE)
                    .and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok())
                    .unwrap_or_default();
                let pass_through = message["passThrough"].as_i64() == Some(1);
                let arrived = message["isArrivedMessage"].as_bool() == Some(true);
                Some(match (pass_through, arrived) {
                    (true, _) => SdkCallback::ReceivePassThroughMessage,
                    (false, true) => SdkCallback::NotificationMessageArrived,
                    (false, false) => SdkCallback::NotificationMessageClicked,
                })
            }
            vivo::RECEIVE_ACTION => Some(SdkCallback::NotificationMessageClicked),
            meizu::MESSAGE_ACTION => match extra(meizu::EXTRA_METHOD)? {
                meizu::METHOD_CLICKED => Some(SdkCallback::NotificationClicked),
                meizu::METHOD_ARRIVED => Some(SdkCallback::NotificationArrived),
                meizu::METHOD_MESSAGE => Some(SdkCallback::Message),
                _ => None,
            },
            fcm::RECEIVE_ACTION => {
                (!has_key_prefix(fcm::NOTIFICATION_PREFIX)).then_some(SdkCallback::MessageReceived)
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for SdkCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SdkCallback {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        SdkCallback::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or(())
    }
}
