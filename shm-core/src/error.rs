//! The one error type of the library.
//!
//! Every failure a caller may want to react to has its own variant; messages
//! say what was expected and what was found. [`Error::kind`] names the
//! variant as a small [`ErrorKind`], which cases, reports, exit codes and
//! foreign peers use instead of matching text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The result type used throughout `shm-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when naming, creating, attaching or viewing a
/// shared array.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No segment of that name exists (`ENOENT` from `shm_open`,
    /// `ERROR_FILE_NOT_FOUND` from `OpenFileMappingW`).
    #[error("segment '{name}' not found")]
    NotFound {
        /// The name that was looked up, without a leading slash.
        name: String,
    },
    /// A segment of that name already exists; creation never reuses one.
    #[error("segment '{name}' already exists")]
    AlreadyExists {
        /// The name that was taken.
        name: String,
    },
    /// The segment is smaller (or, where sizes are exact, of another size) than
    /// the descriptor requires.
    #[error("segment '{name}' has {found} bytes, expected {expected}")]
    SizeMismatch {
        /// The segment's name.
        name: String,
        /// What the descriptor requires, e.g. `>= 200` or `== 200`.
        expected: SizeExpectation,
        /// The segment's real size as reported by the operating system.
        found: usize,
    },
    /// The element type asked for does not match the descriptor's dtype.
    #[error("dtype mismatch: expected {expected}, found {found}")]
    DtypeMismatch {
        /// The dtype the caller asked for (from the Rust element type).
        expected: String,
        /// The dtype the descriptor declares.
        found: String,
    },
    /// The dtype's byte order is not this machine's: only raw bytes and
    /// scalar access are available, not typed views.
    #[error("dtype '{dtype}' is not in native byte order; typed views are refused (use raw bytes)")]
    NonNativeByteOrder {
        /// The dtype in numpy's `dtype.str` form.
        dtype: String,
    },
    /// A segment name breaks the portable naming rules.
    #[error("invalid segment name {name:?}: {reason}")]
    InvalidName {
        /// The offending name.
        name: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// The array descriptor could not be parsed or is inconsistent.
    #[error("invalid descriptor: {0}")]
    InvalidDescriptor(String),
    /// A numpy dtype this library does not model (object, strings, datetimes,
    /// structured, ...).
    #[error("unsupported dtype {input:?}: {reason}")]
    UnsupportedDtype {
        /// The dtype as given.
        input: String,
        /// Why it is refused.
        reason: String,
    },
    /// An argument that is not about names, descriptors or dtypes is out of
    /// range (size 0, an index outside the shape, a value that does not fit).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The contents of the segment are not valid for the element type (a
    /// `bool` byte that is neither 0 nor 1).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// The shared-memory filesystem has no room for the segment (`ENOSPC`
    /// from `posix_fallocate` or `ftruncate`). Where the OS says, the
    /// message gives the filesystem's free and total bytes and a size that
    /// would fit (Docker's `--shm-size`).
    #[error("{}", out_of_space(name, *size, room))]
    OutOfSpace {
        /// The segment's name.
        name: String,
        /// The size that could not be reserved.
        size: usize,
        /// The filesystem holding the segments, when it is known.
        room: Option<Room>,
    },
    /// The caller lacks permission to open the segment (`EACCES`).
    #[error("permission denied for segment '{name}'")]
    PermissionDenied {
        /// The segment's name.
        name: String,
    },
    /// A queue message that is not one: not JSON, an unknown type or
    /// transfer, a sequence number out of order, a line too long.
    #[error("invalid queue message: {0}")]
    InvalidMessage(String),
    /// A queue stream that ended without its end message, after `received`
    /// arrays: the sender died or the stream was cut.
    #[error("queue stream truncated after {received} arrays: no end message")]
    Truncated {
        /// How many arrays arrived before the stream stopped.
        received: u64,
    },
    /// A pool slot that was released and lent again since this array was
    /// lent: its bytes are another array's now.
    #[error("slot {slot} of pool '{name}' was released and lent again: this array is stale")]
    Stale {
        /// The pool segment's name.
        name: String,
        /// The slot.
        slot: u64,
    },
    /// Any other operating-system error, with the call that failed and its
    /// raw error code (`errno` on Unix, `GetLastError` on Windows).
    #[error("{call} failed: {message} (os error {code})")]
    Os {
        /// The system call or API function, e.g. `shm_open`.
        call: &'static str,
        /// The raw error code.
        code: i32,
        /// The operating system's description of the code.
        message: String,
    },
}

/// Which [`Error`] variant an error is, without its details: what cases
/// expect (`expect_error = "NotFound"`), what reports and replies carry,
/// and what exit codes are decided from.
///
/// Unlike [`Error`], this enum is exhaustive on purpose: a new variant is a
/// breaking change, so that every `match` on kinds (the exit-code table
/// among them) fails to compile until it says what the new kind means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ErrorKind {
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::AlreadyExists`].
    AlreadyExists,
    /// [`Error::SizeMismatch`].
    SizeMismatch,
    /// [`Error::DtypeMismatch`].
    DtypeMismatch,
    /// [`Error::NonNativeByteOrder`].
    NonNativeByteOrder,
    /// [`Error::InvalidName`].
    InvalidName,
    /// [`Error::InvalidDescriptor`].
    InvalidDescriptor,
    /// [`Error::UnsupportedDtype`].
    UnsupportedDtype,
    /// [`Error::InvalidArgument`].
    InvalidArgument,
    /// [`Error::InvalidData`].
    InvalidData,
    /// [`Error::OutOfSpace`].
    OutOfSpace,
    /// [`Error::PermissionDenied`].
    PermissionDenied,
    /// [`Error::InvalidMessage`].
    InvalidMessage,
    /// [`Error::Truncated`].
    Truncated,
    /// [`Error::Stale`].
    Stale,
    /// [`Error::Os`].
    Os,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 16] = [
        ErrorKind::NotFound,
        ErrorKind::AlreadyExists,
        ErrorKind::SizeMismatch,
        ErrorKind::DtypeMismatch,
        ErrorKind::NonNativeByteOrder,
        ErrorKind::InvalidName,
        ErrorKind::InvalidDescriptor,
        ErrorKind::UnsupportedDtype,
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidData,
        ErrorKind::OutOfSpace,
        ErrorKind::PermissionDenied,
        ErrorKind::InvalidMessage,
        ErrorKind::Truncated,
        ErrorKind::Stale,
        ErrorKind::Os,
    ];

    /// The kind's name, as cases and reports spell it (`NotFound`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "NotFound",
            ErrorKind::AlreadyExists => "AlreadyExists",
            ErrorKind::SizeMismatch => "SizeMismatch",
            ErrorKind::DtypeMismatch => "DtypeMismatch",
            ErrorKind::NonNativeByteOrder => "NonNativeByteOrder",
            ErrorKind::InvalidName => "InvalidName",
            ErrorKind::InvalidDescriptor => "InvalidDescriptor",
            ErrorKind::UnsupportedDtype => "UnsupportedDtype",
            ErrorKind::InvalidArgument => "InvalidArgument",
            ErrorKind::InvalidData => "InvalidData",
            ErrorKind::OutOfSpace => "OutOfSpace",
            ErrorKind::PermissionDenied => "PermissionDenied",
            ErrorKind::InvalidMessage => "InvalidMessage",
            ErrorKind::Truncated => "Truncated",
            ErrorKind::Stale => "Stale",
            ErrorKind::Os => "Os",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ErrorKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        ErrorKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown error kind {s:?}"))
    }
}

impl Error {
    /// The variant this error is, as a [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::AlreadyExists { .. } => ErrorKind::AlreadyExists,
            Error::SizeMismatch { .. } => ErrorKind::SizeMismatch,
            Error::DtypeMismatch { .. } => ErrorKind::DtypeMismatch,
            Error::NonNativeByteOrder { .. } => ErrorKind::NonNativeByteOrder,
            Error::InvalidName { .. } => ErrorKind::InvalidName,
            Error::InvalidDescriptor(_) => ErrorKind::InvalidDescriptor,
            Error::UnsupportedDtype { .. } => ErrorKind::UnsupportedDtype,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::InvalidData(_) => ErrorKind::InvalidData,
            Error::OutOfSpace { .. } => ErrorKind::OutOfSpace,
            Error::PermissionDenied { .. } => ErrorKind::PermissionDenied,
            Error::InvalidMessage(_) => ErrorKind::InvalidMessage,
            Error::Truncated { .. } => ErrorKind::Truncated,
            Error::Stale { .. } => ErrorKind::Stale,
            Error::Os { .. } => ErrorKind::Os,
        }
    }

    /// Builds [`Error::Os`] from a call name and a raw OS error code.
    pub fn os(call: &'static str, code: i32) -> Self {
        // io::Error's text ends in " (os error N)", which Display adds itself.
        let text = std::io::Error::from_raw_os_error(code).to_string();
        let message = match text.rfind(" (os error ") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        Error::Os {
            call,
            code,
            message,
        }
    }

    /// Builds [`Error::Os`] from a failed I/O call on a stream (code 0 when
    /// the error is not the OS's).
    pub fn io(call: &'static str, e: &std::io::Error) -> Self {
        match e.raw_os_error() {
            Some(code) => Error::os(call, code),
            None => Error::Os {
                call,
                code: 0,
                message: e.to_string(),
            },
        }
    }

    /// Whether this error happened while attaching: the segment is missing,
    /// too small, of another type, or not accessible.
    pub fn is_attach_error(&self) -> bool {
        matches!(
            self,
            Error::NotFound { .. }
                | Error::SizeMismatch { .. }
                | Error::DtypeMismatch { .. }
                | Error::NonNativeByteOrder { .. }
                | Error::PermissionDenied { .. }
                | Error::InvalidData(_)
        )
    }
}

/// The room on the filesystem that holds shared memory (`statvfs(3)` of
/// `/dev/shm` on Linux), as it was when a create failed for space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Where the segments live, e.g. `/dev/shm`.
    pub path: String,
    /// Bytes free for an unprivileged process (`f_bavail * f_frsize`).
    pub available: u64,
    /// The filesystem's size (`f_blocks * f_frsize`).
    pub total: u64,
}

impl Room {
    /// A `--shm-size` in MiB that holds what is used now and `size` more.
    pub fn size_that_fits_mib(&self, size: usize) -> u64 {
        let used = self.total.saturating_sub(self.available);
        used.saturating_add(size as u64).div_ceil(1 << 20).max(1)
    }
}

fn out_of_space(name: &str, size: usize, room: &Option<Room>) -> String {
    match room {
        None => format!("no space for segment '{name}' of {size} bytes (shared memory is full)"),
        Some(r) => format!(
            "no space for segment '{name}' of {size} bytes: {} has {} of {} bytes free; \
             free some, or give shared memory more room (in Docker: --shm-size={}m or more)",
            r.path,
            r.available,
            r.total,
            r.size_that_fits_mib(size)
        ),
    }
}

/// What a size check required: a minimum, or an exact size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeExpectation {
    /// At least this many bytes.
    AtLeast(usize),
    /// Exactly this many bytes.
    Exactly(usize),
}

impl fmt::Display for SizeExpectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeExpectation::AtLeast(n) => write!(f, ">= {n}"),
            SizeExpectation::Exactly(n) => write!(f, "== {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_names_that_parse_back_and_serialise_as_names() {
        for kind in ErrorKind::ALL {
            assert_eq!(kind.name().parse::<ErrorKind>(), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        assert!("Other".parse::<ErrorKind>().is_err());
    }

    #[test]
    fn errors_know_their_kind() {
        let e = Error::NotFound { name: "x".into() };
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(Error::os("mmap", 12).kind(), ErrorKind::Os);
    }

    #[test]
    fn out_of_space_says_how_much_was_asked_what_is_free_and_what_fits() {
        let room = Room {
            path: "/dev/shm".into(),
            available: 1 << 20,
            total: 64 << 20,
        };
        // 63 MiB used and 10 MB more: 72.6 MiB, so 73 MiB fits.
        assert_eq!(room.size_that_fits_mib(10_000_000), 73);
        let e = Error::OutOfSpace {
            name: "big".into(),
            size: 10_000_000,
            room: Some(room),
        };
        assert_eq!(
            e.to_string(),
            "no space for segment 'big' of 10000000 bytes: /dev/shm has 1048576 of 67108864 \
             bytes free; free some, or give shared memory more room (in Docker: --shm-size=73m or more)"
        );
    }
}
