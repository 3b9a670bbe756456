"""The pattern (section 8): values from each element's position in memory
order and a seed, and the edge pattern (seeds from 2^62), written and
compared bit for bit. Needs numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import DType

#: Seeds from here on select the edge pattern.
EDGE = 1 << 62

F16_EDGES = (0x0000, 0x8000, 0x0001, 0x83FF, 0x0400, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00,
             0x7C01, 0xFE2A, 0x3C01, 0x3C00, 0x3BFF)  # fmt: skip
F32_EDGES = (0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x00800000, 0x7F7FFFFF,
             0xFF7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFC0002A,
             0x3F800001, 0x3F801000, 0x477FF000)  # fmt: skip
F64_EDGES = (0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x800FFFFFFFFFFFFF,
             0x0010000000000000, 0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF, 0x7FF0000000000000,
             0xFFF0000000000000, 0x7FF8000000000000, 0x7FF0000000000001, 0xFFF800000000002A,
             0x3FF0000000000001, 0x3FF0020000000000, 0x40EFFE0000000000)  # fmt: skip
#: The float edge tables by component width in bytes.
FLOAT_EDGES = {2: F16_EDGES, 4: F32_EDGES, 8: F64_EDGES}


def int_edges(bits: int) -> tuple[int, ...]:
    """The integer edge table for ``bits``-bit integers, as unsigned values."""
    ones, sign = (1 << bits) - 1, 1 << (bits - 1)
    return (0, 1, ones, sign, sign - 1, sign + 1, ones - 1)


def is_edge(dtype: DType, seed: int) -> bool:
    """Whether ``seed`` selects the edge pattern for ``dtype`` (bools keep
    the plain rule)."""
    return seed >= EDGE and dtype.kind != "b"


def pattern_values(dtype: DType, count: int, seed: int) -> Any:
    """The plain pattern's ``count`` values as a native-order numpy array of
    ``dtype``'s kind and size: what element ``i`` (in memory order) holds."""
    i = np.arange(count, dtype=np.uint64)
    s = np.uint64(seed)
    kind = dtype.kind
    native = f"|{kind}1" if dtype.itemsize == 1 else f"={kind}{dtype.itemsize}"
    out = np.empty(count, dtype=np.dtype(native))
    if kind == "b":
        out[...] = (i + s) % np.uint64(3) == np.uint64(1)
    elif kind in "iu":
        low = (i * np.uint64(2654435761) + s).astype(f"=u{dtype.itemsize}")
        out[...] = low.view(out.dtype)
    else:
        real = ((i + s) % np.uint64(1000)).astype(np.float64) * 0.5 - 250.0
        if kind == "f":
            out[...] = real
        else:
            imag = ((np.uint64(3) * i + s) % np.uint64(1000)).astype(np.float64) * 0.25
            out.real = real
            out.imag = imag
    return out


def edge_bits(dtype: DType, count: int, seed: int) -> Any:
    """The edge pattern of ``count`` elements as native unsigned integers,
    one per component (two per complex element, real first)."""
    i = np.arange(count, dtype=np.uint64)
    s = np.uint64(seed)
    first = i + s
    if dtype.kind in "iu":
        table = np.array(int_edges(8 * dtype.itemsize), dtype=np.uint64)
        return table[first % np.uint64(len(table))].astype(f"=u{dtype.itemsize}")
    width = dtype.width
    table = np.array(FLOAT_EDGES[width], dtype=np.uint64)
    real = table[first % np.uint64(len(table))].astype(f"=u{width}")
    if dtype.kind == "f":
        return real
    second = i * np.uint64(3) + s + np.uint64(7)
    out = np.empty(2 * count, dtype=f"=u{width}")
    out[0::2] = real
    out[1::2] = table[second % np.uint64(len(table))]
    return out
