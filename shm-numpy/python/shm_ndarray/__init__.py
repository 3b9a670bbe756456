"""shm_ndarray: numpy arrays in named shared memory, shared between
processes without a copy.

A creator puts an array in a named segment; other processes attach it by
its descriptor (``{"name", "shape", "dtype"}``), see the same bytes, and
their writes are seen by every process. Pickling an array gives only that
descriptor, so ``multiprocessing`` and ``concurrent.futures`` pass arrays
by name. Arrays move between processes on a ``Queue`` (the receiver owns
what it gets) or are lent from a ``Pool``; both speak the wire of the Rust
library (``shm_core::queue``) and of ``shm-harness queue``.

    >>> import shm_ndarray as sn
    >>> with sn.create((5, 5), "float64") as a:   # this process owns it
    ...     a.array[0, 0] = 1.0                    # a numpy view, no copy
    ...     b = sn.attach(a.descriptor)            # what another process does
    ...     float(b.array.sum())
    1.0

Errors are ``ShmError`` subclasses that are also the built-in exception that
fits (``NotFoundError`` is a ``FileNotFoundError``, ...), each with ``.kind``.
The segments are never registered with CPython's resource tracker, and
``clean()`` reclaims those whose holder died.
"""

from __future__ import annotations

from . import _shm_ndarray
from ._arrays import (
    DescriptorLike,
    ShapeLike,
    adopt,
    array,
    attach,
    create,
    from_array,
    full,
    ndarray,
    zeros,
)
from ._errors import (
    AlreadyExistsError,
    DtypeMismatchError,
    InvalidArgumentError,
    InvalidDataError,
    InvalidDescriptorError,
    InvalidMessageError,
    InvalidNameError,
    NonNativeByteOrderError,
    NotFoundError,
    OutOfSpaceError,
    PermissionDeniedError,
    ShmError,
    ShmOSError,
    SizeMismatchError,
    StaleError,
    TruncatedError,
    UnsupportedDtypeError,
)
from ._queue import Queue
from ._shm_ndarray import (
    CleanVerdict,
    LentArray,
    Loan,
    Pool,
    PoolRef,
    Receiver,
    Sender,
    SharedArray,
    read_release,
)


def unlink(name: str) -> None:
    """Removes the segment ``name`` (a leading ``/`` is accepted) and its
    lease, whoever made it: ``shm_unlink`` where the OS has it. Mappings of
    it stay valid until closed. ``NotFoundError`` when there is none."""
    _shm_ndarray.unlink(name.removeprefix("/"))


def clean(dry_run: bool = False) -> list[CleanVerdict]:
    """Reclaims the segments whose holder died, as ``shm-harness clean`` does:
    decides every lease of the ledger (``holder-alive``, ``handed-over``,
    ``lent``, ``already-gone``, ``reclaimed``) and, unless ``dry_run``,
    unlinks the segments of dead holders. Returns one verdict a lease."""
    return _shm_ndarray.clean(dry_run)


__all__ = [
    "AlreadyExistsError",
    "CleanVerdict",
    "DescriptorLike",
    "DtypeMismatchError",
    "InvalidArgumentError",
    "InvalidDataError",
    "InvalidDescriptorError",
    "InvalidMessageError",
    "InvalidNameError",
    "LentArray",
    "Loan",
    "NonNativeByteOrderError",
    "NotFoundError",
    "OutOfSpaceError",
    "PermissionDeniedError",
    "Pool",
    "PoolRef",
    "Queue",
    "Receiver",
    "Sender",
    "ShapeLike",
    "SharedArray",
    "ShmError",
    "ShmOSError",
    "SizeMismatchError",
    "StaleError",
    "TruncatedError",
    "UnsupportedDtypeError",
    "adopt",
    "array",
    "attach",
    "clean",
    "create",
    "from_array",
    "full",
    "ndarray",
    "read_release",
    "unlink",
    "zeros",
]
