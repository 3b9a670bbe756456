//! The speed-up, measured (`shm-harness speedup`): the shared_numpy workload (by default 10 float32
//! arrays of shape (3000, 3000)) from a producer process to a consumer
//! process, copied against shared, with the in-process floor and, when a
//! Python with numpy is found, CPython doing the same two ways.
//!
//! - Hand-off: the arrays exist before the clock starts; the clock stops
//!   when the consumer holds all of them as usable arrays. Copied: each
//!   array's bytes go through a pipe (1 MiB on Linux) straight into a
//!   preallocated, pre-faulted buffer. Shared: each array's descriptor goes
//!   through the pipe and the consumer attaches and makes a typed view.
//! - End-to-end: the producer fills every array and the consumer sums every
//!   element; the floor is one process doing both with no hand-off.
//!
//! The consumer is the running binary re-run as `speedup --consumer` (or
//! `--queue-consumer HOW`; hidden flags the command line must offer),
//! started once before anything is timed. Modules: `workload` (the
//! options, fill values, the sum), `op` (the operations; framing, the
//! consumer's handle and its watchdog are `ipc-bench`'s), `producer` (the
//! timed runs and their checks), `consumer`, `through_queue` (the runs
//! through `shm_core::queue` and its pool, and their consumer), `failure`
//! (why a run stopped), `program` (running a measuring program),
//! `iceoryx` (the iceoryx2 anchor, measured by the benches crate's
//! `speedup-iceoryx2`), `python` (finding Python and running
//! `fixtures/python/speedup.py`, which also measures iceoryx2's Python
//! package when installed) and `report` (table and JSON). Exit codes (the
//! one table, `shm_protocol::exit`): 0 measured, 1 a run failed or gave a
//! wrong result (also a failing `speedup.py`), 2 wrong arguments, 3 a
//! segment could not be made.

mod consumer;
mod failure;
mod iceoryx;
mod op;
mod producer;
mod program;
mod python;
mod report;
mod through_queue;
mod workload;

use std::io::IsTerminal;
use std::process::ExitCode;

use shm_protocol::exit::{BAD_INPUT, CHECK_FAILED, fail};

use workload::{Workload, with_element};

/// The format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// A table with times and ratios.
    Human,
    /// One JSON object.
    Json,
}

/// What a process of `speedup` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The producer: measures everything and prints the report.
    Producer,
    /// The consumer the producer starts (the hidden `--consumer`).
    Consumer,
    /// The queue consumer the producer starts, holding or summing (the
    /// hidden `--queue-consumer HOW`).
    QueueConsumer(String),
}

/// What one `speedup` run measures.
#[derive(Debug, Clone)]
pub struct SpeedupOptions {
    /// Number of arrays handed from producer to consumer.
    pub arrays: usize,
    /// Shape of each array (`3000,3000`).
    pub shape: String,
    /// dtype of each array.
    pub dtype: String,
    /// Python with numpy for the CPython comparison: `auto`, `off`, or a
    /// path.
    pub python: String,
    /// The iceoryx2 rows' program: `auto` (beside the running binary),
    /// `off`, or a path.
    pub iceoryx2: String,
    /// Repetitions per figure (the median is reported).
    pub repeat: usize,
    /// The report's format.
    pub format: TableFormat,
    /// What this process is.
    pub role: Role,
}

/// Runs the workload and prints the report (or, as the consumer, serves
/// the producer); the exit code says how it went.
pub fn run(args: &SpeedupOptions) -> ExitCode {
    let workload = match Workload::from_options(args) {
        Ok(w) => w,
        Err(e) => return fail(BAD_INPUT, e),
    };
    match &args.role {
        Role::Producer => {}
        Role::Consumer => return consumer::run(&workload),
        Role::QueueConsumer(word) => {
            return match through_queue::Consume::parse(word) {
                Some(how) => through_queue::consumer(&workload, how),
                None => fail(
                    BAD_INPUT,
                    format_args!("--queue-consumer {word:?} is not hold or sum"),
                ),
            };
        }
    }
    let progress = std::io::stderr().is_terminal();
    if progress {
        eprintln!(
            "speedup: measuring Rust ({} runs of each figure)...",
            workload.repeat
        );
    }
    let rust = match with_element!(workload.dtype, measure(&workload)) {
        Ok(figures) => figures,
        Err(f) => return fail(f.code, format_args!("speedup: {}", f.message)),
    };
    let mut iceoryx_failed = !matches!(args.iceoryx2.as_str(), "auto" | "off");
    let iceoryx = iceoryx::locate(&args.iceoryx2).and_then(|helper| {
        if progress {
            eprintln!("speedup: measuring iceoryx2 with {}...", helper.display());
        }
        let figures = iceoryx::measure(&helper, &workload);
        iceoryx_failed = figures.is_err();
        figures.map(|f| (helper, f))
    });
    let mut python_failed = false;
    let python = python::locate(&args.python).and_then(|py| {
        if progress {
            eprintln!("speedup: measuring CPython with {}...", py.exe);
        }
        let figures = python::measure(&py, &workload);
        python_failed = figures.is_err();
        figures.map(|f| (py, f))
    });
    // No interpreter is a failure when one was asked for by path, or under
    // CI=true (where every figure must be there); with `auto` elsewhere the
    // report only says why the CPython rows are missing.
    let in_ci = std::env::var("CI").as_deref() == Ok("true");
    if python.is_err()
        && (!matches!(args.python.as_str(), "auto" | "off") || (in_ci && args.python == "auto"))
    {
        python_failed = true;
    }
    let report = report::Report {
        workload: &workload,
        rust,
        iceoryx,
        python,
    };
    match args.format {
        TableFormat::Human => print!("{}", report.human()),
        TableFormat::Json => println!("{}", report.json()),
    }
    if python_failed {
        return fail(
            CHECK_FAILED,
            "speedup: the CPython figures are missing or failed (see the report)",
        );
    }
    if iceoryx_failed {
        return fail(
            CHECK_FAILED,
            "speedup: the iceoryx2 figures are missing or failed (see the report)",
        );
    }
    ExitCode::SUCCESS
}

fn measure<T: workload::Num>(w: &Workload) -> Result<producer::Figures, failure::Failure> {
    producer::measure::<T>(w)
}
