//! The installed version of one package, from `dumpsys package <pkg>`.
//!
//! The package's record sits under `Packages:` as
//!
//! ```text
//! Packages:
//!   Package [com.huawei.hwid] (3c2a1f0):
//!     userId=10060
//!     versionCode=60800312 minSdk=19 targetSdk=29
//!     versionName=6.8.0.312
//! ```
//!
//! (`minSdk` appears from Android 7; older releases print `versionCode=N
//! targetSdk=M`). A system app updated from a store is listed a second time
//! under `Hidden system packages:` with its factory version, which is not
//! the one that runs. A package that is not installed has no record at all.

use serde::{Deserialize, Serialize};

use super::token_value;

/// What `dumpsys package` reports as the installed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageVersion {
    /// `versionCode` (the long version code from Android 9).
    pub version_code: i64,
    /// `versionName` (empty when the package declares none).
    pub version_name: String,
}

/// The version of `package` as installed, or `None` when the output has no
/// record of it (not installed).
pub fn parse_package_version(output: &str, package: &str) -> Option<PackageVersion> {
    let mut hidden_section = false;
    let mut in_record = false;
    let mut code = None;
    let mut name = None;
    for line in output.lines() {
        let trimmed = line.trim();
        if !line.starts_with(' ') && trimmed.ends_with(':') {
            // A top-level section header ends any record.
            if in_record {
                break;
            }
            hidden_section = trimmed.starts_with("Hidden system packages");
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("Package [") {
            if in_record {
                break;
            }
            let record = rest.split_once(']').map(|(n, _)| n);
            in_record = !hidden_section && record == Some(package);
            continue;
        }
        if !in_record {
            continue;
        }
        if trimmed.starts_with("versionCode=") {
            code = token_value(trimmed, "versionCode").and_then(|v| v.parse::<i64>().ok());
        } else if let Some(v) = trimmed.strip_prefix("versionName=") {
            name = Some(v.to_string());
        }
    }
    code.map(|version_code| PackageVersion {
        version_code,
        version_name: name.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const UPDATED_SYSTEM_APP: &str = "\
Activity Resolver Table:
  Non-Data Actions:
      com.huawei.hms.core.aidlservice:
        4f6a2e1 com.huawei.hwid/com.huawei.hms.core.activity.JumpActivity filter 8c1b2a

Packages:
  Package [com.huawei.hwid] (d5e6f70):
    userId=10060
    pkg=Package{2b3c4d5 com.huawei.hwid}
    codePath=/data/app/~~q1w2e3==/com.huawei.hwid-r4t5y6
    versionCode=60800312 minSdk=19 targetSdk=29
    versionName=6.8.0.312
    splits=[base]
    flags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA UPDATED_SYSTEM_APP ]

Hidden system packages:
  Package [com.huawei.hwid] (a1b2c3d):
    userId=10060
    codePath=/system/app/HMS
    versionCode=40000300 minSdk=19 targetSdk=28
    versionName=4.0.0.300

Queries:
  system apps queryable: false
";

    #[test]
    fn the_running_version_wins_over_the_factory_one() {
        assert_eq!(
            parse_package_version(UPDATED_SYSTEM_APP, "com.huawei.hwid"),
            Some(PackageVersion {
                version_code: 60_800_312,
                version_name: "6.8.0.312".into()
            })
        );
    }

    #[test]
    fn older_releases_without_min_sdk_and_names_with_spaces_are_read() {
        let out = "Packages:\n  Package [com.x] (1a):\n    userId=10010\n    versionCode=42 targetSdk=23\n    versionName=1.2 beta\n    flags=[ HAS_CODE ]\n";
        assert_eq!(
            parse_package_version(out, "com.x"),
            Some(PackageVersion {
                version_code: 42,
                version_name: "1.2 beta".into()
            })
        );
    }

    #[test]
    fn a_missing_package_or_another_package_has_no_version() {
        assert_eq!(parse_package_version("", "com.huawei.hwid"), None);
        assert_eq!(
            parse_package_version("Dexopt state:\n  [com.huawei.hwid]\n", "com.huawei.hwid"),
            None
        );
        assert_eq!(
            parse_package_version(UPDATED_SYSTEM_APP, "com.huawei"),
            None
        );
    }

    #[test]
    fn a_record_without_version_name_has_an_empty_one() {
        let out = "Packages:\n  Package [com.x] (1a):\n    versionCode=7 minSdk=21 targetSdk=33\n";
        assert_eq!(
            parse_package_version(out, "com.x").map(|v| (v.version_code, v.version_name)),
            Some((7, String::new()))
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*", pkg in "\\PC{0,12}") {
            let _ = parse_package_version(&s, &pkg);
        }

        #[test]
        fn reads_back_what_a_record_says(code in any::<i64>(), name in "[ -~]{0,20}") {
            let out = format!(
                "Packages:\n  Package [com.x] (1a):\n    versionCode={code} minSdk=21 targetSdk=33\n    versionName={name}\n"
            );
            prop_assert_eq!(
                parse_package_version(&out, "com.x"),
                Some(PackageVersion { version_code: code, version_name: name.trim_end().to_string() })
            );
        }
    }
}
