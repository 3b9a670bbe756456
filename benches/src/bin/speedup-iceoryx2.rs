//! `speedup-iceoryx2`: the `shm-harness speedup` workload through iceoryx2,
//! the anchor's rows of that table (`shm-harness speedup` runs this binary
//! when it finds it beside itself, or as `--iceoryx2 PATH` says).
//!
//! ```text
//! speedup-iceoryx2 --arrays N --elements E --dtype D --repeat R
//! ```
//!
//! The producer (this process) publishes N samples of E elements of dtype D
//! (as `[u8]` slices of E × itemsize bytes) to a consumer process, this
//! binary re-run with `--consume`, zero-copy on both sides, in a private
//! iceoryx2 domain ([`Domain`]). Each figure is the median of R runs after
//! one untimed warm-up, in both of iceoryx2's ways of waking a receiver:
//! `event` (the consumer blocks on a listener the producer notifies after
//! each send) and `poll` (it spins on `receive`).
//!
//! - Hand-off: the samples are loaned and filled before the clock; it
//!   covers the sends (in `event` mode one notification after the batch,
//!   as the pool's hand-off is one write) and stops when the consumer holds all N (each
//!   checked to be whole elements of D) and has said so on its stdout.
//! - End-to-end: the samples are loaned (zeroed) before the clock; it covers
//!   the fill of every element, the sends, and the consumer's sum of every
//!   element, which is checked.
//!
//! Prints one JSON object: `{"event": {"handoff_s", "end_to_end_s"},
//! "poll": {...}}`. Exit codes: 0, 1 a run failed or gave a wrong sum, 2
//! wrong arguments.

use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use benches::iceoryx::{self, Domain, Wake, check};
use iceoryx2::port::update_connections::UpdateConnections;

/// The dtypes the rows can carry (numpy names), with their item sizes.
const DTYPES: &[(&str, usize)] = &[
    ("float32", 4),
    ("float64", 8),
    ("int8", 1),
    ("int16", 2),
    ("int32", 4),
    ("int64", 8),
    ("uint8", 1),
    ("uint16", 2),
    ("uint32", 4),
    ("uint64", 8),
];

/// What one run carries.
#[derive(Debug, Clone)]
struct Plan {
    arrays: usize,
    elements: usize,
    dtype: String,
    itemsize: usize,
    repeat: usize,
}

impl Plan {
    fn bytes(&self) -> usize {
        self.elements * self.itemsize
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("--consume") {
        consume(&args[1..])
    } else {
        match parse(&args) {
            Ok(plan) => produce(&plan),
            Err(e) => {
                eprintln!("speedup-iceoryx2: {e}");
                return ExitCode::from(2);
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("speedup-iceoryx2: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<Plan, String> {
    let get = |flag: &str| -> Result<String, String> {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .ok_or_else(|| format!("{flag} is required"))
    };
    let number = |flag: &str, text: String| -> Result<usize, String> {
        text.parse()
            .map_err(|_| format!("{flag} {text:?} is not a number"))
    };
    let arrays = number("--arrays", get("--arrays")?)?;
    let elements = number("--elements", get("--elements")?)?;
    let repeat = number("--repeat", get("--repeat")?)?;
    let dtype = get("--dtype")?;
    let &(_, itemsize) = DTYPES
        .iter()
        .find(|(name, _)| *name == dtype)
        .ok_or_else(|| format!("--dtype {dtype}: the iceoryx2 rows carry only {DTYPES:?}"))?;
    if arrays == 0 || repeat == 0 {
        return Err("--arrays and --repeat must be at least 1".into());
    }
    Ok(Plan {
        arrays,
        elements,
        dtype,
        itemsize,
        repeat,
    })
}

/// The value every element of array `k` of run `round` holds: small
/// integers, exact in every dtype and in an f64 sum.
fn value(round: usize, k: usize, arrays: usize) -> u8 {
    ((round * arrays + k) % 97 + 1) as u8
}

/// `value` in the dtype's native bytes.
fn element_bytes(dtype: &str, v: u8) -> Vec<u8> {
    match dtype {
        "float32" => f32::from(v).to_ne_bytes().to_vec(),
        "float64" => f64::from(v).to_ne_bytes().to_vec(),
        "int8" | "uint8" => vec![v],
        "int16" | "uint16" => u16::from(v).to_ne_bytes().to_vec(),
        "int32" | "uint32" => u32::from(v).to_ne_bytes().to_vec(),
        _ => u64::from(v).to_ne_bytes().to_vec(),
    }
}

/// The sum of every element of `bytes`, read as `dtype`, in f64: eight
/// lanes, as `shm-harness speedup` sums its arrays, so both sum alike.
fn sum(dtype: &str, bytes: &[u8]) -> f64 {
    macro_rules! add {
        ($t:ty, $n:expr) => {
            lanes::<$n>(bytes, |c| {
                <$t>::from_ne_bytes(c.try_into().expect("chunk")) as f64
            })
        };
    }
    match dtype {
        "float32" => add!(f32, 4),
        "float64" => add!(f64, 8),
        "int8" => add!(i8, 1),
        "int16" => add!(i16, 2),
        "int32" => add!(i32, 4),
        "int64" => add!(i64, 8),
        "uint8" => add!(u8, 1),
        "uint16" => add!(u16, 2),
        "uint32" => add!(u32, 4),
        _ => add!(u64, 8),
    }
}

fn lanes<const N: usize>(bytes: &[u8], get: impl Fn(&[u8]) -> f64) -> f64 {
    let mut lanes = [0.0f64; 8];
    let mut blocks = bytes.chunks_exact(8 * N);
    for block in &mut blocks {
        for (lane, c) in lanes.iter_mut().zip(block.chunks_exact(N)) {
            *lane += get(c);
        }
    }
    let tail: f64 = blocks.remainder().chunks_exact(N).map(&get).sum();
    lanes.iter().sum::<f64>() + tail
}

/// Fills `bytes` with `element` repeated: one element, then copies that
/// double what is filled.
fn fill(bytes: &mut [u8], element: &[u8]) {
    let Some(first) = bytes.get_mut(..element.len()) else {
        return;
    };
    first.copy_from_slice(element);
    let mut filled = element.len();
    while filled < bytes.len() {
        let n = filled.min(bytes.len() - filled);
        bytes.copy_within(..n, filled);
        filled += n;
    }
}

fn produce(plan: &Plan) -> io::Result<()> {
    let mut figures = Vec::new();
    for wake in [Wake::Event, Wake::Poll] {
        let (handoff, end_to_end) = measure(plan, wake)?;
        figures.push(format!(
            "\"{}\": {{\"handoff_s\": {handoff:e}, \"end_to_end_s\": {end_to_end:e}}}",
            wake.as_str()
        ));
    }
    println!("{{{}}}", figures.join(", "));
    Ok(())
}

/// The consumer process: stdin takes one word per run, stdout says when
/// it holds (or has summed) them all.
struct Consumer {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
}

impl Consumer {
    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.from.read_line(&mut line)? == 0 {
            return Err(io::Error::other("the consumer ended"));
        }
        Ok(line.trim_end().to_owned())
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        let _ = writeln!(self.to, "exit");
        let _ = self.to.flush();
        if !matches!(
            wait_a_while(&mut self.child),
            Some(status) if status.success()
        ) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn wait_a_while(child: &mut Child) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

/// Median hand-off and end-to-end seconds with `wake`.
fn measure(plan: &Plan, wake: Wake) -> io::Result<(f64, f64)> {
    let domain = Domain::new()?;
    let (data, wake_name) = iceoryx::service_names(wake, plan.bytes());
    let node = iceoryx::node(domain.config())?;
    let pubsub = iceoryx::pubsub(&node, &data, plan.arrays)?;
    let events = iceoryx::event(&node, &wake_name)?;
    let publisher = check(
        pubsub
            .publisher_builder()
            .initial_max_slice_len(plan.bytes().max(1))
            .max_loaned_samples(plan.arrays)
            .create(),
        "create a publisher",
    )?;
    let notifier = check(events.notifier_builder().create(), "create a notifier")?;
    let [root, prefix] = domain.args();
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--consume", wake.as_str(), root, prefix, &data, &wake_name])
        .args([&plan.dtype, &plan.arrays.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut consumer = Consumer {
        to: child.stdin.take().expect("piped"),
        from: BufReader::new(child.stdout.take().expect("piped")),
        child,
    };
    if consumer.line()? != "ready" {
        return Err(io::Error::other("the consumer did not start"));
    }
    check(publisher.update_connections(), "connect to the consumer")?;
    let mut medians = [0.0f64; 2];
    for (which, summing) in [false, true].into_iter().enumerate() {
        let mut times = Vec::with_capacity(plan.repeat);
        for round in 0..=plan.repeat {
            let mut samples = Vec::with_capacity(plan.arrays);
            for k in 0..plan.arrays {
                let mut sample = check(publisher.loan_slice(plan.bytes()), "loan a sample")?;
                if !summing {
                    fill(
                        sample.payload_mut(),
                        &element_bytes(&plan.dtype, value(round, k, plan.arrays)),
                    );
                }
                samples.push(sample);
            }
            writeln!(consumer.to, "{}", if summing { "sum" } else { "hold" })?;
            consumer.to.flush()?;
            let t = Instant::now();
            for (k, mut sample) in samples.into_iter().enumerate() {
                if summing {
                    fill(
                        sample.payload_mut(),
                        &element_bytes(&plan.dtype, value(round, k, plan.arrays)),
                    );
                }
                check(sample.send(), "send")?;
                // End-to-end wakes the consumer per array, so it sums one
                // while the next is filled; a hand-off's arrays all exist,
                // and one notification after the batch wakes it once (as
                // the pool's hand-off is one write).
                if wake == Wake::Event && summing {
                    check(notifier.notify(), "notify")?;
                }
            }
            if wake == Wake::Event && !summing {
                check(notifier.notify(), "notify")?;
            }
            let got = consumer.line()?;
            let spent = t.elapsed();
            let expected: f64 = (0..plan.arrays)
                .map(|k| plan.elements as f64 * f64::from(value(round, k, plan.arrays)))
                .sum();
            let want = if summing {
                format!("{} {expected:e}", plan.arrays)
            } else {
                format!("{} held", plan.arrays)
            };
            if got != want {
                return Err(io::Error::other(format!(
                    "the consumer said {got:?}, expected {want:?}"
                )));
            }
            if round > 0 {
                times.push(spent.as_secs_f64());
            }
        }
        times.sort_by(f64::total_cmp);
        medians[which] = times[times.len() / 2];
    }
    drop(consumer);
    drop((publisher, notifier, pubsub, events, node));
    drop(domain);
    Ok((medians[0], medians[1]))
}

/// `--consume WAKE ROOT PREFIX DATA EVENT DTYPE N`: for each word on stdin
/// (`hold` or `sum`), takes N samples and holds them all (each checked to
/// be whole elements of DTYPE, or summed as DTYPE), says so, and lets them
/// go; `exit` or the end of stdin ends it.
fn consume(args: &[String]) -> io::Result<()> {
    let usage = || io::Error::other("usage: --consume WAKE ROOT PREFIX DATA EVENT DTYPE N");
    let [mode, root, prefix, data, wake_service, dtype, arrays] = args else {
        return Err(usage());
    };
    let wake = Wake::parse(mode).ok_or_else(usage)?;
    let arrays: usize = arrays.parse().map_err(|_| usage())?;
    let &(_, itemsize) = DTYPES
        .iter()
        .find(|(name, _)| name == dtype)
        .ok_or_else(usage)?;
    let node = iceoryx::node(&iceoryx::config(root, prefix)?)?;
    let pubsub = iceoryx::pubsub(&node, data, arrays)?;
    let events = iceoryx::event(&node, wake_service)?;
    let subscriber = check(pubsub.subscriber_builder().create(), "create a subscriber")?;
    let listener = check(events.listener_builder().create(), "create a listener")?;
    let mut out = io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;
    let mut input = io::stdin().lock();
    let mut word = String::new();
    loop {
        word.clear();
        if input.read_line(&mut word)? == 0 || word.trim() == "exit" {
            return Ok(());
        }
        let summing = word.trim() == "sum";
        let mut held = Vec::with_capacity(arrays);
        let mut total = 0.0;
        while held.len() < arrays {
            let Some(sample) = check(subscriber.receive(), "receive")? else {
                match wake {
                    Wake::Event => {
                        check(
                            listener.timed_wait(|_| {}, Duration::from_secs(1)),
                            "wait on the listener",
                        )?;
                    }
                    Wake::Poll => std::hint::spin_loop(),
                }
                continue;
            };
            let bytes: &[u8] = sample.payload();
            if !bytes.len().is_multiple_of(itemsize) {
                return Err(io::Error::other("a sample that is no whole array"));
            }
            if summing {
                total += sum(dtype, bytes);
            }
            held.push(sample);
        }
        if summing {
            writeln!(out, "{arrays} {total:e}")?;
        } else {
            writeln!(out, "{arrays} held")?;
        }
        out.flush()?;
        drop(held);
    }
}
