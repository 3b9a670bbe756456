//! The work every variant does on the bytes, so results can be checked.
//!
//! The producer writes every byte with [`fill`]; the consumer reads every
//! byte with [`checksum`], a wrapping sum of native-endian 8-byte words that
//! the compiler vectorises, so it runs at memory speed and its expected value
//! is known in closed form ([`expected_checksum`]).

/// The byte value to fill with for iteration `i` (never 0, so a buffer left
/// zeroed is caught).
pub fn fill_byte(i: u64) -> u8 {
    (i % 251) as u8 + 1
}

/// Writes `byte` into every byte of `buf` (a `memset`).
pub fn fill(buf: &mut [u8], byte: u8) {
    buf.fill(byte);
}

/// Touches every page of `buf` so later writes and reads take no page
/// faults: what a careful engineer does to a preallocated receive buffer.
pub fn prefault(buf: &mut [u8]) {
    fill(buf, 0x5a);
}

/// A wrapping sum of `bytes` as native-endian 8-byte words (a short tail is
/// zero-padded). Reads every byte.
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut lanes = [0u64; 8];
    let mut blocks = bytes.chunks_exact(64);
    for block in &mut blocks {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = lane.wrapping_add(u64::from_ne_bytes(word.try_into().expect("8 bytes")));
        }
    }
    let mut total = lanes.iter().fold(0u64, |a, &b| a.wrapping_add(b));
    for tail in blocks.remainder().chunks(8) {
        let mut word = [0u8; 8];
        word[..tail.len()].copy_from_slice(tail);
        total = total.wrapping_add(u64::from_ne_bytes(word));
    }
    total
}

/// The [`checksum`] of `len` bytes all equal to `byte`, in closed form
/// (`len` a multiple of 8).
pub fn expected_checksum(len: usize, byte: u8) -> u64 {
    assert_eq!(len % 8, 0, "closed form needs whole words");
    let word = u64::from_ne_bytes([byte; 8]);
    (len as u64 / 8).wrapping_mul(word)
}

/// Writes `stamp` into the first and last 8 bytes of `buf` (at least 16).
pub fn stamp(buf: &mut [u8], stamp: u64) {
    let n = buf.len();
    buf[..8].copy_from_slice(&stamp.to_ne_bytes());
    buf[n - 8..].copy_from_slice(&stamp.to_ne_bytes());
}

/// The sum of the first and last 8-byte words of `buf`: twice the stamp
/// after [`stamp`]. Touches two words only.
pub fn stamp_check(buf: &[u8]) -> u64 {
    if buf.len() < 16 {
        return 0;
    }
    let n = buf.len();
    let first = u64::from_ne_bytes(buf[..8].try_into().expect("8 bytes"));
    let last = u64::from_ne_bytes(buf[n - 8..].try_into().expect("8 bytes"));
    first.wrapping_add(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(bytes: &[u8]) -> u64 {
        bytes.chunks(8).fold(0u64, |acc, w| {
            let mut word = [0u8; 8];
            word[..w.len()].copy_from_slice(w);
            acc.wrapping_add(u64::from_ne_bytes(word))
        })
    }

    #[test]
    fn checksum_matches_a_naive_sum_and_the_closed_form() {
        let mixed: Vec<u8> = (0..1000u32).map(|i| (i * 37 % 256) as u8).collect();
        for n in [0, 1, 7, 8, 63, 64, 65, 999, 1000] {
            assert_eq!(checksum(&mixed[..n]), naive(&mixed[..n]), "n={n}");
        }
        for byte in [1, 7, 255] {
            let buf = vec![byte; 4096 + 64];
            assert_eq!(checksum(&buf), expected_checksum(buf.len(), byte));
        }
    }

    #[test]
    fn stamps_are_seen() {
        let mut buf = vec![0u8; 64];
        stamp(&mut buf, 21);
        assert_eq!(stamp_check(&buf), 42);
        assert!((0..1000).all(|i| fill_byte(i) != 0));
    }
}
