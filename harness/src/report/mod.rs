//! Reports of a run: human lines, JSON lines, JUnit XML.
//!
//! A report receives each case run as it finishes and the summary at the
//! end. Human and JSON reports stream; JUnit is written whole at the end.

mod human;
mod json;
mod junit;

use std::io::Write;
use std::time::Duration;

use crate::cli::FormatArg;
use crate::runner::{CaseRun, Outcome};

/// Counts of a whole run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Summary {
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    pub(crate) skipped: usize,
    pub(crate) duration: Duration,
}

impl Summary {
    /// Counts one case run.
    pub(crate) fn add(&mut self, run: &CaseRun) {
        match run.outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}

/// Something that writes a report.
pub(crate) trait Report {
    /// One case run finished.
    fn case(&mut self, run: &CaseRun) -> std::io::Result<()>;
    /// The run is over.
    fn finish(&mut self, summary: &Summary) -> std::io::Result<()>;
}

/// The report for `format`, writing to `out`.
pub(crate) fn new(format: FormatArg, out: Box<dyn Write>) -> Box<dyn Report> {
    match format {
        FormatArg::Human => Box::new(human::Human::new(out)),
        FormatArg::Json => Box::new(json::JsonLines::new(out)),
        FormatArg::Junit => Box::new(junit::Junit::new(out)),
    }
}

/// The label of the process arrangement: mode, and peer direction if any.
pub(crate) fn arrangement(run: &CaseRun) -> String {
    match &run.peer {
        Some(peer) => format!("{} {peer}", run.mode),
        None => run.mode.clone(),
    }
}

#[cfg(test)]
mod tests;
