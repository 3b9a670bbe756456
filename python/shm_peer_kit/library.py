"""What an implementer writes: a :class:`Library` subclass that creates,
attaches and unlinks segments with the library under test, and its
:class:`Capabilities`. The kit does everything else.

The library's part is small on purpose::

    class MyLib(Library):
        capabilities = Capabilities(name="mylib", python_modules=("numpy", "mylib"))

        def create(self, request: CreateRequest) -> Segment:
            # exclusive (O_CREAT|O_EXCL), mode 0600, exactly request.size bytes;
            # FileExistsError if the name is taken
            ...
        def attach(self, name: str) -> Segment:
            # open an existing segment, never creating it (no O_CREAT):
            # FileNotFoundError if it is not there; its real size from fstat
            ...
        def unlink(self, name: str) -> None:
            # remove "/" + name; FileNotFoundError if it is not there
            ...

Libraries that own the array layout (a trailer, their own descriptor
form) override :meth:`Library.open` instead of, or as well as,
:meth:`Library.attach`.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .descriptor import CANONICAL, WETLANDS, Descriptor
from .dtypes import ALL_DTYPES, DType
from .errors import SegmentError, UsageError
from .words import MAX_NAME, validate_name

#: The byte orders a manifest can name.
BYTE_ORDERS = ("native", "swapped")
#: The descriptor forms a peer can read.
FORMS = (CANONICAL, WETLANDS)
#: The sides of a case.
SIDES = ("creates", "attaches")


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class SideRule:
    """A side the peer cannot take (manifest ``[[unsupported_side]]``),
    where ``os`` says (every OS when None)."""

    side: str
    reason: str
    os: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, not {self.side!r}")


@dataclass(frozen=True)
class Deviation:
    """A documented difference in one catalogue case on one side (manifest
    ``[[deviation]]``): the runner reports it as skipped with ``reason`` (a
    reason starting ``warning:`` is a warning)."""

    case: str
    side: str
    reason: str
    os: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, not {self.side!r}")


@dataclass(frozen=True)
class Capabilities:
    """What a library can do, as data: the kit enforces it (refusing what
    is not claimed with exit 2) and :mod:`shm_peer_kit.manifest` prints it
    as the runner's TOML manifest.

    - ``name``, ``description``: how reports name the peer.
    - ``argv``: words the peer's command line needs after the script
      (``("--codec", "wetlands")``).
    - ``dtypes``: the numpy names it holds (default all fourteen).
    - ``byte_orders``: ``("native",)`` or ``("native", "swapped")``.
    - ``empty``: it can make arrays with a zero-length dimension.
    - ``named_create``: ``create`` takes ``--name`` (else the library
      chooses names and :meth:`Library.create` gets ``name=None``).
    - ``reads``: the descriptor forms it reads: ``canonical`` (and the
      short form) and/or ``wetlands`` (the Wetlands 2.6 payload).
    - ``form``: its own form: what ``create`` prints (``wetlands``: the
      Wetlands payload).
    - ``serve``, ``unlink``: it offers those commands.
    - ``layout``: the segment layout it needs from another creator
      (``"sharedarray"``), or None for the protocol's plain layout.
    - ``os``: where it exists (manifest names: ``linux``, ``macos``,
      ``windows``, ``unix``...), None for everywhere.
    - ``python_modules``: what the interpreter must import to run it.
    - ``name_prefix``: the start of names the kit draws for it.
    - ``unsupported_sides``, ``deviations``: documented limits.
    """

    name: str
    description: str = ""
    argv: tuple[str, ...] = ()
    dtypes: tuple[str, ...] = ALL_DTYPES
    byte_orders: tuple[str, ...] = BYTE_ORDERS
    empty: bool = True
    named_create: bool = True
    reads: tuple[str, ...] = FORMS
    form: str = CANONICAL
    serve: bool = True
    unlink: bool = True
    layout: str | None = None
    os: tuple[str, ...] | None = None
    python_modules: tuple[str, ...] = ("numpy",)
    name_prefix: str = "pykit_"
    unsupported_sides: tuple[SideRule, ...] = ()
    deviations: tuple[Deviation, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or self.name in ("rust", "all"):
            raise ValueError(f"{self.name!r} is not a peer name")
        unknown = [d for d in self.dtypes if d not in ALL_DTYPES]
        if unknown:
            raise ValueError(f"dtypes: {unknown} are not among {ALL_DTYPES}")
        if "native" not in self.byte_orders or any(b not in BYTE_ORDERS for b in self.byte_orders):
            raise ValueError(f"byte_orders must include 'native' and name only {BYTE_ORDERS}")
        if not self.reads or any(f not in FORMS for f in self.reads):
            raise ValueError(f"reads must name some of {FORMS}")
        if self.form not in self.reads:
            raise ValueError(f"form {self.form!r} must be one of the forms it reads {self.reads}")
        if self.layout not in (None, "sharedarray"):
            raise ValueError(f"unknown layout {self.layout!r}")
        if len(self.name_prefix) > MAX_NAME - 16:
            raise ValueError(f"name_prefix {self.name_prefix!r} leaves no room for 16 hex digits")
        validate_name(self.name_prefix + "0")

    def refuses(self, dtype: DType) -> str | None:
        """Why the peer cannot hold ``dtype`` (exit 2), or None."""
        if dtype.name not in self.dtypes:
            return f"unsupported dtype {dtype.str!r}: {self.name} holds only {', '.join(self.dtypes)}"
        if not dtype.native and "swapped" not in self.byte_orders:
            return f"unsupported dtype {dtype.str!r}: {self.name} holds this machine's byte order only"
        return None


@dataclass(frozen=True)
class CreateRequest:
    """What ``create`` asks the library for: a new segment of exactly
    ``size`` bytes (``max(nbytes, 1)``) named ``name`` (None: the library
    picks, when its capabilities say ``named_create=False``), to hold a C
    order array of ``shape`` and ``dtype`` at offset 0."""

    name: str | None
    size: int
    shape: tuple[int, ...]
    dtype: DType

    @property
    def nbytes(self) -> int:
        """The array's bytes (``size`` is at least 1)."""
        n = self.dtype.itemsize
        for d in self.shape:
            n *= d
        return n


@dataclass
class Segment:
    """An open segment, as :meth:`Library.create` and :meth:`Library.attach`
    return it.

    - ``name``: its name without the slash.
    - ``buffer``: a writable object with the buffer protocol over the whole
      segment (a ``memoryview``, ``mmap.mmap``, a numpy array...).
    - ``size``: its size in bytes: for an attached segment the real size
      (``fstat``); for a created one the size made (printed as
      ``segment_size``).
    - ``close``: unmaps it (never unlinks). The kit drops its arrays first.
    - ``keep``: (created) called for ``create --keep`` before the process
      exits: make sure nothing unlinks the segment then (a resource tracker).
    - ``remove``: (created) how the holder removes it at release; default
      ``library.unlink(name)``.
    - ``document``: (created) the descriptor to print instead of the kit's,
      in the library's own form (a Wetlands payload).
    - ``extra``: keys printed after the canonical seven (``{"layout":
      "sharedarray"}``).
    """

    name: str
    buffer: Any
    size: int
    close: Callable[[], None] = _nothing
    keep: Callable[[], None] = _nothing
    remove: Callable[[], None] | None = None
    document: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Attached:
    """An array attached for one ``peer`` command (:meth:`Library.open`):
    ``array`` is a numpy array over the segment's elements (writes reach the
    segment), ``segment_size`` what ``emit`` prints, ``close`` detaches
    (never unlinking), ``extra`` keys ``emit`` prints after the seven."""

    array: Any
    segment_size: int | None
    close: Callable[[], None] = _nothing
    extra: Mapping[str, Any] = field(default_factory=dict)


def exact_sizes() -> bool:
    """Whether the OS reports a segment's exact size: Linux, as
    ``platform.system()`` says (so an emulation of another OS that reports
    itself through ``uname`` is honoured); macOS rounds to pages, Windows
    to its allocation granularity."""
    return platform.system() == "Linux"


def check_attached_size(d: Descriptor, found: int) -> int | None:
    """Section 4.4's checks of a segment of ``found`` bytes against ``d``
    (exit 3 when they fail); returns the ``segment_size`` to print for it
    (the real size where sizes are exact and ``d`` had none)."""
    name = d.name
    if found < 1 or found < d.required:
        raise SegmentError(f"segment '{name}' has {found} bytes, expected >= {max(d.required, 1)}")
    exact = exact_sizes()
    if exact and d.segment_size is not None and found != d.segment_size:
        raise SegmentError(f"segment '{name}' has {found} bytes, expected == {d.segment_size}")
    if d.segment_size is not None:
        return d.segment_size
    return found if exact else None


def close_quietly(close: Callable[[], None]) -> None:
    """Calls ``close``, ignoring ``BufferError`` (a view still exported, as
    an error's traceback may hold: process exit unmaps it)."""
    try:
        close()
    except BufferError:
        pass


class Library:
    """A library under test, as the kit drives it. Subclass it, set
    :attr:`capabilities`, implement :meth:`create`, :meth:`attach` and
    :meth:`unlink`, and run ``shm_peer_kit.run(MyLib())``.

    Errors: raise ``FileExistsError`` (create, taken name),
    ``FileNotFoundError`` (attach, unlink: not there), ``PermissionError``
    or any ``OSError``: the kit makes them exit 3 with the protocol's one
    line. :class:`~shm_peer_kit.errors.UsageError` (exit 2) and
    :class:`~shm_peer_kit.errors.SegmentError` (exit 3) say it in your own
    words. Keep nothing between calls: a ``serve`` process runs many
    commands, and another process may replace a segment in between.
    """

    capabilities: ClassVar[Capabilities]

    def create(self, request: CreateRequest) -> Segment:
        """Creates a new segment of ``request.size`` bytes, exclusively
        (``O_CREAT|O_EXCL``), mode 0600 where the library allows, zeroed,
        and returns it open. On Linux, reserving its pages
        (:func:`shm_peer_kit.reserve`) makes a full ``/dev/shm`` an error
        now rather than a ``SIGBUS`` later."""
        raise NotImplementedError(f"{type(self).__name__} cannot create segments")

    def attach(self, name: str) -> Segment:
        """Opens the existing segment ``name`` read-write without creating
        it, with its real size. Must leave nothing that unlinks it later
        (CPython before 3.13: unregister it from the resource tracker)."""
        raise NotImplementedError(f"{type(self).__name__} cannot attach segments")

    def unlink(self, name: str) -> None:
        """Removes the segment ``name`` (``FileNotFoundError`` if it is not
        there)."""
        raise NotImplementedError(f"{type(self).__name__} cannot unlink segments")

    def open(self, descriptor: Descriptor) -> Attached:
        """Attaches the array ``descriptor`` describes (it has a name).

        The default attaches with :meth:`attach`, applies section 4.4's
        checks and views the elements with numpy. Override it when the
        library attaches arrays rather than bytes; raise ``SegmentError``
        when the segment disagrees with the descriptor."""
        import numpy

        assert descriptor.name is not None
        segment = self.attach(descriptor.name)
        try:
            size = check_attached_size(descriptor, segment.size)
            array = numpy.ndarray(
                descriptor.shape,
                dtype=descriptor.dtype.numpy(),
                buffer=segment.buffer,
                offset=descriptor.offset,
                order=descriptor.order,
            )
        except BaseException:
            close_quietly(segment.close)
            raise
        return Attached(array, size, segment.close, segment.extra)


def refuse_unsupported(capabilities: Capabilities, dtype: DType) -> None:
    """Raises :class:`UsageError` when ``capabilities`` do not claim ``dtype``."""
    why = capabilities.refuses(dtype)
    if why:
        raise UsageError(why)
