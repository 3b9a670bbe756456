//! Segment layouts of other shared-array libraries, so shm-core can attach
//! to what they create and create what they attach to.
//!
//! - [`sharedarray`]: the PyPI package SharedArray 3.x, which keeps shape
//!   and dtype in a trailer at the end of the segment and attaches by name
//!   alone.
//!
//! The other peers the project tests need no module here: Python's
//! `multiprocessing.shared_memory` with numpy, Wetlands' `wetlands.numpy-shm`
//! codec and the `shared_memory` crate all leave a plain segment with the
//! array at offset 0, which a [`Descriptor`](crate::Descriptor) describes
//! (Wetlands' payload is one of its input forms).

pub mod sharedarray;
