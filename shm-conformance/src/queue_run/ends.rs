//! Who runs each end of a queue case, and starting them: this binary's
//! `queue send|recv` (forked, or spawned as `shm-harness queue ...`) or
//! the Python twin (`fixtures/python/shm_queue.py`).

use std::process::Command;

#[cfg(unix)]
use shm_core::Error;
#[cfg(unix)]
use shm_protocol::exit::Kind;
use shm_protocol::queue_ends::{Plan, RecvHow};

use crate::catalogue::Mode;
use crate::process::{ChildProc, Launcher};
use crate::record::QueueEnd;

/// How one end of a queue runs.
#[derive(Debug, Clone)]
pub enum EndProgram {
    /// This binary's queue code in a forked child (Unix).
    Fork,
    /// This binary re-executed as `shm-harness queue ...`.
    Spawn,
    /// The Python twin: its argv (interpreter and `shm_queue.py`).
    Twin(Vec<String>),
}

/// Who runs each end of a queue run, and the mode reports give it.
#[derive(Debug, Clone)]
pub struct QueueEnds {
    /// The sending end.
    pub sender: EndProgram,
    /// The receiving end.
    pub receiver: EndProgram,
    /// The report's mode.
    pub mode: Mode,
    /// The end the twin plays, if it plays.
    pub twin: Option<QueueEnd>,
}

impl QueueEnds {
    /// Both ends in Rust, made the way `mode` makes children.
    pub fn rust(mode: Mode) -> QueueEnds {
        let end = match mode {
            Mode::Fork => EndProgram::Fork,
            Mode::Spawn => EndProgram::Spawn,
        };
        QueueEnds {
            sender: end.clone(),
            receiver: end,
            mode,
            twin: None,
        }
    }

    /// The twin (run by `argv`) at the end `end`, spawned Rust at the other.
    pub fn twin(argv: &[String], end: QueueEnd) -> QueueEnds {
        let twin = EndProgram::Twin(argv.to_vec());
        let (sender, receiver) = match end {
            QueueEnd::Sends => (twin, EndProgram::Spawn),
            QueueEnd::Receives => (EndProgram::Spawn, twin),
        };
        QueueEnds {
            sender,
            receiver,
            mode: Mode::Spawn,
            twin: Some(end),
        }
    }
}

/// Starts the sender of `plan`: `send --shape S --dtype D --count N`, and
/// `--hold` or, with `pool`, `--pool SLOTS`.
pub(super) fn start_sender(
    program: &EndProgram,
    plan: &Plan,
    pool: Option<u64>,
    launcher: &mut Launcher,
) -> Result<ChildProc, String> {
    let words = sender_words(plan, pool);
    match program {
        #[cfg(unix)]
        EndProgram::Fork => {
            let plan = plan.clone();
            ChildProc::fork_with(move |back, out| {
                use shm_protocol::queue_ends::{send_on, send_pooled};
                match pool {
                    Some(slots) => code(send_pooled(out, back, &plan, slots)),
                    None => code(send_on(out, back, &plan, true)),
                }
            })
        }
        #[cfg(not(unix))]
        EndProgram::Fork => return Err("fork mode needs Unix".into()),
        EndProgram::Spawn => launcher.spawn(command(&this_binary()?, &["queue", "send"], &words)),
        EndProgram::Twin(argv) => launcher.spawn(command(argv, &["send"], &words)),
    }
    .map_err(|e| e.to_string())
}

/// Starts the receiver with `recv` and the options `how` says.
pub(super) fn start_receiver(
    program: &EndProgram,
    how: RecvHow,
    launcher: &mut Launcher,
) -> Result<ChildProc, String> {
    let mut words: Vec<String> = Vec::new();
    if how.hold {
        words.push("--hold".into());
    }
    if let Some(k) = how.take {
        words.extend(["--take".into(), k.to_string()]);
    }
    if let Some(k) = how.stall_after {
        words.extend(["--stall-after".into(), k.to_string()]);
    }
    match program {
        #[cfg(unix)]
        EndProgram::Fork => ChildProc::fork_with(move |input, out| {
            code(shm_protocol::queue_ends::recv_on(input, out, how))
        }),
        #[cfg(not(unix))]
        EndProgram::Fork => return Err("fork mode needs Unix".into()),
        EndProgram::Spawn => launcher.spawn(command(&this_binary()?, &["queue", "recv"], &words)),
        EndProgram::Twin(argv) => launcher.spawn(command(argv, &["recv"], &words)),
    }
    .map_err(|e| e.to_string())
}

/// The sender's option words for `plan`.
fn sender_words(plan: &Plan, pool: Option<u64>) -> Vec<String> {
    let shape: Vec<String> = plan.shape.iter().map(usize::to_string).collect();
    let mut words = vec![
        format!("--shape={}", shape.join(",")),
        "--dtype".into(),
        plan.dtype.to_string(),
        "--count".into(),
        plan.count.to_string(),
    ];
    match pool {
        Some(slots) => words.extend(["--pool".into(), slots.to_string()]),
        None => words.push("--hold".into()),
    }
    words
}

/// `argv`, then `first`, then `words`.
fn command(argv: &[String], first: &[&str], words: &[String]) -> Command {
    let mut command = Command::new(&argv[0]);
    command.args(&argv[1..]).args(first).args(words);
    command
}

/// The exit code for a forked queue end's result (its error is the exit
/// code's; a forked child's stderr is the runner's, kept for the report).
#[cfg(unix)]
fn code(result: Result<(), Error>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => i32::from(Kind::from(e.kind()).exit_code()),
    }
}

fn this_binary() -> Result<Vec<String>, String> {
    std::env::current_exe()
        .map(|p| vec![p.to_string_lossy().into_owned()])
        .map_err(|e| format!("current_exe: {e}"))
}
