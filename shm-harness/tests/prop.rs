//! `shm-harness prop` as its users run it: green against the built-in `cli`
//! peer (Rust only), usage errors exit 2, `--replay` runs one case, and a
//! deliberately broken peer (the mutants of `fixtures/mutants/`, Python
//! peers) is found, shrunk to a case of a few elements, printed as a
//! regression, a catalogue case that fails against it too, a `--replay`
//! line that reproduces the failure, and the run's seed.
//!
//! The mutants need `$SHM_HARNESS_PYTHON` with numpy; without it their tests
//! are ignored with the reason, and fail under `CI=true`. Every run gets a
//! private lease ledger, and a guard unlinks whatever segment it still
//! lists when the test ends, passed or failed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde_json::Value;

/// A private lease ledger; on drop, every segment it still lists is
/// unlinked (what a run created and did not remove).
struct Ledger(tempfile::TempDir);

impl Ledger {
    fn new() -> Ledger {
        Ledger(tempfile::tempdir().expect("a temporary directory"))
    }

    /// `shm-harness ARGS`, recording its leases here.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_shm-harness"))
            .args(args)
            .env("SHM_NDARRAY_LEASES", self.0.path())
            .stdin(Stdio::null())
            .output()
            .expect("run shm-harness")
    }

    /// The segments it lists.
    fn left(&self) -> Vec<String> {
        std::fs::read_dir(self.0.path())
            .map(|d| {
                d.flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.strip_suffix(".json").map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        for name in self.left() {
            let _ = shm_core::lease::unlink(&name);
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn mutant(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../fixtures/mutants/{name}.toml"))
}

/// Why the Python mutants cannot run here, if they cannot.
fn python_missing() -> Option<String> {
    let python = std::env::var("SHM_HARNESS_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import numpy"])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    (!ok).then(|| format!("peer python unavailable: {python} cannot import numpy"))
}

/// Why the mutants do not run in this build, if they do not: they are
/// Unix peers (as `ci/mutants.sh` runs them).
const NOT_HERE: Option<&str> = if !cfg!(unix) {
    Some("the mutants are Unix peers, run on Linux and macOS")
} else {
    None
};

/// Runs `test` when Python is there; else ignored with the reason (failed
/// under `CI=true`).
fn with_python(test: fn() -> Result<(), Failed>) -> Result<Completion, Failed> {
    if let Some(why) = NOT_HERE {
        return Ok(Completion::ignored_with(why));
    }
    match python_missing() {
        Some(why) if std::env::var("CI").as_deref() == Ok("true") => Err(why.into()),
        Some(why) => Ok(Completion::ignored_with(why)),
        None => test().map(|()| Completion::Completed),
    }
}

fn check(ok: bool, what: &str, out: &Output) -> Result<(), Failed> {
    if ok {
        Ok(())
    } else {
        Err(format!("{what}\n{}", text(out)).into())
    }
}

fn cli_peer_passes() -> Result<(), Failed> {
    let ledger = Ledger::new();
    let out = ledger.run(&["prop", "--peer", "cli", "--cases", "24", "--seed", "7"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    check(out.status.code() == Some(0), "exit 0", &out)?;
    check(
        stdout.contains("passed: 24 random cases"),
        "the count",
        &out,
    )?;
    check(stdout.contains("seed 7"), "the seed is printed", &out)?;
    check(
        stdout.contains(" replayed, 0 outside what cli claims, 0 failed"),
        "the regressions run first",
        &out,
    )?;
    check(ledger.left().is_empty(), "no segment is left", &out)
}

fn usage_errors_exit_2() -> Result<(), Failed> {
    let ledger = Ledger::new();
    for args in [
        vec!["prop"],
        vec!["prop", "--peer", "rust"],
        vec!["prop", "--peer", "nope"],
        vec!["prop", "--peer", "cli", "--replay", "{"],
        vec!["prop", "--peer", "cli", "--peer-creates", "101"],
        vec!["prop", "--peer-manifest", "/no/such/manifest.toml"],
    ] {
        let out = ledger.run(&args);
        check(
            out.status.code() == Some(2),
            &format!("{args:?}: exit 2"),
            &out,
        )?;
    }
    Ok(())
}

fn replay_runs_one_case() -> Result<(), Failed> {
    let ledger = Ledger::new();
    let case = r#"{"creator":"rust","dtype":">f4","shape":[2,3],"order":"F","offset":8,"size":"page","seed":4611686018427387913,"write_seed":3}"#;
    let out = ledger.run(&["prop", "--peer", "cli", "--replay", case]);
    check(out.status.code() == Some(0), "exit 0", &out)?;
    check(
        String::from_utf8_lossy(&out.stdout)
            .contains("PASS replay: rust creates >f4 [2, 3] F order"),
        "the case is named",
        &out,
    )
}

/// `prop` against a mutant: it must fail, shrink to at most `max` elements,
/// and print everything needed to keep and replay the failure.
fn finds_and_shrinks(name: &str, max: usize) -> Result<(), Failed> {
    let ledger = Ledger::new();
    let manifest = mutant(name);
    let manifest = manifest.to_str().expect("a UTF-8 path");
    let args = [
        "prop",
        "--peer-manifest",
        manifest,
        "--cases",
        "256",
        "--seed",
        "5",
    ];
    let out = ledger.run(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    check(
        out.status.code() == Some(1),
        "exit 1: the property fails",
        &out,
    )?;
    for part in ["shrunk in ", "[[regression]]", "[[case]]", "--seed 5"] {
        check(stdout.contains(part), &format!("prints {part:?}"), &out)?;
    }
    let replay = stdout
        .lines()
        .find_map(|l| l.strip_prefix("replay: "))
        .and_then(|l| l.split_once("--replay '"))
        .and_then(|(_, json)| json.strip_suffix('\''))
        .ok_or_else(|| format!("no replay line\n{}", text(&out)))?;
    let case: Value = serde_json::from_str(replay).map_err(|e| format!("{e}: {replay}"))?;
    let elements: u64 = case["shape"]
        .as_array()
        .ok_or("a shape")?
        .iter()
        .map(|d| d.as_u64().unwrap_or(u64::MAX))
        .product();
    check(
        elements as usize <= max,
        &format!("at most {max} elements: {replay}"),
        &out,
    )?;

    // The replay line reproduces the failure; against Rust the case passes.
    let again = ledger.run(&["prop", "--peer-manifest", manifest, "--replay", replay]);
    check(
        again.status.code() == Some(1),
        "the replay fails too",
        &again,
    )?;
    let fine = ledger.run(&["prop", "--peer", "cli", "--replay", replay]);
    check(
        fine.status.code() == Some(0),
        "the replay passes with cli",
        &fine,
    )?;

    // The catalogue case, pasted into a catalogue, fails against the mutant
    // and passes with Rust alone.
    let start = stdout.find("[[case]]").ok_or("a case")?;
    let end = stdout[start..]
        .find("\n\n")
        .map_or(stdout.len(), |e| start + e);
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("found.toml"), &stdout[start..end])?;
    let cases = dir.path().to_str().expect("a UTF-8 path");
    let rust = ledger.run(&["run", "--cases", cases]);
    check(
        rust.status.code() == Some(0),
        "the catalogue case passes with Rust",
        &rust,
    )?;
    let broken = ledger.run(&["run", "--cases", cases, "--peer-manifest", manifest]);
    check(
        broken.status.code() == Some(1),
        "and fails against the mutant",
        &broken,
    )?;
    check(ledger.left().is_empty(), "no segment is left", &out)
}

fn main() {
    let args = Arguments::from_args();
    let plain = |name: &str, f: fn() -> Result<(), Failed>| Trial::test(name, f);
    let trials = vec![
        plain("prop/cli-peer-passes", cli_peer_passes),
        plain("prop/usage-errors-exit-2", usage_errors_exit_2),
        plain("prop/replay-runs-one-case", replay_runs_one_case),
        Trial::ignorable_test("prop/finds-and-shrinks-offset-ignored", || {
            with_python(|| finds_and_shrinks("offset-ignored", 4))
        }),
        Trial::ignorable_test("prop/finds-and-shrinks-native-byte-order", || {
            with_python(|| finds_and_shrinks("native-byte-order", 4))
        }),
    ];
    libtest_mimic::run(&args, trials).exit();
}
