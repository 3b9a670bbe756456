//! The peers `--peer` names and `--peer-manifest` loads, and how to start
//! each: the built-in manifests, the run's private copy of the embedded
//! Python scripts, the Python checks, and the launcher that starts them.
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
//! | `shm_ndarray` | `fixtures/python/shm_ndarray_peer.py`: this workspace's Python package (Linux, macOS) |
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

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::manifest::{Manifest, Placeholders};
use super::spec::PeerSpec;
use crate::process::Launcher;

/// The built-in manifests: (file, TOML text).
const BUILTIN: &[(&str, &str)] = &[
    ("cli.toml", data!("fixtures/peers/cli.toml")),
    ("python.toml", data!("fixtures/peers/python.toml")),
    ("wetlands.toml", data!("fixtures/peers/wetlands.toml")),
    ("sharedarray.toml", data!("fixtures/peers/sharedarray.toml")),
    ("shm_ndarray.toml", data!("fixtures/peers/shm_ndarray.toml")),
    (
        "shared_memory.toml",
        data!("fixtures/peers/shared_memory.toml"),
    ),
];

/// The Python scripts the built-in manifests run from `{scripts}`, and the
/// peer kit they import, written beside them as `shm_peer_kit/` (its
/// `RUNTIME_FILES`: every module but `__main__.py`).
const SCRIPTS: &[(&str, &str)] = &[
    ("peer.py", data!("fixtures/python/peer.py")),
    (
        "sharedarray_peer.py",
        data!("fixtures/python/sharedarray_peer.py"),
    ),
    (
        "shm_ndarray_peer.py",
        data!("fixtures/python/shm_ndarray_peer.py"),
    ),
    ("shm_queue.py", data!("fixtures/python/shm_queue.py")),
    ("forkserver.py", data!("fixtures/python/forkserver.py")),
    (
        "shm_peer_kit/__init__.py",
        data!("python/shm_peer_kit/__init__.py"),
    ),
    ("shm_peer_kit/cli.py", data!("python/shm_peer_kit/cli.py")),
    (
        "shm_peer_kit/command_line.py",
        data!("python/shm_peer_kit/command_line.py"),
    ),
    (
        "shm_peer_kit/descriptor.py",
        data!("python/shm_peer_kit/descriptor.py"),
    ),
    (
        "shm_peer_kit/dtypes.py",
        data!("python/shm_peer_kit/dtypes.py"),
    ),
    (
        "shm_peer_kit/errors.py",
        data!("python/shm_peer_kit/errors.py"),
    ),
    (
        "shm_peer_kit/library.py",
        data!("python/shm_peer_kit/library.py"),
    ),
    (
        "shm_peer_kit/manifest.py",
        data!("python/shm_peer_kit/manifest.py"),
    ),
    ("shm_peer_kit/ops.py", data!("python/shm_peer_kit/ops.py")),
    (
        "shm_peer_kit/pattern.py",
        data!("python/shm_peer_kit/pattern.py"),
    ),
    (
        "shm_peer_kit/posix.py",
        data!("python/shm_peer_kit/posix.py"),
    ),
    (
        "shm_peer_kit/signals.py",
        data!("python/shm_peer_kit/signals.py"),
    ),
    (
        "shm_peer_kit/values.py",
        data!("python/shm_peer_kit/values.py"),
    ),
    (
        "shm_peer_kit/words.py",
        data!("python/shm_peer_kit/words.py"),
    ),
];

/// Every peer name `--peer` knows (`all` means all of them).
pub const KNOWN: &[&str] = &[
    "rust",
    "cli",
    "python",
    "wetlands",
    "sharedarray",
    "shm_ndarray",
    "shared_memory",
];

/// The peers `all` stands for in the interop matrix: the foreign ones that
/// are not this project's own code.
pub const FOREIGN: &[&str] = &["python", "wetlands", "sharedarray", "shared_memory"];

/// How the reason for a peer that cannot exist on this OS starts; such a
/// peer is skipped even under `CI=true`, unlike one that is merely missing.
pub const NOT_ON_THIS_OS: &str = "not on this OS:";

/// Resolves peers for one run; holds the scripts' temporary directory.
pub struct Registry {
    python: String,
    scripts: Option<tempfile::TempDir>,
}

impl Registry {
    /// A registry using `python` (or `$SHM_HARNESS_PYTHON`, or `python3`).
    pub fn new(python: Option<&str>) -> Registry {
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
    pub fn resolve(&mut self, name: &str) -> Result<PeerSpec, String> {
        let (file, text) = BUILTIN
            .iter()
            .find(|(file, _)| file.strip_suffix(".toml") == Some(name))
            .ok_or_else(|| format!("unknown peer {name:?}"))?;
        let manifest = Manifest::parse(&format!("fixtures/peers/{file}"), text)?;
        self.spec(&manifest, file, None)?
    }

    /// The manifest at `path` and how to run it. Errors are the manifest's
    /// (a usage error), except that a peer that cannot run here (another
    /// OS, a missing interpreter or module) is `Ok(Err(reason))`: its runs
    /// are skipped with the reason (failed under `CI=true`).
    pub fn load(&mut self, path: &Path) -> Result<(String, Result<PeerSpec, String>), String> {
        let manifest = Manifest::load(path)?;
        let name = manifest.name.clone();
        let file = path.display().to_string();
        // `{dir}` is the manifest's real directory, however the path was
        // given (a bare file name has the empty parent).
        let real = std::fs::canonicalize(path).map_err(|e| format!("{file}: {e}"))?;
        let dir = real.parent().map(Path::to_path_buf).unwrap_or_default();
        let spec = self.spec(&manifest, &file, Some(&dir))?;
        Ok((name, spec))
    }

    /// How to run the peer `m` describes (`Ok(Err(why))` when it cannot
    /// run here), or what is wrong with the manifest.
    fn spec(
        &mut self,
        m: &Manifest,
        file: &str,
        dir: Option<&Path>,
    ) -> Result<Result<PeerSpec, String>, String> {
        if let Some(why) = m.not_on_this_os() {
            return Ok(Err(format!("{NOT_ON_THIS_OS} {why}")));
        }
        if !m.python_modules.is_empty() || m.argv.iter().any(|a| a.contains("{python}")) {
            if let Err(why) = self.check_python(&m.python_modules) {
                return Ok(Err(why));
            }
        }
        let python = self.python.clone();
        let mut scripts = || self.scripts();
        let mut places = Placeholders {
            dir,
            python: &python,
            scripts: &mut scripts,
        };
        let argv = m.argv(file, &mut places)?;
        Ok(Ok(m.spec(argv)))
    }

    /// The argv of the queue's Python twin (`fixtures/python/shm_queue.py`),
    /// or why it cannot run here.
    pub fn queue_twin(&mut self) -> Result<Vec<String>, String> {
        self.check_python(&["numpy".to_owned()])?;
        let scripts = self.scripts()?;
        Ok(vec![self.python.clone(), format!("{scripts}/shm_queue.py")])
    }

    /// The launcher for this run's processes: this registry's own Python
    /// scripts (once written) start from a warm interpreter where the OS
    /// allows; everything else is spawned.
    pub fn launcher(&self) -> Launcher {
        match &self.scripts {
            Some(dir) => {
                Launcher::with_warm_python(&self.python, &dir.path().join("forkserver.py"))
            }
            None => Launcher::new(),
        }
    }

    /// Checks that the interpreter runs and imports `modules`; the error
    /// says how to point the runner at another one.
    fn check_python(&self, modules: &[String]) -> Result<(), String> {
        let hint = "give --python PATH, or set SHM_HARNESS_PYTHON, to an interpreter that has them";
        let code = modules
            .iter()
            .map(|m| format!("import {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        let out = Command::new(&self.python)
            .args(["-c", &code])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e} ({hint})", self.python))?;
        if out.status.success() {
            Ok(())
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err.lines().last().unwrap_or("").trim();
            Err(format!(
                "{} cannot import {}: {last} ({hint})",
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

/// Which one peer a command tests (`prop`, `check-peer`).
#[derive(Debug, Clone)]
pub enum PeerChoice {
    /// A built-in peer, by name.
    Builtin(String),
    /// The peer a manifest describes.
    Manifest(PathBuf),
}

impl Registry {
    /// The peer `choice` names, and how to run it or why it cannot run
    /// here; `Err` is a usage error (`rust` is no peer to test, an unknown
    /// name, a bad manifest).
    pub fn choose(&mut self, choice: &PeerChoice) -> Result<Resolved, String> {
        match choice {
            PeerChoice::Builtin(name) => {
                if name == "rust" || !KNOWN.contains(&name.as_str()) {
                    let known: Vec<&str> = KNOWN.iter().copied().filter(|p| *p != "rust").collect();
                    return Err(format!(
                        "--peer {name:?}: give a peer (one of {}) or --peer-manifest",
                        known.join(", ")
                    ));
                }
                Ok((name.clone(), self.resolve(name)))
            }
            PeerChoice::Manifest(path) => self.load(path),
        }
    }
}

/// A peer of a run: its name, and how to run it or why it cannot.
pub type Resolved = (String, Result<PeerSpec, String>);

/// Resolves the foreign peers of a run: the built-in `names` (a peer that
/// cannot run here is `Err(reason)`, so its runs are skipped or, under
/// `CI=true`, failed) and the `manifests` (whose errors end the run).
pub fn resolve_all(
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

/// The built-in peers a run takes from its `--peer` values: none given
/// means `default`, or no built-in peer at all when manifests are given (a
/// manifest alone runs that peer alone); `all` means every peer of `all`.
/// Every name must be known.
pub fn chosen(
    names: &[String],
    manifests: &[PathBuf],
    all: &[&str],
    default: &[&str],
) -> Result<Vec<String>, String> {
    if names.is_empty() {
        let none: &[&str] = &[];
        let take = if manifests.is_empty() { default } else { none };
        return Ok(take.iter().map(|n| (*n).to_owned()).collect());
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
    fn peers_are_chosen_by_name_all_or_default() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let manifest = [PathBuf::from("m.toml")];
        assert_eq!(chosen(&[], &[], KNOWN, &["rust"]).unwrap(), ["rust"]);
        assert!(chosen(&[], &manifest, KNOWN, &["rust"]).unwrap().is_empty());
        assert_eq!(
            chosen(&names(&["all", "python"]), &[], FOREIGN, FOREIGN).unwrap(),
            FOREIGN
        );
        assert!(chosen(&names(&["nope"]), &[], KNOWN, &["rust"]).is_err());
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
