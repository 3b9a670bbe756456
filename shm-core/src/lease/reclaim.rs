//! What `clean` decides for each lease, and the reclaiming itself.

use super::holders::{self, Holders};
use super::ledger::{self, Lease};
use super::process;
use crate::error::{Error, Result};
use crate::{name, segment};

/// What [`reclaim`] decided for one lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The holder is gone: the segment was unlinked (or would be, in a dry run).
    Reclaimed,
    /// The holder is gone and so was the segment: only the lease was removed.
    AlreadyGone,
    /// The holder is alive: spared.
    HolderAlive,
    /// The segment was handed over and awaits adoption, and a party to the
    /// transfer lives (the sender, a process that maps the segment, or one
    /// that holds the stream it travels on), or this OS cannot tell: spared.
    HandedOver,
    /// The holder is gone, but it lent arrays from this segment (a pool) on
    /// a stream a live process still holds, or a live process maps the
    /// segment: spared, since those arrays may still be read.
    Lent,
}

impl Verdict {
    /// The verdict as `clean` prints it and cases expect it:
    /// `reclaimed`, `already-gone`, `holder-alive`, `handed-over`, `lent`.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Reclaimed => "reclaimed",
            Verdict::AlreadyGone => "already-gone",
            Verdict::HolderAlive => "holder-alive",
            Verdict::HandedOver => "handed-over",
            Verdict::Lent => "lent",
        }
    }
}

/// Whether the process a lease names is still the one that took it: its
/// pid exists and its start time is the one recorded.
pub fn holder_alive(lease: &Lease) -> bool {
    process::alive(lease.pid, lease.start.as_deref())
}

/// Whether a handed-over segment's transfer may still complete: its
/// sender lives, or someone holds the stream it travels on (for a queue) or
/// maps the segment (for a plain disown). Where the OS cannot say who holds
/// what (`holders` is `None`), it may.
fn transfer_pending(lease: &Lease, holders: Option<&Holders>) -> bool {
    holder_alive(lease) || party_lives(lease, holders)
}

/// Whether a process other than the lease's holder may still read the
/// segment: one that holds the stream the lease names, or maps the segment
/// (always, where the OS cannot tell).
fn party_lives(lease: &Lease, holders: Option<&Holders>) -> bool {
    let Some(holders) = holders else { return true };
    match &lease.stream {
        Some(stream) => holders.hold_stream(stream) || holders.hold_segment(&lease.name),
        None => holders.hold_segment(&lease.name),
    }
}

/// Decides every lease (or only `only`'s) and, unless `dry_run`, unlinks
/// the segments whose holder is gone and removes their leases.
///
/// A lease held by a process is reclaimed when that process is gone. A
/// handed-over lease (a transfer) is reclaimed once every party to it is
/// gone: the sender, and then whoever could still receive it: on Linux, any
/// process that holds the stream it travels on or maps the segment (see
/// `holders.rs`); elsewhere that cannot be seen, and transfers are spared.
/// A lease its holder keeps but lent arrays from on a stream (a pool) is
/// reclaimed once the holder is gone and no process holds that stream or
/// maps the segment (spared likewise where that cannot be seen).
pub fn reclaim(only: Option<&str>, dry_run: bool) -> Result<Vec<(Lease, Verdict)>> {
    let only = only.map(name::validate).transpose()?;
    let leases: Vec<Lease> = ledger::list()
        .into_iter()
        .filter(|l| only.is_none_or(|n| n == l.name))
        .collect();
    let holders = if leases.iter().any(|l| l.handed_over || l.stream.is_some()) {
        holders::scan()
    } else {
        None
    };
    let mut decided = Vec::new();
    for lease in leases {
        let verdict = if lease.handed_over && transfer_pending(&lease, holders.as_ref()) {
            Verdict::HandedOver
        } else if !lease.handed_over && holder_alive(&lease) {
            Verdict::HolderAlive
        } else if !lease.handed_over
            && lease.stream.is_some()
            && party_lives(&lease, holders.as_ref())
        {
            Verdict::Lent
        } else {
            let result = if dry_run {
                segment::Segment::attach(&lease.name).map(drop)
            } else {
                segment::unlink(&lease.name)
            };
            match result {
                Ok(()) => {
                    if !dry_run {
                        ledger::remove(&lease.name);
                    }
                    Verdict::Reclaimed
                }
                Err(Error::NotFound { .. }) => {
                    if !dry_run {
                        ledger::remove(&lease.name);
                    }
                    Verdict::AlreadyGone
                }
                Err(e) => return Err(e),
            }
        };
        decided.push((lease, verdict));
    }
    Ok(decided)
}
