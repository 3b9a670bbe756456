//! [`ChildProc`]: a running child and the lines to and from it, the same on
//! every OS; what differs by OS is `unix.rs` and `windows.rs` below it.
//!
//! Every wait on a child is bounded by a deadline: a child that hangs is
//! killed, and one that dies is reported with how it ended and its stderr.

#[cfg(unix)]
use std::io::BufReader;
use std::process::Command;
use std::time::{Duration, Instant};

use super::ending::{Exit, NoReply};
#[cfg(unix)]
use super::unix::Proc;
#[cfg(windows)]
use super::windows::Proc;
use crate::actor::{Reply, Request};

/// A running child: a forked or spawned process of the runner, or another
/// peer's process. Dropping it kills the process.
pub struct ChildProc {
    proc: Proc,
    ended: Option<Exit>,
}

impl ChildProc {
    fn new(proc: Proc) -> ChildProc {
        ChildProc { proc, ended: None }
    }

    /// Starts `command` with piped stdin, stdout and stderr, to be driven
    /// line by line.
    pub fn spawn(command: Command) -> Result<ChildProc, NoReply> {
        Proc::spawn(command).map(ChildProc::new)
    }

    /// Re-executes this binary as `shm-harness child`, a case's child.
    pub fn spawn_child() -> Result<ChildProc, NoReply> {
        let exe = std::env::current_exe().map_err(|e| NoReply::Io(format!("current_exe: {e}")))?;
        let mut command = Command::new(exe);
        command.arg("child");
        ChildProc::spawn(command)
    }

    /// Forks the runner; the child serves requests on two pipes
    /// ([`crate::actor::serve`]) and `_exit`s.
    #[cfg(unix)]
    pub fn fork() -> Result<ChildProc, NoReply> {
        ChildProc::fork_with(crate::actor::serve)
    }

    /// Forks the runner; the child runs `child_fn` on two pipes (its input
    /// from the runner, its output to it) and `_exit`s with its code.
    #[cfg(unix)]
    pub fn fork_with(
        child_fn: impl FnOnce(BufReader<std::fs::File>, std::fs::File) -> i32,
    ) -> Result<ChildProc, NoReply> {
        Proc::fork_with(child_fn).map(ChildProc::new)
    }

    /// A child the warm Python server forked.
    #[cfg(target_os = "linux")]
    pub(super) fn warm(
        child: super::warm::WarmChild,
        stdin: std::fs::File,
        stdout: std::fs::File,
    ) -> ChildProc {
        ChildProc::new(Proc::warm(child, stdin, stdout))
    }

    /// Sends `op` without reading a reply.
    pub fn send(&mut self, op: &Request, deadline: Instant) -> Result<(), NoReply> {
        self.send_line(&serde_json::to_string(op).expect("ops serialise"), deadline)
    }

    /// Writes one line to the child's stdin.
    pub fn send_line(&mut self, line: &str, deadline: Instant) -> Result<(), NoReply> {
        if let Some(exit) = &self.ended {
            return Err(NoReply::Died(exit.clone(), String::new()));
        }
        let stdin = self.proc.stdin();
        if writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .is_err()
        {
            return Err(self.lost_reply(deadline));
        }
        Ok(())
    }

    /// Reads the reply to the last request by `deadline`; a child that does
    /// not answer in time is killed.
    pub fn receive(&mut self, deadline: Instant) -> Result<Reply, NoReply> {
        match self.read_line(deadline) {
            Ok(Some(text)) => serde_json::from_str(&text)
                .map_err(|e| NoReply::Io(format!("bad reply {text:?}: {e}"))),
            Ok(None) => Err(self.lost_reply(deadline)),
            Err(NoReply::TimedOut) => {
                self.kill();
                Err(NoReply::TimedOut)
            }
            Err(e) => Err(e),
        }
    }

    /// The child closed its end: find out how it ended.
    fn lost_reply(&mut self, deadline: Instant) -> NoReply {
        match self.wait(deadline) {
            Some(exit) => NoReply::Died(exit, self.stderr()),
            None => {
                self.kill();
                NoReply::TimedOut
            }
        }
    }

    /// Reads one line of output by `deadline`; `None` at end of output.
    pub fn read_line(&mut self, deadline: Instant) -> Result<Option<String>, NoReply> {
        self.proc.read_line(deadline)
    }

    /// A line of output if one is ready now, without waiting.
    pub fn try_read_line(&mut self) -> Result<Option<String>, NoReply> {
        self.proc.try_read_line()
    }

    /// Writes raw bytes to the child's stdin (a stream it reads).
    pub fn write_raw(&mut self, bytes: &[u8]) -> Result<(), NoReply> {
        let stdin = self.proc.stdin();
        stdin
            .write_all(bytes)
            .and_then(|()| stdin.flush())
            .map_err(|e| NoReply::Io(format!("write to child: {e}")))
    }

    /// Closes the child's stdin (a held `create` then unlinks and exits).
    pub fn close_stdin(&mut self) {
        self.proc.close_stdin();
    }

    /// Waits for the child to end, until `deadline`; `None` if it did not.
    pub fn wait(&mut self, deadline: Instant) -> Option<Exit> {
        loop {
            if let Some(exit) = &self.ended {
                return Some(exit.clone());
            }
            self.ended = self.proc.try_wait();
            if self.ended.is_none() {
                if Instant::now() >= deadline {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }

    /// Kills the child (SIGKILL / TerminateProcess) and reaps it.
    pub fn kill(&mut self) {
        if self.ended.is_some() {
            return;
        }
        if let Some(exit) = self.proc.kill() {
            self.ended = Some(exit);
            return;
        }
        let _ = self.wait(Instant::now() + Duration::from_secs(5));
    }

    /// Sends `signal` to the child (Unix), unless it has ended.
    #[cfg(unix)]
    pub fn signal(&mut self, signal: nix::sys::signal::Signal) -> Result<(), NoReply> {
        if self.alive() {
            self.proc.signal(signal)
        } else {
            Ok(())
        }
    }

    /// What a spawned child wrote on stderr (empty for forked ones, whose
    /// stderr is the runner's).
    pub fn stderr(&mut self) -> String {
        self.proc.stderr()
    }

    /// Whether the child is still running.
    pub fn alive(&mut self) -> bool {
        self.wait(Instant::now()).is_none()
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_spawned_child_is_waited_for_and_its_stderr_read() {
        let mut c = Command::new("sh");
        c.args(["-c", "read line; echo \"got $line\"; echo oops >&2; exit 3"]);
        let mut child = ChildProc::spawn(c).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        child.send_line("x", deadline).unwrap();
        assert_eq!(
            child.read_line(deadline).unwrap().as_deref(),
            Some("got x\n")
        );
        assert_eq!(child.read_line(deadline).unwrap(), None);
        assert_eq!(child.wait(deadline), Some(Exit::Code(3)));
        assert_eq!(child.stderr(), "oops\n");
        assert!(!child.alive());
    }
}
