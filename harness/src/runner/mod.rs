//! Runs catalogue cases with real processes and reports each run.
//!
//! For every case and mode, the runner (the parent, in this process) and its
//! children (forked or spawned, started on first use) perform the case's
//! steps in order. A case run ends when a step's outcome differs from what
//! the case expects, when the deadline passes (`--timeout`, whole case), or
//! when every step passed. Then every child is told to exit (or killed), the
//! parent drops what it holds, and every segment the run created must be
//! gone: one that is left is removed and fails the run.

//!
//! Files: `case_run.rs` (one case run: actors, steps, expectations,
//! teardown), `resolve.rs` (steps into requests), `foreign.rs` (foreign
//! peers driven through their command line), `process.rs` (child processes
//! and their pipes), `queue_run.rs` (queue cases: a sender and a receiver
//! with the runner in the middle of their stream), `fork.rs` (`fork(child_fn)`, Unix), `serve.rs` (the
//! child's request loop).

mod case_run;
mod foreign;
#[cfg(unix)]
mod fork;
mod process;
mod queue_run;
mod resolve;
mod serve;
#[cfg(target_os = "linux")]
mod warm;

use std::time::Duration;

pub(crate) use case_run::{Cast, run_case};
pub(crate) use foreign::{Foreign, PeerSpec, Side, end_servers};
pub(crate) use queue_run::{Ends, run_queue_case};
pub(crate) use serve::serve;
#[cfg(target_os = "linux")]
pub(crate) use warm::offer as offer_warm_python;

/// How a case's children are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `fork(2)` from the runner (Unix only).
    Fork,
    /// Re-execute the runner's binary as `shm-harness child`.
    Spawn,
}

impl Mode {
    /// The mode's name in reports and case files.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Fork => "fork",
            Mode::Spawn => "spawn",
        }
    }

    /// The modes this OS supports.
    pub(crate) fn available() -> Vec<Mode> {
        if cfg!(unix) {
            vec![Mode::Fork, Mode::Spawn]
        } else {
            vec![Mode::Spawn]
        }
    }
}

/// The result of one case run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Every step went as expected and nothing was left behind.
    Passed,
    /// A step did not, or a segment was left behind.
    Failed,
    /// The case does not apply here; the message says why.
    Skipped,
}

impl Outcome {
    /// `passed`, `failed` or `skipped`.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One case run in one mode (and, for interop, with one peer).
#[derive(Debug, Clone)]
pub(crate) struct CaseRun {
    pub(crate) case: String,
    pub(crate) description: String,
    pub(crate) file: String,
    pub(crate) mode: String,
    pub(crate) peer: Option<String>,
    pub(crate) outcome: Outcome,
    pub(crate) message: String,
    pub(crate) duration: Duration,
}

/// A run's outcome and message: skipped for `skip`'s reason, if any, else
/// passed or failed as `run` returns.
pub(crate) fn outcome_of(
    skip: Option<String>,
    run: impl FnOnce() -> Result<(), String>,
) -> (Outcome, String) {
    match skip {
        Some(reason) => (Outcome::Skipped, reason),
        None => match run() {
            Ok(()) => (Outcome::Passed, String::new()),
            Err(message) => (Outcome::Failed, message),
        },
    }
}

/// Settings that hold for a whole run.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) timeout: Duration,
}
