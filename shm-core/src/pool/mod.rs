//! A recycled pool of shared memory: one segment holding a header and
//! `slots` equal slots that both sides map once, so that handing an array
//! over is a small message and a cache hit, not `shm_open` + `fstat` +
//! `mmap` + page faults.
//!
//! ```text
//! header (whole pages): magic "SHMPOOL1" | pool id | slots | slot stride | generation of each slot
//! slot 0 | slot 1 | ...   (each a whole number of pages, page-aligned)
//! ```
//!
//! The sender ([`Pool`]) lends a free slot ([`Pool::lend`]), writes the
//! array into it, and sends its [`Loan`] (see [`crate::queue::Sender::lend`]);
//! the message carries an ordinary descriptor (the pool's name, the slot's
//! `offset`, shape and dtype), so any numpy user can read it, and the pool's
//! id, the slot and its generation. The receiver resolves it through its
//! [`PoolCache`]: the first message of a pool maps the segment; every later
//! one checks the header's id in memory (a name reused for another pool is
//! caught: the cached mapping still shows the old id, and the segment is
//! mapped anew) and the slot's generation. A [`Lent`] array is checked on
//! every access: once its slot was released and lent again, reading it is
//! [`Error::Stale`], never the new array's bytes read as the old one's.
//! Releasing ([`Lent::release`]) sends the slot back on the back channel,
//! and the sender's [`Pool::reclaim`] bumps its generation and frees it.
//!
//! Ownership: the pool's segment is the sender's (its lease names the
//! sender; `clean` reclaims it once the sender is gone, and no other); the
//! receiver owns nothing and only maps. Generations are written by the
//! sender only while a slot is free, and the message that lends the slot is
//! written after them, so the pipe orders the write before the receiver's
//! read; a stale holder in another process reads the generation without
//! that order, and only compares it.
//!
//! [`Error::Stale`]: crate::Error::Stale

mod cache;
mod layout;
mod lender;

#[cfg(test)]
mod tests;

pub use cache::{Lent, PoolCache};
pub use lender::{Loan, Pool};

/// What a lend message says about its slot, beside the descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolRef {
    /// The pool's id (random, in its header).
    pub id: u64,
    /// The slot's index.
    pub slot: u64,
    /// The slot's generation when it was lent.
    pub generation: u64,
}
