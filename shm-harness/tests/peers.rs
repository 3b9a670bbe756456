//! Catalogue cases against every foreign peer, in both directions, as tests:
//! one named test per peer, direction and case (`python/python creates,
//! rust attaches/pattern-int8`), all driven through the runner itself
//! (`shm-harness run --peer NAME --format json`), so one mechanism tests
//! every peer.
//!
//! A run the runner skipped (a deviation written as data, a case the peer's
//! command line cannot express, or a peer this machine lacks) shows as
//! ignored with its reason, never as passed. The Python peers need
//! `$SHM_HARNESS_PYTHON` to have numpy, Wetlands and SharedArray
//! (`bash ci/python-env.sh .venv` makes one and prints its python); under
//! `CI=true` a missing peer fails instead.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde_json::Value;

const PEERS: &[&str] = &[
    "python",
    "wetlands",
    "sharedarray",
    "shm_ndarray",
    "shared_memory",
];

/// The cases run against every peer here: the descriptor, lifecycle and
/// byte-order contract and every dtype's bits in both directions. The whole
/// catalogue against every peer is `shm-harness matrix` (CI runs it).
const CASES: &[&str] = &[
    "seed-blog-write",
    "descriptor-roundtrip",
    "empty-array",
    "attach-never-unlinks",
    "attacher-exits-segment-survives",
    "permissions",
    "parent-writes-child-reads-",
    "swapped-parent-writes-",
];
const SIDES: &[&str] = &["creates, rust attaches", "attaches"];

/// The queue's cases run with its Python twin on either end, with the
/// `python` peer.
const QUEUE_PEER: &str = "python";
const QUEUE_SIDES: &[&str] = &["python sends", "python receives"];

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shm-harness"))
}

/// What one run of a case reported.
#[derive(Clone)]
struct Run {
    outcome: String,
    message: String,
}

/// Every run of one peer's `shm-harness run`, by (direction label, case).
type Runs = BTreeMap<(String, String), Run>;

/// Runs the catalogue against `peer` once and keeps every run's result.
fn run_peer(peer: &str) -> Result<Runs, String> {
    let filters = CASES.iter().flat_map(|c| ["--filter", c]);
    let queue = if peer == QUEUE_PEER {
        &["--filter", "queue-"][..]
    } else {
        &[]
    };
    let out = bin()
        .args(["run", "--peer", peer, "--format", "json"])
        .args(filters)
        .args(queue)
        .output()
        .map_err(|e| format!("cannot run shm-harness: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut runs = Runs::new();
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).map_err(|e| format!("bad line {line:?}: {e}"))?;
        let (Some(case), Some(direction)) = (v["case"].as_str(), v["peer"].as_str()) else {
            continue;
        };
        let run = Run {
            outcome: v["outcome"].as_str().unwrap_or_default().to_owned(),
            message: v["message"].as_str().unwrap_or_default().to_owned(),
        };
        runs.insert((direction.to_owned(), case.to_owned()), run);
    }
    if runs.is_empty() {
        return Err(format!(
            "shm-harness run --peer {peer} reported no run ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(runs)
}

/// The label the runner gives a direction: `python creates, rust attaches`
/// or `rust creates, python attaches`.
fn label(peer: &str, side: &str) -> String {
    if side == "attaches" {
        format!("rust creates, {peer} attaches")
    } else {
        format!("{peer} {side}")
    }
}

fn check(runs: &Result<Runs, String>, direction: &str, case: &str) -> Result<Completion, Failed> {
    let runs = runs.as_ref().map_err(|e| Failed::from(e.as_str()))?;
    let Some(run) = runs.get(&(direction.to_owned(), case.to_owned())) else {
        return Err(format!("no run of {case} ({direction}) was reported").into());
    };
    match run.outcome.as_str() {
        "passed" => Ok(Completion::Completed),
        "skipped" if !run.message.is_empty() => Ok(Completion::ignored_with(&run.message)),
        "skipped" => Err(format!("{case} was skipped without a reason").into()),
        _ => Err(run.message.clone().into()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let listed = bin().arg("list").output().expect("shm-harness list");
    assert!(listed.status.success(), "list failed");
    let names: Vec<String> = String::from_utf8(listed.stdout)
        .expect("UTF-8 names")
        .lines()
        .map(str::to_owned)
        .collect();
    let cases: Vec<String> = names
        .iter()
        .filter(|name| CASES.iter().any(|c| name.contains(c)))
        .cloned()
        .collect();
    let queues: Vec<String> = names
        .iter()
        .filter(|name| name.starts_with("queue-"))
        .cloned()
        .collect();
    let mut trials = Vec::new();
    for &peer in PEERS {
        // One runner process per peer, started by the first of its tests.
        let runs: Arc<OnceLock<Result<Runs, String>>> = Arc::default();
        for &side in SIDES {
            for case in &cases {
                let (runs, direction, case) = (runs.clone(), label(peer, side), case.clone());
                let name = format!("{peer}/{direction}/{case}");
                trials.push(Trial::ignorable_test(name, move || {
                    check(runs.get_or_init(|| run_peer(peer)), &direction, &case)
                }));
            }
        }
        if peer == QUEUE_PEER {
            for &direction in QUEUE_SIDES {
                for case in &queues {
                    let (runs, case) = (runs.clone(), case.clone());
                    let name = format!("{peer}/{direction}/{case}");
                    trials.push(Trial::ignorable_test(name, move || {
                        check(runs.get_or_init(|| run_peer(peer)), direction, &case)
                    }));
                }
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
