"""Section 6 (values as text) and 5.4 (values from text), byte for byte.

Every expected text below was printed by the reference peer (shm-harness
``peer ... get``) and agrees with the C peer's ``shortest_digits``;
``test_agrees_with_the_reference`` checks a batch against a live reference
when one is there.
"""

from __future__ import annotations

import math
import struct
import subprocess

import pytest

from conftest import PEER, keep
from shm_peer_kit import parse_dtype
from shm_peer_kit.errors import UsageError
from shm_peer_kit.values import f16_bits, f16_value, format_complex, format_float, format_value, narrow, parse_value

# (value, text) at each width; each value is exact at its width.
FLOAT64 = [
    # the protocol's examples and layout
    (0.1, "0.1"), (1.0, "1.0"), (123.456, "123.456"), (1e16, "1e16"), (1e15, "1000000000000000.0"),
    (0.0001, "0.0001"), (0.00009, "9e-5"), (1.5e300, "1.5e300"), (5e-324, "5e-324"),
    (0.0, "0.0"), (-0.0, "-0.0"), (math.inf, "inf"), (-math.inf, "-inf"), (math.nan, "nan"),
    (1.7976931348623157e308, "1.7976931348623157e308"), (2.2250738585072014e-308, "2.2250738585072014e-308"),
    # an exact tie between the two closest shortest candidates: the larger
    # in magnitude (Python's repr rounds these to even: ...2e-08, ...221.2)
    (2.0**-25, "2.9802322387695313e-8"), (2.0**-24, "5.960464477539063e-8"),
    (1350333580081221.25, "1350333580081221.3"), (2081124735430270.25, "2081124735430270.3"),
    (-1743580684962334.25, "-1743580684962334.3"),
    # the rounding interval's ends belong to it when the significand is even
    (6.763707005847554e16, "6.763707005847554e16"), (8.869055962037937e17, "8.869055962037937e17"),
    # powers of two: the interval below is half the one above
    (7.174648137343064e-43, "7.174648137343064e-43"), (1.4693679385278594e-39, "1.4693679385278594e-39"),
]  # fmt: skip
FLOAT32 = [
    (narrow(0.1, 4), "0.1"), (1.0, "1.0"), (-0.0, "-0.0"),
    # ties: the larger in magnitude
    (2.0**-12, "0.00024414063"), (-(2.0**-12), "-0.00024414063"), (2097152.25, "2097152.3"),
    (-2097152.25, "-2097152.3"), (3316508.75, "3316508.8"), (235993.625, "235993.63"), (1808416.25, "1808416.3"),
    # interval ends included (even significand)
    (10195648512.0, "10195649000.0"), (52346128.0, "52346130.0"), (1153531136.0, "1153531100.0"),
    (111113024.0, "111113020.0"),
    # lopsided intervals at powers of two
    (1.504632769052528e-36, "1.5046328e-36"), (1.232595164407831e-32, "1.2325952e-32"),
    (1.9721522630525295e-31, "1.9721523e-31"),
    # extremes
    (3.4028234663852886e38, "3.4028235e38"), (1.401298464324817e-45, "1e-45"),
    (1.1754943508222875e-38, "1.1754944e-38"),
]  # fmt: skip
FLOAT16 = [
    (65504.0, "65500.0"), (2.0**-24, "6e-8"), (narrow(0.1, 2), "0.1"), (narrow(6e-5, 2), "6e-5"),
    (6.103515625e-05, "6.104e-5"), (1025.0, "1025.0"), (2048.0, "2048.0"), (1.0, "1.0"), (-0.0, "-0.0"),
    # the fewest digits correctly rounded, ties to even: 0.15625 is 0.1562
    (0.0078125, "0.007812"), (0.15625, "0.1562"), (-0.15625, "-0.1562"), (0.28125, "0.2812"),
    (2.0625, "2.062"), (3.0625, "3.062"), (4.5625, "4.562"),
    # ... and when the even neighbour does not read back, more digits
    (0.015625, "0.015625"),
]  # fmt: skip


@pytest.mark.parametrize(("value", "text"), FLOAT64)
def test_float64(value: float, text: str) -> None:
    assert format_float(value, 8) == text


@pytest.mark.parametrize(("value", "text"), FLOAT32)
def test_float32(value: float, text: str) -> None:
    assert narrow(value, 4) == value
    assert format_float(value, 4) == text


@pytest.mark.parametrize(("value", "text"), FLOAT16)
def test_float16(value: float, text: str) -> None:
    assert narrow(value, 2) == value
    assert format_float(value, 2) == text


COMPLEX = [
    ("complex64", complex(1, 2), "(1.0+2.0j)"),
    ("complex64", complex(-0.0, -0.0), "(-0.0-0.0j)"),
    ("complex64", complex(0.5, -math.inf), "(0.5-infj)"),
    ("complex64", complex(1, math.nan), "(1.0+nanj)"),
    ("complex64", complex(2.0**-12, 2097152.25), "(0.00024414063+2097152.3j)"),
    ("complex64", complex(-3316508.75, -1.504632769052528e-36), "(-3316508.8-1.5046328e-36j)"),
    ("complex64", complex(0.1, 0.1), "(0.1+0.1j)"),
    ("complex128", complex(1350333580081221.25, -(2.0**-25)), "(1350333580081221.3-2.9802322387695313e-8j)"),
    ("complex128", complex(6.763707005847554e16, 1e16), "(6.763707005847554e16+1e16j)"),
    ("complex128", complex(0.1, 0.1), "(0.1+0.1j)"),
]


@pytest.mark.parametrize(("dtype", "value", "text"), COMPLEX)
def test_complex(dtype: str, value: complex, text: str) -> None:
    d = parse_dtype(dtype)
    width = d.itemsize // 2
    narrowed = complex(narrow(value.real, width), narrow(value.imag, width))
    assert format_value(d, narrowed) == text


def test_float32_digits_are_float32s() -> None:
    assert format_float(narrow(0.1, 4), 4) == "0.1"
    assert format_float(narrow(0.1, 4), 8) == "0.10000000149011612"


@pytest.mark.parametrize(
    ("dtype", "value", "text"),
    [("bool", True, "true"), ("bool", False, "false"), ("uint64", 2**64 - 1, "18446744073709551615"),
     ("int8", -128, "-128"), ("int64", -(2**63), "-9223372036854775808"), ("uint8", 0, "0")],
)  # fmt: skip
def test_bools_and_integers(dtype: str, value: object, text: str) -> None:
    assert format_value(parse_dtype(dtype), value) == text


def test_float16_rounding() -> None:
    # one rounding from float64, ties to even (numpy's npy_double_to_half)
    assert f16_value(f16_bits(1.0004882812509095)) == 1.0009765625
    assert f16_value(f16_bits(1.0004882812490905)) == 1.0
    assert f16_value(f16_bits(1.00146484375)) == 1.001953125  # a tie: to even
    assert f16_value(f16_bits(2049.0)) == 2048.0
    assert f16_value(f16_bits(2051.0)) == 2052.0
    assert f16_bits(65519.99) == 0x7BFF and f16_bits(65520.0) == 0x7C00
    assert f16_bits(2.0**-25) == 0 and f16_bits(2.0**-25 * 1.0000001) == 1
    assert f16_bits(-math.nan) == 0xFE00 and f16_bits(math.nan) == 0x7E00
    for bits in range(0x10000):
        v = f16_value(bits)
        if not math.isnan(v):
            assert f16_bits(v) == bits
            if bits & 0x7FFF and bits & 0x7C00 != 0x7C00:
                assert struct.unpack("<e", struct.pack("<H", bits))[0] == v


# --------------------------------------------------------------------------
# Parsing (5.4)

ACCEPTED = [
    ("bool", "true", True), ("bool", " True ", True), ("bool", "1", True),
    ("bool", "false", False), ("bool", "False", False), ("bool", "0", False),
    ("uint16", "+5", 5), ("uint16", " 5 ", 5), ("uint16", "-0", 0), ("uint16", "65535", 65535),
    ("int8", "-128", -128), ("int8", "127", 127), ("uint64", "18446744073709551615", 2**64 - 1),
    ("int64", "-9223372036854775808", -(2**63)),
    ("float64", "1e400", math.inf), ("float64", "-1e400", -math.inf), ("float64", "1.", 1.0),
    ("float64", ".5", 0.5), ("float64", "Infinity", math.inf), ("float64", "+INF", math.inf),
    ("float64", "1E5", 1e5), ("float64", "-1e-7", -1e-7),
    ("float32", "70000", 70000.0), ("float32", "1e400", math.inf), ("float32", "0.1", narrow(0.1, 4)),
    ("float16", "65519.99", 65504.0), ("float16", "1e400", math.inf),
    ("float16", "1.0004882812509095", 1.0009765625), ("float16", "-2049.0000000001", -2050.0),
    ("float16", "2049", 2048.0), ("float16", "2051", 2052.0),
    ("complex64", "1e5j", 1e5j), ("complex64", "j", 1j), ("complex64", "-j", -1j), ("complex64", "+j", 1j),
    ("complex64", "(1+2j)", 1 + 2j), ("complex64", "1e+5j", 1e5j), ("complex64", "(3)", 3 + 0j),
    ("complex64", "( 3 )", 3 + 0j), ("complex64", " (3j) ", 3j), ("complex64", "1+2J", 1 + 2j),
    ("complex64", "4", 4 + 0j), ("complex128", "2e-5+1e20j", complex(2e-5, 1e20)),
    ("complex128", "(1-2.5j)", 1 - 2.5j), ("complex128", "inf-infj", complex(math.inf, -math.inf)),
]  # fmt: skip
REFUSED = [
    ("bool", "TRUE"), ("bool", "yes"), ("bool", "2"), ("bool", ""),
    ("uint16", "5.0"), ("uint16", "0x5"), ("uint16", "1_0"), ("uint16", "65536"), ("uint8", "-1"),
    ("int8", "200"), ("int8", "-129"), ("int32", "1 0"), ("int32", "++1"),
    ("float64", "--5"), ("float64", "+-5"), ("float64", "."), ("float64", "e5"), ("float64", "1e"),
    ("float64", "1e+"), ("float64", "1e5j"), ("float64", "(3)"), ("float64", "0x1p3"), ("float64", "1_0.5"),
    ("float64", "nan1"), ("float64", "in f"), ("float64", ""),
    ("float32", "1e39"), ("float32", "-3.5e38"), ("float16", "70000"), ("float16", "65520"),
    ("complex64", "1 +2j"), ("complex64", "1e39"), ("complex64", "1e39j"), ("complex64", "e5"),
    ("complex64", "()"), ("complex64", "1+2"), ("complex128", "1+2jj"), ("complex128", "((1+2j))"),
]  # fmt: skip


@pytest.mark.parametrize(("dtype", "text", "value"), ACCEPTED)
def test_accepted(dtype: str, text: str, value: object) -> None:
    got = parse_value(parse_dtype(dtype), text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(("dtype", "text"), REFUSED)
def test_refused(dtype: str, text: str) -> None:
    with pytest.raises(UsageError):
        parse_value(parse_dtype(dtype), text)


def test_nan_keeps_its_sign() -> None:
    assert math.copysign(1, parse_value(parse_dtype("float64"), "-nan")) < 0
    assert format_complex(complex(math.nan, -math.nan), 8) == "(nan+nanj)"


# --------------------------------------------------------------------------
# Against a live reference


def test_agrees_with_the_reference(reference: str, names) -> None:
    """Every width's tie classes, written by the kit's peer and read back by
    the reference (and the other way for one value)."""
    from shm_peer_kit.posix import segment_size  # noqa: F401 - POSIX only

    c8 = [((v.real, v.imag), t) for d, v, t in COMPLEX if d == "complex64"]
    c16 = [((v.real, v.imag), t) for d, v, t in COMPLEX if d == "complex128"]
    for dtype, cases in (("<f8", FLOAT64), ("<f4", FLOAT32), ("<f2", FLOAT16), ("<c8", c8), ("<c16", c16)):
        name = names()
        descriptor = keep(PEER, name, str(len(cases)), dtype)
        fmt, width = {"<f8": ("<d", 8), "<f4": ("<f", 4), "<f2": ("<e", 2), "<c8": ("<ff", 8), "<c16": ("<dd", 16)}[
            dtype
        ]
        from multiprocessing import shared_memory

        memory = shared_memory.SharedMemory(name=name, create=False)
        try:
            for i, (value, _) in enumerate(cases):
                parts = value if isinstance(value, tuple) else (value,)
                memory.buf[i * width : (i + 1) * width] = struct.pack(fmt, *parts)
        finally:
            memory.close()
            try:
                from multiprocessing import resource_tracker

                resource_tracker.unregister(memory._name, "shared_memory")  # noqa: SLF001
            except Exception:  # noqa: BLE001
                pass
        for i, (value, text) in enumerate(cases):
            got = subprocess.run(
                [reference, "peer", "--descriptor", descriptor, "get", str(i)], capture_output=True, text=True
            ).stdout
            assert got == text + "\n", (dtype, value)
