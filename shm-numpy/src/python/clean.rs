//! `clean`: reclaim the segments whose holder died, with the verdicts of
//! `shm-harness clean` (`shm_core::lease::reclaim`).

use pyo3::prelude::*;
use shm_core::lease::{self, Verdict};

use super::errors::OrRaise;

/// What `clean` decided for one lease.
#[pyclass(module = "shm_ndarray", name = "CleanVerdict", frozen)]
#[derive(Debug, Clone)]
pub(crate) struct PyCleanVerdict {
    /// The segment's name.
    #[pyo3(get)]
    name: String,
    /// The pid the lease names (the creator, or who adopted it).
    #[pyo3(get)]
    pid: u32,
    /// `reclaimed`, `already-gone`, `holder-alive`, `handed-over` or
    /// `lent` (`reclaimed` in a dry run says what would be).
    #[pyo3(get)]
    verdict: &'static str,
    /// The line `clean` prints for it, as `shm-harness clean` does.
    #[pyo3(get)]
    line: String,
}

#[pymethods]
impl PyCleanVerdict {
    /// What the handle is, for people.
    fn __repr__(&self) -> String {
        format!(
            "CleanVerdict(name='{}', pid={}, verdict='{}')",
            self.name, self.pid, self.verdict
        )
    }
}

/// `clean(dry_run=False) -> list[CleanVerdict]`: decides every lease of
/// the ledger and, unless `dry_run`, unlinks the segments whose holder is
/// gone (a transfer once every party to it is gone; a pool once its
/// stream is no longer held).
#[pyfunction]
#[pyo3(signature = (dry_run = false))]
pub(crate) fn clean(py: Python<'_>, dry_run: bool) -> PyResult<Vec<PyCleanVerdict>> {
    let decided = py.detach(|| lease::reclaim(None, dry_run)).or_raise()?;
    Ok(decided
        .iter()
        .map(|(l, v)| PyCleanVerdict {
            name: l.name.clone(),
            pid: l.pid,
            verdict: v.word(),
            line: crate::clean::line(l, *v, dry_run),
        })
        .collect())
}

/// `clean_summary(verdicts, dry_run) -> str`: the last line of `clean`.
#[pyfunction]
#[pyo3(signature = (verdicts, dry_run = false))]
pub(crate) fn clean_summary(verdicts: Vec<PyRef<'_, PyCleanVerdict>>, dry_run: bool) -> String {
    let reclaimed = verdicts
        .iter()
        .filter(|v| v.verdict == Verdict::Reclaimed.word())
        .count();
    crate::clean::summary(reclaimed, verdicts.len(), dry_run)
}
