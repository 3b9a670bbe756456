"""The small words of the command line: names (section 2), shapes and
indices (5.1), seeds (5.3). No numpy.

>>> parse_list("(5,)"), parse_list(""), validate_name("/demo")
((5,), (), 'demo')
"""

from __future__ import annotations

import os
import re

from .errors import UsageError

#: The longest valid name: 30 bytes fit macOS's 31 with the slash.
MAX_NAME = 30
_NAME_RE = re.compile(r"[A-Za-z0-9_.-]+\Z")
_UINT_RE = re.compile(r"\+?[0-9]+\Z")
_U64 = (1 << 64) - 1


def validate_name(name: str) -> str:
    """A segment name without its one optional leading ``/``; anything but 1
    to 30 characters of ``[A-Za-z0-9_.-]`` (not ``.`` or ``..``) is
    :class:`UsageError`."""
    bare = name[1:] if name.startswith("/") else name
    if not bare:
        raise UsageError(f"invalid segment name {name!r}: the name is empty")
    if len(bare) > MAX_NAME:
        raise UsageError(f"invalid segment name {name!r}: {len(bare)} bytes, the portable limit is {MAX_NAME}")
    if not _NAME_RE.match(bare):
        bad = next(c for c in bare if not _NAME_RE.match(c))
        raise UsageError(f"invalid segment name {name!r}: character {bad!r} is not allowed (only A-Z a-z 0-9 _ . -)")
    if bare in (".", ".."):
        raise UsageError(f"invalid segment name {name!r}: '.' and '..' are not names")
    return bare


def random_name(prefix: str) -> str:
    """``prefix`` and 16 hex digits from the OS's random source."""
    return validate_name(f"{prefix}{os.urandom(8).hex()}")


def parse_list(text: str, what: str = "shape") -> tuple[int, ...]:
    """Section 5.1: comma-separated non-negative integers (each fitting 64
    bits); one pair of enclosing parentheses and one trailing comma are
    dropped; what is left empty is ``()`` (the 0-d shape or index)."""
    t = text.strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1].strip()
    if t.endswith(","):
        t = t[:-1]
    if not t.strip():
        return ()
    out = []
    for part in t.split(","):
        p = part.strip()
        if not _UINT_RE.match(p) or int(p) > _U64:
            raise UsageError(
                f"invalid argument: {what} {text!r}: {p!r} is not a non-negative integer that fits in 64 bits"
            )
        out.append(int(p))
    return tuple(out)


def parse_seed(text: str) -> int:
    """A seed: a decimal integer from 0 to 2^64 - 1, taken verbatim."""
    if not _UINT_RE.match(text) or int(text) > _U64:
        raise UsageError(f"invalid argument: seed {text!r} is not a non-negative integer")
    return int(text)
