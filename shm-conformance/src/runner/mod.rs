//! Runs catalogue cases with real processes.
//!
//! For every case and mode, the runner (the parent, in this process) and
//! its children (forked or spawned, started on first use) perform the
//! case's steps in order, or a peer plays one side. A case run ends when a
//! step's outcome differs from what the case expects, when the deadline
//! passes (`--timeout`, whole case), or when every step passed. Then every
//! child is told to exit (or killed), the parent drops what it holds, and
//! every segment the run created must be gone: one that is left is removed
//! and fails the run.
//!
//! Files: `case_run.rs` (one case run: actors, steps, expectations,
//! teardown), `resolve.rs` (steps into requests), `driver.rs` (a peer
//! driven through its command line), `servers.rs` (peers' `serve`
//! processes kept between case runs).

mod case_run;
mod driver;
mod resolve;
mod servers;

use std::time::{Duration, Instant};

pub use case_run::{Cast, run_case};
pub use driver::PeerActor;
pub use servers::KeptServers;

use crate::process::Launcher;

/// Settings that hold for a whole run.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long each pass over a case's steps may take.
    pub timeout: Duration,
}

/// What a run starts and keeps: its launcher, and the peers' `serve`
/// processes kept between case runs. Made by whoever runs, and passed in.
pub struct Processes {
    /// How processes start.
    pub launcher: Launcher,
    /// `serve` processes waiting for their next case run.
    pub servers: KeptServers,
}

impl Processes {
    /// Processes started with `launcher`, none kept yet.
    pub fn new(launcher: Launcher) -> Processes {
        Processes {
            launcher,
            servers: KeptServers::default(),
        }
    }

    /// Ends every kept `serve` process (by `deadline`), then the warm
    /// interpreter, which reports how they ended.
    pub fn end(&mut self, deadline: Instant) {
        self.servers.end(deadline);
        self.launcher.end();
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        self.end(Instant::now() + Duration::from_secs(5));
    }
}
