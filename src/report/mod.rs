//! Results of a run and their renderings: console lines and summary, JSON,
//! JUnit XML. The report layer takes a [`RunReport`] and needs no device.

use std::fmt::Write as _;
use std::time::Duration;

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
    /// The 0-based index of the failing step, when a step failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

    /// JSON, pretty-printed.
    pub fn to_json(&self) -> String {
        let t = self.totals();
        let v = serde_json::json!({
            "summary": {
                "total": self.cases.len(),
                "passed": t.passed,
                "failed": t.failed,
                "errors": t.errors,
                "skipped": t.skipped,
                "duration_ms": self.duration_ms,
            },
            "cases": self.cases,
        });
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }

    /// JUnit XML: one `testsuite` per file, one `testcase` per run.
    pub fn to_junit(&self) -> String {
        let mut files: Vec<&str> = Vec::new();
        for c in &self.cases {
            if !files.contains(&c.file.as_str()) {
                files.push(&c.file);
            }
        }
        let t = self.totals();
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites name=\"pushlab\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
            self.cases.len(),
            t.failed,
            t.errors,
            t.skipped,
            secs(self.duration_ms)
        );
        for file in files {
            let cases: Vec<&CaseReport> = self.cases.iter().filter(|c| c.file == file).collect();
            let failed = cases.iter().filter(|c| c.status == Status::Failed).count();
            let errors = cases.iter().filter(|c| c.status == Status::Error).count();
            let skipped = cases.iter().filter(|c| c.status == Status::Skipped).count();
            let time: u64 = cases.iter().map(|c| c.duration_ms).sum();
            let _ = writeln!(
                x,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{}\">",
                esc(file),
                cases.len(),
                secs(time)
            );
            for c in cases {
                let _ = write!(
                    x,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
                    esc(&classname(file)),
                    esc(&format!("{} [{}]", c.case, c.device)),
                    secs(c.duration_ms)
                );
                match (&c.failure, c.status) {
                    (_, Status::Passed) | (None, _) => x.push_str("/>\n"),
                    (Some(f), Status::Skipped) => {
                        let _ = writeln!(
                            x,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            esc(&f.message)
                        );
                    }
                    (Some(f), status) => {
                        let tag = if status == Status::Error {
                            "error"
                        } else {
                            "failure"
                        };
                        let _ = writeln!(
                            x,
                            ">\n      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>\n    </testcase>",
                            esc(&f.message),
                            esc(f.diagnosis.as_deref().unwrap_or(tag)),
                            esc(&f.render())
                        );
                    }
                }
            }
            x.push_str("  </testsuite>\n");
        }
        x.push_str("</testsuites>\n");
        x
    }

    /// The closing summary for the console.
    pub fn summary(&self) -> String {
        let t = self.totals();
        let mut s = String::new();
        let skipped: Vec<&CaseReport> = self
            .cases
            .iter()
            .filter(|c| c.status == Status::Skipped)
            .collect();
        if !skipped.is_empty() {
            let _ = writeln!(s);
            for c in skipped {
                let why = c.failure.as_ref().map_or("", |f| f.message.as_str());
                let _ = writeln!(s, "SKIP  {}: {why}", c.name());
            }
        }
        for c in self
            .cases
            .iter()
            .filter(|c| !matches!(c.status, Status::Passed | Status::Skipped))
        {
            let _ = writeln!(s, "\n{} {}", label(c.status), c.name());
            if let Some(f) = &c.failure {
                for l in f.render().lines() {
                    let _ = writeln!(s, "    {l}");
                }
            }
        }
        let skipped = if t.skipped > 0 {
            format!(", {} skipped", t.skipped)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "\n{} runs: {} passed, {} failed, {} errors{skipped} in {:.1?}",
            self.cases.len(),
            t.passed,
            t.failed,
            t.errors,
            Duration::from_millis(self.duration_ms)
        );
        if t.passed == 0 && t.failed == 0 && t.errors == 0 && t.skipped > 0 {
            let _ = writeln!(
                s,
                "nothing ran: no device at hand can stand for these runs' profiles"
            );
        }
        s
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

/// One console line for a finished run (non-terminal output).
pub fn line(c: &CaseReport) -> String {
    let retry = if c.attempts > 1 {
        format!(", {} attempts", c.attempts)
    } else {
        String::new()
    };
    format!(
        "{:<5} {} ({:.1?}{retry})",
        label(c.status),
        c.name(),
        Duration::from_millis(c.duration_ms)
    )
}

fn classname(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string())
}

fn secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// XML attribute/text escaping, dropping characters XML 1.0 cannot carry.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
