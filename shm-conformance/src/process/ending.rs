//! How a child process ended, and why a request to it got no reply.

use crate::catalogue::ExpectedExit;

/// How a child ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Exited with this code.
    Code(i32),
    /// Killed by this signal (its name, e.g. `SIGKILL`; Unix only).
    Signal(String),
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit code {c}"),
            Exit::Signal(s) => write!(f, "killed by {s}"),
        }
    }
}

impl Exit {
    /// Whether this ending is what `expected` says: the same code, or any
    /// signal for `killed` (on Windows, where `TerminateProcess` leaves a
    /// code, any non-zero code), or that signal.
    pub fn matches(&self, expected: &ExpectedExit) -> bool {
        match (self, expected) {
            (Exit::Code(c), ExpectedExit::Code(want)) => c == want,
            (Exit::Code(c), ExpectedExit::Killed) => cfg!(windows) && *c != 0,
            (Exit::Code(_), ExpectedExit::Signal(_)) => false,
            (Exit::Signal(_), ExpectedExit::Killed) => true,
            (Exit::Signal(s), ExpectedExit::Signal(want)) => s == want,
            (Exit::Signal(_), ExpectedExit::Code(_)) => false,
        }
    }
}

/// Why a request to a child got no reply.
#[derive(Debug)]
pub enum NoReply {
    /// No reply before the deadline; the child was killed.
    TimedOut,
    /// The child ended before replying: how, and what it wrote on stderr.
    Died(Exit, String),
    /// The pipe or process failed.
    Io(String),
}

impl std::fmt::Display for NoReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoReply::TimedOut => write!(f, "timed out"),
            NoReply::Died(exit, stderr) if stderr.trim().is_empty() => write!(f, "died ({exit})"),
            NoReply::Died(exit, stderr) => write!(f, "died ({exit}): {}", stderr.trim()),
            NoReply::Io(e) => write!(f, "{e}"),
        }
    }
}

/// `SIGKILL` for 9, and so on.
#[cfg(unix)]
pub(crate) fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map(|s| s.as_str().to_owned())
        .unwrap_or_else(|_| format!("signal {signal}"))
}

/// How a finished `std::process::Child` ended.
#[cfg(unix)]
pub(crate) fn exit_of(status: std::process::ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => Exit::Code(c),
        (None, Some(s)) => Exit::Signal(signal_name(s)),
        (None, None) => Exit::Code(-1),
    }
}

/// How a finished `std::process::Child` ended.
#[cfg(not(unix))]
pub(crate) fn exit_of(status: std::process::ExitStatus) -> Exit {
    Exit::Code(status.code().unwrap_or(-1))
}
