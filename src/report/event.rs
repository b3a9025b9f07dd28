//! What the runner says while it runs, and the reporters that listen.
//!
//! The runner emits [`Event`]s one at a time, in order, as things happen:
//! `RunStarted` first; for each run a `CaseStarted` and then exactly one
//! `CaseFinished` or `CaseSkipped` with the same `index` (runs go in
//! parallel, so the events of different runs interleave); `RunFinished`
//! last, with every result in the plan's order. A [`Reporter`] turns them
//! into something people or tools read: the console's progress and summary
//! ([`super::ConsoleReporter`]), a file written at the end
//! ([`super::FileReporter`]: JSON, JUnit XML).

use std::io;

use serde::Serialize;

use super::{CaseReport, RunReport, Status};

/// One thing that happened during a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Nothing has started yet; `cases` runs are planned.
    RunStarted { cases: usize },
    /// The run at `index` of the plan got its slot: it acquires a device,
    /// then executes its steps. `name` is `file::case [device]`.
    CaseStarted { index: usize, name: String },
    /// The run at `index` ended: passed, failed or errored.
    CaseFinished {
        index: usize,
        result: CaseReport,
        /// Each of the case's steps and how it went.
        steps: Vec<StepOutcome>,
    },
    /// The run at `index` was not run: no device at hand can stand for its
    /// profile. `result` has the [`Status::Skipped`] status.
    CaseSkipped {
        index: usize,
        result: CaseReport,
        reason: String,
    },
    /// Every run ended; `summary` holds their results in the plan's order.
    RunFinished { summary: RunReport },
}

impl Event {
    /// The result a `CaseFinished` or `CaseSkipped` carries.
    pub fn result(&self) -> Option<&CaseReport> {
        match self {
            Event::CaseFinished { result, .. } | Event::CaseSkipped { result, .. } => Some(result),
            _ => None,
        }
    }

    /// The event that ends the run at `index`: `CaseSkipped` for a skipped
    /// result, else `CaseFinished` with the outcome of each step named in
    /// `steps`.
    pub fn case_ended(index: usize, result: CaseReport, steps: &[&str]) -> Event {
        if result.status == Status::Skipped {
            let reason = result
                .failure
                .as_ref()
                .map(|f| f.message.clone())
                .unwrap_or_default();
            return Event::CaseSkipped {
                index,
                result,
                reason,
            };
        }
        let steps = StepOutcome::of(steps, &result);
        Event::CaseFinished {
            index,
            result,
            steps,
        }
    }
}

/// Turns events into output. Called once per event, never for two events
/// at once. After an error the reporter gets no further events; the runs
/// still go to their end, and the run as a whole then fails with that
/// error.
pub trait Reporter {
    fn report(&mut self, event: &Event) -> io::Result<()>;
}

/// A closure is a reporter.
impl<F: FnMut(&Event) -> io::Result<()>> Reporter for F {
    fn report(&mut self, event: &Event) -> io::Result<()> {
        self(event)
    }
}

/// Several reporters, each getting every event in the order they were
/// added (the console first prints its summary, then the files are
/// written). The first error stops the event there.
#[derive(Default)]
pub struct Reporters(Vec<Box<dyn Reporter>>);

impl Reporters {
    pub fn push(&mut self, reporter: impl Reporter + 'static) {
        self.0.push(Box::new(reporter));
    }
}

impl Reporter for Reporters {
    fn report(&mut self, event: &Event) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|r| r.report(event))
    }
}

/// How one step of a finished run went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepOutcome {
    /// 1-based, as the console and the JSON report number steps.
    pub number: usize,
    /// The step's name as written in the file (`send`, `expect_notification`...).
    pub name: String,
    pub status: StepStatus,
}

/// See [`StepOutcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    /// The step the run's failure names.
    Failed,
    /// After the failing step, or every step when the set-up failed.
    NotRun,
    /// The run ended in an infrastructure error, which does not say which
    /// step was under way.
    Unknown,
}

impl StepOutcome {
    /// The outcomes of the steps named `steps` (in order) of the run that
    /// ended in `result`, derived from its status and the step its failure
    /// names.
    pub fn of(steps: &[&str], result: &CaseReport) -> Vec<StepOutcome> {
        let failed_at = result.failure.as_ref().and_then(|f| f.step);
        steps
            .iter()
            .enumerate()
            .map(|(i, name)| StepOutcome {
                number: i + 1,
                name: (*name).to_string(),
                status: match (result.status, failed_at) {
                    (Status::Passed, _) => StepStatus::Passed,
                    (Status::Error, _) => StepStatus::Unknown,
                    (Status::Skipped, _) | (Status::Failed, None) => StepStatus::NotRun,
                    (Status::Failed, Some(f)) if i < f => StepStatus::Passed,
                    (Status::Failed, Some(f)) if i == f => StepStatus::Failed,
                    (Status::Failed, Some(_)) => StepStatus::NotRun,
                },
            })
            .collect()
    }
}
