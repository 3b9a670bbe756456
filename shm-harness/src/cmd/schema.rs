//! `shm-harness schema manifest`: the peer manifest's schema, as the
//! binary carries it (`fixtures/peers/README.md`).

use std::process::ExitCode;

use shm_harness::cli::{SchemaArgs, SchemaName};

/// `shm-harness schema`.
pub(super) fn schema(args: &SchemaArgs) -> ExitCode {
    match args.which {
        SchemaName::Manifest => print!("{}", shm_conformance::peer::SCHEMA),
    }
    ExitCode::SUCCESS
}
