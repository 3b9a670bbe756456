//! [`PeerSpec`]: the runner's view of one peer, made from its manifest
//! (`manifest.rs`): how to start it and what it claims to do.

use shm_core::DType;
use shm_protocol::create::Layout;
use shm_protocol::form::Form;

/// How to run one peer, and what its manifest claims.
#[derive(Debug, Clone)]
pub struct PeerSpec {
    /// The name `--peer` takes and reports print.
    pub name: String,
    /// The command line prefix: program and leading arguments.
    pub argv: Vec<String>,
    /// The descriptor forms it reads: canonical (with the short form, which
    /// every peer reads), the Wetlands payload, or both.
    pub forms: Vec<Form>,
    /// dtypes (native byte order) it cannot hold, with the reason.
    pub unsupported: Vec<(DType, String)>,
    /// Whether it supports the other byte order.
    pub swapped: bool,
    /// Whether it can create arrays of shape with a zero-length dimension.
    pub empty: bool,
    /// Whether it offers `serve` (many `peer` commands in one process), so
    /// an actor's operations need not each start an interpreter.
    pub serve: bool,
    /// The segment layout it needs from a Rust creator.
    pub layout: Layout,
    /// A side the peer cannot take on this OS, with the reason.
    pub side_unsupported: Option<(Side, String)>,
    /// Whether its `create` takes `--name`.
    pub named_create: bool,
    /// Whether it offers `unlink NAME` (protocol 5.5).
    pub unlink: bool,
    /// Cases where the peer knowingly differs: (case, side, reason). They
    /// are reported as skipped with the reason, so the difference is seen.
    pub deviations: Vec<(String, Side, String)>,
}

/// Which side of a case the peer takes (`creates`, `attaches` in
/// manifests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The peer creates (the parent role); Rust children attach.
    Creates,
    /// Rust creates; the peer attaches (every child role).
    Attaches,
}

impl Side {
    /// Both sides, creator first.
    pub const BOTH: [Side; 2] = [Side::Creates, Side::Attaches];

    /// Whether the actor `who` of a case is the peer on this side.
    pub fn plays(self, who: &str) -> bool {
        match self {
            Side::Creates => who == "parent",
            Side::Attaches => who != "parent",
        }
    }
}

impl PeerSpec {
    /// Whether it reads descriptors in `form` (every peer that reads the
    /// canonical form reads the short one too).
    pub fn reads(&self, form: Form) -> bool {
        match form {
            Form::Short => self.forms.contains(&Form::Canonical),
            f => self.forms.contains(&f),
        }
    }

    /// Why the peer cannot hold `dtype`, if it cannot.
    pub fn cannot_hold(&self, dtype: DType) -> Option<&str> {
        let native = dtype.native();
        self.unsupported
            .iter()
            .find(|(d, _)| *d == native)
            .map(|(_, why)| why.as_str())
    }

    /// The reason of a documented deviation on `case` and `side` (any side
    /// when `None`).
    pub fn deviation(&self, case: &str, side: Option<Side>) -> Option<&str> {
        self.deviations
            .iter()
            .find(|(c, s, _)| c == case && side.is_none_or(|x| x == *s))
            .map(|(_, _, why)| why.as_str())
    }
}
