//! The receiving end: one `INDEX SUM` line per array, and the release of
//! each lent array once it is done with.

use std::io::{BufRead, Write};

use shm_core::Error;
use shm_core::pool::{Lent, PoolCache};
use shm_core::queue::{Received, Receiver, release};

use super::{RecvHow, scalar_text, sum_text, wait_for_eof};

/// The receiver's side: the stream on `input`, one `INDEX SUM` line per
/// array on `out`, and there too the release of each lent array once it
/// is done with.
pub fn recv_on<R: BufRead, W: Write>(mut input: R, mut out: W, how: RecvHow) -> Result<(), Error> {
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
