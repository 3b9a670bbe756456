"""Sections 7 (sums) and 8 (the pattern), on numpy arrays: the worked
values, edge patterns bit for bit, memory order, and the failure line."""

from __future__ import annotations

import numpy as np
import pytest

from shm_peer_kit import make_descriptor, parse_dtype
from shm_peer_kit.errors import CheckFailed
from shm_peer_kit.ops import array_sum, parse_operation, prepare, run_operation
from shm_peer_kit.pattern import EDGE, edge_bits, pattern_values


def op(d, *words):
    return prepare(parse_operation(list(words)), d)


def run(array, dtype: str, *words, order: str = "C"):
    d = make_descriptor("t", array.shape, parse_dtype(dtype), order)
    return run_operation(op(d, *words), array, d, lambda: "described")


@pytest.mark.parametrize(
    ("dtype", "seed", "index", "value"),
    [
        ("bool", 0, [0, 1, 2, 3, 4], [False, True, False, False, True]),
        ("uint8", 0, [1], [177]),
        ("int8", 0, [1], [-79]),
        ("uint16", 5, [0, 1, 2], [5, 31158, 62311]),
        ("int32", 0, [1], [-1640531535]),
        ("int64", 0, [1], [2654435761]),
        ("float32", 3, [0, 3], [-248.5, -247.0]),
        ("float16", 1, [3], [-248.0]),
        ("complex64", 0, [2], [complex(-249.0, 1.5)]),
    ],
)
def test_worked_values(dtype: str, seed: int, index: list, value: list) -> None:
    values = pattern_values(parse_dtype(dtype), 8, seed)
    assert [values[i].item() for i in index] == value


def test_edge_bytes_of_the_worked_example() -> None:
    s = 1 << 62
    a = np.zeros(2, dtype=">i2")
    run(a, ">i2", "pattern", str(s))
    assert a.tobytes()[:4] == bytes([0x7F, 0xFF, 0x80, 0x01])
    b = np.zeros(1, dtype="<f2")
    run(b, "<f2", "pattern", str(s))
    assert b.tobytes() == bytes([0x00, 0x04])
    c = np.zeros(1, dtype=">c8")
    run(c, ">c8", "pattern", str(s))
    assert c.tobytes() == bytes([0x00, 0x80, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x2A])


@pytest.mark.parametrize("dtype", ["<f2", ">f2", "<f4", ">f4", "<f8", ">f8", "<c8", ">c16", ">i8", "|u1"])
def test_edge_patterns_keep_every_bit(dtype: str) -> None:
    """Signalling NaNs, NaN payloads and -0.0 survive writing and checking."""
    a = np.zeros(45, dtype=dtype)
    seed = EDGE + 12345
    run(a, dtype, "pattern", str(seed))
    parts = 2 if dtype[1] == "c" else 1
    width = a.dtype.itemsize // parts
    bits = a.view(np.dtype(f"{dtype[0]}u{width}")).astype(np.uint64)
    assert (bits == edge_bits(parse_dtype(dtype), 45, seed).astype(np.uint64)).all()
    assert run(a, dtype, "check-pattern", str(seed)) == "ok"
    if a.dtype.kind in "fc":
        # -0.0 for 0.0 is a wrong element in an edge pattern
        flat = a.view(np.dtype(f"{dtype[0]}u{width}"))
        i = int(np.flatnonzero(flat == (1 << (8 * width - 1)))[0])
        flat[i] = 0
        with pytest.raises(CheckFailed, match=rf"element {i // parts} \(flat\): expected"):
            run(a, dtype, "check-pattern", str(seed))


def test_check_pattern_names_the_first_wrong_element() -> None:
    a = np.zeros((2, 3), dtype=">f4")
    run(a, ">f4", "pattern", "3")
    assert run(a, ">f4", "get", "1,0") == "-247.0"
    with pytest.raises(CheckFailed) as failed:
        run(a, ">f4", "check-pattern", "4")
    assert str(failed.value) == "element 0 (flat): expected -248.0, found -248.5"
    assert failed.value.code == 1


def test_memory_order_is_the_descriptors() -> None:
    f = np.zeros((2, 3), dtype="<i4", order="F")
    run(f, "<i4", "pattern", "0", order="F")
    flat = np.frombuffer(f.tobytes(order="A"), dtype="<i4")
    assert list(flat) == list(pattern_values(parse_dtype("<i4"), 6, 0))
    assert run(f, "<i4", "check-pattern", "0", order="F") == "ok"
    assert run(f, "<i4", "get", "1,0", order="F") == "-1640531535"


def test_bools_read_any_nonzero_byte_as_true() -> None:
    a = np.zeros(5, dtype="|b1")
    run(a, "|b1", "pattern", "0")
    a.view(np.uint8)[1] = 7
    assert run(a, "|b1", "get", "1") == "true"
    assert run(a, "|b1", "check-pattern", "0") == "ok"
    assert run(a, "|b1", "sum") == "2"
    # edge seeds keep the plain rule for bools
    run(a, "|b1", "pattern", str(EDGE))
    assert [bool(x) for x in a] == [(i + EDGE) % 3 == 1 for i in range(5)]


@pytest.mark.parametrize(
    ("dtype", "fill", "count", "text"),
    [
        ("uint64", 2**64 - 1, 3, "55340232221128654845"),
        ("int64", -(2**63), 3, "-27670116110564327424"),
        ("float32", np.float32(0.1), 6, "0.6000000089406967"),
        ("complex64", 1 + 2j, 3, "(3.0+6.0j)"),
        ("bool", True, 4, "4"),
        ("int8", -1, 0, "0"),
        ("float16", 1.0, 0, "0.0"),
        ("complex128", 1j, 0, "(0.0+0.0j)"),
        ("float64", -0.0, 2, "0.0"),
        ("float64", np.inf, 2, "inf"),
    ],
)
def test_sums(dtype: str, fill, count: int, text: str) -> None:
    a = np.full(count, fill, dtype=dtype)
    assert run(a, dtype, "sum") == text


def test_float_sums_add_one_at_a_time() -> None:
    """Pairwise summation (numpy's sum) rounds differently."""
    values = np.array([1e16, 1.0, 1.0, 1.0, 1.0, -1e16] * 3, dtype=np.float64)
    sequential = 0.0
    for v in values:
        sequential += float(v)
    assert array_sum(values, parse_dtype("f8")) == sequential
    assert run(np.array([0.1] * 10), "f8", "sum") == "0.9999999999999999"
    assert run(np.array([np.inf, -np.inf]), "f8", "sum") == "nan"


def test_get_set_fill() -> None:
    a = np.zeros((), dtype=">c8")
    run(a, ">c8", "set", "", "-j")
    assert run(a, ">c8", "get", "()") == "(0.0-1.0j)"
    b = np.zeros(3, dtype="<f2")
    run(b, "<f2", "fill", "-inf")
    assert run(b, "<f2", "get", "2") == "-inf"
    run(b, "<f2", "set", "1", "1.0004882812509095")
    assert run(b, "<f2", "get", "1") == "1.001"
