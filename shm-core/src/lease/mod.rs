//! Leases: who holds each segment, so that the segments of creators that
//! died can be reclaimed (`shm-harness clean`) and no others.
//!
//! This layer sits above [`crate::segment`], which only makes system calls.
//! Creating a segment through [`LeasedSegment`] (as [`SharedArray`] does)
//! records a lease: the segment's name, the creator's pid and its process
//! start time, so that a pid reused by a later process is not mistaken for
//! the creator. [`LeasedSegment::disown`] marks the lease handed over (the
//! segment is meant to outlive its creator; it is spared),
//! [`LeasedSegment::adopt`] records the adopter as the new holder, and
//! unlinking ([`LeasedSegment::unlink`], [`unlink`], or dropping the owner)
//! removes the lease.
//!
//! The ledger is a directory with one small JSON file a segment, named after
//! it: `$SHM_NDARRAY_LEASES` if set, else `$XDG_RUNTIME_DIR/shm-ndarray-leases`,
//! else on Linux `/dev/shm/.shm-ndarray-leases-<uid>` (a tmpfs beside the
//! segments: creating a record there costs microseconds, where a disk's
//! directory that has seen ten thousand records costs a millisecond), else
//! `shm-ndarray-leases-<uid>` in the temporary directory. It is created
//! with mode 0700 and refused if another user owns it or can write it, so no
//! one else can make [`reclaim`] remove your segments. Every process of the
//! same user finds the same ledger; macOS, which cannot list its shared
//! memory objects, needs nothing else. Windows needs no ledger: a mapping
//! disappears with its last handle, so [`reclaim`] finds nothing there.
//!
//! A lease is a record, not a lock: writing one never makes creation fail.
//!
//! Files: `ledger.rs` (the directory and its records), `process.rs` (is a
//! holder still the process that took the lease), `holders.rs` (which
//! segments and streams live processes hold), `reclaim.rs` (the verdicts of
//! `clean`), `leased.rs` (segments that keep the ledger true).
//!
//! [`SharedArray`]: crate::SharedArray

mod holders;
mod leased;
mod ledger;
mod process;
mod reclaim;

pub use leased::{LeasedSegment, unlink};
pub use ledger::{LEDGER_ENV, Lease, StreamKey, ledger_dir, list};
pub use reclaim::{Verdict, holder_alive, reclaim};
