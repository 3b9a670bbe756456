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
//! With `--peer NAME`, each case also runs with that foreign peer as the
//! creator (the `parent`) and as every attacher (the children), where the
//! peer's command line can express the case's steps; `rust_only = "why"`
//! keeps a case from foreign peers.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

mod queue;
mod step;

pub(crate) use queue::{End, QueueAct, QueueCase};
pub(crate) use step::{Form, Step, StepOp};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));
}

/// A case as written in a catalogue file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseSpec {
    pub(crate) name: String,
    pub(crate) description: String,
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
    pub(crate) modes: Option<Vec<String>>,
    /// A group that runs only on request (`stress`).
    #[serde(default)]
    pub(crate) group: Option<String>,
    /// How many times the steps run (the stress group's `--stress N` sets it).
    #[serde(default)]
    pub(crate) repeat: Option<u32>,
    /// Why foreign peers cannot play this case (for example, it needs an
    /// attacher that stays attached across steps, which a one-shot peer
    /// command is not).
    #[serde(default)]
    rust_only: Option<String>,
    pub(crate) steps: Vec<Step>,
}

/// A case ready to run: one dtype, its shapes, its steps for this OS.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) file: String,
    pub(crate) dtype: String,
    pub(crate) swapped: bool,
    pub(crate) shapes: Vec<Vec<usize>>,
    pub(crate) steps: Vec<Step>,
    pub(crate) modes: Option<Vec<String>>,
    pub(crate) group: Option<String>,
    pub(crate) repeat: u32,
    /// Why foreign peers cannot play this case, if they cannot.
    pub(crate) rust_only: Option<String>,
    /// Why the case does not apply here, if it does not.
    pub(crate) not_here: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default, rename = "case")]
    cases: Vec<CaseSpec>,
    #[serde(default, rename = "queue")]
    queues: Vec<queue::QueueSpec>,
}

/// Whether an `os = [...]` list includes this system: an OS name
/// (`linux`, `macos`, `windows`), `unix`, or what the system does that
/// cases depend on: `exact-sizes` where segments report the size asked for
/// (Linux), `page-rounded` where they report it rounded up to whole pages
/// (macOS, Windows, and Linux built with `--cfg shm_macos_sizes`).
pub(crate) fn os_matches(list: &Option<Vec<String>>) -> bool {
    let exact = shm_core::segment::EXACT_SIZES;
    list.as_ref().is_none_or(|l| {
        l.iter().any(|o| match o.as_str() {
            "unix" => cfg!(unix),
            "exact-sizes" => exact,
            "page-rounded" => !exact,
            os => os == std::env::consts::OS,
        })
    })
}

/// Loads the built-in catalogue, or every `*.toml` in `dir`.
pub(crate) fn load(dir: Option<&Path>) -> Result<Vec<Case>, String> {
    Ok(load_all(dir)?.0)
}

/// The queue cases of the built-in catalogue, or of every `*.toml` in `dir`.
pub(crate) fn load_queues(dir: Option<&Path>) -> Result<Vec<QueueCase>, String> {
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
                first(&stem, &case.name)?;
                cases.push(case);
            }
        }
        for spec in file.queues {
            for case in queue::expand(&stem, spec)? {
                first(&stem, &case.name)?;
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

/// Why a case limited to `os` does not apply here, if it does not.
fn not_here(os: &Option<Vec<String>>) -> Option<String> {
    (!os_matches(os)).then(|| {
        format!(
            "applies to {} only",
            os.as_ref().map(|l| l.join(", ")).unwrap_or_default()
        )
    })
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
    let not_here = not_here(&spec.os);
    let steps: Vec<Step> = spec
        .steps
        .iter()
        .filter(|s| os_matches(&s.os))
        .cloned()
        .collect();
    Ok(dtypes
        .into_iter()
        .map(|dtype| Case {
            name: spec.name.replace("{dtype}", &dtype),
            description: spec.description.clone(),
            file: stem.to_owned(),
            steps: steps.iter().map(|s| with_dtype(s, &dtype)).collect(),
            dtype,
            swapped,
            shapes: shapes.clone(),
            modes: spec.modes.clone(),
            group: spec.group.clone(),
            repeat: spec.repeat.unwrap_or(1).max(1),
            rust_only: spec.rust_only.clone(),
            not_here: not_here.clone(),
        })
        .collect())
}

/// The step with `{dtype}` in a `view` replaced by the case's dtype.
fn with_dtype(step: &Step, dtype: &str) -> Step {
    let mut step = step.clone();
    if let StepOp::View { dtype: d } = &mut step.op {
        *d = d.replace("{dtype}", dtype);
    }
    step
}

/// Whether `name` passes the `--filter` list (none = all; otherwise any
/// filter that is a substring of it, or equal to it when `exact`).
pub(crate) fn selected(name: &str, filters: &[String], exact: bool) -> bool {
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
