//! The iceoryx2 anchor's rows: runs `speedup-iceoryx2` (a binary of the
//! benches crate, which depends on iceoryx2 so that this one does not) on
//! the same workload, after the Rust figures, and reads its medians.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::program::run;
use super::workload::Workload;

/// How long the whole iceoryx2 measurement may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(3600);

/// The helper's program name.
const HELPER: &str = "speedup-iceoryx2";

/// The helper's medians, in seconds, for each way of waking the consumer.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(super) struct IceoryxFigures {
    /// The consumer blocks on a listener the producer notifies.
    pub(super) event: Modes,
    /// The consumer spins on `receive`.
    pub(super) poll: Modes,
}

/// Hand-off and end-to-end medians of one wake mode.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(super) struct Modes {
    /// The samples exist, filled, before the clock.
    pub(super) handoff_s: f64,
    /// Filled inside the clock and summed by the consumer.
    pub(super) end_to_end_s: f64,
}

/// Finds the helper `--iceoryx2` asks for: `off`, `auto` (beside this
/// binary, as `cargo build --release -p benches --bin speedup-iceoryx2`
/// puts it) or a path. `Err` says why there is none, for the report.
pub(super) fn locate(choice: &str) -> Result<PathBuf, String> {
    let path = match choice {
        "off" => return Err("disabled with --iceoryx2 off".into()),
        "auto" => std::env::current_exe()
            .map_err(|e| format!("cannot find this binary ({e})"))?
            .with_file_name(format!("{HELPER}{}", std::env::consts::EXE_SUFFIX)),
        path => PathBuf::from(path),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found (build it with `cargo build --release -p benches --bin {HELPER}`, \
             or pass --iceoryx2 PATH)",
            path.display()
        ))
    }
}

/// Runs the helper on the workload and returns its medians.
pub(super) fn measure(helper: &PathBuf, w: &Workload) -> Result<IceoryxFigures, String> {
    let mut cmd = std::process::Command::new(helper);
    cmd.args(["--arrays", &w.arrays.to_string()])
        .args(["--elements", &w.shape.iter().product::<usize>().to_string()])
        .args(["--dtype", &w.dtype.name()])
        .args(["--repeat", &w.repeat.to_string()]);
    let out = run(cmd, RUN_TIMEOUT).map_err(|e| format!("{HELPER}: {e}"))?;
    if !out.success {
        return Err(format!("{HELPER} failed: {}", out.stderr.trim()));
    }
    let line = out.stdout.lines().rev().find(|l| !l.trim().is_empty());
    serde_json::from_str(line.unwrap_or(""))
        .map_err(|e| format!("{HELPER} printed no figures ({e}): {}", out.stdout.trim()))
}
