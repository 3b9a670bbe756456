//! Rust element types and the dtypes they stand for.

use num_complex::Complex;

use crate::dtype::{ByteOrder, DType, Kind};

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that can be viewed in a shared array: `bool`, `i8`..`i64`,
/// `u8`..`u64`, [`half::f16`], `f32`, `f64`, `Complex<f32>` and
/// `Complex<f64>` (from num-complex, as ndarray uses).
///
/// The trait is sealed: each implementor is plain data whose every bit
/// pattern is a valid value, except `bool`, whose bytes are checked (0 or 1)
/// before a view is made. Bytes become elements through `bytemuck`'s checked
/// casts, so no view is made with `unsafe`.
pub trait Element: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The numpy kind this type stands for.
    const KIND: Kind;

    /// The dtype of this type in this machine's byte order.
    fn dtype() -> DType {
        DType::new(Self::KIND, std::mem::size_of::<Self>(), ByteOrder::NATIVE)
            .expect("every Element is a modelled dtype")
    }

    /// Whether `bytes` (a whole number of elements) hold only valid values of
    /// this type. True for every type but `bool`.
    #[doc(hidden)]
    fn bytes_are_valid(_bytes: &[u8]) -> bool {
        true
    }

    /// `bytes` as elements, or `None` when they are misaligned, not a whole
    /// number of elements, or hold an invalid value.
    #[doc(hidden)]
    fn cast(bytes: &[u8]) -> Option<&[Self]>;

    /// `bytes` as mutable elements; `None` as for [`cast`](Self::cast).
    #[doc(hidden)]
    fn cast_mut(bytes: &mut [u8]) -> Option<&mut [Self]>;
}

macro_rules! element {
    ($($t:ty => $kind:ident),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const KIND: Kind = Kind::$kind;

            fn cast(bytes: &[u8]) -> Option<&[Self]> {
                bytemuck::try_cast_slice(bytes).ok()
            }

            fn cast_mut(bytes: &mut [u8]) -> Option<&mut [Self]> {
                bytemuck::try_cast_slice_mut(bytes).ok()
            }
        }
    )*};
}

element! {
    i8 => Int, i16 => Int, i32 => Int, i64 => Int,
    u8 => UInt, u16 => UInt, u32 => UInt, u64 => UInt,
    half::f16 => Float, f32 => Float, f64 => Float,
    Complex<f32> => Complex, Complex<f64> => Complex,
}

impl sealed::Sealed for bool {}
impl Element for bool {
    const KIND: Kind = Kind::Bool;

    fn bytes_are_valid(bytes: &[u8]) -> bool {
        bytes.iter().all(|&b| b <= 1)
    }

    fn cast(bytes: &[u8]) -> Option<&[Self]> {
        bytemuck::checked::try_cast_slice(bytes).ok()
    }

    fn cast_mut(bytes: &mut [u8]) -> Option<&mut [Self]> {
        bytemuck::checked::try_cast_slice_mut(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_types_map_to_numpy_dtypes() {
        let n = ByteOrder::NATIVE.code();
        assert_eq!(bool::dtype().to_string(), "|b1");
        assert_eq!(u8::dtype().to_string(), "|u1");
        assert_eq!(i8::dtype().to_string(), "|i1");
        assert_eq!(i32::dtype().to_string(), format!("{n}i4"));
        assert_eq!(u64::dtype().to_string(), format!("{n}u8"));
        assert_eq!(half::f16::dtype().to_string(), format!("{n}f2"));
        assert_eq!(f64::dtype().to_string(), format!("{n}f8"));
        assert_eq!(Complex::<f32>::dtype().to_string(), format!("{n}c8"));
        assert_eq!(Complex::<f64>::dtype().to_string(), format!("{n}c16"));
    }

    #[test]
    fn only_bool_checks_its_bytes() {
        assert!(bool::bytes_are_valid(&[0, 1, 1, 0]));
        assert!(!bool::bytes_are_valid(&[0, 2]));
        assert!(u8::bytes_are_valid(&[0, 2, 255]));
    }

    #[test]
    fn casts_check_validity_and_length() {
        assert_eq!(bool::cast(&[0, 1]), Some(&[false, true][..]));
        assert_eq!(bool::cast(&[2]), None);
        assert_eq!(u8::cast(&[7, 8]), Some(&[7u8, 8][..]));
        let words = [0u64; 2];
        let bytes: &[u8] = bytemuck::cast_slice(&words);
        assert_eq!(
            u64::cast(&bytes[..15]),
            None,
            "not a whole number of elements"
        );
        assert_eq!(u32::cast(&bytes[1..5]), None, "misaligned");
    }
}
