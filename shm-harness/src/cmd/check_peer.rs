//! `shm-harness check-peer`: one peer checked command by command
//! (`shm_conformance::check` says what), reported as `run` reports.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use shm_conformance::peer::{PeerChoice, Registry};
use shm_conformance::report::{self, Summary};
use shm_harness::cli::CheckPeerArgs;
use shm_protocol::exit::{BAD_INPUT, CHECK_FAILED, fail};

use super::run::{conclude, format, report_to};

/// `shm-harness check-peer`.
pub(super) fn check_peer(args: &CheckPeerArgs) -> ExitCode {
    if args.list {
        for (group, name, clause) in shm_conformance::check::checks() {
            println!("{group}/{name}: {clause}");
        }
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let choice = match (&args.peer, &args.peer_manifest) {
        (Some(name), None) => PeerChoice::Builtin(name.clone()),
        (None, Some(path)) => PeerChoice::Manifest(path.clone()),
        _ => {
            return fail(
                BAD_INPUT,
                "give one of --peer NAME and --peer-manifest PATH",
            );
        }
    };
    let mut registry = Registry::new(args.python.as_deref());
    let (name, spec) = match registry.choose(&choice) {
        Ok(r) => r,
        Err(e) => return fail(BAD_INPUT, e),
    };
    let spec = match spec {
        Ok(s) => s,
        Err(why)
            if std::env::var("CI").as_deref() == Ok("true")
                && !why.starts_with(shm_conformance::peer::NOT_ON_THIS_OS) =>
        {
            return fail(CHECK_FAILED, format!("peer {name} unavailable: {why}"));
        }
        Err(why) => {
            println!("check-peer: peer {name} skipped: {why}");
            return ExitCode::SUCCESS;
        }
    };
    let out: Box<dyn Write> = match report_to(args.output.as_deref()) {
        Ok(out) => out,
        Err(code) => return code,
    };
    let mut report = report::new(format(args.format), out);
    let mut launcher = registry.launcher();
    let mut summary = Summary::default();
    let checked =
        shm_conformance::check::check_peer(&spec, &mut launcher, args.timeout, &mut |record| {
            summary.add(&record);
            report.case(&record)
        });
    drop(launcher);
    conclude(checked, report.as_mut(), &mut summary, started)
}
