//! The producer: spawns the consumer once, then times the runs.
//!
//! Every figure is taken from `repeat` timed runs after one untimed warm-up
//! run, the nine kinds of run interleaved so that drift in the machine
//! touches them alike. Four of them hand the arrays to the consumer (a
//! [`Variant`]: copied or shared, hand-off or end-to-end); the fifth is the
//! in-process floor. Each run's result is checked (array and element
//! counts, and sums that are exact) before its time is kept.

use std::io;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ipc_bench::link::{Channel, Config, Link};
use shm_core::SharedArray;

use super::failure::Failure;
use super::op::{Op, Received};
use super::through_queue::{Consume, QueueConsumer};
use super::workload::{Num, Workload, sum, value};

/// How the consumer is watched: a request may take up to ten minutes (a
/// run of the default workload takes well under a second); a pipe that
/// stays narrow only makes the copied figures slower.
const CONFIG: Config = Config {
    name: "the consumer",
    timeout: Duration::from_secs(600),
    grace: Duration::from_secs(30),
    require_wide_pipes: false,
};

/// Medians of the Rust runs, in seconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Figures {
    pub(super) handoff_copied: f64,
    pub(super) handoff_shared: f64,
    pub(super) end_to_end_copied: f64,
    pub(super) end_to_end_shared: f64,
    pub(super) in_process_floor: f64,
    /// Through [`shm_core::queue`]: hand-off and end-to-end.
    pub(super) handoff_queue: f64,
    pub(super) end_to_end_queue: f64,
    /// Lent from a pool ([`shm_core::pool`]): hand-off and end-to-end.
    pub(super) handoff_pool: f64,
    pub(super) end_to_end_pool: f64,
}

/// How the arrays reach the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// Each array's bytes go through the pipe into its own buffer.
    Copied,
    /// Each array's descriptor goes through the pipe; the consumer attaches.
    Shared,
}

/// What the clock covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    /// The arrays exist before the clock; it stops when the consumer holds
    /// all of them as usable arrays.
    Handoff,
    /// The producer fills each array and sends it; the consumer sums each.
    EndToEnd,
}

/// One kind of timed run that goes through the consumer.
#[derive(Debug, Clone, Copy)]
struct Variant {
    path: Path,
    span: Span,
    /// Named in a failed check.
    name: &'static str,
}

/// The four, in the order they run in each round and fill [`Figures`].
const VARIANTS: [Variant; 4] = [
    Variant {
        path: Path::Copied,
        span: Span::Handoff,
        name: "copied hand-off",
    },
    Variant {
        path: Path::Shared,
        span: Span::Handoff,
        name: "shared hand-off",
    },
    Variant {
        path: Path::Copied,
        span: Span::EndToEnd,
        name: "copied end-to-end",
    },
    Variant {
        path: Path::Shared,
        span: Span::EndToEnd,
        name: "shared end-to-end",
    },
];

impl Variant {
    /// What the consumer does with each array.
    fn op(self) -> Op {
        match (self.path, self.span) {
            (Path::Copied, Span::Handoff) => Op::Hold,
            (Path::Copied, Span::EndToEnd) => Op::Sum,
            (Path::Shared, Span::Handoff) => Op::Attach,
            (Path::Shared, Span::EndToEnd) => Op::AttachSum,
        }
    }

    /// The value the consumer must report for run `round`: every element
    /// summed end-to-end; for a copied hand-off each array's first and last
    /// element; nothing for a shared hand-off, which touches no element.
    fn expected(self, w: &Workload, round: u64) -> f64 {
        match (self.path, self.span) {
            (_, Span::EndToEnd) => w.expected_sum(round),
            (Path::Copied, Span::Handoff) => (0..w.arrays)
                .map(|k| 2.0 * f64::from(value(round, k)))
                .sum(),
            (Path::Shared, Span::Handoff) => 0.0,
        }
    }
}

/// The producer's arrays: plain buffers for the copies and the floor,
/// segments for sharing. All made, and every page touched, up front.
struct Arrays<T> {
    copies: Vec<Vec<T>>,
    shared: Vec<SharedArray>,
}

impl<T: Num> Arrays<T> {
    fn new(w: &Workload) -> Result<Arrays<T>, Failure> {
        let copies = (0..w.arrays)
            .map(|_| vec![T::from_small(1); w.elements])
            .collect();
        let mut shared = Vec::with_capacity(w.arrays);
        for _ in 0..w.arrays {
            shared.push(SharedArray::create(&w.shape, T::from_small(1))?);
        }
        Ok(Arrays { copies, shared })
    }

    /// Fills array `k` of `path` with its value for run `round`.
    fn fill(&mut self, path: Path, k: usize, round: u64) -> Result<(), Failure> {
        let v = T::from_small(value(round, k));
        match path {
            Path::Copied => self.copies[k].fill(v),
            Path::Shared => self.shared[k]
                .view_mut::<T>()?
                .into_slice()
                .ok_or_else(|| Failure::run("a C-order array is contiguous"))?
                .fill(v),
        }
        Ok(())
    }

    /// Hands array `k` to the consumer: its bytes straight from the buffer,
    /// or its descriptor in one `write`.
    fn send(&self, c: &mut Consumer, v: Variant, k: usize) -> io::Result<()> {
        match v.path {
            Path::Copied => c
                .link
                .send_parts(v.op(), k, bytemuck::cast_slice(&self.copies[k])),
            Path::Shared => {
                let json = self.shared[k].descriptor().to_json();
                c.link.send_small(v.op(), k, json.as_bytes())
            }
        }
    }
}

/// Measures the five Rust figures for element type `T`.
pub(super) fn measure<T: Num>(w: &Workload) -> Result<Figures, Failure> {
    let mut arrays = Arrays::<T>::new(w)?;
    let mut consumer = Consumer::spawn(w)?;
    let mut queues = [
        Consume::Hold,
        Consume::Sum,
        Consume::PoolHold,
        Consume::PoolSum,
    ]
    .map(|take| QueueConsumer::spawn(w, take));
    let mut times: [Vec<Duration>; 9] = Default::default();
    for round in 0..=w.repeat as u64 {
        let mut t = [Duration::ZERO; 9];
        for (spent, v) in t.iter_mut().zip(VARIANTS) {
            *spent = timed_run(&mut consumer, w, &mut arrays, v, round)?;
        }
        t[4] = in_process_floor(w, &mut arrays.copies, round)?;
        for (spent, queue) in t[5..].iter_mut().zip(queues.iter_mut()) {
            *spent = queue
                .as_mut()
                .map_err(|e| Failure::run(e.message.clone()))?
                .run::<T>(w, round)?;
        }
        // Round 0 is the warm-up.
        if round > 0 {
            for (all, one) in times.iter_mut().zip(t) {
                all.push(one);
            }
        }
    }
    consumer.link.finish(Op::Exit)?;
    for queue in queues {
        queue?.finish()?;
    }
    let [a, b, c, d, e, f, g, h, i] = times.map(|mut v| median(&mut v));
    Ok(Figures {
        handoff_copied: a,
        handoff_shared: b,
        end_to_end_copied: c,
        end_to_end_shared: d,
        in_process_floor: e,
        handoff_queue: f,
        end_to_end_queue: g,
        handoff_pool: h,
        end_to_end_pool: i,
    })
}

/// The median of `times`, in seconds.
fn median(times: &mut [Duration]) -> f64 {
    times.sort();
    let n = times.len();
    let mid = if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    };
    mid.as_secs_f64()
}

/// One run of `v`: fill (before the clock for a hand-off, inside it array
/// by array end-to-end), hand every array over, stop the clock at the
/// consumer's answer, then check it.
fn timed_run<T: Num>(
    c: &mut Consumer,
    w: &Workload,
    arrays: &mut Arrays<T>,
    v: Variant,
    round: u64,
) -> Result<Duration, Failure> {
    if v.span == Span::Handoff {
        for k in 0..w.arrays {
            arrays.fill(v.path, k, round)?;
        }
    }
    c.sync()?;
    let t = Instant::now();
    for k in 0..w.arrays {
        if v.span == Span::EndToEnd {
            arrays.fill(v.path, k, round)?;
        }
        arrays.send(c, v, k)?;
    }
    let got = c.done()?;
    let spent = t.elapsed();
    c.release()?;
    let want = (
        w.arrays as u64,
        (w.arrays * w.elements) as u64,
        v.expected(w, round),
    );
    if (got.arrays, got.elements, got.value) != want {
        return Err(Failure::run(format!(
            "{}: the consumer received (arrays, elements, value) = ({}, {}, {}), expected {want:?}",
            v.name, got.arrays, got.elements, got.value
        )));
    }
    Ok(spent)
}

/// One process fills and sums every array: no hand-off at all.
fn in_process_floor<T: Num>(
    w: &Workload,
    copies: &mut [Vec<T>],
    round: u64,
) -> Result<Duration, Failure> {
    let t = Instant::now();
    let mut total = 0.0;
    for (k, a) in copies.iter_mut().enumerate() {
        a.fill(T::from_small(value(round, k)));
        total += sum(std::hint::black_box(a.as_slice()));
    }
    let spent = t.elapsed();
    if total != w.expected_sum(round) {
        return Err(Failure::run(format!(
            "in-process floor: sum {total}, expected {}",
            w.expected_sum(round)
        )));
    }
    Ok(spent)
}

/// The consumer process, behind its link.
struct Consumer {
    link: Link,
}

impl Consumer {
    /// Spawns this binary as `speedup --consumer` for the workload and
    /// waits until it has allocated its buffers and says it is ready.
    fn spawn(w: &Workload) -> Result<Consumer, Failure> {
        let exe = std::env::current_exe()
            .map_err(|e| Failure::run(format!("cannot find this program: {e}")))?;
        let mut cmd = Command::new(exe);
        cmd.arg("speedup")
            .arg("--consumer")
            .args(["--arrays", &w.arrays.to_string()])
            .args(["--shape", &w.shape_arg()])
            .args(["--dtype", &w.dtype.to_string()])
            .stderr(Stdio::inherit());
        let mut link = Link::spawn(cmd, Channel::Pipe, CONFIG)
            .map_err(|e| Failure::run(format!("cannot start the consumer: {e}")))?;
        link.receive()?;
        Ok(Consumer { link })
    }

    /// Ends a run and returns what the consumer received.
    fn done(&mut self) -> Result<Received, Failure> {
        self.link.send_small(Op::Done, 0, &[])?;
        Ok(Received::from_reply(self.link.receive()?))
    }

    /// Lets the consumer drop the run's arrays.
    fn release(&mut self) -> Result<(), Failure> {
        self.link.send_small(Op::Release, 0, &[])?;
        self.link.receive()?;
        Ok(())
    }

    /// One untimed round trip right before a clock starts, so the consumer
    /// is awake: after the producer's untimed set-up it would otherwise be
    /// idle, and waking an idle CPU (tens of microseconds on a virtual
    /// machine) is not part of any hand-off.
    fn sync(&mut self) -> Result<(), Failure> {
        self.release()
    }
}
