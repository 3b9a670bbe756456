//! The shared_numpy workload through the queue ([`shm_core::queue`]):
//! each array is created by the producer, moved on the stream, and owned
//! (attached, adopted, freed) by the consumer, lease records included.
//!
//! The consumer is this binary as `speedup --queue-consumer hold|sum`,
//! spawned once. It reads one stream per run from its stdin; after the
//! stream's end message it writes `ARRAYS ELEMENTS VALUE` (the clock stops
//! there, while it holds every array), frees the arrays and writes
//! `released`, outside the clock.

use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use shm_core::SharedArray;
use shm_core::queue::{Receiver, Sender};

use super::producer::Failure;
use super::workload::{Num, Workload, sum, value, with_element};

/// What the consumer does with each array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Take {
    /// Attach and make a typed view (hand-off).
    Hold,
    /// Also sum every element (end-to-end).
    Sum,
}

impl Take {
    fn word(self) -> &'static str {
        match self {
            Take::Hold => "hold",
            Take::Sum => "sum",
        }
    }

    /// `hold` or `sum`, from the hidden flag.
    pub(super) fn parse(word: &str) -> Option<Take> {
        [Take::Hold, Take::Sum]
            .into_iter()
            .find(|t| t.word() == word)
    }
}

/// The consumer role: serves streams until its stdin ends.
pub(super) fn consumer(w: &Workload, take: Take) -> ExitCode {
    match with_element!(w.dtype, serve(take)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => crate::exit::fail(1, format_args!("speedup queue consumer: {e}")),
    }
}

fn serve<T: Num>(take: Take) -> Result<(), shm_core::Error> {
    let mut input = io::stdin().lock();
    let mut out = io::stdout().lock();
    let io = |e: io::Error| shm_core::Error::io("write", &e);
    while !input
        .fill_buf()
        .map_err(|e| shm_core::Error::io("read", &e))?
        .is_empty()
    {
        let mut rx = Receiver::new(&mut input)?;
        let mut held = Vec::new();
        let (mut elements, mut total) = (0u64, 0.0);
        while let Some(array) = rx.recv()? {
            {
                let view = array.view::<T>()?;
                if take == Take::Sum {
                    total += sum(view.as_slice().ok_or_else(|| {
                        shm_core::Error::InvalidArgument("a queued array is contiguous".into())
                    })?);
                }
                elements += view.len() as u64;
            }
            held.push(array);
        }
        writeln!(out, "{} {elements} {total}", held.len())
            .and_then(|()| out.flush())
            .map_err(io)?;
        drop(held);
        writeln!(out, "released")
            .and_then(|()| out.flush())
            .map_err(io)?;
    }
    Ok(())
}

/// The producer's end: the consumer process and its pipes.
pub(super) struct QueueConsumer {
    take: Take,
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
}

impl QueueConsumer {
    /// Spawns `speedup --queue-consumer` for the workload.
    pub(super) fn spawn(w: &Workload, take: Take) -> Result<QueueConsumer, Failure> {
        let exe = std::env::current_exe()
            .map_err(|e| Failure::run(format!("cannot find this program: {e}")))?;
        let mut child = Command::new(exe)
            .arg("speedup")
            .args(["--queue-consumer", take.word()])
            .args(["--arrays", &w.arrays.to_string()])
            .args(["--shape", &w.shape_arg()])
            .args(["--dtype", &w.dtype.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| Failure::run(format!("cannot start the queue consumer: {e}")))?;
        let to = child.stdin.take().expect("piped stdin");
        let from = BufReader::new(child.stdout.take().expect("piped stdout"));
        Ok(QueueConsumer {
            take,
            child,
            to,
            from,
        })
    }

    /// One timed run: the arrays are made (every page touched) before the
    /// clock, as the shared runs' are; for a hand-off they are filled
    /// before it too, end-to-end inside it.
    /// The clock stops when the consumer holds (or has summed) them all.
    pub(super) fn run<T: Num>(&mut self, w: &Workload, round: u64) -> Result<Duration, Failure> {
        let mut arrays = Vec::with_capacity(w.arrays);
        for k in 0..w.arrays {
            let mut a = SharedArray::create(&w.shape, T::from_small(1))?;
            if self.take == Take::Hold {
                fill::<T>(&mut a, value(round, k))?;
            }
            arrays.push(a);
        }
        let t = Instant::now();
        let mut tx = sender(&mut self.to)?;
        for (k, a) in arrays.iter_mut().enumerate() {
            if self.take == Take::Sum {
                fill::<T>(a, value(round, k))?;
            }
            tx.hand_over(a)?;
        }
        tx.finish()?;
        let got = self.line()?;
        let spent = t.elapsed();
        // Unmapped off the clock, as the shared runs keep theirs.
        drop(arrays);
        if self.line()? != "released" {
            return Err(Failure::run(
                "the queue consumer did not release its arrays",
            ));
        }
        let want_value = match self.take {
            Take::Sum => w.expected_sum(round),
            Take::Hold => 0.0,
        };
        let want = format!("{} {} {}", w.arrays, w.arrays * w.elements, want_value);
        if got != want {
            return Err(Failure::run(format!(
                "queue ({}): the consumer received (arrays, elements, value) = ({got}), expected ({want})",
                self.take.word()
            )));
        }
        Ok(spent)
    }

    fn line(&mut self) -> Result<String, Failure> {
        let mut line = String::new();
        if self.from.read_line(&mut line)? == 0 {
            let status = self.child.wait().ok();
            return Err(Failure::run(format!(
                "the queue consumer ended ({status:?})"
            )));
        }
        Ok(line.trim_end().to_owned())
    }

    /// Closes the stream and waits for the consumer to exit.
    pub(super) fn finish(mut self) -> Result<(), Failure> {
        drop(self.to);
        match self.child.wait()? {
            s if s.success() => Ok(()),
            s => Err(Failure::run(format!("the queue consumer exited with {s}"))),
        }
    }
}

#[cfg(unix)]
fn sender(to: &mut ChildStdin) -> Result<Sender<&mut ChildStdin>, shm_core::Error> {
    Sender::over(to)
}

#[cfg(not(unix))]
fn sender(to: &mut ChildStdin) -> Result<Sender<&mut ChildStdin>, shm_core::Error> {
    Sender::new(to)
}

fn fill<T: Num>(a: &mut SharedArray, v: u8) -> Result<(), Failure> {
    a.view_mut::<T>()?
        .into_slice()
        .ok_or_else(|| Failure::run("a C-order array is contiguous"))?
        .fill(T::from_small(v));
    Ok(())
}
