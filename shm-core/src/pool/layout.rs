//! The pool segment's layout: the header's fields and the slots' places.

use crate::error::{Error, Result};

/// The header's first eight bytes.
pub(crate) const MAGIC: [u8; 8] = *b"SHMPOOL1";

/// Slots and the header are whole pages of this size (16 KiB: macOS arm64's
/// page, and four of Linux's), so every slot is aligned for any dtype.
pub(crate) const PAGE: usize = 16 * 1024;

const ID: usize = 8;
const SLOTS: usize = 16;
const STRIDE: usize = 24;
const GENERATIONS: usize = 32;

/// Where things are in a pool of `slots` slots of `stride` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) slots: usize,
    pub(crate) stride: usize,
}

impl Layout {
    /// The layout for `slots` slots that hold `slot_bytes` each.
    pub(crate) fn new(slots: usize, slot_bytes: usize) -> Result<Layout> {
        if slots == 0 || slot_bytes == 0 {
            return Err(Error::InvalidArgument(
                "a pool needs at least one slot of at least one byte".into(),
            ));
        }
        let stride = slot_bytes
            .checked_next_multiple_of(PAGE)
            .ok_or_else(|| Error::InvalidArgument("the slot size overflows".into()))?;
        let layout = Layout { slots, stride };
        layout.size()?;
        Ok(layout)
    }

    fn header_len(self) -> Option<usize> {
        self.slots
            .checked_mul(8)?
            .checked_add(GENERATIONS)?
            .checked_next_multiple_of(PAGE)
    }

    /// The whole segment's size.
    pub(crate) fn size(self) -> Result<usize> {
        self.header_len()
            .and_then(|h| self.slots.checked_mul(self.stride)?.checked_add(h))
            .ok_or_else(|| Error::InvalidArgument("the pool's size overflows".into()))
    }

    /// The byte offset of slot `k`.
    pub(crate) fn offset(self, k: usize) -> usize {
        self.header_len().expect("checked in new") + k * self.stride
    }

    /// Writes a fresh header: magic, `id`, the layout, generations 0.
    pub(crate) fn write_header(self, bytes: &mut [u8], id: u64) {
        bytes[..8].copy_from_slice(&MAGIC);
        bytes[ID..ID + 8].copy_from_slice(&id.to_le_bytes());
        bytes[SLOTS..SLOTS + 8].copy_from_slice(&(self.slots as u64).to_le_bytes());
        bytes[STRIDE..STRIDE + 8].copy_from_slice(&(self.stride as u64).to_le_bytes());
    }

    /// Reads a header: the id and layout, if `bytes` holds a pool's.
    pub(crate) fn read_header(bytes: &[u8]) -> Option<(u64, Layout)> {
        if bytes.len() < GENERATIONS || bytes[..8] != MAGIC {
            return None;
        }
        let layout = Layout {
            slots: usize::try_from(read(bytes, SLOTS)?).ok()?,
            stride: usize::try_from(read(bytes, STRIDE)?).ok()?,
        };
        (layout.stride % PAGE == 0 && layout.size().ok()? <= bytes.len())
            .then(|| read(bytes, ID).map(|id| (id, layout)))
            .flatten()
    }

    /// The pool id in a mapped header (no checks: a cache hit).
    pub(crate) fn id(bytes: &[u8]) -> Option<u64> {
        (bytes.get(..8)? == MAGIC)
            .then(|| read(bytes, ID))
            .flatten()
    }

    /// Slot `k`'s generation.
    pub(crate) fn generation(self, bytes: &[u8], k: usize) -> Option<u64> {
        (k < self.slots)
            .then(|| read(bytes, GENERATIONS + 8 * k))
            .flatten()
    }

    /// Sets slot `k`'s generation.
    pub(crate) fn set_generation(self, bytes: &mut [u8], k: usize, generation: u64) {
        let at = GENERATIONS + 8 * k;
        bytes[at..at + 8].copy_from_slice(&generation.to_le_bytes());
    }
}

fn read(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}
