//! The interop matrix: each peer as creator and as attacher over every
//! catalogue case its command line can express, counted from the typed
//! records of its runs. A cell is passed/total over the cases that apply
//! (cases a peer cannot play are counted apart, never as passed).

use crate::peer::Side;
use crate::record::{NotRun, Outcome, Record};

/// Counts of one cell: one peer on one side.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// Runs that passed.
    pub passed: usize,
    /// Runs that failed.
    pub failed: usize,
    /// Runs that did not apply (or could not start).
    pub skipped: usize,
}

impl Cell {
    /// The runs that count: passed and failed.
    pub fn total(&self) -> usize {
        self.passed + self.failed
    }
}

/// One peer's row.
#[derive(Debug, Clone)]
pub struct Row {
    /// The peer's name.
    pub peer: String,
    /// The peer creates and Rust attaches.
    pub creates: Cell,
    /// Rust creates and the peer attaches.
    pub attaches: Cell,
    /// Why the peer could not start here, if it could not.
    pub unavailable: Option<String>,
}

/// The matrix: one row a peer, and every failed run.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    /// The rows, in the order the peers ran.
    pub rows: Vec<Row>,
    /// Every run that failed.
    pub failures: Vec<Record>,
}

impl Matrix {
    /// Adds the records of the peer `peer`'s runs as its row.
    pub fn add(&mut self, peer: &str, records: Vec<Record>) {
        let mut row = Row {
            peer: peer.to_owned(),
            creates: Cell::default(),
            attaches: Cell::default(),
            unavailable: None,
        };
        for record in records {
            let cell = match record.arrangement.peer() {
                Some((_, Side::Creates)) => &mut row.creates,
                _ => &mut row.attaches,
            };
            match record.outcome {
                Outcome::Passed => cell.passed += 1,
                Outcome::Skipped => cell.skipped += 1,
                Outcome::Failed => cell.failed += 1,
            }
            if record.not_run == Some(NotRun::Unavailable) {
                row.unavailable = Some(record.message.clone());
            }
            if record.outcome == Outcome::Failed {
                self.failures.push(record);
            }
        }
        self.rows.push(row);
    }

    /// Whether any run failed.
    pub fn failed(&self) -> bool {
        !self.failures.is_empty()
    }
}
