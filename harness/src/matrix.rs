//! `shm-harness matrix`: each foreign peer as creator and as attacher, over
//! every catalogue case its command line can express.
//!
//! Rows are peers; the two columns are "peer creates / Rust attaches" and
//! "Rust creates / peer attaches"; a cell is passed/total over the cases
//! that apply (cases a peer cannot express are left out, not counted as
//! passed). Failures are listed under the table.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;

use crate::cases;
use crate::cli::{FormatArg, MatrixArgs};
use crate::exit::{BAD_INPUT, fail};
use crate::peers::{self, Registry};
use crate::run::foreign_runs;
use crate::runner::{CaseRun, Outcome, Settings, Side};

/// Counts of one cell.
#[derive(Debug, Default, Clone, Copy)]
struct Cell {
    passed: usize,
    failed: usize,
    skipped: usize,
}

impl Cell {
    fn total(&self) -> usize {
        self.passed + self.failed
    }
}

/// `shm-harness matrix`.
pub(crate) fn matrix(args: &MatrixArgs) -> ExitCode {
    if args.format == FormatArg::Junit {
        return fail(BAD_INPUT, "matrix prints human or json");
    }
    let names = if args.peers.is_empty() && !args.peer_manifests.is_empty() {
        Vec::new()
    } else if args.peers.is_empty() {
        peers::FOREIGN.iter().map(|p| (*p).to_owned()).collect()
    } else {
        match peers::expand(&args.peers, peers::FOREIGN) {
            Ok(n) => n.into_iter().filter(|p| p != "rust").collect::<Vec<_>>(),
            Err(e) => return fail(BAD_INPUT, e),
        }
    };
    let catalogue = match cases::load(None) {
        Ok(c) => c
            .into_iter()
            .filter(|c| c.group.is_none() && cases::selected(&c.name, &args.filters, false))
            .collect::<Vec<_>>(),
        Err(e) => return fail(BAD_INPUT, e),
    };
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return fail(BAD_INPUT, "--timeout must be a positive number of seconds");
    }
    let settings = Settings {
        timeout: Duration::from_secs_f64(args.timeout),
    };
    let mut registry = Registry::new(args.python.as_deref());
    let foreign = match peers::resolve_all(&mut registry, &names, &args.peer_manifests) {
        Ok(f) => f,
        Err(e) => return fail(BAD_INPUT, e),
    };
    let mut rows = Vec::new();
    let mut failures: Vec<CaseRun> = Vec::new();
    for (name, spec) in &foreign {
        let runs = foreign_runs(&catalogue, name, spec, &settings);
        let mut cells = [Cell::default(), Cell::default()];
        let mut unavailable = None;
        for run in runs {
            let side = usize::from(
                run.peer
                    .as_deref()
                    .is_some_and(|p| p.starts_with("rust creates")),
            );
            let cell = &mut cells[side];
            match run.outcome {
                Outcome::Passed => cell.passed += 1,
                Outcome::Skipped => cell.skipped += 1,
                Outcome::Failed => {
                    cell.failed += 1;
                    failures.push(run.clone());
                }
            }
            if run.message.starts_with(&format!("peer {name} unavailable")) {
                unavailable = Some(run.message.clone());
            }
        }
        rows.push((name.clone(), cells, unavailable));
    }
    let any_failed = !failures.is_empty();
    match args.format {
        FormatArg::Json => {
            let peers: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|(name, cells, unavailable)| {
                    let cell = |c: &Cell| {
                        json!({"passed": c.passed, "failed": c.failed, "total": c.total(), "not_applicable": c.skipped})
                    };
                    (
                        name.clone(),
                        json!({
                            "peer_creates_rust_attaches": cell(&cells[0]),
                            "rust_creates_peer_attaches": cell(&cells[1]),
                            "unavailable": unavailable,
                        }),
                    )
                })
                .collect();
            let failed: Vec<_> = failures
                .iter()
                .map(|r| json!({"case": r.case, "peer": r.peer, "message": r.message}))
                .collect();
            println!("{}", json!({"matrix": peers, "failures": failed}));
        }
        _ => {
            let c0 = Side::Creates.label("peer");
            let c1 = Side::Attaches.label("peer");
            println!("{:<14} {:>28} {:>28}", "peer", c0, c1);
            for (name, cells, unavailable) in &rows {
                let show = |c: &Cell| match unavailable {
                    Some(_) if c.total() == 0 => "unavailable".to_owned(),
                    _ => format!("{}/{}", c.passed, c.total()),
                };
                println!(
                    "{:<14} {:>28} {:>28}",
                    name,
                    show(&cells[0]),
                    show(&cells[1])
                );
            }
            for (name, _, unavailable) in &rows {
                if let Some(why) = unavailable {
                    println!("\n{name}: {why}");
                }
            }
            if any_failed {
                println!("\nfailures:");
                for r in &failures {
                    println!(
                        "  {} [{}]: {}",
                        r.case,
                        r.peer.as_deref().unwrap_or(""),
                        r.message
                    );
                }
            }
        }
    }
    if any_failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
