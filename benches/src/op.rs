//! What a bench asks its child to do. Requests and replies are framed by
//! [`ipc_bench::wire`]: a header (operation, index 0, payload length) and
//! the payload; a reply's `a` and `b` carry the values named here (`c` is
//! always 0).

ipc_bench::ops! {
    /// What the child is asked to do.
    pub enum Op {
        /// Leave the loop and exit 0.
        Exit = 0,
        /// Allocate and pre-fault a receive buffer of `len` bytes (no
        /// payload). Reply: the buffer's size.
        Prepare = 1,
        /// Read the payload into the receive buffer. Reply: the length and
        /// the sum of the buffer's first and last 8-byte words (a stamp
        /// check).
        Recv = 2,
        /// As [`Op::Recv`], then read every byte. Reply: the length and the
        /// [`checksum`](crate::work::checksum) of the bytes received.
        RecvSum = 3,
        /// The payload is a descriptor (JSON): attach, make a `u8` view,
        /// touch no element. Reply: the view's length.
        Attach = 4,
        /// As [`Op::Attach`], then read every byte of the view. Reply: the
        /// length and its checksum.
        AttachSum = 5,
        /// The payload is a segment name: `shm_open`, `fstat`, `mmap` with
        /// bare `nix` calls. Reply: the size `fstat` reported.
        RawAttach = 6,
        /// Read a small payload and reply with its length and checksum.
        Ping = 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipc_bench::wire::Op as _;

    #[test]
    fn codes_are_the_variants() {
        for code in 0..8 {
            assert_eq!(Op::from_code(code).map(Op::code), Some(code));
        }
        assert_eq!(Op::from_code(8), None);
    }
}
