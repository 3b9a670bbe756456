//! Child processes on Windows: spawned only. A thread reads each child's
//! output and forwards it line by line, since Windows has no `poll(2)` for
//! pipes (and no fork, so a thread cannot get in its way).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError, channel};
use std::time::Instant;

use super::ending::{Exit, NoReply, exit_of};

/// A spawned child, the runner's end of its stdin, and the lines its
/// reader thread forwards (an empty line: end of output).
pub(super) struct Proc {
    child: Child,
    to_child: Box<dyn Write + Send>,
    replies: Receiver<std::io::Result<String>>,
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
        let to_child: ChildStdin = child.stdin.take().expect("piped stdin");
        let from_child = child.stdout.take().expect("piped stdout");
        let (tx, replies) = channel();
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
        Ok(Proc {
            child,
            to_child: Box::new(to_child),
            replies,
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
        let left = deadline.saturating_duration_since(Instant::now());
        match self.replies.recv_timeout(left) {
            Ok(r) => line(r),
            Err(RecvTimeoutError::Timeout) => Err(NoReply::TimedOut),
            Err(RecvTimeoutError::Disconnected) => Ok(None),
        }
    }

    /// A line of output if one is ready now, without waiting.
    pub(super) fn try_read_line(&mut self) -> Result<Option<String>, NoReply> {
        match self.replies.try_recv() {
            Ok(r) => line(r),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => Ok(None),
        }
    }

    /// How the child ended, if it has.
    pub(super) fn try_wait(&mut self) -> Option<Exit> {
        self.child.try_wait().ok().flatten().map(exit_of)
    }

    /// Terminates the child (`TerminateProcess`).
    pub(super) fn kill(&mut self) -> Option<Exit> {
        let _ = self.child.kill();
        None
    }

    /// What the child wrote on stderr.
    pub(super) fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut err, &mut text);
        }
        text
    }
}

/// A forwarded line: `None` at end of output.
fn line(r: std::io::Result<String>) -> Result<Option<String>, NoReply> {
    match r {
        Ok(l) if l.is_empty() => Ok(None),
        Ok(l) => Ok(Some(l)),
        Err(e) => Err(NoReply::Io(format!("read reply: {e}"))),
    }
}
