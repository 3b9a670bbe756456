//! The `speedup` report: a table for people, or one JSON object.

use std::fmt::Write as _;

use ipc_bench::units::{bytes, ratio, time};
use serde::Serialize;

use super::iceoryx::IceoryxFigures;
use super::producer::Figures;
use super::python::{Pair, Python, PythonFigures};
use super::workload::Workload;

/// Everything measured in one run of `speedup`.
pub(super) struct Report<'a> {
    pub(super) workload: &'a Workload,
    pub(super) rust: Figures,
    /// The iceoryx2 helper and its figures, or why there are none.
    pub(super) iceoryx: Result<(std::path::PathBuf, IceoryxFigures), String>,
    /// The interpreter and its figures, or why there are none.
    pub(super) python: Result<(Python, PythonFigures), String>,
}

#[derive(Serialize)]
struct Json<'a> {
    workload: JsonWorkload<'a>,
    handoff: JsonHandoff,
    end_to_end: JsonEndToEnd,
}

#[derive(Serialize)]
struct JsonWorkload<'a> {
    arrays: usize,
    shape: &'a [usize],
    dtype: String,
    dtype_name: String,
    array_bytes: usize,
    total_bytes: usize,
    statistic: &'static str,
    repeat: usize,
    warmup_runs: usize,
    python: Option<String>,
    python_note: Option<String>,
    iceoryx2: Option<String>,
    iceoryx2_note: Option<String>,
    python_iceoryx2: Option<String>,
    python_iceoryx2_note: Option<String>,
    python_package: Option<String>,
    python_package_note: Option<String>,
}

#[derive(Serialize)]
struct JsonHandoff {
    copied_s: f64,
    shared_s: f64,
    queue_s: f64,
    pool_s: f64,
    iceoryx2_event_s: Option<f64>,
    iceoryx2_poll_s: Option<f64>,
    #[serde(flatten)]
    python: JsonPython,
}

#[derive(Serialize)]
struct JsonEndToEnd {
    copied_s: f64,
    shared_s: f64,
    queue_s: f64,
    pool_s: f64,
    in_process_floor_s: f64,
    iceoryx2_event_s: Option<f64>,
    iceoryx2_poll_s: Option<f64>,
    #[serde(flatten)]
    python: JsonPython,
}

/// CPython's columns of one workload, `None` where not measured.
#[derive(Serialize)]
struct JsonPython {
    python_copied_s: Option<f64>,
    python_shared_s: Option<f64>,
    python_queue_s: Option<f64>,
    python_iceoryx2_event_s: Option<f64>,
    python_iceoryx2_poll_s: Option<f64>,
    python_package_descriptor_s: Option<f64>,
    python_package_queue_s: Option<f64>,
    python_package_pool_s: Option<f64>,
}

impl JsonPython {
    fn of(pair: Option<&Pair>) -> JsonPython {
        JsonPython {
            python_copied_s: pair.map(|p| p.copied_s),
            python_shared_s: pair.map(|p| p.shared_s),
            python_queue_s: pair.map(|p| p.queue_s),
            python_iceoryx2_event_s: pair.and_then(|p| p.iceoryx2_event_s),
            python_iceoryx2_poll_s: pair.and_then(|p| p.iceoryx2_poll_s),
            python_package_descriptor_s: pair.and_then(|p| p.package_descriptor_s),
            python_package_queue_s: pair.and_then(|p| p.package_queue_s),
            python_package_pool_s: pair.and_then(|p| p.package_pool_s),
        }
    }
}

impl Report<'_> {
    fn py(&self) -> Option<&PythonFigures> {
        self.python.as_ref().ok().map(|(_, f)| f)
    }

    fn ice(&self) -> Option<&IceoryxFigures> {
        self.iceoryx.as_ref().ok().map(|(_, f)| f)
    }

    fn iceoryx_about(&self) -> Result<String, String> {
        self.iceoryx
            .as_ref()
            .map(|(path, _)| path.display().to_string())
            .map_err(Clone::clone)
    }

    /// The Python iceoryx2 package's version, or why its rows are missing.
    fn python_iceoryx_about(&self) -> Result<String, String> {
        self.python_package_about("iceoryx2", |f| (&f.iceoryx2, &f.iceoryx2_note))
    }

    /// The version of a package speedup.py measured (`version_note` picks
    /// its two fields from the figures), or why its rows are missing.
    fn python_package_about(
        &self,
        what: &str,
        version_note: impl Fn(&PythonFigures) -> (&Option<String>, &Option<String>),
    ) -> Result<String, String> {
        match &self.python {
            Ok((_, f)) => match version_note(f) {
                (Some(v), _) => Ok(v.clone()),
                (None, Some(why)) => Err(why.clone()),
                (None, None) => Err(format!("speedup.py measured no {what} rows")),
            },
            Err(_) => Err("no Python".into()),
        }
    }

    /// The shm_ndarray package's version, or why its rows are missing.
    fn package_about(&self) -> Result<String, String> {
        self.python_package_about("shm_ndarray", |f| (&f.package, &f.package_note))
    }

    fn python_about(&self) -> Result<String, String> {
        match &self.python {
            Ok((p, f)) => Ok(format!(
                "{} (Python {}, numpy {}, start method {})",
                p.exe, p.version, p.numpy, f.start_method
            )),
            Err(why) => Err(why.clone()),
        }
    }

    /// The JSON object: `{"workload", "handoff", "end_to_end"}`.
    pub(super) fn json(&self) -> String {
        let w = self.workload;
        let r = &self.rust;
        let py = self.py();
        let ice = self.ice();
        let about = self.python_about();
        let ice_about = self.iceoryx_about();
        let py_ice_about = self.python_iceoryx_about();
        let package_about = self.package_about();
        let json = Json {
            workload: JsonWorkload {
                arrays: w.arrays,
                shape: &w.shape,
                dtype: w.dtype.to_string(),
                dtype_name: w.dtype.name(),
                array_bytes: w.nbytes,
                total_bytes: w.total_bytes(),
                statistic: "median",
                repeat: w.repeat,
                warmup_runs: 1,
                python: about.clone().ok(),
                python_note: about.err(),
                iceoryx2: ice_about.clone().ok(),
                iceoryx2_note: ice_about.err(),
                python_iceoryx2: py_ice_about.clone().ok(),
                python_iceoryx2_note: py_ice_about.err(),
                python_package: package_about.clone().ok(),
                python_package_note: package_about.err(),
            },
            handoff: JsonHandoff {
                copied_s: r.handoff_copied,
                shared_s: r.handoff_shared,
                queue_s: r.handoff_queue,
                pool_s: r.handoff_pool,
                iceoryx2_event_s: ice.map(|i| i.event.handoff_s),
                iceoryx2_poll_s: ice.map(|i| i.poll.handoff_s),
                python: JsonPython::of(py.map(|p| &p.handoff)),
            },
            end_to_end: JsonEndToEnd {
                copied_s: r.end_to_end_copied,
                shared_s: r.end_to_end_shared,
                queue_s: r.end_to_end_queue,
                pool_s: r.end_to_end_pool,
                in_process_floor_s: r.in_process_floor,
                iceoryx2_event_s: ice.map(|i| i.event.end_to_end_s),
                iceoryx2_poll_s: ice.map(|i| i.poll.end_to_end_s),
                python: JsonPython::of(py.map(|p| &p.end_to_end)),
            },
        };
        serde_json::to_string(&json).expect("the report serialises")
    }

    /// The table for people.
    pub(super) fn human(&self) -> String {
        let w = self.workload;
        let r = &self.rust;
        let py = self.py();
        let ice = self.ice();
        let mut out = String::new();
        let runs = if w.repeat == 1 { "run" } else { "runs" };
        let _ = writeln!(
            out,
            "shm-harness speedup: {} arrays of shape {} {}, {} each ({} in all)",
            w.arrays,
            w.shape_text(),
            w.dtype.name(),
            bytes(w.nbytes),
            bytes(w.total_bytes())
        );
        let _ = writeln!(
            out,
            "From a producer process to a consumer process; process start-up is not timed."
        );
        let _ = writeln!(
            out,
            "Each time is the median of {} {runs}, after 1 untimed warm-up run.",
            w.repeat
        );
        match self.python_about() {
            Ok(about) => {
                let _ = writeln!(out, "Python: {about}");
            }
            Err(why) => {
                let _ = writeln!(out, "Python: no figures: {why}");
            }
        }
        match self.iceoryx_about() {
            Ok(helper) => {
                let _ = writeln!(out, "iceoryx2 (Rust): {helper}");
            }
            Err(why) => {
                let _ = writeln!(out, "iceoryx2 (Rust): no figures: {why}");
            }
        }
        match self.python_iceoryx_about() {
            Ok(version) => {
                let _ = writeln!(out, "iceoryx2 (Python): package {version}");
            }
            Err(why) => {
                let _ = writeln!(out, "iceoryx2 (Python): no figures: {why}");
            }
        }

        match self.package_about() {
            Ok(version) => {
                let _ = writeln!(out, "shm_ndarray (Python): package {version}");
            }
            Err(why) => {
                let _ = writeln!(out, "shm_ndarray (Python): no figures: {why}");
            }
        }

        let _ = writeln!(
            out,
            "\nHand-off: the arrays exist before the clock starts; it stops when the consumer\n\
             holds all of them as usable arrays."
        );
        let mut rows = vec![
            ("Rust", "copied through a pipe", Some(r.handoff_copied)),
            ("Rust", "shared by descriptor", Some(r.handoff_shared)),
            ("Rust", "moved on the queue", Some(r.handoff_queue)),
            ("Rust", "lent from a pool", Some(r.handoff_pool)),
        ];
        rows.extend(iceoryx_rows(
            "Rust",
            ice.map(|i| i.event.handoff_s),
            ice.map(|i| i.poll.handoff_s),
        ));
        rows.extend(python_rows(py.map(|p| &p.handoff)));
        table(&mut out, "vs Rust shared", &rows, r.handoff_shared);

        let _ = writeln!(
            out,
            "\nEnd-to-end: the producer fills every array, the consumer sums every element."
        );
        let mut rows = vec![
            ("Rust", "copied through a pipe", Some(r.end_to_end_copied)),
            ("Rust", "shared by descriptor", Some(r.end_to_end_shared)),
            ("Rust", "moved on the queue", Some(r.end_to_end_queue)),
            ("Rust", "lent from a pool", Some(r.end_to_end_pool)),
        ];
        rows.extend(iceoryx_rows(
            "Rust",
            ice.map(|i| i.event.end_to_end_s),
            ice.map(|i| i.poll.end_to_end_s),
        ));
        rows.push(("Rust", "one process (the floor)", Some(r.in_process_floor)));
        rows.extend(python_rows(py.map(|p| &p.end_to_end)));
        table(&mut out, "vs the floor", &rows, r.in_process_floor);

        let mut line = format!(
            "\nShared is faster than copied by {} (hand-off) and {} (end-to-end) in Rust",
            ratio(r.handoff_copied / r.handoff_shared),
            ratio(r.end_to_end_copied / r.end_to_end_shared)
        );
        if let Some(p) = py {
            let _ = write!(
                line,
                ",\nby {} and {} in Python. Rust shared is faster than Python shared by {} (hand-off)\n\
                 and {} (end-to-end)",
                ratio(p.handoff.copied_s / p.handoff.shared_s),
                ratio(p.end_to_end.copied_s / p.end_to_end.shared_s),
                ratio(p.handoff.shared_s / r.handoff_shared),
                ratio(p.end_to_end.shared_s / r.end_to_end_shared)
            );
        }
        let _ = writeln!(out, "{line}.");
        if let Some(line) = py.and_then(|p| package_targets(&p.handoff)) {
            let _ = writeln!(out, "{line}.");
        }
        if let Some(i) = ice {
            let _ = writeln!(
                out,
                "The pool takes {} of iceoryx2's event-driven time (hand-off) and {} (end-to-end).",
                ratio(r.handoff_pool / i.event.handoff_s),
                ratio(r.end_to_end_pool / i.event.end_to_end_s)
            );
        }
        out
    }
}

/// A table row: language, how, and the seconds if measured.
type Row = (&'static str, &'static str, Option<f64>);

/// iceoryx2's two rows for `lang`.
fn iceoryx_rows(lang: &'static str, event: Option<f64>, poll: Option<f64>) -> [Row; 2] {
    [
        (lang, "iceoryx2, event-driven", event),
        (lang, "iceoryx2, busy-polling", poll),
    ]
}

/// CPython's rows of one table, from its figures for that workload.
fn python_rows(pair: Option<&Pair>) -> Vec<Row> {
    let mut rows = vec![
        (
            "Python",
            "pickled through a Queue",
            pair.map(|p| p.copied_s),
        ),
        ("Python", "shared_memory by name", pair.map(|p| p.shared_s)),
        ("Python", "moved on the queue twin", pair.map(|p| p.queue_s)),
    ];
    rows.extend(iceoryx_rows(
        "Python",
        pair.and_then(|p| p.iceoryx2_event_s),
        pair.and_then(|p| p.iceoryx2_poll_s),
    ));
    rows.extend([
        (
            "Python",
            "shm_ndarray by descriptor",
            pair.and_then(|p| p.package_descriptor_s),
        ),
        (
            "Python",
            "shm_ndarray queue",
            pair.and_then(|p| p.package_queue_s),
        ),
        (
            "Python",
            "shm_ndarray pool",
            pair.and_then(|p| p.package_pool_s),
        ),
    ]);
    rows
}

/// shm_ndarray's two targets for the Python hand-off, with what was
/// measured: its pool at most iceoryx2's Python event-driven time, and at
/// least 10x faster than CPython's `shared_memory` by name.
fn package_targets(p: &Pair) -> Option<String> {
    let pool = p.package_pool_s?;
    let mut line = format!(
        "shm_ndarray's pool hand-off is {} faster than CPython's shared_memory by name (target: at least 10x: {})",
        ratio(p.shared_s / pool),
        if p.shared_s / pool >= 10.0 {
            "met"
        } else {
            "missed"
        }
    );
    if let Some(ice) = p.iceoryx2_event_s {
        let _ = write!(
            line,
            ",\nand takes {} of iceoryx2's Python event-driven time (target: at most 1.0x: {})",
            ratio(pool / ice),
            if pool <= ice { "met" } else { "missed" }
        );
    }
    Some(line)
}

/// Rows of `(language, how, seconds)` with a ratio column against `base`.
fn table(out: &mut String, ratio_head: &str, rows: &[Row], base: f64) {
    let _ = writeln!(
        out,
        "  {:<8}{:<26}{:>10}  {:>15}",
        "", "", "time", ratio_head
    );
    for &(lang, how, secs) in rows {
        let (t, x) = match secs {
            Some(s) => (time(s), ratio(s / base)),
            None => ("-".to_owned(), "-".to_owned()),
        };
        let _ = writeln!(out, "  {lang:<8}{how:<26}{t:>10}  {x:>15}");
    }
}
