//! Reads a device's facts ([`DeviceInfo`]) over ADB, by the rules in
//! [`crate::wire::facts`].

use std::collections::BTreeMap;

use crate::wire::facts::{device_info_from_props, HMS_CORE_PACKAGE, PLAY_SERVICES_PACKAGE};
use crate::wire::DeviceInfo;

use super::parse::{parse_getprop, parse_package_version, PackageVersion};
use super::{shell_quote, Device, DeviceError};

impl Device {
    /// Every system property (`getprop` without arguments).
    pub async fn props(&self) -> Result<BTreeMap<String, String>, DeviceError> {
        let out = self.shell_ok("getprop").await?;
        Ok(parse_getprop(&out.stdout))
    }

    /// The installed version of `package` (`dumpsys package <pkg>`);
    /// `None` when it is not installed. Tells whether an installed app is
    /// outdated, and HMS Core's version code.
    pub async fn package_version(
        &self,
        package: &str,
    ) -> Result<Option<PackageVersion>, DeviceError> {
        let out = self
            .shell_ok(&format!("dumpsys package {}", shell_quote(package)))
            .await?;
        Ok(parse_package_version(&out.stdout, package))
    }

    /// The facts the device's push service reports when it registers, read
    /// as the agent reads them (see the module docs).
    pub async fn device_info(&self) -> Result<DeviceInfo, DeviceError> {
        let props = self.props().await?;
        let hms = self
            .package_version(HMS_CORE_PACKAGE)
            .await?
            // A negative version code cannot come from a real package;
            // count it as installed but too old for anything.
            .map(|v| u64::try_from(v.version_code).unwrap_or(0));
        let play_services = self
            .packages()
            .await?
            .iter()
            .any(|p| p.name == PLAY_SERVICES_PACKAGE);
        Ok(device_info_from_props(&props, hms, play_services))
    }
}
