//! The peer protocol (`docs/PEER-PROTOCOL.md`), version 1, implemented once
//! in Rust: what every Rust peer reads, does and prints alike. The
//! reference peer (`shm-harness create|peer|unlink|queue`), the
//! `shared_memory` crate's peer, the conformance runner's actors and its
//! driver of other peers all use it, so none of them has its own copy.
//!
//! Modules, from the bottom up:
//!
//! - [`exit`]: failure kinds and the one table from kinds to exit codes;
//! - [`arguments`]: the argument words (shapes, indices, descriptor
//!   arguments);
//! - [`pattern`]: the deterministic element pattern (section 8);
//! - [`operation`]: the `peer` operations, parsed from words, performed on
//!   any mapping's bytes, and written back as words;
//! - [`form`]: the descriptor forms (canonical, short, Wetlands);
//! - [`create`]: what `create` makes and the line it prints;
//! - [`hold`]: `create`'s flow: signals blocked before the segment exists,
//!   the line printed, then held or handed over;
//! - [`queue_ends`]: the two ends of `shm-harness queue` over
//!   `shm_core::queue`.
//!
//! It knows nothing of command-line parsers, catalogues or reports.

pub mod arguments;
pub mod create;
pub mod exit;
pub mod form;
pub mod hold;
pub mod operation;
pub mod pattern;
pub mod queue_ends;
