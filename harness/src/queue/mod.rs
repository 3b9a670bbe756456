//! `shm-harness queue send` and `queue recv`: the queue of
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

mod pyrepr;

use std::io::{BufRead, Write};
use std::process::ExitCode;

use shm_core::queue::{Receiver, Sender};
use shm_core::{Complex, DType, Error, Kind, Scalar, SharedArray, f16};

use crate::cli::{QueueArgs, QueueCommand, QueueRecvArgs, QueueSendArgs};
use crate::exit::fail_with;
use crate::words;

/// `shm-harness queue`.
pub(crate) fn queue(args: &QueueArgs) -> ExitCode {
    let result = match &args.command {
        QueueCommand::Send(a) => send(a),
        QueueCommand::Recv(a) => recv(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail_with(&e),
    }
}

/// The value array `i` of a stream holds, in `dtype`.
pub(crate) fn value_for(dtype: DType, i: u64) -> Scalar {
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
pub(crate) fn sum_text(array: &SharedArray) -> Result<String, Error> {
    Ok(match array.sum()? {
        Scalar::Int(n) => pyrepr::float(n as f64),
        Scalar::C128(c) => pyrepr::complex(c.re, c.im),
        other => pyrepr::float(other.real().unwrap_or(f64::NAN)),
    })
}

/// Makes the stream's array `i`.
pub(crate) fn make(shape: &[usize], dtype: DType, i: u64) -> Result<SharedArray, Error> {
    let mut array = SharedArray::create_dtype(None, shape, dtype)?;
    array.fill(value_for(dtype, i))?;
    Ok(array)
}

fn send(args: &QueueSendArgs) -> Result<(), Error> {
    let shape = words::parse_shape(&args.shape)?;
    let dtype = DType::parse(&args.dtype)?;
    let out = std::io::stdout().lock();
    #[cfg(unix)]
    let mut tx = Sender::over(out)?;
    #[cfg(not(unix))]
    let mut tx = Sender::new(out)?;
    for i in 0..args.count {
        tx.send(make(&shape, dtype, i)?)?;
    }
    tx.finish()?;
    if args.hold {
        wait_for_eof(&mut std::io::stdin().lock());
    }
    Ok(())
}

fn recv(args: &QueueRecvArgs) -> Result<(), Error> {
    let mut input = std::io::stdin().lock();
    let mut out = std::io::stdout().lock();
    let mut rx = Receiver::new(&mut input)?;
    let mut held = Vec::new();
    let mut index = 0u64;
    while args.take.is_none_or(|k| index < k) {
        let Some(array) = rx.recv()? else { break };
        writeln!(out, "{index} {}", sum_text(&array)?)
            .and_then(|()| out.flush())
            .map_err(|e| Error::io("write", &e))?;
        if args.hold {
            held.push(array);
        }
        index += 1;
    }
    if args.take.is_some() {
        rx.close()?;
    } else if args.hold {
        drop(rx);
        wait_for_eof(&mut input);
    }
    drop(held);
    Ok(())
}

/// Reads `input` to its end (the holder of our stdin closing it).
fn wait_for_eof<R: BufRead>(input: &mut R) {
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
