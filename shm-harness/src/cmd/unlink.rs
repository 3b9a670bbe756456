//! `shm-harness unlink NAME`: remove a segment by name (protocol 5.5).

use std::process::ExitCode;

use shm_harness::cli::UnlinkArgs;
use shm_protocol::exit;

/// `shm-harness unlink`.
pub(super) fn unlink(args: &UnlinkArgs) -> ExitCode {
    match shm_core::lease::unlink(&args.name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit::fail_with(&e),
    }
}
