//! The parent's handle on a persistent child process.
//!
//! Each bench group spawns its child once, before anything is timed, and
//! drives it through a control channel: the child's stdin is a pipe widened
//! to 1 MiB or one end of a Unix socket pair with large buffers, and it is
//! also the data path of the copied hand-offs; replies come back on the
//! child's stdout pipe. A watchdog kills a child that leaves a request
//! unanswered for [`TIMEOUT`], so a bench fails instead of hanging.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::proto::{Frame, Op, Reply};
use crate::transport;

/// How long one request may stay unanswered before the watchdog kills the
/// child.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// How the parent's requests and data reach the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A pipe, raised to 1 MiB on Linux (`F_SETPIPE_SZ`).
    Pipe,
    /// A Unix stream socket pair with [`transport::SOCKET_BUFFER`]-byte
    /// buffers.
    UnixSocket,
}

/// A running child process and the two ends the parent holds.
#[derive(Debug)]
pub struct Peer {
    child: Child,
    tx: File,
    rx: File,
    watchdog: Watchdog,
}

impl Peer {
    /// Spawns the child program `exe` (the `bench-child` binary) with its
    /// stdin on `transport`, and waits until it answers a ping, so process
    /// start-up is over before anything is timed.
    pub fn spawn(exe: &Path, transport: Transport) -> io::Result<Peer> {
        let mut cmd = Command::new(exe);
        cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let parent_end = match transport {
            Transport::Pipe => {
                cmd.stdin(Stdio::piped());
                None
            }
            Transport::UnixSocket => {
                let (ours, theirs) = UnixStream::pair()?;
                transport::widen_socket(&ours)?;
                transport::widen_socket(&theirs)?;
                cmd.stdin(Stdio::from(OwnedFd::from(theirs)));
                Some(ours)
            }
        };
        let mut child = cmd.spawn()?;
        let stdout = child.stdout.take().expect("stdout is piped");
        transport::widen_pipe(&stdout)?;
        let tx = match parent_end {
            Some(sock) => File::from(OwnedFd::from(sock)),
            None => {
                let stdin = child.stdin.take().expect("stdin is piped");
                transport::widen_pipe(&stdin)?;
                File::from(OwnedFd::from(stdin))
            }
        };
        let watchdog = Watchdog::start(child.id());
        let mut peer = Peer {
            child,
            tx,
            rx: File::from(OwnedFd::from(stdout)),
            watchdog,
        };
        let hello = Frame::with_payload(Op::Ping, b"hello");
        peer.request(&hello)?;
        Ok(peer)
    }

    /// Sends one framed request and waits for the reply. A failure status
    /// is an error (the child described it on its stderr).
    pub fn request(&mut self, frame: &Frame) -> io::Result<Reply> {
        self.watchdog.busy();
        let sent = self.tx.write_all(frame.bytes());
        let reply = sent.and_then(|()| Reply::read_from(&mut self.rx));
        self.watchdog.idle();
        let reply = reply.map_err(|e| self.explain(e))?;
        if reply.status != 0 {
            return Err(io::Error::other(
                "the child reported a failure (see its stderr)",
            ));
        }
        Ok(reply)
    }

    /// Asks the child to allocate and pre-fault a receive buffer of `len`
    /// bytes, so no timed receive takes a page fault or grows a buffer.
    pub fn prepare(&mut self, len: usize) -> io::Result<()> {
        let reply = self.request(&Frame::header_only(Op::Prepare, len))?;
        assert!(reply.a as usize >= len, "child buffer too small");
        Ok(())
    }

    /// Tells the child to exit and checks that it exited with status 0.
    pub fn finish(mut self) -> io::Result<ExitStatus> {
        let status = self.shut_down()?;
        if !status.success() {
            return Err(io::Error::other(format!(
                "bench child exited with {status}"
            )));
        }
        Ok(status)
    }

    fn shut_down(&mut self) -> io::Result<ExitStatus> {
        let _ = self.tx.write_all(&crate::proto::header(Op::Exit, 0));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait()? {
                self.watchdog.stop();
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let status = self.child.wait()?;
                self.watchdog.stop();
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn explain(&mut self, e: io::Error) -> io::Error {
        let status = self.child.try_wait().ok().flatten();
        match status {
            Some(s) => io::Error::other(format!("bench child died ({s}): {e}")),
            None => e,
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if !self.watchdog.stopped() {
            let _ = self.shut_down();
        }
    }
}

/// Kills the child if a request stays unanswered for [`TIMEOUT`].
///
/// The timed path pays two relaxed atomic increments: the sequence number
/// is odd while a request is outstanding, and the watchdog thread, waking
/// every 200 ms, kills the child when it sees the same odd number for too
/// long.
#[derive(Debug)]
struct Watchdog {
    seq: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    fn start(pid: u32) -> Watchdog {
        let seq = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, halt) = (Arc::clone(&seq), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let mut seen = (0, Instant::now());
            while !halt.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let now = s.load(Ordering::Relaxed);
                if now != seen.0 {
                    seen = (now, Instant::now());
                } else if now % 2 == 1 && seen.1.elapsed() > TIMEOUT {
                    eprintln!("bench child {pid}: no reply in {TIMEOUT:?}, killing it");
                    let pid = nix::unistd::Pid::from_raw(pid as i32);
                    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                    return;
                }
            }
        });
        Watchdog {
            seq,
            stop,
            thread: Some(thread),
        }
    }

    fn busy(&self) {
        self.seq.fetch_add(1, Ordering::Relaxed);
    }

    fn idle(&self) {
        self.seq.fetch_add(1, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.thread.is_none()
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop();
    }
}
