//! Criterion benches: handing an array from one process to another, shared
//! by descriptor against copied, next to their floors.
//!
//! Ids (sizes 4KiB to 256MiB, `attach` up to 1GiB):
//! `handoff/{shared,queue,pool,pipe,unix_socket}/<size>`,
//! `end_to_end/{shared,pipe,in_process_floor}/<size>`, `attach/<size>`,
//! `floor/memcpy/<size>`, `floor/pipe_roundtrip_64B`,
//! `floor/handoff_raw/<size>`, `descriptor/parse`, `descriptor/emit`.
//!
//! Every cross-process bench talks to a persistent `bench-child` spawned
//! once per group (start-up is never timed) and uses `iter_custom`, timing
//! each request from the first byte sent to the reply read. Each bench checks
//! its result (a length, a stamp or a checksum from the child) on every
//! iteration, and an untimed check first proves the child sees the parent's
//! bytes. Segments are owned by `SharedArray` values or [`RawSegment`]
//! guards, so they are removed on every path, panics included.
//!
//! `SHM_BENCH_MAX_SIZE=16MiB` skips larger sizes; `cargo bench -p benches --
//! --test` runs every bench once (what CI does).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use benches::op::Op;
use benches::peer::{self, Transport};
use benches::raw::RawSegment;
use benches::sizes::{self, MIB, label};
use benches::work;
use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use ipc_bench::link::Link;
use ipc_bench::wire::Frame;
use shm_core::{Descriptor, Element, SharedArray};

/// The child program, built by cargo alongside this bench.
const CHILD: &str = env!("CARGO_BIN_EXE_bench-child");

fn spawn(transport: Transport) -> Link {
    peer::spawn(Path::new(CHILD), transport).expect("cannot start bench-child")
}

/// Many samples for microsecond operations; ten flat samples for ones that
/// take tens of milliseconds, so a run stays short.
fn tune(group: &mut BenchmarkGroup<'_, WallTime>, size: usize) {
    group.throughput(Throughput::Bytes(size as u64));
    if size >= 16 * MIB {
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .measurement_time(Duration::from_secs(3));
    } else {
        group
            .sampling_mode(SamplingMode::Auto)
            .sample_size(50)
            .measurement_time(Duration::from_secs(2));
    }
}

/// A zero-filled `uint8` array of `size` bytes in a new segment, or `None`
/// (with a note) when shared memory has no room for it.
fn shared_array(size: usize) -> Option<SharedArray> {
    match SharedArray::create_dtype(None, &[size], u8::dtype()) {
        Ok(a) => Some(a),
        Err(e @ shm_core::Error::OutOfSpace { .. }) => {
            eprintln!("skipping {}: {e}", label(size));
            None
        }
        Err(e) => panic!("cannot create a {} segment: {e}", label(size)),
    }
}

/// The array's bytes through a typed view, the way a user writes them.
fn view_bytes(array: &mut SharedArray) -> &mut [u8] {
    array
        .view_mut::<u8>()
        .expect("a uint8 view")
        .into_slice()
        .expect("a C-order array is contiguous")
}

/// A receive buffer of `len` bytes with every page already touched.
fn prefaulted(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    work::prefault(&mut v);
    v
}

fn handoff(c: &mut Criterion) {
    let sizes = sizes::capped(&sizes::TRANSFER);
    let max = sizes.iter().copied().max().unwrap_or(0);
    let mut pipe = spawn(Transport::Pipe);
    let mut socket = spawn(Transport::UnixSocket);
    peer::prepare(&mut pipe, max).expect("prepare");
    peer::prepare(&mut socket, max).expect("prepare");
    let mut queue = QueueChild::spawn();
    let mut g = c.benchmark_group("handoff");
    for &size in &sizes {
        tune(&mut g, size);
        let id = label(size);
        if let Some(mut array) = shared_array(size) {
            let byte = work::fill_byte(size as u64);
            work::fill(view_bytes(&mut array), byte);
            let json = array.descriptor().to_json();
            let check = pipe
                .request(&Frame::with_payload(Op::AttachSum, json.as_bytes()))
                .expect("attach and sum");
            assert_eq!(
                (check.a, check.b),
                (size as u64, work::expected_checksum(size, byte)),
                "the child must see the parent's bytes"
            );
            let mut frame = Frame::with_payload(Op::Attach, &[]);
            g.bench_function(BenchmarkId::new("shared", &id), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        frame.set(Op::Attach, array.descriptor().to_json().as_bytes());
                        let reply = pipe.request(&frame).expect("hand-off");
                        total += t.elapsed();
                        assert_eq!(reply.a, size as u64, "the child's view has every element");
                    }
                    total
                })
            });
        }
        if shared_array(size).is_some() {
            g.bench_function(BenchmarkId::new("queue", &id), |b| {
                b.iter_custom(|iters| queue.handoffs(size, iters))
            });
        }
        if let Some(mut lender) = PoolChild::spawn(size) {
            g.bench_function(BenchmarkId::new("pool", &id), |b| {
                b.iter_custom(|iters| lender.handoffs(iters))
            });
            lender.finish();
        }
        let mut data = Frame::new(Op::Recv, size);
        work::prefault(data.payload_mut());
        for (name, peer) in [("pipe", &mut pipe), ("unix_socket", &mut socket)] {
            g.bench_function(BenchmarkId::new(name, &id), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for i in 1..=iters {
                        // A fresh stamp each time proves these bytes arrived.
                        work::stamp(data.payload_mut(), i);
                        let t = Instant::now();
                        let reply = peer.request(&data).expect("copy");
                        total += t.elapsed();
                        assert_eq!((reply.a, reply.b), (size as u64, 2 * i));
                    }
                    total
                })
            });
        }
    }
    g.finish();
    pipe.finish(Op::Exit).expect("pipe child");
    socket.finish(Op::Exit).expect("socket child");
    queue.finish();
}

/// `bench-child --pool` and a pool of two slots of one size: the receiving
/// end maps the pool once, then every hand-off is a message and a cache hit.
struct PoolChild {
    child: std::process::Child,
    pool: shm_core::pool::Pool,
    tx: shm_core::queue::Sender<std::process::ChildStdin>,
    from: std::io::BufReader<std::process::ChildStdout>,
    size: usize,
    sent: u64,
}

impl PoolChild {
    /// The child and a pool for `size`-byte arrays, every page touched, or
    /// `None` (with a note) when shared memory has no room for it.
    fn spawn(size: usize) -> Option<PoolChild> {
        use std::process::{Command, Stdio};
        let mut pool = match shm_core::pool::Pool::create(2, size) {
            Ok(p) => p,
            Err(e @ shm_core::Error::OutOfSpace { .. }) => {
                eprintln!("skipping handoff/pool/{}: {e}", label(size));
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
        let mut child = Command::new(CHILD)
            .arg("--pool")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start bench-child --pool");
        let to = child.stdin.take().expect("piped stdin");
        let from = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let tx = shm_core::queue::Sender::over(to).expect("the open message");
        Some(PoolChild {
            child,
            pool,
            tx,
            from,
            size,
            sent: 0,
        })
    }

    /// `iters` hand-offs: a slot lent and stamped before the clock; the
    /// clock covers the message and the child's cache hit, check and view,
    /// and stops at its reply; the release is read and reclaimed after.
    fn handoffs(&mut self, iters: u64) -> Duration {
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
            self.tx.lend(&loan).expect("hand-off");
            let mut reply = String::new();
            std::io::BufRead::read_line(&mut self.from, &mut reply).expect("a reply");
            total += t.elapsed();
            self.sent += 1;
            assert_eq!(
                reply.trim_end(),
                format!("{} {byte}", self.size),
                "the child's view has the parent's bytes"
            );
            let released = shm_core::queue::read_release(&mut self.from)
                .expect("a release")
                .expect("the child released the slot");
            assert_eq!(released, loan.pool_ref());
            self.pool.reclaim(released).expect("reclaim");
        }
        total
    }

    fn finish(mut self) {
        self.tx.finish().expect("the end message");
        drop(self.tx);
        let status = self.child.wait().expect("bench-child --pool");
        assert!(status.success(), "bench-child --pool failed: {status}");
    }
}

/// `bench-child --queue`, the receiving end of one queue stream for the
/// whole group.
struct QueueChild {
    child: std::process::Child,
    tx: shm_core::queue::Sender<std::process::ChildStdin>,
    from: std::io::BufReader<std::process::ChildStdout>,
    sent: u64,
}

impl QueueChild {
    fn spawn() -> QueueChild {
        use std::process::{Command, Stdio};
        let mut child = Command::new(CHILD)
            .arg("--queue")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start bench-child --queue");
        let to = child.stdin.take().expect("piped stdin");
        let from = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let tx = shm_core::queue::Sender::over(to).expect("the open message");
        QueueChild {
            child,
            tx,
            from,
            sent: 0,
        }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut self.from, &mut line).expect("a reply");
        line.trim_end().to_owned()
    }

    /// `iters` hand-offs of new `size`-byte arrays, each made and filled
    /// (every page touched) before its clock; the clock covers the move
    /// (lease in transit, message) and the child's attach, adoption and
    /// view, and stops at its reply. The child frees each array after
    /// replying, and the parent unmaps its own, both off the clock.
    fn handoffs(&mut self, size: usize, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let mut array = shared_array(size).expect("room for the array");
            let byte = work::fill_byte(self.sent);
            work::fill(view_bytes(&mut array), byte);
            let t = Instant::now();
            self.tx.hand_over(&mut array).expect("hand-off");
            let reply = self.line();
            total += t.elapsed();
            self.sent += 1;
            assert_eq!(
                reply,
                format!("{size} {byte}"),
                "the child's view has the parent's bytes"
            );
            drop(array);
            assert_eq!(self.line(), "freed");
        }
        total
    }

    fn finish(mut self) {
        self.tx.finish().expect("the end message");
        drop(self.tx);
        let status = self.child.wait().expect("bench-child --queue");
        assert!(status.success(), "bench-child --queue failed: {status}");
    }
}

fn end_to_end(c: &mut Criterion) {
    let sizes = sizes::capped(&sizes::TRANSFER);
    let max = sizes.iter().copied().max().unwrap_or(0);
    let mut pipe = spawn(Transport::Pipe);
    peer::prepare(&mut pipe, max).expect("prepare");
    let mut g = c.benchmark_group("end_to_end");
    for &size in &sizes {
        tune(&mut g, size);
        let id = label(size);
        if let Some(mut array) = shared_array(size) {
            let mut frame = Frame::with_payload(Op::AttachSum, &[]);
            g.bench_function(BenchmarkId::new("shared", &id), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for i in 0..iters {
                        let byte = work::fill_byte(i);
                        let t = Instant::now();
                        work::fill(view_bytes(&mut array), byte);
                        frame.set(Op::AttachSum, array.descriptor().to_json().as_bytes());
                        let reply = pipe.request(&frame).expect("hand-off and sum");
                        total += t.elapsed();
                        assert_eq!(
                            (reply.a, reply.b),
                            (size as u64, work::expected_checksum(size, byte))
                        );
                    }
                    total
                })
            });
        }
        let mut data = Frame::new(Op::RecvSum, size);
        work::prefault(data.payload_mut());
        g.bench_function(BenchmarkId::new("pipe", &id), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for i in 0..iters {
                    let byte = work::fill_byte(i);
                    let t = Instant::now();
                    work::fill(data.payload_mut(), byte);
                    let reply = pipe.request(&data).expect("copy and sum");
                    total += t.elapsed();
                    assert_eq!(
                        (reply.a, reply.b),
                        (size as u64, work::expected_checksum(size, byte))
                    );
                }
                total
            })
        });
        drop(data);
        let mut buf = prefaulted(size);
        g.bench_function(BenchmarkId::new("in_process_floor", &id), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for i in 0..iters {
                    let byte = work::fill_byte(i);
                    let t = Instant::now();
                    work::fill(&mut buf, byte);
                    let sum = work::checksum(black_box(&buf));
                    total += t.elapsed();
                    assert_eq!(sum, work::expected_checksum(size, byte));
                }
                total
            })
        });
    }
    g.finish();
    pipe.finish(Op::Exit).expect("pipe child");
}

fn attach(c: &mut Criterion) {
    let mut g = c.benchmark_group("attach");
    for size in sizes::capped(&sizes::ATTACH) {
        tune(&mut g, size);
        // Zero-filled by the OS and never touched: attach cost alone.
        let Some(array) = shared_array(size) else {
            continue;
        };
        let descriptor = array.descriptor().clone();
        g.bench_function(label(size), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let attached = SharedArray::attach(black_box(&descriptor)).expect("attach");
                    total += t.elapsed();
                    assert_eq!(attached.bytes().len(), size);
                    // Unmapping is not part of attach; it happens here.
                    drop(attached);
                }
                total
            })
        });
    }
    g.finish();
}

fn floor(c: &mut Criterion) {
    let sizes = sizes::capped(&sizes::TRANSFER);
    let mut g = c.benchmark_group("floor");
    for &size in &sizes {
        tune(&mut g, size);
        let mut src = prefaulted(size);
        let mut dst = prefaulted(size);
        let mut round = 0;
        g.bench_function(BenchmarkId::new("memcpy", label(size)), |b| {
            b.iter_custom(|iters| {
                round += 1;
                let byte = work::fill_byte(round);
                work::fill(&mut src, byte);
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(&mut dst).copy_from_slice(black_box(&src));
                }
                let spent = t.elapsed();
                assert_eq!(
                    work::checksum(&dst),
                    work::expected_checksum(size, byte),
                    "memcpy copied every byte"
                );
                spent
            })
        });
    }

    let mut pipe = spawn(Transport::Pipe);
    g.throughput(Throughput::Bytes(64))
        .sampling_mode(SamplingMode::Auto)
        .sample_size(50)
        .measurement_time(Duration::from_secs(2));
    let payload: Vec<u8> = (0..64u8).collect();
    let ping = Frame::with_payload(Op::Ping, &payload);
    let expected = work::checksum(&payload);
    g.bench_function("pipe_roundtrip_64B", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let reply = pipe.request(&ping).expect("ping");
                total += t.elapsed();
                assert_eq!((reply.a, reply.b), (64, expected));
            }
            total
        })
    });

    for &size in &sizes {
        tune(&mut g, size);
        let segment = match RawSegment::create(size) {
            Ok(s) => s,
            Err(e) => panic!("cannot create a raw {} segment: {e}", label(size)),
        };
        let frame = Frame::with_payload(Op::RawAttach, segment.name().as_bytes());
        g.bench_function(BenchmarkId::new("handoff_raw", label(size)), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let reply = pipe.request(&frame).expect("raw hand-off");
                    total += t.elapsed();
                    assert_eq!(reply.a, size as u64, "the child mapped the whole segment");
                }
                total
            })
        });
        drop(segment);
    }
    g.finish();
    pipe.finish(Op::Exit).expect("pipe child");
}

fn descriptor(c: &mut Criterion) {
    let original = Descriptor::build(
        Some("shmc_5f2a9c0e7b1d4a63"),
        &[3000, 3000],
        f32::dtype(),
        shm_core::Order::C,
        0,
        Some(36_000_000),
    )
    .expect("a valid descriptor");
    let json = original.to_json();
    assert_eq!(Descriptor::from_json(&json).expect("parse"), original);
    let mut g = c.benchmark_group("descriptor");
    g.bench_function("parse", |b| {
        b.iter(|| Descriptor::from_json(black_box(&json)).expect("parse"))
    });
    g.bench_function("emit", |b| b.iter(|| black_box(&original).to_json()));
    g.finish();
    assert_eq!(original.to_json(), json, "emit is stable");
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = transfer;
    config = config();
    targets = descriptor, floor, attach, handoff, end_to_end
}
criterion_main!(transfer);
