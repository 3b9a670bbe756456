//! `shm-harness speedup` on a tiny workload: the shape of its output, never
//! its speed (figures live in the benchmarks and docs/benchmarks.md).

use assert_cmd::Command;
use serde_json::Value;

fn speedup(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("shm-harness")
        .expect("the binary is built")
        .arg("speedup")
        .args(args)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("speedup runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn positive(v: &Value, what: &str) {
    let x = v
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is {v}, not a number"));
    assert!(x > 0.0 && x.is_finite(), "{what} = {x}");
}

/// Checks the object shape; returns whether the Python figures are there.
fn check_shape(report: &Value) -> bool {
    assert_eq!(keys(report), ["end_to_end", "handoff", "workload"]);
    let h = &report["handoff"];
    let e = &report["end_to_end"];
    // Both workloads have the same figures; end-to-end also has the floor.
    let handoff = [
        "copied_s",
        "iceoryx2_event_s",
        "iceoryx2_poll_s",
        "pool_s",
        "python_copied_s",
        "python_iceoryx2_event_s",
        "python_iceoryx2_poll_s",
        "python_package_descriptor_s",
        "python_package_pool_s",
        "python_package_queue_s",
        "python_queue_s",
        "python_shared_s",
        "queue_s",
        "shared_s",
    ];
    assert_eq!(keys(h), handoff);
    let mut end_to_end = handoff.to_vec();
    end_to_end.push("in_process_floor_s");
    end_to_end.sort_unstable();
    assert_eq!(keys(e), end_to_end);
    for (v, what) in [
        (&h["copied_s"], "handoff.copied_s"),
        (&h["shared_s"], "handoff.shared_s"),
        (&h["queue_s"], "handoff.queue_s"),
        (&h["pool_s"], "handoff.pool_s"),
        (&e["copied_s"], "end_to_end.copied_s"),
        (&e["shared_s"], "end_to_end.shared_s"),
        (&e["queue_s"], "end_to_end.queue_s"),
        (&e["pool_s"], "end_to_end.pool_s"),
        (&e["in_process_floor_s"], "end_to_end.in_process_floor_s"),
    ] {
        positive(v, what);
    }
    let has_python = !h["python_copied_s"].is_null();
    for v in [
        &h["python_copied_s"],
        &h["python_shared_s"],
        &h["python_queue_s"],
        &e["python_copied_s"],
        &e["python_shared_s"],
        &e["python_queue_s"],
    ] {
        if has_python {
            positive(v, "a python figure");
        } else {
            assert!(v.is_null(), "python figures are all null or all numbers");
        }
    }
    let w = &report["workload"];
    if has_python {
        assert!(w["python"].is_string() && w["python_note"].is_null(), "{w}");
    } else {
        assert!(w["python"].is_null() && w["python_note"].is_string(), "{w}");
    }
    // Each group of iceoryx2 or shm_ndarray rows: all numbers and a version
    // or path, or all null and a reason.
    let iceoryx2 = &["iceoryx2_event_s", "iceoryx2_poll_s"][..];
    let package = &["package_descriptor_s", "package_queue_s", "package_pool_s"][..];
    for (rows, prefix, about) in [
        (iceoryx2, "", "iceoryx2"),
        (iceoryx2, "python_", "python_iceoryx2"),
        (package, "python_", "python_package"),
    ] {
        let rows: Vec<String> = rows.iter().map(|k| format!("{prefix}{k}")).collect();
        let measured = !h[&rows[0]].is_null();
        for v in rows.iter().flat_map(|k| [&h[k], &e[k]]) {
            if measured {
                positive(v, about);
            } else {
                assert!(v.is_null(), "{about} figures are all null or all numbers");
            }
        }
        let note = format!("{about}_note");
        assert_eq!(w[about].is_string(), measured, "{w}");
        assert_eq!(w[&note].is_null(), measured, "{w}");
    }
    has_python
}

#[test]
fn json_report_has_the_documented_shape() {
    let (code, out, err) = speedup(&[
        "--arrays", "2", "--shape", "64,64", "--python", "off", "--format", "json", "--repeat", "1",
    ]);
    assert_eq!(code, 0, "stderr: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON object on one line: {out}");
    let report: Value = serde_json::from_str(lines[0]).expect("valid JSON");
    assert!(
        !check_shape(&report),
        "--python off gives no Python figures"
    );
    let w = &report["workload"];
    assert_eq!(w["arrays"], 2);
    assert_eq!(w["shape"], serde_json::json!([64, 64]));
    assert_eq!(w["dtype_name"], "float32");
    assert_eq!(w["array_bytes"], 64 * 64 * 4);
    assert_eq!(w["total_bytes"], 2 * 64 * 64 * 4);
    assert_eq!(w["repeat"], 1);
    assert_eq!(w["statistic"], "median");
    assert_eq!(w["python_note"], "disabled with --python off");
}

#[test]
fn human_report_names_every_figure_and_the_repetitions() {
    let (code, out, err) = speedup(&[
        "--arrays", "3", "--shape", "10", "--dtype", "int64", "--python", "off", "--repeat", "3",
    ]);
    assert_eq!(code, 0, "stderr: {err}");
    for needle in [
        "3 arrays of shape (10,) int64",
        "median of 3 runs",
        "Hand-off",
        "End-to-end",
        "copied through a pipe",
        "shared by descriptor",
        "moved on the queue",
        "lent from a pool",
        "moved on the queue twin",
        "one process (the floor)",
        "Python: no figures: disabled with --python off",
    ] {
        assert!(out.contains(needle), "{needle:?} missing from:\n{out}");
    }
}

/// A measuring program asked for by a path that does not exist: the report
/// still comes, with null figures and the reason under `note`, and the run
/// fails with `message`.
fn missing_program_fails(args: &[&str], message: &str, note: &str, path: &str) {
    let mut all = vec![
        "--arrays", "1", "--shape", "8", "--format", "json", "--repeat", "1",
    ];
    all.extend(args);
    let (code, out, err) = speedup(&all);
    assert_eq!(code, 1, "stderr: {err}");
    assert!(err.contains(message), "{err}");
    let report: Value = serde_json::from_str(out.trim()).expect("valid JSON");
    check_shape(&report);
    let why = report["workload"][note].as_str().unwrap();
    assert!(why.contains(path), "{why}");
}

#[test]
fn a_python_asked_for_that_cannot_run_fails_and_says_why() {
    missing_program_fails(
        &["--python", "/nonexistent/python3"],
        "error: speedup: the CPython figures are missing",
        "python_note",
        "/nonexistent/python3",
    );
}

#[test]
fn an_iceoryx2_helper_asked_for_that_is_missing_fails_and_says_why() {
    missing_program_fails(
        &[
            "--python",
            "off",
            "--iceoryx2",
            "/nonexistent/speedup-iceoryx2",
        ],
        "error: speedup: the iceoryx2 figures are missing",
        "iceoryx2_note",
        "/nonexistent/speedup-iceoryx2",
    );
}

#[test]
fn auto_python_gives_figures_or_a_reason() {
    // Whatever this machine has: numbers with numpy, a reason without. Under
    // CI=true, where the Python peers' venv is there on every OS, the Python
    // rows must be there: a run without them (a missing interpreter, or a
    // speedup.py that failed on this OS) fails this test, never passes it.
    let (code, out, err) = speedup(&[
        "--arrays", "2", "--shape", "16,16", "--format", "json", "--repeat", "1",
    ]);
    let report: Value = serde_json::from_str(out.trim()).expect("valid JSON");
    let has_python = check_shape(&report);
    if std::env::var("CI").as_deref() == Ok("true") {
        assert!(
            has_python,
            "under CI=true the CPython rows must be there: {}; stderr: {err}",
            report["workload"]["python_note"]
        );
        // ci/python-env.sh builds shm_ndarray into the venv where it exists.
        if cfg!(unix) {
            assert!(
                report["workload"]["python_package"].is_string(),
                "under CI=true the shm_ndarray rows must be there: {}",
                report["workload"]["python_package_note"]
            );
        }
    }
    assert_eq!(code, 0, "stderr: {err}");
}

#[test]
fn wrong_arguments_exit_2() {
    for args in [
        &["--arrays", "0"][..],
        &["--repeat", "0"],
        &["--shape", "0,5"],
        &["--dtype", "complex64"],
        &["--dtype", "nonsense"],
        &["--shape", "-1"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--python", "off"]);
        let (code, _, err) = speedup(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
}
