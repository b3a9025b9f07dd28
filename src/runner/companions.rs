//! Getting a device ready for runs, as on a phone after pushlab's first
//! use: the companion apps (`com.pushlab.agent`, `com.pushlab.demo`)
//! installed and as new as the APKs on the host, the agent allowed to post
//! notifications and to listen to the shade.
//!
//! Every step is confirmed on the device (`dumpsys package`, `settings get
//! secure enabled_notification_listeners`), never by trusting a command's
//! own output.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::android::apk::{ApkError, ApkInfo};
use crate::companion::{agent_listener, AGENT_PACKAGE, DEMO_PACKAGE};
use crate::device::{shell_quote, Device, DeviceError};

/// The APK file names `android-app/build.sh` writes.
pub const AGENT_APK: &str = "agent.apk";
/// See [`AGENT_APK`].
pub const DEMO_APK: &str = "demo.apk";

/// Where `android-app/build.sh` puts the APKs, relative to the project.
pub const BUILD_DIR: &str = "android-app/build";

/// An APK on the host, with what it says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostApk {
    pub path: PathBuf,
    pub info: ApkInfo,
}

impl HostApk {
    /// Reads `path`, which must be the APK of `package`.
    pub fn read(path: &Path, package: &str) -> Result<HostApk, CompanionError> {
        let bytes = std::fs::read(path).map_err(|e| CompanionError::ReadApk {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        let info = ApkInfo::from_bytes(&bytes).map_err(|e: ApkError| CompanionError::ReadApk {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        if info.package != package {
            return Err(CompanionError::WrongPackage {
                path: path.to_path_buf(),
                found: info.package,
                expected: package.to_string(),
            });
        }
        Ok(HostApk {
            path: path.to_path_buf(),
            info,
        })
    }

    fn version(&self) -> Version {
        Version {
            code: self.info.version_code,
            name: self.info.version_name.clone(),
        }
    }
}

/// Both companion APKs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanionApks {
    pub agent: HostApk,
    pub demo: HostApk,
}

impl CompanionApks {
    /// `agent.apk` and `demo.apk` in `dir`.
    pub fn in_dir(dir: &Path) -> Result<CompanionApks, CompanionError> {
        Ok(CompanionApks {
            agent: HostApk::read(&dir.join(AGENT_APK), AGENT_PACKAGE)?,
            demo: HostApk::read(&dir.join(DEMO_APK), DEMO_PACKAGE)?,
        })
    }

    /// The directory to take APKs from when none is named: `android-app/build`
    /// under the current directory, else under the project pushlab was built
    /// from; `None` when neither holds the agent's APK.
    pub fn default_dir() -> Option<PathBuf> {
        [
            PathBuf::from(BUILD_DIR),
            Path::new(env!("CARGO_MANIFEST_DIR")).join(BUILD_DIR),
        ]
        .into_iter()
        .find(|d| d.join(AGENT_APK).is_file())
    }
}

/// An installed or buildable app's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub code: i64,
    pub name: String,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.code)
    }
}

/// What preparing a device did, one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setup {
    /// The package was missing and is now installed.
    Installed { package: String, version: Version },
    /// An older (or differently built) version was replaced.
    Updated {
        package: String,
        from: Version,
        to: Version,
    },
    /// The package was removed first: the installed one was signed with
    /// another key, or newer than the APK.
    Replaced {
        package: String,
        from: Version,
        to: Version,
        why: String,
    },
    /// Already the APK's version.
    Current { package: String, version: Version },
    /// Installed, and no APK was at hand to compare it with.
    Unchecked { package: String, version: Version },
    /// A runtime permission granted.
    Granted { package: String, permission: String },
    /// The agent may read the shade.
    ListenerAllowed { component: String },
    /// An app op set to `allow`.
    AppOpAllowed { package: String, op: &'static str },
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setup::Installed { package, version } => write!(f, "installed {package} {version}"),
            Setup::Updated { package, from, to } => {
                write!(f, "updated {package} from {from} to {to}")
            }
            Setup::Replaced {
                package,
                from,
                to,
                why,
            } => write!(
                f,
                "reinstalled {package} {to} (the installed {from} could not be updated: {why})"
            ),
            Setup::Current { package, version } => write!(f, "{package} {version} is current"),
            Setup::Unchecked { package, version } => write!(
                f,
                "{package} {version} is installed (no APK to compare it with)"
            ),
            Setup::Granted {
                package,
                permission,
            } => write!(f, "granted {permission} to {package}"),
            Setup::ListenerAllowed { component } => {
                write!(f, "allowed notification listener {component}")
            }
            Setup::AppOpAllowed { package, op } => write!(f, "allowed {op} to {package}"),
        }
    }
}

/// Android 4.3: the first level with notification listeners, which the
/// agent needs to see what the device shows and removes.
pub const NOTIFICATION_LISTENER_API: u32 = 18;

/// Why a device could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum CompanionError {
    #[error("cannot read the APK {}: {detail}", path.display())]
    ReadApk { path: PathBuf, detail: String },
    #[error("{} is the APK of {found}, not of {expected}", path.display())]
    WrongPackage {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("{package} is not installed on {device}, and there is no APK to install: build the companion apps with `android-app/build.sh apks` (or pass --apks DIR with agent.apk and demo.apk)")]
    Missing { package: String, device: String },
    #[error("{device} runs Android API {api}; {package} needs API {min_sdk} or later")]
    TooOld {
        device: String,
        package: String,
        api: u32,
        min_sdk: u32,
    },
    #[error("{device} runs Android API {api}; the agent watches notifications with a notification listener, which Android has from 4.3 (API 18) on")]
    NoListener { device: String, api: u32 },
    #[error("installing {package} on {device} failed: {detail}")]
    Install {
        package: String,
        device: String,
        detail: String,
    },
    #[error("after installing {wanted}, {device} reports {package} as {found}")]
    NotUpdated {
        package: String,
        device: String,
        wanted: String,
        found: String,
    },
    #[error("{device} did not allow the notification listener {component} (enabled listeners: {enabled}); allow it by hand in Settings > Notifications > Device & app notifications")]
    Listener {
        device: String,
        component: String,
        enabled: String,
    },
    #[error("{device} did not allow {op} to com.pushlab.agent (`appops get` says {found:?}): host-fired taps cannot open apps from the background")]
    AppOp {
        device: String,
        op: &'static str,
        found: String,
    },
    #[error("{device}: {what}: {source}")]
    Device {
        device: String,
        what: &'static str,
        #[source]
        source: DeviceError,
    },
}

/// What failed on `device` while doing `what`, for `map_err`.
fn device_error(device: &str, what: &'static str) -> impl FnOnce(DeviceError) -> CompanionError {
    let device = device.to_string();
    move |source| CompanionError::Device {
        device,
        what,
        source,
    }
}

/// Options for [`prepare`].
#[derive(Debug, Clone, Default)]
pub struct PrepareOptions {
    /// The APKs to install from; `None` uses what the device has.
    pub apks: Option<CompanionApks>,
    /// Install even when the installed version is the APK's.
    pub reinstall: bool,
}

/// Makes `device` (shown as `name`) ready for runs. Returns what it did.
pub async fn prepare(
    device: &Device,
    name: &str,
    options: &PrepareOptions,
) -> Result<Vec<Setup>, CompanionError> {
    let err = |what| device_error(name, what);
    let api = device
        .api_level()
        .await
        .map_err(err("reading ro.build.version.sdk"))?
        .map(|a| a.0)
        .unwrap_or(0);
    if api != 0 && api < NOTIFICATION_LISTENER_API {
        return Err(CompanionError::NoListener {
            device: name.to_string(),
            api,
        });
    }
    let mut done = Vec::new();
    let apks = options.apks.as_ref();
    for (package, apk) in [
        (AGENT_PACKAGE, apks.map(|a| &a.agent)),
        (DEMO_PACKAGE, apks.map(|a| &a.demo)),
    ] {
        done.push(ensure_installed(device, name, api, package, apk, options.reinstall).await?);
    }
    if api >= 33 {
        // The agent posts notifications (its own foreground-service one,
        // and the apps' on their behalf): the user allows it once.
        let permission = "android.permission.POST_NOTIFICATIONS";
        device
            .shell_ok(&format!("pm grant {AGENT_PACKAGE} {permission}"))
            .await
            .map_err(err("granting POST_NOTIFICATIONS"))?;
        done.push(Setup::Granted {
            package: AGENT_PACKAGE.into(),
            permission: permission.into(),
        });
    }
    done.push(allow_listener(device, name).await?);
    if api >= 29 {
        done.push(allow_background_starts(device, name).await?);
    }
    Ok(done)
}

/// Android 10+ lets an app start activities from the background only with
/// SYSTEM_ALERT_WINDOW: the agent needs it to open the app when the host
/// fires a notification's tap (a user's own tap needs nothing).
async fn allow_background_starts(device: &Device, name: &str) -> Result<Setup, CompanionError> {
    let op = "SYSTEM_ALERT_WINDOW";
    let err = |what| device_error(name, what);
    device
        .shell_ok(&format!("appops set {AGENT_PACKAGE} {op} allow"))
        .await
        .map_err(err("allowing background activity starts"))?;
    let now = device
        .shell_ok(&format!("appops get {AGENT_PACKAGE} {op}"))
        .await
        .map_err(err("reading the agent's app ops"))?;
    if !now.stdout.contains(&format!("{op}: allow")) {
        return Err(CompanionError::AppOp {
            device: name.into(),
            op,
            found: now.stdout.trim().to_string(),
        });
    }
    Ok(Setup::AppOpAllowed {
        package: AGENT_PACKAGE.into(),
        op,
    })
}

/// The agent's notification listener allowed: `cmd notification
/// allow_listener` (Android 9+), else the secure setting itself.
async fn allow_listener(device: &Device, name: &str) -> Result<Setup, CompanionError> {
    let component = agent_listener().flatten_to_string();
    let enabled = || async {
        device
            .shell_ok("settings get secure enabled_notification_listeners")
            .await
            .map(|o| o.stdout.trim().to_string())
            .map_err(device_error(
                name,
                "reading the enabled notification listeners",
            ))
    };
    let listed = |v: &str| v.split(':').any(|c| c == component);
    let before = enabled().await?;
    if !listed(&before) {
        let allowed = device
            .shell(&format!("cmd notification allow_listener {component}"))
            .await
            .is_ok_and(|o| o.success() && o.combined().trim().is_empty());
        if !allowed {
            let value = match before.as_str() {
                "" | "null" => component.clone(),
                v => format!("{v}:{component}"),
            };
            device
                .shell_ok(&format!(
                    "settings put secure enabled_notification_listeners {}",
                    shell_quote(&value)
                ))
                .await
                .map_err(device_error(name, "allowing the notification listener"))?;
        }
        let after = enabled().await?;
        if !listed(&after) {
            return Err(CompanionError::Listener {
                device: name.to_string(),
                component,
                enabled: after,
            });
        }
    }
    Ok(Setup::ListenerAllowed { component })
}

async fn ensure_installed(
    device: &Device,
    name: &str,
    api: u32,
    package: &str,
    apk: Option<&HostApk>,
    reinstall: bool,
) -> Result<Setup, CompanionError> {
    let installed = installed_version(device, name, package).await?;
    let Some(apk) = apk else {
        return match installed {
            Some(version) => Ok(Setup::Unchecked {
                package: package.into(),
                version,
            }),
            None => Err(CompanionError::Missing {
                package: package.into(),
                device: name.into(),
            }),
        };
    };
    let wanted = apk.version();
    if installed.as_ref() == Some(&wanted) && !reinstall {
        return Ok(Setup::Current {
            package: package.into(),
            version: wanted,
        });
    }
    if api != 0 && apk.info.min_sdk > api {
        return Err(CompanionError::TooOld {
            device: name.into(),
            package: package.into(),
            api,
            min_sdk: apk.info.min_sdk,
        });
    }
    let install_error = |detail: String| CompanionError::Install {
        package: package.into(),
        device: name.into(),
        detail,
    };
    let mut replaced = None;
    if let Err(e) = device.install(&apk.path).await {
        let detail = failure_detail(&e);
        // Another machine's debug key, or a newer build: an update cannot
        // replace it, a fresh install can (the companions keep no data).
        let why = [
            "INSTALL_FAILED_UPDATE_INCOMPATIBLE",
            "INSTALL_FAILED_VERSION_DOWNGRADE",
        ]
        .into_iter()
        .find(|code| detail.contains(code));
        match (why, &installed) {
            (Some(code), Some(_)) => {
                device
                    .shell_ok(&format!("pm uninstall {package}"))
                    .await
                    .map_err(|e| install_error(failure_detail(&e)))?;
                device
                    .install(&apk.path)
                    .await
                    .map_err(|e| install_error(failure_detail(&e)))?;
                replaced = Some(code.to_string());
            }
            _ => return Err(install_error(detail)),
        }
    }
    let now = installed_version(device, name, package).await?;
    if now.as_ref() != Some(&wanted) {
        return Err(CompanionError::NotUpdated {
            package: package.into(),
            device: name.into(),
            wanted: wanted.to_string(),
            found: now.map_or_else(|| "not installed".into(), |v| v.to_string()),
        });
    }
    Ok(match (installed, replaced) {
        (None, _) => Setup::Installed {
            package: package.into(),
            version: wanted,
        },
        (Some(from), Some(why)) => Setup::Replaced {
            package: package.into(),
            from,
            to: wanted,
            why,
        },
        (Some(from), None) => Setup::Updated {
            package: package.into(),
            from,
            to: wanted,
        },
    })
}

/// A failed install's own words (`Failure [INSTALL_FAILED_…]`).
fn failure_detail(e: &DeviceError) -> String {
    match e {
        DeviceError::CommandFailed { output, .. } => output.trim().to_string(),
        other => other.to_string(),
    }
}

/// The installed version of `package`, from `dumpsys package`.
async fn installed_version(
    device: &Device,
    name: &str,
    package: &str,
) -> Result<Option<Version>, CompanionError> {
    let v = device
        .package_version(package)
        .await
        .map_err(device_error(name, "reading installed packages"))?;
    Ok(v.map(|v| Version {
        code: v.version_code,
        name: v.version_name,
    }))
}
