//! The peers under test: programs speaking the peer protocol
//! (`docs/PEER-PROTOCOL.md`), each described by a manifest.
//!
//! `manifest.rs` is the manifest schema (documented there once),
//! `spec.rs` the runner's view of a peer ([`PeerSpec`], [`Side`]),
//! `applies.rs` which cases a peer can play on which side, and
//! `registry.rs` the built-in peers, `--peer-manifest`, and how their
//! processes start.

mod applies;
mod manifest;
mod registry;
mod spec;

pub use applies::{not_applicable, runner_checks};
pub use manifest::{Manifest, Placeholders, SCHEMA};
pub use registry::{
    FOREIGN, KNOWN, NOT_ON_THIS_OS, PeerChoice, Registry, Resolved, chosen, resolve_all,
};
pub use spec::{PeerSpec, Side};
