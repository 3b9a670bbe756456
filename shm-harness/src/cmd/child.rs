//! `shm-harness child` (hidden): a case's child process, re-executed by the
//! runner, serving its requests on stdin and stdout.

use std::process::ExitCode;

/// `shm-harness child`.
pub(super) fn child() -> ExitCode {
    let code = shm_conformance::actor::serve(std::io::stdin().lock(), std::io::stdout().lock());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
