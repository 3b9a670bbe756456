//! What `clean` decides for each lease, and the reclaiming itself.

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
    /// The segment was handed over and awaits adoption: spared.
    HandedOver,
}

/// Whether the process a lease names is still the one that took it: its
/// pid exists and its start time is the one recorded.
pub fn holder_alive(lease: &Lease) -> bool {
    process::alive(lease.pid, lease.start.as_deref())
}

/// Decides every lease (or only `only`'s) and, unless `dry_run`, unlinks
/// the segments whose holder is gone and removes their leases.
pub fn reclaim(only: Option<&str>, dry_run: bool) -> Result<Vec<(Lease, Verdict)>> {
    let only = only.map(name::validate).transpose()?;
    let mut decided = Vec::new();
    for lease in ledger::list() {
        if only.is_some_and(|n| n != lease.name) {
            continue;
        }
        let verdict = if lease.handed_over {
            Verdict::HandedOver
        } else if holder_alive(&lease) {
            Verdict::HolderAlive
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
