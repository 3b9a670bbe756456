//! One case run: actors, steps, expectations, teardown and the leak check.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::Value;
use shm_core::{DType, Descriptor, Scalar};
use shm_protocol::create::Layout;
use shm_protocol::form::name_in;

use super::driver::PeerActor;
use super::resolve::{Context, resolve};
use super::{Processes, Settings};
use crate::actor::{Reply, Request, Worker};
use crate::catalogue::{Case, ExpectedExit, Mode, Step, StepOp};
use crate::peer::{PeerSpec, Side, not_applicable};
use crate::process::{ChildProc, Exit, NoReply};
use crate::record::{Arrangement, NotRun, Record, outcome_of};

/// How long children get to exit after a run before they are killed.
const GRACE: Duration = Duration::from_secs(5);

/// Who plays which role: Rust everywhere, or a peer on one side.
#[derive(Debug, Clone)]
pub enum Cast {
    /// The runner and its own children.
    Rust,
    /// A peer on one side, Rust (spawned children) on the other.
    Peer(PeerSpec, Side),
}

/// Runs `case` in `mode` with `cast` and records how it went.
pub fn run_case(
    case: &Case,
    mode: Mode,
    cast: &Cast,
    settings: &Settings,
    procs: &mut Processes,
) -> Record {
    let started = Instant::now();
    let skip = match cast {
        _ if case.not_here.is_some() => case.not_here.clone().map(|r| (NotRun::NotHere, r)),
        Cast::Rust => None,
        Cast::Peer(peer, side) => not_applicable(case, peer, *side),
    };
    let (outcome, not_run, message) =
        outcome_of(skip, || run_all(case, mode, cast, settings.timeout, procs));
    Record {
        case: case.id.clone(),
        mode,
        arrangement: match cast {
            Cast::Rust => Arrangement::Rust,
            Cast::Peer(peer, side) => Arrangement::Peer {
                peer: peer.name.clone(),
                side: *side,
            },
        },
        outcome,
        not_run,
        message,
        duration: started.elapsed(),
    }
}

/// Runs every round and shape of `case`; each pass over the steps has
/// `timeout` to finish.
fn run_all(
    case: &Case,
    mode: Mode,
    cast: &Cast,
    timeout: Duration,
    procs: &mut Processes,
) -> Result<(), String> {
    for round in 0..case.repeat {
        for shape in &case.shapes {
            let deadline = Instant::now() + timeout;
            let mut run = Run::new(mode, cast, shape.clone(), case.dtype, deadline, procs);
            let result = run.steps(case);
            let (ended, leaks) = run.teardown();
            let at = if case.shapes.len() > 1 || case.repeat > 1 {
                format!("shape {shape:?}, round {}: ", round + 1)
            } else {
                String::new()
            };
            result.and(ended).map_err(|e| format!("{at}{e}"))?;
            if !leaks.is_empty() {
                return Err(format!("{at}segments left behind: {}", leaks.join(", ")));
            }
        }
    }
    Ok(())
}

/// One actor of a case run.
enum Actor {
    /// The runner itself.
    Local(Worker),
    /// A forked or spawned child of the runner.
    Child(ChildProc),
    /// A peer.
    Peer(Box<PeerActor>),
}

/// The state of one pass over a case's steps.
struct Run<'a> {
    mode: Mode,
    cast: &'a Cast,
    procs: &'a mut Processes,
    shape: Vec<usize>,
    dtype: DType,
    deadline: Instant,
    actors: BTreeMap<String, Actor>,
    /// The descriptor of the array created last, by whoever created it.
    descriptor: Option<Descriptor>,
    /// The creator's descriptor as it printed it (its own form, with any
    /// `layout`), which attachers are sent when the step asks for no form.
    printed: Option<Value>,
    /// Every segment name created during the run.
    names: BTreeSet<String>,
}

impl<'a> Run<'a> {
    fn new(
        mode: Mode,
        cast: &'a Cast,
        shape: Vec<usize>,
        dtype: DType,
        deadline: Instant,
        procs: &'a mut Processes,
    ) -> Run<'a> {
        Run {
            mode,
            cast,
            procs,
            shape,
            dtype,
            deadline,
            actors: BTreeMap::new(),
            printed: None,
            descriptor: None,
            names: BTreeSet::new(),
        }
    }

    fn steps(&mut self, case: &Case) -> Result<(), String> {
        for (n, step) in case.steps.iter().enumerate() {
            let names = step.on.names();
            let label = format!(
                "step {} ({} on {})",
                n + 1,
                step.op.name(),
                names.join(", ")
            );
            self.step(step, &names)
                .map_err(|e| format!("{label}: {e}"))?;
        }
        Ok(())
    }

    fn step(&mut self, step: &Step, actors: &[&str]) -> Result<(), String> {
        if let StepOp::Kill {
            target,
            max_delay_ms,
        } = &step.op
        {
            return self.kill(target, *max_delay_ms, step.expect_exit.as_ref());
        }
        let ops: Vec<Request> = {
            let ctx = self.context();
            (0..actors.len())
                .map(|k| resolve(&step.op, &ctx, k))
                .collect::<Result<_, _>>()?
        };
        for who in actors {
            self.actor(who)?;
        }
        // Every name a step asks about must be gone at the end unless the
        // run made it: an attacher that creates what it attaches, or a
        // failed operation that leaves a segment, is caught there.
        for op in &ops {
            self.names.extend(named(op));
        }
        // Ending a child is watched by its exit status, not a reply.
        if matches!(step.op, StepOp::Exit | StepOp::KillSelf) {
            let default = if matches!(step.op, StepOp::Exit) {
                ExpectedExit::Code(0)
            } else {
                ExpectedExit::Killed
            };
            let expected = step.expect_exit.clone().unwrap_or(default);
            for (who, op) in actors.iter().zip(&ops) {
                self.end(who, op, &expected)?;
            }
            return Ok(());
        }
        // Send to every child first, so parallel children really overlap.
        let deadline = self.deadline;
        for (who, op) in actors.iter().zip(&ops) {
            if let Some(Actor::Child(child)) = self.actors.get_mut(*who) {
                child.send(op, deadline).map_err(|e| lost(who, e))?;
            }
        }
        if !step.wait {
            return Ok(());
        }
        for (who, op) in actors.iter().zip(&ops) {
            let reply = match self.actors.get_mut(*who).expect("started above") {
                Actor::Local(worker) => worker.perform(op),
                Actor::Child(child) => child.receive(deadline).map_err(|e| lost(who, e))?,
                Actor::Peer(peer) => peer.perform(op, deadline, self.procs)?,
            };
            self.check(who, op, step, reply)?;
        }
        Ok(())
    }

    /// The actor `who`, started on first use: the runner itself for
    /// `parent`, a forked or spawned child otherwise, or the foreign peer
    /// where the cast puts it.
    fn actor(&mut self, who: &str) -> Result<&mut Actor, String> {
        if !self.actors.contains_key(who) {
            let actor = match self.cast {
                Cast::Peer(peer, side) if side.plays(who) => {
                    Actor::Peer(Box::new(PeerActor::new(peer.clone())))
                }
                _ if who == "parent" => Actor::Local(Worker::default()),
                _ => Actor::Child(
                    match self.mode {
                        #[cfg(unix)]
                        Mode::Fork => ChildProc::fork(),
                        #[cfg(not(unix))]
                        Mode::Fork => return Err("fork mode needs Unix".into()),
                        Mode::Spawn => ChildProc::spawn_child(),
                    }
                    .map_err(|e| format!("cannot start child '{who}': {e}"))?,
                ),
            };
            self.actors.insert(who.to_owned(), actor);
        }
        Ok(self.actors.get_mut(who).expect("inserted"))
    }

    /// What this run's steps are resolved against.
    fn context(&self) -> Context<'_> {
        Context {
            shape: &self.shape,
            dtype: self.dtype,
            descriptor: self.descriptor.as_ref(),
            printed: self.printed.as_ref(),
            layout: match self.cast {
                Cast::Peer(peer, Side::Attaches) => peer.layout,
                _ => Layout::Bare,
            },
        }
    }

    fn check(&mut self, who: &str, op: &Request, step: &Step, reply: Reply) -> Result<(), String> {
        match reply {
            Reply::Ok(text) => {
                if let Request::Create { .. } = op {
                    self.printed = serde_json::from_str(&text).ok();
                    let d = Descriptor::from_json(&text).map_err(|e| {
                        format!("{who} created an array with a bad descriptor: {e}")
                    })?;
                    self.names.extend(d.name().map(str::to_owned));
                    self.descriptor = Some(d);
                }
                if let Some(kind) = &step.expect_error {
                    return Err(format!(
                        "{who}: expected error {kind}, got success ({text})"
                    ));
                }
                if let Some(want) = &step.expect {
                    if !self.value_matches(want, &text) {
                        return Err(format!("{who}: expected {want}, got {text}"));
                    }
                }
                if let Some(want) = &step.expect_text {
                    if *want != text {
                        return Err(format!("{who}: expected the text {want:?}, got {text:?}"));
                    }
                }
                Ok(())
            }
            Reply::Error { kind, message } => {
                if step.expect_error.is_some_and(|want| kind.satisfies(want)) {
                    Ok(())
                } else if let Some(want) = &step.expect_error {
                    Err(format!(
                        "{who}: expected error {want}, got {kind}: {message}"
                    ))
                } else {
                    Err(format!("{who}: {kind}: {message}"))
                }
            }
        }
    }

    fn value_matches(&self, want: &str, got: &str) -> bool {
        if want == "$descriptor" {
            // The same descriptor, in the canonical form; a peer may add a
            // `layout` key (SharedArray's) and nothing else.
            let Some(mine) = &self.descriptor else {
                return false;
            };
            let Ok(Value::Object(mut theirs)) = serde_json::from_str::<Value>(got) else {
                return false;
            };
            theirs.remove(shm_core::foreign::sharedarray::LAYOUT_KEY);
            return Value::Object(theirs) == mine.to_value();
        }
        if want == got {
            return true;
        }
        let any = DType::parse("complex128").expect("a modelled dtype");
        match (Scalar::parse(any, want), Scalar::parse(any, got)) {
            (Ok(a), Ok(b)) => a.same_value(&b),
            _ => false,
        }
    }

    /// Ends an actor with `exit` or `kill-self`; a child's exit status must
    /// match `expected`.
    fn end(&mut self, who: &str, op: &Request, expected: &ExpectedExit) -> Result<(), String> {
        let deadline = self.deadline;
        match self.actors.remove(who) {
            Some(Actor::Child(mut child)) => {
                child.send(op, deadline).map_err(|e| lost(who, e))?;
                match child.wait(deadline) {
                    Some(exit) if exit.matches(expected) => Ok(()),
                    Some(exit) => Err(format!(
                        "child '{who}' ended with {exit}, expected {expected}"
                    )),
                    None => Err(format!("child '{who}' did not end before the deadline")),
                }
            }
            Some(Actor::Peer(mut peer)) => {
                // The actor's own end: its processes go (a creator releases).
                peer.finish(deadline, None)
            }
            Some(Actor::Local(_)) if matches!(op, Request::Exit) => Ok(()),
            _ => Err(format!("'{who}' cannot end itself that way")),
        }
    }

    /// Kills a child after a random delay of up to `max_delay_ms`.
    fn kill(
        &mut self,
        target: &str,
        max_delay_ms: u64,
        expected: Option<&ExpectedExit>,
    ) -> Result<(), String> {
        let Some(Actor::Child(mut child)) = self.actors.remove(target) else {
            return Err(format!("no child '{target}' to kill"));
        };
        if max_delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(random_below(max_delay_ms + 1)));
        }
        child.kill();
        let exit = child.wait(Instant::now()).unwrap_or(Exit::Code(-1));
        let expected = expected.cloned().unwrap_or(ExpectedExit::Killed);
        // A child that finished its work before the kill exits 0: also fine
        // unless the case insists on a kill.
        if exit.matches(&expected) || (expected == ExpectedExit::Killed && exit == Exit::Code(0)) {
            Ok(())
        } else {
            Err(format!(
                "child '{target}' ended with {exit}, expected {expected}"
            ))
        }
    }

    /// Ends every child, drops the parent's array, and returns how the
    /// peers' processes ended (a creator that did not release as section
    /// 5.2 says is an error) and the names of segments that are still
    /// there (after removing them).
    fn teardown(&mut self) -> (Result<(), String>, Vec<String>) {
        let grace = Instant::now() + GRACE;
        let mut ended = Ok(());
        for actor in self.actors.values_mut() {
            match actor {
                Actor::Child(child) => {
                    if child.send(&Request::Exit, grace).is_ok() && child.wait(grace).is_none() {
                        child.kill();
                    }
                }
                Actor::Peer(peer) => {
                    let released = peer.finish(grace, Some(&mut self.procs.servers));
                    ended = ended.and(released);
                }
                Actor::Local(_) => {}
            }
        }
        self.actors.clear();
        let mut leaks = Vec::new();
        for name in &self.names {
            if shm_core::Segment::exists(name) {
                let _ = shm_core::lease::unlink(name);
                leaks.push(name.clone());
            }
        }
        (ended, leaks)
    }
}

/// The segment name a request names: a probe's, or the one in the
/// descriptor an attach sends (in the canonical, short or Wetlands form).
fn named(op: &Request) -> Option<String> {
    match op {
        Request::Probe { name } => Some(name.clone()),
        Request::Attach { descriptor } => name_in(descriptor).map(str::to_owned),
        _ => None,
    }
}

fn lost(who: &str, e: NoReply) -> String {
    match e {
        NoReply::TimedOut => format!("timed out waiting for child '{who}' (it was killed)"),
        other => format!("child '{who}' {other}"),
    }
}

/// A random number below `n`, from the standard library's per-process
/// random hash keys (no dependency for one number).
fn random_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish() % n.max(1)
}
