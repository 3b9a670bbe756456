//! The `shm-harness` command line as clap types ([`cli`]), shared by this
//! package's two binaries: `shm-harness` (the conformance runner and the
//! reference peer; its commands are `src/cmd/`, one file each) and
//! `shared_memory_peer` (the `shared_memory` crate's peer). Everything they
//! do lives in the libraries below them: `shm-protocol` (the peer protocol),
//! `shm-conformance` (the runner) and `shm-speedup`.
//!
//! The command line is a contract that CI and other languages drive; see
//! the README.

pub mod cli;
