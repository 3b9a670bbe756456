"""Small POSIX helpers for library adapters (stdlib only): reserving a new
segment's pages, and a segment's real size or removal by name through
CPython's own ``_posixshmem`` (never creating anything).
"""

from __future__ import annotations

import errno
import os
import platform
from typing import Any

from .errors import SegmentError


def reserve(fd: int, size: int) -> None:
    """On Linux, reserves the pages of a new segment (``posix_fallocate``)
    so that a full ``/dev/shm`` is an error now (exit 3) rather than a
    ``SIGBUS`` at the first write; elsewhere, or where the filesystem cannot,
    does nothing."""
    if platform.system() != "Linux" or not hasattr(os, "posix_fallocate"):
        return
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as error:
        if error.errno in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            return  # no fallocate here: pages come lazily
        if error.errno == errno.ENOSPC:
            raise SegmentError(f"no space left for a segment of {size} bytes") from None
        raise


def _posixshmem() -> Any:
    if os.name == "nt":
        raise SegmentError("Windows has no named POSIX segments: a mapping goes with its last handle")
    import _posixshmem  # type: ignore[import-not-found]  # CPython, POSIX

    return _posixshmem


def segment_stat(name: str) -> os.stat_result:
    """``fstat`` of the segment ``name`` (size, mode), opened read-only and
    never created; ``FileNotFoundError`` if it is not there."""
    fd = int(_posixshmem().shm_open("/" + name, os.O_RDONLY, mode=0o600))
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def segment_size(name: str) -> int:
    """The real size of the segment ``name`` (see :func:`segment_stat`)."""
    return segment_stat(name).st_size


def unlink_segment(name: str) -> None:
    """``shm_unlink("/" + name)``; ``FileNotFoundError`` if it is not there."""
    _posixshmem().shm_unlink("/" + name)
