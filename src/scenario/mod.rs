//! Scenario files: the model ([`model`]), loading with `file:line:column`
//! errors and semantic checks ([`load`]), and expansion into runs with
//! filters and shards ([`plan`]).

pub mod load;
pub mod locate;
pub mod model;
pub mod plan;

pub use load::{collect_files, load_file, parse_str, Diagnostic, LoadError, Scenario};
pub use model::{ScenarioFile, Step};
pub use plan::{expand, CaseRun, RunId, Selection, Shard};

/// The JSON Schema of the scenario format, generated from the types.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(model::ScenarioFile)).unwrap_or_default()
}
