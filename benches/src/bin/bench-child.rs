//! The persistent child process of the benches.
//!
//! It serves requests (see `benches::op`) from its stdin until end of
//! file or [`Op::Exit`], writing one reply per request to its stdout. Every
//! mapping or array a request makes is held until its reply is written and
//! dropped afterwards, so the reply means "the child holds a usable array".
//! Failures are described on stderr and answered with a failure status.
//! With `--queue` it is instead the receiving end of a queue stream; with
//! `--pool` the receiving end of a pool's loans (`--pool-sum`: summing
//! each); with
//! `--iceoryx2 event|poll ROOT PREFIX PUBSUB EVENT` an iceoryx2 subscriber
//! (Unix).

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::fd::AsFd;
use std::process::ExitCode;

use benches::op::Op;
use benches::raw::RawMapping;
use benches::work;
use ipc_bench::wire::{Reply, Request, read_header};
use shm_core::{Descriptor, SharedArray};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--queue") => serve_queue(),
        Some("--pool") => serve_pool(false),
        Some("--pool-sum") => serve_pool(true),
        #[cfg(unix)]
        Some("--iceoryx2") => subscribe(&args[1..]),
        _ => serve(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-child: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Unbuffered handles on fds 0 and 1: std's stdin buffers everything in
/// 8 KiB (an extra copy of every payload) and its stdout is line-buffered.
fn raw_stdio() -> io::Result<(File, File)> {
    let input = File::from(io::stdin().as_fd().try_clone_to_owned()?);
    let output = File::from(io::stdout().as_fd().try_clone_to_owned()?);
    Ok((input, output))
}

/// `bench-child --queue`: receives one queue stream on stdin (see
/// `shm_core::queue`). For each array it writes `LEN FIRST` (its length and
/// first byte, proving the view sees the parent's bytes) while it holds the
/// array, then frees it (the receiver owns it) and writes `freed`, so the
/// parent can start its next clock with the child idle.
fn serve_queue() -> io::Result<()> {
    use std::io::Write;
    let fail = |e: shm_core::Error| io::Error::other(e.to_string());
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    let mut rx = shm_core::queue::Receiver::new(&mut input).map_err(fail)?;
    while let Some(array) = rx.recv().map_err(fail)? {
        let (len, first) = {
            let view = array.view::<u8>().map_err(fail)?;
            (view.len(), view.iter().next().copied().unwrap_or(0))
        };
        writeln!(output, "{len} {first}")?;
        output.flush()?;
        drop(array);
        writeln!(output, "freed")?;
        output.flush()?;
    }
    Ok(())
}

/// `bench-child --pool`: receives lent pool slots on stdin (see
/// `shm_core::pool`). For each it writes `LEN FIRST` while it holds the
/// view (with `--pool-sum`, `LEN CHECKSUM` of every byte), then the slot's
/// release (a JSON line) on the same stdout, which is the back channel.
fn serve_pool(sum: bool) -> io::Result<()> {
    use std::io::Write;
    let fail = |e: shm_core::Error| io::Error::other(e.to_string());
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    let mut cache = shm_core::pool::PoolCache::new();
    let mut rx = shm_core::queue::Receiver::new(&mut input).map_err(fail)?;
    while let Some(item) = rx.recv_any(&mut cache).map_err(fail)? {
        let shm_core::queue::Received::Lent(lent) = item else {
            return Err(io::Error::other("expected a lent array"));
        };
        let (len, value) = if sum {
            let bytes = lent.bytes().map_err(fail)?;
            (bytes.len(), work::checksum(bytes))
        } else {
            let view = lent.view::<u8>().map_err(fail)?;
            (
                view.len(),
                u64::from(view.iter().next().copied().unwrap_or(0)),
            )
        };
        writeln!(output, "{len} {value}")?;
        output.flush()?;
        shm_core::queue::release(&mut output, lent).map_err(fail)?;
    }
    Ok(())
}

/// `bench-child --iceoryx2 event|poll ROOT PREFIX PUBSUB EVENT`: the
/// subscriber of the iceoryx2 anchor (see `benches::iceoryx`). It opens the
/// parent's services in the parent's domain (root directory and prefix),
/// replies once when its subscriber exists, then for each sample replies
/// with its length and [`work::stamp_check`] (two words read, where the
/// shared hand-off's child reads none: the bytes stay where the publisher
/// wrote them). The first sample longer than a ping is also summed (the
/// reply's third value), so the parent can check once, untimed, that every
/// byte arrived. Replies go to stdout in the framing of every other bench,
/// while the sample is held; it is released right after.
///
/// `event` blocks on a `Listener` the parent notifies after each send;
/// `poll` spins on `receive`. A sample shorter than
/// [`iceoryx::EXIT_BELOW`](benches::iceoryx::EXIT_BELOW) ends it, and so
/// does its parent's exit (checked every second, or every few million
/// spins), so it never outlives the bench.
#[cfg(unix)]
fn subscribe(args: &[String]) -> io::Result<()> {
    use benches::iceoryx::{self, EXIT_BELOW, Wake, check};
    let usage =
        || io::Error::other("usage: bench-child --iceoryx2 event|poll ROOT PREFIX PUBSUB EVENT");
    let [mode, root, prefix, data, wake] = args else {
        return Err(usage());
    };
    let wake_mode = Wake::parse(mode).ok_or_else(usage)?;
    let parent = std::os::unix::process::parent_id();
    let (_, mut output) = raw_stdio()?;
    let node = iceoryx::node(&iceoryx::config(root, prefix)?)?;
    let pubsub = iceoryx::pubsub(&node, data, 1)?;
    let events = iceoryx::event(&node, wake)?;
    let subscriber = check(pubsub.subscriber_builder().create(), "create a subscriber")?;
    let listener = check(events.listener_builder().create(), "create a listener")?;
    Reply::OK.write_to(&mut output)?;
    let mut first = true;
    let mut spins: u64 = 0;
    loop {
        let Some(sample) = check(subscriber.receive(), "receive")? else {
            match wake_mode {
                Wake::Event => {
                    let woken = check(
                        listener.timed_wait(|_| {}, std::time::Duration::from_secs(1)),
                        "wait on the listener",
                    )?;
                    if woken > 0 {
                        continue;
                    }
                }
                Wake::Poll => {
                    spins = spins.wrapping_add(1);
                    if !spins.is_multiple_of(1 << 22) {
                        std::hint::spin_loop();
                        continue;
                    }
                }
            }
            if std::os::unix::process::parent_id() != parent {
                return Err(io::Error::other("the parent is gone"));
            }
            continue;
        };
        let bytes = sample.payload();
        if bytes.len() < EXIT_BELOW {
            return Ok(());
        }
        // The first sample that is no ping is summed in full.
        let sum = if first && bytes.len() > EXIT_BELOW {
            first = false;
            work::checksum(bytes)
        } else {
            0
        };
        Reply::ok(bytes.len() as u64, work::stamp_check(bytes), sum).write_to(&mut output)?;
        drop(sample);
    }
}

fn serve() -> io::Result<()> {
    let (input, mut output) = raw_stdio()?;
    // A header and a small payload arrive in one `read`; a large payload
    // goes straight into the receive buffer once the bytes already buffered
    // are taken (BufReader bypasses its buffer for large reads).
    let mut input = BufReader::with_capacity(64 << 10, input);
    // The receive buffer for copied data, preallocated and pre-faulted by
    // `Op::Prepare`, and a small one for descriptors and names.
    let mut buf: Vec<u8> = Vec::new();
    let mut small: Vec<u8> = Vec::new();
    while let Some(Request { op, len, .. }) = read_header(&mut input)? {
        match op {
            Op::Exit => break,
            Op::Prepare => {
                if buf.len() < len {
                    buf = vec![0u8; len];
                    work::prefault(&mut buf);
                }
                Reply::ok(buf.len() as u64, 0, 0).write_to(&mut output)?;
            }
            Op::Recv | Op::RecvSum => {
                if buf.len() < len {
                    // Unprepared: still correct, but the parent asked badly.
                    buf.resize(len, 0);
                }
                let data = &mut buf[..len];
                input.read_exact(data)?;
                let value = match op {
                    Op::Recv => work::stamp_check(data),
                    _ => work::checksum(data),
                };
                Reply::ok(len as u64, value, 0).write_to(&mut output)?;
            }
            Op::Ping => {
                read_small(&mut input, &mut small, len)?;
                Reply::ok(len as u64, work::checksum(&small), 0).write_to(&mut output)?;
            }
            Op::Attach | Op::AttachSum => {
                read_small(&mut input, &mut small, len)?;
                let held = attach(&small, op == Op::AttachSum);
                reply(
                    &mut output,
                    held.as_ref().map(|(_, r)| *r).map_err(Clone::clone),
                )?;
                // The array is unmapped only now, after the reply.
                drop(held);
            }
            Op::RawAttach => {
                read_small(&mut input, &mut small, len)?;
                let held = std::str::from_utf8(&small)
                    .map_err(|e| e.to_string())
                    .and_then(|name| RawMapping::attach(name).map_err(|e| e.to_string()));
                let r = held.as_ref().map(|m| Reply::ok(m.len() as u64, 0, 0));
                reply(&mut output, r.map_err(Clone::clone))?;
                drop(held);
            }
        }
    }
    Ok(())
}

fn read_small(input: &mut impl Read, small: &mut Vec<u8>, len: usize) -> io::Result<()> {
    small.resize(len, 0);
    input.read_exact(small)
}

/// Attaches to the array `json` describes and makes a `u8` view; with `sum`,
/// reads every byte of it. Returns the array (to hold until the reply is
/// out) and the reply.
fn attach(json: &[u8], sum: bool) -> Result<(SharedArray, Reply), String> {
    let text = std::str::from_utf8(json).map_err(|e| e.to_string())?;
    let descriptor = Descriptor::from_json(text).map_err(|e| e.to_string())?;
    let array = SharedArray::attach_as::<u8>(&descriptor).map_err(|e| e.to_string())?;
    let reply = {
        let view = array.view::<u8>().map_err(|e| e.to_string())?;
        let value = match (sum, view.as_slice()) {
            (false, _) => 0,
            (true, Some(bytes)) => work::checksum(bytes),
            (true, None) => return Err("the view is not contiguous".into()),
        };
        Reply::ok(view.len() as u64, value, 0)
    };
    Ok((array, reply))
}

fn reply(output: &mut File, r: Result<Reply, String>) -> io::Result<()> {
    let r = r.unwrap_or_else(|e| {
        eprintln!("bench-child: {e}");
        Reply::failed()
    });
    r.write_to(output)
}
