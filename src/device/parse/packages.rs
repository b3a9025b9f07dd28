//! `pm list packages [-f] [-U] [-i]`.

use serde::{Deserialize, Serialize};

/// One `package:[<path>=]<name>[ uid:<uid>][ installer=<pkg>]` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageEntry {
    pub name: String,
    /// The APK path (`-f`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `-U`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// `-i` (`null` when unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installer: Option<String>,
}

/// Reads every `package:` line; other lines are skipped.
pub fn parse_pm_list_packages(output: &str) -> Vec<PackageEntry> {
    let mut out = Vec::new();
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("package:") else {
            continue;
        };
        let mut tokens = rest.split(' ');
        let first = tokens.next().unwrap_or("");
        // Paths may contain `=` (`/data/app/~~abc==/…/base.apk`): the name
        // follows the last one.
        let (path, name) = match first.rsplit_once('=') {
            Some((p, n)) if p.contains('/') => (Some(p.to_string()), n.to_string()),
            _ => (None, first.to_string()),
        };
        if name.is_empty() {
            continue;
        }
        let mut entry = PackageEntry {
            name,
            path,
            uid: None,
            installer: None,
        };
        for t in tokens {
            if let Some(u) = t.strip_prefix("uid:") {
                entry.uid = u.split(',').next().and_then(|u| u.parse().ok());
            } else if let Some(i) = t.strip_prefix("installer=") {
                entry.installer = Some(i.to_string()).filter(|i| i != "null");
            }
        }
        out.push(entry);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_flag_variants() {
        let p = parse_pm_list_packages("package:/data/app/~~a==/com.x-1/base.apk=com.x uid:10123 installer=com.android.vending\npackage:com.y\n");
        assert_eq!(p[0].name, "com.x");
        assert_eq!(
            p[0].path.as_deref(),
            Some("/data/app/~~a==/com.x-1/base.apk")
        );
        assert_eq!(p[0].uid, Some(10123));
        assert_eq!(p[0].installer.as_deref(), Some("com.android.vending"));
        assert_eq!(p[1].name, "com.y");
    }
}
