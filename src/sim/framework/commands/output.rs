//! What the framework commands share: the output of a Java `ShellCommand`
//! and operand parsing.

use crate::sim::shell::CommandOutput;

pub(super) fn out(stdout: String, stderr: String, exit: u8) -> CommandOutput {
    CommandOutput {
        stdout: stdout.into_bytes(),
        stderr: stderr.into_bytes(),
        exit,
    }
}

/// What a Java `ShellCommand` prints for an uncaught exception.
pub(super) fn exception(cmd: &str, text: &str) -> CommandOutput {
    out(
        String::new(),
        format!("Exception occurred while executing '{cmd}':\n{text}\n"),
        255,
    )
}

/// The package operand of `force-stop`/`kill` (after `--user N`).
pub(super) fn last_operand(rest: &[String]) -> Option<String> {
    let mut i = 0;
    let mut pkg = None;
    while i < rest.len() {
        if rest[i] == "--user" {
            i += 2;
            continue;
        }
        pkg = Some(rest[i].clone());
        i += 1;
    }
    pkg
}
