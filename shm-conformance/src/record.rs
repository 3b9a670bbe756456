//! [`Record`]: how one run of one case went, typed until a reporter writes
//! it: which case, in which mode, who played which role, and the outcome.

use std::time::Duration;

use crate::catalogue::{CaseId, Mode};
use crate::peer::Side;

/// Who plays a case's roles in one run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arrangement {
    /// The runner and its own children.
    Rust,
    /// A peer on one side, the runner and its spawned children on the
    /// other.
    Peer {
        /// The peer's name.
        peer: String,
        /// The side it takes.
        side: Side,
    },
    /// The queue's Python twin at one end, a spawned Rust end at the other.
    QueueTwin {
        /// The end the twin plays.
        end: QueueEnd,
    },
}

/// One end of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueEnd {
    /// The sending end.
    Sends,
    /// The receiving end.
    Receives,
}

impl Arrangement {
    /// The peer whose run this is, with the side it took, if any.
    pub fn peer(&self) -> Option<(&str, Side)> {
        match self {
            Arrangement::Peer { peer, side } => Some((peer, *side)),
            _ => None,
        }
    }
}

/// How a run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Every step went as expected and nothing was left behind.
    Passed,
    /// A step did not, or a segment was left behind.
    Failed,
    /// The case did not run; [`Record::not_run`] says why.
    Skipped,
}

/// Why a case did not run (or, where every peer must be there, failed
/// without running). Reports keep these apart, so that "outside the
/// protocol" is never mistaken for "this peer did not claim it".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NotRun {
    /// The case applies to other systems.
    NotHere,
    /// The case needs what protocol version 1 has no words for (killing a
    /// peer's process, a raw segment, hand-over, an actor that stays
    /// attached across steps, an end other than a clean exit), or roles
    /// the two sides of a peer run cannot take.
    OutsideProtocol,
    /// The peer's manifest does not claim what the case needs (a dtype, a
    /// byte order, empty arrays, a side, a descriptor form, `unlink`,
    /// `create --name`).
    NotClaimed,
    /// A difference the peer's manifest documents.
    Deviation,
    /// The peer takes no part in this arrangement: nothing it does is
    /// checked, so the run says nothing about it.
    NoPart,
    /// The peer (or the queue's twin) cannot start here.
    Unavailable,
}

/// One case run in one mode and arrangement, and how it went.
#[derive(Debug, Clone)]
pub struct Record {
    /// The case.
    pub case: CaseId,
    /// How its children were made.
    pub mode: Mode,
    /// Who played which role.
    pub arrangement: Arrangement,
    /// How it went.
    pub outcome: Outcome,
    /// Why it did not run, when it did not.
    pub not_run: Option<NotRun>,
    /// What failed, or why it did not run; empty when it passed.
    pub message: String,
    /// How long it took.
    pub duration: Duration,
}

/// The outcome and message of a run: skipped for `skip`'s reason, if any,
/// else passed or failed as `run` returns.
pub fn outcome_of(
    skip: Option<(NotRun, String)>,
    run: impl FnOnce() -> Result<(), String>,
) -> (Outcome, Option<NotRun>, String) {
    match skip {
        Some((why, reason)) => (Outcome::Skipped, Some(why), reason),
        None => match run() {
            Ok(()) => (Outcome::Passed, None, String::new()),
            Err(message) => (Outcome::Failed, None, message),
        },
    }
}
