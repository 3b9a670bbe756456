//! What each library error kind is in Python: the exception class the
//! package raises (`python/shm_ndarray/_errors.py` defines them), the
//! `errno` an `OSError` subclass carries, and the exit code the command
//! lines exit with (the one table, [`shm_protocol::exit`]).

use shm_core::{Error, ErrorKind};
use shm_protocol::exit::Kind;

/// `ENOENT`: the same number on Linux, macOS and Windows' C runtime.
pub const ENOENT: i32 = 2;
/// `EACCES`, as above.
pub const EACCES: i32 = 13;
/// `EEXIST`, as above.
pub const EEXIST: i32 = 17;
/// `ENOSPC`, as above.
pub const ENOSPC: i32 = 28;

/// How one error kind appears in Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PyKind {
    /// The library's kind.
    pub kind: ErrorKind,
    /// The exception class's name in `shm_ndarray`.
    pub class: &'static str,
    /// The built-in exception it also is (`"ShmError"` alone when none
    /// fits).
    pub builtin: &'static str,
    /// The `errno` of an `OSError` subclass, when the kind has a fixed one.
    pub errno: Option<i32>,
}

/// The Python side of `kind`.
pub fn py_kind(kind: ErrorKind) -> PyKind {
    let (class, builtin, errno) = match kind {
        ErrorKind::NotFound => ("NotFoundError", "FileNotFoundError", Some(ENOENT)),
        ErrorKind::AlreadyExists => ("AlreadyExistsError", "FileExistsError", Some(EEXIST)),
        ErrorKind::SizeMismatch => ("SizeMismatchError", "ValueError", None),
        ErrorKind::DtypeMismatch => ("DtypeMismatchError", "ValueError", None),
        ErrorKind::NonNativeByteOrder => ("NonNativeByteOrderError", "ValueError", None),
        ErrorKind::InvalidName => ("InvalidNameError", "ValueError", None),
        ErrorKind::InvalidDescriptor => ("InvalidDescriptorError", "ValueError", None),
        ErrorKind::UnsupportedDtype => ("UnsupportedDtypeError", "TypeError", None),
        ErrorKind::InvalidArgument => ("InvalidArgumentError", "ValueError", None),
        ErrorKind::InvalidData => ("InvalidDataError", "ValueError", None),
        ErrorKind::OutOfSpace => ("OutOfSpaceError", "OSError", Some(ENOSPC)),
        ErrorKind::PermissionDenied => ("PermissionDeniedError", "PermissionError", Some(EACCES)),
        ErrorKind::InvalidMessage => ("InvalidMessageError", "ValueError", None),
        ErrorKind::Truncated => ("TruncatedError", "EOFError", None),
        ErrorKind::Stale => ("StaleError", "ShmError", None),
        ErrorKind::Os => ("ShmOSError", "OSError", None),
    };
    PyKind {
        kind,
        class,
        builtin,
        errno,
    }
}

/// The exit code a command line exits with after an error of `kind`
/// (2 wrong input, 3 a failed segment operation).
pub fn exit_code(kind: ErrorKind) -> u8 {
    Kind::from(kind).exit_code()
}

/// The `errno` an error carries in Python: the kind's own, or the OS's
/// code for [`Error::Os`] (none when the failure was not the OS's).
pub fn errno(e: &Error) -> Option<i32> {
    match e {
        Error::Os { code, .. } if *code != 0 => Some(*code),
        _ => py_kind(e.kind()).errno,
    }
}

/// The segment an error names, which an `OSError` carries as `filename`.
pub fn segment_name(e: &Error) -> Option<&str> {
    match e {
        Error::NotFound { name }
        | Error::AlreadyExists { name }
        | Error::PermissionDenied { name }
        | Error::OutOfSpace { name, .. }
        | Error::SizeMismatch { name, .. }
        | Error::Stale { name, .. } => Some(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_class_and_an_exit_code_of_2_or_3() {
        let mut classes: Vec<_> = ErrorKind::ALL.iter().map(|&k| py_kind(k).class).collect();
        classes.sort_unstable();
        classes.dedup();
        assert_eq!(classes.len(), ErrorKind::ALL.len(), "one class a kind");
        for k in ErrorKind::ALL {
            assert!(py_kind(k).class.ends_with("Error"), "{k}");
            assert!(matches!(exit_code(k), 2 | 3), "{k}");
        }
        assert_eq!(exit_code(ErrorKind::Truncated), 2);
        assert_eq!(exit_code(ErrorKind::NotFound), 3);
        assert_eq!(exit_code(ErrorKind::Stale), 3);
    }

    #[test]
    fn os_kinds_carry_an_errno_and_the_segment_name() {
        let e = Error::NotFound {
            name: "shm-1".into(),
        };
        assert_eq!((errno(&e), segment_name(&e)), (Some(ENOENT), Some("shm-1")));
        let e = Error::os("mmap", 12);
        assert_eq!((errno(&e), segment_name(&e)), (Some(12), None));
        let e = Error::io("write", &std::io::Error::other("not the OS's"));
        assert_eq!(errno(&e), None);
        assert_eq!(errno(&Error::InvalidArgument("x".into())), None);
        assert_eq!(py_kind(ErrorKind::OutOfSpace).errno, Some(ENOSPC));
    }
}
