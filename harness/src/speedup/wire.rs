//! The framing between the `speedup` producer and its consumer process.
//!
//! Requests go down the consumer's stdin: a 16-byte header (operation and
//! array index as little-endian `u32`s, payload length as a little-endian
//! `u64`) and the payload (an array's bytes, or a descriptor). Replies come
//! back on its stdout, 32 bytes: status, arrays, elements (little-endian
//! `u64`s) and a value (little-endian `f64`). On Linux both pipes are raised
//! to 1 MiB, so copies move in large chunks.

use std::io::{self, Read, Write};

/// Bytes of a request header.
pub(super) const HEADER: usize = 16;

/// What the consumer is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// Exit 0.
    Exit = 0,
    /// The payload is array `index`'s bytes: read them into its buffer.
    Hold = 1,
    /// As [`Op::Hold`], then sum every element.
    Sum = 2,
    /// The payload is a descriptor: attach and make a typed view, touching
    /// no element.
    Attach = 3,
    /// As [`Op::Attach`], then sum every element.
    AttachSum = 4,
    /// End of a run: reply with what was received, keep holding it.
    Done = 5,
    /// Drop the arrays of the last run, if any, and reply (outside the
    /// clock; also the round trip that wakes the consumer before a clock).
    Release = 6,
}

impl Op {
    fn from_code(code: u32) -> Option<Op> {
        Some(match code {
            0 => Op::Exit,
            1 => Op::Hold,
            2 => Op::Sum,
            3 => Op::Attach,
            4 => Op::AttachSum,
            5 => Op::Done,
            6 => Op::Release,
            _ => return None,
        })
    }
}

/// Encodes a request header.
pub(super) fn header(op: Op, index: usize, len: usize) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..4].copy_from_slice(&(op as u32).to_le_bytes());
    h[4..8].copy_from_slice(&(index as u32).to_le_bytes());
    h[8..].copy_from_slice(&(len as u64).to_le_bytes());
    h
}

/// Reads a request header: `None` at a clean end of file.
pub(super) fn read_header(r: &mut impl Read) -> io::Result<Option<(Op, usize, usize)>> {
    let mut h = [0u8; HEADER];
    let mut got = 0;
    while got < HEADER {
        match r.read(&mut h[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let code = u32::from_le_bytes(h[..4].try_into().expect("4 bytes"));
    let op = Op::from_code(code)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("unknown op {code}")))?;
    let index = u32::from_le_bytes(h[4..8].try_into().expect("4 bytes")) as usize;
    let len = usize::try_from(u64::from_le_bytes(h[8..].try_into().expect("8 bytes")))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "length overflows"))?;
    Ok(Some((op, index, len)))
}

/// The consumer's answer to [`Op::Done`] (and, with zeros, to the others
/// that expect one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Reply {
    /// 0 for success.
    pub(super) status: u64,
    /// Arrays received in the run.
    pub(super) arrays: u64,
    /// Elements in the arrays received.
    pub(super) elements: u64,
    /// The sum of their elements (`Sum`, `AttachSum`), of their first and
    /// last elements (`Hold`), or 0 (`Attach`, which touches no element).
    pub(super) value: f64,
}

impl Reply {
    /// A success with nothing to report (ready, released).
    pub(super) const OK: Reply = Reply {
        status: 0,
        arrays: 0,
        elements: 0,
        value: 0.0,
    };

    /// Writes the reply in one `write` and flushes it.
    pub(super) fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&self.status.to_le_bytes());
        b[8..16].copy_from_slice(&self.arrays.to_le_bytes());
        b[16..24].copy_from_slice(&self.elements.to_le_bytes());
        b[24..].copy_from_slice(&self.value.to_le_bytes());
        w.write_all(&b)?;
        w.flush()
    }

    /// Reads a reply.
    pub(super) fn read_from(r: &mut impl Read) -> io::Result<Reply> {
        let mut b = [0u8; 32];
        r.read_exact(&mut b)?;
        let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        Ok(Reply {
            status: word(0),
            arrays: word(8),
            elements: word(16),
            value: f64::from_bits(word(24)),
        })
    }
}

/// Raises a pipe to 1 MiB (`F_SETPIPE_SZ`, Linux; the default
/// `pipe-max-size`, so no privilege is needed). Best effort: a pipe that
/// stays smaller only makes the copied figures slower.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn widen_pipe(pipe: &impl std::os::fd::AsFd) {
    use nix::fcntl::{FcntlArg, fcntl};
    let _ = fcntl(pipe.as_fd(), FcntlArg::F_SETPIPE_SZ(1 << 20));
}

/// Pipes keep their size on this OS.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn widen_pipe<T>(_pipe: &T) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_replies_round_trip() {
        let h = header(Op::Sum, 9, 1 << 40);
        assert_eq!(
            read_header(&mut &h[..]).unwrap(),
            Some((Op::Sum, 9, 1 << 40))
        );
        assert_eq!(read_header(&mut &b""[..]).unwrap(), None);
        assert!(read_header(&mut &h[..5]).is_err());
        let r = Reply {
            status: 0,
            arrays: 10,
            elements: 90_000_000,
            value: 1.5e9,
        };
        let mut out = Vec::new();
        r.write_to(&mut out).unwrap();
        assert_eq!(Reply::read_from(&mut out.as_slice()).unwrap(), r);
    }
}
