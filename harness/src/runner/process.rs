//! Child processes and the lines to and from them: the process handle and
//! its transport.
//!
//! A child is either forked from the runner ([`super::fork`], Unix; it runs
//! [`super::serve`]) or a spawned program: the runner's own binary
//! re-executed as `shm-harness child`, or a foreign peer. Every wait on a
//! child is bounded by the case's deadline: a child that hangs is killed,
//! and one that dies is reported with its signal's name.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::request::{Reply, Request};

/// How a child ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Exited with this code.
    Code(i32),
    /// Killed by this signal (its name, e.g. `SIGKILL`; Unix only).
    #[cfg_attr(not(unix), allow(dead_code))]
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
    /// Whether this ending matches an expectation: `0` (or any code), or
    /// `killed` / a signal name.
    pub(crate) fn matches(&self, expected: &str) -> bool {
        match self {
            Exit::Code(c) => {
                expected.parse::<i32>() == Ok(*c)
                    || (cfg!(windows) && expected == "killed" && *c != 0)
            }
            Exit::Signal(s) => expected == "killed" || expected == s,
        }
    }
}

/// Why a request to a child got no reply.
#[derive(Debug)]
pub(crate) enum Lost {
    /// No reply before the deadline; the child was killed.
    TimedOut,
    /// The child ended before replying.
    Died(Exit, String),
    /// The pipe or process failed.
    Io(String),
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lost::TimedOut => write!(f, "timed out"),
            Lost::Died(exit, stderr) if stderr.trim().is_empty() => write!(f, "died ({exit})"),
            Lost::Died(exit, stderr) => write!(f, "died ({exit}): {}", stderr.trim()),
            Lost::Io(e) => write!(f, "{e}"),
        }
    }
}

/// What the runner reads replies from on Unix: the pipe itself, watched
/// with `poll`. (On Windows a reader thread owns the pipe and forwards lines.)
#[cfg(unix)]
type ReplyPipe = std::fs::File;

/// The process behind a child.
enum Process {
    #[cfg(unix)]
    Forked(nix::unistd::Pid),
    Spawned(std::process::Child),
    /// Forked by the warm Python server ([`super::warm`]).
    #[cfg(target_os = "linux")]
    Warm(super::warm::WarmChild),
}

/// A running child and the two pipes to it.
pub(crate) struct ChildProc {
    process: Process,
    to_child: Box<dyn Write + Send>,
    #[cfg(unix)]
    from_child: BufReader<ReplyPipe>,
    #[cfg(windows)]
    replies: std::sync::mpsc::Receiver<std::io::Result<String>>,
    ended: Option<Exit>,
}

impl ChildProc {
    /// Re-executes this binary as `shm-harness child`.
    pub(crate) fn spawn() -> Result<ChildProc, Lost> {
        let exe = std::env::current_exe().map_err(|e| Lost::Io(format!("current_exe: {e}")))?;
        let mut command = Command::new(exe);
        command.arg("child");
        ChildProc::spawn_command(command)
    }

    /// Starts any command with piped stdin, stdout and stderr, to be driven
    /// line by line (a foreign peer).
    pub(crate) fn spawn_command(mut command: Command) -> Result<ChildProc, Lost> {
        #[cfg(target_os = "linux")]
        if let Some(started) = super::warm::spawn(&command) {
            let (child, stdin, stdout) = started?;
            return Ok(ChildProc {
                process: Process::Warm(child),
                to_child: Box::new(stdin),
                from_child: BufReader::new(stdout),
                ended: None,
            });
        }
        let program = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Lost::Io(format!("cannot start {program}: {e}")))?;
        let to_child = child.stdin.take().expect("piped stdin");
        let from_child = child.stdout.take().expect("piped stdout");
        #[cfg(unix)]
        let from_child = std::fs::File::from(std::os::fd::OwnedFd::from(from_child));
        #[cfg(windows)]
        let replies = reader_thread(from_child);
        Ok(ChildProc {
            process: Process::Spawned(child),
            to_child: Box::new(to_child),
            #[cfg(unix)]
            from_child: BufReader::new(from_child),
            #[cfg(windows)]
            replies,
            ended: None,
        })
    }

    /// Forks the runner; the child serves requests on two pipes and `_exit`s.
    #[cfg(unix)]
    pub(crate) fn fork() -> Result<ChildProc, Lost> {
        ChildProc::fork_with(super::serve)
    }

    /// Forks the runner; the child runs `child_fn` on two pipes (its input
    /// from the runner, its output to it) and `_exit`s with its code.
    #[cfg(unix)]
    pub(crate) fn fork_with(
        child_fn: impl FnOnce(BufReader<std::fs::File>, std::fs::File) -> i32,
    ) -> Result<ChildProc, Lost> {
        use std::fs::File;
        let io = |e: nix::errno::Errno| Lost::Io(format!("pipe: {e}"));
        let (req_read, req_write) = nix::unistd::pipe().map_err(io)?;
        let (rep_read, rep_write) = nix::unistd::pipe().map_err(io)?;
        let mut parent_ends = Some((req_write, rep_read));
        let mut child_ends = Some((req_read, rep_write));
        let pid = super::fork::fork(|| {
            // The child keeps only its own ends, so the runner sees EOF when
            // it closes its side.
            drop(parent_ends.take());
            let (input, output) = child_ends.take().expect("the child's ends");
            {
                use std::os::fd::AsRawFd;
                super::fork::close_inherited(&[input.as_raw_fd(), output.as_raw_fd()]);
            }
            child_fn(BufReader::new(File::from(input)), File::from(output))
        })
        .map_err(|e| Lost::Io(format!("fork: {e}")))?;
        drop(child_ends);
        let (to_child, from_child) = parent_ends.expect("the parent's ends");
        Ok(ChildProc {
            process: Process::Forked(pid),
            to_child: Box::new(File::from(to_child)),
            from_child: BufReader::new(File::from(from_child)),
            ended: None,
        })
    }

    /// Sends `op` without reading a reply.
    pub(crate) fn send(&mut self, op: &Request, deadline: Instant) -> Result<(), Lost> {
        self.send_line(&serde_json::to_string(op).expect("ops serialise"), deadline)
    }

    /// Writes one line to the child's stdin.
    pub(crate) fn send_line(&mut self, line: &str, deadline: Instant) -> Result<(), Lost> {
        if let Some(exit) = &self.ended {
            return Err(Lost::Died(exit.clone(), String::new()));
        }
        if writeln!(self.to_child, "{line}")
            .and_then(|()| self.to_child.flush())
            .is_err()
        {
            return Err(self.lost_reply(deadline));
        }
        Ok(())
    }

    /// Reads the reply to the last request by `deadline`; a child that does
    /// not answer in time is killed.
    pub(crate) fn receive(&mut self, deadline: Instant) -> Result<Reply, Lost> {
        match self.read_line(deadline) {
            Ok(Some(text)) => serde_json::from_str(&text)
                .map_err(|e| Lost::Io(format!("bad reply {text:?}: {e}"))),
            Ok(None) => Err(self.lost_reply(deadline)),
            Err(Lost::TimedOut) => {
                self.kill();
                Err(Lost::TimedOut)
            }
            Err(e) => Err(e),
        }
    }

    /// The child closed its end: find out how it ended.
    fn lost_reply(&mut self, deadline: Instant) -> Lost {
        match self.wait(deadline) {
            Some(exit) => Lost::Died(exit, self.stderr()),
            None => {
                self.kill();
                Lost::TimedOut
            }
        }
    }

    /// Reads one line of output by `deadline`; `None` at end of output.
    #[cfg(unix)]
    pub(crate) fn read_line(&mut self, deadline: Instant) -> Result<Option<String>, Lost> {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd;
        while self.from_child.buffer().is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Lost::TimedOut);
            }
            let mut fds = [PollFd::new(
                self.from_child.get_ref().as_fd(),
                PollFlags::POLLIN,
            )];
            let timeout = PollTimeout::try_from(left.min(Duration::from_secs(60)))
                .unwrap_or(PollTimeout::MAX);
            match poll(&mut fds, timeout) {
                Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                Ok(_) => break,
                Err(e) => return Err(Lost::Io(format!("poll: {e}"))),
            }
        }
        self.read_buffered_line()
    }

    #[cfg(unix)]
    fn read_buffered_line(&mut self) -> Result<Option<String>, Lost> {
        let mut line = String::new();
        match self.from_child.read_line(&mut line) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(line)),
            Err(e) => Err(Lost::Io(format!("read reply: {e}"))),
        }
    }

    /// Reads one line of output by `deadline`; `None` at end of output.
    #[cfg(windows)]
    pub(crate) fn read_line(&mut self, deadline: Instant) -> Result<Option<String>, Lost> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.replies.recv_timeout(left) {
            Ok(Ok(line)) if line.is_empty() => Ok(None),
            Ok(Ok(line)) => Ok(Some(line)),
            Ok(Err(e)) => Err(Lost::Io(format!("read reply: {e}"))),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Lost::TimedOut),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Ok(None),
        }
    }

    /// A line of output if one is ready now, without waiting.
    pub(crate) fn try_read_line(&mut self) -> Result<Option<String>, Lost> {
        #[cfg(unix)]
        {
            use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
            use std::os::fd::AsFd;
            if self.from_child.buffer().is_empty() {
                let mut fds = [PollFd::new(
                    self.from_child.get_ref().as_fd(),
                    PollFlags::POLLIN,
                )];
                match poll(&mut fds, PollTimeout::ZERO) {
                    Ok(0) | Err(nix::errno::Errno::EINTR) => return Ok(None),
                    Ok(_) => {}
                    Err(e) => return Err(Lost::Io(format!("poll: {e}"))),
                }
            }
            self.read_buffered_line()
        }
        #[cfg(windows)]
        match self.replies.try_recv() {
            Ok(Ok(line)) if line.is_empty() => Ok(None),
            Ok(Ok(line)) => Ok(Some(line)),
            Ok(Err(e)) => Err(Lost::Io(format!("read reply: {e}"))),
            Err(_) => Ok(None),
        }
    }

    /// Writes raw bytes to the child's stdin (a stream it reads).
    pub(crate) fn write_raw(&mut self, bytes: &[u8]) -> Result<(), Lost> {
        self.to_child
            .write_all(bytes)
            .and_then(|()| self.to_child.flush())
            .map_err(|e| Lost::Io(format!("write to child: {e}")))
    }

    /// Closes the child's stdin (a held `create` then unlinks and exits).
    pub(crate) fn close_stdin(&mut self) {
        self.to_child = Box::new(std::io::sink());
    }

    /// Waits for the child to end, until `deadline`; `None` if it did not.
    pub(crate) fn wait(&mut self, deadline: Instant) -> Option<Exit> {
        if let Some(exit) = &self.ended {
            return Some(exit.clone());
        }
        loop {
            let done = match &mut self.process {
                #[cfg(unix)]
                Process::Forked(pid) => try_reap(*pid),
                Process::Spawned(child) => child.try_wait().ok().flatten().map(exit_of),
                #[cfg(target_os = "linux")]
                Process::Warm(child) => child.ended(),
            };
            if let Some(exit) = done {
                self.ended = Some(exit.clone());
                return Some(exit);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Kills the child (SIGKILL / TerminateProcess) and reaps it.
    pub(crate) fn kill(&mut self) {
        if self.ended.is_some() {
            return;
        }
        match &mut self.process {
            #[cfg(unix)]
            Process::Forked(pid) => {
                let _ = nix::sys::signal::kill(*pid, nix::sys::signal::Signal::SIGKILL);
            }
            Process::Spawned(child) => {
                let _ = child.kill();
            }
            #[cfg(target_os = "linux")]
            Process::Warm(child) => {
                // Not while its end is waiting to be read: the pid may be
                // another process's by then.
                match child.ended() {
                    Some(exit) => self.ended = Some(exit),
                    None => {
                        let _ =
                            nix::sys::signal::kill(child.pid, nix::sys::signal::Signal::SIGKILL);
                    }
                }
            }
        }
        let _ = self.wait(Instant::now() + Duration::from_secs(5));
    }

    /// What a spawned child wrote on stderr (empty for forked ones, whose
    /// stderr is the runner's).
    pub(crate) fn stderr(&mut self) -> String {
        let mut text = String::new();
        let err = match &mut self.process {
            Process::Spawned(child) => child
                .stderr
                .take()
                .map(|e| Box::new(e) as Box<dyn std::io::Read>),
            #[cfg(target_os = "linux")]
            Process::Warm(child) => child
                .stderr
                .take()
                .map(|e| Box::new(e) as Box<dyn std::io::Read>),
            #[cfg(unix)]
            Process::Forked(_) => None,
        };
        if let Some(mut err) = err {
            let _ = std::io::Read::read_to_string(&mut err, &mut text);
        }
        text
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reaps `pid` if it has ended.
#[cfg(unix)]
fn try_reap(pid: nix::unistd::Pid) -> Option<Exit> {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::Exited(_, code)) => Some(Exit::Code(code)),
        Ok(WaitStatus::Signaled(_, sig, _)) => Some(Exit::Signal(signal_name(sig as i32))),
        Ok(_) => None,
        // ECHILD: already reaped elsewhere; treat as a plain exit.
        Err(_) => Some(Exit::Code(-1)),
    }
}

#[cfg(unix)]
fn exit_of(status: std::process::ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => Exit::Code(c),
        (None, Some(s)) => Exit::Signal(signal_name(s)),
        (None, None) => Exit::Code(-1),
    }
}

#[cfg(not(unix))]
fn exit_of(status: std::process::ExitStatus) -> Exit {
    Exit::Code(status.code().unwrap_or(-1))
}

/// `SIGKILL` for 9, and so on.
#[cfg(unix)]
pub(crate) fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map(|s| s.as_str().to_owned())
        .unwrap_or_else(|_| format!("signal {signal}"))
}

#[cfg(windows)]
fn reader_thread(
    from_child: std::process::ChildStdout,
) -> std::sync::mpsc::Receiver<std::io::Result<String>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(from_child);
        loop {
            let mut line = String::new();
            let r = reader.read_line(&mut line).map(|_| line);
            let end = matches!(&r, Ok(l) if l.is_empty()) || r.is_err();
            if tx.send(r).is_err() || end {
                break;
            }
        }
    });
    rx
}
