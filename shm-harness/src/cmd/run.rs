//! `shm-harness run`: the catalogue with real processes, against Rust and
//! any peers, reported as it goes.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use shm_conformance::catalogue::{self, QueueCase};
use shm_conformance::peer::{self, Registry};
use shm_conformance::report::{self, Format, Summary};
use shm_conformance::runner::{Processes, Settings};
use shm_conformance::suite::{self, ModeChoice, Suite};
use shm_harness::cli::{FormatArg, ModeArg, RunArgs};
use shm_protocol::exit::{BAD_INPUT, CHECK_FAILED, fail};

/// `shm-harness run`.
pub(super) fn run(args: &RunArgs) -> ExitCode {
    let started = Instant::now();
    if args.mode == ModeArg::Fork && !cfg!(unix) {
        return fail(BAD_INPUT, "fork mode needs Unix; use --mode spawn");
    }
    let peer_names = match peer::chosen(&args.peers, &args.peer_manifests, peer::KNOWN, &["rust"]) {
        Ok(p) => p,
        Err(e) => return fail(BAD_INPUT, e),
    };
    let mut registry = Registry::new(args.python.as_deref());
    let peers = match peer::resolve_all(&mut registry, &peer_names, &args.peer_manifests) {
        Ok(f) => f,
        Err(e) => return fail(BAD_INPUT, e),
    };
    let catalogue = match catalogue::load(args.cases.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(BAD_INPUT, e),
    };
    let queues: Vec<QueueCase> = match catalogue::load_queues(args.cases.as_deref()) {
        Ok(q) => q
            .into_iter()
            .filter(|c| catalogue::selected(&c.id.name, &args.filters, args.exact))
            .collect(),
        Err(e) => return fail(BAD_INPUT, e),
    };
    let selected = suite::select(catalogue, &args.filters, args.exact, args.stress);
    let out = match report_to(args.output.as_deref()) {
        Ok(out) => out,
        Err(code) => return code,
    };
    let mut report = report::new(format(args.format), out);
    // The queue's Python twin plays with the `python` peer.
    let twin = peer_names
        .iter()
        .any(|p| p == "python")
        .then(|| registry.queue_twin());
    let suite = Suite {
        cases: &selected,
        queues: &queues,
        modes: modes(args.mode),
        rust: peer_names.iter().any(|p| p == "rust"),
        twin,
        peers: &peers,
        settings: Settings {
            timeout: args.timeout,
        },
    };
    let mut procs = Processes::new(registry.launcher());
    let mut summary = Summary::default();
    let ran = suite.run(&mut procs, &mut |record| {
        summary.add(&record);
        report.case(&record)
    });
    // The peers' `serve` processes kept between case runs, and the warm
    // interpreter.
    drop(procs);
    conclude(ran, report.as_mut(), &mut summary, started)
}

/// Ends a report once every record of `ran` is in: the summary with the
/// time taken, and the exit code (1 when a run failed, 2 when the report
/// could not be written).
pub(super) fn conclude(
    ran: std::io::Result<()>,
    report: &mut dyn shm_conformance::report::Report,
    summary: &mut Summary,
    started: Instant,
) -> ExitCode {
    let written = ran.and_then(|()| {
        summary.duration = started.elapsed();
        report.finish(summary)
    });
    if let Err(e) = written {
        return fail(BAD_INPUT, format!("cannot write the report: {e}"));
    }
    if summary.failed > 0 {
        ExitCode::from(CHECK_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// Where `--output` sends the report: the file, or stdout.
pub(super) fn report_to(output: Option<&std::path::Path>) -> Result<Box<dyn Write>, ExitCode> {
    match output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Ok(Box::new(std::io::BufWriter::new(f))),
            Err(e) => Err(fail(
                BAD_INPUT,
                format!("cannot write {}: {e}", path.display()),
            )),
        },
        None => Ok(Box::new(std::io::stdout())),
    }
}

/// The report format `--format` names.
pub(super) fn format(f: FormatArg) -> Format {
    match f {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Junit => Format::Junit,
    }
}

/// The modes `--mode` names.
fn modes(m: ModeArg) -> ModeChoice {
    match m {
        ModeArg::Fork => ModeChoice::Fork,
        ModeArg::Spawn => ModeChoice::Spawn,
        ModeArg::All => ModeChoice::All,
    }
}
