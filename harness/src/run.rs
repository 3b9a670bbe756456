//! `shm-harness run` and `shm-harness list`.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::cases::{self, Case, QueueCase};
use crate::cli::{ListArgs, ModeArg, RunArgs};
use crate::exit::{BAD_INPUT, fail};
use crate::peers;
use crate::report::{self, Summary};
use crate::runner::{
    CaseRun, Cast, Ends, Mode, Outcome, PeerSpec, Settings, Side, run_case, run_queue_case,
};

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
    modes_of(mode)
        .into_iter()
        .filter(|m| {
            case.modes
                .as_ref()
                .is_none_or(|l| l.iter().any(|n| n == m.name()))
        })
        .collect()
}

/// The modes `--mode` asks for, among those this OS has.
fn modes_of(mode: ModeArg) -> Vec<Mode> {
    Mode::available()
        .into_iter()
        .filter(|m| match mode {
            ModeArg::All => true,
            ModeArg::Fork => *m == Mode::Fork,
            ModeArg::Spawn => *m == Mode::Spawn,
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
    let queues: Vec<QueueCase> = match cases::load_queues(args.cases.as_deref()) {
        Ok(q) => q
            .into_iter()
            .filter(|c| cases::selected(&c.name, &args.filters, args.exact))
            .collect(),
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
    let mut emit = |run: CaseRun| -> Result<(), ExitCode> {
        summary.add(&run);
        report
            .case(&run)
            .map_err(|e| fail(BAD_INPUT, format!("cannot write the report: {e}")))
    };
    if let Err(code) = run_everything(
        args,
        &selected,
        &queues,
        &peer_names,
        &foreign,
        &mut registry,
        &settings,
        &mut emit,
    ) {
        crate::runner::end_servers(Instant::now() + Duration::from_secs(5));
        return code;
    }
    // The peers' `serve` processes kept between case runs.
    crate::runner::end_servers(Instant::now() + Duration::from_secs(5));
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

/// Runs and reports every run: Rust first, in every mode (cases, then
/// queue cases); then each foreign peer, in spawn mode; the queue's Python
/// twin on either end with the `python` peer.
#[allow(clippy::too_many_arguments)]
fn run_everything(
    args: &RunArgs,
    selected: &[Case],
    queues: &[QueueCase],
    peer_names: &[String],
    foreign: &[peers::Resolved],
    registry: &mut peers::Registry,
    settings: &Settings,
    emit: &mut dyn FnMut(CaseRun) -> Result<(), ExitCode>,
) -> Result<(), ExitCode> {
    if peer_names.iter().any(|p| p == "rust") {
        for case in selected {
            for mode in modes_for(case, args.mode) {
                emit(run_case(case, mode, &Cast::Rust, settings))?;
            }
        }
        for case in queues {
            for mode in modes_of(args.mode) {
                emit(run_queue_case(case, &Ends::rust(mode), settings))?;
            }
        }
    }
    if peer_names.iter().any(|p| p == "python") && !queues.is_empty() {
        match registry.queue_twin() {
            Ok(argv) => {
                for sends in [true, false] {
                    for case in queues {
                        emit(run_queue_case(case, &Ends::twin(&argv, sends), settings))?;
                    }
                }
            }
            Err(reason) => {
                for sends in [true, false] {
                    for case in queues {
                        emit(unavailable_queue(case, sends, &reason))?;
                    }
                }
            }
        }
    }
    for (name, spec) in foreign {
        for run in foreign_runs(selected, name, spec, settings) {
            emit(run)?;
        }
    }
    Ok(())
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
    let message = format!("peer {peer} unavailable: {reason}");
    not_run(
        &case.name,
        &case.description,
        &case.file,
        side.label(peer),
        message,
        reason,
    )
}

/// A queue case whose Python twin cannot start on the end `sends` says,
/// as [`unavailable`].
fn unavailable_queue(case: &QueueCase, sends: bool, reason: &str) -> CaseRun {
    let message = format!("the queue's Python twin is unavailable: {reason}");
    not_run(
        &case.name,
        &case.description,
        &case.file,
        Ends::twin_label(sends),
        message,
        reason,
    )
}

/// A spawn-mode run that could not happen: skipped with `message`, or
/// failed under `CI=true` unless `reason` says the peer cannot exist here.
fn not_run(
    name: &str,
    description: &str,
    file: &str,
    peer: String,
    message: String,
    reason: &str,
) -> CaseRun {
    let in_ci =
        std::env::var("CI").as_deref() == Ok("true") && !reason.starts_with(peers::NOT_ON_THIS_OS);
    CaseRun {
        case: name.to_owned(),
        description: description.to_owned(),
        file: file.to_owned(),
        mode: Mode::Spawn.name().to_owned(),
        peer: Some(peer),
        outcome: if in_ci {
            Outcome::Failed
        } else {
            Outcome::Skipped
        },
        message,
        duration: Duration::ZERO,
    }
}

/// `shm-harness list`: every case, then every queue case.
pub(crate) fn list(args: &ListArgs) -> ExitCode {
    let names = cases::load(args.cases.as_deref()).and_then(|all| {
        let queues = cases::load_queues(args.cases.as_deref())?;
        Ok(all
            .into_iter()
            .map(|c| c.name)
            .chain(queues.into_iter().map(|q| q.name))
            .collect::<Vec<_>>())
    });
    match names {
        Ok(names) => {
            let mut out = std::io::stdout().lock();
            for name in names
                .iter()
                .filter(|n| cases::selected(n, &args.filters, false))
            {
                if writeln!(out, "{name}").is_err() {
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
