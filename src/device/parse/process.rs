//! `pidof` and `ps -A`.

use serde::{Deserialize, Serialize};

/// `pidof NAME`: the pids on one line; nothing (exit 1) when none runs.
pub fn parse_pidof(output: &str) -> Vec<u32> {
    output
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// One row of `ps -A`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessInfo {
    pub user: String,
    pub pid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ppid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rss_kb: Option<u64>,
    /// The state letter (`S`, `R`, `I`, `Z`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The process name (`com.x`, `com.x:remote`, `[kthreadd]`).
    pub name: String,
}

impl ProcessInfo {
    /// `u0_a123` → uid 10123; `system` and numeric users are not app uids.
    pub fn app_uid(&self) -> Option<u32> {
        let (user, app) = self.user.strip_prefix('u')?.split_once("_a")?;
        Some(user.parse::<u32>().ok()? * 100_000 + 10_000 + app.parse::<u32>().ok()?)
    }
}

/// `ps -A` (toybox `USER PID PPID VSZ RSS WCHAN ADDR S NAME`, or the older
/// toolbox layout with an unlabelled state column). Columns are found by
/// their header names.
pub fn parse_ps(output: &str) -> Vec<ProcessInfo> {
    let mut lines = output.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let cols: Vec<&str> = header.split_whitespace().collect();
    let idx = |name: &str| cols.iter().position(|c| *c == name);
    let (Some(pid_i), Some(name_i)) = (idx("PID"), idx("NAME").or(idx("CMD"))) else {
        return Vec::new();
    };
    let user_i = idx("USER").or(idx("UID"));
    let ppid_i = idx("PPID");
    let rss_i = idx("RSS");
    let s_i = idx("S");
    let mut out = Vec::new();
    for line in lines {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(pid) = tokens.get(pid_i).and_then(|p| p.parse().ok()) else {
            continue;
        };
        // NAME is the last column and may contain spaces; toolbox rows carry an
        // extra unlabelled state column before it.
        let extra = tokens.len().saturating_sub(cols.len());
        let name_at = if s_i.is_none() && extra >= 1 {
            name_i + 1
        } else {
            name_i
        };
        let Some(name_tokens) = tokens.get(name_at..) else {
            continue;
        };
        if name_tokens.is_empty() {
            continue;
        }
        let state = match s_i {
            Some(i) => tokens.get(i).map(|s| s.to_string()),
            None if extra >= 1 => tokens.get(name_i).map(|s| s.to_string()),
            None => None,
        };
        out.push(ProcessInfo {
            user: user_i
                .and_then(|i| tokens.get(i))
                .map(|s| s.to_string())
                .unwrap_or_default(),
            pid,
            ppid: ppid_i
                .and_then(|i| tokens.get(i))
                .and_then(|p| p.parse().ok()),
            rss_kb: rss_i
                .and_then(|i| tokens.get(i))
                .and_then(|p| p.parse().ok()),
            state,
            name: name_tokens.join(" "),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pidof_and_app_uids() {
        assert_eq!(parse_pidof("123 456\n"), vec![123, 456]);
        assert!(parse_pidof("").is_empty());
        let ps = parse_ps("USER PID PPID VSZ RSS WCHAN ADDR S NAME\nu0_a25 5980 1 1 2 0 0 S android.process.media\n");
        assert_eq!(ps[0].app_uid(), Some(10025));
        let old = parse_ps(
            "USER PID PPID VSIZE RSS WCHAN PC NAME\nroot 1 0 8904 784 ffffffff 00000000 S /init\n",
        );
        assert_eq!(old[0].name, "/init");
        assert_eq!(old[0].state.as_deref(), Some("S"));
    }
}
