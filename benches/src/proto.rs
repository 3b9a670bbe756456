//! The framing between a bench and its child process.
//!
//! A request is a 16-byte header (operation as a little-endian `u64`, payload
//! length as a little-endian `u64`) followed by the payload. A reply is 24
//! bytes: a status and two values, each a little-endian `u64`. Replies go
//! back on a pipe of their own (the child's stdout); requests arrive on the
//! child's stdin, which is a pipe or one end of a Unix socket pair, and so is
//! also the data path of the copied hand-offs.

use std::io::{self, Read, Write};

/// Bytes of a request header.
pub const HEADER: usize = 16;
/// Bytes of a reply.
pub const REPLY: usize = 24;

/// What the child is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Op {
    /// Leave the loop and exit 0.
    Exit = 0,
    /// Allocate and pre-fault a receive buffer of `len` bytes (no payload).
    /// Reply: the buffer's size.
    Prepare = 1,
    /// Read the payload into the receive buffer. Reply: the length and the
    /// sum of the buffer's first and last 8-byte words (a stamp check).
    Recv = 2,
    /// As [`Op::Recv`], then read every byte. Reply: the length and the
    /// [`checksum`](crate::work::checksum) of the bytes received.
    RecvSum = 3,
    /// The payload is a descriptor (JSON): attach, make a `u8` view, touch no
    /// element. Reply: the view's length.
    Attach = 4,
    /// As [`Op::Attach`], then read every byte of the view. Reply: the length
    /// and its checksum.
    AttachSum = 5,
    /// The payload is a segment name: `shm_open`, `fstat`, `mmap` with bare
    /// `nix` calls. Reply: the size `fstat` reported.
    RawAttach = 6,
    /// Read a small payload and reply with its length and checksum.
    Ping = 7,
}

impl Op {
    /// The operation a wire code stands for.
    pub fn from_code(code: u64) -> Option<Op> {
        Some(match code {
            0 => Op::Exit,
            1 => Op::Prepare,
            2 => Op::Recv,
            3 => Op::RecvSum,
            4 => Op::Attach,
            5 => Op::AttachSum,
            6 => Op::RawAttach,
            7 => Op::Ping,
            _ => return None,
        })
    }
}

/// Encodes a request header.
pub fn header(op: Op, len: usize) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..8].copy_from_slice(&(op as u64).to_le_bytes());
    h[8..].copy_from_slice(&(len as u64).to_le_bytes());
    h
}

/// Reads a request header; `None` at a clean end of file (the parent is done).
pub fn read_header(r: &mut impl Read) -> io::Result<Option<(Op, usize)>> {
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
    let word = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().expect("8 bytes"));
    let op = Op::from_code(word(0)).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unknown op {}", word(0)),
        )
    })?;
    let len = usize::try_from(word(8))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "length overflows"))?;
    Ok(Some((op, len)))
}

/// A request with its header in front, in one buffer, so it goes out in one
/// `write` (or as few as the kernel needs for large payloads).
#[derive(Debug, Clone)]
pub struct Frame {
    buf: Vec<u8>,
}

impl Frame {
    /// A frame for `op` with a zeroed payload of `len` bytes.
    pub fn new(op: Op, len: usize) -> Frame {
        let mut buf = vec![0u8; HEADER + len];
        buf[..HEADER].copy_from_slice(&header(op, len));
        Frame { buf }
    }

    /// A frame for `op` carrying `payload`.
    pub fn with_payload(op: Op, payload: &[u8]) -> Frame {
        let mut f = Frame { buf: Vec::new() };
        f.set(op, payload);
        f
    }

    /// A frame with a header only, whose length field is `len` (for
    /// [`Op::Prepare`], which carries no payload).
    pub fn header_only(op: Op, len: usize) -> Frame {
        Frame {
            buf: header(op, len).to_vec(),
        }
    }

    /// Replaces the request with `op` carrying `payload`, reusing the buffer.
    pub fn set(&mut self, op: Op, payload: &[u8]) {
        self.buf.clear();
        self.buf.extend_from_slice(&header(op, payload.len()));
        self.buf.extend_from_slice(payload);
    }

    /// The payload.
    pub fn payload(&self) -> &[u8] {
        &self.buf[HEADER..]
    }

    /// The payload, to fill in place.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf[HEADER..]
    }

    /// Header and payload, as sent.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// The child's answer to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// 0 for success; anything else is a failure the child described on its
    /// stderr.
    pub status: u64,
    /// The first value (a length or size).
    pub a: u64,
    /// The second value (a checksum), 0 when the operation has none.
    pub b: u64,
}

impl Reply {
    /// A successful reply.
    pub fn ok(a: u64, b: u64) -> Reply {
        Reply { status: 0, a, b }
    }

    /// A failure reply.
    pub fn failed() -> Reply {
        Reply {
            status: 1,
            a: 0,
            b: 0,
        }
    }

    /// Writes the reply in one `write`.
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        let mut r = [0u8; REPLY];
        for (i, v) in [self.status, self.a, self.b].into_iter().enumerate() {
            r[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        w.write_all(&r)
    }

    /// Reads a reply.
    pub fn read_from(r: &mut impl Read) -> io::Result<Reply> {
        let mut b = [0u8; REPLY];
        r.read_exact(&mut b)?;
        let word = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        Ok(Reply {
            status: word(0),
            a: word(1),
            b: word(2),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_replies_round_trip() {
        let f = Frame::with_payload(Op::Attach, b"{}");
        let mut r = f.bytes();
        assert_eq!(read_header(&mut r).unwrap(), Some((Op::Attach, 2)));
        assert_eq!(r, b"{}");
        assert_eq!(read_header(&mut &b""[..]).unwrap(), None);
        assert!(read_header(&mut &b"short"[..]).is_err());

        let reply = Reply::ok(7, u64::MAX);
        let mut out = Vec::new();
        reply.write_to(&mut out).unwrap();
        assert_eq!(Reply::read_from(&mut out.as_slice()).unwrap(), reply);
        for code in 0..8 {
            assert_eq!(Op::from_code(code).map(|op| op as u64), Some(code));
        }
        assert_eq!(Op::from_code(8), None);
    }
}
