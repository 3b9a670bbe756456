//! POSIX shared memory through `nix`: `shm_open`, `ftruncate`,
//! `posix_fallocate` (Linux), `fstat`, `mmap`, `munmap`, `shm_unlink`.
//!
//! The object opened for a name `n` is `/n`. See shm_open(3), mmap(2).
//!
//! # Emulating macOS on Linux
//!
//! Built with `--cfg shm_emulate_macos` (`RUSTFLAGS`, never in a normal
//! build) and run under `ci/xnu`'s libc preload, which gives every process
//! of a run XNU's shared-memory rules (16 KiB page-rounded sizes, one
//! `ftruncate`, 31-byte names, no `/dev/shm`), the backend believes it is
//! on macOS: [`EXACT_SIZES`] is false and there is no `posix_fallocate`.
//! `ci/macos-emulation.sh` runs the tests and the catalogue so.
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::num::NonZeroUsize;
use std::os::fd::OwnedFd;
use std::ptr::NonNull;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap, shm_open, shm_unlink};
use nix::sys::stat::{Mode, fstat};

use crate::error::{Error, Result, SizeExpectation};

/// Whether `fstat` reports the size asked for (Linux) rather than one
/// rounded up to whole pages (macOS).
pub(crate) const EXACT_SIZES: bool =
    cfg!(any(target_os = "linux", target_os = "android")) && !cfg!(shm_emulate_macos);

/// Whether `unlink` really removes a name on this system.
pub(crate) const UNLINK_REMOVES_NAME: bool = true;

/// A live `MAP_SHARED` mapping of a whole segment.
pub(crate) struct Mapping {
    ptr: NonNull<c_void>,
    len: usize,
    mode: u32,
}

// SAFETY: a MAP_SHARED mapping is process-wide; its address stays valid from
// any thread until `munmap` in `Drop`, and `Mapping` hands out no references
// itself (the owning `Segment` does, with ordinary borrow rules).
unsafe impl Send for Mapping {}
// SAFETY: as above; shared access through `&Mapping` only reads the pointer
// and length.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// The whole mapping as bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping is `len` readable bytes (every byte is backed
        // by the object: it was mapped at its real size), live until `Drop`,
        // which the returned borrow of `self` cannot outlive. Writers in
        // other processes are the caller's to order (see the aliasing rule
        // in the segment module).
        unsafe { std::slice::from_raw_parts(self.ptr(), self.len) }
    }

    /// The whole mapping as mutable bytes.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`; `&mut self` makes this the only live
        // reference into the mapping from this process.
        unsafe { std::slice::from_raw_parts_mut(self.ptr(), self.len) }
    }

    fn ptr(&self) -> *mut u8 {
        self.ptr.as_ptr().cast()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn mode(&self) -> Option<u32> {
        Some(self.mode)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what `mmap` returned in `map`, the
        // mapping has not been unmapped before (only Drop unmaps), and every
        // slice handed out borrows the owning Segment, so none outlives this.
        let _ = unsafe { munmap(self.ptr, self.len) };
    }
}

fn path(name: &str) -> String {
    format!("/{name}")
}

/// One table from errno to typed errors.
fn errno_error(call: &'static str, errno: Errno, name: &str) -> Error {
    let name = name.to_owned();
    match errno {
        Errno::ENOENT => Error::NotFound { name },
        Errno::EEXIST => Error::AlreadyExists { name },
        Errno::EACCES | Errno::EPERM => Error::PermissionDenied { name },
        Errno::ENAMETOOLONG | Errno::EINVAL if call == "shm_open" => Error::InvalidName {
            name,
            reason: format!("refused by the operating system ({})", errno.desc()),
        },
        other => Error::os(call, other as i32),
    }
}

/// Creates `/name` exclusively with mode 0600, sizes it and maps it.
pub(crate) fn create(name: &str, size: usize) -> Result<Mapping> {
    let flags = OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_RDWR;
    let fd = shm_open(path(name).as_str(), flags, Mode::S_IRUSR | Mode::S_IWUSR)
        .map_err(|e| errno_error("shm_open", e, name))?;
    let sized = reserve(&fd, name, size).and_then(|()| map(&fd, name));
    if sized.is_err() {
        // The name is ours (O_EXCL); do not leave a half-made segment behind.
        let _ = shm_unlink(path(name).as_str());
    }
    sized
}

/// Sets the size once (macOS allows only one `ftruncate`) and, on Linux,
/// reserves the pages so a full tmpfs fails here and not with SIGBUS later.
fn reserve(fd: &OwnedFd, name: &str, size: usize) -> Result<()> {
    let len = i64::try_from(size)
        .map_err(|_| Error::InvalidArgument(format!("size {size} is too large")))?;
    let space = |e: Errno, call| match e {
        Errno::ENOSPC | Errno::ENOMEM | Errno::EFBIG => Error::OutOfSpace {
            name: name.to_owned(),
            size,
            room: room(),
        },
        other => errno_error(call, other, name),
    };
    nix::unistd::ftruncate(fd, len).map_err(|e| space(e, "ftruncate"))?;
    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        not(shm_emulate_macos)
    ))]
    loop {
        match nix::fcntl::posix_fallocate(fd, 0, len) {
            Ok(()) => break,
            Err(Errno::EINTR) => continue,
            // Filesystems without fallocate: the size is set, pages come lazily.
            Err(Errno::EOPNOTSUPP) => break,
            Err(e) => return Err(space(e, "posix_fallocate")),
        }
    }
    Ok(())
}

/// Where glibc's `shm_open` keeps its objects.
#[cfg(any(target_os = "linux", target_os = "android"))]
const SHM_DIR: &str = "/dev/shm";

/// The room on the filesystem holding the segments, by `statvfs(3)`.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn room() -> Option<crate::error::Room> {
    let st = nix::sys::statvfs::statvfs(SHM_DIR).ok()?;
    let unit = st.fragment_size() as u64;
    Some(crate::error::Room {
        path: SHM_DIR.to_owned(),
        available: (st.blocks_available() as u64).saturating_mul(unit),
        total: (st.blocks() as u64).saturating_mul(unit),
    })
}

/// macOS keeps shared memory in no filesystem that can be asked.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn room() -> Option<crate::error::Room> {
    None
}

/// Opens an existing `/name` read-write and maps all of it.
pub(crate) fn attach(name: &str) -> Result<Mapping> {
    let fd = shm_open(path(name).as_str(), OFlag::O_RDWR, Mode::empty())
        .map_err(|e| errno_error("shm_open", e, name))?;
    map(&fd, name)
}

/// Maps the whole object, at its real size from `fstat` (page-rounded on
/// macOS), so every mapped byte is backed.
fn map(fd: &OwnedFd, name: &str) -> Result<Mapping> {
    let st = fstat(fd).map_err(|e| errno_error("fstat", e, name))?;
    let size =
        usize::try_from(st.st_size).map_err(|_| Error::os("fstat", Errno::EOVERFLOW as i32))?;
    let Some(len) = NonZeroUsize::new(size) else {
        return Err(Error::SizeMismatch {
            name: name.to_owned(),
            expected: SizeExpectation::AtLeast(1),
            found: 0,
        });
    };
    // SAFETY: we ask for a fresh mapping at an address of the kernel's
    // choosing, so no existing Rust allocation is affected. `len` is the
    // object's size, so every byte of the mapping is backed by the object
    // (unless another process truncates it later: documented, not
    // preventable). The fd may be closed after mmap; the mapping stays.
    let ptr = unsafe {
        mmap(
            None,
            len,
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
            MapFlags::MAP_SHARED,
            fd,
            0,
        )
    }
    .map_err(|e| errno_error("mmap", e, name))?;
    Ok(Mapping {
        ptr,
        len: size,
        mode: st.st_mode as u32 & 0o7777,
    })
}

/// Removes the name `/name`; existing mappings stay valid.
pub(crate) fn unlink(name: &str) -> Result<()> {
    shm_unlink(path(name).as_str()).map_err(|e| errno_error("shm_unlink", e, name))
}
