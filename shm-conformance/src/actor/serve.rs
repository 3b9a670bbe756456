//! The child's side: read [`Request`]s as JSON lines, perform each with a
//! [`Worker`], answer each with a [`Reply`] line.

use std::io::{BufRead, Write};

use shm_protocol::exit::{HarnessKind, Kind};

use super::request::{Reply, Request};
use super::worker::Worker;

/// The child's side: serve requests from `input` until `exit`, a kill, or
/// end of input. Returns the exit code.
pub fn serve(input: impl BufRead, mut output: impl Write) -> i32 {
    let mut worker = Worker::default();
    for line in input.lines() {
        let Ok(line) = line else { return 1 };
        let reply = match serde_json::from_str::<Request>(&line) {
            Ok(Request::KillSelf) => kill_self(),
            Ok(Request::Exit) => {
                drop(worker);
                return 0;
            }
            Ok(op) => worker.perform(&op),
            Err(e) => Reply::Error {
                kind: Kind::Harness(HarnessKind::BadRequest),
                message: format!("{e}: {line}"),
            },
        };
        let text = serde_json::to_string(&reply).expect("replies serialise");
        if writeln!(output, "{text}")
            .and_then(|()| output.flush())
            .is_err()
        {
            return 1;
        }
    }
    0
}

#[cfg(unix)]
fn kill_self() -> ! {
    let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    unreachable!("SIGKILL cannot be caught")
}

#[cfg(not(unix))]
fn kill_self() -> ! {
    std::process::abort()
}
