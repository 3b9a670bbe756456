//! The CPython comparison: finds a Python with numpy and runs
//! `fixtures/python/speedup.py` (built into this binary) on the same
//! workload, after the Rust figures, so the two never compete for the CPUs.

use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use super::program::run;
use super::workload::Workload;

/// The script, as shipped in `fixtures/python/speedup.py` (`build.rs`
/// says where that is read from).
const SCRIPT: &str = include_str!(concat!(
    env!("SHM_SPEEDUP_DATA"),
    "/fixtures/python/speedup.py"
));
/// The queue's Python twin, which the script's queue rows import.
const QUEUE: &str = include_str!(concat!(
    env!("SHM_SPEEDUP_DATA"),
    "/fixtures/python/shm_queue.py"
));

/// Prints the Python and numpy versions, or `-` and why numpy is missing.
const PROBE: &str = "import sys\n\
v = '%d.%d.%d' % sys.version_info[:3]\n\
try:\n    import numpy\n    n = numpy.__version__\n\
except Exception as e:\n    n = '-' + type(e).__name__\n\
print(v, n)\n";

/// How long the probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the whole CPython measurement may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(3600);

/// The Python interpreter chosen.
#[derive(Debug, Clone)]
pub(super) struct Python {
    /// What was run (`python3`, or a path).
    pub(super) exe: String,
    /// `3.11.7`.
    pub(super) version: String,
    /// numpy's version.
    pub(super) numpy: String,
}

/// The script's medians, in seconds.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct PythonFigures {
    /// The multiprocessing start method used.
    pub(super) start_method: String,
    /// Hand-off figures.
    pub(super) handoff: Pair,
    /// End-to-end figures.
    pub(super) end_to_end: Pair,
    /// The iceoryx2 package's version, when its rows were measured.
    #[serde(default)]
    pub(super) iceoryx2: Option<String>,
    /// Why they were not.
    #[serde(default)]
    pub(super) iceoryx2_note: Option<String>,
    /// The shm_ndarray package's version, when its rows were measured.
    #[serde(default)]
    pub(super) package: Option<String>,
    /// Why they were not.
    #[serde(default)]
    pub(super) package_note: Option<String>,
}

/// Copied, shared and queued medians of one workload.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(super) struct Pair {
    /// Pickled through a `multiprocessing.Queue`.
    pub(super) copied_s: f64,
    /// Shared by `multiprocessing.shared_memory` name.
    pub(super) shared_s: f64,
    /// Moved through the queue's Python twin (`shm_queue.py`).
    pub(super) queue_s: f64,
    /// Published through iceoryx2, the consumer woken by an event.
    #[serde(default)]
    pub(super) iceoryx2_event_s: Option<f64>,
    /// Published through iceoryx2, the consumer busy-polling.
    #[serde(default)]
    pub(super) iceoryx2_poll_s: Option<f64>,
    /// shm_ndarray arrays pickled (their descriptor) through the Queue.
    #[serde(default)]
    pub(super) package_descriptor_s: Option<f64>,
    /// Moved on shm_ndarray's queue.
    #[serde(default)]
    pub(super) package_queue_s: Option<f64>,
    /// Lent from shm_ndarray's pool.
    #[serde(default)]
    pub(super) package_pool_s: Option<f64>,
}

/// Finds the interpreter `--python` asks for: `off` (none), `auto`
/// (`$SHM_HARNESS_PYTHON`, else `python3`) or a path. `Err` says why there is
/// none, for the report.
pub(super) fn locate(choice: &str) -> Result<Python, String> {
    let exe = match choice {
        "off" => return Err("disabled with --python off".into()),
        "auto" => std::env::var("SHM_HARNESS_PYTHON")
            .ok()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| "python3".into()),
        path => path.to_owned(),
    };
    let mut cmd = Command::new(&exe);
    cmd.arg("-c").arg(PROBE);
    let out = match run(cmd, PROBE_TIMEOUT) {
        Ok(out) => out,
        Err(e) => return Err(format!("{exe} could not be run ({e})")),
    };
    if !out.success {
        return Err(format!("{exe} failed: {}", last_line(&out.stderr)));
    }
    let mut words = out.stdout.split_whitespace();
    let (Some(version), Some(numpy)) = (words.next(), words.next()) else {
        return Err(format!("{exe} printed {:?}", out.stdout.trim()));
    };
    let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    if parts.as_slice() < [3, 8].as_slice() {
        return Err(format!(
            "{exe} is Python {version}; multiprocessing.shared_memory needs 3.8 or later"
        ));
    }
    if let Some(why) = numpy.strip_prefix('-') {
        return Err(format!(
            "{exe} (Python {version}) has no numpy ({why}); install numpy or pass --python PATH"
        ));
    }
    Ok(Python {
        exe,
        version: version.to_owned(),
        numpy: numpy.to_owned(),
    })
}

/// Runs the script on the workload and returns its medians.
pub(super) fn measure(py: &Python, w: &Workload) -> Result<PythonFigures, String> {
    let dir = tempfile::Builder::new()
        .prefix("shm-harness-speedup")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let script = dir.path().join("speedup.py");
    std::fs::write(&script, SCRIPT).map_err(|e| format!("cannot write the script: {e}"))?;
    std::fs::write(dir.path().join("shm_queue.py"), QUEUE)
        .map_err(|e| format!("cannot write the queue twin: {e}"))?;
    let mut cmd = Command::new(&py.exe);
    cmd.arg(&script)
        .args(["--arrays", &w.arrays.to_string()])
        .args(["--shape", &w.shape_arg()])
        .args(["--dtype", &w.dtype.name()])
        .args(["--repeat", &w.repeat.to_string()])
        // Also check, untimed, that a segment handed over by a producer
        // that exits survives (the resource tracker's trap on 3.8-3.12).
        .arg("--handover")
        .arg("--queue")
        .arg(dir.path())
        .arg("--iceoryx2")
        .arg("--package");
    let out = run(cmd, RUN_TIMEOUT).map_err(|e| format!("speedup.py: {e}"))?;
    if !out.success {
        return Err(format!("speedup.py failed: {}", last_line(&out.stderr)));
    }
    let line = out.stdout.lines().rev().find(|l| !l.trim().is_empty());
    serde_json::from_str(line.unwrap_or(""))
        .map_err(|e| format!("speedup.py printed no figures ({e}): {}", out.stdout.trim()))
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
}
