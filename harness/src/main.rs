//! `shm-harness`: the conformance runner and reference peer for sharing
//! n-dimensional arrays between processes through named shared memory.
//!
//! The command line is a contract that CI and other languages drive; see the
//! README. Exit codes: 0 success, 1 a case failed, 2 wrong input (usage,
//! descriptor, name, dtype, index, value), 3 a failed segment operation
//! (not found, already exists, size or dtype mismatch, out of space).
#![deny(unsafe_code)]

mod cases;
mod clean;
mod cli;
mod matrix;
mod ops;
mod pattern;
mod peer;
mod peers;
mod report;
mod run;
mod runner;
mod speedup;
mod words;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Create(args) => peer::create(&args),
        cli::Command::Peer(args) => peer::peer(&args),
        cli::Command::Unlink(args) => peer::unlink(&args),
        cli::Command::Run(args) => run::run(&args),
        cli::Command::List(args) => run::list(&args),
        cli::Command::Child => run::child(),
        cli::Command::Speedup(args) => speedup::run(&args),
        cli::Command::Clean(args) => clean::clean(&args),
        cli::Command::Matrix(args) => matrix::matrix(&args),
    }
}
