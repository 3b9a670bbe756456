//! `shm-harness peer --descriptor D OP`: attach and do one operation
//! (protocol 5.3), with shm-core.

use std::process::ExitCode;

use shm_core::SharedArray;
use shm_harness::cli::PeerArgs;
use shm_protocol::arguments::read_descriptor;
use shm_protocol::operation::peer_command;

/// `shm-harness peer`.
pub(super) fn peer(args: &PeerArgs) -> ExitCode {
    peer_command(
        &args.op,
        &args.descriptor,
        read_descriptor,
        SharedArray::attach,
    )
}
