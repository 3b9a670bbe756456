//! The peer check (`shm-harness check-peer`): what the catalogue cannot
//! say about a peer, checked command by command on every OS: its output
//! byte for byte (the canonical line, values as text, the one `error:`
//! line, nothing on stdout with it, nothing on stderr on success), its
//! exit codes, the create flow (held, released on stdin's end and on each
//! of SIGTERM, SIGINT and SIGHUP, `--keep`, exclusive, mode 0600,
//! everything validated before a segment exists, a closed stdout), attach
//! (never creates, never resizes, never unlinks), the descriptor forms and
//! argument forms, `serve`'s framing and its memory of nothing, and
//! `unlink`.
//!
//! Each check is one [`Record`] (case = the check, file = its group,
//! description = the clause it holds the peer to), so the reports of
//! `run` write it. `creator.rs`, `attacher.rs`, `text.rs` and `serve.rs`
//! hold the checks; `invoke.rs` runs the peer.

mod attacher;
mod creator;
mod invoke;
mod operations;
mod serve;
mod text;

use std::time::{Duration, Instant};

use shm_core::{DType, Descriptor, SharedArray};
use shm_protocol::create::Layout;

use crate::catalogue::{CaseId, Mode};
use crate::peer::{PeerSpec, Side};
use crate::process::Launcher;
use crate::record::{Arrangement, NotRun, Outcome, Record};
use invoke::Peer;

/// How one check went.
enum Verdict {
    Pass,
    Fail(String),
    Skip(NotRun, String),
}

impl From<Result<(), String>> for Verdict {
    fn from(r: Result<(), String>) -> Verdict {
        match r {
            Ok(()) => Verdict::Pass,
            Err(e) => Verdict::Fail(e),
        }
    }
}

/// One check: its name, group, the clause it holds the peer to, the side
/// of the protocol it exercises, and the check itself.
struct Check {
    name: &'static str,
    group: &'static str,
    clause: &'static str,
    side: Side,
    run: fn(&mut Ctx<'_>) -> Verdict,
}

/// What a check works with: the peer, a private directory, and the names
/// of segments it must not leave behind.
struct Ctx<'a> {
    peer: Peer<'a>,
    dir: &'a std::path::Path,
    made: Vec<String>,
}

impl Ctx<'_> {
    /// The peer's manifest.
    fn spec(&self) -> &PeerSpec {
        self.peer.spec
    }

    /// A fresh segment name, remembered so it is removed at the end.
    fn fresh_name(&mut self) -> String {
        let name = shm_core::name::generate().unwrap_or_else(|_| "shmc_check_fallback".into());
        self.made.push(name.clone());
        name
    }

    /// A descriptor of a fresh name nobody made (removed after, should a
    /// peer make it), as the peer reads descriptors: the short form where
    /// it reads the canonical one, else its own form, with `segment_size`.
    fn missing(&mut self, shape: &[usize], dtype: DType) -> Result<(String, String), String> {
        use shm_protocol::form::Form;
        let name = self.fresh_name();
        let nbytes = shape.iter().product::<usize>() * dtype.itemsize();
        let d = Descriptor::build(
            Some(&name),
            shape,
            dtype,
            shm_core::Order::C,
            0,
            Some(nbytes.max(1)),
        )
        .map_err(|e| e.to_string())?;
        let sent = match self.spec().reads(Form::Canonical) && self.spec().layout == Layout::Bare {
            true => Form::Short
                .write(&d)
                .map_err(|e| e.to_string())?
                .to_string(),
            false => self.sent(&d),
        };
        Ok((name, sent))
    }

    /// A Rust-made array of `shape` and `dtype` in the layout the peer
    /// needs, remembered likewise.
    fn rust_array(&mut self, shape: &[usize], dtype: DType) -> Result<SharedArray, String> {
        self.rust_array_named(None, shape, dtype)
    }

    /// The same, under `name` when given.
    fn rust_array_named(
        &mut self,
        name: Option<&str>,
        shape: &[usize],
        dtype: DType,
    ) -> Result<SharedArray, String> {
        let a = match self.spec().layout {
            Layout::Bare => SharedArray::create_dtype(name, shape, dtype),
            Layout::SharedArray => shm_core::foreign::sharedarray::create(name, shape, dtype),
        }
        .map_err(|e| e.to_string())?;
        self.made.extend(a.descriptor().name().map(str::to_owned));
        Ok(a)
    }

    /// A skip when the manifest says the peer cannot take `side` here.
    fn cannot_take(&self, side: Side) -> Option<Verdict> {
        match &self.spec().side_unsupported {
            Some((s, why)) if *s == side => Some(Verdict::Skip(NotRun::NotClaimed, why.clone())),
            _ => None,
        }
    }

    /// Why a check that needs a bare segment (another view of its bytes, a
    /// descriptor that lies) cannot run with a peer whose layout describes
    /// the array itself, if it cannot; `deviation` is the catalogue case
    /// the manifest may document it on.
    fn needs_bare(&self, deviation: &str) -> Option<Verdict> {
        (self.spec().layout != Layout::Bare).then(|| {
            match self.spec().deviation(deviation, Some(Side::Attaches)) {
                Some(why) => Verdict::Skip(NotRun::Deviation, why.to_owned()),
                None => Verdict::Skip(
                    NotRun::NotClaimed,
                    "its layout describes the array by the segment itself".into(),
                ),
            }
        })
    }

    /// The descriptor of `d` as this peer reads it.
    fn sent(&self, d: &Descriptor) -> String {
        use shm_protocol::form::Form;
        if self.spec().layout == Layout::SharedArray {
            shm_core::foreign::sharedarray::descriptor_json(d)
        } else if self.spec().reads(Form::Canonical) {
            d.to_json()
        } else {
            Form::Wetlands
                .write(d)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| d.to_json())
        }
    }

    /// The native dtypes the peer claims, in the order checks use them.
    fn dtypes(&self) -> Vec<DType> {
        DType::all_native()
            .into_iter()
            .filter(|d| self.spec().cannot_hold(*d).is_none())
            .collect()
    }
}

/// Every check, in the order they run.
const CHECKS: &[Check] = &[
    creator::CANONICAL_LINE,
    creator::FILL,
    creator::MODE,
    creator::EXCLUSIVE,
    creator::VALIDATES_FIRST,
    creator::SIGNALS,
    creator::KEEP,
    creator::STDOUT_CLOSED,
    attacher::MISSING_NAME,
    attacher::SIZES,
    attacher::EMIT_AND_FORMS,
    attacher::ARGUMENT_FORMS,
    operations::OPERATIONS,
    operations::BAD_INPUT,
    attacher::UNLINK,
    text::VALUE_TEXT,
    serve::FRAMING,
    serve::NO_MEMORY,
];

/// The names and clauses of every check, for the protocol's table and
/// `--list`.
pub fn checks() -> Vec<(&'static str, &'static str, &'static str)> {
    CHECKS.iter().map(|c| (c.group, c.name, c.clause)).collect()
}

/// Runs every check against the peer `spec` (its processes started by
/// `launcher`, each command given `timeout`), handing each record to
/// `emit` as it finishes.
pub fn check_peer<E>(
    spec: &PeerSpec,
    launcher: &mut Launcher,
    timeout: Duration,
    emit: &mut dyn FnMut(Record) -> Result<(), E>,
) -> Result<(), E> {
    let dir = tempfile::tempdir();
    for check in CHECKS {
        let started = Instant::now();
        let verdict = match &dir {
            Err(e) => Verdict::Fail(format!("temporary directory: {e}")),
            Ok(dir) => {
                let mut ctx = Ctx {
                    peer: Peer {
                        spec,
                        launcher,
                        timeout,
                        printed: Vec::new(),
                    },
                    dir: dir.path(),
                    made: Vec::new(),
                };
                let verdict = (check.run)(&mut ctx);
                ctx.made.append(&mut ctx.peer.printed);
                let left = left_behind(&ctx.made);
                match (verdict, left) {
                    (v, None) => v,
                    (Verdict::Fail(e), Some(left)) => Verdict::Fail(format!("{e}; and {left}")),
                    (_, Some(left)) => Verdict::Fail(left),
                }
            }
        };
        let (outcome, not_run, message) = match verdict {
            Verdict::Pass => (Outcome::Passed, None, String::new()),
            Verdict::Fail(e) => (Outcome::Failed, None, e),
            Verdict::Skip(why, reason) => (Outcome::Skipped, Some(why), reason),
        };
        emit(Record {
            case: CaseId {
                name: check.name.to_owned(),
                description: check.clause.to_owned(),
                file: check.group.to_owned(),
            },
            mode: Mode::Spawn,
            arrangement: Arrangement::Peer {
                peer: spec.name.clone(),
                side: check.side,
            },
            outcome,
            not_run,
            message,
            duration: started.elapsed(),
        })?;
    }
    Ok(())
}

/// Removes the segments of `names` that still exist (an empty one too, which
/// no attach accepts); says which did.
fn left_behind(names: &[String]) -> Option<String> {
    let left: Vec<&str> = names
        .iter()
        .filter(|n| exists(n))
        .map(String::as_str)
        .collect();
    for n in &left {
        let _ = shm_core::lease::unlink(n);
    }
    (!left.is_empty()).then(|| format!("segments left behind: {}", left.join(", ")))
}

/// Whether the segment `name` exists.
fn exists(name: &str) -> bool {
    shm_core::Segment::exists(name)
}
