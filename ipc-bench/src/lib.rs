//! What a benchmark needs to drive a persistent child process, written once
//! for the criterion benches (`benches`) and `shm-harness speedup`:
//!
//! - [`wire`]: the framing of requests and replies on the control pipes,
//!   and [`ops!`], which declares a protocol's operations;
//! - [`link`]: the parent's handle on the child, which spawns it, sends
//!   requests, reads replies and explains a child that died;
//! - [`watchdog`]: kills a child that leaves a request unanswered, so a
//!   benchmark fails instead of hanging;
//! - [`pipe`]: widening a pipe, so copies move in large chunks;
//! - [`units`]: times and ratios as people read them.
//!
//! It uses only `std` (and `nix` on Linux, for `F_SETPIPE_SZ`), so it builds
//! on every OS the harness runs on.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod link;
pub mod pipe;
pub mod units;
pub mod watchdog;
pub mod wire;
