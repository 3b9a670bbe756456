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
//!
//! A seed of 2^62 or more (so that edge seeds fit a TOML integer) selects the *edge* pattern instead, whose values
//! are the ones implementations get wrong, given as bits so that they are
//! exact (docs/PEER-PROTOCOL.md section 8 is the contract): integers cycle
//! through [`INT_EDGES`] (zero, one, all ones, the sign bit, ...), floats
//! through [`F16_EDGES`], [`F32_EDGES`], [`F64_EDGES`] (signed zeros,
//! subnormals, the largest finite, infinities, NaNs with payloads, one ulp
//! above one, float16 rounding boundaries), element `i` taking entry
//! `(i + s) mod len`; a complex element's imaginary part takes entry
//! `(3i + s + 7) mod len`; bools keep the plain rule. Edge patterns are
//! checked bit for bit. All arithmetic wraps at 2^64.

use shm_core::{ByteOrder, Complex, DType, Error, Kind, Scalar};

/// The lowest edge seed: seeds from here on select the edge pattern.
pub const EDGE: u64 = 1 << 62;

/// Integer edges for a width of `bits`, as the low bits of these values:
/// 0, 1, all ones (-1, the unsigned maximum), the sign bit (the signed
/// minimum), the signed maximum, the signed minimum + 1, all ones - 1.
pub fn int_edges(bits: u32) -> [u64; 7] {
    let ones = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let sign = 1u64 << (bits - 1);
    [0, 1, ones, sign, sign - 1, sign + 1, ones - 1]
}

/// float16 edges, as bits: +0, -0, the smallest subnormal, minus the
/// largest subnormal, the smallest normal, the largest finite (65504) and
/// its negative, +inf, -inf, the quiet NaN, a signalling NaN with payload 1,
/// a negative NaN with a payload, 1 + ulp, 1.0, 1 - ulp/2.
pub const F16_EDGES: [u64; 15] = [
    0x0000, 0x8000, 0x0001, 0x83FF, 0x0400, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE2A,
    0x3C01, 0x3C00, 0x3BFF,
];

/// float32 edges, as bits: as float16's, then 1 + 2^-11 (a float16
/// rounding tie) and 65520 (where float16 rounds to infinity).
pub const F32_EDGES: [u64; 15] = [
    0x0000_0000,
    0x8000_0000,
    0x0000_0001,
    0x807F_FFFF,
    0x0080_0000,
    0x7F7F_FFFF,
    0xFF7F_FFFF,
    0x7F80_0000,
    0xFF80_0000,
    0x7FC0_0000,
    0x7F80_0001,
    0xFFC0_002A,
    0x3F80_0001,
    0x3F80_1000,
    0x477F_F000,
];

/// float64 edges, as bits, in the order of [`F32_EDGES`].
pub const F64_EDGES: [u64; 15] = [
    0x0000_0000_0000_0000,
    0x8000_0000_0000_0000,
    0x0000_0000_0000_0001,
    0x800F_FFFF_FFFF_FFFF,
    0x0010_0000_0000_0000,
    0x7FEF_FFFF_FFFF_FFFF,
    0xFFEF_FFFF_FFFF_FFFF,
    0x7FF0_0000_0000_0000,
    0xFFF0_0000_0000_0000,
    0x7FF8_0000_0000_0000,
    0x7FF0_0000_0000_0001,
    0xFFF8_0000_0000_002A,
    0x3FF0_0000_0000_0001,
    0x3FF0_0200_0000_0000,
    0x40EF_FE00_0000_0000,
];

/// Writes the pattern into every element of `bytes` (elements of `dtype`).
pub fn write(dtype: DType, bytes: &mut [u8], seed: u64) -> Result<(), Error> {
    for (i, chunk) in bytes.chunks_exact_mut(dtype.itemsize()).enumerate() {
        if !edge_bytes(dtype, i, seed, chunk) {
            value(dtype, i, seed).to_bytes(dtype, chunk)?;
        }
    }
    Ok(())
}

/// Writes element `i` of the edge pattern into `out` (one element) and
/// returns true, or returns false when `seed` is not an edge seed or the
/// dtype is bool (which keeps the plain rule).
pub fn edge_bytes(dtype: DType, i: usize, seed: u64, out: &mut [u8]) -> bool {
    if seed < EDGE || dtype.kind() == Kind::Bool {
        return false;
    }
    let i = i as u64;
    let at = |table: &[u64], k: u64| table[(k % table.len() as u64) as usize];
    let big = dtype.byte_order() == ByteOrder::Big;
    let put = |out: &mut [u8], bits: u64| {
        let n = out.len();
        if big {
            out.copy_from_slice(&bits.to_be_bytes()[8 - n..]);
        } else {
            out.copy_from_slice(&bits.to_le_bytes()[..n]);
        }
    };
    let first = i.wrapping_add(seed);
    match dtype.kind() {
        Kind::Bool => return false,
        Kind::Int | Kind::UInt => {
            let table = int_edges(8 * dtype.itemsize() as u32);
            put(out, at(&table, first));
        }
        Kind::Float => put(out, at(float_edges(dtype.itemsize()), first)),
        Kind::Complex => {
            let half = dtype.itemsize() / 2;
            let table = float_edges(half);
            let second = i.wrapping_mul(3).wrapping_add(seed).wrapping_add(7);
            let (re, im) = out.split_at_mut(half);
            put(re, at(table, first));
            put(im, at(table, second));
        }
    }
    true
}

fn float_edges(width: usize) -> &'static [u64] {
    match width {
        2 => &F16_EDGES,
        4 => &F32_EDGES,
        _ => &F64_EDGES,
    }
}

/// The pattern value of element `i` as stored: narrowed to `dtype`.
pub fn stored(dtype: DType, i: usize, seed: u64) -> Scalar {
    let mut buf = [0u8; 16];
    let buf = &mut buf[..dtype.itemsize()];
    if !edge_bytes(dtype, i, seed, buf) {
        value(dtype, i, seed)
            .to_bytes(dtype, buf)
            .expect("patterns fit their dtype");
    }
    Scalar::from_bytes(dtype, buf).expect("one element")
}

/// Checks every element of `bytes` against the pattern: `Ok(None)` when all
/// match, else the first that differs, as a message.
pub fn check(dtype: DType, bytes: &[u8], seed: u64) -> Result<Option<String>, Error> {
    let mut want = [0u8; 16];
    let want = &mut want[..dtype.itemsize()];
    for (i, chunk) in bytes.chunks_exact(dtype.itemsize()).enumerate() {
        let found = Scalar::from_bytes(dtype, chunk)?;
        let expected = stored(dtype, i, seed);
        let differs = if edge_bytes(dtype, i, seed, want) {
            chunk != &want[..]
        } else {
            !found.same_value(&expected)
        };
        if differs {
            return Ok(Some(format!(
                "element {i} (flat): expected {expected}, found {found}"
            )));
        }
    }
    Ok(None)
}

/// The pattern value of element `i` for `dtype` and `seed`.
pub fn value(dtype: DType, i: usize, seed: u64) -> Scalar {
    let i = i as u64;
    match dtype.kind() {
        Kind::Bool => Scalar::Bool(i.wrapping_add(seed) % 3 == 1),
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
            (i.wrapping_mul(3).wrapping_add(seed) % 1000) as f64 * 0.25,
        )),
    }
}

fn real(i: u64, seed: u64) -> f64 {
    (i.wrapping_add(seed) % 1000) as f64 * 0.5 - 250.0
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

    #[test]
    fn edge_seeds_write_the_edges_as_bits_in_the_dtypes_byte_order() {
        let seed = EDGE; // EDGE % 7 == 4 and EDGE % 15 == 4
        let be = DType::parse(">i2").unwrap();
        let mut bytes = vec![0u8; 4];
        write(be, &mut bytes, seed).unwrap();
        // Entries 4 and 5 of the int16 edges: the signed maximum, minimum + 1.
        assert_eq!(bytes, [0x7F, 0xFF, 0x80, 0x01]);
        let f2 = DType::parse("<f2").unwrap();
        let mut bytes = vec![0u8; 2];
        write(f2, &mut bytes, seed).unwrap();
        assert_eq!(
            bytes,
            0x0400u16.to_le_bytes(),
            "entry 4: the smallest normal"
        );
        let c = DType::parse(">c8").unwrap();
        let mut bytes = vec![0u8; 8];
        write(c, &mut bytes, seed).unwrap();
        // Real part entry 4, imaginary part entry (4 + 7) % 15 = 11.
        assert_eq!(bytes, [0x00, 0x80, 0, 0, 0xFF, 0xC0, 0x00, 0x2A]);
    }

    #[test]
    fn edge_patterns_check_bit_for_bit_and_plain_ones_by_value() {
        let f8 = DType::parse("<f8").unwrap();
        let mut bytes = vec![0u8; 8 * 15];
        write(f8, &mut bytes, EDGE + 11).unwrap();
        assert_eq!(check(f8, &bytes, EDGE + 11).unwrap(), None);
        // Element 1 holds entry (1 + 11 + 4) % 15 = 1, -0.0: 0.0 equals it by
        // value, not by bits.
        bytes[8..16].copy_from_slice(&0u64.to_le_bytes());
        assert!(check(f8, &bytes, EDGE + 11).unwrap().is_some());
        // Seeds near 2^64 wrap rather than overflow.
        let mut one = vec![0u8; 8];
        write(f8, &mut one, u64::MAX).unwrap();
        write(DType::parse("bool").unwrap(), &mut one, u64::MAX).unwrap();
    }
}
