//! The conformance library: the case catalogue, the runner that plays it
//! with real processes against any peer, peer manifests, reports, the
//! interop matrix and property tests across processes. The `shm-harness`
//! binary is a thin command line over it.
//!
//! Modules, from the bottom up (each imports only those above it in this
//! list, and none imports back):
//!
//! - [`platform`]: this system as cases and manifests speak of it;
//! - [`catalogue`]: the case catalogue (`fixtures/cases/*.toml`, embedded)
//!   and its schemas;
//! - [`actor`]: what a case's actor is asked and answers, and the worker
//!   that does it;
//! - [`process`]: child processes, one facade over one file per OS, and
//!   the launcher;
//! - [`peer`]: the peers under test: manifests, what a peer can play, the
//!   built-in ones;
//! - [`record`]: the typed result of one run, which reports write;
//! - [`runner`]: one case run, with the runner, its children and a peer;
//! - [`queue_run`]: one queue case run;
//! - [`suite`]: a whole run: which cases, modes and peers;
//! - [`matrix`]: the interop matrix, counted from typed results;
//! - [`report`]: human lines, JSON lines, JUnit XML, the matrix tables;
//! - [`prop`]: property tests through one peer;
//! - [`check`]: the peer check: what the catalogue cannot say about a
//!   peer, command by command.
//!
//! The data the library embeds (`fixtures/`, `python/shm_peer_kit/`) is
//! read from the workspace, or in a packaged crate from the copy packaging
//! puts beside it; `build.rs` says which, and [`data!`] reads from there.

/// The text of one of the workspace's data files, embedded at build time:
/// `data!("fixtures/peers/cli.toml")`. The file is read from the workspace
/// or, in a packaged crate, from its copy (`build.rs` chooses, in
/// `SHM_CONFORMANCE_DATA`).
macro_rules! data {
    ($path:literal) => {
        include_str!(concat!(env!("SHM_CONFORMANCE_DATA"), "/", $path))
    };
}

pub mod actor;
pub mod catalogue;
pub mod check;
pub mod matrix;
pub mod peer;
pub mod platform;
pub mod process;
pub mod prop;
pub mod queue_run;
pub mod record;
pub mod report;
pub mod runner;
pub mod suite;
