//! Reports of a run: human lines, JSON lines, JUnit XML, and the interop
//! matrix's tables. The reporter owns the vocabulary: records stay typed
//! until one of these writes them (`words.rs` has the words they share).
//!
//! A report receives each case run as it finishes and the summary at the
//! end. Human and JSON reports stream; JUnit is written whole at the end.

mod human;
mod json;
mod junit;
mod matrix;
mod words;

use std::io::Write;
use std::time::Duration;

pub use matrix::{matrix_human, matrix_json};
pub use words::{arrangement, direction};

use crate::record::{Outcome, Record};

/// The formats of a run's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line a case and a summary line, for people.
    Human,
    /// JSON lines: one object a case and a summary object.
    Json,
    /// JUnit XML, for CI test-report tabs.
    Junit,
}

/// Counts of a whole run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Runs that passed.
    pub passed: usize,
    /// Runs that failed.
    pub failed: usize,
    /// Runs that were skipped.
    pub skipped: usize,
    /// Runs that did not run, by why (skipped, or failed where every peer
    /// must be there).
    pub not_run: std::collections::BTreeMap<crate::record::NotRun, usize>,
    /// How long the whole run took.
    pub duration: Duration,
}

impl Summary {
    /// Counts one case run.
    pub fn add(&mut self, run: &Record) {
        if let Some(why) = run.not_run {
            *self.not_run.entry(why).or_default() += 1;
        }
        match run.outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}

/// Something that writes a report.
pub trait Report {
    /// One case run finished.
    fn case(&mut self, run: &Record) -> std::io::Result<()>;
    /// The run is over.
    fn finish(&mut self, summary: &Summary) -> std::io::Result<()>;
}

/// The report for `format`, writing to `out`.
pub fn new(format: Format, out: Box<dyn Write>) -> Box<dyn Report> {
    match format {
        Format::Human => Box::new(human::Human::new(out)),
        Format::Json => Box::new(json::JsonLines::new(out)),
        Format::Junit => Box::new(junit::Junit::new(out)),
    }
}

#[cfg(test)]
mod tests;
