//! The framing between a parent and its child process.
//!
//! A request is a 16-byte header (operation and index as little-endian
//! `u32`s, payload length as a little-endian `u64`) followed by the payload.
//! A reply is 32 bytes: a status and three values, each a little-endian
//! `u64`. Requests go down the child's stdin (a pipe, or a channel the
//! parent set up, such as a Unix socket), which is also the data path of
//! copied hand-offs; replies come back on the child's stdout.
//!
//! Each protocol names its operations with [`ops!`](crate::ops); code 0
//! means "exit" in every protocol.

use std::io::{self, Read, Write};

/// Bytes of a request header.
pub const HEADER: usize = 16;
/// Bytes of a reply.
pub const REPLY: usize = 32;

/// An operation of a protocol: an enum whose variants have wire codes.
/// Declare one with [`ops!`](crate::ops).
pub trait Op: Copy {
    /// The wire code.
    fn code(self) -> u32;
    /// The operation a wire code stands for.
    fn from_code(code: u32) -> Option<Self>;
}

/// Declares a protocol's operations: a `Copy` enum with explicit wire codes
/// and its [`Op`] implementation.
///
/// ```
/// ipc_bench::ops! {
///     /// What the child does.
///     pub enum Op {
///         /// Leave the loop.
///         Exit = 0,
///         /// Reply at once.
///         Ping = 1,
///     }
/// }
/// use ipc_bench::wire::Op as _;
/// assert_eq!(Op::from_code(1), Some(Op::Ping));
/// ```
#[macro_export]
macro_rules! ops {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u32)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant = $code ),+
        }

        impl $crate::wire::Op for $name {
            fn code(self) -> u32 {
                self as u32
            }

            fn from_code(code: u32) -> Option<Self> {
                match code {
                    $( $code => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

/// Encodes a request header: `op` about item `index`, with `len` payload
/// bytes to follow.
pub fn header(op: impl Op, index: usize, len: usize) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..4].copy_from_slice(&op.code().to_le_bytes());
    h[4..8].copy_from_slice(&(index as u32).to_le_bytes());
    h[8..].copy_from_slice(&(len as u64).to_le_bytes());
    h
}

/// A request header as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<O> {
    /// What to do.
    pub op: O,
    /// Which item it is about (0 when the protocol has one).
    pub index: usize,
    /// Payload bytes that follow the header.
    pub len: usize,
}

/// Reads a request header; `None` at a clean end of file (the parent is
/// done).
pub fn read_header<O: Op>(r: &mut impl Read) -> io::Result<Option<Request<O>>> {
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
    let op = O::from_code(code)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("unknown op {code}")))?;
    let index = u32::from_le_bytes(h[4..8].try_into().expect("4 bytes")) as usize;
    let len = usize::try_from(u64::from_le_bytes(h[8..].try_into().expect("8 bytes")))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "length overflows"))?;
    Ok(Some(Request { op, index, len }))
}

/// A request with its header in front, in one buffer, so it goes out in one
/// `write` (or as few as the kernel needs for large payloads).
#[derive(Debug, Clone, Default)]
pub struct Frame {
    buf: Vec<u8>,
}

impl Frame {
    /// A frame for `op` with a zeroed payload of `len` bytes.
    pub fn new(op: impl Op, len: usize) -> Frame {
        let mut buf = vec![0u8; HEADER + len];
        buf[..HEADER].copy_from_slice(&header(op, 0, len));
        Frame { buf }
    }

    /// A frame for `op` carrying `payload`.
    pub fn with_payload(op: impl Op, payload: &[u8]) -> Frame {
        let mut f = Frame::default();
        f.set(op, payload);
        f
    }

    /// A frame with a header only, whose length field is `len` (for
    /// operations that announce a size and carry no payload).
    pub fn header_only(op: impl Op, len: usize) -> Frame {
        Frame {
            buf: header(op, 0, len).to_vec(),
        }
    }

    /// Replaces the request with `op` carrying `payload`, reusing the buffer.
    pub fn set(&mut self, op: impl Op, payload: &[u8]) {
        self.set_indexed(op, 0, payload);
    }

    /// Replaces the request with `op` about item `index` carrying `payload`,
    /// reusing the buffer.
    pub fn set_indexed(&mut self, op: impl Op, index: usize, payload: &[u8]) {
        self.buf.clear();
        self.buf
            .extend_from_slice(&header(op, index, payload.len()));
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
    /// The first value (a length, a count).
    pub a: u64,
    /// The second value (a checksum, a count), 0 when there is none.
    pub b: u64,
    /// The third value, 0 when there is none.
    pub c: u64,
}

impl Reply {
    /// A success with nothing to report.
    pub const OK: Reply = Reply::ok(0, 0, 0);

    /// A successful reply.
    pub const fn ok(a: u64, b: u64, c: u64) -> Reply {
        Reply { status: 0, a, b, c }
    }

    /// A failure reply.
    pub const fn failed() -> Reply {
        Reply {
            status: 1,
            ..Reply::OK
        }
    }

    /// Writes the reply in one `write` and flushes it.
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        let mut r = [0u8; REPLY];
        for (i, v) in [self.status, self.a, self.b, self.c]
            .into_iter()
            .enumerate()
        {
            r[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        w.write_all(&r)?;
        w.flush()
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
            c: word(3),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::ops! {
        /// A protocol for the tests.
        enum TestOp {
            /// Leave.
            Exit = 0,
            /// Carry bytes.
            Data = 7,
        }
    }

    #[test]
    fn frames_and_replies_round_trip() {
        let f = Frame::with_payload(TestOp::Data, b"{}");
        let mut r = f.bytes();
        let want = Request {
            op: TestOp::Data,
            index: 0,
            len: 2,
        };
        assert_eq!(read_header(&mut r).unwrap(), Some(want));
        assert_eq!(r, b"{}");
        assert_eq!(read_header::<TestOp>(&mut &b""[..]).unwrap(), None);
        assert!(read_header::<TestOp>(&mut &b"short"[..]).is_err());
        let unknown = header(TestOp::Exit, 0, 0);
        let mut unknown = unknown.to_vec();
        unknown[0] = 3;
        assert!(read_header::<TestOp>(&mut unknown.as_slice()).is_err());

        let h = header(TestOp::Exit, 9, 1 << 40);
        let want = Request {
            op: TestOp::Exit,
            index: 9,
            len: 1 << 40,
        };
        assert_eq!(read_header(&mut &h[..]).unwrap(), Some(want));

        let mut indexed = Frame::default();
        indexed.set_indexed(TestOp::Data, 4, b"abc");
        assert_eq!(indexed.payload(), b"abc");
        let got = read_header::<TestOp>(&mut indexed.bytes()).unwrap();
        assert_eq!(got.map(|r| r.index), Some(4));
        assert_eq!(Frame::new(TestOp::Data, 5).payload(), [0; 5]);
        assert_eq!(Frame::header_only(TestOp::Data, 5).bytes().len(), HEADER);

        let reply = Reply::ok(7, u64::MAX, 1.5e9f64.to_bits());
        let mut out = Vec::new();
        reply.write_to(&mut out).unwrap();
        assert_eq!(out.len(), REPLY);
        assert_eq!(Reply::read_from(&mut out.as_slice()).unwrap(), reply);
        assert_eq!(TestOp::from_code(7), Some(TestOp::Data));
        assert_eq!(TestOp::from_code(1), None);
        assert_eq!(TestOp::Data.code(), 7);
    }
}
