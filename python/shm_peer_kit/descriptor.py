"""Descriptors (section 4): reading the canonical and short forms and
Wetlands' payload, checking them, and printing the canonical line. No numpy.

>>> d = parse_descriptor(load_json('{"name": "demo", "shape": [2, 3], "dtype": ">f4"}'))
>>> canonical_line(d)
'{"name":"demo","shape":[2,3],"dtype":">f4","order":"C","offset":0,"nbytes":24,"segment_size":null}'
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from .dtypes import DType, _json_kind, parse_dtype
from .errors import UsageError
from .words import validate_name

#: At most this many dimensions.
MAX_DIMS = 64
#: Byte counts and offsets fit a signed 64-bit integer.
I64_MAX = (1 << 63) - 1
_U64_MAX = (1 << 64) - 1
#: The key that marks a Wetlands 2.6 payload.
WETLANDS_MARKER = "__wetlands_codec__"
WETLANDS_ID = "wetlands.numpy-shm"
#: An array's element order: C (last index fastest) or F (first index fastest).
Order = Literal["C", "F"]
#: The forms a descriptor can come in.
CANONICAL = "canonical"
WETLANDS = "wetlands"


@dataclass(frozen=True)
class Descriptor:
    """A checked descriptor: where an array is and what it holds.

    ``name`` is None only for an array with no segment (``nbytes`` 0);
    ``segment_size`` is None when absent. ``form`` says which form it was
    read from (``canonical`` also stands for the short form); ``extra`` holds
    keys a library prints after the seven canonical ones (such as
    ``{"layout": "sharedarray"}``) and ``layout`` the input's ``layout``, if
    any.
    """

    name: str | None
    shape: tuple[int, ...]
    dtype: DType
    order: Order = "C"
    offset: int = 0
    segment_size: int | None = None
    form: str = CANONICAL
    layout: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def count(self) -> int:
        """The number of elements."""
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        """``product(shape) x itemsize``."""
        return self.count * self.dtype.itemsize

    @property
    def required(self) -> int:
        """The smallest segment that holds the array: ``offset + nbytes``."""
        return self.offset + self.nbytes

    def with_segment_size(self, size: int | None) -> Descriptor:
        """This descriptor with ``segment_size`` replaced."""
        return replace(self, segment_size=size)


def byte_count(shape: tuple[int, ...] | list[int], dtype: DType, offset: int = 0) -> int:
    """``product(shape) x itemsize``, refusing (exit 2) a count or
    ``offset + count`` beyond a signed 64-bit integer, checked as the
    reference checks it: the item size times each dimension in turn."""
    n = dtype.itemsize
    for d in shape:
        n *= d
        if n > I64_MAX:
            raise UsageError(
                f"invalid descriptor: shape {list(shape)} of {dtype.str} overflows the addressable byte count"
            )
    if offset + n > I64_MAX:
        raise UsageError("invalid descriptor: offset + nbytes overflows")
    return n


def make_descriptor(
    name: str | None,
    shape: tuple[int, ...] | list[int],
    dtype: DType,
    order: str = "C",
    offset: int = 0,
    segment_size: int | None = None,
    *,
    nbytes: int | None = None,
    form: str = CANONICAL,
    layout: str | None = None,
) -> Descriptor:
    """A descriptor, checked by section 4.2's rules (exit 2 on any)."""
    shape = tuple(shape)
    if len(shape) > MAX_DIMS:
        raise UsageError(f"invalid descriptor: {len(shape)} dimensions, at most {MAX_DIMS}")
    if order not in ("C", "F"):
        raise UsageError(f'invalid descriptor: order must be "C" or "F", found {json.dumps(order)}')
    count = byte_count(shape, dtype, offset)
    if nbytes is not None and nbytes != count:
        raise UsageError(f"invalid descriptor: nbytes is {nbytes}, but the shape and dtype need {count}")
    if offset % dtype.itemsize:
        raise UsageError(f"invalid descriptor: offset {offset} is not a multiple of the item size {dtype.itemsize}")
    if name is None and count:
        raise UsageError("invalid descriptor: name is null but the array has bytes")
    if segment_size is not None and segment_size < offset + count:
        raise UsageError(
            f"invalid descriptor: segment_size {segment_size} cannot hold offset {offset} + nbytes {count}"
        )
    return Descriptor(name, shape, dtype, cast(Order, order), offset, segment_size, form, layout)


def _parse_int(text: str) -> Any:
    # "-0" is a JSON number but no JSON integer the reference takes.
    return -0.0 if text == "-0" else int(text)


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def load_json(text: str) -> Any:
    """One JSON value, strictly (no ``NaN``/``Infinity``); a duplicated key
    takes its last value. Not JSON is :class:`UsageError`."""
    try:
        return json.loads(text, parse_int=_parse_int, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise UsageError(f"invalid descriptor: not valid JSON: {error}") from None


def read_descriptor_argument(argument: str, stdin: Any = None) -> str:
    """The text ``--descriptor`` names: the JSON itself, ``@FILE``'s
    contents, or ``-`` (all of ``stdin``, default ``sys.stdin``)."""
    if argument == "-":
        stream = sys.stdin if stdin is None else stdin
        if stream is None:
            raise UsageError("invalid descriptor: --descriptor - but stdin is closed")
        return str(stream.read())
    if argument.startswith("@"):
        try:
            with open(argument[1:], encoding="utf-8") as f:
                return f.read()
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"invalid descriptor: cannot read {argument[1:]}: {error}") from None
    return argument


def _uint(value: Mapping[str, Any], key: str, limit: int = _U64_MAX) -> int | None:
    """An optional non-negative JSON integer (None when absent or null)."""
    v = value.get(key)
    if v is None:
        return None
    if type(v) is not int or v < 0 or v > limit:
        raise UsageError(f"invalid descriptor: {json.dumps(key)} must be a non-negative integer, found {_json_kind(v)}")
    return v


def parse_descriptor(value: Any, forms: tuple[str, ...] | frozenset[str] = (CANONICAL, WETLANDS)) -> Descriptor:
    """A descriptor from a parsed JSON value: the canonical or short form
    (4.2) or Wetlands' payload (4.3), each only if named in ``forms``.
    Every violation is :class:`UsageError` (exit 2)."""
    if not isinstance(value, dict):
        raise UsageError(f"invalid descriptor: a descriptor is a JSON object, found {_json_kind(value)}")
    wetlands = WETLANDS_MARKER in value
    form = WETLANDS if wetlands else CANONICAL
    if form not in forms:
        raise UsageError(f"invalid descriptor: this peer does not read the {form} form")
    if wetlands:
        value = value[WETLANDS_MARKER]
        if not isinstance(value, dict):
            raise UsageError(
                f"invalid descriptor: {json.dumps(WETLANDS_MARKER)} must be an object, found {_json_kind(value)}"
            )
        ident = (value.get("id"), value.get("version"), value.get("kind"))
        if ident[0] != WETLANDS_ID or type(ident[1]) is not int or ident[1] != 1 or ident[2] != "ndarray":
            raise UsageError(
                f'invalid descriptor: expected a Wetlands payload with id "{WETLANDS_ID}", version 1 and kind'
                f' "ndarray", found {json.dumps(list(ident))}'
            )
        for key in ("nbytes", "segment_size"):
            if key not in value:
                raise UsageError(f"invalid descriptor: a Wetlands payload requires {json.dumps(key)}")
    for key in ("name", "shape", "dtype"):
        if key not in value:
            raise UsageError(f"invalid descriptor: missing required key {json.dumps(key)}")
    name = value["name"]
    if name is not None:
        if not isinstance(name, str):
            raise UsageError(f'invalid descriptor: "name" must be a string or null, found {_json_kind(name)}')
        name = validate_name(name)
    shape = value["shape"]
    if not isinstance(shape, list) or not all(type(d) is int and 0 <= d <= _U64_MAX for d in shape):
        bad = (
            shape
            if not isinstance(shape, list)
            else next(d for d in shape if not (type(d) is int and d >= 0 and d <= _U64_MAX))
        )
        raise UsageError(
            f'invalid descriptor: "shape" must be an array of non-negative integers, found {_json_kind(bad)}'
        )
    dtype = parse_dtype(value["dtype"])
    order = value.get("order", "C")
    if not isinstance(order, str):
        raise UsageError(f'invalid descriptor: "order" must be a string, found {_json_kind(order)}')
    offset = _uint(value, "offset") or 0
    nbytes = _uint(value, "nbytes")
    segment_size = _uint(value, "segment_size")
    layout = value.get("layout")
    if wetlands and name is None:
        if segment_size not in (0, None):
            raise UsageError("invalid descriptor: a Wetlands array without a segment must have segment_size 0")
        segment_size = None
    return make_descriptor(
        name,
        shape,
        dtype,
        order,
        offset,
        segment_size,
        nbytes=nbytes,
        form=form,
        layout=layout if isinstance(layout, str) else None,
    )


def canonical(d: Descriptor, segment_size: int | None = None) -> dict[str, Any]:
    """The canonical descriptor as a dict, keys in the protocol's order,
    ``d.extra`` after them; ``segment_size`` (if given) replaces ``d``'s."""
    out: dict[str, Any] = {
        "name": d.name,
        "shape": list(d.shape),
        "dtype": d.dtype.str,
        "order": d.order,
        "offset": d.offset,
        "nbytes": d.nbytes,
        "segment_size": d.segment_size if segment_size is None else segment_size,
    }
    out.update(d.extra)
    return out


def dumps(value: Any) -> str:
    """Compact JSON, as the reference prints it."""
    return json.dumps(value, separators=(",", ":"))


def canonical_line(d: Descriptor, segment_size: int | None = None) -> str:
    """The canonical form (4.1): one line of compact JSON, no newline."""
    return dumps(canonical(d, segment_size))


def wetlands_payload(d: Descriptor) -> dict[str, Any]:
    """``d`` as Wetlands 2.6's payload (4.3), keys in Wetlands' order; an
    empty array has no segment (``name`` null, ``segment_size`` 0). Only C
    order at offset 0 can be said so."""
    if d.order != "C" or d.offset != 0:
        raise UsageError("Wetlands payloads describe C-order arrays at offset 0 only")
    empty = d.nbytes == 0
    return {
        WETLANDS_MARKER: {
            "id": WETLANDS_ID,
            "version": 1,
            "kind": "ndarray",
            "name": None if empty else d.name,
            "shape": list(d.shape),
            "dtype": {"kind": "scalar", "value": d.dtype.str},
            "nbytes": d.nbytes,
            "segment_size": 0 if empty else (d.segment_size if d.segment_size is not None else d.nbytes),
        }
    }
