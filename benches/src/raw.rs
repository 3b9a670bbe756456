//! A segment made and attached with bare `nix` calls and no `shm-core` code,
//! for `floor/handoff_raw`: what the library's own overhead is measured
//! against.
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

use nix::fcntl::OFlag;
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap, shm_open, shm_unlink};
use nix::sys::stat::{Mode, fstat};

/// A segment created with `shm_open(O_CREAT|O_EXCL)` and `ftruncate`; the
/// guard unlinks it when dropped, also when a bench panics.
#[derive(Debug)]
pub struct RawSegment {
    name: String,
}

impl RawSegment {
    /// Creates a fresh segment of `size` bytes under a name of its own
    /// (`shmraw_` + process id + counter).
    #[doc(alias = "shm_open")]
    pub fn create(size: usize) -> nix::Result<RawSegment> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "shmraw_{:x}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let fd = shm_open(
            format!("/{name}").as_str(),
            OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_RDWR,
            Mode::S_IRUSR | Mode::S_IWUSR,
        )?;
        // From here on the guard exists, so a failed ftruncate still unlinks.
        let segment = RawSegment { name };
        nix::unistd::ftruncate(&fd, size as i64)?;
        Ok(segment)
    }

    /// The name, without the leading slash.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for RawSegment {
    fn drop(&mut self) {
        let _ = shm_unlink(format!("/{}", self.name).as_str());
    }
}

/// A read-write shared mapping of a whole segment, unmapped when dropped.
#[derive(Debug)]
pub struct RawMapping {
    ptr: NonNull<c_void>,
    len: usize,
}

impl RawMapping {
    /// `shm_open(O_RDWR)`, `fstat`, `mmap(MAP_SHARED)` of the whole object:
    /// the bare hand-off on the receiving side. The descriptor is closed on
    /// return; the mapping stays.
    #[doc(alias = "mmap")]
    pub fn attach(name: &str) -> nix::Result<RawMapping> {
        let fd = shm_open(format!("/{name}").as_str(), OFlag::O_RDWR, Mode::empty())?;
        let size = usize::try_from(fstat(&fd)?.st_size).map_err(|_| nix::Error::EOVERFLOW)?;
        let len = NonZeroUsize::new(size).ok_or(nix::Error::EINVAL)?;
        // SAFETY: a fresh mapping at an address the kernel chooses affects no
        // existing allocation; `len` is the object's size from fstat, so every
        // page is backed. Nothing here reads or writes through the pointer.
        let ptr = unsafe {
            mmap(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                &fd,
                0,
            )
        }?;
        Ok(RawMapping { ptr, len: size })
    }

    /// The mapped length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: empty objects are refused by [`RawMapping::attach`].
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for RawMapping {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `len` are exactly what mmap returned, the mapping
        // is unmapped only here, and no reference into it was ever made.
        let _ = unsafe { munmap(self.ptr, self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_segments_attach_and_are_removed() {
        // Two whole pages of this machine (4 KiB on x86_64 Linux, 16 KiB on
        // arm64 macOS), so the size fstat reports is the size asked for on
        // every OS, page-rounding or not.
        let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .unwrap()
            .unwrap() as usize;
        let seg = RawSegment::create(2 * page).unwrap();
        let name = seg.name().to_owned();
        assert_eq!(RawMapping::attach(&name).unwrap().len(), 2 * page);
        drop(seg);
        assert_eq!(RawMapping::attach(&name).unwrap_err(), nix::Error::ENOENT);
    }
}
