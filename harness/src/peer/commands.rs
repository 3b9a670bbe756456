//! `shm-harness create`, `peer` and `unlink`: the reference peer over
//! shm-core.
//!
//! Every failure prints one `error: ...` line on stderr and exits with the
//! code of its kind (see [`crate::exit`]).

use std::process::ExitCode;

use shm_core::foreign::sharedarray;
use shm_core::{Descriptor, Error, SharedArray};

use super::hold::{create_and_hold, create_plan};
use super::op::peer_command;
use crate::cli::{CreateArgs, PeerArgs, UnlinkArgs};
use crate::exit;
use crate::words;

/// Reads a descriptor argument: JSON text, `@FILE`, or `-` for stdin. A
/// descriptor with `"layout": "sharedarray"` is read by attaching by name,
/// with shape and dtype from the segment's trailer.
pub fn read_descriptor(arg: &str) -> Result<Descriptor, Error> {
    let text = words::descriptor_text(arg)?;
    if let Some(d) = sharedarray::from_json(&text)? {
        return Ok(d);
    }
    Descriptor::from_json(&text)
}

/// `shm-harness create`.
pub fn create(args: &CreateArgs) -> ExitCode {
    let make = || {
        let (shape, dtype, fill) = create_plan(&args.shape, &args.dtype, args.fill.as_deref())?;
        let mut array = if args.sharedarray {
            sharedarray::create(args.name.as_deref(), &shape, dtype)?
        } else {
            SharedArray::create_dtype(args.name.as_deref(), &shape, dtype)?
        };
        if let Some(value) = fill {
            array.fill(value)?;
        }
        let line = if args.wetlands {
            array.descriptor().to_wetlands_value()?.to_string()
        } else if args.sharedarray {
            sharedarray::descriptor_json(array.descriptor())
        } else {
            array.descriptor().to_json()
        };
        Ok((array, line))
    };
    create_and_hold(args.keep, make, |array: &mut SharedArray| {
        if let Some(segment) = array.segment_mut() {
            segment.disown();
        }
    })
}

/// `shm-harness peer`.
pub fn peer(args: &PeerArgs) -> ExitCode {
    peer_command(
        &args.op,
        &args.descriptor,
        read_descriptor,
        SharedArray::attach,
    )
}

/// `shm-harness unlink`.
pub fn unlink(args: &UnlinkArgs) -> ExitCode {
    match shm_core::lease::unlink(&args.name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit::fail_with(&e),
    }
}
