"""Values as text, both ways, without numpy: section 6 (printing) and
section 5.4 (reading) of docs/PEER-PROTOCOL.md.

Printing is byte for byte the reference's: floats as the shortest decimal
that reads back *at the element's own width*, choosing the candidate
closest to the value and, when two are exactly equally close, the larger in
magnitude (Python's ``repr`` rounds such ties to even instead), laid out as
Rust's ``{:?}`` lays them out (``1e16``, ``9e-5``, ``1.0``); float16 takes
the fewest correctly rounded digits that read back.

>>> format_float(0.1, 8), format_float(2.0 ** -12, 4), format_float(65504.0, 2)
('0.1', '0.00024414063', '65500.0')
>>> format_complex(complex(1.0, -2.5), 4)
'(1.0-2.5j)'

A value is a Python ``bool``, ``int``, ``float`` or ``complex``; a float of
a narrower dtype holds exactly the narrow value (widening is exact).
"""

from __future__ import annotations

import math
import re
import struct
from fractions import Fraction

from .dtypes import DType
from .errors import UsageError

#: A value of some dtype: ``bool``, ``int``, ``float`` or ``complex``.
Value = bool | int | float | complex

_FLOAT_RE = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?|nan|inf|infinity)\Z")
_INT_RE = re.compile(r"[+-]?[0-9]+\Z")

# --------------------------------------------------------------------------
# Widths: float64 to float32 and float16, one rounding to nearest-even


def f16_bits(value: float) -> int:
    """The bits of the float16 nearest to ``value``: one rounding, ties to
    even, as numpy's ``npy_double_to_half``; infinite beyond 65504 (from
    65520 up), NaN kept NaN with its sign."""
    bits: int = struct.unpack("<Q", struct.pack("<d", value))[0]
    sign = (bits >> 48) & 0x8000
    exp = (bits >> 52) & 0x7FF
    fraction = bits & ((1 << 52) - 1)
    if exp == 0x7FF:
        return sign | 0x7C00 | (0x200 | (fraction >> 42) if fraction else 0)
    if exp == 0:
        return sign  # float64 subnormals are far below float16's
    e = exp - 1023
    if e > 15:
        return sign | 0x7C00
    significand = fraction | (1 << 52)
    shift = 42 + max(-14 - e, 0)  # below 2^-14 the last bit is worth 2^-24
    if shift > 53:
        return sign
    kept = significand >> shift
    rest = significand & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    q = kept + (1 if rest > half or (rest == half and kept & 1) else 0)
    if e < -14:
        return sign | q  # a subnormal, or (q = 1024) the smallest normal
    if q == 2048:
        q, e = 1024, e + 1
    if e > 15:
        return sign | 0x7C00
    return sign | ((e + 15) << 10) | (q & 0x3FF)


def f16_value(bits: int) -> float:
    """The float16 with these bits, as the (exactly equal) Python float."""
    sign = -1.0 if bits & 0x8000 else 1.0
    exp = (bits >> 10) & 0x1F
    mantissa = bits & 0x3FF
    if exp == 0x1F:
        return math.copysign(math.inf if mantissa == 0 else math.nan, sign)
    if exp == 0:
        return sign * math.ldexp(mantissa, -24)
    return sign * math.ldexp(1024 + mantissa, exp - 25)


def narrow(value: float, width: int) -> float:
    """``value`` rounded once to nearest-even at ``width`` bytes (8, 4 or 2),
    returned as the exactly equal Python float; may be infinite."""
    if width == 8:
        return value
    if width == 4:
        try:
            narrowed: float = struct.unpack("<f", struct.pack("<f", value))[0]
            return narrowed
        except OverflowError:
            return math.copysign(math.inf, value)
    if width == 2:
        return f16_value(f16_bits(value))
    raise ValueError(f"no {width}-byte float")


# --------------------------------------------------------------------------
# Printing (section 6)


def _decompose(a: float, width: int) -> tuple[int, int, bool]:
    """``a`` (> 0, finite, exact at ``width``) as ``m * 2**e``, and whether
    its rounding interval is lopsided (a power of two above the smallest
    normal: the gap below is half the gap above)."""
    bits: int
    if width == 8:
        (bits,) = struct.unpack("<Q", struct.pack("<d", a))
        frac, exp, fbits, bias = bits & ((1 << 52) - 1), bits >> 52, 52, 1023
    else:
        (bits,) = struct.unpack("<I", struct.pack("<f", a))
        frac, exp, fbits, bias = bits & ((1 << 23) - 1), bits >> 23, 23, 127
    if exp == 0:
        return frac, 1 - bias - fbits, False
    return frac | (1 << fbits), exp - bias - fbits, frac == 0 and exp > 1


def _exp10(x: Fraction, guess: float) -> int:
    """The decimal exponent of ``x``'s first digit: floor(log10(x))."""
    k = math.floor(math.log10(guess))
    while Fraction(10) ** k > x:
        k -= 1
    while Fraction(10) ** (k + 1) <= x:
        k += 1
    return k


def _with_exponent(digits: str, k: int, n: int) -> tuple[str, int]:
    """Significant ``digits`` meant as ``n`` digits from exponent ``k``
    (one more when rounding up carried), trailing zeros dropped."""
    if len(digits) > n:  # 99.. rounded up to 100..
        k += 1
    return digits.rstrip("0") or "0", k


def shortest_digits(a: float, width: int) -> tuple[str, int]:
    """The shortest significant digits that read back as ``a`` (finite,
    > 0, exact at ``width``) at its own width, and the decimal exponent of
    the first digit.

    float32 and float64: the fewest digits of any decimal in ``a``'s
    rounding interval (its ends belong to it when ``a``'s significand is
    even, as round-half-even reads them); of the two candidates with that
    many digits, the closer, and on an exact tie the larger. float16: the
    fewest digits ``p`` such that ``a`` correctly rounded to ``p`` digits
    reads back (through float64, then float16)."""
    if width == 2:
        target = f16_bits(a)
        for p in range(17):
            mantissa, exponent = format(a, f".{p}e").split("e")
            if f16_bits(float(f"{mantissa}e{exponent}")) == target:
                return mantissa.replace(".", "").rstrip("0") or "0", int(exponent)
        raise AssertionError("17 digits always read back")  # pragma: no cover
    m, e, lopsided = _decompose(a, width)
    exact = Fraction(m) * Fraction(2) ** e
    ulp = Fraction(2) ** e
    high = exact + ulp / 2
    low = exact - (ulp / 4 if lopsided else ulp / 2)
    inclusive = m % 2 == 0
    k = _exp10(exact, a)
    for n in range(1, 18):
        unit = Fraction(10) ** (k - n + 1)
        q, rest = divmod(exact, unit)
        q = int(q)
        if rest == 0:
            return _with_exponent(str(q), k, n)
        down, up = q * unit, (q + 1) * unit
        down_ok = down > low or (inclusive and down == low)
        up_ok = up < high or (inclusive and up == high)
        if up_ok and (not down_ok or 2 * rest >= unit):
            return _with_exponent(str(q + 1), k, n)
        if down_ok:
            return _with_exponent(str(q), k, n)
    raise AssertionError("17 digits always read back")  # pragma: no cover


def _layout(digits: str, e: int) -> str:
    """Rust's ``{:?}`` layout of ``0.d1d2... x 10^(e+1)``."""
    n = len(digits)
    if -4 <= e < 16:
        if e < 0:
            return "0." + "0" * (-e - 1) + digits
        if n > e + 1:
            return f"{digits[: e + 1]}.{digits[e + 1 :]}"
        return digits + "0" * (e + 1 - n) + ".0"
    mantissa = digits[0] + ("." + digits[1:] if n > 1 else "")
    return f"{mantissa}e{e}"


def format_float(value: float, width: int = 8) -> str:
    """A float of ``width`` bytes (8, 4 or 2) as section 6 prints it:
    ``nan``, ``inf``, ``-inf``, ``0.0``, ``-0.0``, else the shortest digits
    at that width in Rust's ``{:?}`` layout. ``value`` must be exact at
    ``width`` (see :func:`narrow`)."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    digits, e = shortest_digits(abs(value), width)
    text = _layout(digits, e)
    return "-" + text if value < 0 else text


def format_complex(value: complex, width: int = 8) -> str:
    """``(re+imj)`` with each part a float of ``width`` (component) bytes."""
    real = format_float(value.real, width)
    imag = format_float(value.imag, width)
    sign = "" if imag.startswith("-") else "+"
    return f"({real}{sign}{imag}j)"


def format_value(dtype: DType, value: Value) -> str:
    """A value of ``dtype`` as section 6 prints it (``true``, ``-5``,
    ``0.1``, ``(1.0+2.0j)``)."""
    kind = dtype.kind
    if kind == "b":
        return "true" if value else "false"
    if kind in "iu":
        return str(int(value))  # type: ignore[arg-type]
    if kind == "f":
        return format_float(float(value), dtype.itemsize)  # type: ignore[arg-type]
    return format_complex(complex(value), dtype.itemsize // 2)


# --------------------------------------------------------------------------
# Reading (section 5.4)


def parse_float_text(text: str) -> float | None:
    """A float by the protocol's grammar (``[+-]?(D+ | D+.D* | .D+)([eE][+-]?D+)?``,
    ``nan``, ``inf``, ``infinity``, any case), as the nearest float64; None
    if the text is not one."""
    lower = text.lower()
    return float(lower) if _FLOAT_RE.match(lower) else None


def parse_complex_text(text: str) -> complex | None:
    """A complex number in Python's syntax (section 5.4), each part as the
    nearest float64; None if the text is not one."""
    t = text
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    t = t.strip()
    if not t.endswith(("j", "J")):
        real = parse_float_text(t)
        return None if real is None else complex(real, 0.0)
    body = t[:-1]
    split = next(
        (i for i in range(len(body) - 1, 0, -1) if body[i] in "+-" and body[i - 1] not in "eE"),
        None,
    )

    def imaginary(part: str) -> float | None:
        if part in ("", "+"):
            return 1.0
        if part == "-":
            return -1.0
        return parse_float_text(part)

    if split is None:
        imag = imaginary(body)
        return None if imag is None else complex(0.0, imag)
    real, imag = parse_float_text(body[:split]), imaginary(body[split:])
    return None if real is None or imag is None else complex(real, imag)


def _narrow_checked(value: float, width: int, dtype: DType, shown: str) -> float:
    narrowed = narrow(value, width)
    if math.isinf(narrowed) and math.isfinite(value):
        raise UsageError(f"invalid argument: value {shown} does not fit {dtype.name}")
    return narrowed


def parse_value(dtype: DType, text: str) -> Value:
    """Text as a value of ``dtype`` (section 5.4): trimmed; range-checked;
    floats read as the nearest float64 and rounded once to the dtype's
    width. Wrong text is :class:`UsageError` (exit 2)."""
    t = text.strip()
    kind = dtype.kind
    if kind == "b":
        if t in ("true", "True", "1"):
            return True
        if t in ("false", "False", "0"):
            return False
        raise UsageError(f"invalid argument: {t!r} is not a bool (true, false, 1, 0)")
    if kind in "iu":
        if not _INT_RE.match(t):
            raise UsageError(f"invalid argument: {t!r} is not an integer (dtype {dtype.name})")
        v = int(t)
        bits = 8 * dtype.itemsize
        low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if kind == "i" else (0, (1 << bits) - 1)
        if not low <= v <= high:
            raise UsageError(f"invalid argument: value {v} does not fit {dtype.name} ({low}..={high})")
        return v
    if kind == "f":
        f = parse_float_text(t)
        if f is None:
            raise UsageError(f"invalid argument: {t!r} is not a number (dtype {dtype.name})")
        return _narrow_checked(f, dtype.itemsize, dtype, format_float(f))
    c = parse_complex_text(t)
    if c is None:
        raise UsageError(f"invalid argument: {t!r} is not a complex number (dtype {dtype.name})")
    width = dtype.itemsize // 2
    shown = format_complex(c)
    return complex(
        _narrow_checked(c.real, width, dtype, shown),
        _narrow_checked(c.imag, width, dtype, shown),
    )
