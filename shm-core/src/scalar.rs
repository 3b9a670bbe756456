//! One element's value whatever its dtype: decoded from and encoded to bytes
//! in either byte order, parsed from text and printed as Python reads it.
//!
//! This is how the reference peer reads and writes arrays whose dtype is
//! only known at run time, including non-native byte orders that typed views
//! refuse.

use std::fmt;

use half::f16;
use num_complex::Complex;

use crate::dtype::{ByteOrder, DType, Kind};
use crate::error::{Error, Result};
use narrow::f16_nearest;

mod narrow;

/// A single element value.
///
/// `Display` prints what Python's `int()`, `float()`, `complex()` or a JSON
/// reader reads back exactly: integers as integers, floats as the shortest
/// decimal that round-trips at their own precision (`0.1` for a float32 0.1,
/// `1.0`, `nan`, `inf`), complex numbers as `(re+imj)`, bools as
/// `true`/`false`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    /// A bool element.
    Bool(bool),
    /// Any integer element, or an integer sum.
    Int(i128),
    /// A float16 element.
    F16(f16),
    /// A float32 element.
    F32(f32),
    /// A float64 element, or a float sum.
    F64(f64),
    /// A complex64 element.
    C64(Complex<f32>),
    /// A complex128 element, or a complex sum.
    C128(Complex<f64>),
}

impl Scalar {
    /// Decodes one element of `dtype` from `bytes` (exactly its item size).
    pub fn from_bytes(dtype: DType, bytes: &[u8]) -> Result<Scalar> {
        if bytes.len() != dtype.itemsize() {
            return Err(Error::InvalidArgument(format!(
                "{} bytes given for one {dtype} element",
                bytes.len()
            )));
        }
        let mut le = [0u8; 16];
        le[..bytes.len()].copy_from_slice(bytes);
        to_little_endian(dtype, &mut le[..bytes.len()]);
        let n = |k: usize| u64::from_le_bytes(le[k..k + 8].try_into().expect("8 bytes"));
        let word = u64::from_le_bytes(le[..8].try_into().expect("8 bytes"));
        Ok(match (dtype.kind(), dtype.itemsize()) {
            (Kind::Bool, _) => Scalar::Bool(le[0] != 0),
            (Kind::UInt, _) => Scalar::Int(word as i128),
            (Kind::Int, size) => {
                let shift = 64 - 8 * size as u32;
                Scalar::Int((((word << shift) as i64) >> shift) as i128)
            }
            (Kind::Float, 2) => Scalar::F16(f16::from_bits(word as u16)),
            (Kind::Float, 4) => Scalar::F32(f32::from_bits(word as u32)),
            (Kind::Float, _) => Scalar::F64(f64::from_bits(word)),
            (Kind::Complex, 8) => Scalar::C64(Complex::new(
                f32::from_bits(word as u32),
                f32::from_bits((word >> 32) as u32),
            )),
            (Kind::Complex, _) => {
                Scalar::C128(Complex::new(f64::from_bits(n(0)), f64::from_bits(n(8))))
            }
        })
    }

    /// Encodes this value as one element of `dtype` into `out` (exactly its
    /// item size). Integers must fit the type's range; finite floats must not
    /// overflow to infinity; a complex value needs a complex dtype; a bool
    /// dtype takes a bool, 0 or 1.
    pub fn to_bytes(&self, dtype: DType, out: &mut [u8]) -> Result<()> {
        let size = dtype.itemsize();
        if out.len() != size {
            return Err(Error::InvalidArgument(format!(
                "{} bytes given for one {dtype} element",
                out.len()
            )));
        }
        let doesnt_fit =
            || Error::InvalidArgument(format!("value {self} does not fit {}", dtype.name()));
        let mut le = [0u8; 16];
        match dtype.kind() {
            Kind::Bool => {
                le[0] = match *self {
                    Scalar::Bool(b) => b as u8,
                    Scalar::Int(0) => 0,
                    Scalar::Int(1) => 1,
                    _ => return Err(doesnt_fit()),
                }
            }
            Kind::Int | Kind::UInt => {
                let v = match *self {
                    Scalar::Int(v) => v,
                    Scalar::Bool(b) => b as i128,
                    _ => return Err(doesnt_fit()),
                };
                let bits = 8 * size as u32;
                let (lo, hi) = if dtype.kind() == Kind::Int {
                    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
                } else {
                    (0, (1i128 << bits) - 1)
                };
                if v < lo || v > hi {
                    return Err(Error::InvalidArgument(format!(
                        "value {v} does not fit {} ({lo}..={hi})",
                        dtype.name()
                    )));
                }
                le[..size].copy_from_slice(&v.to_le_bytes()[..size]);
            }
            Kind::Float => {
                let v = self.real().ok_or_else(doesnt_fit)?;
                match size {
                    2 => le[..2]
                        .copy_from_slice(&narrow_f16(v).ok_or_else(doesnt_fit)?.to_le_bytes()),
                    4 => le[..4]
                        .copy_from_slice(&narrow_f32(v).ok_or_else(doesnt_fit)?.to_le_bytes()),
                    _ => le[..8].copy_from_slice(&v.to_le_bytes()),
                }
            }
            Kind::Complex => {
                let c = self.complex().ok_or_else(doesnt_fit)?;
                if size == 8 {
                    let re = narrow_f32(c.re).ok_or_else(doesnt_fit)?;
                    let im = narrow_f32(c.im).ok_or_else(doesnt_fit)?;
                    le[..4].copy_from_slice(&re.to_le_bytes());
                    le[4..8].copy_from_slice(&im.to_le_bytes());
                } else {
                    le[..8].copy_from_slice(&c.re.to_le_bytes());
                    le[8..16].copy_from_slice(&c.im.to_le_bytes());
                }
            }
        }
        to_little_endian(dtype, &mut le[..size]);
        out.copy_from_slice(&le[..size]);
        Ok(())
    }

    /// Parses text as a value for `dtype`: `true`/`false`/`1`/`0` (also
    /// Python's `True`/`False`) for bool; decimal integers for integer types
    /// (range-checked); decimals, `nan`, `inf`, `-inf` for floats; and
    /// Python's complex syntax (`1+2j`, `(1-2.5j)`, `3j`, `4`) for complex.
    pub fn parse(dtype: DType, text: &str) -> Result<Scalar> {
        let t = text.trim();
        let bad = |what: &str| {
            Error::InvalidArgument(format!("{t:?} is not {what} (dtype {})", dtype.name()))
        };
        let value = match dtype.kind() {
            Kind::Bool => match t {
                "true" | "True" | "1" => Scalar::Bool(true),
                "false" | "False" | "0" => Scalar::Bool(false),
                _ => return Err(bad("a bool (true, false, 1, 0)")),
            },
            Kind::Int | Kind::UInt => Scalar::Int(t.parse().map_err(|_| bad("an integer"))?),
            Kind::Float => Scalar::F64(parse_float(t).ok_or_else(|| bad("a number"))?),
            Kind::Complex => Scalar::C128(parse_complex(t).ok_or_else(|| bad("a complex number"))?),
        };
        // Range checks live in `to_bytes`; run them now so errors come early.
        value.to_bytes(dtype, &mut [0u8; 16][..dtype.itemsize()])?;
        Ok(value)
    }

    /// The value as a real number, if it has no imaginary part.
    pub fn real(&self) -> Option<f64> {
        Some(match *self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(v) => v as f64,
            Scalar::F16(v) => v.to_f64(),
            Scalar::F32(v) => v as f64,
            Scalar::F64(v) => v,
            Scalar::C64(_) | Scalar::C128(_) => return None,
        })
    }

    /// The value as a complex number.
    pub fn complex(&self) -> Option<Complex<f64>> {
        match *self {
            Scalar::C64(c) => Some(Complex::new(c.re as f64, c.im as f64)),
            Scalar::C128(c) => Some(c),
            _ => self.real().map(|re| Complex::new(re, 0.0)),
        }
    }
}

impl Scalar {
    /// Equality of values across representations (`F64(1.0)` equals
    /// `F32(1.0)` and `Int(1)`), with NaN equal to NaN, so that a value read
    /// back can be compared with the value written.
    pub fn same_value(&self, other: &Scalar) -> bool {
        match (self, other) {
            (Scalar::Int(x), Scalar::Int(y)) => x == y,
            (Scalar::Bool(x), Scalar::Bool(y)) => x == y,
            _ => match (self.complex(), other.complex()) {
                (Some(x), Some(y)) => {
                    let eq = |p: f64, q: f64| p == q || (p.is_nan() && q.is_nan());
                    eq(x.re, y.re) && eq(x.im, y.im)
                }
                _ => false,
            },
        }
    }
}

/// The sum of the `dtype` elements in `bytes`, in memory order: an integer
/// for bool and integer types (exact, in 128 bits), a float64 for floats and
/// a complex128 for complex numbers. numpy's `sum` accumulates floats in
/// their own precision, so float32 sums may differ in the last places.
pub fn sum(dtype: DType, bytes: &[u8]) -> Result<Scalar> {
    let values = bytes
        .chunks_exact(dtype.itemsize())
        .map(|b| Scalar::from_bytes(dtype, b));
    Ok(match dtype.kind() {
        Kind::Bool | Kind::Int | Kind::UInt => {
            let mut total: i128 = 0;
            for v in values {
                total = total.wrapping_add(match v? {
                    Scalar::Bool(b) => i128::from(b),
                    Scalar::Int(n) => n,
                    other => unreachable!("{other:?} in an integer array"),
                });
            }
            Scalar::Int(total)
        }
        Kind::Float => {
            let mut total = 0.0;
            for v in values {
                total += v?.real().expect("float elements are real");
            }
            Scalar::F64(total)
        }
        Kind::Complex => {
            let mut total = Complex::new(0.0, 0.0);
            for v in values {
                total += v?.complex().expect("complex elements are complex");
            }
            Scalar::C128(total)
        }
    })
}

/// Writes `value` into every `dtype` element of `bytes`.
pub fn fill(dtype: DType, value: Scalar, bytes: &mut [u8]) -> Result<()> {
    let mut one = [0u8; 16];
    let one = &mut one[..dtype.itemsize()];
    value.to_bytes(dtype, one)?;
    for chunk in bytes.chunks_exact_mut(one.len()) {
        chunk.copy_from_slice(one);
    }
    Ok(())
}

/// Reverses each component's bytes when `dtype` is big-endian, turning
/// little-endian bytes into the dtype's order and back.
fn to_little_endian(dtype: DType, bytes: &mut [u8]) {
    if dtype.byte_order() == ByteOrder::Big {
        let part = if dtype.kind() == Kind::Complex {
            dtype.itemsize() / 2
        } else {
            dtype.itemsize()
        };
        bytes.chunks_mut(part).for_each(<[u8]>::reverse);
    }
}

fn narrow_f32(v: f64) -> Option<f32> {
    let n = v as f32;
    (n.is_finite() || !v.is_finite()).then_some(n)
}

fn narrow_f16(v: f64) -> Option<f16> {
    let n = f16_nearest(v);
    (n.is_finite() || !v.is_finite()).then_some(n)
}

fn parse_float(t: &str) -> Option<f64> {
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if unsigned
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.')
        || matches!(unsigned, "nan" | "inf" | "infinity")
    {
        lower.parse().ok()
    } else {
        None
    }
}

fn parse_complex(t: &str) -> Option<Complex<f64>> {
    let t = t
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(t)
        .trim();
    let Some(body) = t.strip_suffix(['j', 'J']) else {
        return parse_float(t).map(|re| Complex::new(re, 0.0));
    };
    // Split at the last sign that is not the first character or an exponent's.
    let bytes = body.as_bytes();
    let split = (1..bytes.len())
        .rev()
        .find(|&i| matches!(bytes[i], b'+' | b'-') && !matches!(bytes[i - 1], b'e' | b'E'));
    let imag = |s: &str| match s {
        "" | "+" => Some(1.0),
        "-" => Some(-1.0),
        s => parse_float(s),
    };
    match split {
        Some(i) => Some(Complex::new(parse_float(&body[..i])?, imag(&body[i..])?)),
        None => Some(Complex::new(0.0, imag(body)?)),
    }
}

/// Shortest decimal that reads back as the same f16.
fn shortest_f16(v: f16) -> String {
    let x = v.to_f64();
    if !x.is_finite() {
        return float_text(x);
    }
    (0..17)
        .map(|p| format!("{x:.p$e}"))
        .find(|s| s.parse::<f64>().map(f16_nearest) == Ok(v))
        .map(|s| float_text(s.parse::<f64>().expect("just parsed")))
        .unwrap_or_else(|| float_text(x))
}

/// Text for a float that Python's `float()` reads back: Rust's shortest
/// round-trip form, with `nan`/`inf` spelt as Python spells them.
fn float_text<T: fmt::Debug + Into<f64> + Copy>(v: T) -> String {
    let x: f64 = v.into();
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{v:?}")
    }
}

fn complex_text(re: String, im: String) -> String {
    let sign = if im.starts_with('-') { "" } else { "+" };
    format!("({re}{sign}{im}j)")
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(v) => write!(f, "{v}"),
            Scalar::F16(v) => f.write_str(&shortest_f16(v)),
            Scalar::F32(v) => f.write_str(&float_text(v)),
            Scalar::F64(v) => f.write_str(&float_text(v)),
            Scalar::C64(c) => f.write_str(&complex_text(float_text(c.re), float_text(c.im))),
            Scalar::C128(c) => f.write_str(&complex_text(float_text(c.re), float_text(c.im))),
        }
    }
}

#[cfg(test)]
mod tests;
