//! `fork(child_fn)` (Unix): the child runs `child_fn` and `_exit`s with its
//! code, never returning into the caller's code or running its destructors.
//!
//! Fork is only safe from a single-threaded process: the child gets a copy of
//! one thread, and any lock another thread held stays locked forever. The
//! runner guarantees this by never starting a thread: cases run one after
//! another, children are watched with `poll(2)` and `waitpid(WNOHANG)`
//! rather than reader threads, and the runner is its own process (tests drive
//! the binary; they never call the runner inside the multi-threaded test
//! harness). [`fork`] checks the thread count on Linux and refuses to fork
//! when it is not 1.
#![allow(unsafe_code)]

use nix::unistd::{ForkResult, Pid};

/// Forks; the child runs `child_fn` and exits with the code it returns
/// (101 if it panics). Returns the child's pid in the parent.
pub(super) fn fork(child_fn: impl FnOnce() -> i32) -> Result<Pid, String> {
    if let Some(n) = thread_count() {
        if n != 1 {
            return Err(format!("refusing to fork: the runner has {n} threads"));
        }
    }
    // SAFETY: the process is single-threaded (checked above on Linux and
    // guaranteed by the runner's design everywhere), so the child's copy of
    // memory holds no lock owned by a thread that no longer exists. The child
    // only runs `child_fn` and ends with `_exit`, never returning into the
    // parent's code.
    match unsafe { nix::unistd::fork() }.map_err(|e| format!("fork: {e}"))? {
        ForkResult::Child => {
            let code =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(child_fn)).unwrap_or(101);
            // SAFETY: `_exit` ends the process at once without running atexit
            // handlers or destructors, which belong to the parent (its owned
            // segments must not be unlinked by the child).
            unsafe { nix::libc::_exit(code) }
        }
        ForkResult::Parent { child } => Ok(child),
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

/// In a forked child: closes every inherited descriptor above stderr but
/// those in `keep`, so the child holds no copy of the runner's other pipes
/// (a sender waiting for EOF on its stdin must not be kept alive by a
/// receiver forked later that inherited the write end).
pub(super) fn close_inherited(keep: &[std::os::fd::RawFd]) {
    let open: Vec<i32> = match std::fs::read_dir("/dev/fd") {
        Ok(entries) => entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect(),
        Err(_) => return,
    };
    for fd in open.into_iter().filter(|fd| *fd > 2 && !keep.contains(fd)) {
        // SAFETY: close(2) takes any integer and at worst fails with EBADF
        // (the directory's own descriptor, already closed). The child uses
        // no descriptor after this but those in `keep` and 0-2: the objects
        // that owned the others are copies of the runner's, never used or
        // dropped here, since the child ends with `_exit`.
        unsafe {
            nix::libc::close(fd);
        }
    }
}
