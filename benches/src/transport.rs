//! The socket side of the copy path done as a careful engineer would: large
//! socket buffers, so the kernel moves big chunks per system call (pipes
//! are widened by [`ipc_bench::pipe`]).

use std::io;
use std::os::unix::net::UnixStream;

/// The socket buffer size asked for (`SO_SNDBUF`, `SO_RCVBUF`); the kernel
/// caps it at `net.core.wmem_max` / `rmem_max`.
pub const SOCKET_BUFFER: usize = 4 << 20;

/// Asks for [`SOCKET_BUFFER`]-byte send and receive buffers and returns the
/// send buffer the kernel granted (Linux reports double the bookkeeping
/// size it charges).
#[doc(alias = "SO_SNDBUF")]
pub fn widen_socket(sock: &UnixStream) -> io::Result<usize> {
    use nix::sys::socket::{getsockopt, setsockopt, sockopt};
    setsockopt(sock, sockopt::SndBuf, &SOCKET_BUFFER)?;
    setsockopt(sock, sockopt::RcvBuf, &SOCKET_BUFFER)?;
    Ok(getsockopt(sock, sockopt::SndBuf)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_widen() {
        let (a, b) = UnixStream::pair().unwrap();
        assert!(widen_socket(&a).unwrap() > 0);
        assert!(widen_socket(&b).unwrap() > 0);
    }
}
