//! Running a measuring program (`speedup.py`, `speedup-iceoryx2`) with a
//! timeout, its output in anonymous files.

use std::io::{Read, Seek};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a measuring program printed, and whether it succeeded.
pub(super) struct Output {
    pub(super) success: bool,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

/// Runs `cmd` with its output in anonymous files (no pipe can fill up and
/// block it) and kills it after `timeout`.
pub(super) fn run(mut cmd: Command, timeout: Duration) -> Result<Output, String> {
    let files = (tempfile::tempfile(), tempfile::tempfile());
    let (Ok(mut out), Ok(mut err)) = files else {
        return Err("cannot make temporary files".into());
    };
    let handles = (out.try_clone(), err.try_clone());
    let (Ok(o), Ok(e)) = handles else {
        return Err("cannot duplicate temporary files".into());
    };
    // Its own process group, so a timeout also ends the processes it started.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(o)
        .stderr(e)
        .spawn()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(s) => break s,
            None if Instant::now() > deadline => {
                #[cfg(unix)]
                {
                    use nix::sys::signal::{Signal, killpg};
                    let group = nix::unistd::Pid::from_raw(child.id() as i32);
                    let _ = killpg(group, Signal::SIGKILL);
                }
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no result in {timeout:?}; killed"));
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let read = |f: &mut std::fs::File| {
        let mut s = String::new();
        let _ = f.rewind().and_then(|()| f.read_to_string(&mut s));
        s
    };
    Ok(Output {
        success: status.success(),
        stdout: read(&mut out),
        stderr: read(&mut err),
    })
}
