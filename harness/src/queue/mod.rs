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
//!
//! With `send --pool SLOTS` the arrays are lent from a pool
//! ([`shm_core::pool`]) instead of moved: the sender's stdin is the back
//! channel, and `recv` writes a release message (a JSON line among its
//! `INDEX SUM` lines) for each lent array it is done with.

mod pyrepr;

use std::io::{BufRead, Write};
use std::process::ExitCode;

use shm_core::pool::{Lent, Pool, PoolCache};
use shm_core::queue::{OsStream, Received, Receiver, Sender, read_release, release};
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
    let (out, input) = (std::io::stdout().lock(), std::io::stdin().lock());
    match args.pool {
        Some(slots) => send_pooled(out, input, &plan, slots),
        None => send_on(out, input, &plan, args.hold),
    }
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

    /// The bytes of one array.
    pub(crate) fn nbytes(&self) -> usize {
        self.shape.iter().product::<usize>() * self.dtype.itemsize()
    }

    /// The `INDEX SUM` line a receiver prints for array `i`.
    pub(crate) fn line(&self, i: u64) -> Result<String, Error> {
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

/// The sender's side with a pool of `slots` slots: the stream on `out`,
/// the releases on `back`. Each array is lent from a free slot, waiting for
/// a release when none is; after the end message, releases are taken until
/// `back` ends, and the pool is unlinked (every slot then comes back: the
/// receiver is gone).
///
/// Errors: those of the pool and the stream; [`Error::Truncated`] when
/// `back` ends while the sender waits for a slot (the receiver is gone
/// with every slot), [`Error::InvalidMessage`] for a bad release.
pub(crate) fn send_pooled<W, R>(out: W, mut back: R, plan: &Plan, slots: u64) -> Result<(), Error>
where
    W: Write + OsStream,
    R: BufRead,
{
    let slots = usize::try_from(slots)
        .map_err(|_| Error::InvalidArgument("too many slots for this machine".into()))?;
    let mut pool = Pool::create(slots, plan.nbytes().max(1))?;
    let mut tx = Sender::over(out)?;
    for i in 0..plan.count {
        let loan = loop {
            if let Some(loan) = pool.lend(&plan.shape, plan.dtype)? {
                break loan;
            }
            match read_release(&mut back)? {
                Some(released) => pool.reclaim(released)?,
                None => return Err(Error::Truncated { received: i }),
            }
        };
        shm_core::scalar::fill(plan.dtype, value_for(plan.dtype, i), pool.bytes_mut(&loan)?)?;
        tx.lend(&mut pool, &loan)?;
    }
    tx.finish()?;
    while let Some(released) = read_release(&mut back)? {
        pool.reclaim(released)?;
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
/// array on `out`, and there too the release of each lent array once it
/// is done with.
pub(crate) fn recv_on<R: BufRead, W: Write>(
    mut input: R,
    mut out: W,
    how: RecvHow,
) -> Result<(), Error> {
    let mut rx = Receiver::new(&mut input)?;
    let mut cache = PoolCache::new();
    let mut held = Vec::new();
    let mut index = 0u64;
    while how.take.is_none_or(|k| index < k) {
        if how.stall_after == Some(index) {
            loop {
                std::thread::park();
            }
        }
        let Some(received) = rx.recv_any(&mut cache)? else {
            break;
        };
        writeln!(out, "{index} {}", received_sum(&received)?)
            .and_then(|()| out.flush())
            .map_err(|e| Error::io("write", &e))?;
        match received {
            Received::Lent(lent) if !how.hold => release(&mut out, lent)?,
            other => held.push(other),
        }
        index += 1;
    }
    if how.take.is_some() {
        rx.close_releasing(&mut out)?;
    } else if how.hold {
        drop(rx);
        wait_for_eof(&mut input);
    }
    for received in held {
        if let Received::Lent(lent) = received {
            release(&mut out, lent)?;
        }
    }
    Ok(())
}

/// The `SUM` of a received array, moved or lent.
fn received_sum(received: &Received) -> Result<String, Error> {
    match received {
        Received::Owned(array) => sum_text(array),
        Received::Lent(lent) => lent_sum(lent),
    }
}

/// The `SUM` of a lent array (its slot checked as it is read).
fn lent_sum(lent: &Lent) -> Result<String, Error> {
    let dtype = lent.descriptor().dtype();
    Ok(scalar_text(shm_core::scalar::sum(dtype, lent.bytes()?)?))
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
