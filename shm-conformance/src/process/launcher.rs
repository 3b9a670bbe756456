//! [`Launcher`]: how a run starts other programs' processes, made
//! explicitly by whoever runs (no global state): every process is spawned,
//! except, on Linux, this binary's own Python scripts, which a warm
//! interpreter forks when the launcher was offered one.

use std::path::Path;
use std::process::Command;

use super::child::ChildProc;
use super::ending::NoReply;
#[cfg(target_os = "linux")]
use super::warm::Warm;

/// Starts a run's processes; ends its warm interpreter when dropped.
#[derive(Default)]
pub struct Launcher {
    #[cfg(target_os = "linux")]
    warm: Option<Warm>,
}

impl Launcher {
    /// A launcher that spawns every process.
    pub fn new() -> Launcher {
        Launcher::default()
    }

    /// A launcher whose children that run `python` on a script in the
    /// directory of `server_script` (`fixtures/python/forkserver.py`, among
    /// this binary's own scripts) are forked from one warm interpreter
    /// (Linux; elsewhere, and with `SHM_HARNESS_WARM=0`, they are spawned).
    pub fn with_warm_python(python: &str, server_script: &Path) -> Launcher {
        #[cfg(target_os = "linux")]
        {
            Launcher {
                warm: Warm::new(python, server_script),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (python, server_script);
            Launcher::new()
        }
    }

    /// Starts `command` with piped stdin, stdout and stderr.
    pub fn spawn(&mut self, command: Command) -> Result<ChildProc, NoReply> {
        #[cfg(target_os = "linux")]
        if let Some(started) = self.warm.as_mut().and_then(|w| w.spawn(&command)) {
            let (child, stdin, stdout) = started?;
            return Ok(ChildProc::warm(child, stdin, stdout));
        }
        ChildProc::spawn(command)
    }

    /// Ends the warm interpreter, if one was started.
    pub fn end(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(w) = self.warm.as_mut() {
            w.end();
        }
    }
}

impl Drop for Launcher {
    fn drop(&mut self) {
        self.end();
    }
}
