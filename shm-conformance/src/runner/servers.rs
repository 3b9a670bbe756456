//! [`KeptServers`]: the peers' `serve` processes kept from one case run to
//! the next, so a run starts each peer's interpreter about once. A served
//! command attaches, acts and detaches as a separate process would
//! (PEER-PROTOCOL section 10), so nothing a case does lingers in them.

use std::time::Instant;

use crate::process::ChildProc;

/// `serve` processes waiting for their next case run, by peer command
/// line. Owned by the run that started them (no global state).
#[derive(Default)]
pub struct KeptServers {
    waiting: Vec<(Vec<String>, ChildProc)>,
}

impl KeptServers {
    /// A kept `serve` process of the peer run by `argv`, if one is waiting
    /// and still alive.
    pub fn take(&mut self, argv: &[String]) -> Option<ChildProc> {
        while let Some(i) = self.waiting.iter().position(|(a, _)| a == argv) {
            let (_, mut server) = self.waiting.swap_remove(i);
            if server.alive() {
                return Some(server);
            }
        }
        None
    }

    /// Keeps `server`, the `serve` process of the peer run by `argv`.
    pub fn keep(&mut self, argv: &[String], server: ChildProc) {
        self.waiting.push((argv.to_vec(), server));
    }

    /// Ends every kept process: stdin closed, then killed if it has not
    /// exited by `deadline`.
    pub fn end(&mut self, deadline: Instant) {
        for (_, mut server) in self.waiting.drain(..) {
            server.close_stdin();
            if server.wait(deadline).is_none() {
                server.kill();
            }
        }
    }
}
