//! `am start [-W]` output. `am` exits 0 even when the activity was not
//! started, so the outcome is read from the text.

use serde::{Deserialize, Serialize};

use crate::android::ComponentName;

/// `Status:` of `am start -W`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmStatus {
    Ok,
    Timeout,
    Other(String),
}

/// Why `am start` did not start an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AmStartError {
    /// `Error: Activity not started, unable to resolve Intent { … }`: nothing
    /// matches the intent (diagnosis `device.activity_not_found`).
    UnableToResolve { intent: String },
    /// `Error: Activity class {pkg/cls} does not exist.`
    ClassDoesNotExist { component: String },
    /// `Error: Activity not started, you do not have permission to access it.`
    /// or a `SecurityException` (not exported).
    PermissionDenied { message: String },
    /// `Error: Activity not started, unknown error code <n>`.
    UnknownErrorCode { code: i32 },
    /// Any other `Error:` or exception line.
    Other { message: String },
}

/// Everything `am start` printed, read by key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AmStartResult {
    /// The `Intent { … }` short string of `Starting: Intent { … }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<AmStatus>,
    /// `LaunchState: COLD|WARM|HOT|RELAUNCH|UNKNOWN (n)` (Android 10+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_state: Option<String>,
    /// The activity that ended up on top (may be a launcher or a chooser).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity: Option<ComponentName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub this_time_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_time_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_time_ms: Option<u64>,
    /// `Complete` was printed.
    pub complete: bool,
    /// `Warning: Activity not started, …` lines (the intent was delivered to
    /// a running instance or its task was brought to front).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// `Error type <n>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AmStartError>,
}

impl AmStartResult {
    /// The activity was started or an existing instance got the intent.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
            && (self.status.is_some() || !self.warnings.is_empty() || self.starting.is_some())
    }
}

/// Parses stdout and stderr of `am start` (pass both; without `-W` the
/// result lines go to stderr).
pub fn parse_am_start(output: &str) -> AmStartResult {
    let mut r = AmStartResult::default();
    for line in output.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Starting: ") {
            r.starting = Some(rest.to_string());
        } else if let Some(v) = t.strip_prefix("Status:") {
            r.status = Some(match v.trim() {
                "ok" => AmStatus::Ok,
                "timeout" => AmStatus::Timeout,
                other => AmStatus::Other(other.to_string()),
            });
        } else if let Some(v) = t.strip_prefix("LaunchState:") {
            r.launch_state = Some(v.trim().to_string());
        } else if let Some(v) = t.strip_prefix("Activity:") {
            r.activity = v.trim().parse().ok();
        } else if let Some(v) = t.strip_prefix("ThisTime:") {
            r.this_time_ms = v.trim().parse().ok();
        } else if let Some(v) = t.strip_prefix("TotalTime:") {
            r.total_time_ms = v.trim().parse().ok();
        } else if let Some(v) = t.strip_prefix("WaitTime:") {
            r.wait_time_ms = v.trim().parse().ok();
        } else if t == "Complete" {
            r.complete = true;
        } else if let Some(v) = t.strip_prefix("Warning: ") {
            r.warnings.push(v.to_string());
        } else if let Some(v) = t.strip_prefix("Error type ") {
            r.error_type = v.trim().parse().ok();
        } else if let Some(v) = t.strip_prefix("Error: ") {
            if r.error.is_none() {
                r.error = Some(classify_error(v));
            }
        } else if (t.starts_with("java.lang.SecurityException")
            || t.starts_with("Exception occurred"))
            && r.error.is_none()
        {
            r.error = Some(AmStartError::PermissionDenied {
                message: t.to_string(),
            });
        }
    }
    r
}

fn classify_error(v: &str) -> AmStartError {
    if let Some(rest) = v.strip_prefix("Activity not started, unable to resolve ") {
        return AmStartError::UnableToResolve {
            intent: rest.to_string(),
        };
    }
    if let Some(rest) = v.strip_prefix("Activity class {") {
        let component = rest.split('}').next().unwrap_or(rest).to_string();
        return AmStartError::ClassDoesNotExist { component };
    }
    if v.contains("you do not have permission") || v.contains("Permission Denial") {
        return AmStartError::PermissionDenied {
            message: v.to_string(),
        };
    }
    if let Some(code) = v.strip_prefix("Activity not started, unknown error code ") {
        if let Ok(code) = code.trim().parse() {
            return AmStartError::UnknownErrorCode { code };
        }
    }
    AmStartError::Other {
        message: v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unresolved_intent_is_an_error_despite_exit_zero() {
        let out = "Starting: Intent { act=android.intent.action.VIEW dat=https://x/... flg=0x10000000 }\nError: Activity not started, unable to resolve Intent { act=android.intent.action.VIEW dat=https://x/... flg=0x10000000 }\n";
        let r = parse_am_start(out);
        assert!(matches!(
            r.error,
            Some(AmStartError::UnableToResolve { .. })
        ));
        assert!(!r.succeeded());
        let r = parse_am_start("Starting: Intent { cmp=a/.B }\nError type 3\nError: Activity class {a/a.B} does not exist.\n");
        assert_eq!(r.error_type, Some(3));
        assert_eq!(
            r.error,
            Some(AmStartError::ClassDoesNotExist {
                component: "a/a.B".into()
            })
        );
    }
}
