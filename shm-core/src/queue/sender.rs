//! [`Sender`]: puts shared arrays on a stream, handing each over.

use std::io::Write;

use ndarray::{ArrayBase, Data, Dimension};

use super::wire::Message;
use crate::array::SharedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::lease::StreamKey;
use crate::pool::{Loan, Pool};

/// A stream the OS can name: a file descriptor on Unix, a handle on Windows
/// (pipes, sockets, files, a child's stdin, this process's stdout).
#[cfg(unix)]
pub trait OsStream: std::os::fd::AsFd {}
#[cfg(unix)]
impl<T: std::os::fd::AsFd> OsStream for T {}

/// A stream the OS can name: a file descriptor on Unix, a handle on Windows
/// (pipes, sockets, files, a child's stdin, this process's stdout).
#[cfg(windows)]
pub trait OsStream: std::os::windows::io::AsHandle {}
#[cfg(windows)]
impl<T: std::os::windows::io::AsHandle> OsStream for T {}

/// The sending end of a queue: writes the `open` message at once, one
/// `array` message per [`send`](Self::send), and `end` at
/// [`finish`](Self::finish). A sender dropped without `finish` leaves a
/// truncated stream; the arrays it sent stay in transit for the receiver.
#[derive(Debug)]
pub struct Sender<W: Write> {
    out: W,
    key: StreamKey,
    sent: u64,
    finished: bool,
    /// Windows: sent arrays stay mapped while the sender lives (a mapping
    /// dies with its last handle).
    #[cfg(windows)]
    kept: Vec<SharedArray>,
}

impl<W: Write> Sender<W> {
    /// A sender on `out`, whose OS object is not known: `clean` resolves
    /// its arrays in transit as plain hand-overs (spared while the sender
    /// lives or a process maps them).
    pub fn new(out: W) -> Result<Sender<W>> {
        let id = crate::name::generate()?;
        Sender::start(out, StreamKey::unknown(&id))
    }

    /// A sender on a pipe, socket or file: on Unix its device and inode go
    /// into the lease of every array in transit, so `clean` spares those
    /// arrays while any process holds the stream (Windows keeps no ledger).
    pub fn over(out: W) -> Result<Sender<W>>
    where
        W: OsStream,
    {
        let id = crate::name::generate()?;
        #[cfg(unix)]
        let key = StreamKey::of(&id, out.as_fd());
        #[cfg(not(unix))]
        let key = StreamKey::unknown(&id);
        Sender::start(out, key)
    }

    /// A sender on a stream whose OS object the caller identified itself:
    /// its `(device, inode)` and, for a regular file, its path, as
    /// [`over`](Self::over) reads them from the stream. For callers that
    /// hold the stream only as a descriptor number (a binding for another
    /// language, which writes through that language's file object), so
    /// `clean` still spares arrays in transit while any process holds the
    /// stream.
    pub fn identified(
        out: W,
        object: Option<(u64, u64)>,
        path: Option<String>,
    ) -> Result<Sender<W>> {
        let mut key = StreamKey::unknown(&crate::name::generate()?);
        key.object = object;
        key.path = path;
        Sender::start(out, key)
    }

    fn start(mut out: W, key: StreamKey) -> Result<Sender<W>> {
        write_line(
            &mut out,
            &Message::Open {
                stream: key.id.clone(),
            },
        )?;
        Ok(Sender {
            out,
            key,
            sent: 0,
            finished: false,
            #[cfg(windows)]
            kept: Vec::new(),
        })
    }

    /// The stream's id, as its messages and leases carry it.
    pub fn stream(&self) -> &str {
        &self.key.id
    }

    /// How many arrays were sent.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Hands `array` to the receiver: the lease is marked in transit, then
    /// the message is written. The array must be one this process owns (it
    /// created or adopted it). If the write fails the array is freed here
    /// and the error returned ([`Error::Os`] with `write`: `EPIPE` when the
    /// receiver is gone).
    pub fn send(&mut self, mut array: SharedArray) -> Result<()> {
        self.hand_over(&mut array)?;
        #[cfg(windows)]
        self.kept.push(array);
        Ok(())
    }

    /// Hands `array` to the receiver as [`send`](Self::send) does, but the
    /// caller keeps its mapping: `array` no longer owns the segment
    /// (dropping it unmaps without unlinking), so the caller can unmap off
    /// its hot path (unmapping a large, touched mapping costs more than the
    /// hand-off) or keep reading it. If the write fails, `array` owns the
    /// segment again and the error is returned.
    pub fn hand_over(&mut self, array: &mut SharedArray) -> Result<()> {
        if self.finished {
            return Err(Error::InvalidArgument("the stream has ended".into()));
        }
        let message = Message::Array {
            seq: self.sent,
            descriptor: array.descriptor().clone(),
            pool: None,
        };
        let segment = match array.segment_mut() {
            Some(s) if s.is_owner() => s,
            _ => {
                return Err(Error::InvalidArgument(
                    "only an array this process owns can be sent".into(),
                ));
            }
        };
        segment.disown_to(&self.key);
        if let Err(e) = write_line(&mut self.out, &message) {
            segment.adopt();
            return Err(e);
        }
        self.sent += 1;
        Ok(())
    }

    /// Lends a slot of `pool` (see [`crate::pool`]): the message carries
    /// its descriptor and pool reference; the pool stays this process's
    /// (its lease says it lends on this stream, so that a crash of this
    /// process loses nothing still in the stream), and the slot comes back
    /// on the back channel.
    ///
    /// Errors: [`Error::InvalidArgument`] after [`finish`](Self::finish) or
    /// for a loan that is not out from `pool`; the write's [`Error::Os`].
    pub fn lend(&mut self, pool: &mut Pool, loan: &Loan) -> Result<()> {
        if self.finished {
            return Err(Error::InvalidArgument("the stream has ended".into()));
        }
        pool.check(loan.pool_ref())?;
        self.bind(pool);
        write_line(
            &mut self.out,
            &Message::Array {
                seq: self.sent,
                descriptor: loan.descriptor().clone(),
                pool: Some(loan.pool_ref()),
            },
        )?;
        self.sent += 1;
        Ok(())
    }

    /// [`lend`](Self::lend) for several slots of `pool` at once: every
    /// message goes out in one write, so the receiver wakes once for the
    /// batch instead of once per array.
    pub fn lend_all(&mut self, pool: &mut Pool, loans: &[Loan]) -> Result<()> {
        if self.finished {
            return Err(Error::InvalidArgument("the stream has ended".into()));
        }
        for loan in loans {
            pool.check(loan.pool_ref())?;
        }
        self.bind(pool);
        let mut batch = String::new();
        for (k, loan) in loans.iter().enumerate() {
            let message = Message::Array {
                seq: self.sent + k as u64,
                descriptor: loan.descriptor().clone(),
                pool: Some(loan.pool_ref()),
            };
            batch.push_str(&message.to_line());
        }
        self.out
            .write_all(batch.as_bytes())
            .and_then(|()| self.out.flush())
            .map_err(|e| Error::io("write", &e))?;
        self.sent += loans.len() as u64;
        Ok(())
    }

    /// Records in `pool`'s lease that it lends on this stream, which
    /// [`lend`](Self::lend) does at its first loan of each pool; call it
    /// before lending to keep that ledger write off the hand-off's path.
    pub fn bind(&mut self, pool: &mut Pool) {
        pool.bind(&self.key);
    }

    /// Copies a plain `ndarray` into a new shared array and sends that.
    pub fn send_copy<T, S, D>(&mut self, array: &ArrayBase<S, D>) -> Result<()>
    where
        T: Element,
        S: Data<Elem = T>,
        D: Dimension,
    {
        self.send(SharedArray::from_array(array)?)
    }

    /// Writes the `end` message (once; later calls do nothing). The sender
    /// may then be dropped; on Windows, drop it only once the receiver has
    /// attached what it sent.
    pub fn finish(&mut self) -> Result<()> {
        if !self.finished {
            write_line(&mut self.out, &Message::End { count: self.sent })?;
            self.finished = true;
        }
        Ok(())
    }
}

fn write_line<W: Write>(out: &mut W, message: &Message) -> Result<()> {
    out.write_all(message.to_line().as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("write", &e))
}
