//! Android log priorities, as `logcat` prints them and as the simulated
//! framework writes them.

use serde::{Deserialize, Serialize};

/// Log priority letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Verbose,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
    Assert,
    Silent,
}

impl LogLevel {
    pub fn from_letter(c: char) -> Option<LogLevel> {
        Some(match c {
            'V' => LogLevel::Verbose,
            'D' => LogLevel::Debug,
            'I' => LogLevel::Info,
            'W' => LogLevel::Warn,
            'E' => LogLevel::Error,
            'F' => LogLevel::Fatal,
            'A' => LogLevel::Assert,
            'S' => LogLevel::Silent,
            _ => return None,
        })
    }

    pub fn letter(self) -> char {
        match self {
            LogLevel::Verbose => 'V',
            LogLevel::Debug => 'D',
            LogLevel::Info => 'I',
            LogLevel::Warn => 'W',
            LogLevel::Error => 'E',
            LogLevel::Fatal => 'F',
            LogLevel::Assert => 'A',
            LogLevel::Silent => 'S',
        }
    }
}
