//! `create`'s flow, for every Rust peer: signals blocked before the segment
//! exists, the descriptor printed as one line, then the segment handed over
//! (`--keep`) or held until stdin closes or SIGTERM, SIGINT or SIGHUP
//! arrives, and released by dropping it (an owner unlinks).

use std::io::Write;
use std::process::ExitCode;

use shm_core::Error;

use crate::exit;

/// Makes a segment with `make` (which returns what holds it and the line to
/// print), prints the line, and then either hands it over with `hand_over`
/// and exits at once (`keep`), or holds it until released.
pub fn create_and_hold<H>(
    keep: bool,
    make: impl FnOnce() -> Result<(H, String), Error>,
    hand_over: impl FnOnce(&mut H),
) -> ExitCode {
    let signals = block_release_signals();
    let (mut held, line) = match make() {
        Ok(made) => made,
        Err(e) => return exit::fail_with(&e),
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        // Nobody can learn the name: dropping `held` does not leave it behind.
        return exit::fail(
            exit::SEGMENT_FAILED,
            "cannot write the descriptor to stdout",
        );
    }
    drop(out);
    if keep {
        hand_over(&mut held);
        return ExitCode::SUCCESS;
    }
    wait_for_release(signals);
    drop(held);
    ExitCode::SUCCESS
}

/// Blocks SIGTERM, SIGINT and SIGHUP (and SIGUSR1, the stdin watcher's
/// wake-up) in this thread and every thread started later, so that from now
/// on they are taken with `sigwait` and never kill the process before it
/// unlinks. Called before the segment exists, so no signal can fall between
/// creating it and waiting.
#[cfg(unix)]
fn block_release_signals() -> Option<nix::sys::signal::SigSet> {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGUSR1,
    ] {
        set.add(s);
    }
    set.thread_block().ok().map(|()| set)
}

/// Blocks until stdin reaches end of file or a blocked signal arrives.
#[cfg(unix)]
fn wait_for_release(signals: Option<nix::sys::signal::SigSet>) {
    use nix::sys::signal::{Signal, kill};
    let Some(set) = signals else {
        // Signals could not be blocked: stdin alone can release.
        drain_stdin();
        return;
    };
    std::thread::spawn(|| {
        drain_stdin();
        let _ = kill(nix::unistd::getpid(), Signal::SIGUSR1);
    });
    let _ = set.wait();
}

#[cfg(not(unix))]
fn block_release_signals() -> Option<()> {
    None
}

#[cfg(not(unix))]
fn wait_for_release(_: Option<()>) {
    drain_stdin();
}

fn drain_stdin() {
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
}
