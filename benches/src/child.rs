//! Starting a persistent `bench-child` on the transport a bench measures.
//!
//! Each bench group spawns its child once, before anything is timed, and
//! drives it through an [`ipc_bench::link::Link`]: the child's stdin is a
//! pipe widened to 1 MiB or one end of a Unix socket pair with large
//! buffers, and it is also the data path of the copied hand-offs; replies
//! come back on the child's stdout pipe. The link's watchdog kills a child
//! that leaves a request unanswered for [`TIMEOUT`], so a bench fails
//! instead of hanging.

use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use ipc_bench::link::{Channel, Config, Link};
use ipc_bench::wire::Frame;

use crate::op::Op;
use crate::transport;

/// How long one request may stay unanswered before the watchdog kills the
/// child.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// How the child is watched: a pipe that cannot be widened is an error,
/// since the copied figures would not be what they claim.
const CONFIG: Config = Config {
    name: "bench-child",
    timeout: TIMEOUT,
    grace: Duration::from_secs(10),
    require_wide_pipes: true,
};

/// How the parent's requests and data reach the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A pipe, raised to 1 MiB on Linux (`F_SETPIPE_SZ`).
    Pipe,
    /// A Unix stream socket pair with [`transport::SOCKET_BUFFER`]-byte
    /// buffers.
    UnixSocket,
}

/// Spawns the child program `exe` (the `bench-child` binary) with its stdin
/// on `transport`, and waits until it answers a ping, so process start-up
/// is over before anything is timed. End it with `finish(Op::Exit)`.
pub fn spawn(exe: &Path, transport: Transport) -> io::Result<Link> {
    let mut cmd = Command::new(exe);
    cmd.stderr(Stdio::inherit());
    let channel = match transport {
        Transport::Pipe => Channel::Pipe,
        Transport::UnixSocket => {
            let (ours, theirs) = UnixStream::pair()?;
            transport::widen_socket(&ours)?;
            transport::widen_socket(&theirs)?;
            Channel::Given {
                child_end: Stdio::from(OwnedFd::from(theirs)),
                parent_end: File::from(OwnedFd::from(ours)),
            }
        }
    };
    let mut link = Link::spawn(cmd, channel, CONFIG)?;
    link.request(&Frame::with_payload(Op::Ping, b"hello"))?;
    Ok(link)
}

/// Spawns `exe` with `args` for a mode that reads no requests (its stdin is
/// an idle pipe) and replies on its stdout, and waits for its first reply,
/// which says it is ready. The child is watched like [`spawn`]'s.
pub fn spawn_with(exe: &Path, args: &[&str]) -> io::Result<Link> {
    let mut cmd = Command::new(exe);
    cmd.args(args).stderr(Stdio::inherit());
    let mut link = Link::spawn(cmd, Channel::Pipe, CONFIG)?;
    link.receive()?;
    Ok(link)
}

/// Asks the child to allocate and pre-fault a receive buffer of `len`
/// bytes, so no timed receive takes a page fault or grows a buffer.
pub fn prepare(link: &mut Link, len: usize) -> io::Result<()> {
    let reply = link.request(&Frame::header_only(Op::Prepare, len))?;
    assert!(reply.a as usize >= len, "child buffer too small");
    Ok(())
}
