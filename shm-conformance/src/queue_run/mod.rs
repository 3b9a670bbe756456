//! One queue case run: a real sender and a real receiver with the runner in
//! the middle of their stream (schema: `catalogue/queue_case.rs`).
//!
//! The runner reads the sender's whole stream, so it knows every segment
//! the stream carries; it forwards messages when a step says so, and kills
//! either side between steps, so every crash point is deterministic. While
//! it holds the stream's pipes it is a party to the transfers (a relay, as
//! a pipe's buffer is); `let-go` ends that. For a pool case it is also the
//! back channel.
//!
//! Files: `ends.rs` (who runs each end, and starting them), `relay.rs`
//! (the stream between them), `faults.rs` (what `inject` and
//! `reuse-pool-name` write), `checks.rs` (the receiver's lines, the
//! segments and leases, what is left behind).

mod checks;
mod ends;
mod faults;
mod relay;

use std::time::{Duration, Instant};

use shm_core::lease;
use shm_core::pool::Pool;
use shm_protocol::queue_ends::{Plan, RecvHow};

pub use ends::{EndProgram, QueueEnds};

use crate::catalogue::{End, ExpectedExit, Mode, QueueAct, QueueCase};
use crate::process::Launcher;
use crate::record::{Arrangement, NotRun, Record, outcome_of};
use crate::runner::Settings;
use relay::Relay;

/// How long the ends get to exit after a run before they are killed.
const GRACE: Duration = Duration::from_secs(5);

/// Runs `case` with `ends` and records how it went.
pub fn run_queue_case(
    case: &QueueCase,
    ends: &QueueEnds,
    settings: &Settings,
    launcher: &mut Launcher,
) -> Record {
    let started = Instant::now();
    let fork_here = !cfg!(unix) && ends.mode == Mode::Fork;
    let skip = case
        .not_here
        .clone()
        .or_else(|| fork_here.then(|| "fork mode needs Unix".to_owned()))
        .map(|why| (NotRun::NotHere, why));
    let (outcome, not_run, message) = outcome_of(skip, || {
        let plan = Plan {
            shape: case.shape.clone(),
            dtype: case.dtype,
            count: case.count,
        };
        let mut run = QueueRun {
            ends,
            launcher,
            relay: Relay::new(Instant::now() + settings.timeout, case.pool),
            plan,
            replacement: None,
            stalled: false,
        };
        let result = case.steps.iter().enumerate().try_for_each(|(i, act)| {
            run.step(act)
                .map_err(|e| format!("step {} ({}): {e}", i + 1, act.name()))
        });
        let leaks = run.teardown();
        result?;
        if leaks.is_empty() {
            Ok(())
        } else {
            Err(format!("segments left behind: {}", leaks.join(", ")))
        }
    });
    Record {
        case: case.id.clone(),
        mode: ends.mode,
        arrangement: match ends.twin {
            Some(end) => Arrangement::QueueTwin { end },
            None => Arrangement::Rust,
        },
        outcome,
        not_run,
        message,
        duration: started.elapsed(),
    }
}

/// One pass over a queue case's steps.
struct QueueRun<'a> {
    ends: &'a QueueEnds,
    launcher: &'a mut Launcher,
    relay: Relay,
    plan: Plan,
    /// The pool the runner made under the sender's pool's name.
    replacement: Option<Pool>,
    /// The receiver stops reading at some point and waits to be killed.
    stalled: bool,
}

impl QueueRun<'_> {
    fn step(&mut self, act: &QueueAct) -> Result<(), String> {
        match act {
            QueueAct::Send | QueueAct::Recv { .. } => self.start(act),
            QueueAct::SenderExits { .. }
            | QueueAct::ReceiverExits { .. }
            | QueueAct::Kill { .. }
            | QueueAct::CloseStream
            | QueueAct::LetGo => self.end(act),
            QueueAct::Forward { upto } => self.relay.forward(*upto),
            QueueAct::Inject { line } => {
                let line = faults::injected(&mut self.relay, &self.plan, line)?;
                self.relay.write(&line)
            }
            QueueAct::ReusePoolName => {
                self.replacement = Some(faults::reuse_pool_name(&mut self.relay, &self.plan)?);
                Ok(())
            }
            QueueAct::Lines { upto } => {
                self.relay.wait_printed(*upto)?;
                checks::lines(&self.relay.printed, &self.plan, *upto)
            }
            QueueAct::Clean
            | QueueAct::Exist { .. }
            | QueueAct::Leases { .. }
            | QueueAct::UnlinkRest => self.segments(act),
        }
    }

    /// `send` and `recv`: starts an end (the sender's stream is read as far
    /// as it goes).
    fn start(&mut self, act: &QueueAct) -> Result<(), String> {
        let r = &mut self.relay;
        match act {
            QueueAct::Send => {
                let sender =
                    ends::start_sender(&self.ends.sender, &self.plan, r.pool, self.launcher)?;
                // Kept at once, so that a failure from here on still ends it.
                r.sender = Some(sender);
                r.read_stream(self.plan.count)
            }
            QueueAct::Recv {
                hold,
                take,
                stall_after,
            } => {
                let how = RecvHow {
                    hold: *hold,
                    take: *take,
                    stall_after: *stall_after,
                };
                let receiver = ends::start_receiver(&self.ends.receiver, how, self.launcher)?;
                r.receiver = Some(receiver);
                self.stalled = stall_after.is_some();
                Ok(())
            }
            _ => Err(format!("{} starts no end", act.name())),
        }
    }

    /// The steps that end an end or its stream, and check how it ended.
    fn end(&mut self, act: &QueueAct) -> Result<(), String> {
        let r = &mut self.relay;
        match act {
            QueueAct::SenderExits { expect_exit } => {
                let expected = expect_exit.clone().unwrap_or(ExpectedExit::Code(0));
                let sender = r.sender.as_mut().ok_or("no sender")?;
                sender.close_stdin();
                match sender.wait(r.deadline) {
                    Some(exit) if exit.matches(&expected) => Ok(()),
                    Some(exit) => Err(format!(
                        "the sender ended with {exit}, expected {expected}: {}",
                        sender.stderr().trim()
                    )),
                    None => Err("the sender did not exit".into()),
                }
            }
            QueueAct::ReceiverExits { expect_exit } => {
                let expected = expect_exit.clone().unwrap_or(ExpectedExit::Code(0));
                let receiver = r.receiver.as_mut().ok_or("no receiver")?;
                let exit = receiver
                    .wait(r.deadline)
                    .ok_or("the receiver did not exit")?;
                let stderr = receiver.stderr();
                r.drain()?;
                checks::lines(&r.printed, &self.plan, r.printed.len() as u64)?;
                if exit.matches(&expected) {
                    Ok(())
                } else {
                    Err(format!(
                        "the receiver ended with {exit}, expected {expected}: {}",
                        stderr.trim()
                    ))
                }
            }
            QueueAct::Kill { target } => {
                let end = match target {
                    End::Sender => r.sender.as_mut(),
                    End::Receiver => r.receiver.as_mut(),
                };
                end.ok_or(format!("no {target:?} to kill"))?.kill();
                Ok(())
            }
            QueueAct::CloseStream => {
                r.receiver.as_mut().ok_or("no receiver")?.close_stdin();
                Ok(())
            }
            QueueAct::LetGo => {
                if let Some(mut sender) = r.sender.take() {
                    sender.close_stdin();
                    sender.wait(r.deadline);
                }
                if let Some(receiver) = r.receiver.as_mut() {
                    receiver.close_stdin();
                }
                Ok(())
            }
            _ => Err(format!("{} ends nothing", act.name())),
        }
    }

    /// The steps about the stream's segments: `clean`, `exist`, `leases`,
    /// `unlink-rest`.
    fn segments(&mut self, act: &QueueAct) -> Result<(), String> {
        let names = &self.relay.names;
        match act {
            QueueAct::Clean => {
                for n in names {
                    lease::reclaim(Some(n), false).map_err(|e| format!("clean: {e}"))?;
                }
                Ok(())
            }
            QueueAct::Exist { expect } => checks::exist(names, *expect),
            QueueAct::Leases { expect } => checks::leases(names, *expect),
            QueueAct::UnlinkRest => {
                for n in names {
                    let _ = lease::unlink(n);
                }
                Ok(())
            }
            _ => Err(format!("{} is not about segments", act.name())),
        }
    }

    /// Ends both sides; removes (and returns) what the stream left behind.
    fn teardown(&mut self) -> Vec<String> {
        let r = &mut self.relay;
        let grace = Instant::now() + GRACE;
        if self.stalled {
            if let Some(receiver) = r.receiver.as_mut() {
                receiver.kill();
            }
        }
        for end in [r.sender.as_mut(), r.receiver.as_mut()]
            .into_iter()
            .flatten()
        {
            end.close_stdin();
            if end.wait(grace).is_none() {
                end.kill();
            }
        }
        r.sender = None;
        r.receiver = None;
        self.replacement = None;
        checks::left_behind(&r.names, r.stream_id.as_deref())
    }
}
