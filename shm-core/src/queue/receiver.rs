//! [`Receiver`]: takes shared arrays off a stream and owns them.

use std::io::BufRead;

use super::wire::{self, Line, Message};
use crate::array::SharedArray;
use crate::error::{Error, Result};

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
        if self.ended {
            return Ok(None);
        }
        match next(&mut self.input, self.received)? {
            Message::Array { seq, descriptor } => {
                let expected = self.received;
                self.received += 1;
                if seq != expected {
                    return Err(Error::InvalidMessage(format!(
                        "array seq {seq} where {expected} was next"
                    )));
                }
                let mut array = SharedArray::attach(&descriptor)?;
                if let Some(segment) = array.segment_mut() {
                    segment.adopt();
                }
                Ok(Some(array))
            }
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
    /// messages that are bad. Returns how many arrays it freed. It waits
    /// for the sender to finish or go away.
    ///
    /// Errors: only a failed read of the stream itself ([`Error::Os`]).
    pub fn close(mut self) -> Result<u64> {
        let mut freed = 0;
        loop {
            match self.recv() {
                Ok(Some(array)) => {
                    drop(array);
                    freed += 1;
                }
                Ok(None) | Err(Error::Truncated { .. }) => return Ok(freed),
                Err(e @ Error::Os { .. }) => return Err(e),
                Err(_) => continue,
            }
        }
    }
}

/// The next message, or [`Error::Truncated`] after `received` arrays.
fn next<R: BufRead>(input: &mut R, received: u64) -> Result<Message> {
    match wire::read_line(input)? {
        Line::Text(text) => Message::parse(&text),
        Line::Eof | Line::Cut => Err(Error::Truncated { received }),
    }
}
