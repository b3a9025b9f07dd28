//! The typed commands a runner needs, each one shell command and one
//! parser of Android's own output.

use crate::android::notification::AppNotificationSettings;
use crate::android::{ApiLevel, ComponentName, Intent, NotificationRecord};

use super::driver::{shell_quote, Device};
use super::error::DeviceError;
use super::parse::{
    parse_activities, parse_am_start, parse_logcat, parse_notification_preferences,
    parse_notification_records, parse_pidof, parse_pm_list_packages, parse_ps, parse_ui_dump,
    ActivityState, AmStartResult, LogLine, PackageEntry, ProcessInfo, UiDumpError, UiHierarchy,
};

impl Device {
    /// `getprop <name>`; `None` when empty.
    pub async fn getprop(&self, name: &str) -> Result<Option<String>, DeviceError> {
        let out = self
            .shell(&format!("getprop {}", shell_quote(name)))
            .await?;
        let v = out.stdout.trim();
        Ok((!v.is_empty()).then(|| v.to_string()))
    }

    /// `ro.build.version.sdk`.
    pub async fn api_level(&self) -> Result<Option<ApiLevel>, DeviceError> {
        Ok(self
            .getprop("ro.build.version.sdk")
            .await?
            .as_deref()
            .and_then(ApiLevel::parse))
    }

    /// The posted notifications (`dumpsys notification --noredact`).
    pub async fn notifications(&self) -> Result<Vec<NotificationRecord>, DeviceError> {
        let out = self.shell_ok("dumpsys notification --noredact").await?;
        Ok(parse_notification_records(&out.stdout))
    }

    /// Every app's notification settings and channels.
    pub async fn channels(&self) -> Result<Vec<AppNotificationSettings>, DeviceError> {
        let out = self.shell_ok("dumpsys notification --noredact").await?;
        Ok(parse_notification_preferences(&out.stdout))
    }

    /// `dumpsys activity activities`, parsed.
    pub async fn activities(&self) -> Result<ActivityState, DeviceError> {
        let out = self.shell_ok("dumpsys activity activities").await?;
        Ok(parse_activities(&out.stdout))
    }

    /// The activity in front, if any.
    pub async fn resumed_activity(&self) -> Result<Option<ComponentName>, DeviceError> {
        Ok(self.activities().await?.resumed_component().cloned())
    }

    /// `am start -W '<intent URI>'`: `am` reads the URI with
    /// `URI_INTENT_SCHEME | URI_ANDROID_APP_SCHEME | URI_ALLOW_UNSAFE`, so
    /// every field the URI grammar carries reaches the device unchanged.
    /// `am` exits 0 on errors: look at [`AmStartResult::error`].
    pub async fn am_start(&self, intent: &Intent) -> Result<AmStartResult, DeviceError> {
        let cmd = format!("am start -W {}", shell_quote(&intent.to_uri()));
        let out = self.shell(&cmd).await?;
        Ok(parse_am_start(&out.combined()))
    }

    /// `pidof <name>`: empty when no process has that exact name.
    pub async fn pidof(&self, name: &str) -> Result<Vec<u32>, DeviceError> {
        let out = self.shell(&format!("pidof {}", shell_quote(name))).await?;
        Ok(parse_pidof(&out.stdout))
    }

    /// `ps -A`.
    pub async fn processes(&self) -> Result<Vec<ProcessInfo>, DeviceError> {
        let out = self.shell_ok("ps -A").await?;
        Ok(parse_ps(&out.stdout))
    }

    /// `pm list packages` (installed packages).
    pub async fn packages(&self) -> Result<Vec<PackageEntry>, DeviceError> {
        let out = self.shell_ok("pm list packages").await?;
        Ok(parse_pm_list_packages(&out.stdout))
    }

    /// `logcat -d -v threadtime`: the buffered log, parsed.
    pub async fn logcat_dump(&self) -> Result<Vec<LogLine>, DeviceError> {
        let out = self.shell_ok("logcat -d -v threadtime").await?;
        Ok(parse_logcat(&out.stdout))
    }

    /// `logcat -c`.
    pub async fn logcat_clear(&self) -> Result<(), DeviceError> {
        self.shell_ok("logcat -c").await.map(|_| ())
    }

    /// `uiautomator dump /dev/tty`: the window hierarchy. `Ok(Err(_))` when
    /// uiautomator itself reported a failure (retry later).
    pub async fn ui_dump(&self) -> Result<Result<UiHierarchy, UiDumpError>, DeviceError> {
        let out = self.shell("uiautomator dump /dev/tty").await?;
        Ok(parse_ui_dump(&out.combined()))
    }

    /// `am force-stop <pkg>`.
    pub async fn force_stop(&self, package: &str) -> Result<(), DeviceError> {
        self.shell_ok(&format!("am force-stop {}", shell_quote(package)))
            .await
            .map(|_| ())
    }

    /// `am kill <pkg>`: kills the package's processes if they are in the
    /// background (what the system does under memory pressure).
    pub async fn kill(&self, package: &str) -> Result<(), DeviceError> {
        self.shell_ok(&format!("am kill {}", shell_quote(package)))
            .await
            .map(|_| ())
    }

    /// `input tap <x> <y>`.
    pub async fn tap(&self, x: i32, y: i32) -> Result<(), DeviceError> {
        self.shell_ok(&format!("input tap {x} {y}"))
            .await
            .map(|_| ())
    }

    /// `cmd statusbar expand-notifications` / `collapse`; on phones
    /// without `cmd` (before Android 7.0, API 24) the status bar's binder
    /// calls `service call statusbar 1` / `2`.
    pub async fn notification_shade(&self, open: bool) -> Result<(), DeviceError> {
        let cmd = if open {
            "cmd statusbar expand-notifications"
        } else {
            "cmd statusbar collapse"
        };
        let out = self.shell(cmd).await?;
        if out.exit == Some(127) || out.combined().contains("cmd: not found") {
            let code = if open { 1 } else { 2 };
            return self
                .shell_ok(&format!("service call statusbar {code}"))
                .await
                .map(|_| ());
        }
        if out.success() {
            Ok(())
        } else {
            Err(DeviceError::CommandFailed {
                command: cmd.to_string(),
                exit: out.exit,
                output: out.combined(),
            })
        }
    }
}
