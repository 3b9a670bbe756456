//! An actor of a case run: what it is asked ([`Request`]), what it answers
//! ([`Reply`]), the [`Worker`] that does it with shm-core, and the loop a
//! child process runs ([`serve`]).
//!
//! The same worker runs in the runner process (the `parent` actor) and in
//! every child, forked or spawned.

mod request;
mod serve;
mod worker;

pub use request::{Reply, Request};
pub use serve::serve;
pub use worker::{Worker, part_range};
