//! Child processes on Unix: forked from the runner, spawned, or (Linux)
//! forked by the warm Python server; their pipes are read with `poll(2)`,
//! never by a thread, so the runner stays single-threaded and may fork.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::unistd::Pid;

use super::ending::{Exit, NoReply, exit_of, signal_name};
#[cfg(target_os = "linux")]
use super::warm::WarmChild;

/// The process behind a child.
enum Process {
    Forked(Pid),
    Spawned(Child),
    /// Forked by the warm Python server.
    #[cfg(target_os = "linux")]
    Warm(WarmChild),
}

/// A child process and the runner's ends of its stdin and stdout.
pub(super) struct Proc {
    process: Process,
    to_child: Box<dyn Write + Send>,
    from_child: BufReader<File>,
}

impl Proc {
    /// Starts `command` with piped stdin, stdout and stderr.
    pub(super) fn spawn(mut command: Command) -> Result<Proc, NoReply> {
        let program = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| NoReply::Io(format!("cannot start {program}: {e}")))?;
        let to_child = child.stdin.take().expect("piped stdin");
        let from_child = child.stdout.take().expect("piped stdout");
        Ok(Proc {
            process: Process::Spawned(child),
            to_child: Box::new(to_child),
            from_child: BufReader::new(File::from(std::os::fd::OwnedFd::from(from_child))),
        })
    }

    /// A child the warm server forked, with the runner's ends of its pipes.
    #[cfg(target_os = "linux")]
    pub(super) fn warm(child: WarmChild, stdin: File, stdout: File) -> Proc {
        Proc {
            process: Process::Warm(child),
            to_child: Box::new(stdin),
            from_child: BufReader::new(stdout),
        }
    }

    /// Forks the runner; the child runs `child_fn` on two pipes (its input
    /// from the runner, its output to it) and `_exit`s with its code.
    pub(super) fn fork_with(
        child_fn: impl FnOnce(BufReader<File>, File) -> i32,
    ) -> Result<Proc, NoReply> {
        let io = |e: nix::errno::Errno| NoReply::Io(format!("pipe: {e}"));
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
        .map_err(|e| NoReply::Io(format!("fork: {e}")))?;
        drop(child_ends);
        let (to_child, from_child) = parent_ends.expect("the parent's ends");
        Ok(Proc {
            process: Process::Forked(pid),
            to_child: Box::new(File::from(to_child)),
            from_child: BufReader::new(File::from(from_child)),
        })
    }

    /// The runner's end of the child's stdin.
    pub(super) fn stdin(&mut self) -> &mut dyn Write {
        &mut self.to_child
    }

    /// Closes the child's stdin.
    pub(super) fn close_stdin(&mut self) {
        self.to_child = Box::new(std::io::sink());
    }

    /// Reads one line of output by `deadline`; `None` at end of output.
    pub(super) fn read_line(&mut self, deadline: Instant) -> Result<Option<String>, NoReply> {
        while self.from_child.buffer().is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(NoReply::TimedOut);
            }
            let timeout = PollTimeout::try_from(left.min(Duration::from_secs(60)))
                .unwrap_or(PollTimeout::MAX);
            if self.readable(timeout)? {
                break;
            }
        }
        self.read_buffered_line()
    }

    /// A line of output if one is ready now, without waiting.
    pub(super) fn try_read_line(&mut self) -> Result<Option<String>, NoReply> {
        if self.from_child.buffer().is_empty() && !self.readable(PollTimeout::ZERO)? {
            return Ok(None);
        }
        self.read_buffered_line()
    }

    /// Whether the child's output has something to read (or its end)
    /// within `timeout`.
    fn readable(&self, timeout: PollTimeout) -> Result<bool, NoReply> {
        use std::os::fd::AsFd;
        let mut fds = [PollFd::new(
            self.from_child.get_ref().as_fd(),
            PollFlags::POLLIN,
        )];
        match poll(&mut fds, timeout) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => Ok(false),
            Ok(_) => Ok(true),
            Err(e) => Err(NoReply::Io(format!("poll: {e}"))),
        }
    }

    fn read_buffered_line(&mut self) -> Result<Option<String>, NoReply> {
        let mut line = String::new();
        match self.from_child.read_line(&mut line) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(line)),
            Err(e) => Err(NoReply::Io(format!("read reply: {e}"))),
        }
    }

    /// How the child ended, if it has.
    pub(super) fn try_wait(&mut self) -> Option<Exit> {
        match &mut self.process {
            Process::Forked(pid) => try_reap(*pid),
            Process::Spawned(child) => child.try_wait().ok().flatten().map(exit_of),
            #[cfg(target_os = "linux")]
            Process::Warm(child) => child.ended(),
        }
    }

    /// Sends SIGKILL; returns how the child ended when it turns out to
    /// have ended already (a warm child's end may be waiting to be read,
    /// and then its pid may be another process's).
    pub(super) fn kill(&mut self) -> Option<Exit> {
        use nix::sys::signal::{Signal, kill};
        match &mut self.process {
            Process::Forked(pid) => {
                let _ = kill(*pid, Signal::SIGKILL);
            }
            Process::Spawned(child) => {
                let _ = child.kill();
            }
            #[cfg(target_os = "linux")]
            Process::Warm(child) => match child.ended() {
                Some(exit) => return Some(exit),
                None => {
                    let _ = kill(child.pid, Signal::SIGKILL);
                }
            },
        }
        None
    }

    /// Sends `signal` to the child, unless it has ended.
    pub(super) fn signal(&mut self, signal: nix::sys::signal::Signal) -> Result<(), NoReply> {
        let pid = match &self.process {
            Process::Forked(pid) => *pid,
            Process::Spawned(child) => Pid::from_raw(child.id() as i32),
            #[cfg(target_os = "linux")]
            Process::Warm(child) => child.pid,
        };
        nix::sys::signal::kill(pid, signal).map_err(|e| NoReply::Io(format!("kill: {e}")))
    }

    /// What a spawned child wrote on stderr (empty for forked ones, whose
    /// stderr is the runner's).
    pub(super) fn stderr(&mut self) -> String {
        let err: Option<Box<dyn std::io::Read>> = match &mut self.process {
            Process::Spawned(child) => child.stderr.take().map(|e| Box::new(e) as _),
            #[cfg(target_os = "linux")]
            Process::Warm(child) => child.stderr.take().map(|e| Box::new(e) as _),
            Process::Forked(_) => None,
        };
        let mut text = String::new();
        if let Some(mut err) = err {
            let _ = std::io::Read::read_to_string(&mut err, &mut text);
        }
        text
    }
}

/// Reaps `pid` if it has ended.
fn try_reap(pid: Pid) -> Option<Exit> {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::Exited(_, code)) => Some(Exit::Code(code)),
        Ok(WaitStatus::Signaled(_, sig, _)) => Some(Exit::Signal(signal_name(sig as i32))),
        Ok(_) => None,
        // ECHILD: already reaped elsewhere; treat as a plain exit.
        Err(_) => Some(Exit::Code(-1)),
    }
}
