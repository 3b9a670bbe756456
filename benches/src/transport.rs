//! The copy path done as a careful engineer would: wide pipes and large
//! socket buffers, so the kernel moves big chunks per system call.

use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

/// The pipe capacity asked for on Linux (`F_SETPIPE_SZ`): 1 MiB, the default
/// `/proc/sys/fs/pipe-max-size`, so no privilege is needed.
pub const PIPE_SIZE: usize = 1 << 20;

/// The socket buffer size asked for (`SO_SNDBUF`, `SO_RCVBUF`); the kernel
/// caps it at `net.core.wmem_max` / `rmem_max`.
pub const SOCKET_BUFFER: usize = 4 << 20;

/// Raises a pipe's capacity to [`PIPE_SIZE`] and returns the capacity it has
/// (`F_GETPIPE_SZ`). Linux only; elsewhere pipes keep their fixed size and
/// this returns `Ok(None)`.
#[doc(alias = "F_SETPIPE_SZ")]
pub fn widen_pipe(pipe: impl AsFd) -> io::Result<Option<usize>> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use nix::fcntl::{FcntlArg, fcntl};
        let fd = pipe.as_fd();
        let size = i32::try_from(PIPE_SIZE).expect("1 MiB fits");
        fcntl(fd, FcntlArg::F_SETPIPE_SZ(size))?;
        let now = fcntl(fd, FcntlArg::F_GETPIPE_SZ)?;
        Ok(usize::try_from(now).ok())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = pipe;
        Ok(None)
    }
}

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
    fn pipes_and_sockets_widen() {
        let (a, b) = UnixStream::pair().unwrap();
        assert!(widen_socket(&a).unwrap() > 0);
        assert!(widen_socket(&b).unwrap() > 0);
        let child = std::process::Command::new("true")
            .stdin(std::process::Stdio::piped())
            .spawn();
        if let Ok(mut child) = child {
            let stdin = child.stdin.take().unwrap();
            if cfg!(target_os = "linux") {
                assert!(widen_pipe(&stdin).unwrap().unwrap() >= PIPE_SIZE);
            }
            drop(stdin);
            child.wait().unwrap();
        }
    }
}
