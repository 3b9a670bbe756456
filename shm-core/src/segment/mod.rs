//! Named shared-memory segments: create, attach, access, close, unlink.
//!
//! This layer is operating-system mechanism only: it makes system calls and
//! keeps no records. A [`Segment`] is one mapping of a named object,
//! read-write and shared (`MAP_SHARED`). The process that creates a segment
//! *owns* it: dropping the owner unmaps and unlinks it. Ownership can be
//! handed to another process with [`Segment::disown`] here and
//! [`Segment::adopt`] there. Attaching never unlinks, on any path.
//!
//! Who holds which segment, for reclaiming those of dead creators, is the
//! business of the layer above ([`crate::lease`]): [`SharedArray`] creates
//! through [`LeasedSegment`], which records a lease beside each segment it
//! owns.
//!
//! [`SharedArray`]: crate::SharedArray
//! [`LeasedSegment`]: crate::lease::LeasedSegment
//!
//! # Platforms
//!
//! - Unix (`unix.rs`, on `nix`): the object for name `n` is `/n`. Creation is
//!   `shm_open(O_CREAT|O_EXCL|O_RDWR, 0600)`, one `ftruncate` (macOS allows
//!   no second) and, on Linux, `posix_fallocate`, so that a full `/dev/shm`
//!   is [`Error::OutOfSpace`] at creation instead of a `SIGBUS` at the first
//!   write. [`Segment::len`] is the size `fstat` reports: exact on Linux,
//!   page-rounded on macOS.
//! - Windows has no unlink: a mapping lives while any handle is open, and
//!   [`unlink`] is a no-op there ([`UNLINK_REMOVES_NAME`] is false). Sizes
//!   are page-rounded.
//!
//! # Aliasing across processes
//!
//! Other processes may map the same bytes. This library does not
//! synchronise writers: while a process holds a view, no other process may
//! write the bytes it covers unless the caller's protocol orders the accesses
//! (a pipe message, a lock, a join). Within one process the borrow rules
//! hold as usual: `&Segment` gives shared bytes, `&mut Segment` exclusive ones.
//!
//! `unsafe` lives in the backends (`unix.rs`, `windows.rs`), whose mapping
//! type is the only thing that turns an address into a slice; this file
//! denies it.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as os;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as os;

#[cfg(not(any(unix, windows)))]
compile_error!("shm-core supports Unix (Linux, macOS) and Windows only");

use std::fmt;

use crate::element::Element;
use crate::error::{Error, Result};
use crate::name;

/// Whether this OS reports a segment's exact size (Linux), so that
/// `segment_size` can be checked for equality at attach time. macOS rounds
/// sizes up to whole pages (XNU stores `round_page(length)`), and Windows
/// reports the page-rounded region.
pub const EXACT_SIZES: bool = os::EXACT_SIZES;

/// Whether [`unlink`] removes the name on this system (false on Windows,
/// where a mapping disappears with its last handle instead).
pub const UNLINK_REMOVES_NAME: bool = os::UNLINK_REMOVES_NAME;

/// How many fresh names [`Segment::create_unique`] tries before giving up.
const NAME_ATTEMPTS: usize = 16;

/// One mapping of a named shared-memory segment.
pub struct Segment {
    mapping: os::Mapping,
    name: String,
    owner: bool,
}

impl Segment {
    /// Creates a new segment named `name` of `size` bytes, zero-filled, and
    /// owns it. Never opens an existing segment: a taken name is
    /// [`Error::AlreadyExists`] and its data is untouched.
    ///
    /// Errors: [`Error::InvalidName`], [`Error::InvalidArgument`] for size 0,
    /// [`Error::AlreadyExists`], [`Error::OutOfSpace`], [`Error::Os`].
    #[doc(alias = "shm_open")]
    pub fn create(name: &str, size: usize) -> Result<Segment> {
        let name = name::validate(name)?;
        if size == 0 {
            return Err(Error::InvalidArgument(
                "a segment must have at least 1 byte (size 0 requested)".into(),
            ));
        }
        let mapping = os::create(name, size)?;
        Ok(Segment {
            mapping,
            name: name.to_owned(),
            owner: true,
        })
    }

    /// Creates a segment under a generated name (`shmc_` + 16 random hex
    /// digits), drawing a new name if one is taken.
    pub fn create_unique(size: usize) -> Result<Segment> {
        let mut last = None;
        for _ in 0..NAME_ATTEMPTS {
            match Segment::create(&name::generate()?, size) {
                Err(e @ Error::AlreadyExists { .. }) => last = Some(e),
                other => return other,
            }
        }
        Err(last.expect("at least one attempt was made"))
    }

    /// Whether a segment named `name` exists, whatever its size (an empty
    /// one too, which [`Segment::attach`] refuses). An invalid name names
    /// none.
    pub fn exists(name: &str) -> bool {
        !matches!(
            Segment::attach(name),
            Err(Error::NotFound { .. } | Error::InvalidName { .. })
        )
    }

    /// Attaches to the existing segment `name`, mapping all of it. The
    /// result does not own the segment: dropping it only unmaps.
    ///
    /// Errors: [`Error::InvalidName`], [`Error::NotFound`],
    /// [`Error::PermissionDenied`], [`Error::SizeMismatch`] for an empty
    /// object, [`Error::Os`].
    pub fn attach(name: &str) -> Result<Segment> {
        let name = name::validate(name)?;
        let mapping = os::attach(name)?;
        Ok(Segment {
            mapping,
            name: name.to_owned(),
            owner: false,
        })
    }

    /// The segment's name, without a leading slash.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The mapped size in bytes, as the OS reports it (page-rounded on macOS
    /// and Windows).
    pub fn len(&self) -> usize {
        self.mapping.len()
    }

    /// Always false: segments have at least one byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The permission bits of the object (`0o600` for segments created
    /// here), where the OS has them.
    pub fn mode(&self) -> Option<u32> {
        self.mapping.mode()
    }

    /// Whether dropping this value unlinks the segment.
    pub fn is_owner(&self) -> bool {
        self.owner
    }

    /// Gives up ownership: dropping this value will unmap but not unlink, so
    /// the segment outlives this process for another to [`adopt`](Self::adopt).
    pub fn disown(&mut self) {
        self.owner = false;
    }

    /// Takes ownership: dropping this value will unlink the segment.
    pub fn adopt(&mut self) {
        self.owner = true;
    }

    /// Removes the name now (see [`unlink`]). The mapping stays valid until
    /// drop; on Unix a new attach by name gives [`Error::NotFound`].
    /// Ownership ends.
    pub fn unlink(&mut self) -> Result<()> {
        self.owner = false;
        unlink(&self.name)
    }

    /// The whole mapping as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.mapping.bytes()
    }

    /// The whole mapping as mutable bytes.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        self.mapping.bytes_mut()
    }

    /// `len` elements of `T` starting `offset` bytes into the mapping.
    pub(crate) fn typed<T: Element>(&self, offset: usize, len: usize) -> Result<&[T]> {
        let end = typed_end::<T>(self.as_bytes(), offset, len)?;
        T::cast(&self.as_bytes()[offset..end]).ok_or_else(invalid::<T>)
    }

    /// `len` mutable elements of `T` starting `offset` bytes into the mapping.
    pub(crate) fn typed_mut<T: Element>(&mut self, offset: usize, len: usize) -> Result<&mut [T]> {
        let end = typed_end::<T>(self.as_bytes(), offset, len)?;
        T::cast_mut(&mut self.as_bytes_mut()[offset..end]).ok_or_else(invalid::<T>)
    }
}

fn invalid<T: Element>() -> Error {
    Error::InvalidData(format!(
        "the segment holds bytes that are not valid {} values",
        T::dtype().name()
    ))
}

/// Checks that `len` elements of `T` at `offset` fit `bytes`, are aligned and
/// valid, and returns where that byte range ends.
fn typed_end<T: Element>(bytes: &[u8], offset: usize, len: usize) -> Result<usize> {
    let size = std::mem::size_of::<T>();
    let end = len
        .checked_mul(size)
        .and_then(|n| offset.checked_add(n))
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{len} elements of {size} bytes at offset {offset} do not fit {} bytes",
                bytes.len()
            ))
        })?;
    let range = &bytes[offset..end];
    if range.as_ptr().align_offset(std::mem::align_of::<T>()) != 0 {
        return Err(Error::InvalidArgument(format!(
            "offset {offset} is not aligned for {}",
            T::dtype()
        )));
    }
    if !T::bytes_are_valid(range) {
        return Err(Error::InvalidData(format!(
            "the segment holds bytes that are not valid {} values (bool bytes must be 0 or 1)",
            T::dtype().name()
        )));
    }
    Ok(end)
}

impl Drop for Segment {
    fn drop(&mut self) {
        if self.owner {
            let _ = unlink(&self.name);
        }
    }
}

impl fmt::Debug for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment")
            .field("name", &self.name)
            .field("len", &self.len())
            .field("owner", &self.owner)
            .finish()
    }
}

/// Removes the segment `name`. Mappings that exist stay valid; new attaches
/// fail with [`Error::NotFound`], and so does unlinking a missing name.
///
/// Windows has no unlink ([`UNLINK_REMOVES_NAME`] is false): a mapping
/// lives while any handle is open. There this removes nothing; it is
/// [`Error::NotFound`] when no process holds the name, and `Ok` otherwise.
#[doc(alias = "shm_unlink")]
pub fn unlink(name: &str) -> Result<()> {
    os::unlink(name::validate(name)?)
}

#[cfg(test)]
mod tests;
