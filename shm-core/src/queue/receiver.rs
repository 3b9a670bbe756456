//! [`Receiver`]: takes shared arrays off a stream and owns them.

use std::io::{BufRead, Write};

use super::wire::{self, Line, Message};
use crate::array::SharedArray;
use crate::descriptor::Descriptor;
use crate::error::{Error, Result};
use crate::pool::{Lent, PoolCache, PoolRef};

/// The receiving end of a queue: reads the `open` message at once, then
/// one array per [`recv`](Self::recv) until `end`. Each array arrives
/// attached and adopted: the receiver owns it, and dropping it unlinks it.
///
/// A bad message is a typed error and costs nothing already received: the
/// arrays returned before are the caller's, and reading may go on with the
/// next message. Dropping a receiver without [`close`](Self::close)
/// leaves the arrays still on the stream in transit; `clean` reclaims them
/// once sender and stream are gone.
#[derive(Debug)]
pub struct Receiver<R: BufRead> {
    input: R,
    stream: String,
    received: u64,
    ended: bool,
}

impl<R: BufRead> Receiver<R> {
    /// Reads the stream's `open` message.
    ///
    /// Errors: [`Error::Truncated`] for an empty stream,
    /// [`Error::InvalidMessage`] when the first line is not `open`.
    pub fn new(mut input: R) -> Result<Receiver<R>> {
        match next(&mut input, 0)? {
            Message::Open { stream } => Ok(Receiver {
                input,
                stream,
                received: 0,
                ended: false,
            }),
            _ => Err(Error::InvalidMessage(
                "the stream does not start with an open message".into(),
            )),
        }
    }

    /// The stream's id.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// How many array messages were read (attached or not).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The next array, attached and owned, or `None` after the `end`
    /// message.
    ///
    /// Errors: [`Error::Truncated`] when the stream stops without `end`,
    /// [`Error::InvalidMessage`] for a line that is not the next message
    /// (garbage, a sequence gap, an `end` whose count is wrong), and the
    /// attach errors of [`SharedArray::attach`] (`NotFound`,
    /// `SizeMismatch`, ...) for an array that cannot be attached, which is
    /// left where it is.
    pub fn recv(&mut self) -> Result<Option<SharedArray>> {
        match self.next_array(None)? {
            None => Ok(None),
            Some(Received::Owned(a)) => Ok(Some(a)),
            Some(Received::Lent(_)) => unreachable!("no cache, no lent array"),
        }
    }

    /// The next array, moved or lent: lent arrays are resolved through
    /// `cache` (see [`crate::pool`]) and given back with [`release`].
    pub fn recv_any(&mut self, cache: &mut PoolCache) -> Result<Option<Received>> {
        self.next_array(Some(cache))
    }

    fn next_array(&mut self, cache: Option<&mut PoolCache>) -> Result<Option<Received>> {
        match self.next_message()? {
            None => Ok(None),
            Some((descriptor, None)) => Ok(Some(Received::Owned(take_over(&descriptor)?))),
            Some((descriptor, Some(p))) => match cache {
                Some(cache) => Ok(Some(Received::Lent(cache.resolve(&descriptor, p)?))),
                None => Err(Error::InvalidMessage(
                    "a lent array: receive it with recv_any and a pool cache".into(),
                )),
            },
        }
    }

    /// The next array message's descriptor (and pool slot, if lent), or
    /// `None` after `end`; the sequence and count checks of [`recv`](Self::recv).
    fn next_message(&mut self) -> Result<Option<(Descriptor, Option<PoolRef>)>> {
        if self.ended {
            return Ok(None);
        }
        match next(&mut self.input, self.received)? {
            Message::Array {
                seq,
                descriptor,
                pool,
            } => {
                let expected = self.received;
                self.received += 1;
                if seq != expected {
                    return Err(Error::InvalidMessage(format!(
                        "array seq {seq} where {expected} was next"
                    )));
                }
                Ok(Some((descriptor, pool)))
            }
            Message::Release { .. } => Err(Error::InvalidMessage(
                "a release message on the forward stream".into(),
            )),
            Message::End { count } => {
                self.ended = true;
                if count != self.received {
                    return Err(Error::InvalidMessage(format!(
                        "end says {count} arrays, {} arrived",
                        self.received
                    )));
                }
                Ok(None)
            }
            Message::Open { .. } => Err(Error::InvalidMessage(
                "a second open message inside the stream".into(),
            )),
        }
    }

    /// Closes the queue early: reads the rest of the stream (to `end` or
    /// until it stops) and frees every array on it at once, skipping
    /// messages that are bad; a lent array is skipped (see
    /// [`close_releasing`](Self::close_releasing)). Returns how many arrays
    /// it freed. It waits for the sender to finish or go away.
    ///
    /// Errors: only a failed read of the stream itself ([`Error::Os`]).
    pub fn close(self) -> Result<u64> {
        self.close_to(None::<&mut std::io::Sink>)
    }

    /// [`close`](Self::close) for a stream that may carry lent arrays:
    /// each one still on it is given back on `back` at once, unread and
    /// unmapped. Returns how many arrays it freed or gave back.
    ///
    /// Errors: a failed read of the stream or write of `back`
    /// ([`Error::Os`]).
    pub fn close_releasing<W: Write>(self, back: &mut W) -> Result<u64> {
        self.close_to(Some(back))
    }

    fn close_to<W: Write>(mut self, mut back: Option<&mut W>) -> Result<u64> {
        let mut done = 0;
        loop {
            match self.next_message() {
                Ok(None) | Err(Error::Truncated { .. }) => return Ok(done),
                Ok(Some((descriptor, None))) => {
                    if take_over(&descriptor).is_ok() {
                        done += 1;
                    }
                }
                Ok(Some((_, Some(pool)))) => {
                    if let Some(back) = back.as_mut() {
                        write_release(back, pool)?;
                        done += 1;
                    }
                }
                Err(e @ Error::Os { .. }) => return Err(e),
                Err(_) => continue,
            }
        }
    }
}

/// Attaches a moved array and adopts it: this process owns it now.
fn take_over(descriptor: &Descriptor) -> Result<SharedArray> {
    let mut array = SharedArray::attach(descriptor)?;
    if let Some(segment) = array.segment_mut() {
        segment.adopt();
    }
    Ok(array)
}

/// What [`Receiver::recv_any`] gives: an array moved to this process, or
/// one lent from a pool.
#[derive(Debug)]
pub enum Received {
    /// Attached and adopted: this process owns it.
    Owned(SharedArray),
    /// A view of a pool slot, to give back with [`release`].
    Lent(Lent),
}

/// Gives a lent array back: writes its release on the back channel.
pub fn release<W: Write>(back: &mut W, lent: Lent) -> Result<()> {
    write_release(back, lent.release())
}

fn write_release<W: Write>(back: &mut W, pool: PoolRef) -> Result<()> {
    let line = Message::Release { pool }.to_line();
    back.write_all(line.as_bytes())
        .and_then(|()| back.flush())
        .map_err(|e| Error::io("write", &e))
}

/// Reads one release from the back channel (`None` at its end).
pub fn read_release<R: BufRead>(back: &mut R) -> Result<Option<PoolRef>> {
    match wire::read_line(back)? {
        Line::Text(text) => match Message::parse(&text)? {
            Message::Release { pool } => Ok(Some(pool)),
            _ => Err(Error::InvalidMessage(
                "the back channel carries releases only".into(),
            )),
        },
        Line::Eof | Line::Cut => Ok(None),
    }
}

/// The next message, or [`Error::Truncated`] after `received` arrays.
fn next<R: BufRead>(input: &mut R, received: u64) -> Result<Message> {
    match wire::read_line(input)? {
        Line::Text(text) => Message::parse(&text),
        Line::Eof | Line::Cut => Err(Error::Truncated { received }),
    }
}
