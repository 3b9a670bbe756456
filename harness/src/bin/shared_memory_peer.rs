//! `shared_memory_peer`: the reference peer's command line implemented with
//! the `shared_memory` crate (0.12), so the interop matrix can put that crate
//! on either side of a case.
//!
//! ```text
//! shared_memory_peer create --shape 5,5 --dtype float64 [--name N] [--fill V] [--keep]
//! shared_memory_peer peer --descriptor JSON|@FILE|- OP
//!     OP: sum | get I,J | set I,J VALUE | fill VALUE | emit | pattern SEED | check-pattern SEED
//! ```
//!
//! The segment is created and opened by `shared_memory::ShmemConf` alone;
//! shm-core only supplies the dtype model, descriptors and value text.
//!
//! # Names
//!
//! `ShmemConf` passes its `os_id` to `shm_open` unchanged, while shm-core
//! (like Python) opens `"/" + name`. So this peer uses `os_id = "/" + name`
//! for a descriptor's `name`, and prints the `os_id` without its slash.
//! Without `--name` the crate draws its own id, `/shmem_` and up to 16
//! upper-case hex digits, which is the valid shm-core name `shmem_...`. A
//! bare `os_id` (`"name"`) reaches the same object on Linux, where glibc
//! drops leading slashes, but not on macOS.
//!
//! # Behaviour
//!
//! `create` makes the segment (`O_CREAT|O_EXCL`, mode 0600, `max(nbytes, 1)`
//! bytes), prints the canonical descriptor as one line, and holds it until
//! stdin reaches end of file or SIGTERM, SIGINT or SIGHUP arrives; dropping
//! the owning `Shmem` then unlinks it. `--keep` clears the crate's owner flag
//! and exits at once, leaving the segment. `peer` opens without owning (the
//! crate never unlinks what it merely opened), checks the real size against
//! the descriptor as shm-core does, and does one operation.
//!
//! Exit codes: 0 success, 1 `check-pattern` found a wrong element, 2 wrong
//! input (usage, descriptor, name, dtype, index, value), 3 a failed segment
//! operation (not found, already exists, size, OS error); every failure
//! prints one `error: ...` line on stderr.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use shared_memory::{Shmem, ShmemConf, ShmemError};
use shm_core::descriptor::Order;
use shm_core::{DType, Descriptor, Error, Scalar, SizeExpectation};

#[path = "../pattern.rs"]
mod pattern;
#[path = "../words.rs"]
mod words;

use words::{parse_index, parse_shape};

/// Exit code for a `check-pattern` that found a wrong element.
const EXIT_CHECK: u8 = 1;
/// Exit code for wrong input.
const EXIT_USAGE: u8 = 2;
/// Exit code for a failed segment operation.
const EXIT_SEGMENT: u8 = 3;

/// The reference peer's command line over the `shared_memory` crate.
#[derive(Debug, Parser)]
#[command(name = "shared_memory_peer", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an array with `ShmemConf::create`, print its descriptor, hold it.
    Create(CreateArgs),
    /// Open an array with `ShmemConf::open` and do one operation.
    Peer(PeerArgs),
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// Shape as comma-separated sizes: `5,5`; empty (`""`) for a 0-d array.
    #[arg(long, allow_hyphen_values = true)]
    shape: String,
    /// numpy dtype: `float64`, `<f8`, `>i4`, `bool`, ...
    #[arg(long, default_value = "float64")]
    dtype: String,
    /// Segment name (default: the crate's generated `shmem_` id).
    #[arg(long)]
    name: Option<String>,
    /// Value written to every element (default 0).
    #[arg(long, allow_hyphen_values = true)]
    fill: Option<String>,
    /// Leave the segment in place and exit at once.
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, Args)]
struct PeerArgs {
    /// The descriptor: JSON text, `@FILE`, or `-` for stdin.
    #[arg(long, allow_hyphen_values = true)]
    descriptor: String,
    /// The operation and its arguments.
    #[arg(required = true, num_args = 1..=3, allow_hyphen_values = true)]
    op: Vec<String>,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Create(args) => create(&args),
        Command::Peer(args) => peer(&args),
    }
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

fn fail_with(err: Error) -> ExitCode {
    let code = match err {
        Error::InvalidName { .. }
        | Error::InvalidDescriptor(_)
        | Error::UnsupportedDtype { .. }
        | Error::InvalidArgument(_) => EXIT_USAGE,
        _ => EXIT_SEGMENT,
    };
    fail(code, err)
}

/// The crate's errors as shm-core's, for `name`.
fn shmem_error(e: ShmemError, name: &str) -> Error {
    let name = name.to_owned();
    match e {
        ShmemError::MappingIdExists => Error::AlreadyExists { name },
        ShmemError::MapOpenFailed(code) | ShmemError::MapCreateFailed(code) => {
            let io = std::io::Error::from_raw_os_error(code as i32);
            match io.kind() {
                std::io::ErrorKind::NotFound => Error::NotFound { name },
                std::io::ErrorKind::PermissionDenied => Error::PermissionDenied { name },
                _ => Error::Os {
                    call: "shared_memory",
                    code: code as i32,
                    message: format!("{e}"),
                },
            }
        }
        other => Error::Os {
            call: "shared_memory",
            code: 0,
            message: other.to_string(),
        },
    }
}

/// The `os_id` that reaches shm-core's object for `name`.
fn os_id(name: &str) -> String {
    format!("/{name}")
}

fn create(args: &CreateArgs) -> ExitCode {
    let signals = release::block();
    let made = (|| {
        let shape = parse_shape(&args.shape)?;
        let dtype = DType::parse(&args.dtype)?;
        let fill = args
            .fill
            .as_deref()
            .map(|v| Scalar::parse(dtype, v))
            .transpose()?;
        // Validates shape and dtype before the segment exists.
        let probe = Descriptor::new("probe", &shape, dtype)?;
        let size = probe.nbytes().max(1);
        let mut conf = ShmemConf::new().size(size);
        if let Some(n) = &args.name {
            conf = conf.os_id(os_id(shm_core::name::validate(n)?));
        }
        let wanted = args.name.clone().unwrap_or_else(|| "(generated)".into());
        let mut shmem = conf.create().map_err(|e| shmem_error(e, &wanted))?;
        let name = shmem.get_os_id().trim_start_matches('/').to_owned();
        let d = Descriptor::build(Some(&name), &shape, dtype, Order::C, 0, Some(size))?;
        if let Some(value) = fill {
            let mut data = Data::new(&mut shmem, &d);
            data.fill(value)?;
        }
        Ok::<_, Error>((shmem, d.to_json()))
    })();
    let (mut shmem, line) = match made {
        Ok(made) => made,
        Err(e) => return fail_with(e),
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        return fail(EXIT_SEGMENT, "cannot write the descriptor to stdout");
    }
    drop(out);
    if args.keep {
        shmem.set_owner(false);
        return ExitCode::SUCCESS;
    }
    release::wait(signals);
    // The owner's drop calls shm_unlink.
    drop(shmem);
    ExitCode::SUCCESS
}

/// One peer operation.
enum Op {
    Sum,
    Get(Vec<usize>),
    Set(Vec<usize>, String),
    Fill(String),
    Emit,
    Pattern(u64),
    CheckPattern(u64),
}

fn parse_op(words: &[String]) -> Result<Op, Error> {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let seed = |s: &str| {
        s.parse::<u64>().map_err(|_| {
            Error::InvalidArgument(format!("seed {s:?} is not a non-negative integer"))
        })
    };
    Ok(match words.as_slice() {
        ["sum"] => Op::Sum,
        ["emit"] => Op::Emit,
        ["get", i] => Op::Get(parse_index(i)?),
        ["set", i, v] => Op::Set(parse_index(i)?, (*v).to_owned()),
        ["fill", v] => Op::Fill((*v).to_owned()),
        ["pattern", s] => Op::Pattern(seed(s)?),
        ["check-pattern", s] => Op::CheckPattern(seed(s)?),
        _ => {
            return Err(Error::InvalidArgument(format!(
                "unknown operation {:?}: expected sum | get I,J.. | set I,J.. VALUE | fill VALUE | emit | pattern SEED | check-pattern SEED",
                words.join(" ")
            )));
        }
    })
}

fn read_descriptor(arg: &str) -> Result<Descriptor, Error> {
    let text = words::descriptor_text(arg)?;
    Descriptor::from_json(&text)
}

/// Opens the descriptor's segment with `ShmemConf::open` and makes
/// shm-core's attach checks: real size at least `offset + nbytes`, and equal
/// to `segment_size` where the OS reports exact sizes.
fn open(d: &Descriptor) -> Result<Option<Shmem>, Error> {
    let Some(name) = d.name() else {
        return Ok(None); // an empty Wetlands array has no segment
    };
    let shmem = ShmemConf::new()
        .os_id(os_id(name))
        .open()
        .map_err(|e| shmem_error(e, name))?;
    let found = shmem.len();
    let mismatch = |expected| Error::SizeMismatch {
        name: name.to_owned(),
        expected,
        found,
    };
    if found < d.required_size() {
        return Err(mismatch(SizeExpectation::AtLeast(d.required_size())));
    }
    match d.segment_size() {
        Some(size) if shm_core::segment::EXACT_SIZES && size != found => {
            Err(mismatch(SizeExpectation::Exactly(size)))
        }
        _ => Ok(Some(shmem)),
    }
}

fn peer(args: &PeerArgs) -> ExitCode {
    let prepared = parse_op(&args.op).and_then(|op| Ok((op, read_descriptor(&args.descriptor)?)));
    let (op, mut d) = match prepared {
        Ok(p) => p,
        Err(e) => return fail_with(e),
    };
    let mut shmem = match open(&d) {
        Ok(s) => s,
        Err(e @ Error::InvalidName { .. }) => return fail_with(e),
        Err(e) => return fail(EXIT_SEGMENT, e),
    };
    if let (None, Some(s)) = (d.segment_size(), &shmem) {
        if shm_core::segment::EXACT_SIZES {
            d = match d.with_segment_size(s.len()) {
                Ok(d) => d,
                Err(e) => return fail_with(e),
            };
        }
    }
    let mut data = match &mut shmem {
        Some(s) => Data::new(s, &d),
        None => Data {
            bytes: &mut [],
            d: &d,
        },
    };
    let dtype = d.dtype();
    let result = match op {
        Op::Sum => data.sum().map(|v| Some(v.to_string())),
        Op::Get(i) => data.get(&i).map(|v| Some(v.to_string())),
        Op::Set(i, v) => Scalar::parse(dtype, &v)
            .and_then(|v| data.set(&i, v))
            .map(|()| None),
        Op::Fill(v) => Scalar::parse(dtype, &v)
            .and_then(|v| data.fill(v))
            .map(|()| None),
        Op::Emit => Ok(Some(d.to_json())),
        Op::Pattern(seed) => data.pattern(seed).map(|()| None),
        Op::CheckPattern(seed) => match data.check_pattern(seed) {
            Ok(Some(wrong)) => return fail(EXIT_CHECK, wrong),
            Ok(None) => Ok(Some("ok".to_owned())),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(Some(line)) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => fail_with(e),
    }
}

/// The array's bytes in a mapping, with element access by dtype.
struct Data<'a> {
    bytes: &'a mut [u8],
    d: &'a Descriptor,
}

impl<'a> Data<'a> {
    #[allow(unsafe_code)]
    fn new(shmem: &'a mut Shmem, d: &'a Descriptor) -> Data<'a> {
        // SAFETY: the crate maps the whole object, `len()` bytes, read-write
        // and shared, for as long as `shmem` lives; the returned slice
        // borrows `shmem` mutably, so it cannot outlive the mapping and no
        // other slice of it exists in this process. Other processes' writes
        // are ordered by the protocol driving this peer (one operation per
        // process).
        let all = unsafe { shmem.as_slice_mut() };
        let (offset, end) = (d.offset(), d.required_size());
        Data {
            bytes: &mut all[offset..end],
            d,
        }
    }

    fn dtype(&self) -> DType {
        self.d.dtype()
    }

    /// Byte range of the element at `index`, in C or F order.
    fn range(&self, index: &[usize]) -> Result<std::ops::Range<usize>, Error> {
        let shape = self.d.shape();
        if index.len() != shape.len() || index.iter().zip(shape).any(|(i, n)| i >= n) {
            return Err(Error::InvalidArgument(format!(
                "index {index:?} is outside shape {shape:?}"
            )));
        }
        let dims: Vec<(usize, usize)> = match self.d.order() {
            Order::C => index
                .iter()
                .copied()
                .zip(shape.iter().copied())
                .rev()
                .collect(),
            Order::F => index.iter().copied().zip(shape.iter().copied()).collect(),
        };
        let (mut linear, mut stride) = (0, 1);
        for (i, n) in dims {
            linear += i * stride;
            stride *= n;
        }
        let size = self.dtype().itemsize();
        Ok(linear * size..(linear + 1) * size)
    }

    fn get(&self, index: &[usize]) -> Result<Scalar, Error> {
        let r = self.range(index)?;
        Scalar::from_bytes(self.dtype(), &self.bytes[r])
    }

    fn set(&mut self, index: &[usize], value: Scalar) -> Result<(), Error> {
        let r = self.range(index)?;
        value.to_bytes(self.dtype(), &mut self.bytes[r])
    }

    fn elements(&self) -> impl Iterator<Item = Result<Scalar, Error>> + '_ {
        let dtype = self.dtype();
        self.bytes
            .chunks_exact(dtype.itemsize())
            .map(move |b| Scalar::from_bytes(dtype, b))
    }

    fn fill(&mut self, value: Scalar) -> Result<(), Error> {
        shm_core::scalar::fill(self.dtype(), value, self.bytes)
    }

    /// As `SharedArray::sum`.
    fn sum(&self) -> Result<Scalar, Error> {
        shm_core::scalar::sum(self.dtype(), self.bytes)
    }

    /// Writes the shared pattern (`pattern.rs`) into every element.
    fn pattern(&mut self, seed: u64) -> Result<(), Error> {
        let dtype = self.dtype();
        for (i, chunk) in self.bytes.chunks_exact_mut(dtype.itemsize()).enumerate() {
            pattern::value(dtype, i, seed).to_bytes(dtype, chunk)?;
        }
        Ok(())
    }

    /// The first element that differs from the pattern, as a message.
    fn check_pattern(&self, seed: u64) -> Result<Option<String>, Error> {
        let dtype = self.dtype();
        for (i, found) in self.elements().enumerate() {
            let found = found?;
            let mut buf = [0u8; 16];
            let buf = &mut buf[..dtype.itemsize()];
            pattern::value(dtype, i, seed).to_bytes(dtype, buf)?;
            let expected = Scalar::from_bytes(dtype, buf)?;
            if !found.same_value(&expected) {
                return Ok(Some(format!(
                    "element {i} (flat): expected {expected}, found {found}"
                )));
            }
        }
        Ok(None)
    }
}

/// Holding a created segment until stdin closes or a signal arrives.
#[cfg(unix)]
mod release {
    use nix::sys::signal::{SigSet, Signal, kill};

    /// Blocks SIGTERM, SIGINT, SIGHUP and SIGUSR1 (the stdin watcher's
    /// wake-up) before the segment exists, so they are taken by `sigwait`
    /// and never end the process before it unlinks.
    pub(super) fn block() -> Option<SigSet> {
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

    /// Returns when stdin reaches end of file or a blocked signal arrives.
    pub(super) fn wait(set: Option<SigSet>) {
        let Some(set) = set else {
            super::drain_stdin();
            return;
        };
        std::thread::spawn(|| {
            super::drain_stdin();
            let _ = kill(nix::unistd::getpid(), Signal::SIGUSR1);
        });
        let _ = set.wait();
    }
}

/// Holding a created segment until stdin closes.
#[cfg(not(unix))]
mod release {
    pub(super) fn block() {}

    pub(super) fn wait(_: ()) {
        super::drain_stdin();
    }
}

fn drain_stdin() {
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
}
