//! Filling and summing an array's bytes at memory speed: what
//! `SharedArray.fill` and `.sum` run without the GIL. The library's
//! [`shm_core::scalar::fill`] and [`shm_core::scalar::sum`] decode one
//! element at a time; these give the same results with typed loops over
//! the bytes (either byte order) and, for a fill, doubling copies.

use shm_core::dtype::{ByteOrder, Kind};
use shm_core::{Complex, DType, Error, Result, Scalar, f16};

/// Writes `value` into every `dtype` element of `bytes`, as
/// [`shm_core::scalar::fill`] does (same checks, same errors).
pub fn fill(dtype: DType, value: Scalar, bytes: &mut [u8]) -> Result<()> {
    let size = dtype.itemsize();
    let mut one = [0u8; 16];
    value.to_bytes(dtype, &mut one[..size])?;
    let len = bytes.len() - bytes.len() % size;
    if len == 0 {
        return Ok(());
    }
    bytes[..size].copy_from_slice(&one[..size]);
    let mut filled = size;
    while filled < len {
        let n = filled.min(len - filled);
        bytes.copy_within(..n, filled);
        filled += n;
    }
    Ok(())
}

/// The sum of the `dtype` elements in `bytes`, as [`shm_core::scalar::sum`]
/// gives it: an exact integer for bool and integer types, a float64 for
/// floats, a complex128 for complex numbers (floats are added in eight
/// running sums, as numpy's pairwise sum starts, so the last places may
/// differ from a one-by-one sum).
pub fn sum(dtype: DType, bytes: &[u8]) -> Result<Scalar> {
    let size = dtype.itemsize();
    if bytes.len() % size != 0 {
        return Err(Error::InvalidArgument(format!(
            "{} bytes are not whole {dtype} elements",
            bytes.len()
        )));
    }
    let little = dtype.byte_order() != ByteOrder::Big;
    Ok(match (dtype.kind(), size) {
        (Kind::Bool, _) => Scalar::Int(bytes.iter().filter(|&&b| b != 0).count() as i128),
        (Kind::Int, _) | (Kind::UInt, _) => {
            Scalar::Int(integers(dtype.kind(), size, little, bytes))
        }
        (Kind::Float, 2) => Scalar::F64(floats(bytes, 2, |c| {
            let b = [c[0], c[1]];
            if little {
                f16::from_le_bytes(b)
            } else {
                f16::from_be_bytes(b)
            }
            .to_f64()
        })),
        (Kind::Float, 4) => Scalar::F64(floats(bytes, 4, |c| f64::from(f32_at(c, little)))),
        (Kind::Float, _) => Scalar::F64(floats(bytes, 8, |c| f64_at(c, little))),
        (Kind::Complex, 8) => {
            let re = floats_strided(bytes, 8, 0, |c| f64::from(f32_at(c, little)));
            let im = floats_strided(bytes, 8, 4, |c| f64::from(f32_at(c, little)));
            Scalar::C128(Complex::new(re, im))
        }
        (Kind::Complex, _) => {
            let re = floats_strided(bytes, 16, 0, |c| f64_at(c, little));
            let im = floats_strided(bytes, 16, 8, |c| f64_at(c, little));
            Scalar::C128(Complex::new(re, im))
        }
    })
}

fn f32_at(c: &[u8], little: bool) -> f32 {
    let b = [c[0], c[1], c[2], c[3]];
    if little {
        f32::from_le_bytes(b)
    } else {
        f32::from_be_bytes(b)
    }
}

fn f64_at(c: &[u8], little: bool) -> f64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&c[..8]);
    if little {
        f64::from_le_bytes(b)
    } else {
        f64::from_be_bytes(b)
    }
}

fn integers(kind: Kind, size: usize, little: bool, bytes: &[u8]) -> i128 {
    macro_rules! total {
        ($t:ty, $n:literal) => {
            add_up(bytes.chunks_exact($n).map(|c| {
                let mut b = [0u8; $n];
                b.copy_from_slice(c);
                let v = if little {
                    <$t>::from_le_bytes(b)
                } else {
                    <$t>::from_be_bytes(b)
                };
                i128::from(v)
            }))
        };
    }
    match (kind == Kind::Int, size) {
        (true, 1) => total!(i8, 1),
        (true, 2) => total!(i16, 2),
        (true, 4) => total!(i32, 4),
        (true, _) => total!(i64, 8),
        (false, 1) => total!(u8, 1),
        (false, 2) => total!(u16, 2),
        (false, 4) => total!(u32, 4),
        (false, _) => total!(u64, 8),
    }
}

/// The exact sum of integers of at most 64 bits: in `i64` runs short
/// enough never to overflow when the values fit 32 bits, else in `i128`.
fn add_up(values: impl Iterator<Item = i128>) -> i128 {
    // 2^31 values below 2^32 in magnitude sum below 2^63.
    const RUN: usize = 1 << 31;
    let mut values = values.peekable();
    let mut total = 0i128;
    loop {
        let mut run = 0i64;
        let mut wide = 0i128;
        let mut taken = 0usize;
        for v in values.by_ref().take(RUN) {
            taken += 1;
            match i64::try_from(v) {
                Ok(n) if n.unsigned_abs() < (1 << 32) => run += n,
                _ => wide += v,
            }
        }
        total += i128::from(run) + wide;
        if taken < RUN || values.peek().is_none() {
            return total;
        }
    }
}

/// Eight running sums of the elements, then their sum.
fn floats(bytes: &[u8], size: usize, at: impl Fn(&[u8]) -> f64) -> f64 {
    floats_strided(bytes, size, 0, at)
}

/// As [`floats`], of the part at `offset` of each `stride`-byte element.
fn floats_strided(bytes: &[u8], stride: usize, offset: usize, at: impl Fn(&[u8]) -> f64) -> f64 {
    let mut lanes = [0.0f64; 8];
    let mut blocks = bytes.chunks_exact(8 * stride);
    for block in &mut blocks {
        for (k, lane) in lanes.iter_mut().enumerate() {
            *lane += at(&block[k * stride + offset..]);
        }
    }
    let mut rest = 0.0;
    for c in blocks.remainder().chunks_exact(stride) {
        rest += at(&c[offset..]);
    }
    ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
        + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
        + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every dtype the library models, in both byte orders.
    fn dtypes() -> Vec<DType> {
        DType::all_native()
            .into_iter()
            .flat_map(|d| [d, d.swapped()])
            .collect()
    }

    /// Bytes of `n` valid elements of `dtype` (integers small enough that
    /// floats add them exactly).
    fn bytes_of(dtype: DType, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n * dtype.itemsize()];
        for (i, c) in out.chunks_exact_mut(dtype.itemsize()).enumerate() {
            let v = (i as i128 * 7919) % 97 - 40;
            let value = match dtype.kind() {
                Kind::Bool => Scalar::Bool(v > 0),
                Kind::UInt => Scalar::Int(v.rem_euclid(100)),
                Kind::Int => Scalar::Int(v),
                Kind::Float => Scalar::F64(v as f64 / 4.0),
                Kind::Complex => Scalar::C128(Complex::new(v as f64, -v as f64 / 2.0)),
            };
            value.to_bytes(dtype, c).unwrap();
        }
        out
    }

    #[test]
    fn sums_equal_the_librarys_for_every_dtype_and_byte_order() {
        for dtype in dtypes() {
            for n in [0, 1, 7, 8, 9, 100, 1003] {
                let bytes = bytes_of(dtype, n);
                let ours = sum(dtype, &bytes).unwrap();
                let theirs = shm_core::scalar::sum(dtype, &bytes).unwrap();
                assert!(
                    ours.same_value(&theirs),
                    "{dtype} x{n}: {ours:?} != {theirs:?}"
                );
            }
        }
    }

    #[test]
    fn integer_sums_are_exact_past_64_bits() {
        let dtype = DType::parse("<u8").unwrap();
        let bytes: Vec<u8> = std::iter::repeat_n(u64::MAX.to_le_bytes(), 4)
            .flatten()
            .collect();
        assert_eq!(
            sum(dtype, &bytes).unwrap(),
            Scalar::Int(4 * i128::from(u64::MAX))
        );
        let dtype = DType::parse(">i2").unwrap();
        let bytes: Vec<u8> = std::iter::repeat_n((-3i16).to_be_bytes(), 5)
            .flatten()
            .collect();
        assert_eq!(sum(dtype, &bytes).unwrap(), Scalar::Int(-15));
    }

    #[test]
    fn fills_equal_the_librarys_and_refuse_alike() {
        for dtype in dtypes() {
            let value = match dtype.kind() {
                Kind::Bool => Scalar::Bool(true),
                Kind::Int | Kind::UInt => Scalar::Int(5),
                Kind::Float => Scalar::F64(0.5),
                Kind::Complex => Scalar::C128(Complex::new(1.0, -2.0)),
            };
            for n in [0, 1, 2, 3, 1000, 1025] {
                let mut ours = vec![0u8; n * dtype.itemsize()];
                let mut theirs = ours.clone();
                fill(dtype, value, &mut ours).unwrap();
                shm_core::scalar::fill(dtype, value, &mut theirs).unwrap();
                assert_eq!(ours, theirs, "{dtype} x{n}");
            }
        }
        let u8 = DType::parse("uint8").unwrap();
        let e = fill(u8, Scalar::Int(256), &mut [0u8; 4]).unwrap_err();
        assert_eq!(e.kind(), shm_core::ErrorKind::InvalidArgument);
    }

    #[test]
    fn bytes_that_are_not_whole_elements_are_refused() {
        let f8 = DType::parse("f8").unwrap();
        assert!(sum(f8, &[0u8; 12]).is_err());
    }
}
