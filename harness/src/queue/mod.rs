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

use shm_core::queue::{OsStream, Receiver, Sender};
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
    Ok(scalar_text(array.sum()?))
}

/// A sum as Python prints `float(s)`, or `complex(s)` for complex sums.
fn scalar_text(sum: Scalar) -> String {
    match sum {
        Scalar::Int(n) => pyrepr::float(n as f64),
        Scalar::C128(c) => pyrepr::complex(c.re, c.im),
        other => pyrepr::float(other.real().unwrap_or(f64::NAN)),
    }
}

/// Makes the stream's array `i`.
pub(crate) fn make(shape: &[usize], dtype: DType, i: u64) -> Result<SharedArray, Error> {
    let mut array = SharedArray::create_dtype(None, shape, dtype)?;
    array.fill(value_for(dtype, i))?;
    Ok(array)
}

fn send(args: &QueueSendArgs) -> Result<(), Error> {
    let plan = Plan::parse(&args.shape, &args.dtype, args.count)?;
    send_on(
        std::io::stdout().lock(),
        std::io::stdin().lock(),
        &plan,
        args.hold,
    )
}

fn recv(args: &QueueRecvArgs) -> Result<(), Error> {
    let how = RecvHow {
        hold: args.hold,
        take: args.take,
        stall_after: args.stall_after,
    };
    recv_on(std::io::stdin().lock(), std::io::stdout().lock(), how)
}

/// What a sender sends: `count` arrays of `shape` and `dtype`.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) shape: Vec<usize>,
    pub(crate) dtype: DType,
    pub(crate) count: u64,
}

impl Plan {
    /// Reads the command line's words.
    pub(crate) fn parse(shape: &str, dtype: &str, count: u64) -> Result<Plan, Error> {
        Ok(Plan {
            shape: words::parse_shape(shape)?,
            dtype: DType::parse(dtype)?,
            count,
        })
    }

    /// The `INDEX SUM` line a receiver prints for array `i`.
    pub(crate) fn line(&self, i: u64) -> Result<String, Error> {
        let n: usize = self.shape.iter().product();
        let mut bytes = vec![0u8; n * self.dtype.itemsize()];
        shm_core::scalar::fill(self.dtype, value_for(self.dtype, i), &mut bytes)?;
        Ok(format!(
            "{i} {}",
            scalar_text(shm_core::scalar::sum(self.dtype, &bytes)?)
        ))
    }
}

/// How a receiver takes its arrays.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RecvHow {
    /// Keep every array until `input` ends after the end message.
    pub(crate) hold: bool,
    /// Take this many, then close the queue (the rest are freed).
    pub(crate) take: Option<u64>,
    /// Stop reading after this many and wait to be killed (crash tests).
    pub(crate) stall_after: Option<u64>,
}

/// The sender's side: the stream on `out`; with `hold`, waits for
/// `signal` to end after the end message.
pub(crate) fn send_on<W, R>(out: W, mut signal: R, plan: &Plan, hold: bool) -> Result<(), Error>
where
    W: Write + OsStream,
    R: BufRead,
{
    let mut tx = Sender::over(out)?;
    send_all(&mut tx, plan)?;
    if hold {
        wait_for_eof(&mut signal);
    }
    Ok(())
}

fn send_all<W: Write>(tx: &mut Sender<W>, plan: &Plan) -> Result<(), Error> {
    for i in 0..plan.count {
        tx.send(make(&plan.shape, plan.dtype, i)?)?;
    }
    tx.finish()
}

/// The receiver's side: the stream on `input`, one `INDEX SUM` line per
/// array on `out`.
pub(crate) fn recv_on<R: BufRead, W: Write>(
    mut input: R,
    mut out: W,
    how: RecvHow,
) -> Result<(), Error> {
    let mut rx = Receiver::new(&mut input)?;
    let mut held = Vec::new();
    let mut index = 0u64;
    while how.take.is_none_or(|k| index < k) {
        if how.stall_after == Some(index) {
            loop {
                std::thread::park();
            }
        }
        let Some(array) = rx.recv()? else { break };
        writeln!(out, "{index} {}", sum_text(&array)?)
            .and_then(|()| out.flush())
            .map_err(|e| Error::io("write", &e))?;
        if how.hold {
            held.push(array);
        }
        index += 1;
    }
    if how.take.is_some() {
        rx.close()?;
    } else if how.hold {
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
