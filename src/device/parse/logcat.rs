//! `logcat -v threadtime` (also with the bugreport's `-v uid` column, and the
//! `brief`/`time` formats that support tickets often contain), plus the
//! NotificationService "No Channel found" line.

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

pub use crate::android::LogLevel;

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// `MM-DD` (or `YYYY-MM-DD` with `-v year`); absent in `brief`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `HH:MM:SS.mmm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The `-v uid` column of bugreports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tid: Option<u32>,
    pub level: LogLevel,
    pub tag: String,
    pub message: String,
    /// The buffer announced by the last `--------- beginning of <buffer>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffer: Option<String>,
}

impl LogLine {
    /// The NotificationService error for a post to a missing channel.
    pub fn no_channel_found(&self) -> Option<NoChannelFound> {
        NoChannelFound::parse(&self.message)
    }
}

fn threadtime_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(?P<date>\d{2}-\d{2}|\d{4}-\d{2}-\d{2})\s+(?P<time>\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s+(?:(?P<uid>[A-Za-z0-9_]+)\s+)??(?P<pid>\d+)\s+(?P<tid>\d+)\s+(?P<lvl>[VDIWEFAS])\s(?P<tag>.*?)\s*:(?: (?P<msg>.*)|$)",
        )
        .expect("static regex")
    })
}

fn brief_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(?:(?P<date>\d{2}-\d{2}|\d{4}-\d{2}-\d{2})\s+(?P<time>\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s+)?(?P<lvl>[VDIWEFAS])/(?P<tag>[^(:]*?)\s*(?:\(\s*(?P<pid>\d+)\))?: (?P<msg>.*)$",
        )
        .expect("static regex")
    })
}

/// Parses one line in threadtime, brief or time format.
pub fn parse_log_line(line: &str) -> Option<LogLine> {
    let line = line.trim_start().trim_end_matches('\r');
    let c = threadtime_re()
        .captures(line)
        .or_else(|| brief_re().captures(line))?;
    let level = LogLevel::from_letter(c.name("lvl")?.as_str().chars().next()?)?;
    let s = |n: &str| c.name(n).map(|m| m.as_str().to_string());
    Some(LogLine {
        date: s("date"),
        time: s("time"),
        uid: s("uid"),
        pid: c.name("pid").and_then(|m| m.as_str().parse().ok()),
        tid: c.name("tid").and_then(|m| m.as_str().parse().ok()),
        level,
        tag: s("tag").unwrap_or_default(),
        message: s("msg").unwrap_or_default(),
        buffer: None,
    })
}

/// Every parsable line of a logcat dump; other lines are skipped.
pub fn parse_logcat(text: &str) -> Vec<LogLine> {
    let mut buffer = None;
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(b) = line.strip_prefix("--------- beginning of ") {
            buffer = Some(b.trim().to_string());
            continue;
        }
        if let Some(mut l) = parse_log_line(line) {
            l.buffer = buffer.clone();
            out.push(l);
        }
    }
    out
}

/// `No Channel found for pkg=<pkg>, channelId=<id>, id=<id>, tag=<tag>,
/// opPkg=<opPkg>, callingUid=<uid>, userId=<u>, incomingUserId=<u>,
/// notificationUid=<uid>, notification=<…>`: NotificationManagerService
/// dropped a notification because its channel does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoChannelFound {
    pub pkg: String,
    /// `None` when the app passed no channel (`channelId=null`).
    pub channel_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op_pkg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calling_uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_uid: Option<u32>,
}

impl NoChannelFound {
    /// Reads the message part of the log line.
    pub fn parse(message: &str) -> Option<NoChannelFound> {
        let rest = message.trim().strip_prefix("No Channel found for ")?;
        // Everything after `notification=` is Notification.toString().
        let fields = rest.split(", notification=").next().unwrap_or(rest);
        let get = |k: &str| {
            fields
                .split(", ")
                .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
        };
        let nonnull = |v: Option<&str>| v.filter(|v| *v != "null").map(str::to_string);
        Some(NoChannelFound {
            pkg: get("pkg")?.to_string(),
            channel_id: nonnull(get("channelId")),
            id: get("id").and_then(|v| v.parse().ok()),
            tag: nonnull(get("tag")),
            op_pkg: nonnull(get("opPkg")),
            calling_uid: get("callingUid").and_then(|v| v.parse().ok()),
            user_id: get("userId").and_then(|v| v.parse().ok()),
            notification_uid: get("notificationUid").and_then(|v| v.parse().ok()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_threadtime_with_and_without_uid() {
        let l =
            parse_log_line("12-09 17:03:12.841   559   574 I adbd    : jdwp connection from 5980")
                .unwrap();
        assert_eq!(
            (l.pid, l.tid, l.level, l.tag.as_str()),
            (Some(559), Some(574), LogLevel::Info, "adbd")
        );
        assert_eq!(l.message, "jdwp connection from 5980");
        let l =
            parse_log_line("12-09 16:50:47.184  1000   832  5443 I ActivityManager: x: y").unwrap();
        assert_eq!(
            (l.uid.as_deref(), l.pid, l.tid),
            (Some("1000"), Some(832), Some(5443))
        );
        assert_eq!(l.message, "x: y");
        let l = parse_log_line("08-28 22:39:39.974 D/HeadsetStateMachine( 1785): Disconnected")
            .unwrap();
        assert_eq!((l.pid, l.tag.as_str()), (Some(1785), "HeadsetStateMachine"));
    }
}
