//! `shm-harness list`: the catalogue, one case a line (cases, then queue
//! cases).

use std::io::Write;
use std::process::ExitCode;

use shm_conformance::catalogue;
use shm_harness::cli::ListArgs;
use shm_protocol::exit::{BAD_INPUT, fail};

/// `shm-harness list`.
pub(super) fn list(args: &ListArgs) -> ExitCode {
    let names = catalogue::load(args.cases.as_deref()).and_then(|all| {
        let queues = catalogue::load_queues(args.cases.as_deref())?;
        Ok(all
            .into_iter()
            .map(|c| c.id.name)
            .chain(queues.into_iter().map(|q| q.id.name))
            .collect::<Vec<_>>())
    });
    match names {
        Ok(names) => {
            let mut out = std::io::stdout().lock();
            for name in names
                .iter()
                .filter(|n| catalogue::selected(n, &args.filters, false))
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
