//! The runner itself: failures, hangs, crashes and leaks are reported as
//! failed cases without stopping it, and every report format parses.

mod common;

use common::bin;
use serde_json::Value;

const BROKEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");

/// The broken cases that fail here: all five on Unix; on Windows
/// `broken-leak` is skipped, since a mapping cannot outlive its processes.
const FAILING: u64 = if cfg!(unix) { 5 } else { 4 };

fn run_broken(format: &str, extra: &[&str]) -> std::process::Output {
    bin()
        .args([
            "run",
            "--cases",
            BROKEN,
            "--timeout",
            "1",
            "--format",
            format,
        ])
        .args(extra)
        .output()
        .expect("run shm-harness")
}

#[test]
fn broken_cases_fail_one_by_one_and_the_runner_carries_on() {
    let out = run_broken("json", &[]);
    assert_eq!(out.status.code(), Some(1), "a failed case exits 1");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let modes = if cfg!(unix) { 2 } else { 1 };
    let runs: Vec<&Value> = lines.iter().filter(|v| v.get("case").is_some()).collect();
    assert_eq!(runs.len(), 6 * modes);
    for r in &runs {
        for key in ["case", "mode", "outcome", "duration_ms", "message"] {
            assert!(r.get(key).is_some(), "{key} missing from {r}");
        }
        let case = r["case"].as_str().unwrap();
        let message = r["message"].as_str().unwrap();
        let expect = |outcome: &str, fragment: &str| {
            assert_eq!(r["outcome"], outcome, "{case}: {r}");
            assert!(
                message.contains(fragment),
                "{case}: {message:?} lacks {fragment:?}"
            );
        };
        match case {
            "broken-wrong-value" => expect("failed", "expected 5, got 4"),
            "broken-hang" => expect("failed", "timed out"),
            "broken-crash" => expect("failed", if cfg!(unix) { "SIGKILL" } else { "exit code" }),
            "broken-unexpected-error" => expect("failed", "SizeMismatch"),
            "broken-leak" if cfg!(unix) => expect("failed", "left behind: shmc_"),
            "broken-leak" => expect("skipped", "applies to unix only"),
            "fine-after-all-that" => expect("passed", ""),
            other => panic!("unexpected case {other}"),
        }
    }
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["passed"], modes);
    assert_eq!(summary["failed"], FAILING * modes as u64);
    assert_eq!(summary["skipped"], (5 - FAILING) * modes as u64);
    assert!(summary["duration_ms"].as_u64().is_some());
}

/// Unix only: on Windows nothing can leak (see [`FAILING`]).
#[cfg(unix)]
#[test]
fn the_leaked_segment_was_removed_by_the_runner() {
    let out = run_broken("json", &["--filter", "broken-leak"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let names: Vec<String> = text
        .split("left behind: ")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect();
    assert!(!names.is_empty(), "{text}");
    for name in names {
        assert!(
            matches!(
                shm_core::Segment::attach(&name),
                Err(shm_core::Error::NotFound { .. })
            ),
            "{name} is still there"
        );
    }
}

#[test]
fn human_report_has_one_line_a_run_and_the_closing_counts() {
    let out = run_broken("human", &["--filter", "wrong-value", "--filter", "fine"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let modes = if cfg!(unix) {
        ["fork", "spawn"].as_slice()
    } else {
        ["spawn"].as_slice()
    };
    for mode in modes {
        assert!(
            text.contains(&format!("FAIL {mode} broken-wrong-value (")),
            "{text}"
        );
        assert!(
            text.contains(&format!("PASS {mode} fine-after-all-that (")),
            "{text}"
        );
    }
    let last = text.lines().last().unwrap();
    assert_eq!(
        last,
        format!("{} passed, {} failed, 0 skipped", modes.len(), modes.len())
    );
}

#[test]
fn junit_report_parses_and_counts_failures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    let out = run_broken("junit", &["--output", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(&path).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let cases: Vec<_> = report
        .test_suites
        .iter()
        .flat_map(|s| &s.test_cases)
        .collect();
    let modes = if cfg!(unix) { 2 } else { 1 };
    assert_eq!(cases.len(), 6 * modes);
    let failed = cases
        .iter()
        .filter(|c| matches!(c.status, quick_junit::TestCaseStatus::NonSuccess { .. }))
        .count();
    assert_eq!(failed as u64, FAILING * modes as u64);
}

#[test]
fn list_prints_one_name_a_line_and_filters() {
    let out = bin()
        .args(["list", "--filter", "pattern-"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = text.lines().collect();
    assert_eq!(names.len(), 14, "{text}");
    assert!(names.iter().all(|n| n.starts_with("pattern-")));
    assert!(names.contains(&"pattern-complex128"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["run", "--mode", "sideways"],
        vec!["run", "--timeout", "-1"],
        vec!["run", "--cases", "/nonexistent/catalogue"],
        vec!["run", "--peer", "cobol"],
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn the_binary_passes_its_own_catalogue_as_a_foreign_peer() {
    // `--peer cli` drives this binary's create/peer command line exactly as
    // a Python or C++ peer is driven, on both sides of every case it can play.
    let out = bin()
        .args(["run", "--peer", "cli", "--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let runs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("case").is_some())
        .collect();
    let foreign: Vec<&Value> = runs.iter().filter(|r| r["peer"].is_string()).collect();
    let passed = |side: &str| {
        foreign
            .iter()
            .filter(|r| r["peer"] == side && r["outcome"] == "passed")
            .count()
    };
    assert!(passed("cli creates, rust attaches") >= 40, "{text}");
    assert!(passed("rust creates, cli attaches") >= 40, "{text}");
    for r in &foreign {
        assert_ne!(r["outcome"], "failed", "{r}");
        if r["outcome"] == "skipped" {
            assert!(!r["message"].as_str().unwrap().is_empty(), "{r}");
        }
    }
    assert!(out.status.success());
}

#[test]
fn matrix_counts_each_direction_over_the_cases_that_apply() {
    let out = bin()
        .args(["matrix", "--peer", "cli", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["failures"], serde_json::json!([]));
    let cli = &v["matrix"]["cli"];
    for side in ["peer_creates_rust_attaches", "rust_creates_peer_attaches"] {
        let cell = &cli[side];
        let passed = cell["passed"].as_u64().unwrap();
        assert_eq!(cell["total"].as_u64(), Some(passed), "{cell}");
        assert!(passed >= 40, "{side}: {cell}");
        assert!(cell["not_applicable"].as_u64().unwrap() > 0, "{cell}");
    }
    assert_eq!(cli["unavailable"], Value::Null);

    // The human table's shape, over a few cases (the counts are checked above).
    let human = bin()
        .args(["matrix", "--peer", "cli", "--filter", "seed-"])
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    let row = text.lines().find(|l| l.starts_with("cli ")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().filter(|w| w.contains('/')).collect();
    assert_eq!(cells.len(), 2, "{text}");
    for (cell, side) in cells
        .iter()
        .zip(["peer_creates_rust_attaches", "rust_creates_peer_attaches"])
    {
        let (passed, total) = cell.split_once('/').unwrap();
        assert_eq!(passed, total, "{text}");
        let total: u64 = total.parse().unwrap();
        // --filter counts only the seed cases: some, not all.
        assert!(total > 0, "{text}");
        assert!(total < cli[side]["total"].as_u64().unwrap(), "{text}");
    }
}

#[test]
fn an_outside_program_runs_from_its_manifest_with_its_capabilities_as_data() {
    // This binary stands in for an implementation the suite never saw: it
    // is named only by a manifest, which also declares one byte order and
    // a deviation.
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("outside.toml");
    std::fs::write(
        &manifest,
        format!(
            "name = \"outside\"\nargv = [{:?}]\nbyte_orders = [\"native\"]\n\n\
             [[deviation]]\ncase = \"seed-blog-write\"\nside = \"attaches\"\nreason = \"declared here\"\n",
            env!("CARGO_BIN_EXE_shm-harness")
        ),
    )
    .unwrap();
    let out = bin()
        .args(["run", "--peer-manifest"])
        .arg(&manifest)
        .args([
            "--format",
            "json",
            "--filter",
            "seed-blog-write",
            "--filter",
            "swapped-parent-writes-int32",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let runs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("case").is_some())
        .collect();
    let find = |case: &str, side: &str| {
        runs.iter()
            .find(|r| r["case"] == case && r["peer"] == side)
            .unwrap_or_else(|| panic!("no run of {case} ({side}): {text}"))
    };
    assert_eq!(
        find("seed-blog-write", "outside creates, rust attaches")["outcome"],
        "passed"
    );
    let deviation = find("seed-blog-write", "rust creates, outside attaches");
    assert_eq!(
        (deviation["outcome"].as_str(), deviation["message"].as_str()),
        (Some("skipped"), Some("declared here"))
    );
    let swapped = find(
        "swapped-parent-writes-int32",
        "outside creates, rust attaches",
    );
    assert_eq!(swapped["outcome"], "skipped");
    assert!(
        runs.iter().all(|r| r["peer"].is_string()),
        "a manifest alone runs no Rust-only pass"
    );
    assert!(out.status.success(), "{text}");
}

#[test]
fn a_bad_manifest_is_a_usage_error_naming_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (text, key) in [
        ("name = \"x\"\nargv = [\"{dir}/no-such-peer\"]\n", "argv"),
        ("name = \"x\"\nargv = [\"sh\"]\nsreve = true\n", "sreve"),
    ] {
        let manifest = dir.path().join("bad.toml");
        std::fs::write(&manifest, text).unwrap();
        let out = bin()
            .args(["run", "--peer-manifest"])
            .arg(&manifest)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with("error: ") && err.contains("bad.toml") && err.contains(key),
            "{err}"
        );
    }
}
