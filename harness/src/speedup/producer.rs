//! The producer: spawns the consumer once, then times the runs.
//!
//! Every figure is taken from `repeat` timed runs after one untimed warm-up
//! run, the five kinds of run interleaved so that drift in the machine
//! touches them alike. Each run's result is checked (array and element
//! counts, and sums that are exact) before its time is kept.

use std::io::{self, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use shm_core::SharedArray;

use super::wire::{self, Op, Reply};
use super::workload::{Num, Workload, sum, value};

/// How long one request to the consumer may take before the watchdog kills
/// it (a run of the default workload takes well under a second).
const TIMEOUT: Duration = Duration::from_secs(600);

/// Medians of the Rust runs, in seconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Figures {
    pub(super) handoff_copied: f64,
    pub(super) handoff_shared: f64,
    pub(super) end_to_end_copied: f64,
    pub(super) end_to_end_shared: f64,
    pub(super) in_process_floor: f64,
}

/// Why a measurement stopped, with the exit code it maps to.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) code: u8,
    pub(super) message: String,
}

impl Failure {
    fn run(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<shm_core::Error> for Failure {
    fn from(e: shm_core::Error) -> Failure {
        Failure {
            code: crate::exit::Kind::from(e.kind()).exit_code(),
            message: e.to_string(),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::run(format!("talking to the consumer: {e}"))
    }
}

/// Measures the five Rust figures for element type `T`.
pub(super) fn measure<T: Num>(w: &Workload) -> Result<Figures, Failure> {
    // The producer's arrays: plain buffers for the copies and the floor,
    // segments for sharing. All made, and every page touched, up front.
    let mut copies: Vec<Vec<T>> = (0..w.arrays)
        .map(|_| vec![T::from_small(1); w.elements])
        .collect();
    let mut shared = Vec::with_capacity(w.arrays);
    for _ in 0..w.arrays {
        shared.push(SharedArray::create(&w.shape, T::from_small(1))?);
    }
    let mut consumer = Consumer::spawn(w)?;
    let mut times: [Vec<Duration>; 5] = Default::default();
    for round in 0..=w.repeat as u64 {
        let t = [
            handoff_copied(&mut consumer, w, &mut copies, round)?,
            handoff_shared::<T>(&mut consumer, w, &mut shared, round)?,
            end_to_end_copied(&mut consumer, w, &mut copies, round)?,
            end_to_end_shared::<T>(&mut consumer, w, &mut shared, round)?,
            in_process_floor(w, &mut copies, round)?,
        ];
        // Round 0 is the warm-up.
        if round > 0 {
            for (all, one) in times.iter_mut().zip(t) {
                all.push(one);
            }
        }
    }
    consumer.finish()?;
    let [a, b, c, d, e] = times.map(|mut v| median(&mut v));
    Ok(Figures {
        handoff_copied: a,
        handoff_shared: b,
        end_to_end_copied: c,
        end_to_end_shared: d,
        in_process_floor: e,
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

fn fill_shared<T: Num>(array: &mut SharedArray, v: T) -> Result<(), Failure> {
    array
        .view_mut::<T>()?
        .into_slice()
        .ok_or_else(|| Failure::run("a C-order array is contiguous"))?
        .fill(v);
    Ok(())
}

fn expect(
    what: &str,
    got: Reply,
    arrays: usize,
    elements: usize,
    value: f64,
) -> Result<(), Failure> {
    let want = (arrays as u64, (arrays * elements) as u64, value);
    if (got.arrays, got.elements, got.value) != want {
        return Err(Failure::run(format!(
            "{what}: the consumer received (arrays, elements, value) = ({}, {}, {}), expected {want:?}",
            got.arrays, got.elements, got.value
        )));
    }
    Ok(())
}

/// Arrays exist before the clock; it stops when the consumer holds all of
/// them, each read into its own buffer.
fn handoff_copied<T: Num>(
    c: &mut Consumer,
    w: &Workload,
    copies: &mut [Vec<T>],
    round: u64,
) -> Result<Duration, Failure> {
    for (k, a) in copies.iter_mut().enumerate() {
        a.fill(T::from_small(value(round, k)));
    }
    c.sync()?;
    let t = Instant::now();
    for (k, a) in copies.iter().enumerate() {
        c.send_bytes(Op::Hold, k, bytemuck::cast_slice(a))?;
    }
    let got = c.done()?;
    let spent = t.elapsed();
    c.release()?;
    let stamps = (0..w.arrays)
        .map(|k| 2.0 * f64::from(value(round, k)))
        .sum();
    expect("copied hand-off", got, w.arrays, w.elements, stamps)?;
    Ok(spent)
}

/// Arrays exist before the clock; it stops when the consumer holds a typed
/// view of each (descriptor emitted, sent, parsed, attached, viewed).
fn handoff_shared<T: Num>(
    c: &mut Consumer,
    w: &Workload,
    shared: &mut [SharedArray],
    round: u64,
) -> Result<Duration, Failure> {
    for (k, a) in shared.iter_mut().enumerate() {
        fill_shared(a, T::from_small(value(round, k)))?;
    }
    c.sync()?;
    let t = Instant::now();
    for (k, a) in shared.iter().enumerate() {
        c.send_small(Op::Attach, k, a.descriptor().to_json().as_bytes())?;
    }
    let got = c.done()?;
    let spent = t.elapsed();
    c.release()?;
    expect("shared hand-off", got, w.arrays, w.elements, 0.0)?;
    Ok(spent)
}

/// The producer fills each array and sends it; the consumer sums each.
fn end_to_end_copied<T: Num>(
    c: &mut Consumer,
    w: &Workload,
    copies: &mut [Vec<T>],
    round: u64,
) -> Result<Duration, Failure> {
    c.sync()?;
    let t = Instant::now();
    for (k, a) in copies.iter_mut().enumerate() {
        a.fill(T::from_small(value(round, k)));
        c.send_bytes(Op::Sum, k, bytemuck::cast_slice(a))?;
    }
    let got = c.done()?;
    let spent = t.elapsed();
    c.release()?;
    expect(
        "copied end-to-end",
        got,
        w.arrays,
        w.elements,
        w.expected_sum(round),
    )?;
    Ok(spent)
}

/// The producer fills each shared array and sends its descriptor; the
/// consumer attaches and sums each.
fn end_to_end_shared<T: Num>(
    c: &mut Consumer,
    w: &Workload,
    shared: &mut [SharedArray],
    round: u64,
) -> Result<Duration, Failure> {
    c.sync()?;
    let t = Instant::now();
    for (k, a) in shared.iter_mut().enumerate() {
        fill_shared(a, T::from_small(value(round, k)))?;
        c.send_small(Op::AttachSum, k, a.descriptor().to_json().as_bytes())?;
    }
    let got = c.done()?;
    let spent = t.elapsed();
    c.release()?;
    expect(
        "shared end-to-end",
        got,
        w.arrays,
        w.elements,
        w.expected_sum(round),
    )?;
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

/// The consumer process and the two pipes to it.
struct Consumer {
    child: Arc<Mutex<Child>>,
    tx: ChildStdin,
    rx: ChildStdout,
    msg: Vec<u8>,
    watchdog: Watchdog,
}

impl Consumer {
    /// Spawns this binary as `speedup --consumer` for the workload and
    /// waits until it has allocated its buffers and says it is ready.
    fn spawn(w: &Workload) -> Result<Consumer, Failure> {
        let exe = std::env::current_exe()
            .map_err(|e| Failure::run(format!("cannot find this program: {e}")))?;
        let mut child = Command::new(exe)
            .arg("speedup")
            .arg("--consumer")
            .args(["--arrays", &w.arrays.to_string()])
            .args(["--shape", &w.shape_arg()])
            .args(["--dtype", &w.dtype.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| Failure::run(format!("cannot start the consumer: {e}")))?;
        let tx = child.stdin.take().expect("stdin is piped");
        let rx = child.stdout.take().expect("stdout is piped");
        wire::widen_pipe(&tx);
        wire::widen_pipe(&rx);
        let child = Arc::new(Mutex::new(child));
        let watchdog = Watchdog::start(Arc::clone(&child));
        let mut c = Consumer {
            child,
            tx,
            rx,
            msg: Vec::new(),
            watchdog,
        };
        c.reply()?;
        Ok(c)
    }

    /// Sends a header, then the payload straight from the caller's buffer.
    fn send_bytes(&mut self, op: Op, index: usize, payload: &[u8]) -> Result<(), Failure> {
        self.watchdog.busy();
        let sent = self
            .tx
            .write_all(&wire::header(op, index, payload.len()))
            .and_then(|()| self.tx.write_all(payload));
        self.watchdog.idle();
        sent.map_err(|e| self.lost(e))
    }

    /// Sends a header and a small payload in one `write`.
    fn send_small(&mut self, op: Op, index: usize, payload: &[u8]) -> Result<(), Failure> {
        self.msg.clear();
        self.msg
            .extend_from_slice(&wire::header(op, index, payload.len()));
        self.msg.extend_from_slice(payload);
        self.watchdog.busy();
        let sent = self.tx.write_all(&self.msg);
        self.watchdog.idle();
        sent.map_err(|e| self.lost(e))
    }

    /// Ends a run and returns what the consumer received.
    fn done(&mut self) -> Result<Reply, Failure> {
        self.send_small(Op::Done, 0, &[])?;
        self.reply()
    }

    /// Lets the consumer drop the run's arrays.
    fn release(&mut self) -> Result<(), Failure> {
        self.send_small(Op::Release, 0, &[])?;
        self.reply().map(drop)
    }

    /// One untimed round trip right before a clock starts, so the consumer
    /// is awake: after the producer's untimed set-up it would otherwise be
    /// idle, and waking an idle CPU (tens of microseconds on a virtual
    /// machine) is not part of any hand-off.
    fn sync(&mut self) -> Result<(), Failure> {
        self.release()
    }

    fn reply(&mut self) -> Result<Reply, Failure> {
        self.watchdog.busy();
        let r = Reply::read_from(&mut self.rx);
        self.watchdog.idle();
        let r = r.map_err(|e| self.lost(e))?;
        if r.status != 0 {
            return Err(Failure::run(format!(
                "the consumer failed (status {})",
                r.status
            )));
        }
        Ok(r)
    }

    /// Explains a broken pipe by the consumer's exit status, when it has one.
    fn lost(&mut self, e: io::Error) -> Failure {
        let mut status = None;
        for _ in 0..50 {
            status = self
                .child
                .lock()
                .expect("child lock")
                .try_wait()
                .ok()
                .flatten();
            if status.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        match status {
            Some(s) => Failure::run(format!("the consumer exited ({s}): {e}")),
            None => Failure::from(e),
        }
    }

    /// Asks the consumer to exit and checks that it exited 0.
    fn finish(mut self) -> Result<(), Failure> {
        self.send_small(Op::Exit, 0, &[])?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = self.child.lock().expect("child lock").try_wait()?;
            match status {
                Some(s) if s.success() => return Ok(()),
                Some(s) => return Err(Failure::run(format!("the consumer exited with {s}"))),
                None if Instant::now() > deadline => {
                    return Err(Failure::run("the consumer did not exit"));
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        self.watchdog.stop();
        let mut child = self.child.lock().expect("child lock");
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

/// Kills the consumer when one request stays outstanding for [`TIMEOUT`].
/// The timed path pays two relaxed atomic increments per request: the
/// sequence number is odd while one is outstanding.
struct Watchdog {
    seq: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    fn start(child: Arc<Mutex<Child>>) -> Watchdog {
        let seq = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, halt) = (Arc::clone(&seq), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let mut seen = (0, Instant::now());
            while !halt.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let now = s.load(Ordering::Relaxed);
                if now != seen.0 {
                    seen = (now, Instant::now());
                } else if now % 2 == 1 && seen.1.elapsed() > TIMEOUT {
                    eprintln!("speedup: the consumer did not answer in {TIMEOUT:?}; killing it");
                    let _ = child.lock().expect("child lock").kill();
                    return;
                }
            }
        });
        Watchdog {
            seq,
            stop,
            thread: Some(thread),
        }
    }

    fn busy(&self) {
        self.seq.fetch_add(1, Ordering::Relaxed);
    }

    fn idle(&self) {
        self.seq.fetch_add(1, Ordering::Relaxed);
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
