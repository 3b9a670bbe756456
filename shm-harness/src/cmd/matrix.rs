//! `shm-harness matrix`: each peer as creator and as attacher, over every
//! catalogue case its command line can express (`shm_conformance::matrix`
//! counts, `shm_conformance::report` writes).

use std::process::ExitCode;

use shm_conformance::catalogue;
use shm_conformance::matrix::Matrix;
use shm_conformance::peer::{self, Registry};
use shm_conformance::report::{matrix_human, matrix_json};
use shm_conformance::runner::{Processes, Settings};
use shm_conformance::suite::peer_runs;
use shm_harness::cli::{MatrixArgs, MatrixFormat};
use shm_protocol::exit::{BAD_INPUT, CHECK_FAILED, fail};

/// `shm-harness matrix`.
pub(super) fn matrix(args: &MatrixArgs) -> ExitCode {
    let names = match peer::chosen(
        &args.peers,
        &args.peer_manifests,
        peer::FOREIGN,
        peer::FOREIGN,
    ) {
        Ok(n) => n.into_iter().filter(|p| p != "rust").collect::<Vec<_>>(),
        Err(e) => return fail(BAD_INPUT, e),
    };
    let catalogue = match catalogue::load(None) {
        Ok(c) => c
            .into_iter()
            .filter(|c| c.group.is_none() && catalogue::selected(c.name(), &args.filters, false))
            .collect::<Vec<_>>(),
        Err(e) => return fail(BAD_INPUT, e),
    };
    let settings = Settings {
        timeout: args.timeout,
    };
    let mut registry = Registry::new(args.python.as_deref());
    let peers = match peer::resolve_all(&mut registry, &names, &args.peer_manifests) {
        Ok(f) => f,
        Err(e) => return fail(BAD_INPUT, e),
    };
    let mut procs = Processes::new(registry.launcher());
    let mut m = Matrix::default();
    for (name, spec) in &peers {
        m.add(
            name,
            peer_runs(&catalogue, name, spec, &settings, &mut procs),
        );
    }
    drop(procs);
    match args.format {
        MatrixFormat::Json => println!("{}", matrix_json(&m)),
        MatrixFormat::Human => print!("{}", matrix_human(&m)),
    }
    if m.failed() {
        ExitCode::from(CHECK_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}
