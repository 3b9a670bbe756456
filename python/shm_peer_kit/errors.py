"""Failures and their exit codes (docs/PEER-PROTOCOL.md, section 9).

Raise one of these anywhere in a library adapter; the kit turns it into the
protocol's one ``error: ...`` line on stderr and the exit code. Exceptions
that are not :class:`PeerError` are mapped by the kit: ``OSError`` from a
segment operation is exit 3 (:func:`from_os_error` says how), anything else
is exit 3 as an internal error.
"""

from __future__ import annotations

import errno

#: Success.
EXIT_OK = 0
#: ``check-pattern`` found a wrong element.
EXIT_CHECK = 1
#: Wrong input: usage, descriptor, name, dtype, index, value, seed.
EXIT_USAGE = 2
#: A failed segment operation: not found, exists, size, permission, OS error.
EXIT_SEGMENT = 3


class PeerError(Exception):
    """A failure the protocol names: ``code`` is the exit code, the message
    the text after ``error: ``."""

    code: int = EXIT_SEGMENT

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(PeerError):
    """Wrong input (exit 2): anything checked before attaching."""

    code = EXIT_USAGE


class SegmentError(PeerError):
    """A failed segment operation (exit 3): what only the segment can tell."""

    code = EXIT_SEGMENT


class CheckFailed(PeerError):
    """``check-pattern`` found a wrong element (exit 1)."""

    code = EXIT_CHECK


def from_os_error(error: BaseException, name: str | None, doing: str) -> PeerError:
    """The protocol's error for ``error``, raised while ``doing`` (``create``,
    ``attach``, ``unlink``) the segment ``name``: always exit 3, with words
    for the common cases."""
    if isinstance(error, PeerError):
        return error
    what = f"segment '{name}'" if name is not None else "a segment"
    if isinstance(error, FileNotFoundError):
        return SegmentError(f"{what} not found")
    if isinstance(error, FileExistsError):
        return SegmentError(f"{what} already exists")
    if isinstance(error, PermissionError):
        return SegmentError(f"permission denied for {what}")
    if isinstance(error, OSError):
        if error.errno == errno.ENOSPC:
            return SegmentError(f"no space left to {doing} {what}")
        reason = error.strerror or str(error)
        return SegmentError(f"cannot {doing} {what}: {reason}")
    return SegmentError(f"cannot {doing} {what}: {type(error).__name__}: {error}")
