//! The reference peer's command line as a library, shared by every Rust
//! peer (`shm-harness` and `shared_memory_peer`), so that they parse, act,
//! hold and fail alike:
//!
//! - `op.rs`: the `peer` operations (`sum`, `get`, `set`, `fill`, `emit`,
//!   `pattern`, `check-pattern`), parsed from the command line's words and
//!   performed on any mapping's bytes ([`ArrayBytes`]);
//! - `hold.rs`: `create`'s flow: signals blocked before the segment exists,
//!   the descriptor printed, then handed over (`--keep`) or held until stdin
//!   closes or a signal arrives;
//! - `commands.rs`: `shm-harness create`, `peer` and `unlink` over shm-core.
//!
//! The protocol itself (arguments, output, exit codes) is in the README.

mod commands;
mod hold;
mod op;

pub use commands::{create, peer, read_descriptor, unlink};
pub use hold::{create_and_hold, create_plan};
pub use op::{ArrayBytes, PeerOp, peer_command};
