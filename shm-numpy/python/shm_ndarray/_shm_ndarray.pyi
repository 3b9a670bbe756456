"""Type stubs of the extension module ``shm_ndarray._shm_ndarray`` (the
classes and functions implemented in Rust). Import them from
``shm_ndarray``."""

from __future__ import annotations

from types import TracebackType
from typing import Any, BinaryIO, Literal

import numpy as np
from numpy.typing import DTypeLike

_Number = bool | int | float | complex
_Descriptor = dict[str, Any]

class SharedArray:
    """An n-dimensional array in a named shared-memory segment.

    Make one with ``create``, ``zeros``, ``full``, ``from_array``, ``array``
    or ``attach``. ``array`` is a numpy view of the segment (no copy),
    valid as long as it lives. An owned segment is unlinked by
    ``unlink()``, by leaving a ``with`` block, or once the handle is closed
    or collected and no view of it is left. Pickles to its descriptor.
    """

    @property
    def name(self) -> str | None:
        """The segment's name, or None for an empty array with no segment."""
    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape."""
    @property
    def dtype(self) -> np.dtype[Any]:
        """The array's dtype."""
    @property
    def ndim(self) -> int:
        """The number of dimensions."""
    @property
    def size(self) -> int:
        """The number of elements."""
    @property
    def nbytes(self) -> int:
        """The bytes the array occupies."""
    @property
    def owner(self) -> bool:
        """Whether this process owns (and will unlink) the segment."""
    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
    @property
    def descriptor(self) -> _Descriptor:
        """The canonical descriptor: name, shape, dtype, order, offset,
        nbytes, segment_size."""
    @property
    def array(self) -> np.ndarray[Any, np.dtype[Any]]:
        """The numpy view of the segment (no copy)."""
    def to_json(self) -> str:
        """The canonical descriptor as one line of JSON."""
    def to_wetlands(self) -> _Descriptor:
        """The descriptor as Wetlands' ``wetlands.numpy-shm`` payload."""
    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> np.ndarray[Any, np.dtype[Any]]:
        """numpy's array protocol: the view itself unless a copy is asked."""
    def __getitem__(self, key: Any) -> Any: ...
    def __setitem__(self, key: Any, value: Any) -> None: ...
    def __len__(self) -> int: ...
    def fill(self, value: _Number) -> None:
        """Writes ``value`` into every element, without holding the GIL."""
    def sum(self) -> int | float | complex:
        """The sum of the elements, without holding the GIL."""
    def close(self) -> None:
        """Lets go of this handle's mapping; views stay valid."""
    def unlink(self) -> None:
        """Removes the segment's name now; mappings stay valid."""
    def disown(self) -> None:
        """Hands the segment over for another process to adopt."""
    def adopt(self) -> None:
        """Takes the segment over: this process owns it from now on."""
    def __enter__(self) -> SharedArray: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        """Unlinks an owned segment and closes the handle."""
    def __reduce__(self) -> tuple[Any, tuple[_Descriptor]]:
        """Pickles to the descriptor; unpickling attaches by name."""

class Sender:
    """The sending end of a queue on a binary file."""

    def __init__(self, out: BinaryIO) -> None:
        """Writes the stream's ``open`` message on ``out``."""
    @property
    def stream(self) -> str:
        """The stream's id."""
    @property
    def sent(self) -> int:
        """How many arrays were sent."""
    def send(self, array: SharedArray) -> None:
        """Moves an array this process owns to the receiver, no copy."""
    def put(self, obj: Any) -> None:
        """Moves an owned array; copies anything else into a new segment
        and moves that."""
    def lend(self, pool: Pool, loan: Loan) -> None:
        """Lends ``loan``'s slot of ``pool``."""
    def lend_all(self, pool: Pool, loans: list[Loan]) -> None:
        """Lends several slots in one write."""
    def bind(self, pool: Pool) -> None:
        """Records that ``pool`` lends on this stream."""
    def finish(self) -> None:
        """Writes the ``end`` message (once)."""
    def close(self) -> None:
        """Finishes the stream if needed and lets go of it."""
    def __enter__(self) -> Sender: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        """Finishes the stream, unless an exception is on its way out."""

class Receiver:
    """The receiving end of a queue on a binary file."""

    def __init__(self, inp: BinaryIO, back: BinaryIO | None = None) -> None:
        """Reads the stream's ``open`` message on ``inp``; lent arrays are
        released on ``back``."""
    @property
    def stream(self) -> str:
        """The stream's id."""
    @property
    def received(self) -> int:
        """How many array messages were read."""
    def get(self) -> SharedArray | LentArray | None:
        """The next array (owned by this process, or lent), or None after
        the end of the stream."""
    def __iter__(self) -> Receiver: ...
    def __next__(self) -> SharedArray | LentArray: ...
    def close(self) -> int:
        """Frees every array still on the stream; returns how many."""
    def __enter__(self) -> Receiver: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        """Closes the queue."""

class LentArray:
    """An array lent from a sender's pool: a read-only view of its slot,
    checked on every access."""

    @property
    def array(self) -> np.ndarray[Any, np.dtype[Any]]:
        """A read-only numpy view of the slot (StaleError once released or
        lent again)."""
    def check(self) -> None:
        """Raises StaleError if the slot is no longer this array's."""
    def sum(self) -> int | float | complex:
        """The sum of the elements, without holding the GIL."""
    def release(self) -> None:
        """Gives the slot back on the receiver's back channel."""
    @property
    def released(self) -> bool:
        """Whether ``release()`` was called."""
    @property
    def pool_ref(self) -> PoolRef:
        """The pool, slot and generation."""
    @property
    def descriptor(self) -> _Descriptor:
        """The array's descriptor (the pool and the slot's offset)."""
    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape."""
    @property
    def dtype(self) -> np.dtype[Any]:
        """The array's dtype."""
    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> np.ndarray[Any, np.dtype[Any]]:
        """numpy's array protocol."""
    def __enter__(self) -> LentArray: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        """Releases the array."""

class Pool:
    """Slots of one segment this process owns, lent over a queue."""

    def __init__(self, slots: int, slot_bytes: int, *, name: str | None = None) -> None:
        """Creates the pool, every page reserved now."""
    @property
    def name(self) -> str:
        """The pool segment's name."""
    @property
    def id(self) -> int:
        """The pool's id."""
    @property
    def slots(self) -> int:
        """How many slots."""
    @property
    def slot_bytes(self) -> int:
        """The bytes each slot holds."""
    @property
    def free(self) -> int:
        """How many slots are free now."""
    def lend(self, shape: int | tuple[int, ...] | list[int], dtype: DTypeLike) -> Loan | None:
        """A free slot's Loan, or None when every slot is out."""
    def reclaim(self, released: PoolRef) -> None:
        """Takes back a released slot."""
    def reclaim_all(self) -> int:
        """Takes back every slot still lent."""
    def close(self) -> None:
        """Lets go of the pool."""
    def __enter__(self) -> Pool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        """Closes the pool."""

class Loan:
    """One slot of a Pool, lent: fill ``array``, then ``Sender.lend``."""

    @property
    def array(self) -> np.ndarray[Any, np.dtype[Any]]:
        """A writeable numpy view of the slot."""
    @property
    def slot(self) -> int:
        """The slot's index."""
    @property
    def generation(self) -> int:
        """The slot's generation."""
    @property
    def pool_ref(self) -> PoolRef:
        """The pool, slot and generation."""
    @property
    def descriptor(self) -> _Descriptor:
        """The slot's array as a descriptor."""
    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape."""
    @property
    def dtype(self) -> np.dtype[Any]:
        """The array's dtype."""

class PoolRef:
    """A pool's id, a slot and its generation."""

    def __init__(self, id: int, slot: int, generation: int) -> None: ...
    @property
    def id(self) -> int:
        """The pool's id."""
    @property
    def slot(self) -> int:
        """The slot's index."""
    @property
    def generation(self) -> int:
        """The slot's generation when it was lent."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class CleanVerdict:
    """What ``clean`` decided for one lease."""

    @property
    def name(self) -> str:
        """The segment's name."""
    @property
    def pid(self) -> int:
        """The pid the lease names."""
    @property
    def verdict(self) -> str:
        """``reclaimed``, ``already-gone``, ``holder-alive``,
        ``handed-over`` or ``lent``."""
    @property
    def line(self) -> str:
        """The line ``clean`` prints for it."""

def read_release(back: BinaryIO) -> PoolRef | None:
    """One release from a back channel, or None at its end."""

def unlink(name: str) -> None:
    """Removes the segment ``name`` and its lease; NotFoundError if none."""

def clean(dry_run: bool = False) -> list[CleanVerdict]:
    """Decides every lease and reclaims the segments of dead holders."""

def clean_summary(verdicts: list[CleanVerdict], dry_run: bool = False) -> str:
    """The last line of ``clean``."""

def error_kinds() -> list[tuple[str, str, str]]:
    """Every error kind, its exception class and built-in base."""

def exit_code(kind: str) -> int:
    """The command lines' exit code for an error kind."""

def _create(shape: list[int], dtype: str, name: str | None = None, fill: _Number | None = None) -> SharedArray: ...
def _attach(descriptor: str, adopt: bool = False) -> SharedArray: ...
def _parse_shape(text: str) -> list[int]: ...
def _parse_dtype(text: str) -> str: ...
