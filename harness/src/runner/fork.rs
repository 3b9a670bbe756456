//! Fork mode (Unix): the runner forks, and the child serves requests over
//! two pipes, then `_exit`s without running the parent's destructors.
//!
//! Fork is only safe from a single-threaded process: the child gets a copy of
//! one thread, and any lock another thread held stays locked forever. The
//! runner guarantees this by never starting a thread: cases run one after
//! another, children are watched with `poll(2)` and `waitpid(WNOHANG)`
//! rather than reader threads, and the runner is its own process (tests drive
//! the binary; they never call the runner inside the multi-threaded test
//! harness). [`fork_serving`] checks the thread count on Linux and refuses to
//! fork when it is not 1.
#![allow(unsafe_code)]

use std::io::BufReader;
use std::os::fd::OwnedFd;

use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, pipe};

use super::child::{Exit, serve, signal_name};

/// The parent's ends of a forked child.
pub(crate) struct Forked {
    pub(crate) pid: Pid,
    pub(crate) to_child: OwnedFd,
    pub(crate) from_child: OwnedFd,
}

/// Forks a child that runs [`serve`] on two pipes and exits.
pub(crate) fn fork_serving() -> Result<Forked, String> {
    if let Some(n) = thread_count() {
        if n != 1 {
            return Err(format!("refusing to fork: the runner has {n} threads"));
        }
    }
    let (req_read, req_write) = pipe().map_err(|e| format!("pipe: {e}"))?;
    let (rep_read, rep_write) = pipe().map_err(|e| format!("pipe: {e}"))?;
    // SAFETY: the process is single-threaded (checked above on Linux and
    // guaranteed by the runner's design everywhere), so the child's copy of
    // memory holds no lock owned by a thread that no longer exists. The child
    // only runs `serve` (plain Rust over shm-core and the two pipes) and ends
    // with `_exit`, never returning into the parent's code.
    match unsafe { fork() }.map_err(|e| format!("fork: {e}"))? {
        ForkResult::Child => {
            drop(req_write);
            drop(rep_read);
            let input = BufReader::new(std::fs::File::from(req_read));
            let output = std::fs::File::from(rep_write);
            let code =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| serve(input, output)))
                    .unwrap_or(101);
            // SAFETY: `_exit` ends the process at once without running atexit
            // handlers or destructors, which belong to the parent (its owned
            // segments must not be unlinked by the child).
            unsafe { nix::libc::_exit(code) }
        }
        ForkResult::Parent { child } => Ok(Forked {
            pid: child,
            to_child: req_write,
            from_child: rep_read,
        }),
    }
}

/// Reaps `pid` if it has ended.
pub(crate) fn try_reap(pid: Pid) -> Option<Exit> {
    match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::Exited(_, code)) => Some(Exit::Code(code)),
        Ok(WaitStatus::Signaled(_, sig, _)) => Some(Exit::Signal(signal_name(sig as i32))),
        Ok(_) => None,
        // ECHILD: already reaped elsewhere; treat as a plain exit.
        Err(_) => Some(Exit::Code(-1)),
    }
}

/// The number of threads of this process, where the OS says (Linux).
fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}
