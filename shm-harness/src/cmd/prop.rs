//! `shm-harness prop`: property tests through one peer
//! (`shm_conformance::prop` documents them).

use std::process::ExitCode;

use shm_conformance::peer::PeerChoice;
use shm_conformance::prop::{PropOptions, Verdict};
use shm_harness::cli::PropArgs;
use shm_protocol::exit::{BAD_INPUT, CHECK_FAILED, fail};

/// `shm-harness prop`.
pub(super) fn prop(args: &PropArgs) -> ExitCode {
    let peer = match (&args.peer, &args.peer_manifest) {
        (Some(name), None) => PeerChoice::Builtin(name.clone()),
        (None, Some(path)) => PeerChoice::Manifest(path.clone()),
        _ => {
            return fail(
                BAD_INPUT,
                "give exactly one of --peer NAME and --peer-manifest PATH",
            );
        }
    };
    let options = PropOptions {
        peer,
        cases: args.cases,
        peer_creates: args.peer_creates,
        seed: args.seed,
        replay: args.replay.clone(),
        regressions: args.regressions.clone(),
        python: args.python.clone(),
        timeout: args.timeout,
    };
    match shm_conformance::prop::prop(&options) {
        Ok(Verdict::Passed) => ExitCode::SUCCESS,
        Ok(Verdict::Failed) => ExitCode::from(CHECK_FAILED),
        Ok(Verdict::Unavailable(why)) => fail(CHECK_FAILED, why),
        Err(e) => fail(BAD_INPUT, e),
    }
}
