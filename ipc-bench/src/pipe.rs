//! Widening a pipe, so copies move in large chunks per system call: the
//! copy path done as a careful engineer would.

use std::fs::File;
use std::io;

/// The pipe capacity asked for on Linux (`F_SETPIPE_SZ`): 1 MiB, the default
/// `/proc/sys/fs/pipe-max-size`, so no privilege is needed.
pub const PIPE_SIZE: usize = 1 << 20;

/// Raises a pipe's capacity to [`PIPE_SIZE`] and returns the capacity it has
/// (`F_GETPIPE_SZ`). Linux only; elsewhere pipes keep their fixed size and
/// this returns `Ok(None)`.
#[doc(alias = "F_SETPIPE_SZ")]
pub fn widen_pipe(pipe: &File) -> io::Result<Option<usize>> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use nix::fcntl::{FcntlArg, fcntl};
        let size = i32::try_from(PIPE_SIZE).expect("1 MiB fits");
        fcntl(pipe, FcntlArg::F_SETPIPE_SZ(size))?;
        let now = fcntl(pipe, FcntlArg::F_GETPIPE_SZ)?;
        Ok(usize::try_from(now).ok())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = pipe;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_widen() {
        let child = std::process::Command::new(if cfg!(windows) { "cmd" } else { "true" })
            .args(if cfg!(windows) {
                &["/c", "exit"][..]
            } else {
                &[]
            })
            .stdin(std::process::Stdio::piped())
            .spawn();
        if let Ok(mut child) = child {
            let stdin = crate::link::into_file(child.stdin.take().unwrap());
            let got = widen_pipe(&stdin).unwrap();
            if cfg!(target_os = "linux") {
                assert!(got.unwrap() >= PIPE_SIZE);
            }
            drop(stdin);
            child.wait().unwrap();
        }
    }
}
