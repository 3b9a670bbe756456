"""The operations of ``peer`` (section 5.3) on an attached numpy array:
``sum``, ``get``, ``set``, ``fill``, ``emit``, ``pattern``,
``check-pattern``. Needs numpy (imported when this module is).

Words are checked in two steps, both before attaching (exit 2):
:func:`parse_operation` (the words alone) and :func:`prepare` (index, value
and seed against the descriptor); :func:`run_operation` then acts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .descriptor import Descriptor
from .dtypes import DType
from .errors import CheckFailed, SegmentError, UsageError
from .pattern import edge_bits, is_edge, pattern_values
from .values import Value, format_complex, format_float, format_value, parse_value
from .words import parse_list, parse_seed

#: Each operation word and how many words follow it.
OPERATIONS = {"sum": 0, "emit": 0, "get": 1, "fill": 1, "pattern": 1, "check-pattern": 1, "set": 2}
_USAGE = "expected sum | get I,J.. | set I,J.. VALUE | fill VALUE | emit | pattern SEED | check-pattern SEED"


@dataclass(frozen=True)
class Operation:
    """One operation: its ``word`` and arguments, and once prepared the
    parsed ``index``, ``value`` and ``seed``."""

    word: str
    args: tuple[str, ...]
    index: tuple[int, ...] | None = None
    value: Value | None = None
    seed: int | None = None


def parse_operation(words: list[str] | tuple[str, ...]) -> Operation:
    """The operation the words name; anything else (``sum 1``, ``get``,
    ``frob``) is :class:`UsageError`. Seeds are checked here too."""
    if not words or words[0] not in OPERATIONS or len(words) - 1 != OPERATIONS[words[0]]:
        raise UsageError(f"invalid argument: unknown operation {' '.join(words)!r}: {_USAGE}")
    op = Operation(words[0], tuple(words[1:]))
    if op.word in ("pattern", "check-pattern"):
        op = replace(op, seed=parse_seed(op.args[0]))
    return op


def prepare(op: Operation, d: Descriptor) -> Operation:
    """``op`` with its index and value read for the array ``d`` describes
    (an index needs one entry per dimension, each in range)."""
    if op.word in ("get", "set"):
        index = parse_list(op.args[0], "index")
        if len(index) != len(d.shape) or any(i >= n for i, n in zip(index, d.shape, strict=True)):
            raise UsageError(f"invalid argument: index {list(index)} is outside shape {list(d.shape)}")
        op = replace(op, index=index)
    if op.word in ("set", "fill"):
        op = replace(op, value=parse_value(d.dtype, op.args[-1]))
    return op


def element(array: Any, dtype: DType, index: tuple[int, ...]) -> Value:
    """The element at ``index`` as a Python value (a bool is true when its
    byte is not zero)."""
    if dtype.kind == "b":
        return bool(array.view(np.uint8)[index] != 0)
    return _python(array[index], dtype)


def _python(x: Any, dtype: DType) -> Value:
    kind = dtype.kind
    if kind == "b":
        return bool(x)
    if kind in "iu":
        return int(x)
    if kind == "f":
        return float(x)
    return complex(x)


def memory_flat(array: Any, order: str) -> Any:
    """A 1-D view of ``array``'s elements in memory order (``order``)."""
    flat = array.reshape(-1, order=order)
    if flat.size and not np.shares_memory(flat, array):
        raise SegmentError(f"the array is not contiguous in {order} order")
    return flat


def array_sum(flat: Any, dtype: DType) -> Value:
    """Section 7: integers exact, floats accumulated in float64 in memory
    order from 0.0, complex numbers part by part."""
    kind = dtype.kind
    if kind == "b":
        return int(np.count_nonzero(flat.view(np.uint8)))
    if kind in "iu":
        if dtype.itemsize < 8:
            return int(flat.sum(dtype=np.int64))
        wide = flat.astype(f"={kind}8")
        high = int((wide >> 32).astype(np.int64).sum(dtype=np.int64))
        low = int((wide & 0xFFFFFFFF).astype(np.int64).sum(dtype=np.int64))
        return high * (1 << 32) + low
    if kind == "f":
        return _sequential_sum(flat.astype(np.float64))
    wide = flat.astype(np.complex128)
    return complex(_sequential_sum(wide.real.copy()), _sequential_sum(wide.imag.copy()))


def _sequential_sum(values: Any, chunk: int = 1 << 20) -> float:
    """0.0 + v0 + v1 + ... in float64, one addition at a time (numpy's
    ``sum`` adds pairwise, which rounds differently)."""
    total = 0.0
    for start in range(0, values.size, chunk):
        part = np.empty(min(chunk, values.size - start) + 1, dtype=np.float64)
        part[0] = total
        part[1:] = values[start : start + chunk]
        total = float(np.add.accumulate(part)[-1])
    return total


def _wrong(i: int, expected: Value, found: Value, dtype: DType) -> CheckFailed:
    return CheckFailed(
        f"element {i} (flat): expected {format_value(dtype, expected)}, found {format_value(dtype, found)}"
    )


def check_plain(flat: Any, dtype: DType, seed: int) -> None:
    """Compares every element with the plain pattern, by value."""
    expected = pattern_values(dtype, flat.size, seed)
    if dtype.kind == "b":
        same = (flat.view(np.uint8) != 0) == expected
    elif dtype.kind == "c":
        same = _same_float(flat.real, expected.real) & _same_float(flat.imag, expected.imag)
    elif dtype.kind == "f":
        same = _same_float(flat, expected)
    else:
        same = flat == expected
    wrong = np.flatnonzero(~same)
    if wrong.size:
        i = int(wrong[0])
        found = element(flat, dtype, (i,))
        raise _wrong(i, _python(expected[i], dtype), found, dtype)


def _same_float(a: Any, b: Any) -> Any:
    return (a == b) | (np.isnan(a) & np.isnan(b))


def _bits_view(flat: Any, dtype: DType) -> Any:
    order = "|" if dtype.width == 1 else dtype.order
    return flat.view(np.dtype(f"{order}u{dtype.width}"))


def check_edge(flat: Any, dtype: DType, seed: int) -> None:
    """Compares every element with the edge pattern, bit for bit."""
    parts = 2 if dtype.kind == "c" else 1
    want = edge_bits(dtype, flat.size, seed)
    wrong = np.flatnonzero(_bits_view(flat, dtype) != want)
    if wrong.size:
        i = int(wrong[0]) // parts
        expected = np.empty(1, dtype=np.dtype(dtype.str))
        _bits_view(expected, dtype)[...] = want[i * parts : (i + 1) * parts]
        raise _wrong(i, _python(expected[0], dtype), element(flat, dtype, (i,)), dtype)


def run_operation(op: Operation, array: Any, d: Descriptor, describe: Callable[[], str]) -> str | None:
    """Does the prepared ``op`` on ``array`` (the elements ``d`` describes);
    returns the line to print (without its newline), if any.
    ``check-pattern`` raises :class:`~shm_peer_kit.errors.CheckFailed`.
    numpy's floating-point warnings are silenced: ``inf - inf`` in a sum is
    the protocol's ``nan``, not a warning on stderr."""
    with np.errstate(all="ignore"):
        return _run(op, array, d, describe)


def _run(op: Operation, array: Any, d: Descriptor, describe: Callable[[], str]) -> str | None:
    dtype = d.dtype
    if op.word == "emit":
        return describe()
    if op.word == "get":
        assert op.index is not None
        return format_value(dtype, element(array, dtype, op.index))
    if op.word == "set":
        assert op.index is not None
        array[op.index] = op.value
        return None
    if op.word == "fill":
        array[...] = op.value
        return None
    flat = memory_flat(array, d.order)
    if op.word == "sum":
        total = array_sum(flat, dtype)
        if isinstance(total, complex):
            return format_complex(total, 8)
        if isinstance(total, float):
            return format_float(total, 8)
        return str(total)
    assert op.seed is not None
    if op.word == "pattern":
        if is_edge(dtype, op.seed):
            _bits_view(flat, dtype)[...] = edge_bits(dtype, flat.size, op.seed)
        else:
            flat[...] = pattern_values(dtype, flat.size, op.seed)
        return None
    if is_edge(dtype, op.seed):
        check_edge(flat, dtype, op.seed)
    else:
        check_plain(flat, dtype, op.seed)
    return "ok"
