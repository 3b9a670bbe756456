//! `shm-harness queue send|recv`: the two ends of `shm_core::queue` on
//! stdout and stdin (`shm_protocol::queue_ends` documents them).

use std::process::ExitCode;

use shm_harness::cli::{QueueArgs, QueueCommand};
use shm_protocol::exit::fail_with;
use shm_protocol::queue_ends::{Plan, RecvHow, recv_on, send_on, send_pooled};

/// `shm-harness queue`.
pub(super) fn queue(args: &QueueArgs) -> ExitCode {
    let result = match &args.command {
        QueueCommand::Send(a) => Plan::parse(&a.shape, &a.dtype, a.count).and_then(|plan| {
            let (out, input) = (std::io::stdout().lock(), std::io::stdin().lock());
            match a.pool {
                Some(slots) => send_pooled(out, input, &plan, slots),
                None => send_on(out, input, &plan, a.hold),
            }
        }),
        QueueCommand::Recv(a) => {
            let how = RecvHow {
                hold: a.hold,
                take: a.take,
                stall_after: a.stall_after,
            };
            recv_on(std::io::stdin().lock(), std::io::stdout().lock(), how)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail_with(&e),
    }
}
