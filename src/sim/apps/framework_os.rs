//! [`DeviceOs`] on the simulated device's framework model, and the wiring
//! that makes every simulated device run the app models: the framework's
//! [`AppHooks`] of the companion packages (and of the ROM's push service
//! package) call into [`DeviceApps`].
//!
//! The models only ever see the framework through [`DeviceOs`], so what
//! they do shows in `dumpsys`, `logcat` and the shade exactly as an app's
//! calls would.

use std::collections::BTreeMap;
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Weak};

use futures::future::BoxFuture;
use futures::FutureExt;

use super::os::{ChannelSpec, DeviceOs, DeviceSocket, LogPriority, OsError, PendingKind, PostSpec};
use super::DeviceApps;
use crate::android::LogLevel;
use crate::android::{ComponentName, ExtraValue, Extras, Intent, LaunchFlags};
use crate::companion::{AGENT_LISTENER_SERVICE, AGENT_PACKAGE, DEMO_PACKAGE};
use crate::diagnosis::Diagnosis;
use crate::sim::device::{DeviceState, SocketSpec};
use crate::sim::framework::{
    packages, ActivityStart, AndroidModel, AppHooks, Caller, Channel, ContentIntent,
    NotificationPost, PostedNotification, ProcessDeath, RemoveReason, StartError,
};
use crate::wire::facts::{device_info_from_props, HMS_CORE_PACKAGE, PLAY_SERVICES_PACKAGE};
use crate::wire::protocol::{DeviceInfo, Rom};

/// The framework model as the app models see it.
pub struct FrameworkOs {
    model: Arc<AndroidModel>,
    /// The device, for reverse forwards (weak: the device owns the models).
    device: Weak<DeviceState>,
    /// The launcher's app-icon badges, on ROMs whose launcher has a badge
    /// provider (Huawei's, on EMUI and HarmonyOS).
    badges: parking_lot::Mutex<BTreeMap<String, LauncherBadge>>,
}

/// What the launcher shows on one app's icon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LauncherBadge {
    /// The activity whose icon carries the badge.
    pub class: String,
    pub number: u32,
}

impl FrameworkOs {
    /// The view of `model`, running on `device`.
    pub fn new(model: Arc<AndroidModel>, device: &Arc<DeviceState>) -> Arc<FrameworkOs> {
        Arc::new(FrameworkOs {
            model,
            device: Arc::downgrade(device),
            badges: parking_lot::Mutex::new(BTreeMap::new()),
        })
    }

    /// The badge the launcher shows on `package`'s icon, if any.
    pub fn launcher_badge(&self, package: &str) -> Option<LauncherBadge> {
        self.badges.lock().get(package).cloned()
    }

    /// Huawei's launcher badge provider: `change_badge` sets the number on
    /// the named class of the app (0 removes the badge), as the launcher
    /// does on EMUI and HarmonyOS; other ROMs' launchers have no such
    /// provider. The badge sits on an icon, so a class that is not the
    /// app's launcher activity shows nothing (the call is refused). The
    /// answer carries the badge now shown.
    fn huawei_badge(&self, method: &str, extras: &Extras) -> Option<Extras> {
        use crate::wire::sdk::huawei::*;
        if !matches!(self.device_info().rom, Rom::Emui | Rom::Harmonyos)
            || method != METHOD_CHANGE_BADGE
        {
            return None;
        }
        let package = extras.get(ARG_PACKAGE)?.as_str()?.to_string();
        let class = extras.get(ARG_CLASS)?.as_str()?.to_string();
        let icon = self.model.package(&package)?.manifest.launcher_activity()?;
        if icon.class != class {
            self.model.log_as(
                "com.huawei.android.launcher",
                LogLevel::Warn,
                "BadgeProvider",
                &format!(
                    "change_badge: {class} is not the launcher activity of {package} ({}); no icon to badge",
                    icon.class
                ),
            );
            return None;
        }
        let number = match extras.get(ARG_BADGE_NUMBER)? {
            ExtraValue::Int(n) => u32::try_from(*n).ok()?,
            ExtraValue::Long(n) => u32::try_from(*n).ok()?,
            ExtraValue::String(s) => s.parse().ok()?,
            _ => return None,
        };
        {
            let mut badges = self.badges.lock();
            if number == 0 {
                badges.remove(&package);
            } else {
                badges.insert(
                    package.clone(),
                    LauncherBadge {
                        class: class.clone(),
                        number,
                    },
                );
            }
        }
        self.model.log_as(
            "com.huawei.android.launcher",
            LogLevel::Info,
            "BadgeProvider",
            &format!("change_badge {package}/{class} = {number}"),
        );
        let mut answer = Extras::new();
        answer.insert(ARG_CLASS, class);
        answer.insert(
            ARG_BADGE_NUMBER,
            ExtraValue::Int(i32::try_from(number).unwrap_or(i32::MAX)),
        );
        Some(answer)
    }

    fn caller(package: &str) -> Caller {
        if package == packages::SHELL_PACKAGE {
            Caller::Shell
        } else {
            Caller::Package(package.to_string())
        }
    }
}

fn start_error(e: &StartError, url: bool) -> OsError {
    let detail = match e {
        StartError::Unresolved(i) => format!(
            "No Activity found to handle Intent {{ act={} dat={} }}",
            i.action.as_deref().unwrap_or("null"),
            i.data.as_deref().unwrap_or("null")
        ),
        StartError::ClassNotFound(c) => format!(
            "Unable to find explicit activity class {{{}}}",
            c.flatten_to_short_string()
        ),
        other => other.to_string(),
    };
    OsError::new(e.diagnosis(url), detail)
}

fn level(p: LogPriority) -> LogLevel {
    match p {
        LogPriority::Debug => LogLevel::Debug,
        LogPriority::Info => LogLevel::Info,
        LogPriority::Warn => LogLevel::Warn,
        LogPriority::Error => LogLevel::Error,
    }
}

impl DeviceOs for FrameworkOs {
    fn api_level(&self) -> u32 {
        u32::from(self.model.api())
    }

    /// Read the way the agent reads it on a phone, from the properties (a
    /// tester's `setprop debug.pushlab.*` included) and the installed
    /// packages; at boot this is the profile's [`Profile::device_info`].
    ///
    /// [`Profile::device_info`]: crate::sim::profile::Profile::device_info
    fn device_info(&self) -> DeviceInfo {
        let Some(device) = self.device.upgrade() else {
            return self.model.profile().device_info();
        };
        let hms = self
            .model
            .package(HMS_CORE_PACKAGE)
            .map(|p| u64::try_from(p.manifest.version_code).unwrap_or(0));
        let play_services = self.model.package(PLAY_SERVICES_PACKAGE).is_some();
        device_info_from_props(&device.props(), hms, play_services)
    }

    /// The simulated device runs on the host: a connection to a port with
    /// an `adb reverse` forward goes through it (as on a phone); any other
    /// loopback port is reached directly. Nothing beyond loopback exists.
    fn connect(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<DeviceSocket>> {
        let device = self.device.upgrade();
        let host = host.to_string();
        async move {
            let loopback =
                host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(io::Error::new(
                    io::ErrorKind::HostUnreachable,
                    format!("{host}: the simulated device reaches only the host's loopback"),
                ));
            }
            let spec = SocketSpec::tcp(port);
            if let Some(dev) = device {
                let forwarded = dev
                    .reverse_forwards()
                    .iter()
                    .any(|f| f.device.as_str() == spec.as_str());
                if forwarded {
                    let s = dev.connect_tcp(port).await.map_err(|e| {
                        io::Error::new(io::ErrorKind::ConnectionRefused, e.to_string())
                    })?;
                    return Ok(Box::pin(s) as DeviceSocket);
                }
            }
            let s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
            s.set_nodelay(true)?;
            Ok(Box::pin(s) as DeviceSocket)
        }
        .boxed()
    }

    fn channel_exists(&self, package: &str, channel_id: &str) -> bool {
        self.model
            .channels(package)
            .iter()
            .any(|c| c.id == channel_id && !c.deleted)
    }

    fn create_channel(&self, package: &str, channel: ChannelSpec) {
        self.model.create_channel(
            package,
            Channel::new(&channel.id, &channel.name, channel.importance),
        );
    }

    fn post_notification(&self, package: &str, post: PostSpec) -> Result<String, OsError> {
        let pi = post.content_intent;
        let content = match pi.kind {
            PendingKind::Activity => ContentIntent::Activity(pi.intent),
            PendingKind::Broadcast => ContentIntent::Broadcast(pi.intent),
        };
        let channel = post.channel_id.clone();
        self.model
            .post_notification(
                package,
                NotificationPost {
                    id: post.id,
                    tag: post.tag,
                    channel_id: post.channel_id,
                    title: post.title,
                    text: post.text,
                    content_intent: Some(content),
                    auto_cancel: post.auto_cancel,
                    ongoing: false,
                    extras: post.extras,
                },
            )
            .map_err(|e| {
                let code = e
                    .diagnosis()
                    .unwrap_or(Diagnosis::DeviceNotificationsDisabled);
                let detail = match &e {
                    crate::sim::framework::PostDropped::NoChannel { .. } => format!(
                        "No Channel found for pkg={package}, channelId={}",
                        channel.as_deref().unwrap_or("null")
                    ),
                    other => other.to_string(),
                };
                OsError::new(code, detail)
            })
    }

    fn cancel_notification(&self, key: &str) -> bool {
        let Some(n) = self
            .model
            .notifications()
            .into_iter()
            .find(|n| n.key == key)
        else {
            return false;
        };
        self.model
            .cancel_notification(&n.package, n.tag.as_deref(), n.id)
    }

    fn launch_intent_for_package(&self, package: &str) -> Option<Intent> {
        let pkg = self.model.package(package)?;
        pkg.manifest.launcher_activity().map(Intent::launch)
    }

    fn start_activity(&self, intent: Intent, caller: &str) -> Result<ComponentName, OsError> {
        self.model
            .start_activity(&Self::caller(caller), &intent)
            .map(|s: ActivityStart| s.component)
            .map_err(|e| start_error(&e, false))
    }

    fn open_url(&self, url: &str, caller: &str) -> Result<String, OsError> {
        let parsed = url::Url::parse(url);
        if !parsed.is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
            return Err(OsError::new(
                Diagnosis::DeviceUrlInvalid,
                format!(
                    "No Activity found to handle Intent {{ act=android.intent.action.VIEW dat={url} }}"
                ),
            ));
        }
        self.model
            .start_activity(&Self::caller(caller), &Intent::view(url))
            .map(|s| s.component.package)
            .map_err(|e| start_error(&e, true))
    }

    fn send_broadcast(&self, mut intent: Intent, caller: &str, include_stopped: bool) -> bool {
        if include_stopped {
            intent.launch_flags =
                LaunchFlags(intent.launch_flags.0 | LaunchFlags::INCLUDE_STOPPED_PACKAGES);
        }
        !self
            .model
            .send_broadcast(&Self::caller(caller), &intent)
            .delivered
            .is_empty()
    }

    fn is_stopped(&self, package: &str) -> bool {
        self.model.is_stopped(package).unwrap_or(false)
    }

    /// Lines of the demo app's tag belong to its process; the push
    /// service's to the agent's (or the ROM service it runs as).
    fn log(&self, priority: LogPriority, tag: &str, message: &str) {
        let package = if tag == super::demo::TAG {
            DEMO_PACKAGE
        } else {
            AGENT_PACKAGE
        };
        self.model.log_as(package, level(priority), tag, message);
    }

    fn call_provider(
        &self,
        authority: &str,
        method: &str,
        extras: &Extras,
        _caller: &str,
    ) -> Option<Extras> {
        match authority {
            crate::wire::sdk::huawei::BADGE_AUTHORITY => self.huawei_badge(method, extras),
            _ => None,
        }
    }
}

/// The framework's hooks for the modelled packages: each event goes to the
/// app models (which queue the work and return at once).
struct ModelHooks {
    apps: Weak<DeviceApps>,
}

impl ModelHooks {
    fn apps(&self) -> Option<Arc<DeviceApps>> {
        self.apps.upgrade()
    }
}

impl AppHooks for ModelHooks {
    fn activity_started(&self, _model: &Arc<AndroidModel>, start: &ActivityStart) {
        if let Some(apps) = self.apps() {
            apps.activity_started(&start.component, &start.intent);
        }
    }

    fn broadcast_received(
        &self,
        _model: &Arc<AndroidModel>,
        receiver: &ComponentName,
        intent: &Intent,
    ) {
        if let Some(apps) = self.apps() {
            apps.broadcast_received(receiver, intent);
        }
    }

    fn service_started(
        &self,
        _model: &Arc<AndroidModel>,
        service: &ComponentName,
        intent: &Intent,
        _foreground: bool,
    ) {
        if let Some(apps) = self.apps() {
            apps.service_started(service, intent);
        }
    }

    fn process_died(&self, _model: &Arc<AndroidModel>, package: &str, _reason: ProcessDeath) {
        if let Some(apps) = self.apps() {
            apps.process_died(package);
        }
    }

    fn data_cleared(&self, _model: &Arc<AndroidModel>, package: &str) {
        if let Some(apps) = self.apps() {
            apps.data_cleared(package);
        }
    }

    fn notification_removed(
        &self,
        _model: &Arc<AndroidModel>,
        n: &PostedNotification,
        reason: RemoveReason,
    ) {
        let reason = match reason {
            RemoveReason::Click => "click",
            RemoveReason::AppCancel => "app_cancel",
            RemoveReason::Cancel => "cancel",
            RemoveReason::PackageChanged => "package_changed",
        };
        if let Some(apps) = self.apps() {
            apps.notification_removed(&n.key, reason);
        }
    }
}

/// Runs the app models on a device whose framework is installed: the
/// companions' and the ROM push service's hooks call into a new
/// [`DeviceApps`], stored as the device's extension (the device owns it;
/// the hooks and the OS view hold it weakly). When the agent is
/// preinstalled, its notification listener is allowed, as after the
/// companion's first launch (an agent installed later needs
/// `cmd notification allow_listener`, as on a phone). Must run
/// within a tokio runtime. Returns `None` if the framework is missing.
pub fn install(device: &Arc<DeviceState>) -> Option<Arc<DeviceApps>> {
    let model = AndroidModel::of(device)?;
    let os = FrameworkOs::new(model.clone(), device);
    let apps = Arc::new(DeviceApps::new(os));
    device.insert_extension(apps.clone());
    let hooks: Arc<dyn AppHooks> = Arc::new(ModelHooks {
        apps: Arc::downgrade(&apps),
    });
    model.set_hooks(AGENT_PACKAGE, hooks.clone());
    model.set_hooks(DEMO_PACKAGE, hooks.clone());
    if let Some((rom_push, _)) = packages::push_service_for(model.profile()) {
        model.set_hooks(rom_push, hooks);
    }
    if model.package(AGENT_PACKAGE).is_some() {
        model.allow_listener(ComponentName::new(AGENT_PACKAGE, AGENT_LISTENER_SERVICE));
    }
    Some(apps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::profile::{Profile, KNOWN_PROFILES};

    fn os_of(profile: &Profile) -> (Arc<DeviceState>, Arc<FrameworkOs>) {
        let device = Arc::new(DeviceState::new(profile.clone()));
        let model = crate::sim::framework::install(&device, true);
        let os = FrameworkOs::new(model, &device);
        (device, os)
    }

    #[test]
    fn the_push_service_registers_with_the_profile_s_facts_at_boot() {
        for name in KNOWN_PROFILES {
            let profile = Profile::parse(name).expect("profile");
            let (_device, os) = os_of(&profile);
            assert_eq!(os.device_info(), profile.device_info(), "{name}");
        }
    }

    #[test]
    fn a_tester_s_setprop_changes_what_the_push_service_registers_with() {
        let (device, os) = os_of(&Profile::parse("emui-android10").expect("profile"));
        device.setprop("debug.pushlab.drops_huawei_passthrough", "true");
        device.setprop("debug.pushlab.hms_core_version", "20301300");
        let info = os.device_info();
        assert!(info.drops_huawei_passthrough);
        assert_eq!(info.hms_core_version, Some(20_301_300));
    }
}
