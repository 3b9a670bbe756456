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
//! shm-core only supplies the dtype model, descriptors and value text, and
//! `shm-protocol` what every Rust peer shares (the operations, the
//! create-and-hold flow, the exit-code table). What is this
//! crate's own is here: making, opening and viewing its mappings.
//!
//! # Names
//!
//! On Unix `ShmemConf` passes its `os_id` to `shm_open` unchanged, while
//! shm-core (like Python) opens `"/" + name`. So this peer uses
//! `os_id = "/" + name` for a descriptor's `name`, and prints the `os_id`
//! without its slash. Without `--name` the crate draws its own id, `/shmem_`
//! and up to 16 upper-case hex digits, which is the valid shm-core name
//! `shmem_...`. A bare `os_id` (`"name"`) reaches the same object on Linux,
//! where glibc drops leading slashes, but not on macOS.
//!
//! On Windows the crate names its file mapping with the `os_id` as given,
//! and shm-core (like CPython) names it `name`, with no slash: so there the
//! `os_id` is the bare name, and without `--name` this peer draws one with
//! shm-core's generator (the crate's own `/shmem_...` would keep its slash
//! in the object's name). The crate backs its mappings with a file under
//! `%TEMP%\shared_memory-rs` and opens by that file first; a mapping it did
//! not make has no such file, so `peer` opens with `allow_raw(true)`, which
//! falls back to `OpenFileMappingW` by name.
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

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use shared_memory::{Shmem, ShmemConf, ShmemError};
use shm_core::descriptor::Order;
use shm_core::{Descriptor, Error};
use shm_protocol::create::CreatePlan;
use shm_protocol::hold::create_and_hold;
use shm_protocol::operation::{ArrayBytes, peer_command};

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
    Peer(shm_harness::cli::PeerArgs),
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

fn main() -> ExitCode {
    match shm_harness::cli::parse::<Cli>().command {
        Command::Create(args) => create(&args),
        Command::Peer(args) => match args.split() {
            Ok((descriptor, words)) => peer_command(
                &words,
                &descriptor,
                |arg| Descriptor::from_json(&shm_protocol::arguments::descriptor_text(arg)?),
                open,
            ),
            Err(e) => shm_protocol::exit::fail(shm_protocol::exit::BAD_INPUT, e),
        },
    }
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
    if cfg!(windows) {
        name.to_owned()
    } else {
        format!("/{name}")
    }
}

fn create(args: &CreateArgs) -> ExitCode {
    let make = || {
        let CreatePlan {
            shape, dtype, fill, ..
        } = CreatePlan::read(&args.shape, &args.dtype, args.fill.as_deref())?;
        // Validates shape and dtype before the segment exists.
        let probe = Descriptor::new("probe", &shape, dtype)?;
        let size = probe.nbytes().max(1);
        let mut conf = ShmemConf::new().size(size);
        if let Some(n) = &args.name {
            conf = conf.os_id(os_id(shm_core::name::validate(n)?));
        } else if cfg!(windows) {
            conf = conf.os_id(os_id(&shm_core::name::generate()?));
        }
        let wanted = args.name.clone().unwrap_or_else(|| "(generated)".into());
        let shmem = conf.create().map_err(|e| shmem_error(e, &wanted))?;
        let name = shmem.get_os_id().trim_start_matches('/').to_owned();
        let d = Descriptor::build(Some(&name), &shape, dtype, Order::C, 0, Some(size))?;
        let mut mapped = Mapped::new(Some(shmem), d);
        if let Some(value) = fill {
            shm_core::scalar::fill(dtype, value, mapped.bytes_mut())?;
        }
        let line = mapped.d.to_json();
        Ok((mapped, line))
    };
    // The owner's drop calls shm_unlink; `--keep` clears the owner flag.
    create_and_hold(args.keep, make, |m: &mut Mapped| {
        if let Some(s) = &mut m.shmem {
            s.set_owner(false);
        }
    })
}

/// Opens the descriptor's segment with `ShmemConf::open` (never owning it:
/// the crate never unlinks what it merely opened) and makes shm-core's
/// attach checks ([`Descriptor::check_size`]).
fn open(d: &Descriptor) -> Result<Mapped, Error> {
    let Some(name) = d.name() else {
        return Ok(Mapped::new(None, d.clone())); // an empty Wetlands array has no segment
    };
    let conf = ShmemConf::new().os_id(os_id(name));
    // Windows: a mapping without the crate's backing file is opened by name.
    #[cfg(windows)]
    let conf = conf.allow_raw(true);
    let shmem = conf.open().map_err(|e| shmem_error(e, name))?;
    let d = d.check_size(shmem.len(), shm_core::segment::EXACT_SIZES)?;
    Ok(Mapped::new(Some(shmem), d))
}

/// A mapping made by the crate, and the array it holds.
struct Mapped {
    shmem: Option<Shmem>,
    d: Descriptor,
}

impl Mapped {
    fn new(shmem: Option<Shmem>, d: Descriptor) -> Mapped {
        Mapped { shmem, d }
    }

    /// The whole mapping, or nothing for an array without a segment.
    #[allow(unsafe_code)]
    fn all(&self) -> &[u8] {
        match &self.shmem {
            // SAFETY: the crate maps the whole object, `len()` bytes,
            // read-write and shared, for as long as `shmem` lives, and the
            // slice borrows `self`, so it cannot outlive the mapping. Other
            // processes' writes are ordered by the protocol driving this
            // peer (one operation per process).
            Some(s) => unsafe { s.as_slice() },
            None => &[],
        }
    }

    /// The whole mapping, mutably.
    #[allow(unsafe_code)]
    fn all_mut(&mut self) -> &mut [u8] {
        match &mut self.shmem {
            // SAFETY: as in `all`; the slice borrows `self` mutably, so no
            // other slice of the mapping is live in this process.
            Some(s) => unsafe { s.as_slice_mut() },
            None => &mut [],
        }
    }
}

impl ArrayBytes for Mapped {
    fn descriptor(&self) -> &Descriptor {
        &self.d
    }

    fn bytes(&self) -> &[u8] {
        &self.all()[self.d.offset()..self.d.required_size()]
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        let (offset, end) = (self.d.offset(), self.d.required_size());
        &mut self.all_mut()[offset..end]
    }
}
