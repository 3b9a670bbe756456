//! `shm-harness prop`: property tests across processes and languages.
//!
//! Random arrays (`strategy.rs`: every dtype and byte order, 0-d to many
//! dimensions, offsets, orders, segment sizes, edge values) go through one
//! peer both ways (`exchange.rs`), within what the peer's manifest claims;
//! what it rules out is printed, never skipped silently. The regressions
//! (`case.rs` documents their schema: the built-in
//! `fixtures/prop/regressions.toml`, then any `--regressions FILE`) run
//! first, then `--cases N` random cases from `--seed S`. A failure is shrunk
//! by proptest to the smallest case that still fails and printed as a
//! regression entry, a catalogue case (`catalogue.rs`), a `--replay` line
//! and the seed that reproduces the run.
//!
//! The command (`shm-harness prop`) turns a [`Verdict`] into its exit code
//! through the one table (`shm_protocol::exit`): 0 every case passed (or
//! the peer cannot run here, outside CI), 1 a case failed, 2 a usage
//! error.

mod case;
mod catalogue;
mod exchange;
mod strategy;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::peer::{self, PeerChoice, PeerSpec, Registry};
use crate::runner::Processes;
use case::PropCase;
use exchange::Exchange;
use strategy::Caps;

/// How many shrinking steps a failure gets at most.
const MAX_SHRINK_ITERS: u32 = 1024;

/// What one `prop` run does.
#[derive(Debug, Clone)]
pub struct PropOptions {
    /// The peer.
    pub peer: PeerChoice,
    /// How many random cases (after the regressions).
    pub cases: u32,
    /// The share of random cases, in percent, that the peer creates.
    pub peer_creates: u32,
    /// The seed of the random cases (default: a fresh one, printed).
    pub seed: Option<u64>,
    /// Run only this case, as `prop` prints it after a failure (JSON).
    pub replay: Option<String>,
    /// Regressions files replayed after the built-in ones.
    pub regressions: Vec<PathBuf>,
    /// The Python interpreter for Python peers.
    pub python: Option<String>,
    /// How long each peer operation may take.
    pub timeout: Duration,
}

/// How a `prop` run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every case passed, or the peer cannot run here outside CI (said).
    Passed,
    /// A case failed (printed, shrunk).
    Failed,
    /// The peer cannot run here, and under `CI=true` that fails: why.
    Unavailable(String),
}

/// Runs `prop` and prints as it goes; `Err` is a usage error.
pub fn prop(options: &PropOptions) -> Result<Verdict, String> {
    let mut registry = Registry::new(options.python.as_deref());
    let (name, spec) = registry.choose(&options.peer)?;
    let spec = match spec {
        Ok(s) => s,
        Err(why) => return Ok(unavailable(&name, &why)),
    };
    let mut regressions =
        case::regressions("fixtures/prop/regressions.toml", case::BUILTIN_REGRESSIONS)?;
    for path in &options.regressions {
        regressions.extend(read_regressions(path)?);
    }
    let replay = options
        .replay
        .as_deref()
        .map(PropCase::parse_replay)
        .transpose()?;
    let seed = options.seed.unwrap_or_else(fresh_seed);
    let caps = Caps::of(&spec, options.peer_creates);
    let how = match &options.peer {
        PeerChoice::Builtin(n) => format!("--peer {n}"),
        PeerChoice::Manifest(p) => format!("--peer-manifest {}", p.display()),
    };
    let procs = Processes::new(registry.launcher());
    let mut session = Session {
        exchange: Exchange::new(spec.clone(), procs, options.timeout),
        caps,
        how,
        spec,
        runs: (0, 0),
    };
    let passed = session.run(&regressions, replay.as_ref(), options.cases, seed);
    session.exchange.finish();
    Ok(if passed {
        Verdict::Passed
    } else {
        Verdict::Failed
    })
}

fn read_regressions(path: &Path) -> Result<Vec<PropCase>, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: {e}"))?;
    case::regressions(&file, &text)
}

/// A peer that cannot run here: skipped, except under `CI=true` (where
/// every peer this OS can have must be present).
fn unavailable(name: &str, why: &str) -> Verdict {
    let ci = std::env::var("CI").as_deref() == Ok("true");
    if ci && !why.starts_with(peer::NOT_ON_THIS_OS) {
        return Verdict::Unavailable(format!("peer {name} unavailable: {why}"));
    }
    println!("prop: peer {name} skipped: {why}");
    Verdict::Passed
}

/// A seed for a run not given `--seed`: the clock and the process id.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    (nanos ^ (u64::from(std::process::id()) << 32)) % 1_000_000_000_000
}

/// One `prop` run against one peer.
struct Session {
    exchange: Exchange,
    caps: Caps,
    spec: PeerSpec,
    how: String,
    /// Cases run so far with Rust creating, and with the peer creating.
    runs: (u32, u32),
}

impl Session {
    fn run(
        &mut self,
        regressions: &[PropCase],
        replay: Option<&PropCase>,
        cases: u32,
        seed: u64,
    ) -> bool {
        let started = Instant::now();
        let name = self.spec.name.clone();
        println!("prop: peer {name}, seed {seed}");
        for note in &self.caps.notes {
            match note.strip_prefix(strategy::REMARK) {
                Some(remark) => println!("note: {remark}"),
                None => println!("not generated for {name}: {note}"),
            }
        }
        if !self.caps.creates && !self.caps.attaches {
            println!("prop: peer {name} takes neither side here; nothing to run");
            return true;
        }
        if self.caps.dtypes.is_empty() {
            println!("prop: peer {name} claims no dtype; nothing to run");
            return true;
        }
        if let Some(case) = replay {
            if let Some(why) = self.caps.excludes(case) {
                println!("note: the case is outside what {name} claims ({why}); running it anyway");
            }
            return match self.one(case) {
                Ok(()) => {
                    println!("PASS replay: {}", case.summary());
                    true
                }
                Err(e) => {
                    println!("FAIL replay: {}\n  {e}", case.summary());
                    false
                }
            };
        }
        let (mut failed, mut skipped) = (0, 0);
        for (i, case) in regressions.iter().enumerate() {
            if let Some(why) = self.caps.excludes(case) {
                skipped += 1;
                println!("SKIP regression {}: {} ({why})", i + 1, case.summary());
                continue;
            }
            if let Err(e) = self.one(case) {
                failed += 1;
                println!("FAIL regression {}: {}\n  {e}", i + 1, case.summary());
                self.print_failure(case, seed, cases);
            }
        }
        println!(
            "regressions: {} replayed, {skipped} outside what {name} claims, {failed} failed",
            regressions.len() - skipped
        );
        let outcome = self.random(cases, seed);
        let secs = started.elapsed().as_secs_f64();
        match outcome {
            Ok(()) if failed == 0 => {
                let (r, p) = self.runs;
                println!(
                    "passed: {cases} random cases and the regressions ({r} with rust creating, {p} with {name} creating) in {secs:.2} s"
                );
                true
            }
            Ok(()) => {
                println!("FAIL: {failed} regressions failed ({secs:.2} s)");
                false
            }
            Err(message) => {
                println!("{message}");
                println!("failed after {secs:.2} s");
                false
            }
        }
    }

    /// Runs one case.
    fn one(&mut self, case: &PropCase) -> Result<(), String> {
        match case.creator {
            case::Creator::Rust => self.runs.0 += 1,
            case::Creator::Peer => self.runs.1 += 1,
        }
        self.exchange.run(case)
    }

    /// The random cases; a failure, shrunk, as the text to print.
    fn random(&mut self, cases: u32, seed: u64) -> Result<(), String> {
        let config = Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: MAX_SHRINK_ITERS,
            max_global_rejects: cases.saturating_mul(64).max(1024),
            ..Config::default()
        };
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&seed.to_le_bytes());
        }
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
        let mut runner = TestRunner::new_with_rng(config, rng);
        let strategy = self.caps.strategy();
        let first = RefCell::new(None::<PropCase>);
        let steps = RefCell::new(0u32);
        let me = RefCell::new(&mut *self);
        let result = runner.run(&strategy, |case| {
            let mut me = me.borrow_mut();
            match me.one(&case) {
                Ok(()) => Ok(()),
                Err(e) => {
                    *steps.borrow_mut() += 1;
                    first.borrow_mut().get_or_insert(case);
                    Err(TestCaseError::fail(e))
                }
            }
        });
        match result {
            Ok(()) => Ok(()),
            Err(TestError::Abort(why)) => Err(format!("FAIL: the run was aborted: {why}")),
            Err(TestError::Fail(why, minimal)) => {
                let mut out = String::new();
                if let Some(first) = first.borrow().as_ref() {
                    out.push_str(&format!("FAIL: first failing case: {}\n", first.summary()));
                }
                out.push_str(&format!(
                    "shrunk in {} failing runs to: {}\n  {why}\n",
                    steps.borrow(),
                    minimal.summary()
                ));
                print!("{out}");
                self.print_failure(&minimal, seed, cases);
                Err("FAIL: a property failed".into())
            }
        }
    }

    /// Prints `case` as a regression, a catalogue case, a replay line and
    /// the run's seed.
    fn print_failure(&self, case: &PropCase, seed: u64, cases: u32) {
        let peer = &self.spec.name;
        let note = format!("found against {peer} by shm-harness prop --seed {seed}");
        println!("\nkeep it as a regression (fixtures/prop/regressions.toml):\n");
        println!("{}", case.to_regression(&note));
        match catalogue::catalogue_case(case, &format!("prop-{}", peer.replace('_', "-"))) {
            Ok(text) => println!("as a catalogue case (fixtures/cases/*.toml):\n\n{text}"),
            Err(why) => println!("(no catalogue case: {why})\n"),
        }
        let json = case.to_json().replace('\'', "'\\''");
        println!("replay: shm-harness prop {} --replay '{json}'", self.how);
        println!(
            "reproduce the run: shm-harness prop {} --seed {seed} --cases {cases}",
            self.how
        );
    }
}
