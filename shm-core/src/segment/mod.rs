//! Named shared-memory segments: create, attach, access, close, unlink.
//!
//! A [`Segment`] is one mapping of a named object, read-write and shared
//! (`MAP_SHARED`). The process that creates a segment *owns* it: dropping
//! the owner unmaps and unlinks it. Ownership can be handed to another
//! process with [`Segment::disown`] here and [`Segment::adopt`] there.
//! Attaching never unlinks, on any path.
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
#![allow(unsafe_code)]

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
        crate::lease::record(name, false);
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
    /// Its lease is marked handed over, so `clean` spares it.
    pub fn disown(&mut self) {
        self.owner = false;
        crate::lease::record(&self.name, true);
    }

    /// Takes ownership: dropping this value will unlink the segment. The
    /// lease now names this process.
    pub fn adopt(&mut self) {
        self.owner = true;
        crate::lease::record(&self.name, false);
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
        // SAFETY: the mapping is `len()` readable bytes (every byte is backed
        // by the object, see `os::map`), page-aligned and live for as long as
        // `self`, which the returned borrow cannot outlive. Writers in other
        // processes are the caller's to order (module docs).
        unsafe { std::slice::from_raw_parts(self.mapping.ptr(), self.mapping.len()) }
    }

    /// The whole mapping as mutable bytes.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_bytes`; `&mut self` makes this the only live
        // reference into the mapping from this process.
        unsafe { std::slice::from_raw_parts_mut(self.mapping.ptr(), self.mapping.len()) }
    }

    /// `len` elements of `T` starting `offset` bytes into the mapping.
    pub(crate) fn typed<T: Element>(&self, offset: usize, len: usize) -> Result<&[T]> {
        let bytes = typed_range::<T>(self.as_bytes(), offset, len)?;
        // SAFETY: `typed_range` checked that the range lies inside the
        // mapping, is aligned for `T`, and holds only valid values of `T`
        // (every bit pattern is valid for all Elements but bool, whose bytes
        // it checked). The borrow of `self` bounds the slice's life.
        Ok(unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<T>(), len) })
    }

    /// `len` mutable elements of `T` starting `offset` bytes into the mapping.
    pub(crate) fn typed_mut<T: Element>(&mut self, offset: usize, len: usize) -> Result<&mut [T]> {
        let bytes = typed_range::<T>(self.as_bytes_mut(), offset, len)?;
        let ptr = bytes.as_ptr().cast::<T>().cast_mut();
        // SAFETY: as in `typed`; `&mut self` makes the slice exclusive, and any
        // value of `T` written through it is a valid byte pattern.
        Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
    }
}

/// Checks that `len` elements of `T` at `offset` fit `bytes`, are aligned and
/// valid, and returns that byte range.
fn typed_range<T: Element>(bytes: &[u8], offset: usize, len: usize) -> Result<&[u8]> {
    let size = std::mem::size_of::<T>();
    let range = len
        .checked_mul(size)
        .and_then(|n| offset.checked_add(n))
        .filter(|&end| end <= bytes.len())
        .map(|end| &bytes[offset..end])
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{len} elements of {size} bytes at offset {offset} do not fit {} bytes",
                bytes.len()
            ))
        })?;
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
    Ok(range)
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
    let name = name::validate(name)?;
    let result = os::unlink(name);
    if matches!(result, Ok(()) | Err(Error::NotFound { .. })) {
        crate::lease::remove(name);
    }
    result
}

#[cfg(test)]
mod tests;
