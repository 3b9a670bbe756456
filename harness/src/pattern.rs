//! Deterministic element patterns, identical in every peer, so one process
//! can write every element and another can check each one exactly.
//!
//! For the element at flat C-order index `i` and a seed `s`:
//! - bool: `(i + s) % 3 == 1`;
//! - integers: the low `8 x itemsize` bits of `i * 2654435761 + s`, read as the
//!   type (two's complement for signed types);
//! - floats: `((i + s) % 1000) * 0.5 - 250`, exact in float16, 32 and 64;
//! - complex: that value as the real part and `((3i + s) % 1000) * 0.25` as
//!   the imaginary part.

use shm_core::{Complex, DType, Error, Kind, Scalar};

/// Writes the pattern into every element of `bytes` (elements of `dtype`).
pub(crate) fn write(dtype: DType, bytes: &mut [u8], seed: u64) -> Result<(), Error> {
    for (i, chunk) in bytes.chunks_exact_mut(dtype.itemsize()).enumerate() {
        value(dtype, i, seed).to_bytes(dtype, chunk)?;
    }
    Ok(())
}

/// The pattern value of element `i` as stored: narrowed to `dtype`.
pub(crate) fn stored(dtype: DType, i: usize, seed: u64) -> Scalar {
    let mut buf = [0u8; 16];
    let buf = &mut buf[..dtype.itemsize()];
    value(dtype, i, seed)
        .to_bytes(dtype, buf)
        .expect("patterns fit their dtype");
    Scalar::from_bytes(dtype, buf).expect("one element")
}

/// Checks every element of `bytes` against the pattern: `Ok(None)` when all
/// match, else the first that differs, as a message.
pub(crate) fn check(dtype: DType, bytes: &[u8], seed: u64) -> Result<Option<String>, Error> {
    for (i, chunk) in bytes.chunks_exact(dtype.itemsize()).enumerate() {
        let found = Scalar::from_bytes(dtype, chunk)?;
        let expected = stored(dtype, i, seed);
        if !found.same_value(&expected) {
            return Ok(Some(format!(
                "element {i} (flat): expected {expected}, found {found}"
            )));
        }
    }
    Ok(None)
}

/// The pattern value of element `i` for `dtype` and `seed`.
pub(crate) fn value(dtype: DType, i: usize, seed: u64) -> Scalar {
    let i = i as u64;
    match dtype.kind() {
        Kind::Bool => Scalar::Bool((i + seed) % 3 == 1),
        Kind::Int | Kind::UInt => {
            let bits = 8 * dtype.itemsize() as u32;
            let raw = i.wrapping_mul(2_654_435_761).wrapping_add(seed);
            let low = if bits == 64 {
                raw
            } else {
                raw & ((1u64 << bits) - 1)
            };
            if dtype.kind() == Kind::UInt {
                Scalar::Int(low as i128)
            } else {
                let shift = 64 - bits;
                Scalar::Int((((low << shift) as i64) >> shift) as i128)
            }
        }
        Kind::Float => Scalar::F64(real(i, seed)),
        Kind::Complex => Scalar::C128(Complex::new(
            real(i, seed),
            ((3 * i + seed) % 1000) as f64 * 0.25,
        )),
    }
}

fn real(i: u64, seed: u64) -> f64 {
    ((i + seed) % 1000) as f64 * 0.5 - 250.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_wrap_to_their_width_and_sign() {
        let i8 = DType::parse("int8").unwrap();
        let u8 = DType::parse("uint8").unwrap();
        // 1 * 2654435761 + 0 = 0x9E3779B1: low byte 0xB1 = 177 = -79 as int8.
        assert_eq!(value(u8, 1, 0), Scalar::Int(177));
        assert_eq!(value(i8, 1, 0), Scalar::Int(-79));
    }

    #[test]
    fn floats_and_complex_are_exact_small_halves() {
        let f2 = DType::parse("float16").unwrap();
        assert_eq!(value(f2, 3, 1), Scalar::F64(-248.0));
        let c = DType::parse("complex64").unwrap();
        assert_eq!(value(c, 2, 0), Scalar::C128(Complex::new(-249.0, 1.5)));
    }

    #[test]
    fn a_written_pattern_checks_and_a_changed_element_is_named() {
        let dtype = DType::parse(">i2").unwrap();
        let mut bytes = vec![0u8; 8];
        write(dtype, &mut bytes, 5).unwrap();
        assert_eq!(check(dtype, &bytes, 5).unwrap(), None);
        bytes[5] ^= 1;
        let wrong = check(dtype, &bytes, 5).unwrap().expect("a mismatch");
        assert!(wrong.starts_with("element 2 (flat)"), "{wrong}");
    }
}
