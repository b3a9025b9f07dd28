//! The device-side contract (docs/device-side.md): packages, components,
//! actions and extras of the companion apps that run on a phone
//! (`android-app/`), which the simulated device's models of them share, and
//! which the runner drives.

/// The companion agent's package.
pub const AGENT_PACKAGE: &str = "com.pushlab.agent";
/// The agent's foreground service (holds the gateway stream).
pub const AGENT_SERVICE: &str = "com.pushlab.agent.AgentService";
/// The agent's receiver for token requests.
pub const AGENT_REGISTER_RECEIVER: &str = "com.pushlab.agent.RegisterReceiver";
/// The agent's receiver for host commands (`tap`, `clear`).
pub const AGENT_COMMAND_RECEIVER: &str = "com.pushlab.agent.CommandReceiver";
/// Hears `PACKAGE_DATA_CLEARED`: the badge count kept for a cleared app goes.
pub const AGENT_DATA_CLEARED_RECEIVER: &str = "com.pushlab.agent.DataClearedReceiver";
/// The agent's NotificationListenerService.
pub const AGENT_LISTENER_SERVICE: &str = "com.pushlab.agent.ListenerService";
/// A push SDK asks the push service for a token (extras `vendor`, `package`).
pub const ACTION_REGISTER: &str = "com.pushlab.agent.REGISTER";
/// The push service's answer (extras `vendor` and `token`, or
/// `error_code`, `error_message`, `diagnosis`).
pub const ACTION_TOKEN: &str = "com.pushlab.agent.TOKEN";
/// A host command (extras `command`, `message_id`).
pub const ACTION_COMMAND: &str = "com.pushlab.agent.COMMAND";
/// The agent service's string extra: the hub's base URL.
pub const AGENT_EXTRA_HUB: &str = "hub";
/// The agent service's string extra: the id the device registers under.
pub const AGENT_EXTRA_DEVICE: &str = "device";
/// A host command's string extra: which command.
pub const AGENT_EXTRA_COMMAND: &str = "command";
/// A host command's string extra: the message it is about.
pub const AGENT_EXTRA_MESSAGE_ID: &str = "message_id";
/// The host command that fires a message's notification tap.
pub const AGENT_COMMAND_TAP: &str = "tap";

/// The demo IM app's package.
pub const DEMO_PACKAGE: &str = "com.pushlab.demo";
/// The demo app's launcher activity, which also takes the runner's commands.
pub const DEMO_SPLASH_ACTIVITY: &str = "com.pushlab.demo.SplashActivity";
/// The launcher activity's class relative to the app's package: the app
/// under test may be the demo app built under another package.
pub const APP_SPLASH_ACTIVITY: &str = ".SplashActivity";
/// The demo app's in-app page.
pub const DEMO_CHAT_ACTIVITY: &str = "com.pushlab.demo.chat.ChatActivity";
/// The demo app's receiver of vendor SDK callbacks and of TOKEN answers.
pub const DEMO_PUSH_RECEIVER: &str = "com.pushlab.demo.PushReceiver";
/// The action that opens the chat page (category DEFAULT).
pub const DEMO_ACTION_OPEN_CHAT: &str = "com.pushlab.demo.OPEN_CHAT";
/// An action the chat activity declares without the DEFAULT category: the
/// mistake OPPO's guide warns about. An implicit `startActivity` never
/// matches such a filter, so a push opening it finds no activity.
pub const DEMO_ACTION_OPEN_CHAT_NO_DEFAULT: &str = "com.pushlab.demo.OPEN_CHAT_NO_DEFAULT";
/// The demo app's default notification channel.
pub const DEMO_CHANNEL_ID: &str = "im";
/// The demo app's default channel's name.
pub const DEMO_CHANNEL_NAME: &str = "Messages";

/// The splash activity's string extra: the runner's command for the app.
pub const APP_EXTRA_COMMAND: &str = "pushlab.command";
/// `login`: the hub's base URL.
pub const APP_EXTRA_HUB: &str = "pushlab.hub";
/// `login`: the device id the IM session is on.
pub const APP_EXTRA_DEVICE: &str = "pushlab.device";
/// `login`: the IM user.
pub const APP_EXTRA_USER: &str = "pushlab.user";
/// `report_token`: the vendor to register with.
pub const APP_EXTRA_VENDOR: &str = "pushlab.vendor";
/// `report_token`: the certificate id to report the token under.
pub const APP_EXTRA_CERTIFICATE_ID: &str = "pushlab.certificate_id";
/// `configure`: the channel the app's notifications go to.
pub const APP_EXTRA_CHANNEL_ID: &str = "pushlab.channel_id";
/// `configure` (boolean extra): whether the app creates that channel.
pub const APP_EXTRA_CREATE_CHANNEL: &str = "pushlab.create_channel";

/// The app's commands (the value of [`APP_EXTRA_COMMAND`]).
pub const APP_COMMAND_LOGIN: &str = "login";
/// See [`APP_COMMAND_LOGIN`].
pub const APP_COMMAND_LOGOUT: &str = "logout";
/// See [`APP_COMMAND_LOGIN`].
pub const APP_COMMAND_REPORT_TOKEN: &str = "report_token";
/// See [`APP_COMMAND_LOGIN`].
pub const APP_COMMAND_CONFIGURE: &str = "configure";

/// The string extra the push service puts on every tap intent and callback
/// broadcast, so that the app's reports join the message's chain.
pub const EXTRA_MESSAGE_ID: &str = "pushlab.message_id";

/// The flattened component of the agent's notification listener, as
/// `cmd notification allow_listener` takes it.
pub fn agent_listener() -> crate::android::ComponentName {
    crate::android::ComponentName::new(AGENT_PACKAGE, AGENT_LISTENER_SERVICE)
}
