//! The device's log buffers and their `threadtime` rendering.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::android::LogLevel;

/// How many entries the buffers keep (older ones are dropped, like the
/// ring buffers of logd).
const CAPACITY: usize = 20_000;

/// The log buffer an entry went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogBufferId {
    Main,
    System,
    Events,
}

impl LogBufferId {
    /// The name in `--------- beginning of <name>`.
    pub fn name(self) -> &'static str {
        match self {
            LogBufferId::Main => "main",
            LogBufferId::System => "system",
            LogBufferId::Events => "events",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "main" => LogBufferId::Main,
            "system" => LogBufferId::System,
            "events" => LogBufferId::Events,
            _ => return None,
        })
    }
}

/// One log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Milliseconds since the epoch.
    pub time_ms: u64,
    pub pid: u32,
    pub tid: u32,
    pub level: LogLevel,
    pub tag: String,
    pub message: String,
    pub buffer: LogBufferId,
}

impl LogEntry {
    /// The `threadtime` line (one per message line, as logcat prints
    /// multi-line messages), each ending in a newline.
    pub fn threadtime(&self) -> String {
        let stamp = format_time(self.time_ms);
        let mut out = String::new();
        for line in self.message.split('\n') {
            out.push_str(&format!(
                "{stamp} {:5} {:5} {} {:<8}: {line}\n",
                self.pid,
                self.tid,
                self.level.letter(),
                self.tag
            ));
        }
        out
    }
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `MM-DD HH:MM:SS.mmm` in UTC (the simulated device's timezone).
pub fn format_time(ms: u64) -> String {
    crate::wire::time::logcat_stamp(ms)
}

/// The device's log: a bounded buffer plus a feed for streaming readers.
#[derive(Debug)]
pub struct LogBuffer {
    entries: Mutex<VecDeque<LogEntry>>,
    feed: broadcast::Sender<LogEntry>,
}

impl Default for LogBuffer {
    fn default() -> Self {
        let (feed, _) = broadcast::channel(1024);
        LogBuffer {
            entries: Mutex::new(VecDeque::new()),
            feed,
        }
    }
}

impl LogBuffer {
    /// Appends an entry stamped now.
    pub fn append(
        &self,
        buffer: LogBufferId,
        pid: u32,
        tid: u32,
        level: LogLevel,
        tag: &str,
        message: &str,
    ) {
        let e = LogEntry {
            time_ms: now_ms(),
            pid,
            tid,
            level,
            tag: tag.to_string(),
            message: message.to_string(),
            buffer,
        };
        {
            let mut q = self.entries.lock();
            if q.len() >= CAPACITY {
                q.pop_front();
            }
            q.push_back(e.clone());
        }
        let _ = self.feed.send(e);
    }

    /// Every entry, oldest first.
    pub fn snapshot(&self) -> Vec<LogEntry> {
        self.entries.lock().iter().cloned().collect()
    }

    /// `logcat -c`.
    pub fn clear(&self) {
        self.entries.lock().clear();
    }

    /// New entries from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LogEntry> {
        self.feed.subscribe()
    }
}

/// What a `logcat` command line asks for.
#[derive(Debug, Clone, Default)]
pub struct LogcatArgs {
    pub dump: bool,
    pub clear: bool,
    /// `-t N`: only the last N lines (implies dump).
    pub tail: Option<usize>,
    /// `-b`: buffers (empty: main, system, crash).
    pub buffers: Vec<LogBufferId>,
    /// `TAG:LEVEL` filter specs; `*:S` silences the rest.
    pub filters: Vec<(String, LogLevel)>,
    /// The default level for tags without a spec.
    pub default_level: Option<LogLevel>,
}

impl LogcatArgs {
    /// Parses logcat's options; unknown format options are accepted (the
    /// output is always `threadtime`).
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut a = LogcatArgs::default();
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_str();
            let value = |i: &mut usize| -> Result<String, String> {
                *i += 1;
                args.get(*i)
                    .cloned()
                    .ok_or_else(|| format!("logcat: option requires an argument -- '{arg}'"))
            };
            match arg {
                "-d" => a.dump = true,
                "-c" => a.clear = true,
                "-s" => a.default_level = Some(LogLevel::Silent),
                "-v" | "--format" => {
                    value(&mut i)?;
                }
                "-t" | "-T" => {
                    let n = value(&mut i)?;
                    a.tail = n.parse().ok();
                    a.dump = arg == "-t" || a.dump;
                }
                "-b" => {
                    let b = value(&mut i)?;
                    for name in b.split(',') {
                        if name == "all" || name == "default" {
                            a.buffers =
                                vec![LogBufferId::Main, LogBufferId::System, LogBufferId::Events];
                        } else if let Some(id) = LogBufferId::parse(name) {
                            a.buffers.push(id);
                        }
                    }
                }
                _ if arg.starts_with("-v") || arg.starts_with("--") => {}
                _ if arg.starts_with('-') => {}
                spec => {
                    let (tag, lvl) = spec.rsplit_once(':').unwrap_or((spec, "V"));
                    let level = lvl
                        .chars()
                        .next()
                        .and_then(LogLevel::from_letter)
                        .unwrap_or(LogLevel::Verbose);
                    if tag == "*" {
                        a.default_level = Some(level);
                    } else {
                        a.filters.push((tag.to_string(), level));
                    }
                }
            }
            i += 1;
        }
        Ok(a)
    }

    /// Whether an entry passes the buffer and tag filters.
    pub fn wants(&self, e: &LogEntry) -> bool {
        let buffer_ok = if self.buffers.is_empty() {
            e.buffer != LogBufferId::Events
        } else {
            self.buffers.contains(&e.buffer)
        };
        if !buffer_ok {
            return false;
        }
        let min = self
            .filters
            .iter()
            .find(|(t, _)| *t == e.tag)
            .map(|(_, l)| *l)
            .or(self.default_level)
            .unwrap_or(LogLevel::Verbose);
        min != LogLevel::Silent && e.level >= min
    }
}

/// Renders entries like logcat: a `--------- beginning of <buffer>` line
/// the first time each buffer appears.
pub fn render(entries: &[LogEntry], seen: &mut Vec<LogBufferId>) -> String {
    let mut out = String::new();
    for e in entries {
        if !seen.contains(&e.buffer) {
            seen.push(e.buffer);
            out.push_str(&format!("--------- beginning of {}\n", e.buffer.name()));
        }
        out.push_str(&e.threadtime());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threadtime_lines_parse_back() {
        let e = LogEntry {
            time_ms: 1_765_299_792_955,
            pid: 1234,
            tid: 1250,
            level: LogLevel::Info,
            tag: "ActivityManager".into(),
            message: "Force stopping com.x appid=10123 user=0: from pid 4321".into(),
            buffer: LogBufferId::System,
        };
        let line = e.threadtime();
        assert_eq!(
            line,
            "12-09 17:03:12.955  1234  1250 I ActivityManager: Force stopping com.x appid=10123 user=0: from pid 4321\n"
        );
    }
}
