//! The JUnit XML report, built with `quick-junit` (which also escapes and
//! drops what XML cannot carry): one `testsuite` per scenario file, one
//! `testcase` per run (case × device profile).

use std::io;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{CaseReport, RunReport, Status};

impl RunReport {
    /// JUnit XML: one `testsuite` per file (in the order files first
    /// appear), one `testcase` per run.
    pub fn to_junit(&self) -> io::Result<String> {
        let mut report = Report::new("pushlab");
        report.set_time(Duration::from_millis(self.duration_ms));
        let mut files: Vec<&str> = Vec::new();
        for c in &self.cases {
            if !files.contains(&c.file.as_str()) {
                files.push(&c.file);
            }
        }
        for file in files {
            let cases: Vec<&CaseReport> = self.cases.iter().filter(|c| c.file == file).collect();
            let mut suite = TestSuite::new(file);
            suite.set_time(Duration::from_millis(
                cases.iter().map(|c| c.duration_ms).sum(),
            ));
            suite.add_test_cases(cases.into_iter().map(test_case));
            report.add_test_suite(suite);
        }
        report.to_string().map_err(io::Error::other)
    }
}

/// `case [device]`, classed under the file's stem, with its failure, error
/// or skip.
fn test_case(c: &CaseReport) -> TestCase {
    let status = match (c.status, &c.failure) {
        (Status::Passed, _) => TestCaseStatus::success(),
        (Status::Skipped, f) => {
            let mut s = TestCaseStatus::skipped();
            if let Some(f) = f {
                s.set_message(&f.message);
            }
            s
        }
        (Status::Failed | Status::Error, f) => {
            let (kind, tag) = if c.status == Status::Error {
                (NonSuccessKind::Error, "error")
            } else {
                (NonSuccessKind::Failure, "failure")
            };
            let mut s = TestCaseStatus::non_success(kind);
            match f {
                Some(f) => {
                    s.set_message(&f.message)
                        .set_type(f.diagnosis.as_deref().unwrap_or(tag))
                        .set_description(f.render());
                }
                None => {
                    s.set_type(tag);
                }
            }
            s
        }
    };
    let mut t = TestCase::new(format!("{} [{}]", c.case, c.device), status);
    t.set_classname(classname(&c.file))
        .set_time(Duration::from_millis(c.duration_ms));
    t
}

fn classname(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string())
}
