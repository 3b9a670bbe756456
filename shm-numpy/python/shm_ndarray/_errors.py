"""The package's exceptions: one base, ``ShmError``, and one class per
error kind of the library, each also the built-in exception that fits, so
``except FileNotFoundError`` and ``except ShmError`` both catch a missing
segment. Every one carries ``.kind`` (the library's ``ErrorKind`` name,
e.g. ``"NotFound"``) and ``.exit_code`` (what the command lines exit
with: 2 wrong input, 3 a failed segment operation).
"""

from __future__ import annotations

from typing import ClassVar


class ShmError(Exception):
    """Base of every error this package raises about shared arrays.

    ``kind`` is the library's error kind, ``message`` the library's text
    (also ``str(e)``), ``exit_code`` the command lines' exit code for it.
    """

    kind: ClassVar[str] = ""
    message: str

    def __str__(self) -> str:
        return getattr(self, "message", None) or super().__str__()

    @property
    def exit_code(self) -> int:
        """The exit code a command line exits with after this error."""
        from ._shm_ndarray import exit_code

        return exit_code(self.kind)


class NotFoundError(ShmError, FileNotFoundError):
    """No segment of that name exists (``errno`` ENOENT, ``filename`` the name)."""

    kind = "NotFound"


class AlreadyExistsError(ShmError, FileExistsError):
    """A segment of that name already exists; creation never reuses one."""

    kind = "AlreadyExists"


class SizeMismatchError(ShmError, ValueError):
    """The segment is smaller than (or, where sizes are exact, of another size
    than) its descriptor says."""

    kind = "SizeMismatch"


class DtypeMismatchError(ShmError, ValueError):
    """The element type asked for is not the descriptor's dtype."""

    kind = "DtypeMismatch"


class NonNativeByteOrderError(ShmError, ValueError):
    """A typed access needs this machine's byte order."""

    kind = "NonNativeByteOrder"


class InvalidNameError(ShmError, ValueError):
    """A segment name breaks the portable rules: 1 to 30 characters of
    ``[A-Za-z0-9_.-]``, not ``.`` or ``..``."""

    kind = "InvalidName"


class InvalidDescriptorError(ShmError, ValueError):
    """A descriptor that cannot be read or is inconsistent."""

    kind = "InvalidDescriptor"


class UnsupportedDtypeError(ShmError, TypeError):
    """A dtype the library does not share (object, strings, datetimes,
    structured, float128); a TypeError, as numpy's own dtype errors are."""

    kind = "UnsupportedDtype"


class InvalidArgumentError(ShmError, ValueError):
    """An argument out of range: a negative dimension, a value the dtype does
    not hold, an operation on a closed handle."""

    kind = "InvalidArgument"


class InvalidDataError(ShmError, ValueError):
    """The segment's bytes are not valid for the dtype (a bool byte other than
    0 or 1), or a segment is not what it should be (not a pool)."""

    kind = "InvalidData"


class OutOfSpaceError(ShmError, OSError, MemoryError):
    """Shared memory is full (``errno`` ENOSPC), found when the segment is
    created, never as a SIGBUS later. Where the OS says, the message gives
    the free and total bytes and a ``--shm-size`` for Docker that fits."""

    kind = "OutOfSpace"


class PermissionDeniedError(ShmError, PermissionError):
    """The segment is not this user's to open (``errno`` EACCES)."""

    kind = "PermissionDenied"


class InvalidMessageError(ShmError, ValueError):
    """A queue line that is not the next message (not JSON, an unknown key,
    type or transfer, a sequence gap, a wrong count, a line too long)."""

    kind = "InvalidMessage"


class TruncatedError(ShmError, EOFError):
    """A queue stream that stopped without its end message: the sender died
    or the stream was cut."""

    kind = "Truncated"


class StaleError(ShmError):
    """A lent array whose pool slot was released and lent again: its bytes are
    another array's now."""

    kind = "Stale"


class ShmOSError(ShmError, OSError):
    """Any other failure of the operating system, with its ``errno``."""

    kind = "Os"


CLASSES: dict[str, type[ShmError]] = {
    cls.kind: cls
    for cls in (
        NotFoundError,
        AlreadyExistsError,
        SizeMismatchError,
        DtypeMismatchError,
        NonNativeByteOrderError,
        InvalidNameError,
        InvalidDescriptorError,
        UnsupportedDtypeError,
        InvalidArgumentError,
        InvalidDataError,
        OutOfSpaceError,
        PermissionDeniedError,
        InvalidMessageError,
        TruncatedError,
        StaleError,
        ShmOSError,
    )
}


def _from_library(kind: str, message: str, errno: int | None = None, filename: str | None = None) -> ShmError:
    """The exception for a library error (called by the extension): its
    class by kind, with ``errno`` and ``filename`` for the OSError ones."""
    cls = CLASSES.get(kind, ShmOSError)
    error: ShmError
    if issubclass(cls, OSError) and errno is not None:
        error = cls(errno, message, filename) if filename is not None else cls(errno, message)
    else:
        error = cls(message)
    error.message = message
    return error


def invalid_argument(message: str) -> InvalidArgumentError:
    """An InvalidArgumentError worded as the library words it."""
    error = _from_library("InvalidArgument", f"invalid argument: {message}")
    assert isinstance(error, InvalidArgumentError)
    return error


def unsupported_dtype(dtype: object, reason: str) -> UnsupportedDtypeError:
    """An UnsupportedDtypeError worded as the library words it."""
    error = _from_library("UnsupportedDtype", f"unsupported dtype {dtype!r}: {reason}")
    assert isinstance(error, UnsupportedDtypeError)
    return error


def invalid_descriptor(message: str) -> InvalidDescriptorError:
    """An InvalidDescriptorError worded as the library words it."""
    error = _from_library("InvalidDescriptor", f"invalid descriptor: {message}")
    assert isinstance(error, InvalidDescriptorError)
    return error
