//! The peers `--peer` names, and how to start each.
//!
//! `rust` is the runner and its own children. Every other peer is a program
//! implementing the reference peer's command line (`create`, `peer`), run as
//! a foreign peer on each side of every case its command line can express:
//!
//! | peer | program |
//! |---|---|
//! | `cli` | this binary's own `create`/`peer`, which keeps the contract honest |
//! | `python` | `fixtures/python/peer.py`: CPython's `multiprocessing.shared_memory` and numpy |
//! | `wetlands` | the same script with `--codec wetlands`: Wetlands 2.6's own `wetlands.numpy-shm` codec |
//! | `sharedarray` | `fixtures/python/sharedarray_peer.py`: SharedArray 3.2 (Linux, macOS) |
//! | `shared_memory` | `shared_memory_peer`, built beside this binary: the `shared_memory` crate 0.12 |
//!
//! The Python scripts are embedded in this binary and written to a private
//! temporary directory for the run. The interpreter is `--python PATH`, else
//! `$SHM_HARNESS_PYTHON`, else `python3`; a peer whose interpreter or
//! package is missing is unavailable, and its cases are skipped with the
//! reason (failed under `CI=true`, where every peer must be present).

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::runner::{PeerSpec, Side};

/// Every peer name `--peer` knows; `all` means all of them.
pub(crate) const KNOWN: &[&str] = &[
    "rust",
    "cli",
    "python",
    "wetlands",
    "sharedarray",
    "shared_memory",
];

/// The peers `all` stands for in the interop matrix: the foreign ones that
/// are not this project's own code.
pub(crate) const FOREIGN: &[&str] = &["python", "wetlands", "sharedarray", "shared_memory"];

const PEER_PY: &str = include_str!("../../fixtures/python/peer.py");
const SHAREDARRAY_PY: &str = include_str!("../../fixtures/python/sharedarray_peer.py");

/// How the reason for a peer that cannot exist on this OS starts; such a
/// peer is skipped even under `CI=true`, unlike one that is merely missing.
pub(crate) const NOT_ON_THIS_OS: &str = "not on this OS:";

/// Resolves peers for one run; holds the scripts' temporary directory.
pub(crate) struct Registry {
    python: String,
    scripts: Option<tempfile::TempDir>,
}

impl Registry {
    /// A registry using `python` (or `$SHM_HARNESS_PYTHON`, or `python3`).
    pub(crate) fn new(python: Option<&str>) -> Registry {
        let python = python
            .map(str::to_owned)
            .or_else(|| {
                std::env::var("SHM_HARNESS_PYTHON")
                    .ok()
                    .filter(|p| !p.is_empty())
            })
            .unwrap_or_else(|| "python3".to_owned());
        Registry {
            python,
            scripts: None,
        }
    }

    /// How to run the foreign peer `name`, or why it cannot run here.
    pub(crate) fn resolve(&mut self, name: &str) -> Result<PeerSpec, String> {
        let spec = |argv: Vec<String>| PeerSpec {
            name: name.to_owned(),
            argv,
            form: "canonical",
            unsupported: Vec::new(),
            swapped: true,
            empty: true,
            serve: false,
            layout: None,
            side_unsupported: None,
            deviations: Vec::new(),
        };
        match name {
            "cli" => {
                let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
                Ok(spec(vec![exe.to_string_lossy().into_owned()]))
            }
            "python" => {
                self.check_python(&["numpy"])?;
                let mut s = spec(vec![self.python.clone(), self.script("peer.py", PEER_PY)?]);
                s.serve = true;
                Ok(s)
            }
            "wetlands" => {
                self.check_python(&["numpy", "wetlands._internal.value_codec"])?;
                let mut s = spec(vec![
                    self.python.clone(),
                    self.script("peer.py", PEER_PY)?,
                    "--codec".into(),
                    "wetlands".into(),
                ]);
                s.form = "wetlands";
                s.serve = true;
                if !shm_core::segment::EXACT_SIZES {
                    // Wetlands requires the real size to equal segment_size,
                    // and where sizes are page-rounded (macOS's fstat,
                    // Windows' VirtualQuery, which CPython sizes blocks by)
                    // they differ for every segment that is not a whole
                    // number of pages.
                    s.side_unsupported = Some((
                        Side::Attaches,
                        "Wetlands refuses segments whose page-rounded size differs from segment_size, and this OS reports page-rounded sizes (macOS: fstat; Windows: VirtualQuery)".into(),
                    ));
                }
                s.deviations.push((
                    "empty-array",
                    Side::Attaches,
                    "Wetlands sends an empty array with no segment (name null), so the creator's descriptor cannot round trip through it".into(),
                ));
                Ok(s)
            }
            "sharedarray" => {
                if cfg!(windows) {
                    return Err(format!(
                        "{NOT_ON_THIS_OS} SharedArray supports Linux and macOS only"
                    ));
                }
                self.check_python(&["numpy", "SharedArray"])?;
                // The script imports peer.py from its own directory.
                self.script("peer.py", PEER_PY)?;
                let mut s = spec(vec![
                    self.python.clone(),
                    self.script("sharedarray_peer.py", SHAREDARRAY_PY)?,
                ]);
                // Its trailer records a native numpy type number.
                s.swapped = false;
                s.serve = true;
                s.layout = Some(shm_core::foreign::sharedarray::LAYOUT);
                s.deviations.push((
                    "permissions",
                    Side::Creates,
                    "warning: SharedArray creates segments with mode 0666 less the umask, so other local users can read them (shm-core creates 0600)".into(),
                ));
                Ok(s)
            }
            "shared_memory" => {
                let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
                let bin = exe.with_file_name(format!(
                    "shared_memory_peer{}",
                    std::env::consts::EXE_SUFFIX
                ));
                if !bin.exists() {
                    return Err(format!(
                        "{} is not built (cargo build -p harness builds it, feature shared-memory-peer)",
                        bin.display()
                    ));
                }
                Ok(spec(vec![bin.to_string_lossy().into_owned()]))
            }
            other => Err(format!("unknown peer {other:?}")),
        }
    }

    /// Checks that the interpreter runs and imports `modules`.
    fn check_python(&self, modules: &[&str]) -> Result<(), String> {
        let code = modules
            .iter()
            .map(|m| format!("import {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        let out = Command::new(&self.python)
            .args(["-c", &code])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.python))?;
        if out.status.success() {
            Ok(())
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err.lines().last().unwrap_or("").trim();
            Err(format!(
                "{} cannot import {}: {last}",
                self.python,
                modules.join(", ")
            ))
        }
    }

    /// Writes an embedded script into the run's temporary directory.
    fn script(&mut self, file: &str, text: &str) -> Result<String, String> {
        if self.scripts.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("shm-harness-peers-")
                .tempdir()
                .map_err(|e| format!("temporary directory: {e}"))?;
            self.scripts = Some(dir);
        }
        let path: PathBuf = self.scripts.as_ref().expect("made above").path().join(file);
        if !path.exists() {
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(path.to_string_lossy().into_owned())
    }
}

/// Expands `--peer` values: none means `rust`; `all` means every peer.
pub(crate) fn expand(names: &[String], all: &[&str]) -> Result<Vec<String>, String> {
    if names.is_empty() {
        return Ok(vec!["rust".into()]);
    }
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let add: Vec<&str> = if n == "all" {
            all.to_vec()
        } else {
            vec![n.as_str()]
        };
        for a in add {
            if !KNOWN.contains(&a) {
                return Err(format!(
                    "unknown peer {a:?} (known: {}, all)",
                    KNOWN.join(", ")
                ));
            }
            if !out.iter().any(|o| o == a) {
                out.push(a.to_owned());
            }
        }
    }
    Ok(out)
}
