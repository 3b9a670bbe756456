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
use benches::iceoryx::{self, Domain, EXIT_BELOW, Wake, check};
use benches::op::Op;
use benches::raw::RawSegment;
use benches::sizes::{self, MIB, label};
use benches::work;
use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use iceoryx2::port::notifier::Notifier;
use iceoryx2::port::publisher::Publisher;
use iceoryx2::port::update_connections::UpdateConnections;
use iceoryx2::prelude::{Node, ipc};
use iceoryx2::service::port_factory::{event as event_factory, publish_subscribe};
use ipc_bench::link::Link;
use ipc_bench::wire::{Frame, Reply};
use shm_core::{Descriptor, Element, SharedArray};

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

/// A `bench-child` that receives a queue stream (`--queue` or `--pool`):
/// the sending end of the stream and the child's replies.
struct StreamChild {
    flag: &'static str,
    child: std::process::Child,
    tx: shm_core::queue::Sender<std::process::ChildStdin>,
    from: std::io::BufReader<std::process::ChildStdout>,
}

impl StreamChild {
    fn spawn(flag: &'static str) -> StreamChild {
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
    fn line(&mut self) -> String {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut self.from, &mut line).expect("a reply");
        line.trim_end().to_owned()
    }

    /// Ends the stream and waits for the child to exit 0.
    fn finish(mut self) {
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
struct PoolChild {
    end: StreamChild,
    pool: shm_core::pool::Pool,
    size: usize,
    sent: u64,
}

impl PoolChild {
    /// The child (`flag`) and a pool for `size`-byte arrays, every page
    /// touched, or `None` (with a note) when shared memory has no room.
    fn spawn(size: usize, flag: &'static str) -> Option<PoolChild> {
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
    fn end_to_end(&mut self, iters: u64) -> Duration {
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
    fn collect(&mut self, in_flight: &mut std::collections::VecDeque<u8>) {
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

    fn finish(self) {
        self.end.finish();
    }
}

/// `bench-child --queue`, the receiving end of one queue stream for the
/// whole group.
struct QueueChild {
    end: StreamChild,
    sent: u64,
}

impl QueueChild {
    fn spawn() -> QueueChild {
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
    fn handoffs(&mut self, size: usize, iters: u64) -> Duration {
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

    fn finish(self) {
        self.end.finish();
    }
}

/// `bench-child --iceoryx2 MODE`, the subscriber of one size's services,
/// and the publishing ports of this side. Dropping it, also on a panic,
/// tells the child to exit and reaps it (killing it after a grace period),
/// then removes whatever a killed child left behind; the ports, services
/// and node then go, in that order, and with them every iceoryx2 resource.
struct IceoryxChild {
    link: Option<Link>,
    publisher: Publisher<ipc::Service, [u8], ()>,
    notifier: Notifier<ipc::Service>,
    wake: Wake,
    sent: u64,
    _pubsub: publish_subscribe::PortFactory<ipc::Service, [u8], ()>,
    _events: event_factory::PortFactory<ipc::Service>,
    node: Node<ipc::Service>,
}

impl IceoryxChild {
    /// Creates the services (new names each run), a publisher whose loans
    /// hold `size` bytes and a notifier, starts the child, waits until its
    /// subscriber exists, and checks once, untimed, that the child sees
    /// every byte of a sample.
    fn spawn(domain: &Domain, size: usize, wake: Wake) -> IceoryxChild {
        let (data, wake_name) = iceoryx::service_names(wake, size);
        let node = iceoryx::node(domain.config()).expect("an iceoryx2 node");
        let pubsub = iceoryx::pubsub(&node, &data, 1).expect("the data service");
        let events = iceoryx::event(&node, &wake_name).expect("the wake service");
        let publisher = check(
            pubsub
                .publisher_builder()
                .initial_max_slice_len(size)
                .create(),
            "create a publisher",
        )
        .expect("a publisher");
        let notifier =
            check(events.notifier_builder().create(), "create a notifier").expect("a notifier");
        let mut this = IceoryxChild {
            link: None,
            publisher,
            notifier,
            wake,
            sent: 0,
            _pubsub: pubsub,
            _events: events,
            node,
        };
        let [root, prefix] = domain.args();
        let args = ["--iceoryx2", wake.as_str(), root, prefix, &data, &wake_name];
        this.link =
            Some(child::spawn_with(Path::new(CHILD), &args).expect("bench-child --iceoryx2"));
        check(this.publisher.update_connections(), "connect").expect("the subscriber");
        let byte = work::fill_byte(0);
        let reply = this.publish(size, byte, None);
        assert_eq!(
            (reply.a, reply.c),
            (size as u64, work::expected_checksum(size, byte)),
            "the subscriber must see the publisher's bytes"
        );
        this
    }

    /// Loans a `size`-byte sample, writes `byte` into all of it and, with
    /// `stamp`, the stamp into its ends, sends it, notifies in event mode,
    /// and reads the reply. Returns the reply and the time of the loan and
    /// of the send to the reply, without the writing (safe Rust initialises
    /// every byte of a loan; `handoff/shared`'s array is filled before its
    /// clock too).
    fn publish_timed(&mut self, size: usize, byte: u8, stamp: Option<u64>) -> (Reply, Duration) {
        let t = Instant::now();
        let sample = self.publisher.loan_slice_uninit(size).expect("a loan");
        let loan = t.elapsed();
        let mut sample = sample.write_from_fn(|_| byte);
        if let Some(stamp) = stamp {
            work::stamp(sample.payload_mut(), stamp);
        }
        self.wake_up();
        let link = self.link.as_mut().expect("a running subscriber");
        let t = Instant::now();
        let receivers = sample.send().expect("send");
        if self.wake == Wake::Event {
            self.notifier.notify().expect("notify");
        }
        let reply = link.receive().expect("the subscriber's reply");
        let spent = loan + t.elapsed();
        assert_eq!(receivers, 1, "the sample reached the subscriber");
        (reply, spent)
    }

    /// An untimed round trip with an empty-ish sample, so the subscriber is
    /// not asleep when the clock starts: writing a large sample takes
    /// milliseconds, long enough for its idle virtual CPU to sleep deeply,
    /// and waking one takes tens of microseconds that are no part of a
    /// hand-off (`shm-harness speedup` does the same before its clocks).
    fn wake_up(&mut self) {
        let ping = self
            .publisher
            .loan_slice_uninit(EXIT_BELOW)
            .expect("a loan");
        let receivers = ping.write_from_fn(|_| 0).send().expect("send");
        if self.wake == Wake::Event {
            self.notifier.notify().expect("notify");
        }
        let link = self.link.as_mut().expect("a running subscriber");
        let reply = link.receive().expect("the subscriber's reply");
        assert_eq!((receivers, reply.a), (1, EXIT_BELOW as u64));
    }

    fn publish(&mut self, size: usize, byte: u8, stamp: Option<u64>) -> Reply {
        self.publish_timed(size, byte, stamp).0
    }

    /// `iters` hand-offs of `size` bytes, each stamped afresh and checked:
    /// the subscriber's view has every byte and the stamp at both ends.
    fn handoffs(&mut self, size: usize, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            self.sent += 1;
            let stamp = self.sent;
            let (reply, spent) = self.publish_timed(size, work::fill_byte(stamp), Some(stamp));
            total += spent;
            assert_eq!((reply.a, reply.b), (size as u64, 2 * stamp));
        }
        total
    }

    /// Sends the exit sample, waits for the child's exit and, if it had to
    /// be killed, removes what it left.
    fn stop(&mut self) -> std::io::Result<()> {
        let Some(link) = self.link.take() else {
            return Ok(());
        };
        let sent = check(self.publisher.loan_slice_uninit(EXIT_BELOW - 1), "loan")
            .and_then(|s| check(s.write_from_fn(|_| 0).send(), "send"));
        if self.wake == Wake::Event {
            let _ = self.notifier.notify();
        }
        let finished = link.finish(Op::Exit);
        self.node.try_cleanup_dead_nodes();
        sent.and(finished)
    }

    fn finish(mut self) {
        self.stop().expect("bench-child --iceoryx2 exits cleanly");
    }
}

impl Drop for IceoryxChild {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// `end_to_end/two_thread_floor`: one thread fills a buffer, a second sums
/// it, the buffer going over a std channel and coming back, two buffers in
/// turn so the fill of one overlaps the sum of the other (what two
/// processes on two cores can do). Each sum is checked as it comes back.
struct TwoThreads {
    to_summer: Option<std::sync::mpsc::Sender<(Vec<u8>, u8)>>,
    from_summer: std::sync::mpsc::Receiver<(Vec<u8>, u8, u64)>,
    summer: Option<std::thread::JoinHandle<()>>,
    free: Vec<Vec<u8>>,
    round: u64,
}

impl TwoThreads {
    fn new(size: usize) -> TwoThreads {
        let (to_summer, work) = std::sync::mpsc::channel::<(Vec<u8>, u8)>();
        let (done, from_summer) = std::sync::mpsc::channel();
        let summer = std::thread::spawn(move || {
            for (buf, byte) in work {
                let sum = work::checksum(black_box(&buf));
                if done.send((buf, byte, sum)).is_err() {
                    break;
                }
            }
        });
        TwoThreads {
            to_summer: Some(to_summer),
            from_summer,
            summer: Some(summer),
            free: vec![prefaulted(size), prefaulted(size)],
            round: 0,
        }
    }

    /// A buffer back from the summing thread, its sum checked.
    fn collect(&mut self, size: usize) -> Vec<u8> {
        let (buf, byte, sum) = self.from_summer.recv().expect("the summing thread");
        assert_eq!(buf.len(), size);
        assert_eq!(sum, work::expected_checksum(size, byte));
        buf
    }

    /// `iters` buffers filled and summed, from the first fill to the last
    /// sum back.
    fn run(&mut self, size: usize, iters: u64) -> Duration {
        let to_summer = self.to_summer.clone().expect("the channel");
        let mut in_flight = 0;
        let t = Instant::now();
        for _ in 0..iters {
            let mut buf = match self.free.pop() {
                Some(b) => b,
                None => {
                    in_flight -= 1;
                    self.collect(size)
                }
            };
            let byte = work::fill_byte(self.round);
            self.round += 1;
            work::fill(&mut buf, byte);
            to_summer.send((buf, byte)).expect("the summing thread");
            in_flight += 1;
        }
        while in_flight > 0 {
            in_flight -= 1;
            let buf = self.collect(size);
            self.free.push(buf);
        }
        t.elapsed()
    }
}

impl Drop for TwoThreads {
    fn drop(&mut self) {
        drop(self.to_summer.take());
        if let Some(summer) = self.summer.take() {
            let _ = summer.join();
        }
    }
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
