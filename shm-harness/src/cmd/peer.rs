//! `shm-harness peer --descriptor D OP`: attach and do one operation
//! (protocol 5.3), with shm-core.

use std::process::ExitCode;

use shm_core::SharedArray;
use shm_harness::cli::PeerArgs;
use shm_protocol::arguments::read_descriptor;
use shm_protocol::exit::{BAD_INPUT, fail};
use shm_protocol::operation::peer_command;

/// `shm-harness peer`.
pub(super) fn peer(args: &PeerArgs) -> ExitCode {
    match args.split() {
        Ok((descriptor, words)) => {
            peer_command(&words, &descriptor, read_descriptor, SharedArray::attach)
        }
        Err(e) => fail(BAD_INPUT, e),
    }
}
