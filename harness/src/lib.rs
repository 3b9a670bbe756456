//! The `shm-harness` library: the conformance runner and the reference
//! peer for sharing n-dimensional arrays between processes through named
//! shared memory. The binaries (`shm-harness`, `shared_memory_peer`) are
//! thin `main`s over it.
//!
//! The command line is a contract that CI and other languages drive; see
//! the README. Exit codes and failure kinds: [`exit`].
//!
//! Modules: [`cli`] (the command line as clap types), [`exit`] (kinds and
//! exit codes), [`peer`] (the reference peer's commands, shared by every
//! Rust peer); and, inside the crate, `cases` (the catalogue and its step
//! schema), `request` and `worker` (what actors are asked and how they do
//! it), `runner` (case runs with real processes), `peers` (the foreign peers
//! `--peer` names), `report` (human, JSON lines, JUnit), `run`, `matrix`,
//! `clean`, `prop`, `queue` and `speedup` (the other commands), `pattern`
//! and `words`
//! (shared by every peer).

pub mod cli;
pub mod exit;
pub mod peer;

mod cases;
mod clean;
mod matrix;
mod pattern;
mod peers;
mod prop;
mod queue;
mod report;
mod request;
mod run;
mod runner;
mod speedup;
mod words;
mod worker;

use std::process::ExitCode;

/// Runs one `shm-harness` command.
pub fn run_command(command: cli::Command) -> ExitCode {
    use cli::Command;
    match command {
        Command::Create(args) => peer::create(&args),
        Command::Peer(args) => peer::peer(&args),
        Command::Unlink(args) => peer::unlink(&args),
        Command::Run(args) => run::run(&args),
        Command::List(args) => run::list(&args),
        Command::Child => run::child(),
        Command::Speedup(args) => speedup::run(&args),
        Command::Clean(args) => clean::clean(&args),
        Command::Matrix(args) => matrix::matrix(&args),
        Command::Queue(args) => queue::queue(&args),
        Command::Prop(args) => prop::prop(&args),
    }
}

/// The text of a descriptor argument, as every Rust peer reads it: the
/// JSON itself, `@FILE`, or `-` for stdin.
pub use words::descriptor_text;
