//! [`LeasedSegment`]: a segment that keeps the ledger true as it is
//! created, handed over, adopted and unlinked.

use super::ledger::{self, StreamKey};
use crate::error::{Error, Result};
use crate::segment::{self, Segment};

/// A [`Segment`] whose ownership is recorded in the ledger: creating one
/// records a lease naming this process, [`disown`](Self::disown) marks it
/// handed over, [`adopt`](Self::adopt) names this process again, and
/// unlinking (or dropping the owner, which unlinks) removes it. An attached
/// segment owns nothing and records nothing until it adopts.
#[derive(Debug)]
pub struct LeasedSegment {
    segment: Segment,
}

impl LeasedSegment {
    /// [`Segment::create`], and a lease naming this process.
    pub fn create(name: &str, size: usize) -> Result<LeasedSegment> {
        Ok(LeasedSegment::leased(Segment::create(name, size)?))
    }

    /// [`Segment::create_unique`], and a lease naming this process.
    pub fn create_unique(size: usize) -> Result<LeasedSegment> {
        Ok(LeasedSegment::leased(Segment::create_unique(size)?))
    }

    fn leased(segment: Segment) -> LeasedSegment {
        ledger::record(segment.name(), false, None);
        LeasedSegment { segment }
    }

    /// [`Segment::attach`]: owns nothing, records nothing.
    pub fn attach(name: &str) -> Result<LeasedSegment> {
        Ok(LeasedSegment {
            segment: Segment::attach(name)?,
        })
    }

    /// The segment itself.
    pub fn segment(&self) -> &Segment {
        &self.segment
    }

    /// The whole mapping as mutable bytes.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        self.segment.as_bytes_mut()
    }

    /// The segment, mutably, for typed views within the crate (ownership
    /// changes go through this type, so the ledger stays true).
    pub(crate) fn segment_mut(&mut self) -> &mut Segment {
        &mut self.segment
    }

    /// Whether dropping this value unlinks the segment.
    pub fn is_owner(&self) -> bool {
        self.segment.is_owner()
    }

    /// [`Segment::disown`]; the lease is marked handed over: `clean`
    /// spares the segment while this process lives or any process maps it
    /// (see [`reclaim`](super::reclaim)).
    pub fn disown(&mut self) {
        self.segment.disown();
        ledger::record(self.segment.name(), true, None);
    }

    /// [`Segment::disown`] for a transfer on `stream` (a queue's message
    /// is about to be written there): `clean` spares the segment while
    /// this process lives or any process holds the stream.
    pub fn disown_to(&mut self, stream: &StreamKey) {
        self.segment.disown();
        ledger::record(self.segment.name(), true, Some(stream));
    }

    /// Marks the lease of a segment this process keeps owning (a pool) as
    /// lent on `stream`: while this process lives it is spared as any
    /// holder's; once it is gone, `clean` spares it as long as a party to
    /// the stream lives (a process that holds the stream or maps the
    /// segment), since lent arrays may still be read from it.
    pub fn lend_on(&mut self, stream: &StreamKey) {
        ledger::record(self.segment.name(), false, Some(stream));
    }

    /// [`Segment::adopt`]; the lease now names this process.
    pub fn adopt(&mut self) {
        self.segment.adopt();
        ledger::record(self.segment.name(), false, None);
    }

    /// [`Segment::unlink`], and the lease is removed.
    pub fn unlink(&mut self) -> Result<()> {
        let result = self.segment.unlink();
        forget_if_gone(self.segment.name(), result)
    }
}

impl Drop for LeasedSegment {
    fn drop(&mut self) {
        // The name first, then its lease: a process killed between the two
        // leaves a lease of a missing segment (clean says `already-gone`),
        // never a segment without a lease that clean could not find.
        if self.segment.is_owner() {
            let _ = self.segment.unlink();
            ledger::remove(self.segment.name());
        }
    }
}

/// [`segment::unlink`], and the lease of `name` is removed when the name is
/// gone (unlinked now, or already missing).
pub fn unlink(name: &str) -> Result<()> {
    forget_if_gone(name, segment::unlink(name))
}

fn forget_if_gone(name: &str, result: Result<()>) -> Result<()> {
    if matches!(result, Ok(()) | Err(Error::NotFound { .. })) {
        if let Ok(name) = crate::name::validate(name) {
            ledger::remove(name);
        }
    }
    result
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::lease::{Verdict, list, reclaim};

    #[test]
    fn create_disown_adopt_and_unlink_keep_the_ledger_true() {
        let mut s = LeasedSegment::create_unique(8).unwrap();
        let name = s.segment().name().to_owned();
        let find = || list().into_iter().find(|l| l.name == name);
        let lease = find().expect("create records a lease");
        assert_eq!((lease.pid, lease.handed_over), (std::process::id(), false));
        s.disown();
        assert!(find().unwrap().handed_over);
        s.adopt();
        assert!(!find().unwrap().handed_over);
        assert_eq!(
            reclaim(Some(&name), true).unwrap()[0].1,
            Verdict::HolderAlive
        );
        s.unlink().unwrap();
        assert!(find().is_none(), "unlink removes the lease");
    }

    #[test]
    fn dropping_the_owner_removes_the_lease_and_the_segment() {
        let s = LeasedSegment::create_unique(8).unwrap();
        let name = s.segment().name().to_owned();
        drop(s);
        assert!(list().iter().all(|l| l.name != name));
        assert!(matches!(
            Segment::attach(&name),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn the_segment_layer_alone_records_nothing() {
        let s = Segment::create_unique(8).unwrap();
        assert!(list().iter().all(|l| l.name != s.name()));
    }
}
