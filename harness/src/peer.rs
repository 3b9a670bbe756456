//! The reference-peer commands: `create`, `peer` and `unlink`.
//!
//! Every failure prints one `error: ...` line on stderr and exits with a
//! documented code: 2 when the input is wrong (usage, descriptor, name,
//! dtype, index, value), 3 when the segment operation fails (not found,
//! already exists, size or dtype mismatch, out of space, OS error).

use std::io::Write;
use std::process::ExitCode;

use shm_core::{DType, Descriptor, Error, Scalar, SharedArray};

use crate::ops;

use crate::cli::{CreateArgs, PeerArgs, UnlinkArgs};

/// Exit code for a `check-pattern` that found a wrong element.
pub(crate) const EXIT_CHECK: u8 = 1;
/// Exit code for wrong input.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code for a failed segment operation (attach, create, unlink).
pub(crate) const EXIT_SEGMENT: u8 = 3;

/// The exit code an error maps to.
pub(crate) fn exit_code(err: &Error) -> u8 {
    match err {
        Error::InvalidName { .. }
        | Error::InvalidDescriptor(_)
        | Error::UnsupportedDtype { .. }
        | Error::InvalidArgument(_) => EXIT_USAGE,
        _ => EXIT_SEGMENT,
    }
}

/// Prints `error: ...` and returns the code.
pub(crate) fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

fn fail_with(err: Error) -> ExitCode {
    fail(exit_code(&err), err)
}

use crate::words;
pub(crate) use crate::words::{parse_index, parse_shape};

/// Reads a descriptor argument: JSON text, `@FILE`, or `-` for stdin.
pub(crate) fn read_descriptor(arg: &str) -> Result<Descriptor, Error> {
    let text = words::descriptor_text(arg)?;
    // `"layout": "sharedarray"`: attach by name; shape and dtype from the trailer.
    if let Some(d) = shm_core::foreign::sharedarray::from_json(&text)? {
        return Ok(d);
    }
    Descriptor::from_json(&text)
}

/// `shm-harness create`.
pub(crate) fn create(args: &CreateArgs) -> ExitCode {
    let signals = block_release_signals();
    let made = (|| {
        let shape = parse_shape(&args.shape)?;
        let dtype = DType::parse(&args.dtype)?;
        let fill = args
            .fill
            .as_deref()
            .map(|v| Scalar::parse(dtype, v))
            .transpose()?;
        let mut array = if args.sharedarray {
            shm_core::foreign::sharedarray::create(args.name.as_deref(), &shape, dtype)?
        } else {
            SharedArray::create_dtype(args.name.as_deref(), &shape, dtype)?
        };
        if let Some(value) = fill {
            array.fill(value)?;
        }
        let line = if args.wetlands {
            array.descriptor().to_wetlands_value()?.to_string()
        } else if args.sharedarray {
            shm_core::foreign::sharedarray::descriptor_json(array.descriptor())
        } else {
            array.descriptor().to_json()
        };
        Ok::<_, Error>((array, line))
    })();
    let (mut array, line) = match made {
        Ok(made) => made,
        Err(e) => return fail_with(e),
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        // Nobody can learn the name: do not leave the segment behind.
        return fail(EXIT_SEGMENT, "cannot write the descriptor to stdout");
    }
    drop(out);
    if args.keep {
        if let Some(segment) = array.segment_mut() {
            segment.disown();
        }
        return ExitCode::SUCCESS;
    }
    wait_for_release(signals);
    drop(array);
    ExitCode::SUCCESS
}

/// Blocks SIGTERM, SIGINT and SIGHUP (and SIGUSR1, the stdin watcher's
/// wake-up) in this thread and every thread started later, so that from now
/// on they are taken with `sigwait` and never kill the process before it
/// unlinks. Called before the segment exists, so no signal can fall between
/// creating it and waiting.
#[cfg(unix)]
fn block_release_signals() -> Option<nix::sys::signal::SigSet> {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGUSR1,
    ] {
        set.add(s);
    }
    set.thread_block().ok().map(|()| set)
}

/// Blocks until stdin reaches end of file or a blocked signal arrives.
#[cfg(unix)]
fn wait_for_release(signals: Option<nix::sys::signal::SigSet>) {
    use nix::sys::signal::{Signal, kill};
    let Some(set) = signals else {
        // Signals could not be blocked: stdin alone can release.
        drain_stdin();
        return;
    };
    std::thread::spawn(|| {
        drain_stdin();
        let _ = kill(nix::unistd::getpid(), Signal::SIGUSR1);
    });
    let _ = set.wait();
}

#[cfg(not(unix))]
fn block_release_signals() -> Option<()> {
    None
}

#[cfg(not(unix))]
fn wait_for_release(_: Option<()>) {
    drain_stdin();
}

fn drain_stdin() {
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
}

/// Parses the operation words into the runner's operation.
fn parse_op(words: &[String]) -> Result<ops::Op, Error> {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let index = |text: &str| -> Result<Vec<i64>, Error> {
        parse_index(text)?
            .into_iter()
            .map(|i| {
                i64::try_from(i)
                    .map_err(|_| Error::InvalidArgument(format!("index {text:?} is too large")))
            })
            .collect()
    };
    let seed = |text: &str| {
        text.parse::<u64>().map_err(|_| {
            Error::InvalidArgument(format!("seed {text:?} is not a non-negative integer"))
        })
    };
    Ok(match words.as_slice() {
        ["sum"] => ops::Op::Sum,
        ["emit"] => ops::Op::Emit,
        ["get", i] => ops::Op::Get { index: index(i)? },
        ["set", i, value] => ops::Op::Set {
            index: index(i)?,
            value: (*value).to_owned(),
        },
        ["fill", value] => ops::Op::Fill {
            value: (*value).to_owned(),
        },
        ["pattern", s] => ops::Op::Pattern { seed: seed(s)? },
        ["check-pattern", s] => ops::Op::CheckPattern { seed: seed(s)? },
        _ => {
            return Err(Error::InvalidArgument(format!(
                "unknown operation {:?}: expected sum | get I,J.. | set I,J.. VALUE | fill VALUE | emit | pattern SEED | check-pattern SEED",
                words.join(" ")
            )));
        }
    })
}

/// `shm-harness peer`.
pub(crate) fn peer(args: &PeerArgs) -> ExitCode {
    let prepared = parse_op(&args.op).and_then(|op| Ok((op, read_descriptor(&args.descriptor)?)));
    let (op, descriptor) = match prepared {
        Ok(p) => p,
        Err(e) => return fail_with(e),
    };
    let array = match SharedArray::attach(&descriptor) {
        Ok(a) => a,
        // Everything attach refuses is about the segment, except a bad name.
        Err(e @ Error::InvalidName { .. }) => return fail_with(e),
        Err(e) => return fail(EXIT_SEGMENT, e),
    };
    let prints = matches!(
        op,
        ops::Op::Sum | ops::Op::Get { .. } | ops::Op::Emit | ops::Op::CheckPattern { .. }
    );
    match ops::Worker::with_array(array).perform(&op) {
        ops::Reply::Ok(line) => {
            if prints {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        ops::Reply::Error { kind, message } => {
            let code = match kind.as_str() {
                "Mismatch" => EXIT_CHECK,
                "InvalidName" | "InvalidDescriptor" | "UnsupportedDtype" | "InvalidArgument" => {
                    EXIT_USAGE
                }
                _ => EXIT_SEGMENT,
            };
            fail(code, message)
        }
    }
}

/// `shm-harness unlink`.
pub(crate) fn unlink(args: &UnlinkArgs) -> ExitCode {
    match shm_core::lease::unlink(&args.name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail_with(e),
    }
}
