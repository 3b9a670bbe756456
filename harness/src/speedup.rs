//! `shm-harness speedup`: the shared_numpy workload, copied against shared.

use std::process::ExitCode;

use crate::cli::SpeedupArgs;

/// Runs the workload and prints the table.
pub(crate) fn run(_args: &SpeedupArgs) -> ExitCode {
    crate::peer::fail(
        crate::peer::EXIT_USAGE,
        "speedup is not available in this build",
    )
}
