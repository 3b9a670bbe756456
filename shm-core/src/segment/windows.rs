//! Windows named shared memory through `windows-sys`: `CreateFileMappingW`
//! over the paging file, `OpenFileMappingW`, `MapViewOfFile`, `VirtualQuery`,
//! `UnmapViewOfFile`, `CloseHandle`.
//!
//! The object for a name `n` is the file mapping named `n`, exactly as given
//! (no prefix, no slash), in the session's namespace: the object CPython's
//! Windows `SharedMemory(name=n)` creates and opens, so Python and Rust
//! processes attach to each other's arrays.
//!
//! Differences from Unix, which callers and the conformance catalogue see:
//!
//! - **No unlink.** A mapping lives while any process holds a handle or a
//!   view, and its name vanishes with the last one. `unlink` removes nothing
//!   ([`UNLINK_REMOVES_NAME`] is false): it only checks that the name exists,
//!   so unlinking a name nobody holds is still [`Error::NotFound`], as on
//!   Unix. After a successful `unlink`, attaching by name still works while
//!   any handle is open. For the same reason a disowned segment (or
//!   `shm-harness create --keep`) outlives its creator only while another
//!   process holds it.
//! - **Page-rounded sizes.** The size is what `VirtualQuery` reports for the
//!   view, a whole number of pages (a 200-byte segment is 4096 bytes), as in
//!   CPython.
//! - **No permission bits.** The object gets the default DACL of the
//!   creating process's token (normally its user, SYSTEM and
//!   administrators); `mode` is `None`.
//! - Sections are committed at creation (`SEC_COMMIT`, the default), so a
//!   full paging file fails here with [`Error::OutOfSpace`], not at the first
//!   write. New sections are zero-filled.
//!
//! See the Win32 documentation of `CreateFileMappingW`, `OpenFileMappingW`,
//! `MapViewOfFile` and `VirtualQuery`.
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::ptr::NonNull;

use windows_sys::Win32::Foundation::{
    ERROR_ACCESS_DENIED, ERROR_ALREADY_EXISTS, ERROR_BAD_PATHNAME, ERROR_COMMITMENT_LIMIT,
    ERROR_DISK_FULL, ERROR_FILE_NOT_FOUND, ERROR_FILENAME_EXCED_RANGE, ERROR_INVALID_HANDLE,
    ERROR_INVALID_NAME, ERROR_NO_SYSTEM_RESOURCES, ERROR_NOT_ENOUGH_MEMORY, ERROR_OUTOFMEMORY,
    ERROR_PAGEFILE_QUOTA, ERROR_PATH_NOT_FOUND, GetLastError, HANDLE, INVALID_HANDLE_VALUE,
    SetLastError, WIN32_ERROR,
};
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, FILE_MAP_READ, FILE_MAP_WRITE, MEMORY_BASIC_INFORMATION,
    MEMORY_MAPPED_VIEW_ADDRESS, MapViewOfFile, OpenFileMappingW, PAGE_READWRITE, UnmapViewOfFile,
    VirtualQuery,
};

use crate::error::{Error, Result};

/// Whether the size asked for is what attachers see: no, `VirtualQuery`
/// reports the region rounded up to whole pages.
pub(crate) const EXACT_SIZES: bool = false;

/// Whether `unlink` really removes a name on this system: no, a mapping
/// disappears with its last handle.
pub(crate) const UNLINK_REMOVES_NAME: bool = false;

/// A live read-write view of a whole named mapping, and the handle that
/// keeps the name alive.
pub(crate) struct Mapping {
    view: NonNull<c_void>,
    len: usize,
    /// Held only to keep the name alive; closed after the view is unmapped
    /// (fields drop after `Drop::drop`).
    _handle: OwnedHandle,
}

// SAFETY: a view of a section is process-wide; its address stays valid from
// any thread until `UnmapViewOfFile` in `Drop`, and the section handle may be
// used and closed from any thread. `Mapping` hands out no references itself
// (the owning `Segment` does, with ordinary borrow rules).
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
        self.view.as_ptr().cast()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Windows objects have security descriptors, not permission bits.
    pub(crate) fn mode(&self) -> Option<u32> {
        None
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        let view = MEMORY_MAPPED_VIEW_ADDRESS {
            Value: self.view.as_ptr(),
        };
        // SAFETY: `view` is the base address `MapViewOfFile` returned in
        // `map`, not unmapped before (only Drop unmaps), and every slice
        // handed out borrows the owning Segment, so none outlives this. The
        // handle is closed afterwards by `OwnedHandle`'s own Drop.
        let _ = unsafe { UnmapViewOfFile(view) };
    }
}

/// `name` as a NUL-terminated UTF-16 string for the `W` functions.
fn wide(name: &str) -> Vec<u16> {
    name.encode_utf16().chain(std::iter::once(0)).collect()
}

/// The calling thread's last Win32 error.
fn last_error() -> WIN32_ERROR {
    // SAFETY: GetLastError only reads the calling thread's last-error value.
    unsafe { GetLastError() }
}

/// One table from Win32 error codes to typed errors. `size` is the size
/// being created, if any: out-of-memory codes mean [`Error::OutOfSpace`]
/// only then (from `CreateFileMappingW`, which commits the pages on Windows,
/// or from `MapViewOfFile`, where Wine reserves them instead).
fn win32_error(call: &'static str, code: WIN32_ERROR, name: &str, size: Option<usize>) -> Error {
    let name = name.to_owned();
    let names_object = matches!(call, "CreateFileMappingW" | "OpenFileMappingW");
    match code {
        ERROR_FILE_NOT_FOUND => Error::NotFound { name },
        ERROR_ALREADY_EXISTS => Error::AlreadyExists { name },
        // CreateFileMappingW: the name belongs to an event, mutex, semaphore,
        // waitable timer or job object.
        ERROR_INVALID_HANDLE if call == "CreateFileMappingW" => Error::AlreadyExists { name },
        ERROR_ACCESS_DENIED => Error::PermissionDenied { name },
        ERROR_INVALID_NAME
        | ERROR_BAD_PATHNAME
        | ERROR_PATH_NOT_FOUND
        | ERROR_FILENAME_EXCED_RANGE
            if names_object =>
        {
            Error::InvalidName {
                name,
                reason: format!(
                    "refused by the operating system ({})",
                    std::io::Error::from_raw_os_error(code as i32)
                ),
            }
        }
        ERROR_NOT_ENOUGH_MEMORY
        | ERROR_OUTOFMEMORY
        | ERROR_COMMITMENT_LIMIT
        | ERROR_PAGEFILE_QUOTA
        | ERROR_DISK_FULL
        | ERROR_NO_SYSTEM_RESOURCES
            if size.is_some() =>
        {
            Error::OutOfSpace {
                name,
                size: size.unwrap_or_default(),
                // The paging file backs sections; no filesystem to report.
                room: None,
            }
        }
        other => Error::os(call, other as i32),
    }
}

/// Takes ownership of a handle a Win32 call returned, or reports the call's
/// error if it returned null.
fn owned(raw: HANDLE, call: &'static str, name: &str, size: Option<usize>) -> Result<OwnedHandle> {
    if raw.is_null() {
        return Err(win32_error(call, last_error(), name, size));
    }
    // SAFETY: `raw` is a valid handle that the call just opened for us and
    // nothing else owns; `OwnedHandle` closes it exactly once.
    Ok(unsafe { OwnedHandle::from_raw_handle(raw) })
}

/// Creates the mapping `name` of `size` bytes backed by the paging file and
/// maps it; an existing object of that name is [`Error::AlreadyExists`] and
/// is left untouched.
pub(crate) fn create(name: &str, size: usize) -> Result<Mapping> {
    let size64 = u64::try_from(size)
        .map_err(|_| Error::InvalidArgument(format!("size {size} is too large")))?;
    let wide = wide(name);
    // CreateFileMappingW reports an existing object only through the last
    // error, so start from a clean one.
    // SAFETY: SetLastError only writes the calling thread's last-error value.
    unsafe { SetLastError(0) };
    // SAFETY: INVALID_HANDLE_VALUE asks for a section backed by the paging
    // file; a null SECURITY_ATTRIBUTES means default security and a handle
    // that is not inherited; `wide` is a NUL-terminated UTF-16 string that
    // outlives the call. The size is split into its high and low halves.
    let raw = unsafe {
        CreateFileMappingW(
            INVALID_HANDLE_VALUE,
            std::ptr::null(),
            PAGE_READWRITE,
            (size64 >> 32) as u32,
            size64 as u32,
            wide.as_ptr(),
        )
    };
    let existed = last_error() == ERROR_ALREADY_EXISTS;
    let handle = owned(raw, "CreateFileMappingW", name, Some(size))?;
    if existed {
        // The handle is to someone else's mapping: close it, touch nothing.
        drop(handle);
        return Err(win32_error(
            "CreateFileMappingW",
            ERROR_ALREADY_EXISTS,
            name,
            Some(size),
        ));
    }
    map(handle, name, Some(size))
}

/// Opens the existing mapping `name` read-write and maps all of it.
pub(crate) fn attach(name: &str) -> Result<Mapping> {
    let wide = wide(name);
    // SAFETY: `wide` is a NUL-terminated UTF-16 string that outlives the
    // call; FALSE: the handle is not inherited.
    let raw = unsafe { OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE, 0, wide.as_ptr()) };
    let handle = owned(raw, "OpenFileMappingW", name, None)?;
    map(handle, name, None)
}

/// Maps the whole section and takes its size from `VirtualQuery`, so every
/// mapped byte is backed (the size is page-rounded). `created` is the size
/// just created, if this maps a new section.
fn map(handle: OwnedHandle, name: &str, created: Option<usize>) -> Result<Mapping> {
    // SAFETY: `handle` is a live section handle opened with read and write
    // access; offset 0 and length 0 map the whole section at an address of
    // the system's choosing, so no existing Rust allocation is affected.
    let view = unsafe {
        MapViewOfFile(
            handle.as_raw_handle(),
            FILE_MAP_READ | FILE_MAP_WRITE,
            0,
            0,
            0,
        )
    };
    let Some(view) = NonNull::new(view.Value) else {
        return Err(win32_error("MapViewOfFile", last_error(), name, created));
    };
    // From here on, dropping `mapping` unmaps the view and closes the handle.
    let mut mapping = Mapping {
        view,
        len: 0,
        _handle: handle,
    };
    let mut info = MEMORY_BASIC_INFORMATION::default();
    let info_len = std::mem::size_of::<MEMORY_BASIC_INFORMATION>();
    // SAFETY: `info` is a writable MEMORY_BASIC_INFORMATION of `info_len`
    // bytes; the address queried is our own live view.
    let written = unsafe { VirtualQuery(mapping.view.as_ptr(), &mut info, info_len) };
    if written == 0 {
        return Err(win32_error("VirtualQuery", last_error(), name, None));
    }
    // The region starting at the view's base with identical attributes is
    // the whole view: a committed section is one region, page-rounded.
    mapping.len = info.RegionSize;
    Ok(mapping)
}

/// Removes nothing: Windows has no unlink, and a mapping vanishes with its
/// last handle. Checks that `name` exists, so a name nobody holds is
/// [`Error::NotFound`] as on Unix.
pub(crate) fn unlink(name: &str) -> Result<()> {
    let wide = wide(name);
    // SAFETY: as in `attach`; read access is enough to learn that the name
    // exists, and the handle is closed at once.
    let raw = unsafe { OpenFileMappingW(FILE_MAP_READ, 0, wide.as_ptr()) };
    owned(raw, "OpenFileMappingW", name, None).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_table_maps_codes_to_typed_variants() {
        let e = |call, code, size| win32_error(call, code, "n", size);
        assert!(matches!(
            e("OpenFileMappingW", ERROR_FILE_NOT_FOUND, None),
            Error::NotFound { .. }
        ));
        assert!(matches!(
            e("CreateFileMappingW", ERROR_ALREADY_EXISTS, Some(8)),
            Error::AlreadyExists { .. }
        ));
        assert!(matches!(
            e("CreateFileMappingW", ERROR_INVALID_HANDLE, Some(8)),
            Error::AlreadyExists { .. }
        ));
        assert!(matches!(
            e("OpenFileMappingW", ERROR_INVALID_HANDLE, None),
            Error::Os { code: 6, .. }
        ));
        assert!(matches!(
            e("OpenFileMappingW", ERROR_ACCESS_DENIED, None),
            Error::PermissionDenied { .. }
        ));
        assert!(matches!(
            e("CreateFileMappingW", ERROR_INVALID_NAME, Some(8)),
            Error::InvalidName { .. }
        ));
        assert!(matches!(
            e("CreateFileMappingW", ERROR_COMMITMENT_LIMIT, Some(8)),
            Error::OutOfSpace { size: 8, .. }
        ));
        assert!(matches!(
            e("MapViewOfFile", ERROR_NOT_ENOUGH_MEMORY, Some(8)),
            Error::OutOfSpace { .. }
        ));
        assert!(matches!(
            e("MapViewOfFile", ERROR_NOT_ENOUGH_MEMORY, None),
            Error::Os {
                call: "MapViewOfFile",
                code: 8,
                ..
            }
        ));
    }

    #[test]
    fn a_huge_segment_is_out_of_space_and_leaves_no_name() {
        let name = crate::name::generate().unwrap();
        let err = create(&name, 1 << 40)
            .err()
            .expect("1 TiB is past any commit limit");
        assert!(matches!(err, Error::OutOfSpace { .. }), "{err}");
        assert!(matches!(attach(&name), Err(Error::NotFound { .. })));
    }
}
