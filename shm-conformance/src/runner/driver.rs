//! [`PeerActor`]: a peer playing an actor of a case run, driven through its
//! command line (`PEER create ...`, `PEER peer --descriptor D OP`, or its
//! `serve`).
//!
//! As creator, its `create` is a held process that prints the descriptor
//! and unlinks when its stdin closes. As attacher, every operation is one
//! `peer` process that attaches, acts and exits, which is exactly the
//! process that must not unlink what it attached (or one request of its
//! `serve` process, which must behave the same). Checks its command line
//! has no word for (`probe`, `check-parts`, `view`, `mode`) are made by the
//! runner attaching in Rust.

use std::process::Command;
use std::time::Instant;

use serde_json::Value;
use shm_protocol::exit::{HarnessKind, Kind};
use shm_protocol::form::Form;
use shm_protocol::operation::PeerOp;

use super::Processes;
use super::servers::KeptServers;
use crate::actor::{Reply, Request, Worker};
use crate::peer::PeerSpec;
use crate::process::{ChildProc, Exit, NoReply};

/// The descriptor as the peer was given it or printed it.
struct Held {
    /// The JSON sent as `--descriptor`, in the peer's form.
    text: String,
    /// The array's shape, where the descriptor says one (a lying
    /// descriptor may not).
    shape: Option<Vec<usize>>,
    /// The same descriptor, for the runner's own checks.
    value: Value,
}

impl Held {
    fn new(value: Value) -> Held {
        let shape = shm_core::Descriptor::from_value(&value)
            .ok()
            .map(|d| d.shape().to_vec());
        Held {
            text: value.to_string(),
            shape,
            value,
        }
    }
}

/// A peer's actor in one case run.
pub struct PeerActor {
    spec: PeerSpec,
    /// The held `create` process, when this actor created the array.
    creator: Option<ChildProc>,
    /// The descriptor as this peer reads it.
    descriptor: Option<Held>,
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

impl PeerActor {
    /// An actor of the peer `spec`; nothing starts until it is asked.
    pub fn new(spec: PeerSpec) -> PeerActor {
        PeerActor {
            spec,
            creator: None,
            descriptor: None,
            server: None,
            verifier: Worker::default(),
        }
    }

    /// Performs `op` as the peer would, by `deadline`.
    pub fn perform(
        &mut self,
        op: &Request,
        deadline: Instant,
        procs: &mut Processes,
    ) -> Result<Reply, String> {
        if let Some(peer_op) = op.peer_op() {
            let shape = self
                .descriptor
                .as_ref()
                .and_then(|d| d.shape.clone())
                .unwrap_or_default();
            return self.one_shot(&peer_op.to_words(&shape), deadline, procs);
        }
        match op {
            Request::Create {
                shape,
                dtype,
                fill,
                name,
                ..
            } => {
                let mut args = vec![
                    "create".to_owned(),
                    "--shape".to_owned(),
                    shape
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    "--dtype".to_owned(),
                    dtype.to_string(),
                ];
                if let Some(f) = fill {
                    args.extend(["--fill".to_owned(), f.clone()]);
                }
                if let Some(n) = name {
                    args.extend(["--name".to_owned(), n.clone()]);
                }
                self.create(&args, deadline, procs)
            }
            Request::Attach { descriptor } => {
                self.descriptor = Some(Held::new(self.in_my_form(descriptor)?));
                // Attaching is checked by a process that attaches and exits.
                let emit = PeerOp::Emit.to_words(&[]);
                self.one_shot(&emit, deadline, procs).map(|r| match r {
                    Reply::Ok(_) => Reply::Ok("ok".into()),
                    e => e,
                })
            }
            Request::Exit => Ok(Reply::Ok("ok".into())),
            // A creator's close is its release: it unlinks and exits 0.
            Request::Close => match self.creator.take() {
                Some(creator) => Ok(match self.release(creator, deadline) {
                    Ok(()) => Reply::Ok("ok".into()),
                    Err(message) => Reply::Error {
                        kind: Kind::Harness(HarnessKind::PeerFailed),
                        message,
                    },
                }),
                None => Ok(Reply::Ok("ok".into())),
            },
            Request::Unlink { name } if self.spec.unlink => {
                let args = ["unlink".to_owned(), name.clone()];
                self.run_to_end(&args, "unlink", deadline, procs)
            }
            // A probe by name needs no attachment.
            Request::Probe { .. } => Ok(self.verifier.perform(op)),
            Request::CheckParts { .. } | Request::View { .. } | Request::Mode => {
                let value = self
                    .descriptor
                    .as_ref()
                    .ok_or("no array to check")?
                    .value
                    .clone();
                if let Reply::Error { kind, message } = self
                    .verifier
                    .perform(&Request::Attach { descriptor: value })
                {
                    return Ok(Reply::Error { kind, message });
                }
                Ok(self.verifier.perform(op))
            }
            _ => Err(format!("{} has no word for this", self.spec.name)),
        }
    }

    /// Runs the held `create` with `args` and reads the line it prints.
    fn create(
        &mut self,
        args: &[String],
        deadline: Instant,
        procs: &mut Processes,
    ) -> Result<Reply, String> {
        // A second array of the same actor replaces the first, which its
        // creator then releases, as a Rust actor drops it.
        if let Some(old) = self.creator.take() {
            self.release(old, deadline)?;
        }
        let mut creator = procs
            .launcher
            .spawn(self.command(args))
            .map_err(|e| e.to_string())?;
        let line = match creator.read_line(deadline) {
            Ok(Some(line)) => line,
            Ok(None) => {
                let exit = creator.wait(deadline);
                return Ok(match answer(exit, "", &creator.stderr()) {
                    Reply::Ok(_) => Reply::Error {
                        kind: Kind::Harness(HarnessKind::PeerFailed),
                        message: "create ended without printing its descriptor".into(),
                    },
                    failure => failure,
                });
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
        self.descriptor = Some(Held::new(value));
        self.creator = Some(creator);
        // Passed on as printed: Rust attachers read the peer's own form.
        Ok(Reply::Ok(line.trim().to_owned()))
    }

    /// The descriptor in a form this peer reads: as it is when the peer
    /// reads its form, else written in the peer's own.
    fn in_my_form(&self, d: &Value) -> Result<Value, String> {
        let form = if d.get(shm_core::descriptor::WETLANDS_MARKER).is_some() {
            Form::Wetlands
        } else {
            Form::Canonical
        };
        if self.spec.reads(form) {
            return Ok(d.clone());
        }
        let theirs = if form == Form::Wetlands {
            Form::Canonical
        } else {
            Form::Wetlands
        };
        shm_core::Descriptor::from_value(d)
            .and_then(|d| theirs.write(&d))
            .map_err(|e| e.to_string())
    }

    fn command(&self, args: &[String]) -> Command {
        let mut c = Command::new(&self.spec.argv[0]);
        c.args(&self.spec.argv[1..]).args(args);
        c
    }

    /// Runs `PEER peer --descriptor D WORDS` and maps its exit code.
    fn one_shot(
        &mut self,
        words: &[String],
        deadline: Instant,
        procs: &mut Processes,
    ) -> Result<Reply, String> {
        let d = &self.descriptor.as_ref().ok_or("no array attached")?.text;
        let mut args = vec!["peer".to_owned(), "--descriptor".to_owned(), d.clone()];
        args.extend(words.iter().cloned());
        if self.spec.serve {
            return self.served(&args, deadline, procs);
        }
        self.run_to_end(&args, &words[0], deadline, procs)
    }

    /// Runs `PEER ARGS` as a process of its own to its end, and answers
    /// with what it printed or how it failed (`what` names it in errors).
    fn run_to_end(
        &mut self,
        args: &[String],
        what: &str,
        deadline: Instant,
        procs: &mut Processes,
    ) -> Result<Reply, String> {
        let mut p = procs
            .launcher
            .spawn(self.command(args))
            .map_err(|e| e.to_string())?;
        let mut out = String::new();
        loop {
            match p.read_line(deadline) {
                Ok(Some(line)) => out.push_str(&line),
                Ok(None) => break,
                Err(NoReply::TimedOut) => {
                    p.kill();
                    return Err(format!("{} {what} timed out", self.spec.name));
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        let exit = p.wait(deadline);
        Ok(answer(exit, &out, &p.stderr()))
    }

    /// Runs one `peer` command in the peer's `serve` process.
    fn served(
        &mut self,
        args: &[String],
        deadline: Instant,
        procs: &mut Processes,
    ) -> Result<Reply, String> {
        let name = self.spec.name.clone();
        if self.server.is_none() {
            self.server = procs.servers.take(&self.spec.argv);
        }
        if self.server.is_none() {
            let mut c = Command::new(&self.spec.argv[0]);
            c.args(&self.spec.argv[1..]).arg("serve");
            self.server = Some(procs.launcher.spawn(c).map_err(|e| e.to_string())?);
        }
        let server = self.server.as_mut().expect("started above");
        let request = serde_json::to_string(args).expect("words serialise");
        let served = server
            .send_line(&request, deadline)
            .map_err(|e| format!("{name} serve: {e}"))
            .and_then(|()| match server.read_line(deadline) {
                Ok(Some(line)) => serde_json::from_str::<Served>(&line)
                    .map_err(|e| format!("{name} serve answered {line:?}: {e}")),
                Ok(None) => Err(format!("{name} serve ended: {}", server.stderr().trim())),
                Err(e) => Err(format!("{name} serve: {e}")),
            });
        let served = match served {
            Ok(served) => served,
            Err(e) => {
                // A server that failed once is never kept for another case.
                server.kill();
                self.server = None;
                return Err(e);
            }
        };
        Ok(answer(
            Some(Exit::Code(served.code)),
            &served.stdout,
            &served.stderr,
        ))
    }

    /// Closes the held creator's stdin and waits for it to unlink and exit
    /// 0 with nothing on stderr (section 5.2; `Err` says how it did not);
    /// keeps the `serve` process in `keep` for the next case run (when
    /// given and it is still alive), or ends it.
    pub fn finish(
        &mut self,
        deadline: Instant,
        keep: Option<&mut KeptServers>,
    ) -> Result<(), String> {
        if let Some(mut server) = self.server.take() {
            if let Some(kept) = keep.filter(|_| server.alive()) {
                kept.keep(&self.spec.argv, server);
            } else {
                server.close_stdin();
                if server.wait(deadline).is_none() {
                    server.kill();
                }
            }
        }
        self.verifier = Worker::default();
        match self.creator.take() {
            Some(creator) => self.release(creator, deadline),
            None => Ok(()),
        }
    }

    /// Releases a held creator: its stdin closed, it must unlink and exit 0
    /// with nothing on stderr (section 5.2).
    fn release(&self, mut creator: ChildProc, deadline: Instant) -> Result<(), String> {
        creator.close_stdin();
        let name = &self.spec.name;
        match creator.wait(deadline) {
            None => {
                creator.kill();
                Err(format!(
                    "{name}'s creator did not end when its stdin closed"
                ))
            }
            Some(Exit::Code(0)) => match creator.stderr() {
                err if err.is_empty() => Ok(()),
                err => Err(format!("{name}'s creator wrote on stderr: {}", err.trim())),
            },
            Some(exit) => Err(format!(
                "{name}'s creator ended with {exit} when its stdin closed: {}",
                creator.stderr().trim()
            )),
        }
    }
}

/// What a successful command printed, as a reply's value (`ok` for
/// nothing).
fn printed(stdout: &str) -> String {
    match stdout.trim() {
        "" => "ok".to_owned(),
        text => text.to_owned(),
    }
}

/// What a command answered, held to section 9: a success prints nothing
/// on stderr; a failure exits 1, 2 or 3 with exactly one `error: ` line on
/// stderr and nothing on stdout, and its kind is its exit code's (see
/// [`Kind::of_peer_exit`]). Anything else (a crash, an interpreter that
/// could not start the script, a second line) is the peer failing, not an
/// error kind of the protocol.
fn answer(exit: Option<Exit>, stdout: &str, stderr: &str) -> Reply {
    let failed = |message: String| Reply::Error {
        kind: Kind::Harness(HarnessKind::PeerFailed),
        message,
    };
    let code = match &exit {
        Some(Exit::Code(c)) => Some(*c),
        _ => None,
    };
    let how = exit.map_or("did not end".to_owned(), |e| e.to_string());
    match (code, Kind::of_peer_exit(code)) {
        (Some(0), _) if stderr.is_empty() => Reply::Ok(printed(stdout)),
        (Some(0), _) => failed(format!("succeeded but wrote on stderr: {}", stderr.trim())),
        (Some(1..=3), Some(kind)) if one_error_line(stderr) && stdout.is_empty() => Reply::Error {
            kind,
            message: format!("{how}: {}", stderr.trim()),
        },
        _ => failed(format!(
            "{how} without the protocol's one `error: ` line and empty stdout (stdout {stdout:?}, stderr {stderr:?})"
        )),
    }
}

/// Whether `stderr` is exactly one line, starting `error: `.
fn one_error_line(stderr: &str) -> bool {
    stderr.starts_with("error: ")
        && stderr.trim_end_matches('\n').lines().count() == 1
        && stderr.ends_with('\n')
}
