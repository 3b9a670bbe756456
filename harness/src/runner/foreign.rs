//! Foreign peers: other implementations driven through the reference peer's
//! command line (`PEER create ...`, `PEER peer --descriptor D OP`).
//!
//! A foreign peer takes a case's creator role (its `create` is a held
//! process that prints the descriptor and unlinks when its stdin closes) or
//! its attacher roles (every operation is one `peer` process that attaches,
//! acts and exits, which is exactly the process that must not unlink what it
//! attached). Checks that a peer's command line has no word for (`probe`,
//! `check-parts`, `view`, `mode`) are made by the runner attaching in
//! Rust, so they still check what the peer did.
//!
//! A peer that offers `serve` answers its `peer` commands in one process;
//! since each served command attaches, acts and closes as a separate
//! process would (PEER-PROTOCOL), that process is kept for the next case
//! run of the same peer ([`end_servers`] ends them all), so a run starts
//! each peer's interpreter about once instead of once per case. A case in
//! which the actor itself exits (`exit`, `kill-self`) ends its server, so
//! what happens when the process goes stays part of that case.

use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value;

use super::process::{ChildProc, Exit, Lost};
use crate::cases::{Case, Form, Step, StepOp};
use crate::exit::{HarnessKind, Kind};
use crate::request::{Reply, Request};
use crate::worker::Worker;

/// How to run one foreign peer.
#[derive(Debug, Clone)]
pub(crate) struct PeerSpec {
    /// The name `--peer` takes.
    pub(crate) name: String,
    /// The command line prefix: program and leading arguments.
    pub(crate) argv: Vec<String>,
    /// The descriptor form it reads (`canonical` or `wetlands`).
    pub(crate) form: &'static str,
    /// dtypes (numpy names) it cannot hold, with the reason.
    pub(crate) unsupported: Vec<(String, String)>,
    /// Whether it supports the other byte order.
    pub(crate) swapped: bool,
    /// Whether it can create arrays of shape with a zero-length dimension.
    pub(crate) empty: bool,
    /// Whether it offers `serve` (many `peer` commands in one process), so
    /// an actor's operations need not each start an interpreter.
    pub(crate) serve: bool,
    /// The segment layout it needs from a Rust creator (`sharedarray`).
    pub(crate) layout: Option<&'static str>,
    /// A side the peer cannot take on this OS, with the reason.
    pub(crate) side_unsupported: Option<(Side, String)>,
    /// Whether its `create` takes `--name`.
    pub(crate) named_create: bool,
    /// Cases where the peer knowingly differs: (case, side, reason). They
    /// are reported as skipped with the reason, so the difference is seen.
    pub(crate) deviations: Vec<(String, Side, String)>,
}

/// Which side the foreign peer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The peer creates (the parent role); Rust children attach.
    Creates,
    /// Rust creates; the peer attaches (every child role).
    Attaches,
}

impl Side {
    /// `python creates, rust attaches` and the like.
    pub(crate) fn label(self, peer: &str) -> String {
        match self {
            Side::Creates => format!("{peer} creates, rust attaches"),
            Side::Attaches => format!("rust creates, {peer} attaches"),
        }
    }
}

/// Whether `op` is one of the peer command line's words.
fn peer_word(op: &StepOp) -> bool {
    matches!(
        op,
        StepOp::Attach { .. }
            | StepOp::Get { .. }
            | StepOp::Set { .. }
            | StepOp::Sum
            | StepOp::Fill { .. }
            | StepOp::Emit
            | StepOp::Pattern { .. }
            | StepOp::CheckPattern { .. }
            | StepOp::Exit
            | StepOp::Close
    )
}

/// Checks the runner makes itself on a foreign actor's behalf.
fn verifier_step(op: &StepOp) -> bool {
    matches!(
        op,
        StepOp::Probe { .. } | StepOp::CheckParts { .. } | StepOp::View { .. } | StepOp::Mode
    )
}

/// The same, for a resolved request.
fn verifier_request(op: &Request) -> bool {
    matches!(
        op,
        Request::Probe { .. } | Request::CheckParts { .. } | Request::View { .. } | Request::Mode
    )
}

/// Why `case` cannot run with `peer` on `side`, if it cannot.
pub(crate) fn not_applicable(case: &Case, peer: &PeerSpec, side: Side) -> Option<String> {
    if let Some((s, why)) = &peer.side_unsupported {
        if *s == side {
            return Some(why.clone());
        }
    }
    if let Some((_, _, why)) = peer
        .deviations
        .iter()
        .find(|(c, s, _)| *c == case.name && *s == side)
    {
        return Some(why.clone());
    }
    if let Some((_, why)) = peer.unsupported.iter().find(|(d, _)| *d == case.dtype) {
        return Some(format!("{} cannot hold {}: {why}", peer.name, case.dtype));
    }
    if case.swapped && !peer.swapped {
        return Some(format!("{} has no other byte order", peer.name));
    }
    if !peer.empty && case.shapes.iter().any(|s| s.contains(&0)) {
        return Some(format!("{} cannot make empty arrays", peer.name));
    }
    if case.group.is_some() {
        return Some("grouped cases run with Rust only".into());
    }
    if let Some(why) = &case.rust_only {
        return Some(why.clone());
    }
    for step in &case.steps {
        // The runner kills children itself; it cannot kill a one-shot peer.
        if let StepOp::Kill { target, .. } = &step.op {
            if is_foreign(target, side) {
                return Some("kills a peer process".into());
            }
            continue;
        }
        let foreign = step.on.names().iter().any(|who| is_foreign(who, side));
        if !foreign {
            continue;
        }
        if let Some(why) = step_not_applicable(step, side, peer) {
            return Some(why);
        }
    }
    None
}

fn step_not_applicable(step: &Step, side: Side, peer: &PeerSpec) -> Option<String> {
    let name = step.op.name();
    let creates = matches!(step.op, StepOp::Create { .. });
    if creates && side == Side::Attaches {
        return Some(format!("a child creates ({name})"));
    }
    if verifier_step(&step.op) {
        // Made by the runner in Rust: any expectation holds as written.
        return None;
    }
    // Errors are held to the contract: the peer's exit code must be the one
    // the expected kind maps to (see `Kind::satisfies`). How a peer process
    // ends is the runner's doing (it closes stdin), so only a clean end can
    // be expected of it.
    if step.expect_exit.as_deref().is_some_and(|e| e != "0") {
        return Some(format!("expects the peer to end another way ({name})"));
    }
    if creates {
        return match &step.op {
            StepOp::Create { name: Some(_), .. } if !peer.named_create => {
                Some(format!("{}'s create takes no --name", peer.name))
            }
            _ => None,
        };
    }
    if !peer_word(&step.op) {
        return Some(format!("the peer command line has no {name}"));
    }
    if let StepOp::Attach { form, overrides } = &step.op {
        // Every peer reads the canonical and the short form; a lying
        // descriptor (override) can be sent as is only in those forms.
        let plain = form.is_none_or(|f| matches!(f, Form::Canonical | Form::Short));
        if !plain || (overrides.is_some() && peer.form != "canonical") {
            return Some("attaches with another descriptor form".into());
        }
    }
    None
}

/// Whether the actor `who` is the foreign peer on `side`.
pub(crate) fn is_foreign(who: &str, side: Side) -> bool {
    match side {
        Side::Creates => who == "parent",
        Side::Attaches => who != "parent",
    }
}

/// `serve` processes waiting for their next case run, by peer command line.
static SERVERS: Mutex<Vec<(Vec<String>, ChildProc)>> = Mutex::new(Vec::new());

/// A kept `serve` process of the peer run by `argv`, if one is waiting and
/// still alive.
fn kept_server(argv: &[String]) -> Option<ChildProc> {
    let mut servers = SERVERS.lock().unwrap_or_else(|e| e.into_inner());
    while let Some(i) = servers.iter().position(|(a, _)| a == argv) {
        let (_, mut server) = servers.swap_remove(i);
        if server.wait(Instant::now()).is_none() {
            return Some(server);
        }
    }
    None
}

/// Ends every kept `serve` process (at the end of a run), then the warm
/// Python server, which reports how they ended.
pub(crate) fn end_servers(deadline: Instant) {
    let servers = std::mem::take(&mut *SERVERS.lock().unwrap_or_else(|e| e.into_inner()));
    for (_, mut server) in servers {
        server.close_stdin();
        if server.wait(deadline).is_none() {
            server.kill();
        }
    }
    #[cfg(target_os = "linux")]
    super::warm::end();
}

/// A foreign actor in one case run.
pub(crate) struct Foreign {
    spec: PeerSpec,
    /// The held `create` process, when this actor created the array.
    held: Option<ChildProc>,
    /// The descriptor as this peer reads it.
    descriptor: Option<Value>,
    /// The `serve` process, started on first use when the peer has one.
    server: Option<ChildProc>,
    /// The runner's own attachment, for checks the peer has no word for.
    verifier: Worker,
}

/// One answer of a peer's `serve`.
#[derive(serde::Deserialize)]
struct Served {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Foreign {
    pub(crate) fn new(spec: PeerSpec) -> Foreign {
        Foreign {
            spec,
            held: None,
            descriptor: None,
            server: None,
            verifier: Worker::default(),
        }
    }

    /// Performs `op` as the peer would, by `deadline`.
    pub(crate) fn perform(&mut self, op: &Request, deadline: Instant) -> Result<Reply, String> {
        match op {
            Request::Create {
                shape,
                dtype,
                fill,
                name,
                ..
            } => self.create(shape, dtype, fill.as_deref(), name.as_deref(), deadline),
            Request::Attach { descriptor } => {
                self.descriptor = Some(self.in_my_form(descriptor)?);
                // Attaching is checked by a process that attaches and exits.
                self.one_shot(&["emit".into()], deadline).map(|r| match r {
                    Reply::Ok(_) => Reply::Ok("ok".into()),
                    e => e,
                })
            }
            Request::Exit | Request::Close => Ok(Reply::Ok("ok".into())),
            // A probe by name needs no attachment.
            Request::Probe { .. } => Ok(self.verifier.perform(op)),
            op if verifier_request(op) => {
                let d = self.descriptor.clone().ok_or("no array to check")?;
                if let Reply::Error { kind, message } =
                    self.verifier.perform(&Request::Attach { descriptor: d })
                {
                    return Ok(Reply::Error { kind, message });
                }
                Ok(self.verifier.perform(op))
            }
            op => {
                let shape = self
                    .descriptor
                    .as_ref()
                    .and_then(|d| shm_core::Descriptor::from_value(d).ok())
                    .map(|d| d.shape().to_vec())
                    .unwrap_or_default();
                let words = words(op, &shape)
                    .ok_or_else(|| format!("{} has no word for this", self.spec.name))?;
                self.one_shot(&words, deadline)
            }
        }
    }

    fn create(
        &mut self,
        shape: &[usize],
        dtype: &str,
        fill: Option<&str>,
        name: Option<&str>,
        deadline: Instant,
    ) -> Result<Reply, String> {
        let mut args = vec![
            "create".to_owned(),
            "--shape".to_owned(),
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(","),
            "--dtype".to_owned(),
            dtype.to_owned(),
        ];
        if let Some(f) = fill {
            args.extend(["--fill".to_owned(), f.to_owned()]);
        }
        if let Some(n) = name {
            args.extend(["--name".to_owned(), n.to_owned()]);
        }
        let mut held = ChildProc::spawn_command(self.command(&args)).map_err(|e| e.to_string())?;
        let line = match held.read_line(deadline) {
            Ok(Some(line)) => line,
            Ok(None) => {
                let exit = held.wait(deadline);
                return Ok(peer_error(exit, &held.stderr()));
            }
            Err(e) => return Err(format!("{} create: {e}", self.spec.name)),
        };
        let value: Value = serde_json::from_str(line.trim())
            .map_err(|e| format!("{} create printed {line:?}: {e}", self.spec.name))?;
        shm_core::Descriptor::from_value(&value).map_err(|e| {
            format!(
                "{} create printed a descriptor Rust refuses: {e}",
                self.spec.name
            )
        })?;
        self.descriptor = Some(value);
        self.held = Some(held);
        // Passed on as printed: Rust attachers read the peer's own form.
        Ok(Reply::Ok(line.trim().to_owned()))
    }

    /// The descriptor converted to the form this peer reads.
    fn in_my_form(&self, d: &Value) -> Result<Value, String> {
        if self.spec.form != "wetlands" {
            return Ok(d.clone());
        }
        shm_core::Descriptor::from_value(d)
            .and_then(|d| d.to_wetlands_value())
            .map_err(|e| e.to_string())
    }

    fn command(&self, args: &[String]) -> Command {
        let mut c = Command::new(&self.spec.argv[0]);
        c.args(&self.spec.argv[1..]).args(args);
        c
    }

    /// Runs `PEER peer --descriptor D WORDS` and maps its exit code.
    fn one_shot(&mut self, words: &[String], deadline: Instant) -> Result<Reply, String> {
        let d = self
            .descriptor
            .as_ref()
            .ok_or("no array attached")?
            .to_string();
        let mut args = vec!["peer".to_owned(), "--descriptor".to_owned(), d];
        args.extend(words.iter().cloned());
        if self.spec.serve {
            return self.served(&args, deadline);
        }
        let mut p = ChildProc::spawn_command(self.command(&args)).map_err(|e| e.to_string())?;
        let mut out = String::new();
        loop {
            match p.read_line(deadline) {
                Ok(Some(line)) => out.push_str(&line),
                Ok(None) => break,
                Err(Lost::TimedOut) => {
                    p.kill();
                    return Err(format!("{} {} timed out", self.spec.name, words[0]));
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        match p.wait(deadline) {
            Some(Exit::Code(0)) => Ok(Reply::Ok(match out.trim() {
                "" => "ok".to_owned(),
                text => text.to_owned(),
            })),
            exit => Ok(peer_error(exit, &p.stderr())),
        }
    }

    /// Runs one `peer` command in the peer's `serve` process.
    fn served(&mut self, args: &[String], deadline: Instant) -> Result<Reply, String> {
        let name = self.spec.name.clone();
        if self.server.is_none() {
            self.server = kept_server(&self.spec.argv);
        }
        if self.server.is_none() {
            let mut c = Command::new(&self.spec.argv[0]);
            c.args(&self.spec.argv[1..]).arg("serve");
            self.server = Some(ChildProc::spawn_command(c).map_err(|e| e.to_string())?);
        }
        let server = self.server.as_mut().expect("started above");
        let request = serde_json::to_string(args).expect("words serialise");
        let answer = server
            .send_line(&request, deadline)
            .map_err(|e| format!("{name} serve: {e}"))
            .and_then(|()| match server.read_line(deadline) {
                Ok(Some(line)) => serde_json::from_str::<Served>(&line)
                    .map_err(|e| format!("{name} serve answered {line:?}: {e}")),
                Ok(None) => Err(format!("{name} serve ended: {}", server.stderr().trim())),
                Err(e) => Err(format!("{name} serve: {e}")),
            });
        let served = match answer {
            Ok(served) => served,
            Err(e) => {
                // A server that failed once is never kept for another case.
                server.kill();
                self.server = None;
                return Err(e);
            }
        };
        Ok(match served.code {
            0 => Reply::Ok(match served.stdout.trim() {
                "" => "ok".to_owned(),
                text => text.to_owned(),
            }),
            code => peer_error(Some(Exit::Code(code)), &served.stderr),
        })
    }

    /// Closes the held creator's stdin and waits for it to unlink and exit;
    /// keeps the `serve` process for the next case run (`keep`, when it is
    /// still alive), or ends it.
    pub(crate) fn finish(&mut self, deadline: Instant, keep: bool) {
        if let Some(mut server) = self.server.take() {
            if keep && server.wait(Instant::now()).is_none() {
                let mut servers = SERVERS.lock().unwrap_or_else(|e| e.into_inner());
                servers.push((self.spec.argv.clone(), server));
            } else {
                server.close_stdin();
                if server.wait(deadline).is_none() {
                    server.kill();
                }
            }
        }
        if let Some(mut held) = self.held.take() {
            held.close_stdin();
            if held.wait(deadline).is_none() {
                held.kill();
            }
        }
        self.verifier = Worker::default();
    }
}

/// A peer's failure as a reply, its kind from the exit code (see
/// [`Kind::of_peer_exit`]).
fn peer_error(exit: Option<Exit>, stderr: &str) -> Reply {
    let code = match &exit {
        Some(Exit::Code(c)) => Some(*c),
        _ => None,
    };
    let kind = Kind::of_peer_exit(code).unwrap_or(Kind::Harness(HarnessKind::PeerFailed));
    let how = exit.map_or("did not end".to_owned(), |e| e.to_string());
    Reply::Error {
        kind,
        message: format!("{how}: {}", stderr.trim()),
    }
}

/// The peer command line's words for `op`; negative indices (from the end)
/// are resolved against `shape`, since the command line takes none.
fn words(op: &Request, shape: &[usize]) -> Option<Vec<String>> {
    let index = |i: &[i64]| {
        i.iter()
            .zip(shape.iter().chain(std::iter::repeat(&0)))
            .map(|(&i, &n)| {
                if i < 0 {
                    (n as i64 + i).to_string()
                } else {
                    i.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    Some(match op {
        Request::Get { index: i } => vec!["get".into(), index(i)],
        Request::Set { index: i, value } => vec!["set".into(), index(i), value.clone()],
        Request::Sum => vec!["sum".into()],
        Request::Fill { value } => vec!["fill".into(), value.clone()],
        Request::Emit => vec!["emit".into()],
        Request::Pattern { seed } => vec!["pattern".into(), seed.to_string()],
        Request::CheckPattern { seed } => vec!["check-pattern".into(), seed.to_string()],
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
