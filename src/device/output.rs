//! What a shell command gives back, whichever transport ran it.

use serde::{Deserialize, Serialize};

/// What a shell command printed and how it exited.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShellOutput {
    pub stdout: String,
    pub stderr: String,
    /// The exit status (shell protocol v2); `None` over the legacy protocol.
    pub exit: Option<u8>,
}

impl ShellOutput {
    /// Exit 0, or unknown (legacy shell protocol).
    pub fn success(&self) -> bool {
        self.exit.is_none_or(|e| e == 0)
    }

    /// stdout then stderr, for parsers that read both.
    pub fn combined(&self) -> String {
        let mut s = self.stdout.clone();
        if !self.stderr.is_empty() {
            if !s.is_empty() && !s.ends_with('\n') {
                s.push('\n');
            }
            s.push_str(&self.stderr);
        }
        s
    }
}
