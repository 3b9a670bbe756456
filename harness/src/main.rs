//! `shm-harness`: the conformance runner and reference peer for sharing
//! n-dimensional arrays between processes through named shared memory. A
//! thin `main` over the `harness` library; the README documents the
//! command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    harness::run_command(harness::cli::parse::<harness::cli::Cli>().command)
}
