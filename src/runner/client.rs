//! The runner's client of the companion apps on a phone: the demo IM app
//! (or the app under test, built from it under another package) and the
//! push agent. It speaks the device-side contract of [`crate::companion`]
//! (docs/device-side.md) through `am` commands, so that the steps say what
//! they ask (`login`, `report_token`, `tap`) and never spell a component,
//! an action or an extra.

use crate::android::{ComponentName, NotificationRecord};
use crate::companion::*;
use crate::device::{shell_quote, Device, DeviceError};
use crate::services::journal::MessageId;
use crate::wire::VendorId;

/// The Android permission a user grants at the app's first launch prompt.
const POST_NOTIFICATIONS: &str = "android.permission.POST_NOTIFICATIONS";

/// An `am` command line with its extras.
struct Am(String);

impl Am {
    /// `am start -W` of `component`: waits until the activity is shown.
    fn start(component: &ComponentName) -> Am {
        Am(format!(
            "am start -W -n {}",
            component.flatten_to_short_string()
        ))
    }

    /// `am <how>` of a service (`startservice`, `start-foreground-service`).
    fn service(how: &str, component: &ComponentName) -> Am {
        Am(format!(
            "am {how} -n {}",
            component.flatten_to_short_string()
        ))
    }

    /// `am broadcast` of `action` to `component` alone.
    fn broadcast(component: &ComponentName, action: &str) -> Am {
        Am(format!(
            "am broadcast -n {} -a {action}",
            component.flatten_to_short_string()
        ))
    }

    /// A string extra.
    fn es(mut self, key: &str, value: &str) -> Am {
        self.0
            .push_str(&format!(" --es {key} {}", shell_quote(value)));
        self
    }

    /// A boolean extra.
    fn ez(mut self, key: &str, value: bool) -> Am {
        self.0.push_str(&format!(" --ez {key} {value}"));
        self
    }
}

/// The companion apps of one device, for one run: the app under test
/// (`app`) and the agent, both pointed at the run's hub.
pub(super) struct CompanionClient<'a> {
    dev: &'a Device,
    /// The app under test's package.
    app: String,
    /// The hub's base URL as the device reaches it.
    hub_url: String,
    /// The id the device's push service and IM session go by.
    serial: String,
}

impl<'a> CompanionClient<'a> {
    pub(super) fn new(
        dev: &'a Device,
        app: impl Into<String>,
        hub_url: impl Into<String>,
        serial: impl Into<String>,
    ) -> CompanionClient<'a> {
        CompanionClient {
            dev,
            app: app.into(),
            hub_url: hub_url.into(),
            serial: serial.into(),
        }
    }

    async fn run(&self, am: Am) -> Result<(), DeviceError> {
        self.dev.shell_ok(&am.0).await.map(|_| ())
    }

    // ---- the app ----

    /// The app's splash activity, which takes the runner's commands.
    fn splash(&self) -> ComponentName {
        ComponentName::new(self.app.as_str(), APP_SPLASH_ACTIVITY)
    }

    /// The splash activity started with `command`.
    fn app_command(&self, command: &str) -> Am {
        Am::start(&self.splash()).es(APP_EXTRA_COMMAND, command)
    }

    /// Opens the app as from the launcher.
    pub(super) async fn open_app(&self) -> Result<(), DeviceError> {
        self.run(Am::start(&self.splash())).await
    }

    /// Stops the app's process (`am force-stop`).
    pub(super) async fn stop_app(&self) -> Result<(), DeviceError> {
        self.dev.force_stop(&self.app).await
    }

    /// Kills the app's process as the system does for a background app
    /// (`am kill`).
    pub(super) async fn kill_app(&self) -> Result<(), DeviceError> {
        self.dev.kill(&self.app).await
    }

    /// Wipes the app's data (`pm clear`), as after a fresh install.
    pub(super) async fn clear_app_data(&self) -> Result<(), DeviceError> {
        self.dev
            .shell_ok(&format!("pm clear {}", self.app))
            .await
            .map(|_| ())
    }

    /// Allows the app to post notifications (Android 13+), as its user
    /// does at the first launch prompt.
    pub(super) async fn allow_app_notifications(&self) -> Result<(), DeviceError> {
        self.dev
            .shell_ok(&format!("pm grant {} {POST_NOTIFICATIONS}", self.app))
            .await
            .map(|_| ())
    }

    /// Sets the channel the app's notifications go to, and whether the app
    /// creates it.
    pub(super) async fn configure(
        &self,
        channel_id: &str,
        create_channel: bool,
    ) -> Result<(), DeviceError> {
        let am = self
            .app_command(APP_COMMAND_CONFIGURE)
            .es(APP_EXTRA_CHANNEL_ID, channel_id)
            .ez(APP_EXTRA_CREATE_CHANNEL, create_channel);
        self.run(am).await
    }

    /// Logs `user` in to the IM server on the hub from this device.
    pub(super) async fn login(&self, user: &str) -> Result<(), DeviceError> {
        let am = self
            .app_command(APP_COMMAND_LOGIN)
            .es(APP_EXTRA_HUB, &self.hub_url)
            .es(APP_EXTRA_DEVICE, &self.serial)
            .es(APP_EXTRA_USER, user);
        self.run(am).await
    }

    /// Logs the app's user out.
    pub(super) async fn logout(&self) -> Result<(), DeviceError> {
        self.run(self.app_command(APP_COMMAND_LOGOUT)).await
    }

    /// Registers with `vendor`'s push service and reports the token to the
    /// IM server under `certificate_id`. The hub and device go along as with
    /// `login`, so an app asked to report before logging in can still tell
    /// the hub it handled the answer (and skipped the report).
    pub(super) async fn report_token(
        &self,
        vendor: VendorId,
        certificate_id: u64,
    ) -> Result<(), DeviceError> {
        let am = self
            .app_command(APP_COMMAND_REPORT_TOKEN)
            .es(APP_EXTRA_HUB, &self.hub_url)
            .es(APP_EXTRA_DEVICE, &self.serial)
            .es(APP_EXTRA_VENDOR, vendor.name())
            .es(APP_EXTRA_CERTIFICATE_ID, &certificate_id.to_string());
        self.run(am).await
    }

    // ---- the agent ----

    /// Stops the agent, and with it its gateway stream.
    pub(super) async fn stop_agent(&self) -> Result<(), DeviceError> {
        self.dev.force_stop(AGENT_PACKAGE).await
    }

    /// Starts the agent's service, which opens the gateway stream to the
    /// hub; a foreground service from Android 8 (`api` 26) on.
    pub(super) async fn start_agent(&self, api: u32) -> Result<(), DeviceError> {
        let how = if api >= 26 {
            "start-foreground-service"
        } else {
            "startservice"
        };
        let service = ComponentName::new(AGENT_PACKAGE, AGENT_SERVICE);
        let am = Am::service(how, &service)
            .es(AGENT_EXTRA_HUB, &self.hub_url)
            .es(AGENT_EXTRA_DEVICE, &self.serial);
        self.run(am).await
    }

    /// Fires the tap of `message`'s notification from the agent, as the
    /// push service does for a user's tap.
    pub(super) async fn tap(&self, message: &MessageId) -> Result<(), DeviceError> {
        let receiver = ComponentName::new(AGENT_PACKAGE, AGENT_COMMAND_RECEIVER);
        let am = Am::broadcast(&receiver, ACTION_COMMAND)
            .es(AGENT_EXTRA_COMMAND, AGENT_COMMAND_TAP)
            .es(AGENT_EXTRA_MESSAGE_ID, &message.0);
        self.run(am).await
    }

    /// Whether a notification in the shade is shown for the app: posted as
    /// the app (its own SDK, or a ROM push service posting on its behalf),
    /// or by the agent, which on a phone can only post under its own
    /// package and tags the notification with the app's.
    pub(super) fn shows(&self, n: &NotificationRecord) -> bool {
        n.pkg == self.app || (n.pkg == AGENT_PACKAGE && n.tag.as_deref() == Some(&self.app))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_as_the_device_side_contract_writes_them() {
        let splash = ComponentName::new("com.pushlab.demo", APP_SPLASH_ACTIVITY);
        let login = Am::start(&splash)
            .es(APP_EXTRA_COMMAND, APP_COMMAND_LOGIN)
            .es(APP_EXTRA_USER, "it's me");
        assert_eq!(
            login.0,
            r"am start -W -n com.pushlab.demo/.SplashActivity --es pushlab.command login --es pushlab.user 'it'\''s me'"
        );
        let configure = Am::start(&splash).ez(APP_EXTRA_CREATE_CHANNEL, false);
        assert!(configure.0.ends_with(" --ez pushlab.create_channel false"));
        let receiver = ComponentName::new(AGENT_PACKAGE, AGENT_COMMAND_RECEIVER);
        assert_eq!(
            Am::broadcast(&receiver, ACTION_COMMAND).0,
            "am broadcast -n com.pushlab.agent/.CommandReceiver -a com.pushlab.agent.COMMAND"
        );
        let service = ComponentName::new(AGENT_PACKAGE, AGENT_SERVICE);
        assert_eq!(
            Am::service("startservice", &service).0,
            "am startservice -n com.pushlab.agent/.AgentService"
        );
    }
}
