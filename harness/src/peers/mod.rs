//! The peers `--peer` names and `--peer-manifest` loads, and how to start
//! each.
//!
//! `rust` is the runner and its own children. Every other peer is a program
//! implementing the reference peer's command line, described by a manifest
//! (`manifest.rs` documents the schema): its argv and its capabilities and
//! known deviations, as data. The built-in peers are the manifests in
//! `fixtures/peers/`, embedded in this binary:
//!
//! | peer | program |
//! |---|---|
//! | `cli` | this binary's own `create`/`peer`, which keeps the contract honest |
//! | `python` | `fixtures/python/peer.py`: CPython's `multiprocessing.shared_memory` and numpy |
//! | `wetlands` | the same script with `--codec wetlands`: Wetlands 2.6's own codec |
//! | `sharedarray` | `fixtures/python/sharedarray_peer.py`: SharedArray 3.2 (Linux, macOS) |
//! | `shared_memory` | `shared_memory_peer`, built beside this binary: the `shared_memory` crate 0.12 |
//!
//! The Python scripts are embedded too and written to a private temporary
//! directory for the run (`{scripts}`), with the peer kit they are built on
//! (`python/shm_peer_kit`) beside them as `shm_peer_kit/`. The interpreter
//! is `--python PATH`, else `$SHM_HARNESS_PYTHON`, else `python3`; a
//! built-in peer whose interpreter, package or program is missing is
//! unavailable, and its cases are skipped with the reason (failed under
//! `CI=true`, where every peer this OS can have must be present). A
//! manifest given with `--peer-manifest` must be right: any error in it is
//! a usage error.

mod manifest;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub(crate) use manifest::Manifest;
use manifest::Places;

use crate::runner::PeerSpec;

/// The built-in manifests: (file, TOML text).
const BUILTIN: &[(&str, &str)] = &[
    ("cli.toml", include_str!("../../../fixtures/peers/cli.toml")),
    (
        "python.toml",
        include_str!("../../../fixtures/peers/python.toml"),
    ),
    (
        "wetlands.toml",
        include_str!("../../../fixtures/peers/wetlands.toml"),
    ),
    (
        "sharedarray.toml",
        include_str!("../../../fixtures/peers/sharedarray.toml"),
    ),
    (
        "shared_memory.toml",
        include_str!("../../../fixtures/peers/shared_memory.toml"),
    ),
];

/// The Python scripts the built-in manifests run from `{scripts}`, and the
/// peer kit they import, written beside them as `shm_peer_kit/` (its
/// `RUNTIME_FILES`: every module but `__main__.py`).
const SCRIPTS: &[(&str, &str)] = &[
    ("peer.py", include_str!("../../../fixtures/python/peer.py")),
    (
        "sharedarray_peer.py",
        include_str!("../../../fixtures/python/sharedarray_peer.py"),
    ),
    (
        "shm_queue.py",
        include_str!("../../../fixtures/python/shm_queue.py"),
    ),
    (
        "forkserver.py",
        include_str!("../../../fixtures/python/forkserver.py"),
    ),
    (
        "shm_peer_kit/__init__.py",
        include_str!("../../../python/shm_peer_kit/__init__.py"),
    ),
    (
        "shm_peer_kit/cli.py",
        include_str!("../../../python/shm_peer_kit/cli.py"),
    ),
    (
        "shm_peer_kit/descriptor.py",
        include_str!("../../../python/shm_peer_kit/descriptor.py"),
    ),
    (
        "shm_peer_kit/dtypes.py",
        include_str!("../../../python/shm_peer_kit/dtypes.py"),
    ),
    (
        "shm_peer_kit/errors.py",
        include_str!("../../../python/shm_peer_kit/errors.py"),
    ),
    (
        "shm_peer_kit/library.py",
        include_str!("../../../python/shm_peer_kit/library.py"),
    ),
    (
        "shm_peer_kit/manifest.py",
        include_str!("../../../python/shm_peer_kit/manifest.py"),
    ),
    (
        "shm_peer_kit/ops.py",
        include_str!("../../../python/shm_peer_kit/ops.py"),
    ),
    (
        "shm_peer_kit/pattern.py",
        include_str!("../../../python/shm_peer_kit/pattern.py"),
    ),
    (
        "shm_peer_kit/posix.py",
        include_str!("../../../python/shm_peer_kit/posix.py"),
    ),
    (
        "shm_peer_kit/signals.py",
        include_str!("../../../python/shm_peer_kit/signals.py"),
    ),
    (
        "shm_peer_kit/values.py",
        include_str!("../../../python/shm_peer_kit/values.py"),
    ),
    (
        "shm_peer_kit/words.py",
        include_str!("../../../python/shm_peer_kit/words.py"),
    ),
];

/// Every peer name `--peer` knows (`all` means all of them).
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

    /// How to run the built-in peer `name`, or why it cannot run here.
    pub(crate) fn resolve(&mut self, name: &str) -> Result<PeerSpec, String> {
        let (file, text) = BUILTIN
            .iter()
            .find(|(file, _)| file.strip_suffix(".toml") == Some(name))
            .ok_or_else(|| format!("unknown peer {name:?}"))?;
        let manifest = Manifest::parse(&format!("fixtures/peers/{file}"), text)?;
        self.spec(&manifest, file, None)
    }

    /// The manifest at `path` and how to run it. Errors are the manifest's
    /// (a usage error), except that a peer that does not exist on this OS
    /// is `Ok(Err(reason))`: its runs are skipped with the reason.
    pub(crate) fn load(
        &mut self,
        path: &Path,
    ) -> Result<(String, Result<PeerSpec, String>), String> {
        let manifest = Manifest::load(path)?;
        let name = manifest.name.clone();
        if let Some(why) = manifest.not_on_this_os() {
            return Ok((name, Err(format!("{NOT_ON_THIS_OS} {why}"))));
        }
        let file = path.display().to_string();
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let spec = self.spec(&manifest, &file, Some(&dir))?;
        Ok((name, Ok(spec)))
    }

    fn spec(&mut self, m: &Manifest, file: &str, dir: Option<&Path>) -> Result<PeerSpec, String> {
        if let Some(why) = m.not_on_this_os() {
            return Err(format!("{NOT_ON_THIS_OS} {why}"));
        }
        if !m.python_modules.is_empty() {
            self.check_python(&m.python_modules)?;
        }
        let python = self.python.clone();
        let mut scripts = || self.scripts();
        let mut places = Places {
            dir,
            python: &python,
            scripts: &mut scripts,
        };
        let argv = m.argv(file, &mut places)?;
        Ok(m.spec(argv))
    }

    /// The argv of the queue's Python twin (`fixtures/python/shm_queue.py`),
    /// or why it cannot run here.
    pub(crate) fn queue_twin(&mut self) -> Result<Vec<String>, String> {
        self.check_python(&["numpy".to_owned()])?;
        let scripts = self.scripts()?;
        Ok(vec![self.python.clone(), format!("{scripts}/shm_queue.py")])
    }

    /// Checks that the interpreter runs and imports `modules`.
    fn check_python(&self, modules: &[String]) -> Result<(), String> {
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

    /// The run's private directory holding the embedded Python peers.
    fn scripts(&mut self) -> Result<String, String> {
        if self.scripts.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("shm-harness-peers-")
                .tempdir()
                .map_err(|e| format!("temporary directory: {e}"))?;
            for (file, text) in SCRIPTS {
                let path: PathBuf = dir.path().join(file);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            // The scripts' Python children start from a warm interpreter.
            #[cfg(target_os = "linux")]
            crate::runner::offer_warm_python(&self.python, &dir.path().join("forkserver.py"));
            self.scripts = Some(dir);
        }
        Ok(self
            .scripts
            .as_ref()
            .expect("made above")
            .path()
            .to_string_lossy()
            .into_owned())
    }
}

/// A foreign peer of a run: its name, and how to run it or why it cannot.
pub(crate) type Resolved = (String, Result<PeerSpec, String>);

/// Resolves the foreign peers of a run: the built-in `names` (a peer that
/// cannot run here is `Err(reason)`, so its runs are skipped or, under
/// `CI=true`, failed) and the `manifests` (whose errors end the run).
pub(crate) fn resolve_all(
    registry: &mut Registry,
    names: &[String],
    manifests: &[PathBuf],
) -> Result<Vec<Resolved>, String> {
    let mut out: Vec<Resolved> = names
        .iter()
        .filter(|n| n.as_str() != "rust")
        .map(|n| (n.clone(), registry.resolve(n)))
        .collect();
    for path in manifests {
        out.push(registry.load(path)?);
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_manifest_parses_and_every_known_peer_has_one() {
        for (file, text) in BUILTIN {
            Manifest::parse(file, text).unwrap();
        }
        for name in KNOWN.iter().filter(|n| **n != "rust") {
            assert!(
                BUILTIN
                    .iter()
                    .any(|(f, _)| f.strip_suffix(".toml") == Some(name)),
                "{name}"
            );
        }
    }

    #[test]
    fn the_cli_peer_resolves_to_this_binary() {
        let spec = Registry::new(Some("python3")).resolve("cli").unwrap();
        assert_eq!(
            spec.argv,
            [std::env::current_exe().unwrap().to_string_lossy()]
        );
    }
}
