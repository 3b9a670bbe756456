//! The sending end: arrays moved on the stream, or lent from a pool with
//! the releases coming back on a second stream.

use std::io::{BufRead, Write};

use shm_core::Error;
use shm_core::pool::Pool;
use shm_core::queue::{OsStream, Sender, read_release};

use super::{Plan, make, value_for};

/// The sender's side: the stream on `out`; with `hold`, waits for
/// `signal` to end after the end message.
pub fn send_on<W, R>(out: W, mut signal: R, plan: &Plan, hold: bool) -> Result<(), Error>
where
    W: Write + OsStream,
    R: BufRead,
{
    let mut tx = Sender::over(out)?;
    send_all(&mut tx, plan)?;
    if hold {
        super::wait_for_eof(&mut signal);
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
pub fn send_pooled<W, R>(out: W, mut back: R, plan: &Plan, slots: u64) -> Result<(), Error>
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
