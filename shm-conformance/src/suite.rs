//! A whole run: which cases, in which modes, with which peers, in what
//! order; and the records of runs that could not happen (a peer that
//! cannot start here).

use std::time::Duration;

use crate::catalogue::{self, Case, Mode, QueueCase};
use crate::peer::{NOT_ON_THIS_OS, PeerSpec, Resolved, Side};
use crate::queue_run::{QueueEnds, run_queue_case};
use crate::record::{Arrangement, NotRun, Outcome, QueueEnd, Record};
use crate::runner::{Cast, Processes, Settings, run_case};

/// The modes a run asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeChoice {
    /// Fork mode only (Unix).
    Fork,
    /// Spawn mode only.
    Spawn,
    /// Every mode this OS has.
    All,
}

impl ModeChoice {
    /// The modes asked for, among those this OS has.
    pub fn modes(self) -> Vec<Mode> {
        Mode::available()
            .into_iter()
            .filter(|m| match self {
                ModeChoice::All => true,
                ModeChoice::Fork => *m == Mode::Fork,
                ModeChoice::Spawn => *m == Mode::Spawn,
            })
            .collect()
    }

    /// The modes to run `case` in: those asked for that the case allows.
    pub fn modes_for(self, case: &Case) -> Vec<Mode> {
        self.modes()
            .into_iter()
            .filter(|m| case.modes.as_ref().is_none_or(|l| l.contains(m)))
            .collect()
    }
}

/// The cases a run takes: those the filters select, and grouped cases
/// (`stress`) only when a filter names the group or `--stress N` is given,
/// which also sets their repeat count.
pub fn select(all: Vec<Case>, filters: &[String], exact: bool, stress: Option<u32>) -> Vec<Case> {
    all.into_iter()
        .filter(|c| catalogue::selected(c.name(), filters, exact))
        .filter(|c| match c.group.as_deref() {
            None => true,
            Some(group) => {
                (group == "stress" && stress.is_some()) || filters.iter().any(|f| f.contains(group))
            }
        })
        .map(|mut c| {
            if let (Some(n), Some("stress")) = (stress, c.group.as_deref()) {
                c.repeat = n.max(1);
            }
            c
        })
        .collect()
}

/// What one run plays.
pub struct Suite<'a> {
    /// The catalogue cases selected.
    pub cases: &'a [Case],
    /// The queue cases selected.
    pub queues: &'a [QueueCase],
    /// The modes asked for.
    pub modes: ModeChoice,
    /// Whether Rust plays every role (the `rust` peer).
    pub rust: bool,
    /// The queue's Python twin, when the `python` peer plays: its argv, or
    /// why it cannot start.
    pub twin: Option<Result<Vec<String>, String>>,
    /// The other peers, each resolved or with why it cannot run here.
    pub peers: &'a [Resolved],
    /// Settings of every case run.
    pub settings: Settings,
}

impl Suite<'_> {
    /// Runs and records every run, handing each to `emit` as it finishes
    /// (an error from `emit` stops the run): Rust first, in every mode
    /// (cases, then queue cases); then the queue's Python twin on either
    /// end; then each peer, in spawn mode, as creator and then as
    /// attacher.
    pub fn run<E>(
        &self,
        procs: &mut Processes,
        emit: &mut dyn FnMut(Record) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.rust {
            for case in self.cases {
                for mode in self.modes.modes_for(case) {
                    emit(run_case(case, mode, &Cast::Rust, &self.settings, procs))?;
                }
            }
            for case in self.queues {
                for mode in self.modes.modes() {
                    let ends = QueueEnds::rust(mode);
                    emit(run_queue_case(
                        case,
                        &ends,
                        &self.settings,
                        &mut procs.launcher,
                    ))?;
                }
            }
        }
        if let Some(twin) = self.twin.as_ref().filter(|_| !self.queues.is_empty()) {
            for end in [QueueEnd::Sends, QueueEnd::Receives] {
                for case in self.queues {
                    emit(match twin {
                        Ok(argv) => {
                            let ends = QueueEnds::twin(argv, end);
                            run_queue_case(case, &ends, &self.settings, &mut procs.launcher)
                        }
                        Err(reason) => not_run(
                            &case.id,
                            Arrangement::QueueTwin { end },
                            format!("the queue's Python twin is unavailable: {reason}"),
                            reason,
                        ),
                    })?;
                }
            }
        }
        for (name, spec) in self.peers {
            for record in peer_runs(self.cases, name, spec, &self.settings, procs) {
                emit(record)?;
            }
        }
        Ok(())
    }
}

/// Every case with the peer `name` as creator, then as attacher (spawn
/// mode: the other side is the runner and its spawned children).
pub fn peer_runs(
    cases: &[Case],
    name: &str,
    spec: &Result<PeerSpec, String>,
    settings: &Settings,
    procs: &mut Processes,
) -> Vec<Record> {
    let mut records = Vec::new();
    for side in Side::BOTH {
        for case in cases {
            records.push(match spec {
                Ok(spec) => run_case(
                    case,
                    Mode::Spawn,
                    &Cast::Peer(spec.clone(), side),
                    settings,
                    procs,
                ),
                Err(reason) => not_run(
                    &case.id,
                    Arrangement::Peer {
                        peer: name.to_owned(),
                        side,
                    },
                    format!("peer {name} unavailable: {reason}"),
                    reason,
                ),
            });
        }
    }
    records
}

/// A spawn-mode run that could not happen: skipped with `message`, or
/// failed under `CI=true` unless `reason` says the peer cannot exist here.
fn not_run(
    case: &catalogue::CaseId,
    arrangement: Arrangement,
    message: String,
    reason: &str,
) -> Record {
    let in_ci = std::env::var("CI").as_deref() == Ok("true") && !reason.starts_with(NOT_ON_THIS_OS);
    Record {
        case: case.clone(),
        mode: Mode::Spawn,
        arrangement,
        outcome: if in_ci {
            Outcome::Failed
        } else {
            Outcome::Skipped
        },
        not_run: Some(NotRun::Unavailable),
        message,
        duration: Duration::ZERO,
    }
}
