//! The two ends of `shm-harness queue send|recv`: the queue of
//! [`shm_core::queue`] on stdout and stdin, so that any process (a shell
//! pipeline, the catalogue's runner, another language) can use and test it.
//!
//! `send` makes `--count` arrays, array `i` filled with `i` (cast as numpy's
//! `astype` casts an int64: integers wrap, bool is `i != 0`, floats round),
//! and writes one message per array. `recv` prints one line per array,
//! `INDEX SUM`, the sum of its elements as Python prints
//! `float(a.sum(dtype=float64))` (for complex dtypes
//! `complex(a.sum(dtype=complex128))`), and frees each array once printed.
//! Both print one `error:` line and exit with the code of its kind on
//! failure.
//!
//! With `send --pool SLOTS` the arrays are lent from a pool
//! ([`shm_core::pool`]) instead of moved: the sender's stdin is the back
//! channel, and `recv` writes a release message (a JSON line among its
//! `INDEX SUM` lines) for each lent array it is done with.

mod pyrepr;
mod recv;
mod send;

use shm_core::{Complex, DType, Error, Kind, Scalar, SharedArray, f16};

pub use recv::recv_on;
pub use send::{send_on, send_pooled};

/// The value array `i` of a stream holds, in `dtype`.
pub fn value_for(dtype: DType, i: u64) -> Scalar {
    let bits = 8 * dtype.itemsize() as u32;
    let i = i128::from(i);
    match dtype.kind() {
        Kind::Bool => Scalar::Bool(i != 0),
        Kind::UInt => Scalar::Int(i & ((1i128 << bits) - 1)),
        Kind::Int => {
            let low = i & ((1i128 << bits) - 1);
            Scalar::Int(if low >> (bits - 1) == 1 {
                low - (1i128 << bits)
            } else {
                low
            })
        }
        Kind::Float => match dtype.itemsize() {
            2 => Scalar::F16(f16::from_f64(i as f64)),
            4 => Scalar::F32(i as f32),
            _ => Scalar::F64(i as f64),
        },
        Kind::Complex => match dtype.itemsize() {
            8 => Scalar::C64(Complex::new(i as f32, 0.0)),
            _ => Scalar::C128(Complex::new(i as f64, 0.0)),
        },
    }
}

/// The `SUM` of a `recv` line: the sum as Python prints it.
pub fn sum_text(array: &SharedArray) -> Result<String, Error> {
    Ok(scalar_text(array.sum()?))
}

/// A sum as Python prints `float(s)`, or `complex(s)` for complex sums.
pub(crate) fn scalar_text(sum: Scalar) -> String {
    match sum {
        Scalar::Int(n) => pyrepr::float(n as f64),
        Scalar::C128(c) => pyrepr::complex(c.re, c.im),
        other => pyrepr::float(other.real().unwrap_or(f64::NAN)),
    }
}

/// Makes the stream's array `i`.
pub fn make(shape: &[usize], dtype: DType, i: u64) -> Result<SharedArray, Error> {
    let mut array = SharedArray::create_dtype(None, shape, dtype)?;
    array.fill(value_for(dtype, i))?;
    Ok(array)
}

/// What a sender sends: `count` arrays of `shape` and `dtype`.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Each array's shape.
    pub shape: Vec<usize>,
    /// Each array's dtype.
    pub dtype: DType,
    /// How many arrays.
    pub count: u64,
}

impl Plan {
    /// Reads the command line's words.
    pub fn parse(shape: &str, dtype: &str, count: u64) -> Result<Plan, Error> {
        Ok(Plan {
            shape: crate::arguments::parse_shape(shape)?,
            dtype: DType::parse(dtype)?,
            count,
        })
    }

    /// The bytes of one array.
    pub fn nbytes(&self) -> usize {
        self.shape.iter().product::<usize>() * self.dtype.itemsize()
    }

    /// The `INDEX SUM` line a receiver prints for array `i`.
    pub fn line(&self, i: u64) -> Result<String, Error> {
        let mut bytes = vec![0u8; self.nbytes()];
        shm_core::scalar::fill(self.dtype, value_for(self.dtype, i), &mut bytes)?;
        Ok(format!(
            "{i} {}",
            scalar_text(shm_core::scalar::sum(self.dtype, &bytes)?)
        ))
    }
}

/// How a receiver takes its arrays.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecvHow {
    /// Keep every array until `input` ends after the end message.
    pub hold: bool,
    /// Take this many, then close the queue (the rest are freed).
    pub take: Option<u64>,
    /// Stop reading after this many and wait to be killed (crash tests).
    pub stall_after: Option<u64>,
}

/// Reads `input` to its end (the holder of our stdin closing it).
pub(crate) fn wait_for_eof<R: std::io::BufRead>(input: &mut R) {
    let _ = std::io::copy(input, &mut std::io::sink());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cast_as_numpy_casts_an_int64() {
        let d = |s: &str| DType::parse(s).unwrap();
        assert_eq!(value_for(d("uint8"), 300), Scalar::Int(44));
        assert_eq!(value_for(d("int8"), 200), Scalar::Int(-56));
        assert_eq!(value_for(d(">i2"), 5), Scalar::Int(5));
        assert_eq!(value_for(d("bool"), 0), Scalar::Bool(false));
        assert_eq!(value_for(d("bool"), 7), Scalar::Bool(true));
        assert_eq!(
            value_for(d("float16"), 2049),
            Scalar::F16(f16::from_f64(2048.0))
        );
        assert_eq!(
            value_for(d("complex64"), 3),
            Scalar::C64(Complex::new(3.0, 0.0))
        );
    }

    #[test]
    fn sums_print_as_python_prints_them() {
        let d = |s: &str| DType::parse(s).unwrap();
        let text = |dtype: &str, i| sum_text(&make(&[2, 2], d(dtype), i).unwrap()).unwrap();
        assert_eq!(text("int32", 3), "12.0");
        assert_eq!(text("bool", 3), "4.0");
        assert_eq!(text("<c16", 3), "(12+0j)");
        assert_eq!(text("complex64", 0), "0j");
        assert_eq!(text(">f8", 2), "8.0");
    }
}
