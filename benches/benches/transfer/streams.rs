//! The queue-stream children: `bench-child --queue`, `--pool` and
//! `--pool-sum`, each fed one `shm_core::queue` stream for a whole group.

use std::time::{Duration, Instant};

use benches::sizes::label;
use benches::work;
use shm_core::Element;

use super::{CHILD, shared_array, view_bytes};

/// A `bench-child` that receives a queue stream (`--queue` or `--pool`):
/// the sending end of the stream and the child's replies.
pub(crate) struct StreamChild {
    flag: &'static str,
    child: std::process::Child,
    tx: shm_core::queue::Sender<std::process::ChildStdin>,
    from: std::io::BufReader<std::process::ChildStdout>,
}

impl StreamChild {
    pub(crate) fn spawn(flag: &'static str) -> StreamChild {
        use std::process::{Command, Stdio};
        let mut child = Command::new(CHILD)
            .arg(flag)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start bench-child {flag}: {e}"));
        let to = child.stdin.take().expect("piped stdin");
        let from = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let tx = shm_core::queue::Sender::over(to).expect("the open message");
        StreamChild {
            flag,
            child,
            tx,
            from,
        }
    }

    /// The child's next reply line.
    pub(crate) fn line(&mut self) -> String {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut self.from, &mut line).expect("a reply");
        line.trim_end().to_owned()
    }

    /// Ends the stream and waits for the child to exit 0.
    pub(crate) fn finish(mut self) {
        self.tx.finish().expect("the end message");
        drop(self.tx);
        let status = self
            .child
            .wait()
            .unwrap_or_else(|e| panic!("bench-child {}: {e}", self.flag));
        assert!(
            status.success(),
            "bench-child {} failed: {status}",
            self.flag
        );
    }
}

/// `bench-child --pool` (or `--pool-sum`) and a pool of two slots of one
/// size: the receiving end maps the pool once, then every hand-off is a
/// message and a cache hit.
pub(crate) struct PoolChild {
    end: StreamChild,
    pool: shm_core::pool::Pool,
    size: usize,
    sent: u64,
}

impl PoolChild {
    /// The child (`flag`) and a pool for `size`-byte arrays, every page
    /// touched, or `None` (with a note) when shared memory has no room.
    pub(crate) fn spawn(size: usize, flag: &'static str) -> Option<PoolChild> {
        let mut pool = match shm_core::pool::Pool::create(2, size) {
            Ok(p) => p,
            Err(e @ shm_core::Error::OutOfSpace { .. }) => {
                eprintln!("skipping the pool {flag} bench at {}: {e}", label(size));
                return None;
            }
            Err(e) => panic!("cannot create a pool for {}: {e}", label(size)),
        };
        for _ in 0..2 {
            let loan = pool
                .lend(&[size], u8::dtype())
                .expect("lend")
                .expect("a slot");
            work::prefault(pool.bytes_mut(&loan).expect("the slot"));
            let r = loan.pool_ref();
            pool.reclaim(r).expect("reclaim");
        }
        Some(PoolChild {
            end: StreamChild::spawn(flag),
            pool,
            size,
            sent: 0,
        })
    }

    /// `iters` hand-offs: a slot lent and stamped before the clock; the
    /// clock covers the message and the child's cache hit, check and view,
    /// and stops at its reply; the release is read and reclaimed after.
    pub(crate) fn handoffs(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let loan = self
                .pool
                .lend(&[self.size], u8::dtype())
                .expect("lend")
                .expect("a free slot");
            let byte = work::fill_byte(self.sent);
            self.pool.bytes_mut(&loan).expect("the slot")[0] = byte;
            let t = Instant::now();
            self.end.tx.lend(&mut self.pool, &loan).expect("hand-off");
            let reply = self.end.line();
            total += t.elapsed();
            self.sent += 1;
            assert_eq!(
                reply,
                format!("{} {byte}", self.size),
                "the child's view has the parent's bytes"
            );
            let released = shm_core::queue::read_release(&mut self.end.from)
                .expect("a release")
                .expect("the child released the slot");
            assert_eq!(released, loan.pool_ref());
            self.pool.reclaim(released).expect("reclaim");
        }
        total
    }

    /// `iters` arrays filled here and summed by the child (`--pool-sum`),
    /// from the first fill to the last sum back: two slots in turn, so the
    /// fill of one overlaps the child's sum of the other, as
    /// `two_thread_floor`'s two buffers do. Each sum is checked.
    pub(crate) fn end_to_end(&mut self, iters: u64) -> Duration {
        let mut in_flight = std::collections::VecDeque::new();
        let t = Instant::now();
        for _ in 0..iters {
            let loan = match self.pool.lend(&[self.size], u8::dtype()).expect("lend") {
                Some(loan) => loan,
                None => {
                    self.collect(&mut in_flight);
                    let lent = self.pool.lend(&[self.size], u8::dtype()).expect("lend");
                    lent.expect("a slot came back")
                }
            };
            let byte = work::fill_byte(self.sent);
            self.sent += 1;
            work::fill(self.pool.bytes_mut(&loan).expect("the slot"), byte);
            self.end.tx.lend(&mut self.pool, &loan).expect("hand-off");
            in_flight.push_back(byte);
        }
        while !in_flight.is_empty() {
            self.collect(&mut in_flight);
        }
        t.elapsed()
    }

    /// The child's sum of the oldest array in flight, checked, and its slot
    /// back.
    pub(crate) fn collect(&mut self, in_flight: &mut std::collections::VecDeque<u8>) {
        let byte = in_flight.pop_front().expect("an array in flight");
        let reply = self.end.line();
        assert_eq!(
            reply,
            format!("{} {}", self.size, work::expected_checksum(self.size, byte)),
            "the child summed the parent's bytes"
        );
        let released = shm_core::queue::read_release(&mut self.end.from)
            .expect("a release")
            .expect("the child released the slot");
        self.pool.reclaim(released).expect("reclaim");
    }

    pub(crate) fn finish(self) {
        self.end.finish();
    }
}

/// `bench-child --queue`, the receiving end of one queue stream for the
/// whole group.
pub(crate) struct QueueChild {
    end: StreamChild,
    sent: u64,
}

impl QueueChild {
    pub(crate) fn spawn() -> QueueChild {
        QueueChild {
            end: StreamChild::spawn("--queue"),
            sent: 0,
        }
    }

    /// `iters` hand-offs of new `size`-byte arrays, each made and filled
    /// (every page touched) before its clock; the clock covers the move
    /// (lease in transit, message) and the child's attach, adoption and
    /// view, and stops at its reply. The child frees each array after
    /// replying, and the parent unmaps its own, both off the clock.
    pub(crate) fn handoffs(&mut self, size: usize, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let mut array = shared_array(size).expect("room for the array");
            let byte = work::fill_byte(self.sent);
            work::fill(view_bytes(&mut array), byte);
            let t = Instant::now();
            self.end.tx.hand_over(&mut array).expect("hand-off");
            let reply = self.end.line();
            total += t.elapsed();
            self.sent += 1;
            assert_eq!(
                reply,
                format!("{size} {byte}"),
                "the child's view has the parent's bytes"
            );
            drop(array);
            assert_eq!(self.end.line(), "freed");
        }
        total
    }

    pub(crate) fn finish(self) {
        self.end.finish();
    }
}
