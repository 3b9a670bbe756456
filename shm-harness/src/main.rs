//! `shm-harness`: the conformance runner and reference peer for sharing
//! n-dimensional arrays between processes through named shared memory. A
//! thin `main` over the commands of `cmd/`; the README documents the
//! command line.

mod cmd;

use std::process::ExitCode;

fn main() -> ExitCode {
    cmd::run(shm_harness::cli::parse::<shm_harness::cli::Cli>().command)
}
