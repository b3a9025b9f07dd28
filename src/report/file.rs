//! Reports written to a file once the run is over: JSON, JUnit XML, or any
//! other rendering of the whole [`RunReport`].

use std::io;
use std::path::PathBuf;

use super::{Event, Reporter, RunReport};

/// Renders the whole run.
pub type Render = fn(&RunReport) -> io::Result<String>;

/// Writes `render`'s text to `path` at `RunFinished`, and ignores the other
/// events.
pub struct FileReporter {
    path: PathBuf,
    render: Render,
}

impl FileReporter {
    pub fn new(path: impl Into<PathBuf>, render: Render) -> FileReporter {
        FileReporter {
            path: path.into(),
            render,
        }
    }

    /// The JSON report ([`RunReport::to_json`]).
    pub fn json(path: impl Into<PathBuf>) -> FileReporter {
        FileReporter::new(path, |r| Ok(r.to_json()))
    }

    /// The JUnit XML report ([`RunReport::to_junit`]).
    pub fn junit(path: impl Into<PathBuf>) -> FileReporter {
        FileReporter::new(path, RunReport::to_junit)
    }
}

impl Reporter for FileReporter {
    fn report(&mut self, event: &Event) -> io::Result<()> {
        match event {
            Event::RunFinished { summary } => std::fs::write(&self.path, (self.render)(summary)?),
            _ => Ok(()),
        }
    }
}
