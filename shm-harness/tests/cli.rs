//! The reference peer's command line, driven as other processes drive it.

mod common;

use std::collections::BTreeMap;

use common::{Held, Unlink, bin, peer};
use shm_core::{Error, Segment};

#[test]
fn dev_blog_scenario_create_then_peer_writes_and_parent_sees_it() {
    let held = Held::start(&["--shape", "5,5", "--dtype", "float64"]);
    assert_eq!(held.descriptor.shape(), &[5, 5]);
    assert_eq!(held.descriptor.dtype().name(), "float64");

    assert_eq!(
        peer(&held.line, &["set", "0,0", "1"]),
        (0, String::new(), String::new())
    );
    assert_eq!(peer(&held.line, &["get", "0,0"]).1, "1.0");
    assert_eq!(peer(&held.line, &["get", "4,4"]).1, "0.0");
    assert_eq!(peer(&held.line, &["sum"]).1, "1.0");

    // The creator's own mapping sees the write.
    let parent = shm_core::SharedArray::attach_as::<f64>(&held.descriptor).unwrap();
    let view = parent.view::<f64>().unwrap();
    assert_eq!(view[[0, 0]], 1.0);
    assert_eq!(view.sum(), 1.0);
    drop(parent);

    let name = held.name().to_owned();
    let status = held.release();
    assert!(status.success(), "{status:?}");
    assert!(matches!(
        Segment::attach(&name),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn create_prints_the_canonical_descriptor() {
    let held = Held::start(&["--shape", "2,3", "--dtype", ">i4", "--fill", "-7"]);
    let v: serde_json::Value = serde_json::from_str(&held.line).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "name",
        "shape",
        "dtype",
        "order",
        "offset",
        "nbytes",
        "segment_size",
    ] {
        assert!(keys.contains(&k), "{k} missing from {}", held.line);
    }
    assert_eq!(v["dtype"], ">i4");
    assert_eq!(v["nbytes"], 24);
    assert_eq!(peer(&held.line, &["sum"]).1, "-42");
}

#[test]
fn seeds_short_form_is_accepted_by_peer() {
    let held = Held::start(&["--shape", "3", "--dtype", "float32", "--fill", "0.5"]);
    let short = format!(
        r#"{{"name": "{}", "shape": [3], "dtype": "float32"}}"#,
        held.name()
    );
    assert_eq!(peer(&short, &["sum"]).1, "1.5");
    let emitted = peer(&short, &["emit"]).1;
    if shm_core::segment::EXACT_SIZES {
        assert_eq!(
            emitted, held.line,
            "emit of the short form is the canonical form"
        );
    } else {
        // Where sizes are page-rounded, the attacher cannot know the size
        // the creator asked for: segment_size stays null.
        let mut want: serde_json::Value = serde_json::from_str(&held.line).unwrap();
        want["segment_size"] = serde_json::Value::Null;
        let emitted: serde_json::Value = serde_json::from_str(&emitted).unwrap();
        assert_eq!(emitted, want);
    }
}

#[test]
fn keep_leaves_the_segment_and_exits() {
    let out = bin()
        .args([
            "create", "--shape", "4", "--dtype", "uint8", "--fill", "3", "--keep",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    let d = shm_core::Descriptor::from_json(line.trim()).unwrap();
    let _unlink = Unlink(d.name().unwrap().to_owned());
    if shm_core::segment::UNLINK_REMOVES_NAME {
        assert_eq!(peer(line.trim(), &["sum"]).1, "12");
        let un = bin().args(["unlink", d.name().unwrap()]).output().unwrap();
        assert!(un.status.success());
    }
    // Unlinked, or (Windows) gone with create's last handle when it exited.
    assert_eq!(peer(line.trim(), &["sum"]).0, 3);
}

#[cfg(unix)]
#[test]
fn sigterm_and_sigint_make_create_unlink_and_exit_zero() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    for signal in [Signal::SIGTERM, Signal::SIGINT] {
        let mut held = Held::start(&["--shape", "2", "--dtype", "int16"]);
        let name = held.name().to_owned();
        kill(Pid::from_raw(held.child.id() as i32), signal).unwrap();
        let status = held.child.wait().unwrap();
        assert!(status.success(), "{signal}: {status:?}");
        assert!(
            matches!(Segment::attach(&name), Err(Error::NotFound { .. })),
            "{signal} left {name}"
        );
    }
}

#[test]
fn descriptor_from_file_and_stdin() {
    let held = Held::start(&["--shape", "2", "--dtype", "int64", "--fill", "21"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.json");
    std::fs::write(&path, &held.line).unwrap();
    assert_eq!(peer(&format!("@{}", path.display()), &["sum"]).1, "42");
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_shm-harness"))
        .args(["peer", "--descriptor", "-", "get", "1"])
        .write_stdin(held.line.clone())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "21");
}

#[test]
fn undersized_descriptor_is_an_attach_error() {
    let held = Held::start(&["--shape", "4", "--dtype", "uint8"]);
    // A million bytes: more than any OS's page rounding of 4 gives.
    let lying = format!(
        r#"{{"name": "{}", "shape": [1000000], "dtype": "uint8"}}"#,
        held.name()
    );
    let (code, out, err) = peer(&lying, &["sum"]);
    assert_eq!((code, out.as_str()), (3, ""));
    assert!(
        err.starts_with("error: ") && err.contains("expected >= 1000000"),
        "{err}"
    );
}

#[test]
fn dtype_mismatch_from_the_dev_blog_is_an_attach_error_on_linux() {
    let held = Held::start(&["--shape", "5,5", "--dtype", "float64"]);
    let wrong = format!(
        r#"{{"name": "{}", "shape": [5, 5], "dtype": "float32", "segment_size": 100}}"#,
        held.name()
    );
    let (code, _, err) = peer(&wrong, &["sum"]);
    if shm_core::segment::EXACT_SIZES {
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("== 100") && err.contains("200"), "{err}");
    } else {
        // Page-rounded sizes cannot tell 100 from 200 bytes.
        assert_eq!(code, 0, "{err}");
    }
}

/// One row of fixtures/cli/peer-errors.toml.
#[derive(serde::Deserialize)]
struct ErrorCase {
    name: String,
    args: Vec<String>,
    code: i32,
}

#[test]
fn bad_input_table_gives_one_error_line_and_the_documented_code() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/cli/peer-errors.toml"
    );
    let table: BTreeMap<String, Vec<ErrorCase>> =
        toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let live = Held::start(&["--shape", "5,5", "--dtype", "float64"]);
    let live_u8 = Held::start(&["--shape", "4", "--dtype", "uint8"]);
    let gone = r#"{"name": "shmc_ffffffffffffffff", "shape": [2], "dtype": "<f8"}"#;
    let mut failures = Vec::new();
    let cases = &table["case"];
    assert!(cases.len() >= 25, "the table has {} rows", cases.len());
    for case in cases {
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| {
                a.replace("{live_u8}", &live_u8.line)
                    .replace("{live}", &live.line)
                    .replace("{gone}", gone)
            })
            .collect();
        let out = bin().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        let code = out.status.code();
        if code != Some(case.code) || lines.len() != 1 || !lines[0].starts_with("error: ") {
            failures.push(format!(
                "{}: expected exit {} and one `error:` line, got {code:?} and {stderr:?}",
                case.name, case.code
            ));
        }
        // A `create` that failed must not have left anything behind.
        if let Some(i) = args.iter().position(|a| a == "--name") {
            let _ = Unlink(args[i + 1].clone());
        }
    }
    // Nothing in the table may have changed the live arrays.
    assert_eq!(peer(&live.line, &["sum"]).1, "0.0");
    assert_eq!(peer(&live_u8.line, &["sum"]).1, "0");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
