//! `dumpsys activity activities`: which activity is resumed, across the
//! formats of Android ≤ 9 (`mResumedActivity:`), 12-13 (`ResumedActivity:`)
//! and 14+ (`topResumedActivity=`).

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::android::ComponentName;

/// An `ActivityRecord{<hash> u<user> <pkg>/<cls> t<task>}` reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRecordRef {
    pub hash: String,
    pub user: u32,
    pub component: ComponentName,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<i64>,
}

/// Which line named the resumed activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResumedSource {
    /// `topResumedActivity=` (Android 14+).
    TopResumedActivity,
    /// `ResumedActivity: ` (Android 12-13).
    ResumedActivity,
    /// `mResumedActivity: ` (Android ≤ 11, per stack).
    MResumedActivity,
    /// `Resumed: ` under "Resumed activities in task display areas".
    Resumed,
    /// Only `mFocusedApp=` was found.
    FocusedApp,
}

/// What the activity dump says is in front.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActivityState {
    /// The resumed (foreground) activity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed: Option<ActivityRecordRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_source: Option<ResumedSource>,
    /// `mFocusedApp=ActivityRecord{…}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focused_app: Option<ActivityRecordRef>,
    /// The window name of `mCurrentFocus=Window{<hash> u0 <name>}`
    /// (`NotificationShade` while the shade is open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_focus: Option<String>,
    /// Every `ActivityRecord` listed in the history (`* Hist #n:`), top first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<ActivityRecordRef>,
}

impl ActivityState {
    /// The component in front, falling back to the focused app.
    pub fn resumed_component(&self) -> Option<&ComponentName> {
        self.resumed
            .as_ref()
            .or(self.focused_app.as_ref())
            .map(|r| &r.component)
    }
}

fn record_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"ActivityRecord\{([0-9a-fA-F]+) u(\d+) ([^\s/{}]+)/([^\s{}]+)\}?(?: t(-?\d+))?")
            .expect("static regex")
    })
}

/// Reads the first `ActivityRecord{…}` in `s`.
pub fn parse_activity_record(s: &str) -> Option<ActivityRecordRef> {
    let c = record_re().captures(s)?;
    let component = ComponentName::new(&c[3], &c[4]);
    Some(ActivityRecordRef {
        hash: c[1].to_string(),
        user: c[2].parse().ok()?,
        component,
        task: c.get(5).and_then(|t| t.as_str().parse().ok()),
    })
}

/// Parses `dumpsys activity activities` (or a bugreport containing it).
pub fn parse_activities(dump: &str) -> ActivityState {
    let mut state = ActivityState::default();
    let mut candidates: [Option<ActivityRecordRef>; 4] = Default::default();
    for line in dump.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("topResumedActivity=") {
            candidates[0] = candidates[0].take().or_else(|| parse_activity_record(rest));
        } else if let Some(rest) = t.strip_prefix("ResumedActivity:") {
            candidates[1] = candidates[1].take().or_else(|| parse_activity_record(rest));
        } else if let Some(rest) = t.strip_prefix("mResumedActivity:") {
            candidates[2] = candidates[2].take().or_else(|| parse_activity_record(rest));
        } else if let Some(rest) = t.strip_prefix("Resumed:") {
            candidates[3] = candidates[3].take().or_else(|| parse_activity_record(rest));
        } else if let Some(rest) = t.strip_prefix("mFocusedApp=") {
            state.focused_app = state
                .focused_app
                .take()
                .or_else(|| parse_activity_record(rest));
        } else if let Some(rest) = t.strip_prefix("mCurrentFocus=") {
            if state.current_focus.is_none() {
                state.current_focus = window_name(rest);
            }
        } else if t.starts_with("* Hist") || t.starts_with("Hist #") || t.starts_with("* Hist #") {
            if let Some(r) = t
                .split_once(':')
                .and_then(|(_, r)| parse_activity_record(r))
            {
                state.history.push(r);
            }
        }
    }
    let sources = [
        ResumedSource::TopResumedActivity,
        ResumedSource::ResumedActivity,
        ResumedSource::MResumedActivity,
        ResumedSource::Resumed,
    ];
    for (cand, source) in candidates.into_iter().zip(sources) {
        if let Some(c) = cand {
            state.resumed = Some(c);
            state.resumed_source = Some(source);
            break;
        }
    }
    if state.resumed.is_none() && state.focused_app.is_some() {
        state.resumed_source = Some(ResumedSource::FocusedApp);
    }
    state
}

/// `Window{1651cd4 u0 NotificationShade}` → `NotificationShade`.
fn window_name(s: &str) -> Option<String> {
    let body = s.trim().strip_prefix("Window{")?;
    let body = body.strip_suffix('}').unwrap_or(body);
    let mut parts = body.splitn(3, ' ');
    let _hash = parts.next()?;
    let second = parts.next()?;
    match parts.next() {
        Some(name) if second.starts_with('u') => Some(name.to_string()),
        Some(rest) => Some(format!("{second} {rest}")),
        None => Some(second.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_android_generation() {
        let old = "  Stack #1:\n    mResumedActivity: ActivityRecord{8079d7e u0 com.a/.Main t42}\n";
        let s = parse_activities(old);
        assert_eq!(
            s.resumed_component().map(|c| c.to_string()).as_deref(),
            Some("com.a/.Main")
        );
        assert_eq!(s.resumed.as_ref().and_then(|r| r.task), Some(42));
        let new = "  topResumedActivity=ActivityRecord{1 u0 com.b/.Chat t8}\n  ResumedActivity: ActivityRecord{2 u0 com.c/.X t9}\n";
        let s = parse_activities(new);
        assert_eq!(s.resumed_source, Some(ResumedSource::TopResumedActivity));
        assert_eq!(
            s.resumed.map(|r| r.component.package),
            Some("com.b".to_string())
        );
    }
}
