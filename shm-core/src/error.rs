//! The one error type of the library.
//!
//! Every failure a caller may want to react to has its own variant; messages
//! say what was expected and what was found.

use std::fmt;

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
    /// from `posix_fallocate` or `ftruncate`).
    #[error("no space for segment '{name}' of {size} bytes (shared memory is full)")]
    OutOfSpace {
        /// The segment's name.
        name: String,
        /// The size that could not be reserved.
        size: usize,
    },
    /// The caller lacks permission to open the segment (`EACCES`).
    #[error("permission denied for segment '{name}'")]
    PermissionDenied {
        /// The segment's name.
        name: String,
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

impl Error {
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
