//! Python numbers as element values, and element values (sums) as Python
//! numbers: the plain-Rust half of `fill` and `sum`.

use shm_core::{Complex, Scalar};

/// A number as Python has it: `bool`, `int` (any size that fits 128
/// bits), `float` or `complex`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A Python `bool`.
    Bool(bool),
    /// A Python `int`.
    Int(i128),
    /// A Python `float`.
    Float(f64),
    /// A Python `complex`: real and imaginary parts.
    Complex(f64, f64),
}

impl Number {
    /// The element value to write: range and kind are checked when it is
    /// written into a dtype (an `int` that does not fit, a `float` into an
    /// integer array, a `complex` into a real one are
    /// [`shm_core::Error::InvalidArgument`]).
    pub fn to_scalar(self) -> Scalar {
        match self {
            Number::Bool(b) => Scalar::Bool(b),
            Number::Int(n) => Scalar::Int(n),
            Number::Float(x) => Scalar::F64(x),
            Number::Complex(re, im) => Scalar::C128(Complex::new(re, im)),
        }
    }

    /// A value read back (an element or a sum) as the Python number that
    /// holds it exactly: bools as `bool`, integers as `int`, floats of every
    /// width as `float`, complex numbers as `complex`.
    pub fn of_scalar(value: Scalar) -> Number {
        match value {
            Scalar::Bool(b) => Number::Bool(b),
            Scalar::Int(n) => Number::Int(n),
            Scalar::F16(x) => Number::Float(x.to_f64()),
            Scalar::F32(x) => Number::Float(f64::from(x)),
            Scalar::F64(x) => Number::Float(x),
            Scalar::C64(c) => Number::Complex(f64::from(c.re), f64::from(c.im)),
            Scalar::C128(c) => Number::Complex(c.re, c.im),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shm_core::{DType, f16};

    #[test]
    fn numbers_become_the_values_numpy_would_store_or_a_typed_error() {
        let f32 = DType::parse("float32").unwrap();
        let u8 = DType::parse("uint8").unwrap();
        let mut one = [0u8; 4];
        Number::Float(1.5)
            .to_scalar()
            .to_bytes(f32, &mut one)
            .unwrap();
        assert_eq!(f32::from_ne_bytes(one), 1.5);
        Number::Int(7).to_scalar().to_bytes(f32, &mut one).unwrap();
        assert_eq!(f32::from_ne_bytes(one), 7.0);
        let e = Number::Int(300).to_scalar().to_bytes(u8, &mut one[..1]);
        assert_eq!(e.unwrap_err().kind(), shm_core::ErrorKind::InvalidArgument);
        let e = Number::Float(0.5).to_scalar().to_bytes(u8, &mut one[..1]);
        assert_eq!(e.unwrap_err().kind(), shm_core::ErrorKind::InvalidArgument);
        let e = Number::Complex(1.0, 1.0)
            .to_scalar()
            .to_bytes(f32, &mut one);
        assert_eq!(e.unwrap_err().kind(), shm_core::ErrorKind::InvalidArgument);
    }

    #[test]
    fn values_read_back_become_exact_python_numbers() {
        assert_eq!(Number::of_scalar(Scalar::Int(-3)), Number::Int(-3));
        assert_eq!(
            Number::of_scalar(Scalar::F16(f16::from_f64(0.5))),
            Number::Float(0.5)
        );
        assert_eq!(
            Number::of_scalar(Scalar::F32(0.1)),
            Number::Float(0.1f32 as f64)
        );
        assert_eq!(
            Number::of_scalar(Scalar::C64(Complex::new(1.0, -2.0))),
            Number::Complex(1.0, -2.0)
        );
        assert_eq!(Number::of_scalar(Scalar::Bool(true)), Number::Bool(true));
    }
}
