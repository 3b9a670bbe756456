//! Failure kinds and exit codes: the one table every peer and command uses.
//!
//! A failure is a [`Kind`]: one of the library's [`ErrorKind`]s, or one of
//! the harness's own ([`HarnessKind`]: a check that found a wrong element, a
//! request no worker understood, a foreign peer's exit code). Cases expect
//! kinds by name (`expect_error = "NotFound"`), replies and reports carry
//! them, and [`Kind::exit_code`] decides the process's exit code:
//!
//! | code | meaning | kinds |
//! |---|---|---|
//! | 0 | success | |
//! | 1 | a conformance check failed | `Mismatch`, `PeerFailed` |
//! | 2 | wrong input (usage, descriptor, name, dtype, index, value, queue message) | `InvalidName`, `InvalidDescriptor`, `UnsupportedDtype`, `InvalidArgument`, `InvalidMessage`, `Truncated`, `BadRequest`, `BadInput` |
//! | 3 | a failed segment operation | every other library kind, `SegmentError` |
//!
//! The matches below are exhaustive: a new kind does not compile until this
//! table says what it means.

use std::fmt;
use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use shm_core::{Error, ErrorKind};

/// Exit code: a conformance check failed.
pub const CHECK_FAILED: u8 = 1;
/// Exit code: wrong input.
pub const BAD_INPUT: u8 = 2;
/// Exit code: a failed segment operation.
pub const SEGMENT_FAILED: u8 = 3;

/// Failure kinds of the harness itself, beside the library's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HarnessKind {
    /// A check found an element, part or pattern value that differs.
    Mismatch,
    /// A request that the worker could not read.
    BadRequest,
    /// A foreign peer exited 2: it called its input wrong.
    BadInput,
    /// A foreign peer exited 3: a segment operation failed.
    SegmentError,
    /// A foreign peer failed any other way (another code, a signal).
    PeerFailed,
}

/// What kind of failure a reply, a case or an exit code speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Kind {
    /// One of the library's error kinds.
    Error(ErrorKind),
    /// One of the harness's own.
    Harness(HarnessKind),
}

impl Kind {
    /// The kind's name, as cases and reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Error(k) => k.name(),
            Kind::Harness(HarnessKind::Mismatch) => "Mismatch",
            Kind::Harness(HarnessKind::BadRequest) => "BadRequest",
            Kind::Harness(HarnessKind::BadInput) => "BadInput",
            Kind::Harness(HarnessKind::SegmentError) => "SegmentError",
            Kind::Harness(HarnessKind::PeerFailed) => "PeerFailed",
        }
    }

    /// The exit code a process that failed this way exits with.
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Error(
                ErrorKind::InvalidName
                | ErrorKind::InvalidDescriptor
                | ErrorKind::UnsupportedDtype
                | ErrorKind::InvalidArgument
                | ErrorKind::InvalidMessage
                | ErrorKind::Truncated,
            ) => BAD_INPUT,
            Kind::Error(
                ErrorKind::NotFound
                | ErrorKind::AlreadyExists
                | ErrorKind::SizeMismatch
                | ErrorKind::DtypeMismatch
                | ErrorKind::NonNativeByteOrder
                | ErrorKind::InvalidData
                | ErrorKind::OutOfSpace
                | ErrorKind::PermissionDenied
                | ErrorKind::Stale
                | ErrorKind::Os,
            ) => SEGMENT_FAILED,
            Kind::Harness(HarnessKind::Mismatch | HarnessKind::PeerFailed) => CHECK_FAILED,
            Kind::Harness(HarnessKind::BadRequest | HarnessKind::BadInput) => BAD_INPUT,
            Kind::Harness(HarnessKind::SegmentError) => SEGMENT_FAILED,
        }
    }

    /// Whether a failure of this kind is what `expected` asks for: the same
    /// kind, or, for what a foreign peer's exit code says (`BadInput`,
    /// `SegmentError`), an expected kind with that exit code. A peer is held
    /// to the contract's exit codes, not to this library's error names.
    pub fn satisfies(self, expected: Kind) -> bool {
        let by_exit_code = matches!(
            self,
            Kind::Harness(HarnessKind::BadInput | HarnessKind::SegmentError)
        );
        self == expected || (by_exit_code && self.exit_code() == expected.exit_code())
    }

    /// The kind a foreign peer's exit code stands for (`None` for 0).
    pub fn of_peer_exit(code: Option<i32>) -> Option<Kind> {
        Some(Kind::Harness(match code {
            Some(0) => return None,
            Some(1) => HarnessKind::Mismatch,
            Some(2) => HarnessKind::BadInput,
            Some(3) => HarnessKind::SegmentError,
            _ => HarnessKind::PeerFailed,
        }))
    }
}

impl From<ErrorKind> for Kind {
    fn from(k: ErrorKind) -> Kind {
        Kind::Error(k)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Prints the one `error: ...` line and returns `code`. A stderr that
/// cannot be written (closed) loses the line, never the exit code: the
/// process must not die of it.
pub fn fail(code: u8, message: impl fmt::Display) -> ExitCode {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "error: {message}");
    ExitCode::from(code)
}

/// Prints `error: ...` for `err` and returns the code its kind maps to.
pub fn fail_with(err: &Error) -> ExitCode {
    fail(Kind::from(err.kind()).exit_code(), err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_kinds_exit_2_and_segment_kinds_exit_3() {
        assert_eq!(Kind::from(ErrorKind::InvalidDescriptor).exit_code(), 2);
        assert_eq!(Kind::from(ErrorKind::NotFound).exit_code(), 3);
        assert_eq!(Kind::from(ErrorKind::SizeMismatch).exit_code(), 3);
        assert_eq!(Kind::Harness(HarnessKind::Mismatch).exit_code(), 1);
        for k in ErrorKind::ALL {
            assert!(matches!(Kind::from(k).exit_code(), 2 | 3), "{k}");
        }
    }

    #[test]
    fn kinds_read_and_print_by_name() {
        for text in ["NotFound", "Mismatch", "SegmentError", "Os"] {
            let k: Kind = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(k.name(), text);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{text}\""));
        }
        assert!(serde_json::from_str::<Kind>("\"Other\"").is_err());
    }

    #[test]
    fn a_peers_exit_code_satisfies_the_kinds_with_that_code() {
        let segment = Kind::of_peer_exit(Some(3)).unwrap();
        assert!(segment.satisfies(ErrorKind::NotFound.into()));
        assert!(segment.satisfies(ErrorKind::SizeMismatch.into()));
        assert!(!segment.satisfies(ErrorKind::InvalidName.into()));
        let input = Kind::of_peer_exit(Some(2)).unwrap();
        assert!(input.satisfies(ErrorKind::InvalidName.into()));
        let crashed = Kind::of_peer_exit(Some(-1)).unwrap();
        assert!(!crashed.satisfies(ErrorKind::NotFound.into()));
        // A library error is held to its own kind, not to its exit code.
        assert!(!Kind::from(ErrorKind::NotFound).satisfies(ErrorKind::SizeMismatch.into()));
    }

    #[test]
    fn peer_exit_codes_map_back_to_kinds() {
        assert_eq!(Kind::of_peer_exit(Some(0)), None);
        assert_eq!(
            Kind::of_peer_exit(Some(3)).map(Kind::exit_code),
            Some(SEGMENT_FAILED)
        );
        assert_eq!(
            Kind::of_peer_exit(Some(2)).map(Kind::exit_code),
            Some(BAD_INPUT)
        );
        assert_eq!(
            Kind::of_peer_exit(None).map(Kind::exit_code),
            Some(CHECK_FAILED)
        );
    }
}
