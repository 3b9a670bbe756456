//! `shm-harness run` and `shm-harness list`.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::cases::{self, Case};
use crate::cli::{ListArgs, ModeArg, RunArgs};
use crate::peer::{EXIT_USAGE, fail};
use crate::report::{self, Summary};
use crate::runner::{Mode, Settings, run_case};

/// Exit code when a case failed.
const EXIT_FAILED: u8 = 1;

/// The cases a run takes: those the filters select, and grouped cases
/// (`stress`) only when a filter names the group or `--stress N` is given,
/// which also sets their repeat count.
fn select(all: Vec<Case>, filters: &[String], exact: bool, stress: Option<u32>) -> Vec<Case> {
    all.into_iter()
        .filter(|c| cases::selected(&c.name, filters, exact))
        .filter(|c| match c.group.as_deref() {
            None => true,
            Some(group) => {
                (group == "stress" && stress.is_some()) || filters.iter().any(|f| f.contains(group))
            }
        })
        .map(|mut c| {
            if let (Some(n), Some("stress")) = (stress, c.group.as_deref()) {
                c.repeat = n.max(1);
            }
            c
        })
        .collect()
}

/// The modes to run `case` in, given `--mode`.
fn modes_for(case: &Case, mode: ModeArg) -> Vec<Mode> {
    Mode::available()
        .into_iter()
        .filter(|m| match mode {
            ModeArg::All => true,
            ModeArg::Fork => *m == Mode::Fork,
            ModeArg::Spawn => *m == Mode::Spawn,
        })
        .filter(|m| {
            case.modes
                .as_ref()
                .is_none_or(|l| l.iter().any(|n| n == m.name()))
        })
        .collect()
}

/// `shm-harness run`.
pub(crate) fn run(args: &RunArgs) -> ExitCode {
    let started = Instant::now();
    if args.mode == ModeArg::Fork && !cfg!(unix) {
        return fail(EXIT_USAGE, "fork mode needs Unix; use --mode spawn");
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return fail(EXIT_USAGE, "--timeout must be a positive number of seconds");
    }
    if let Some(peer) = args.peers.iter().find(|p| p.as_str() != "rust") {
        return fail(EXIT_USAGE, format!("unknown peer {peer:?} (known: rust)"));
    }
    let catalogue = match cases::load(args.cases.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(EXIT_USAGE, e),
    };
    let selected = select(catalogue, &args.filters, args.exact, args.stress);
    let out: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fail(EXIT_USAGE, format!("cannot write {}: {e}", path.display())),
        },
        None => Box::new(std::io::stdout()),
    };
    let mut report = report::new(args.format, out);
    let settings = Settings {
        timeout: Duration::from_secs_f64(args.timeout),
    };
    let mut summary = Summary::default();
    for case in &selected {
        for mode in modes_for(case, args.mode) {
            let run = run_case(case, mode, &settings);
            summary.add(&run);
            if let Err(e) = report.case(&run) {
                return fail(EXIT_USAGE, format!("cannot write the report: {e}"));
            }
        }
    }
    summary.duration = started.elapsed();
    if let Err(e) = report.finish(&summary) {
        return fail(EXIT_USAGE, format!("cannot write the report: {e}"));
    }
    if summary.failed > 0 {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// `shm-harness list`.
pub(crate) fn list(args: &ListArgs) -> ExitCode {
    match cases::load(args.cases.as_deref()) {
        Ok(all) => {
            let mut out = std::io::stdout().lock();
            for case in all
                .iter()
                .filter(|c| cases::selected(&c.name, &args.filters, false))
            {
                if writeln!(out, "{}", case.name).is_err() {
                    break;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(EXIT_USAGE, e),
    }
}

/// `shm-harness child`: serve the runner's requests on stdin/stdout.
pub(crate) fn child() -> ExitCode {
    let code = crate::runner::serve(std::io::stdin().lock(), std::io::stdout().lock());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
