//! Criterion benches: handing an array from one process to another, shared
//! by descriptor against copied, next to their floors.
//!
//! Ids (sizes 4KiB to 256MiB, `attach` up to 1GiB):
//! `handoff/{shared,queue,pool,iceoryx2_event,iceoryx2_poll,pipe,unix_socket}/<size>`,
//! `end_to_end/{shared,pool,pipe,in_process_floor,two_thread_floor}/<size>`,
//! `attach/<size>`, `floor/memcpy/<size>`, `floor/pipe_roundtrip_64B`,
//! `floor/handoff_raw/<size>`, `descriptor/parse`, `descriptor/emit`.
//!
//! `handoff/iceoryx2_*` is the anchor: iceoryx2 zero-copy publish-subscribe
//! of a `[u8]` sample to a subscriber in another process (`bench-child
//! --iceoryx2`), which either blocks on an iceoryx2 listener the publisher
//! notifies after each send (`event`) or spins on receive (`poll`), and
//! replies on the same pipe as the other benches. The clock covers the loan
//! and the send to the reply; writing the sample's bytes (which safe Rust
//! must do for every byte of a loan) is kept off it, as `handoff/shared`'s
//! array is filled before its clock. `end_to_end/two_thread_floor` fills
//! and sums in two threads of one process, two buffers handed back and
//! forth over std channels so the fill and the sum overlap;
//! `end_to_end/pool` does the same across processes with two pool slots
//! (`bench-child --pool-sum` sums each lent slot and releases it).
//!
//! Every cross-process bench talks to a persistent `bench-child` spawned
//! once per group (start-up is never timed) and uses `iter_custom`, timing
//! each request from the first byte sent to the reply read. Each bench checks
//! its result (a length, a stamp or a checksum from the child) on every
//! iteration, and an untimed check first proves the child sees the parent's
//! bytes. Segments are owned by `SharedArray` values or [`RawSegment`]
//! guards, and iceoryx2's services and child by an `IceoryxChild` guard,
//! so they are removed on every path, panics included.
//!
//! `SHM_BENCH_MAX_SIZE=16MiB` skips larger sizes; `cargo bench -p benches --
//! --test` runs every bench once (what CI does).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use benches::child::{self, Transport};
use benches::iceoryx::{Domain, Wake};
use benches::op::Op;
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

mod anchors;
mod streams;

use anchors::{IceoryxChild, TwoThreads};
use streams::{PoolChild, QueueChild};

/// The child program, built by cargo alongside this bench.
const CHILD: &str = env!("CARGO_BIN_EXE_bench-child");

fn spawn(transport: Transport) -> Link {
    child::spawn(Path::new(CHILD), transport).expect("cannot start bench-child")
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
    child::prepare(&mut pipe, max).expect("prepare");
    child::prepare(&mut socket, max).expect("prepare");
    let mut queue = QueueChild::spawn();
    // Declared before the group's children, so dropped after them.
    let domain = Domain::new().expect("an iceoryx2 domain");
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
        for wake in [Wake::Event, Wake::Poll] {
            // One subscriber per size and mode, so a spinning one never
            // shares the two cores with another bench.
            let mut sub = IceoryxChild::spawn(&domain, size, wake);
            let name = format!("iceoryx2_{}", wake.as_str());
            g.bench_function(BenchmarkId::new(name, &id), |b| {
                b.iter_custom(|iters| sub.handoffs(size, iters))
            });
            sub.finish();
        }
        if shared_array(size).is_some() {
            g.bench_function(BenchmarkId::new("queue", &id), |b| {
                b.iter_custom(|iters| queue.handoffs(size, iters))
            });
        }
        if let Some(mut lender) = PoolChild::spawn(size, "--pool") {
            g.bench_function(BenchmarkId::new("pool", &id), |b| {
                b.iter_custom(|iters| lender.handoffs(iters))
            });
            lender.finish();
        }
        let mut data = Frame::new(Op::Recv, size);
        work::prefault(data.payload_mut());
        for (name, child) in [("pipe", &mut pipe), ("unix_socket", &mut socket)] {
            g.bench_function(BenchmarkId::new(name, &id), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for i in 1..=iters {
                        // A fresh stamp each time proves these bytes arrived.
                        work::stamp(data.payload_mut(), i);
                        let t = Instant::now();
                        let reply = child.request(&data).expect("copy");
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

fn end_to_end(c: &mut Criterion) {
    let sizes = sizes::capped(&sizes::TRANSFER);
    let max = sizes.iter().copied().max().unwrap_or(0);
    let mut pipe = spawn(Transport::Pipe);
    child::prepare(&mut pipe, max).expect("prepare");
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
        drop(buf);
        let mut pair = TwoThreads::new(size);
        g.bench_function(BenchmarkId::new("two_thread_floor", &id), |b| {
            b.iter_custom(|iters| pair.run(size, iters))
        });
        drop(pair);
        if let Some(mut lender) = PoolChild::spawn(size, "--pool-sum") {
            g.bench_function(BenchmarkId::new("pool", &id), |b| {
                b.iter_custom(|iters| lender.end_to_end(iters))
            });
            lender.finish();
        }
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
