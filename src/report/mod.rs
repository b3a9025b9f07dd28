//! Results of a run and their renderings. The runner emits [`Event`]s as
//! runs start and end; [`Reporter`]s turn them into the console's progress
//! and summary ([`ConsoleReporter`]) and report files ([`FileReporter`]:
//! JSON, JUnit XML). The report layer needs no device.
//!
//! A new rendering of the whole run (HTML...) is a `fn(&RunReport) ->
//! io::Result<String>` given to [`FileReporter::new`]; one that follows the
//! run live implements [`Reporter`] itself.

mod console;
mod event;
mod file;
mod json;
mod junit;

pub use console::{line, ConsoleReporter};
pub use event::{Event, Reporter, Reporters, StepOutcome, StepStatus};
pub use file::{FileReporter, Render};
pub use json::FORMAT_VERSION as JSON_FORMAT_VERSION;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// How one run (case × device) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    /// An assertion failed: the product behaved differently.
    Failed,
    /// The infrastructure failed (device lost, hub could not start...).
    Error,
    /// Not run: no device at hand can stand for the run's profile (the
    /// reason is the failure's message).
    Skipped,
}

/// Why a run did not pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The 0-based index of the failing step, when a step failed. The JSON
    /// report numbers it from 1, as the console does.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::step_number"
    )]
    pub step: Option<usize>,
    /// The step's name (`expect_notification`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_name: Option<String>,
    pub message: String,
    /// The first broken link's diagnosis code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    /// The message's chain, one line per journal record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<String>,
}

impl Failure {
    /// A failure that is only a message: no step, chain or diagnosis (the
    /// device could not be had, the infrastructure failed, a skip's reason).
    pub fn message(message: impl Into<String>) -> Failure {
        Failure {
            step: None,
            step_name: None,
            message: message.into(),
            diagnosis: None,
            advice: None,
            chain: Vec::new(),
        }
    }

    /// The failure as people read it under the run's name.
    pub fn render(&self) -> String {
        let mut s = String::new();
        if let (Some(i), Some(n)) = (self.step, &self.step_name) {
            let _ = writeln!(s, "step {} ({n}): {}", i + 1, self.message);
        } else {
            let _ = writeln!(s, "{}", self.message);
        }
        if !self.chain.is_empty() {
            let _ = writeln!(s, "chain:");
            for l in &self.chain {
                let _ = writeln!(s, "  {l}");
            }
        }
        if let Some(d) = &self.diagnosis {
            let _ = writeln!(s, "first broken link: {d}");
        }
        if let Some(a) = &self.advice {
            let _ = writeln!(s, "advice: {a}");
        }
        s
    }
}

/// One run's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    pub file: String,
    pub case: String,
    pub device: String,
    pub status: Status,
    pub duration_ms: u64,
    /// 1 unless infrastructure failures were retried.
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

impl CaseReport {
    /// `file::case [device]`.
    pub fn name(&self) -> String {
        format!("{}::{} [{}]", self.file, self.case, self.device)
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunReport {
    /// Wall time of the whole run.
    pub duration_ms: u64,
    pub cases: Vec<CaseReport>,
}

/// Counts by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
}

impl RunReport {
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for c in &self.cases {
            match c.status {
                Status::Passed => t.passed += 1,
                Status::Failed => t.failed += 1,
                Status::Error => t.errors += 1,
                Status::Skipped => t.skipped += 1,
            }
        }
        t
    }

    /// Nothing failed and something ran: every run passed or was skipped,
    /// and at least one passed.
    pub fn all_passed(&self) -> bool {
        let t = self.totals();
        t.failed == 0 && t.errors == 0 && t.passed > 0
    }
}

/// `PASS`/`FAIL`/`ERROR`.
pub fn label(s: Status) -> &'static str {
    match s {
        Status::Passed => "PASS",
        Status::Failed => "FAIL",
        Status::Error => "ERROR",
        Status::Skipped => "SKIP",
    }
}
