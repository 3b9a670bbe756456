//! The workload (how many arrays, of what shape and dtype) and the element
//! arithmetic every variant shares: the fill values and a sum whose result
//! is exact, so each run can be checked before its time is kept.

use shm_core::{DType, Element, Error, Kind};

use crate::SpeedupOptions;

/// What `speedup` moves from producer to consumer.
#[derive(Debug, Clone)]
pub(super) struct Workload {
    /// Number of arrays per run.
    pub(super) arrays: usize,
    /// Shape of each array.
    pub(super) shape: Vec<usize>,
    /// Element type, native byte order.
    pub(super) dtype: DType,
    /// Elements per array.
    pub(super) elements: usize,
    /// Bytes per array.
    pub(super) nbytes: usize,
    /// Timed runs per figure.
    pub(super) repeat: usize,
}

impl Workload {
    /// Checks the arguments: at least one array and one run, a non-empty
    /// shape whose byte count fits, and an integer or float dtype.
    pub(super) fn from_options(args: &SpeedupOptions) -> Result<Workload, Error> {
        let shape = shm_protocol::arguments::parse_shape(&args.shape)?;
        let dtype = DType::parse(&args.dtype)?;
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if args.arrays == 0 || args.repeat == 0 {
            return bad("--arrays and --repeat must be at least 1".into());
        }
        if !supported(dtype) {
            return bad(format!(
                "speedup measures integer and float dtypes in native byte order, not {dtype}"
            ));
        }
        let elements = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "--shape {:?} must have at least one element and fit in memory",
                    args.shape
                ))
            })?;
        let nbytes = elements
            .checked_mul(dtype.itemsize())
            .filter(|n| n.checked_mul(args.arrays).is_some())
            .ok_or_else(|| Error::InvalidArgument("the workload's byte count overflows".into()))?;
        Ok(Workload {
            arrays: args.arrays,
            shape,
            dtype,
            elements,
            nbytes,
            repeat: args.repeat,
        })
    }

    /// Bytes of all arrays together.
    pub(super) fn total_bytes(&self) -> usize {
        self.nbytes * self.arrays
    }

    /// The shape as `3000,3000`, for command lines.
    pub(super) fn shape_arg(&self) -> String {
        let parts: Vec<String> = self.shape.iter().map(usize::to_string).collect();
        parts.join(",")
    }

    /// The shape as numpy prints it: `(3000, 3000)`, `(5,)`.
    pub(super) fn shape_text(&self) -> String {
        match self.shape.as_slice() {
            [one] => format!("({one},)"),
            dims => {
                let parts: Vec<String> = dims.iter().map(usize::to_string).collect();
                format!("({})", parts.join(", "))
            }
        }
    }

    /// The sum of every element of every array in run `round`.
    pub(super) fn expected_sum(&self, round: u64) -> f64 {
        (0..self.arrays)
            .map(|k| self.elements as f64 * f64::from(value(round, k)))
            .sum()
    }
}

/// Whether `speedup` can measure `dtype`: integers and floats of 1 to 8
/// bytes in native byte order (not bool, float16 or complex).
pub(super) fn supported(dtype: DType) -> bool {
    dtype.is_native()
        && match dtype.kind() {
            Kind::Int | Kind::UInt => true,
            Kind::Float => matches!(dtype.itemsize(), 4 | 8),
            _ => false,
        }
}

/// The fill value of array `k` in run `round` (1 to 100, so sums of up to
/// 2^46 elements are exact in float64). The Python script uses the same.
pub(super) fn value(round: u64, k: usize) -> u8 {
    ((round * 7 + k as u64) % 100 + 1) as u8
}

/// An element type `speedup` measures with: plain data (so buffers can be
/// read from a pipe without `unsafe`) that converts exactly to and from small
/// integers.
pub(super) trait Num: Element + bytemuck::Pod {
    /// The element holding `v`.
    fn from_small(v: u8) -> Self;
    /// The element as a float64.
    fn to_f64(self) -> f64;
}

macro_rules! num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            fn from_small(v: u8) -> Self {
                v as $t
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}

num!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// Calls `$f::<T>($args)` with `T` the element type of `$dtype`, which must
/// be [`supported`].
macro_rules! with_element {
    ($dtype:expr, $f:ident($($arg:expr),*)) => {{
        use shm_core::Kind;
        match ($dtype.kind(), $dtype.itemsize()) {
            (Kind::Int, 1) => $f::<i8>($($arg),*),
            (Kind::Int, 2) => $f::<i16>($($arg),*),
            (Kind::Int, 4) => $f::<i32>($($arg),*),
            (Kind::Int, 8) => $f::<i64>($($arg),*),
            (Kind::UInt, 1) => $f::<u8>($($arg),*),
            (Kind::UInt, 2) => $f::<u16>($($arg),*),
            (Kind::UInt, 4) => $f::<u32>($($arg),*),
            (Kind::UInt, 8) => $f::<u64>($($arg),*),
            (Kind::Float, 4) => $f::<f32>($($arg),*),
            (Kind::Float, 8) => $f::<f64>($($arg),*),
            _ => unreachable!("checked by Workload::from_args"),
        }
    }};
}
pub(super) use with_element;

/// The sum of `xs` in float64, in eight independent lanes so it vectorises
/// and runs at memory speed. Reads every element.
pub(super) fn sum<T: Num>(xs: &[T]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let mut blocks = xs.chunks_exact(8);
    for block in &mut blocks {
        for (lane, &x) in lanes.iter_mut().zip(block) {
            *lane += x.to_f64();
        }
    }
    let tail: f64 = blocks.remainder().iter().map(|&x| x.to_f64()).sum();
    lanes.iter().sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_exact_and_values_small() {
        let xs = vec![3.0f32; 1003];
        assert_eq!(sum(&xs), 3009.0);
        assert_eq!(sum(&[1u8, 2, 3]), 6.0);
        assert!((0..1000).all(|r| (1..=100).contains(&value(r, 3))));
    }

    #[test]
    fn dtypes_are_checked() {
        for ok in ["float32", "float64", "int8", "uint64"] {
            assert!(supported(DType::parse(ok).unwrap()), "{ok}");
        }
        for no in ["bool", "float16", "complex64"] {
            assert!(!supported(DType::parse(no).unwrap()), "{no}");
        }
        assert!(!supported(DType::parse("float32").unwrap().swapped()));
    }
}
