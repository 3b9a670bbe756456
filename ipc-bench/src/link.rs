//! The parent's handle on a persistent child process.
//!
//! The child is spawned once, before anything is timed, and driven through
//! its stdin (requests, and the data of copied hand-offs) and its stdout
//! (replies); see [`wire`](crate::wire). A [`Watchdog`] kills a child that
//! leaves a request unanswered, and a child that dies is named in the error.

use std::fs::File;
use std::io::{self, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::pipe::widen_pipe;
use crate::watchdog::Watchdog;
use crate::wire::{Frame, Op, Reply, header};

/// How a child is watched and named.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// The child in messages: `bench-child`, `the consumer`.
    pub name: &'static str,
    /// How long one request may stay unanswered before the watchdog kills
    /// the child.
    pub timeout: Duration,
    /// How long the child has to exit once told to, before it is killed.
    pub grace: Duration,
    /// Whether a pipe that cannot be widened (see [`widen_pipe`]) is an
    /// error; otherwise it keeps its size, which only slows copies.
    pub require_wide_pipes: bool,
}

/// The channel the parent's requests take to the child's stdin.
#[derive(Debug)]
pub enum Channel {
    /// A new pipe, widened like the reply pipe.
    Pipe,
    /// One the parent made (a Unix socket pair, say): the child's end
    /// becomes its stdin, the parent writes to its own end.
    Given {
        /// The end the child reads from.
        child_end: Stdio,
        /// The end the parent writes to.
        parent_end: File,
    },
}

/// A running child and the two ends the parent holds.
#[derive(Debug)]
pub struct Link {
    child: Arc<Mutex<Child>>,
    tx: File,
    rx: File,
    small: Frame,
    watchdog: Watchdog,
    config: Config,
}

impl Link {
    /// Spawns `cmd` with its stdin on `channel` and its stdout on a widened
    /// pipe (its stderr is left as `cmd` has it). The command is dropped
    /// once spawned, so the parent keeps no copy of the child's ends.
    pub fn spawn(mut cmd: Command, channel: Channel, config: Config) -> io::Result<Link> {
        cmd.stdout(Stdio::piped());
        let given = match channel {
            Channel::Pipe => {
                cmd.stdin(Stdio::piped());
                None
            }
            Channel::Given {
                child_end,
                parent_end,
            } => {
                cmd.stdin(child_end);
                Some(parent_end)
            }
        };
        let mut child = cmd.spawn()?;
        drop(cmd);
        let widen = |pipe: &File| match widen_pipe(pipe) {
            Err(e) if config.require_wide_pipes => Err(e),
            _ => Ok(()),
        };
        let started = (|| {
            let rx = into_file(child.stdout.take().expect("stdout is piped"));
            widen(&rx)?;
            let tx = match given {
                Some(end) => end,
                None => {
                    let tx = into_file(child.stdin.take().expect("stdin is piped"));
                    widen(&tx)?;
                    tx
                }
            };
            Ok::<_, io::Error>((tx, rx))
        })();
        let (tx, rx) = match started {
            Ok(ends) => ends,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let child = Arc::new(Mutex::new(child));
        let watchdog = Watchdog::start(Arc::clone(&child), config.name, config.timeout);
        Ok(Link {
            child,
            tx,
            rx,
            small: Frame::default(),
            watchdog,
            config,
        })
    }

    /// Sends bytes already framed (a [`Frame`]'s, say) in one `write`.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.watchdog.busy();
        let sent = self.tx.write_all(bytes);
        self.watchdog.idle();
        sent.map_err(|e| self.lost(e))
    }

    /// Sends a header, then `payload` straight from the caller's buffer: two
    /// writes, no copy of a large payload.
    pub fn send_parts(&mut self, op: impl Op, index: usize, payload: &[u8]) -> io::Result<()> {
        self.watchdog.busy();
        let sent = self
            .tx
            .write_all(&header(op, index, payload.len()))
            .and_then(|()| self.tx.write_all(payload));
        self.watchdog.idle();
        sent.map_err(|e| self.lost(e))
    }

    /// Sends a header and a small payload together in one `write`.
    pub fn send_small(&mut self, op: impl Op, index: usize, payload: &[u8]) -> io::Result<()> {
        let mut frame = std::mem::take(&mut self.small);
        frame.set_indexed(op, index, payload);
        let sent = self.send(frame.bytes());
        self.small = frame;
        sent
    }

    /// Reads one reply. A failure status is an error (the child described
    /// it on its stderr).
    pub fn receive(&mut self) -> io::Result<Reply> {
        self.watchdog.busy();
        let reply = Reply::read_from(&mut self.rx);
        self.watchdog.idle();
        self.checked(reply)
    }

    /// Sends one framed request and reads its reply.
    pub fn request(&mut self, frame: &Frame) -> io::Result<Reply> {
        self.watchdog.busy();
        let sent = self.tx.write_all(frame.bytes());
        let reply = sent.and_then(|()| Reply::read_from(&mut self.rx));
        self.watchdog.idle();
        self.checked(reply)
    }

    /// Tells the child to exit with `exit` (code 0 of its protocol) and
    /// checks that it exits with status 0 within the grace period; kills it
    /// otherwise.
    pub fn finish(mut self, exit: impl Op) -> io::Result<()> {
        let name = self.config.name;
        let sent = self.tx.write_all(&header(exit, 0, 0));
        let deadline = Instant::now() + self.config.grace;
        loop {
            let status = self.child.lock().expect("child lock").try_wait()?;
            match status {
                Some(s) if s.success() => return Ok(()),
                Some(s) => return Err(io::Error::other(format!("{name} exited with {s}"))),
                None if Instant::now() > deadline => {
                    let why = sent.err().map(|e| format!(" ({e})")).unwrap_or_default();
                    return Err(io::Error::other(format!(
                        "{name} did not exit within {:?}{why}; killed",
                        self.config.grace
                    )));
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    }

    fn checked(&mut self, reply: io::Result<Reply>) -> io::Result<Reply> {
        let reply = reply.map_err(|e| self.lost(e))?;
        if reply.status != 0 {
            return Err(io::Error::other(format!(
                "{} reported a failure (status {}; see its stderr)",
                self.config.name, reply.status
            )));
        }
        Ok(reply)
    }

    /// Explains a broken channel by the child's exit status, when it has
    /// one within half a second.
    fn lost(&mut self, e: io::Error) -> io::Error {
        let name = self.config.name;
        for _ in 0..50 {
            let status = self.child.lock().expect("child lock").try_wait();
            if let Ok(Some(s)) = status {
                return io::Error::other(format!("{name} exited ({s}): {e}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        io::Error::new(e.kind(), format!("talking to {name}: {e}"))
    }
}

impl Drop for Link {
    /// Stops the watchdog, then kills a child that is still running and
    /// reaps it.
    fn drop(&mut self) {
        self.watchdog.stop();
        let mut child = self.child.lock().expect("child lock");
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

/// One end of a child's stdio pipe (`ChildStdin`, `ChildStdout`) as a
/// `File`.
#[cfg(unix)]
pub(crate) fn into_file(end: impl Into<std::os::fd::OwnedFd>) -> File {
    File::from(end.into())
}

/// One end of a child's stdio pipe (`ChildStdin`, `ChildStdout`) as a
/// `File`.
#[cfg(windows)]
pub(crate) fn into_file(end: impl Into<std::os::windows::io::OwnedHandle>) -> File {
    File::from(end.into())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    crate::ops! {
        /// `cat`'s protocol: it echoes.
        enum Echo {
            /// Never understood by `cat`; it exits at end of input.
            Exit = 0,
        }
    }

    fn config(timeout: Duration) -> Config {
        Config {
            name: "the test child",
            timeout,
            grace: Duration::from_secs(5),
            require_wide_pipes: cfg!(target_os = "linux"),
        }
    }

    #[test]
    fn a_reply_comes_back_and_a_failure_is_an_error() {
        // `cat` echoes each request back: 32 bytes read as a reply.
        let mut link = Link::spawn(Command::new("cat"), Channel::Pipe, config(TIMEOUT)).unwrap();
        let mut frame = Frame::default();
        let words = [0u64, 1, 2, 3].map(u64::to_le_bytes).concat();
        frame.set(Echo::Exit, &words[..16]);
        assert_eq!(link.request(&frame).unwrap(), Reply::ok(16, 0, 1));
        let failing = [5u64, 0, 0, 0].map(u64::to_le_bytes).concat();
        link.send(&failing).unwrap();
        let e = link.receive().unwrap_err().to_string();
        assert!(
            e.contains("the test child reported a failure (status 5"),
            "{e}"
        );
        // `cat` exits 0 at end of input, not on the exit header.
        drop(link);
    }

    #[test]
    fn a_silent_child_is_killed_and_named() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let mut link = Link::spawn(cmd, Channel::Pipe, config(Duration::from_millis(200))).unwrap();
        let t = Instant::now();
        let e = link.receive().unwrap_err().to_string();
        assert!(t.elapsed() < Duration::from_secs(10));
        assert!(e.starts_with("the test child exited ("), "{e}");
    }

    const TIMEOUT: Duration = Duration::from_secs(60);
}
