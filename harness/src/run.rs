//! `shm-harness run` and `shm-harness list`.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::cases::{self, Case};
use crate::cli::{ListArgs, ModeArg, RunArgs};
use crate::exit::{BAD_INPUT, fail};
use crate::peers;
use crate::report::{self, Summary};
use crate::runner::{CaseRun, Cast, Mode, Outcome, PeerSpec, Settings, Side, run_case};

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
        return fail(BAD_INPUT, "fork mode needs Unix; use --mode spawn");
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return fail(BAD_INPUT, "--timeout must be a positive number of seconds");
    }
    // A manifest alone runs that peer alone; `--peer rust` adds Rust.
    let peer_names = if args.peers.is_empty() && !args.peer_manifests.is_empty() {
        Vec::new()
    } else {
        match peers::expand(&args.peers, peers::KNOWN) {
            Ok(p) => p,
            Err(e) => return fail(BAD_INPUT, e),
        }
    };
    let mut registry = peers::Registry::new(args.python.as_deref());
    let foreign = match peers::resolve_all(&mut registry, &peer_names, &args.peer_manifests) {
        Ok(f) => f,
        Err(e) => return fail(BAD_INPUT, e),
    };
    let catalogue = match cases::load(args.cases.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(BAD_INPUT, e),
    };
    let selected = select(catalogue, &args.filters, args.exact, args.stress);
    let out: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fail(BAD_INPUT, format!("cannot write {}: {e}", path.display())),
        },
        None => Box::new(std::io::stdout()),
    };
    let mut report = report::new(args.format, out);
    let settings = Settings {
        timeout: Duration::from_secs_f64(args.timeout),
    };
    let mut summary = Summary::default();
    let mut record = |run: CaseRun| {
        summary.add(&run);
        report.case(&run)
    };
    // Rust first, in every mode; then each foreign peer, in spawn mode.
    if peer_names.iter().any(|p| p == "rust") {
        for case in &selected {
            for mode in modes_for(case, args.mode) {
                if let Err(e) = record(run_case(case, mode, &Cast::Rust, &settings)) {
                    return fail(BAD_INPUT, format!("cannot write the report: {e}"));
                }
            }
        }
    }
    for (name, spec) in &foreign {
        for run in foreign_runs(&selected, name, spec, &settings) {
            if let Err(e) = record(run) {
                return fail(BAD_INPUT, format!("cannot write the report: {e}"));
            }
        }
    }
    summary.duration = started.elapsed();
    if let Err(e) = report.finish(&summary) {
        return fail(BAD_INPUT, format!("cannot write the report: {e}"));
    }
    if summary.failed > 0 {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// Every case with the foreign peer `name` as creator, then as attacher
/// (spawn mode: the other side is the runner and its spawned children).
pub(crate) fn foreign_runs(
    cases: &[Case],
    name: &str,
    spec: &Result<PeerSpec, String>,
    settings: &Settings,
) -> Vec<CaseRun> {
    let mut runs = Vec::new();
    for side in [Side::Creates, Side::Attaches] {
        for case in cases {
            runs.push(match spec {
                Ok(spec) => run_case(
                    case,
                    Mode::Spawn,
                    &Cast::Foreign(spec.clone(), side),
                    settings,
                ),
                Err(reason) => unavailable(case, name, side, reason),
            });
        }
    }
    runs
}

/// The run of a case with a peer that cannot start: skipped with the
/// reason, or failed under `CI=true`, where every peer this OS can have must
/// be present.
fn unavailable(case: &Case, peer: &str, side: Side, reason: &str) -> CaseRun {
    let in_ci =
        std::env::var("CI").as_deref() == Ok("true") && !reason.starts_with(peers::NOT_ON_THIS_OS);
    CaseRun {
        case: case.name.clone(),
        description: case.description.clone(),
        file: case.file.clone(),
        mode: Mode::Spawn.name().to_owned(),
        peer: Some(side.label(peer)),
        outcome: if in_ci {
            Outcome::Failed
        } else {
            Outcome::Skipped
        },
        message: format!("peer {peer} unavailable: {reason}"),
        duration: Duration::ZERO,
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
        Err(e) => fail(BAD_INPUT, e),
    }
}

/// `shm-harness child`: serve the runner's requests on stdin/stdout.
pub(crate) fn child() -> ExitCode {
    let code = crate::runner::serve(std::io::stdin().lock(), std::io::stdout().lock());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
