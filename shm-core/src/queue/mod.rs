//! A queue of shared arrays over any byte stream two processes share (a
//! pipe, a socket pair, a child's stdin and stdout): the sender puts arrays
//! on it, the receiver gets each as an owned [`SharedArray`] without a copy,
//! and the one who holds an array frees it.
//!
//! ```
//! use shm_core::queue::{Receiver, Sender};
//! use shm_core::SharedArray;
//!
//! let mut wire = Vec::new();
//! let mut tx = Sender::new(&mut wire)?;
//! tx.send(SharedArray::create(&[3, 3], 1.5f64)?)?;
//! tx.finish()?;
//!
//! let mut rx = Receiver::new(wire.as_slice())?;
//! let a = rx.recv()?.expect("one array");
//! assert_eq!(a.view::<f64>()?.sum(), 13.5);
//! assert!(rx.recv()?.is_none(), "then the end of the stream");
//! # Ok::<(), shm_core::Error>(())
//! ```
//!
//! # Ownership
//!
//! At every instant exactly one side is responsible for unlinking each
//! array, and the lease ledger ([`crate::lease`]) says which:
//!
//! 1. The sender creates the array: the lease names the sender.
//! 2. [`Sender::send`] marks the lease *in transit* on this stream (with the
//!    stream's device and inode, where the OS has them) and then writes the
//!    message. If the write fails, the sender takes the array back and
//!    frees it.
//! 3. [`Receiver::recv`] attaches and adopts: the lease names the receiver,
//!    whose [`SharedArray`] unlinks on drop.
//!
//! An array in transit survives its sender: the sender may exit, or be
//! killed, before the receiver attaches. `clean` spares it while the sender
//! lives or any process holds the stream (a message in it can still be
//! read), and reclaims it once both are gone (see
//! [`reclaim`](crate::lease::reclaim)). A receiver that stops early calls
//! [`Receiver::close`], which reads the rest of the stream and frees every
//! array on it.
//!
//! Windows has no unlink and no ledger: a mapping lives while a handle is
//! open, so there the sender keeps every array it sent mapped until the
//! [`Sender`] is dropped, and an array outlives its sender only if the
//! receiver attached it first.
//!
//! # The wire
//!
//! JSON lines, one message per line (`wire.rs`; the format is specified in
//! `docs/DESIGN.md`): `open` (version and stream id), one `array` per
//! array (sequence number, transfer `move`, and a descriptor any numpy user
//! can attach), and `end` (the count). A stream that stops without `end` is
//! [`Error::Truncated`]; a line that is not a message is
//! [`Error::InvalidMessage`].
//!
//! [`Error::Truncated`]: crate::Error::Truncated
//! [`Error::InvalidMessage`]: crate::Error::InvalidMessage

mod receiver;
mod sender;
pub mod wire;

#[cfg(test)]
mod tests;

pub use receiver::{Received, Receiver, read_release, release};
pub use sender::{OsStream, Sender};

#[allow(unused_imports)]
use crate::SharedArray;
