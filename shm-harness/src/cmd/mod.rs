//! The commands, one file each: they read their clap arguments, call the
//! libraries, and turn the result into an exit code through the one table
//! (`shm_protocol::exit`).

mod check_peer;
mod child;
mod clean;
mod create;
mod list;
mod matrix;
mod peer;
mod prop;
mod queue;
mod run;
mod schema;
mod speedup;
mod unlink;

use std::process::ExitCode;

use shm_harness::cli::Command;

/// Runs one `shm-harness` command.
pub(crate) fn run(command: Command) -> ExitCode {
    match command {
        Command::Create(args) => create::create(&args),
        Command::Peer(args) => peer::peer(&args),
        Command::Unlink(args) => unlink::unlink(&args),
        Command::Run(args) => run::run(&args),
        Command::List(args) => list::list(&args),
        Command::Child => child::child(),
        Command::CheckPeer(args) => check_peer::check_peer(&args),
        Command::Schema(args) => schema::schema(&args),
        Command::Speedup(args) => speedup::speedup(&args),
        Command::Clean(args) => clean::clean(&args),
        Command::Matrix(args) => matrix::matrix(&args),
        Command::Queue(args) => queue::queue(&args),
        Command::Prop(args) => prop::prop(&args),
    }
}
