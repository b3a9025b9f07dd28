//! The console's view of a run: a line per finished run while it runs (or a
//! progress bar on a terminal, with a line for each run that did not pass),
//! then the summary.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use super::{label, CaseReport, Event, Reporter, RunReport, Status};

/// Progress on one writer (stderr), the summary on another (stdout).
pub struct ConsoleReporter<P = io::Stderr, S = io::Stdout> {
    progress: P,
    summary: S,
    /// Whether to draw a progress bar (on stderr) instead of writing lines.
    use_bar: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl ConsoleReporter {
    /// Progress on stderr, a bar when stderr is a terminal; the summary on
    /// stdout.
    pub fn stdio() -> ConsoleReporter {
        ConsoleReporter {
            progress: io::stderr(),
            summary: io::stdout(),
            use_bar: io::stderr().is_terminal(),
            bar: None,
        }
    }
}

impl<P: Write, S: Write> ConsoleReporter<P, S> {
    /// Progress lines into `progress`, the summary into `summary`: what a
    /// non-terminal gets.
    pub fn new(progress: P, summary: S) -> ConsoleReporter<P, S> {
        ConsoleReporter {
            progress,
            summary,
            use_bar: false,
            bar: None,
        }
    }

    /// The writers back, with what was written.
    pub fn into_writers(self) -> (P, S) {
        (self.progress, self.summary)
    }

    fn case_ended(&mut self, c: &CaseReport) -> io::Result<()> {
        match &self.bar {
            Some(pb) => {
                if c.status != Status::Passed {
                    pb.println(line(c));
                }
                pb.inc(1);
                Ok(())
            }
            None => writeln!(self.progress, "{}", line(c)),
        }
    }
}

impl<P: Write, S: Write> Reporter for ConsoleReporter<P, S> {
    fn report(&mut self, event: &Event) -> io::Result<()> {
        match event {
            Event::RunStarted { cases } if self.use_bar => {
                let pb = indicatif::ProgressBar::new(*cases as u64);
                if let Ok(style) =
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {msg}")
                {
                    pb.set_style(style);
                }
                self.bar = Some(pb);
                Ok(())
            }
            Event::RunStarted { .. } | Event::CaseStarted { .. } => Ok(()),
            Event::CaseFinished { result, .. } | Event::CaseSkipped { result, .. } => {
                self.case_ended(result)
            }
            Event::RunFinished { summary } => {
                if let Some(pb) = self.bar.take() {
                    pb.finish_and_clear();
                }
                self.summary.write_all(summary.summary().as_bytes())?;
                self.summary.flush()
            }
        }
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

impl RunReport {
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
