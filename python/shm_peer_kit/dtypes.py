"""Dtypes as the protocol reads and prints them (section 3), without numpy.

>>> parse_dtype("float32").str == ("<f4" if sys.byteorder == "little" else ">f4")
True
>>> parse_dtype(">c16").name, parse_dtype("?").str
('complex128', '|b1')
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from .errors import UsageError

#: The numpy names of every dtype the protocol models, in the manifest's order.
ALL_DTYPES: tuple[str, ...] = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)

#: This machine's byte order character.
NATIVE = "<" if sys.byteorder == "little" else ">"

_SIZES = {"b": (1,), "i": (1, 2, 4, 8), "u": (1, 2, 4, 8), "f": (2, 4, 8), "c": (8, 16)}
_NAME_OF = {
    ("b", 1): "bool",
    ("i", 1): "int8",
    ("i", 2): "int16",
    ("i", 4): "int32",
    ("i", 8): "int64",
    ("u", 1): "uint8",
    ("u", 2): "uint16",
    ("u", 4): "uint32",
    ("u", 8): "uint64",
    ("f", 2): "float16",
    ("f", 4): "float32",
    ("f", 8): "float64",
    ("c", 8): "complex64",
    ("c", 16): "complex128",
}
_NAMES = {
    "bool": ("b", 1), "bool_": ("b", 1), "bool8": ("b", 1),
    "int8": ("i", 1), "byte": ("i", 1),
    "int16": ("i", 2), "short": ("i", 2),
    "int32": ("i", 4), "intc": ("i", 4),
    "int64": ("i", 8), "longlong": ("i", 8),
    "uint8": ("u", 1), "ubyte": ("u", 1),
    "uint16": ("u", 2), "ushort": ("u", 2),
    "uint32": ("u", 4), "uintc": ("u", 4),
    "uint64": ("u", 8), "ulonglong": ("u", 8),
    "float16": ("f", 2), "half": ("f", 2),
    "float32": ("f", 4), "single": ("f", 4),
    "float64": ("f", 8), "double": ("f", 8), "float": ("f", 8),
    "complex64": ("c", 8), "csingle": ("c", 8),
    "complex128": ("c", 16), "cdouble": ("c", 16), "complex": ("c", 16),
}  # fmt: skip
_CODES = {
    "?": ("b", 1), "b": ("i", 1), "B": ("u", 1), "h": ("i", 2), "H": ("u", 2),
    "i": ("i", 4), "I": ("u", 4), "q": ("i", 8), "Q": ("u", 8), "e": ("f", 2),
    "f": ("f", 4), "d": ("f", 8), "F": ("c", 8), "D": ("c", 16),
}  # fmt: skip
_ORDERS = {"<": "<", ">": ">", "!": ">", "=": NATIVE, "@": NATIVE, "|": NATIVE}
_REFUSED_KINDS = {
    "O": "object dtypes are not supported",
    "S": "string dtypes are not supported",
    "a": "string dtypes are not supported",
    "U": "string dtypes are not supported",
    "M": "datetime dtypes are not supported",
    "m": "timedelta dtypes are not supported",
    "V": "void dtypes are not supported",
}


@dataclass(frozen=True)
class DType:
    """A dtype: ``kind`` (``b i u f c``), ``itemsize`` in bytes and byte
    ``order`` (``<``, ``>``, or ``|`` for one-byte types)."""

    kind: str
    itemsize: int
    order: str

    @property
    def name(self) -> str:
        """The numpy name: ``float32``, ``complex128``."""
        return _NAME_OF[(self.kind, self.itemsize)]

    @property
    def native(self) -> bool:
        """Whether elements are in this machine's byte order (one-byte types are)."""
        return self.order in ("|", NATIVE)

    @property
    def width(self) -> int:
        """The byte width of one float component (``f``: the item size, ``c``:
        half of it); the item size for other kinds."""
        return self.itemsize // 2 if self.kind == "c" else self.itemsize

    def numpy(self) -> Any:
        """This dtype as a ``numpy.dtype`` (imports numpy)."""
        import numpy

        return numpy.dtype(self.str)

    def __str__(self) -> str:
        return f"{self.order}{self.kind}{self.itemsize}"

    # Last, so that the annotations above mean the built-in ``str``.
    @property
    def str(self) -> str:  # noqa: A003 - numpy's name for it
        """numpy's ``dtype.str``, the protocol's output: ``<f8``, ``|b1``."""
        return f"{self.order}{self.kind}{self.itemsize}"


def make_dtype(kind: str, itemsize: int, order: str = "=") -> DType:
    """The dtype of ``kind`` and ``itemsize`` in ``order`` (any order
    character of section 3); one-byte types get ``|``."""
    if itemsize not in _SIZES.get(kind, ()):
        raise UsageError(f"unsupported dtype {kind}{itemsize}")
    resolved = _ORDERS[order]
    return DType(kind, itemsize, "|" if itemsize == 1 else resolved)


def parse_dtype(value: Any) -> DType:
    """Section 3's input rules: a numpy name (native order), or an optional
    order character and a type code or kind letter and size; in JSON also
    Wetlands' ``{"kind": "scalar", "value": STR}``. Anything else is
    :class:`UsageError` (exit 2)."""
    if isinstance(value, dict):
        inner = value.get("value")
        if value.get("kind") != "scalar" or not isinstance(inner, str):
            raise UsageError('unsupported dtype: only a string or Wetlands\' {"kind": "scalar", "value": STR}')
        value = inner
    if not isinstance(value, str):
        raise UsageError(f"invalid descriptor: dtype must be a string, found {_json_kind(value)}")
    text = value.strip()
    if text in _NAMES:
        kind, size = _NAMES[text]
        return make_dtype(kind, size, "=")
    body, order = text, "="
    if body[:1] in _ORDERS:
        order, body = body[0], body[1:]
    if body in _CODES:
        kind, size = _CODES[body]
        return make_dtype(kind, size, order)
    kind, digits = body[:1], body[1:]
    if kind in _SIZES:
        if not digits.isascii() or not digits.isdigit():
            raise UsageError(f"unsupported dtype {value!r}: the item size after the kind is not a number")
        size = int(digits)
        if size not in _SIZES[kind]:
            raise UsageError(f"unsupported dtype {value!r}: no {size}-byte {_KIND_WORDS[kind]} type is supported")
        return make_dtype(kind, size, order)
    if kind in _REFUSED_KINDS:
        raise UsageError(f"unsupported dtype {value!r}: {_REFUSED_KINDS[kind]}")
    raise UsageError(f"unsupported dtype {value!r}: not a numpy type string or name")


_KIND_WORDS = {"b": "bool", "i": "integer", "u": "unsigned integer", "f": "float", "c": "complex"}


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__
