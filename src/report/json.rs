//! The JSON report: the run's summary and every run's result, under a
//! format version. `docs/report-format.md` describes every field and what
//! a change of version means.

use serde::{Deserialize, Deserializer, Serializer};

use super::RunReport;

/// The version of the JSON report's format, its top-level `format_version`.
/// Adding a field keeps it; removing, renaming or retyping one bumps it.
pub const FORMAT_VERSION: u32 = 1;

impl RunReport {
    /// JSON, pretty-printed.
    pub fn to_json(&self) -> String {
        let t = self.totals();
        let v = serde_json::json!({
            "format_version": FORMAT_VERSION,
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
}

/// A failure's `step`: a 0-based index in memory, numbered from 1 in the
/// JSON report as on the console.
pub(super) mod step_number {
    use super::*;

    pub fn serialize<S: Serializer>(step: &Option<usize>, s: S) -> Result<S::Ok, S::Error> {
        match step {
            Some(i) => s.serialize_some(&(i + 1)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
        match Option::<usize>::deserialize(d)? {
            None => Ok(None),
            Some(0) => Err(serde::de::Error::custom("steps are numbered from 1")),
            Some(n) => Ok(Some(n - 1)),
        }
    }
}
