//! `shm-harness check-peer`: the reference passes it, and peers that break
//! one rule each (written here as wrappers around the reference) fail the
//! check that holds them to it.

mod common;

use common::bin;
use serde_json::Value;

/// Runs `check-peer` with `args`, JSON lines out; (exit code, records).
fn check(args: &[&str]) -> (Option<i32>, Vec<Value>) {
    let out = bin()
        .arg("check-peer")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run check-peer");
    let records = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .filter(|v: &Value| v.get("case").is_some())
        .collect();
    (out.status.code(), records)
}

#[test]
fn the_reference_passes_every_check_it_claims() {
    let (code, records) = check(&["--peer", "cli"]);
    assert!(records.len() >= 15, "{records:?}");
    for r in &records {
        match r["outcome"].as_str() {
            Some("passed") => {}
            Some("skipped") => assert!(
                r["not_run"].is_string() && !r["message"].as_str().unwrap().is_empty(),
                "a skip says why: {r}"
            ),
            _ => panic!("{r}"),
        }
    }
    assert_eq!(code, Some(0));
}

#[test]
fn the_list_names_each_check_and_its_clause() {
    let out = bin().args(["check-peer", "--list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("create/create-releases-on-signals: 5.2"),
        "{text}"
    );
    assert!(text.contains("text/value-text: 6"), "{text}");
    assert!(out.status.success());
}

/// A manifest for a shell wrapper around the reference; `body` is the
/// script's line that runs it (`"$H"` is the reference binary).
#[cfg(unix)]
fn wrapper(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("peer.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nH='{}'\n{body}\n",
            env!("CARGO_BIN_EXE_shm-harness")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let manifest = dir.join("wrapper.toml");
    std::fs::write(
        &manifest,
        "name = \"wrapper\"\nargv = [\"{dir}/peer.sh\"]\n",
    )
    .unwrap();
    manifest
}

/// The checks of `records` that failed.
#[cfg(unix)]
fn failed(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .filter(|r| r["outcome"] == "failed")
        .map(|r| r["case"].as_str().unwrap())
        .collect()
}

#[cfg(unix)]
#[test]
fn a_creator_that_dies_of_a_signal_fails_the_signal_check() {
    // The shell in front of the reference takes the signal and dies of
    // it: what a peer that never blocks SIGTERM, SIGINT and SIGHUP does.
    let dir = tempfile::tempdir().unwrap();
    let manifest = wrapper(dir.path(), "\"$H\" \"$@\"");
    let m = manifest.to_str().unwrap();
    let (code, records) = check(&["--peer-manifest", m, "--timeout", "5"]);
    assert_eq!(
        failed(&records),
        ["create-releases-on-signals"],
        "{records:?}"
    );
    assert_eq!(code, Some(1));
}

#[cfg(unix)]
#[test]
fn errors_on_stdout_fail_the_error_line_checks() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = wrapper(dir.path(), "exec \"$H\" \"$@\" 2>&1");
    let m = manifest.to_str().unwrap();
    let (code, records) = check(&["--peer-manifest", m, "--timeout", "5"]);
    let failed = failed(&records);
    for check in ["bad-input", "attach-never-creates", "create-is-exclusive"] {
        assert!(failed.contains(&check), "{check} passed: {failed:?}");
    }
    assert_eq!(code, Some(1));
}

#[test]
fn a_bare_manifest_file_name_finds_its_directory() {
    // `{dir}` is the manifest's real directory however the path is given:
    // here a bare file name, run from the manifest's folder.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_shm-harness"),
        dir.path().join("ref-peer"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bare.toml"),
        "name = \"bare\"\nargv = [\"{dir}/ref-peer\"]\n",
    )
    .unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args([
            "run",
            "--peer-manifest",
            "bare.toml",
            "--format",
            "json",
            "--exact",
        ])
        .args(["--filter", "seed-blog-write"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("\"outcome\":\"passed\"").count(), 2, "{text}");
}
