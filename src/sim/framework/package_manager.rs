//! The package manager: installed packages, install and uninstall,
//! `pm clear`, runtime permissions and intent resolution.

use std::sync::Arc;

use super::model::{AndroidModel, Event};
use super::packages::{self, ComponentKind, Manifest, Package};
use super::state::State;
use super::types::{InstallError, PermissionError, ProcessDeath};
use crate::android::intent::CATEGORY_LAUNCHER;
use crate::android::{ComponentName, Intent};

/// Android 6.0: the first level with runtime permissions.
const RUNTIME_PERMISSIONS_API: u32 = 23;

impl AndroidModel {
    /// A package's record.
    pub fn package(&self, name: &str) -> Option<Package> {
        self.state.lock().packages.get(name).cloned()
    }

    /// Whether the package is in the stopped state.
    pub fn is_stopped(&self, name: &str) -> Option<bool> {
        self.state.lock().packages.get(name).map(|p| p.stopped)
    }

    /// Installs (or replaces) a package from its manifest. A new install is
    /// in the stopped state with no runtime permission granted.
    pub fn install_package(
        self: &Arc<Self>,
        manifest: Manifest,
        replace: bool,
    ) -> Result<(), InstallError> {
        self.install_package_with(manifest, replace, false)
    }

    /// [`Self::install_package`], granting every requested permission when
    /// `grant_all` (`pm install -g`).
    pub fn install_package_with(
        self: &Arc<Self>,
        manifest: Manifest,
        replace: bool,
        grant_all: bool,
    ) -> Result<(), InstallError> {
        let api = u32::from(self.api());
        if manifest.min_sdk > api {
            return Err(InstallError::OlderSdk {
                min_sdk: manifest.min_sdk,
                api,
            });
        }
        let requested = manifest.requested_permissions.clone();
        let name = manifest.package.clone();
        let mut events = Vec::new();
        {
            let mut st = self.state.lock();
            if let Some(old) = st.packages.get(&name).cloned() {
                if !replace {
                    return Err(InstallError::AlreadyExists(name));
                }
                if manifest.version_code < old.manifest.version_code {
                    return Err(InstallError::VersionDowngrade(name));
                }
                // An update keeps the app's data; only its process goes.
                self.kill_locked(&mut st, &name, ProcessDeath::Killed, "replace", &mut events);
                let mut p = Package::new(manifest, old.uid, old.system, old.code_path.clone());
                p.granted.extend(old.granted.iter().cloned());
                p.stopped = old.stopped;
                p.installer = old.installer.clone();
                st.packages.insert(name.clone(), p);
            } else {
                let uid = st.next_uid;
                st.next_uid += 1;
                let path = format!(
                    "/data/app/~~{:x}==/{}-1/base.apk",
                    uid.wrapping_mul(2_654_435_761),
                    name
                );
                let mut p = Package::new(manifest, uid, false, path);
                p.stopped = true;
                p.installer = Some("com.android.shell".into());
                st.packages.insert(name.clone(), p);
            }
            // Below Android 6.0 (API 23) there are no runtime permissions:
            // installing grants everything the manifest asks for.
            if grant_all || api < RUNTIME_PERMISSIONS_API {
                if let Some(p) = st.packages.get_mut(&name) {
                    p.granted.extend(requested);
                }
            }
        }
        self.dispatch(events);
        Ok(())
    }

    /// `pm uninstall`: false when the package is unknown.
    pub fn uninstall(self: &Arc<Self>, name: &str) -> bool {
        self.wipe(name, "uninstall pkg", |st| {
            st.packages.remove(name);
            // An uninstalled listener loses its access, as on a phone.
            st.listeners.retain(|c| c.package != name);
        })
    }

    /// `pm clear`: kills the app, removes its notifications and channels,
    /// revokes runtime permissions.
    pub fn clear_data(self: &Arc<Self>, name: &str) -> bool {
        self.wipe(name, "clear data", |st| {
            if let Some(p) = st.packages.get_mut(name) {
                if !p.system && u32::from(self.api()) >= RUNTIME_PERMISSIONS_API {
                    p.granted
                        .retain(|g| packages::is_install_time_permission(g));
                }
            }
        })
    }

    /// What `pm clear` and uninstall share: the process killed (`why` in
    /// the log), notifications and channels gone, the app models told its
    /// data is gone; then `also`. False when the package is unknown.
    pub(super) fn wipe(
        self: &Arc<Self>,
        name: &str,
        why: &str,
        also: impl FnOnce(&mut State),
    ) -> bool {
        let mut events = Vec::new();
        let ok = {
            let mut st = self.state.lock();
            if !st.packages.contains_key(name) {
                false
            } else {
                self.kill_locked(&mut st, name, ProcessDeath::DataCleared, why, &mut events);
                self.cancel_package_locked(&mut st, name, &mut events);
                events.push(Event::DataCleared(name.to_string()));
                st.channels.remove(name);
                also(&mut st);
                true
            }
        };
        self.dispatch(events);
        ok
    }

    /// `pm grant` / `pm revoke`. Below API 23 permissions are granted at
    /// install and cannot be changed; `POST_NOTIFICATIONS` exists from API
    /// 33 on.
    pub fn set_permission(
        &self,
        package: &str,
        permission: &str,
        granted: bool,
    ) -> Result<(), PermissionError> {
        let api = u32::from(self.api());
        if permission == packages::POST_NOTIFICATIONS && api < 33 {
            return Err(PermissionError::UnknownPermission(permission.to_string()));
        }
        if api < RUNTIME_PERMISSIONS_API {
            return Err(PermissionError::NotChangeable(permission.to_string()));
        }
        let mut st = self.state.lock();
        let p = st
            .packages
            .get_mut(package)
            .ok_or_else(|| PermissionError::UnknownPackage(package.to_string()))?;
        if !p
            .manifest
            .requested_permissions
            .iter()
            .any(|r| r == permission)
        {
            return Err(PermissionError::NotRequested {
                package: package.to_string(),
                permission: permission.to_string(),
            });
        }
        if granted {
            p.granted.insert(permission.to_string());
        } else {
            p.granted.remove(permission);
        }
        Ok(())
    }

    /// The activities an intent resolves to, best first (what
    /// `cmd package resolve-activity` answers).
    pub fn resolve_activities(&self, intent: &Intent) -> Vec<ComponentName> {
        let st = self.state.lock();
        self.resolve_activities_locked(&st, intent)
    }

    pub(super) fn resolve_activities_locked(
        &self,
        st: &State,
        intent: &Intent,
    ) -> Vec<ComponentName> {
        if let Some(c) = &intent.component {
            return st
                .packages
                .get(&c.package)
                .and_then(|p| p.manifest.component(ComponentKind::Activity, &c.class))
                .map(|_| c.clone())
                .into_iter()
                .collect();
        }
        let need_default = !intent.categories.iter().any(|c| c == CATEGORY_LAUNCHER);
        let mut out = Vec::new();
        for p in st.packages.values() {
            if intent.package.as_ref().is_some_and(|want| want != p.name()) {
                continue;
            }
            for a in &p.manifest.activities {
                if a.filters.iter().any(|f| f.matches(intent, need_default)) {
                    out.push(ComponentName::new(p.name(), &a.class));
                }
            }
        }
        out
    }
}
