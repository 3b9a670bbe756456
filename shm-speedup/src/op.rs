//! The operations of the `speedup` protocol, and what the consumer reports
//! for a run.
//!
//! Framing is [`ipc_bench::wire`]: requests go down the consumer's stdin as
//! a header (operation, array index, payload length) and the payload (an
//! array's bytes, or a descriptor); replies come back on its stdout. The
//! pipes are widened to 1 MiB on Linux, so copies move in large chunks.

use ipc_bench::wire::Reply;

ipc_bench::ops! {
    /// What the consumer is asked to do.
    pub(super) enum Op {
        /// Exit 0.
        Exit = 0,
        /// The payload is array `index`'s bytes: read them into its buffer.
        Hold = 1,
        /// As [`Op::Hold`], then sum every element.
        Sum = 2,
        /// The payload is a descriptor: attach and make a typed view,
        /// touching no element.
        Attach = 3,
        /// As [`Op::Attach`], then sum every element.
        AttachSum = 4,
        /// End of a run: reply with what was received, keep holding it.
        Done = 5,
        /// Drop the arrays of the last run, if any, and reply (outside the
        /// clock; also the round trip that wakes the consumer before a
        /// clock).
        Release = 6,
    }
}

/// What the consumer received in a run: its answer to [`Op::Done`], carried
/// in a reply's three values.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Received {
    /// Arrays received.
    pub(super) arrays: u64,
    /// Elements in the arrays received.
    pub(super) elements: u64,
    /// The sum of their elements (`Sum`, `AttachSum`), of their first and
    /// last elements (`Hold`), or 0 (`Attach`, which touches no element).
    pub(super) value: f64,
}

impl Received {
    /// As a successful reply: arrays, elements and the value's bits.
    pub(super) fn reply(self) -> Reply {
        Reply::ok(self.arrays, self.elements, self.value.to_bits())
    }

    /// Read back from a reply.
    pub(super) fn from_reply(r: Reply) -> Received {
        Received {
            arrays: r.a,
            elements: r.b,
            value: f64::from_bits(r.c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_survives_its_reply() {
        let r = Received {
            arrays: 10,
            elements: 90_000_000,
            value: 1.5e9,
        };
        assert_eq!(r.reply().status, 0);
        assert_eq!(Received::from_reply(r.reply()), r);
    }
}
