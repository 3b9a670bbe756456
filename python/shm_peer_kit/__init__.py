"""shm_peer_kit: the peer protocol of docs/PEER-PROTOCOL.md in Python, so
that a peer for a shared-memory library is only the library's own part.

A peer script imports the kit *first* (``import shm_peer_kit`` blocks
SIGTERM, SIGINT and SIGHUP when the command line is a ``create``, before
numpy or the library can start a thread), subclasses :class:`Library`
with its :class:`Capabilities` and ``create``/``attach``/``unlink``, and
ends with ``shm_peer_kit.run(MyLibrary())``. The kit does the rest: the
command line, descriptors, dtypes, values as text, sums, the pattern,
attach checks, ``serve``, ``create``'s hold and release, and the exit
codes. See README.md beside this file for a worked example.

Stdlib only at import; numpy is imported when a command needs it
(:mod:`shm_peer_kit.ops` and :mod:`shm_peer_kit.pattern` need it).
"""

from __future__ import annotations

from . import signals as _signals

# Before anything else can start a thread: see signals.py.
_signals.block_if_creating()

from .cli import main, run, run_peer, serve  # noqa: E402
from .descriptor import (  # noqa: E402
    CANONICAL,
    WETLANDS,
    Descriptor,
    canonical,
    canonical_line,
    load_json,
    make_descriptor,
    parse_descriptor,
    wetlands_payload,
)
from .dtypes import ALL_DTYPES, DType, parse_dtype  # noqa: E402
from .errors import (  # noqa: E402
    EXIT_CHECK,
    EXIT_OK,
    EXIT_SEGMENT,
    EXIT_USAGE,
    CheckFailed,
    PeerError,
    SegmentError,
    UsageError,
)
from .library import (  # noqa: E402
    Attached,
    Capabilities,
    CreateRequest,
    Deviation,
    Library,
    Segment,
    SideRule,
    check_attached_size,
    close_quietly,
    exact_sizes,
)
from .manifest import manifest_toml  # noqa: E402
from .posix import reserve, segment_size, segment_stat, unlink_segment  # noqa: E402
from .signals import block_release_signals, start_resource_tracker, wait_for_release  # noqa: E402
from .values import format_float, format_value, parse_value  # noqa: E402
from .words import parse_list, validate_name  # noqa: E402

#: What a peer script needs beside it, as ``shm_peer_kit/FILE``, to run
#: from a directory of its own (the runner writes its embedded scripts so):
#: every module but ``__main__.py``.
RUNTIME_FILES = (
    "__init__.py", "cli.py", "command_line.py", "descriptor.py", "dtypes.py", "errors.py", "library.py", "manifest.py", "ops.py",
    "pattern.py", "posix.py", "signals.py", "values.py", "words.py",
)  # fmt: skip
#: The protocol version the kit speaks.
PROTOCOL_VERSION = 1
__version__ = "1.0.0"

__all__ = [
    "ALL_DTYPES",
    "CANONICAL",
    "EXIT_CHECK",
    "EXIT_OK",
    "EXIT_SEGMENT",
    "EXIT_USAGE",
    "PROTOCOL_VERSION",
    "RUNTIME_FILES",
    "WETLANDS",
    "Attached",
    "Capabilities",
    "CheckFailed",
    "CreateRequest",
    "DType",
    "Descriptor",
    "Deviation",
    "Library",
    "PeerError",
    "Segment",
    "SegmentError",
    "SideRule",
    "UsageError",
    "block_release_signals",
    "canonical",
    "canonical_line",
    "check_attached_size",
    "close_quietly",
    "exact_sizes",
    "format_float",
    "format_value",
    "load_json",
    "main",
    "make_descriptor",
    "manifest_toml",
    "parse_descriptor",
    "parse_dtype",
    "parse_list",
    "parse_value",
    "reserve",
    "run",
    "run_peer",
    "segment_size",
    "segment_stat",
    "serve",
    "start_resource_tracker",
    "unlink_segment",
    "validate_name",
    "wait_for_release",
    "wetlands_payload",
]
