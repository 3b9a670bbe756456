//! The case catalogue: TOML data in `fixtures/cases`, loaded and expanded.
//!
//! A file holds `[[case]]` tables, and `[[queue]]` tables for the queue's
//! cases (their schema is `queue.rs`'s, documented there once). Each case names the array (shape or
//! shapes, dtype or dtypes, byte order) and a list of steps; each step says
//! which actor does what, and what must come of it: the step schema is
//! documented once, in `step.rs` ([`Step`], [`StepOp`]). Steps and cases can be limited
//! to operating systems with `os = ["linux", "macos", "windows", "unix"]`:
//! that is how per-OS expectations are written, as data.
//!
//! A case with `dtypes = [...]` expands to one case per dtype, its name's
//! `{dtype}` replaced; a case with `shapes = [...]` runs its steps once per
//! shape. Cases in a `group` (such as `stress`) run only when asked for.
//!
//! With `--peer NAME`, each case also runs with that peer as the creator
//! (the `parent`) and as every attacher (the children), where the peer's
//! command line can express the case's steps; `rust_only = "why"` keeps a
//! case from other peers.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use shm_core::DType;

use crate::platform::{not_here, os_matches};

mod queue_case;
mod step;

pub use queue_case::Injected;
pub use queue_case::{End, QueueAct, QueueCase};
pub use step::{Actors, ExpectedExit, Step, StepOp};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));
}

/// A case as written in a catalogue file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseSpec {
    name: String,
    description: String,
    #[serde(default)]
    shape: Option<Vec<usize>>,
    #[serde(default)]
    shapes: Option<Vec<Vec<usize>>>,
    #[serde(default)]
    dtype: Option<String>,
    #[serde(default)]
    dtypes: Option<Vec<String>>,
    /// `native` (default) or `swapped`: the other byte order.
    #[serde(default)]
    byte_order: Option<String>,
    /// Operating systems the case applies to (default: all).
    #[serde(default)]
    os: Option<Vec<String>>,
    /// Modes the case runs in (default: every mode the OS has).
    #[serde(default)]
    modes: Option<Vec<Mode>>,
    /// A group that runs only on request (`stress`).
    #[serde(default)]
    group: Option<String>,
    /// How many times the steps run (the stress group's `--stress N` sets it).
    #[serde(default)]
    repeat: Option<u32>,
    /// Why foreign peers cannot play this case (for example, it needs an
    /// attacher that stays attached across steps, which a one-shot peer
    /// command is not).
    #[serde(default)]
    rust_only: Option<String>,
    steps: Vec<Step>,
}

/// How a case's children are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `fork(2)` from the runner (Unix only).
    Fork,
    /// The runner's binary re-executed (every OS); also how every other
    /// peer's processes start.
    Spawn,
}

impl Mode {
    /// The modes this OS supports.
    pub fn available() -> Vec<Mode> {
        if cfg!(unix) {
            vec![Mode::Fork, Mode::Spawn]
        } else {
            vec![Mode::Spawn]
        }
    }
}

/// Which catalogue case a run is of: what reports name it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseId {
    /// The case's name (its `{dtype}` filled in).
    pub name: String,
    /// What it checks, for people.
    pub description: String,
    /// The catalogue file it is in, without `.toml` (the capability it
    /// checks: basic, errors, layout, lifecycle, patterns, ...).
    pub file: String,
}

/// A case ready to run: one dtype, its shapes, its steps for this OS.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its name, description and file.
    pub id: CaseId,
    /// The array's dtype, in the case's byte order.
    pub dtype: DType,
    /// The shapes each pass over the steps uses, in turn.
    pub shapes: Vec<Vec<usize>>,
    /// The steps that apply to this OS.
    pub steps: Vec<Step>,
    /// The modes it runs in (default: every mode the OS has).
    pub modes: Option<Vec<Mode>>,
    /// A group that runs only on request (`stress`).
    pub group: Option<String>,
    /// How many times the steps run.
    pub repeat: u32,
    /// Why other peers cannot play this case, if they cannot.
    pub rust_only: Option<String>,
    /// Why the case does not apply here, if it does not.
    pub not_here: Option<String>,
}

impl Case {
    /// The case's name.
    pub fn name(&self) -> &str {
        &self.id.name
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default, rename = "case")]
    cases: Vec<CaseSpec>,
    #[serde(default, rename = "queue")]
    queues: Vec<queue_case::QueueSpec>,
}

/// Loads the built-in catalogue, or every `*.toml` in `dir`.
pub fn load(dir: Option<&Path>) -> Result<Vec<Case>, String> {
    Ok(load_all(dir)?.0)
}

/// The queue cases of the built-in catalogue, or of every `*.toml` in `dir`.
pub fn load_queues(dir: Option<&Path>) -> Result<Vec<QueueCase>, String> {
    Ok(load_all(dir)?.1)
}

/// Every case and every queue case.
fn load_all(dir: Option<&Path>) -> Result<(Vec<Case>, Vec<QueueCase>), String> {
    let files: Vec<(String, String)> = match dir {
        None => builtin::CATALOGUE
            .iter()
            .map(|(stem, text)| ((*stem).to_owned(), (*text).to_owned()))
            .collect(),
        Some(dir) => {
            let mut paths: Vec<_> = std::fs::read_dir(dir)
                .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            paths
                .iter()
                .map(|p| {
                    let stem = p
                        .file_stem()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    std::fs::read_to_string(p)
                        .map(|t| (stem, t))
                        .map_err(|e| format!("cannot read {}: {e}", p.display()))
                })
                .collect::<Result<_, _>>()?
        }
    };
    let mut cases = Vec::new();
    let mut queues = Vec::new();
    let mut seen = BTreeSet::new();
    let mut first = |stem: &str, name: &str| {
        if seen.insert(name.to_owned()) {
            Ok(())
        } else {
            Err(format!("{stem}.toml: case {name:?} is defined twice"))
        }
    };
    for (stem, text) in files {
        let file: CaseFile = toml::from_str(&text).map_err(|e| format!("{stem}.toml: {e}"))?;
        for spec in file.cases {
            for case in expand(&stem, spec)? {
                first(&stem, &case.id.name)?;
                cases.push(case);
            }
        }
        for spec in file.queues {
            for case in queue_case::expand(&stem, spec)? {
                first(&stem, &case.id.name)?;
                queues.push(case);
            }
        }
    }
    Ok((cases, queues))
}

/// The dtypes a case (or queue case) named `name` runs with: its `dtype`,
/// each of its `dtypes` (then its name holds `{dtype}`), or float64.
fn dtypes_of(
    name: &str,
    dtype: &Option<String>,
    dtypes: &Option<Vec<String>>,
) -> Result<Vec<String>, &'static str> {
    let all = match (dtype, dtypes) {
        (Some(d), None) => vec![d.clone()],
        (None, Some(ds)) if !ds.is_empty() => ds.clone(),
        (None, None) => vec!["float64".to_owned()],
        _ => return Err("give dtype or dtypes, not both"),
    };
    if dtypes.is_some() && !name.contains("{dtype}") {
        return Err("a case with dtypes needs {dtype} in its name");
    }
    Ok(all)
}

fn expand(stem: &str, spec: CaseSpec) -> Result<Vec<Case>, String> {
    let where_ = |m: &str| format!("{stem}.toml, case {:?}: {m}", spec.name);
    let dtypes = dtypes_of(&spec.name, &spec.dtype, &spec.dtypes).map_err(where_)?;
    let shapes = match (&spec.shape, &spec.shapes) {
        (Some(s), None) => vec![s.clone()],
        (None, Some(ss)) if !ss.is_empty() => ss.clone(),
        (None, None) => vec![vec![]],
        _ => return Err(where_("give shape or shapes, not both")),
    };
    let swapped = match spec.byte_order.as_deref() {
        None | Some("native") => false,
        Some("swapped") => true,
        Some(other) => {
            return Err(where_(&format!(
                "byte_order {other:?} is not native or swapped"
            )));
        }
    };
    let not_here = not_here(spec.os.as_deref());
    let steps: Vec<Step> = spec
        .steps
        .iter()
        .filter(|s| os_matches(s.os.as_deref()))
        .cloned()
        .collect();
    dtypes
        .into_iter()
        .map(|written| {
            let native = DType::parse(&written).map_err(|e| where_(&e.to_string()))?;
            let steps = steps
                .iter()
                .map(|s| with_dtype(s, &written))
                .collect::<Result<_, _>>()
                .map_err(|e| where_(&e))?;
            Ok(Case {
                id: CaseId {
                    name: spec.name.replace("{dtype}", &written),
                    description: spec.description.clone(),
                    file: stem.to_owned(),
                },
                dtype: if swapped { native.swapped() } else { native },
                shapes: shapes.clone(),
                steps,
                modes: spec.modes.clone(),
                group: spec.group.clone(),
                repeat: spec.repeat.unwrap_or(1).max(1),
                rust_only: spec.rust_only.clone(),
                not_here: not_here.clone(),
            })
        })
        .collect()
}

/// The step with `{dtype}` in a `view` replaced by the case's dtype (as
/// written), which must then be a dtype.
fn with_dtype(step: &Step, dtype: &str) -> Result<Step, String> {
    let mut step = step.clone();
    if let StepOp::View { dtype: d } = &mut step.op {
        *d = d.replace("{dtype}", dtype);
        DType::parse(d).map_err(|e| format!("view: {e}"))?;
    }
    Ok(step)
}

/// Whether `name` passes the `--filter` list (none = all; otherwise any
/// filter that is a substring of it, or equal to it when `exact`).
pub fn selected(name: &str, filters: &[String], exact: bool) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            if exact {
                name == f
            } else {
                name.contains(f.as_str())
            }
        })
}

#[cfg(test)]
mod tests;
