//! The shared_numpy workload through the queue ([`shm_core::queue`]):
//! each array is created by the producer, moved on the stream, and owned
//! (attached, adopted, freed) by the consumer, lease records included; or
//! lent from a pool ([`shm_core::pool`]) that both map once, its slots
//! coming back on the consumer's stdout.
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
use shm_core::pool::{Loan, Pool, PoolCache};
use shm_core::queue::{Received, Receiver, Sender, read_release, release};

use super::failure::Failure;
use super::workload::{Num, Workload, sum, value, with_element};
use shm_protocol::exit::{CHECK_FAILED, fail};

/// What the queue consumer does with each array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Consume {
    /// Attach and make a typed view (hand-off).
    Hold,
    /// Also sum every element (end-to-end).
    Sum,
    /// A lent pool slot: a typed view from the mapped pool (hand-off).
    PoolHold,
    /// A lent pool slot, every element summed (end-to-end).
    PoolSum,
}

impl Consume {
    fn word(self) -> &'static str {
        match self {
            Consume::Hold => "hold",
            Consume::Sum => "sum",
            Consume::PoolHold => "pool-hold",
            Consume::PoolSum => "pool-sum",
        }
    }

    fn sums(self) -> bool {
        matches!(self, Consume::Sum | Consume::PoolSum)
    }

    fn pooled(self) -> bool {
        matches!(self, Consume::PoolHold | Consume::PoolSum)
    }

    /// `hold`, `sum`, `pool-hold` or `pool-sum`, from the hidden flag.
    pub(super) fn parse(word: &str) -> Option<Consume> {
        [
            Consume::Hold,
            Consume::Sum,
            Consume::PoolHold,
            Consume::PoolSum,
        ]
        .into_iter()
        .find(|t| t.word() == word)
    }
}

/// The consumer role: serves streams until its stdin ends.
pub(super) fn consumer(w: &Workload, take: Consume) -> ExitCode {
    match with_element!(w.dtype, serve(take)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(CHECK_FAILED, format_args!("speedup queue consumer: {e}")),
    }
}

fn serve<T: Num>(take: Consume) -> Result<(), shm_core::Error> {
    let mut input = io::stdin().lock();
    let mut out = io::stdout().lock();
    let io = |e: io::Error| shm_core::Error::io("write", &e);
    let mut cache = PoolCache::new();
    while !input
        .fill_buf()
        .map_err(|e| shm_core::Error::io("read", &e))?
        .is_empty()
    {
        let mut rx = Receiver::new(&mut input)?;
        let mut held = Vec::new();
        let (mut elements, mut total) = (0u64, 0.0);
        while let Some(item) = rx.recv_any(&mut cache)? {
            {
                let view = match &item {
                    Received::Owned(a) => a.view::<T>()?,
                    Received::Lent(l) => l.view::<T>()?,
                };
                if take.sums() {
                    total += sum(view.as_slice().ok_or_else(|| {
                        shm_core::Error::InvalidArgument("a queued array is contiguous".into())
                    })?);
                }
                elements += view.len() as u64;
            }
            held.push(item);
        }
        writeln!(out, "{} {elements} {total}", held.len())
            .and_then(|()| out.flush())
            .map_err(io)?;
        for item in held {
            // Owned arrays are freed; lent slots go back on stdout.
            if let Received::Lent(lent) = item {
                release(&mut out, lent)?;
            }
        }
        writeln!(out, "released")
            .and_then(|()| out.flush())
            .map_err(io)?;
    }
    Ok(())
}

/// The producer's end: the consumer process and its pipes.
pub(super) struct QueueConsumer {
    take: Consume,
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
    /// For the pool runs: one slot an array, made once.
    pool: Option<Pool>,
}

impl QueueConsumer {
    /// Spawns `speedup --queue-consumer` for the workload.
    pub(super) fn spawn(w: &Workload, take: Consume) -> Result<QueueConsumer, Failure> {
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
        let pool = if take.pooled() {
            let mut pool = Pool::create(w.arrays, w.nbytes)?;
            // Every page touched now, as the shared runs' arrays are.
            let loans: Vec<_> = (0..w.arrays)
                .map(|_| pool.lend(&w.shape, w.dtype))
                .collect::<Result<Option<Vec<_>>, _>>()?
                .ok_or_else(|| Failure::run("the pool has a slot an array"))?;
            for loan in loans {
                pool.bytes_mut(&loan)?.fill(1);
                pool.reclaim(loan.pool_ref())?;
            }
            Some(pool)
        } else {
            None
        };
        Ok(QueueConsumer {
            take,
            child,
            to,
            from,
            pool,
        })
    }

    /// One timed run: the arrays are made (every page touched) before the
    /// clock, as the shared runs' are; for a hand-off they are filled
    /// before it too, end-to-end inside it.
    /// The clock stops when the consumer holds (or has summed) them all.
    pub(super) fn run<T: Num>(&mut self, w: &Workload, round: u64) -> Result<Duration, Failure> {
        if self.pool.is_some() {
            return self.run_pool::<T>(w, round);
        }
        let mut arrays = Vec::with_capacity(w.arrays);
        for k in 0..w.arrays {
            let mut a = SharedArray::create(&w.shape, T::from_small(1))?;
            if !self.take.sums() {
                fill::<T>(&mut a, value(round, k))?;
            }
            arrays.push(a);
        }
        let t = Instant::now();
        let mut tx = Sender::over(&mut self.to)?;
        for (k, a) in arrays.iter_mut().enumerate() {
            if self.take.sums() {
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
        self.check(w, round, &got)?;
        Ok(spent)
    }

    /// One timed run through the pool: the slots are lent (and, for a
    /// hand-off, filled) before the clock; the clock stops at the
    /// consumer's reply; the releases are reclaimed after it.
    fn run_pool<T: Num>(&mut self, w: &Workload, round: u64) -> Result<Duration, Failure> {
        let pool = self.pool.as_mut().expect("a pool run");
        let mut loans = Vec::with_capacity(w.arrays);
        for k in 0..w.arrays {
            let loan = pool
                .lend(&w.shape, w.dtype)?
                .ok_or_else(|| Failure::run("no free slot: a release was lost"))?;
            if self.take == Consume::PoolHold {
                fill_loan::<T>(pool, &loan, value(round, k))?;
            }
            loans.push(loan);
        }
        // The stream is opened and the pool's lease bound to it off the
        // clock, as a pool's one long-lived stream would be.
        let mut tx = Sender::over(&mut self.to)?;
        tx.bind(pool);
        let t = Instant::now();
        if self.take == Consume::PoolSum {
            // One message per array as it is filled, so the consumer sums
            // one while the next is filled.
            for (k, loan) in loans.iter().enumerate() {
                fill_loan::<T>(pool, loan, value(round, k))?;
                tx.lend(pool, loan)?;
            }
        } else {
            // The arrays exist: one write hands them all over.
            tx.lend_all(pool, &loans)?;
        }
        tx.finish()?;
        let mut got = String::new();
        self.from.read_line(&mut got)?;
        let spent = t.elapsed();
        for _ in 0..w.arrays {
            let released = read_release(&mut self.from)?
                .ok_or_else(|| Failure::run("the queue consumer ended before its releases"))?;
            pool.reclaim(released)?;
        }
        if self.line()? != "released" {
            return Err(Failure::run(
                "the queue consumer did not release its arrays",
            ));
        }
        self.check(w, round, got.trim_end())?;
        Ok(spent)
    }

    /// The consumer's `ARRAYS ELEMENTS VALUE` is what run `round` sends.
    fn check(&self, w: &Workload, round: u64, got: &str) -> Result<(), Failure> {
        let want_value = if self.take.sums() {
            w.expected_sum(round)
        } else {
            0.0
        };
        let want = format!("{} {} {}", w.arrays, w.arrays * w.elements, want_value);
        if got != want {
            return Err(Failure::run(format!(
                "queue ({}): the consumer received (arrays, elements, value) = ({got}), expected ({want})",
                self.take.word()
            )));
        }
        Ok(())
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

fn fill_loan<T: Num>(pool: &mut Pool, loan: &Loan, v: u8) -> Result<(), Failure> {
    pool.view_mut::<T>(loan)?
        .into_slice()
        .ok_or_else(|| Failure::run("a slot is contiguous"))?
        .fill(T::from_small(v));
    Ok(())
}

fn fill<T: Num>(a: &mut SharedArray, v: u8) -> Result<(), Failure> {
    a.view_mut::<T>()?
        .into_slice()
        .ok_or_else(|| Failure::run("a C-order array is contiguous"))?
        .fill(T::from_small(v));
    Ok(())
}
