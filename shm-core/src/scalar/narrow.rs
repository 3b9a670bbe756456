//! float64 to float16 with one rounding, to nearest, ties to even: what
//! numpy's `npy_double_to_half` does, and what the peer protocol asks for.
//!
//! `half::f16::from_f64` rounds twice on CPUs with F16C (float64 to float32,
//! then float32 to float16), and its software path ignores the low 32 bits
//! of the float64's fraction; either way a float64 within 2^-29 relative of
//! a float16 rounding tie can round the wrong way.

use half::f16;

/// Bits of the float64 fraction that a normal float16 drops (52 - 10).
const DROPPED: u32 = 42;

/// The float16 nearest to `v`, ties to even; beyond the largest finite
/// float16 (65504, halfway to the next power being 65520) it is infinite,
/// and nan stays nan with its sign.
pub(crate) fn f16_nearest(v: f64) -> f16 {
    let bits = v.to_bits();
    let sign = ((bits >> 48) & 0x8000) as u16;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    if exp == 0x7ff {
        let nan = if fraction == 0 {
            0
        } else {
            0x200 | (fraction >> DROPPED) as u16
        };
        return f16::from_bits(sign | 0x7c00 | nan);
    }
    // float64 subnormals are far below half the smallest float16 subnormal.
    if exp == 0 {
        return f16::from_bits(sign);
    }
    let e = exp - 1023;
    if e > 15 {
        return f16::from_bits(sign | 0x7c00);
    }
    let significand = fraction | (1 << 52);
    // Below 2^-14 the float16 is subnormal: its last bit is worth 2^-24.
    let shift = DROPPED + (-14 - e).max(0) as u32;
    if shift > 53 {
        return f16::from_bits(sign); // below half of 2^-24: zero
    }
    let kept = significand >> shift;
    let rest = significand & ((1 << shift) - 1);
    let half = 1 << (shift - 1);
    let q = kept + u64::from(rest > half || (rest == half && kept & 1 == 1));
    if e < -14 {
        // A subnormal, or (q = 1024) the smallest normal, whose bits are q.
        return f16::from_bits(sign | q as u16);
    }
    // q is 1024..=2048; 2048 carries into the exponent.
    let (q, e) = if q == 2048 { (1024, e + 1) } else { (q, e) };
    if e > 15 {
        return f16::from_bits(sign | 0x7c00);
    }
    f16::from_bits(sign | (((e + 15) as u16) << 10) | (q as u16 & 0x3ff))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next_up(x: f64) -> f64 {
        f64::from_bits(if x >= 0.0 {
            x.to_bits() + 1
        } else {
            x.to_bits() - 1
        })
    }

    fn next_down(x: f64) -> f64 {
        f64::from_bits(if x > 0.0 {
            x.to_bits() - 1
        } else {
            x.to_bits() + 1
        })
    }

    #[test]
    fn every_float16_and_both_sides_of_every_tie_round_once() {
        // All positive finite float16s in order; negatives mirror them.
        let finite: Vec<f16> = (0u16..0x7c00).map(f16::from_bits).collect();
        for pair in finite.windows(2) {
            let (lo, hi) = (pair[0], pair[1]);
            let (a, b) = (lo.to_f64(), hi.to_f64());
            assert_eq!(f16_nearest(a).to_bits(), lo.to_bits(), "{a}");
            let tie = (a + b) / 2.0; // exact: one more bit than float16 has
            let even = if lo.to_bits() & 1 == 0 { lo } else { hi };
            assert_eq!(f16_nearest(tie).to_bits(), even.to_bits(), "tie {tie}");
            assert_eq!(
                f16_nearest(next_down(tie)).to_bits(),
                lo.to_bits(),
                "below {tie}"
            );
            assert_eq!(
                f16_nearest(next_up(tie)).to_bits(),
                hi.to_bits(),
                "above {tie}"
            );
            assert_eq!(
                f16_nearest(-next_up(tie)).to_bits(),
                (-hi).to_bits(),
                "-{tie}"
            );
        }
    }

    #[test]
    fn the_edges_round_as_numpy_does() {
        let bits = |v: f64| f16_nearest(v).to_bits();
        // numpy: float16(1.0004882812509095) == 1.001 (just above a tie).
        assert_eq!(
            bits(1.000_488_281_250_909_5),
            f16::from_f64(1.0009765625).to_bits()
        );
        assert_eq!(bits(65504.0), 0x7bff);
        assert_eq!(bits(next_down(65520.0)), 0x7bff);
        assert_eq!(bits(65520.0), 0x7c00); // the tie goes to the even infinity
        assert_eq!(bits(f64::INFINITY), 0x7c00);
        assert_eq!(bits(f64::NEG_INFINITY), 0xfc00);
        assert!(f16_nearest(f64::NAN).is_nan());
        assert_eq!(bits(-0.0), 0x8000);
        assert_eq!(bits(f64::MIN_POSITIVE), 0);
        assert_eq!(bits(2f64.powi(-25)), 0); // half the least subnormal: to even
        assert_eq!(bits(next_up(2f64.powi(-25))), 1);
        assert_eq!(bits(2f64.powi(-24) * 1.5), 2); // tie between 1 and 2: even
        assert_eq!(bits(1e300), 0x7c00);
    }
}
