//! The words reports use for what records hold as types: modes, sides,
//! arrangements, outcomes.

use crate::catalogue::Mode;
use crate::peer::Side;
use crate::record::{Arrangement, NotRun, Outcome, QueueEnd, Record};

/// `fork` or `spawn`.
pub(super) fn mode(mode: Mode) -> &'static str {
    match mode {
        Mode::Fork => "fork",
        Mode::Spawn => "spawn",
    }
}

/// `passed`, `failed` or `skipped`.
pub(super) fn outcome(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Skipped => "skipped",
    }
}

/// Why a run did not run, for people: `outside protocol version 1`, ...
pub(super) fn not_run(why: NotRun) -> &'static str {
    match why {
        NotRun::NotHere => "not here",
        NotRun::OutsideProtocol => "outside protocol version 1",
        NotRun::NotClaimed => "not claimed by the manifest",
        NotRun::Deviation => "deviation",
        NotRun::NoPart => "no part for the peer",
        NotRun::Unavailable => "unavailable",
    }
}

/// The same as a JSON word: `outside-protocol`, ...
pub(super) fn not_run_key(why: NotRun) -> &'static str {
    match why {
        NotRun::NotHere => "not-here",
        NotRun::OutsideProtocol => "outside-protocol",
        NotRun::NotClaimed => "not-claimed",
        NotRun::Deviation => "deviation",
        NotRun::NoPart => "no-part",
        NotRun::Unavailable => "unavailable",
    }
}

/// A record's message for people: a skip's reason says its kind first
/// (`outside protocol version 1: kills a peer process`), except where the
/// reason says it itself (`applies to windows only`, `peer x unavailable`).
pub(super) fn message(record: &Record) -> String {
    match record.not_run {
        Some(
            why @ (NotRun::OutsideProtocol
            | NotRun::NotClaimed
            | NotRun::Deviation
            | NotRun::NoPart),
        ) => {
            format!("{}: {}", not_run(why), record.message)
        }
        _ => record.message.clone(),
    }
}

/// `python creates, rust attaches` and the like: the direction of a run
/// in which `peer` takes `side`.
pub fn direction(side: Side, peer: &str) -> String {
    match side {
        Side::Creates => format!("{peer} creates, rust attaches"),
        Side::Attaches => format!("rust creates, {peer} attaches"),
    }
}

/// The peer column of a record: who plays which role, when another peer
/// than Rust takes part (`python creates, rust attaches`, `python sends`).
pub(super) fn peer_column(record: &Record) -> Option<String> {
    match &record.arrangement {
        Arrangement::Rust => None,
        Arrangement::Peer { peer, side } => Some(direction(*side, peer)),
        Arrangement::QueueTwin { end } => Some(
            match end {
                QueueEnd::Sends => "python sends",
                QueueEnd::Receives => "python receives",
            }
            .to_owned(),
        ),
    }
}

/// The label of the process arrangement: mode, and who plays which role
/// if another peer than Rust takes part (`spawn python sends`).
pub fn arrangement(record: &Record) -> String {
    match peer_column(record) {
        Some(peer) => format!("{} {peer}", mode(record.mode)),
        None => mode(record.mode).to_owned(),
    }
}
