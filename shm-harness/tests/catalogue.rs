//! The whole built-in catalogue as tests: one named test per case, each
//! running the case in every mode through the real binary, so that
//! `cargo test --workspace` runs the conformance suite and cargo's usual
//! filters (`cargo test -p harness --test catalogue -- pattern`) select cases.

use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shm-harness"))
}

fn run_case(name: &str) -> Result<(), Failed> {
    let out = bin()
        .args(["run", "--exact", "--filter", name, "--format", "json"])
        .output()
        .map_err(|e| format!("cannot run shm-harness: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("bad JSON line {l:?}: {e}")))
        .collect::<Result<_, _>>()?;
    let runs: Vec<&Value> = lines.iter().filter(|v| v.get("case").is_some()).collect();
    if runs.is_empty() {
        return Err(format!("no run of {name}: {stdout}").into());
    }
    let failures: Vec<String> = runs
        .iter()
        .filter(|r| r["outcome"] != "passed" && r["outcome"] != "skipped")
        .map(|r| format!("{} {}: {}", r["mode"], r["case"], r["message"]))
        .collect();
    if !failures.is_empty() {
        return Err(failures.join("\n").into());
    }
    for r in &runs {
        if r["outcome"] == "skipped" && r["message"].as_str().is_none_or(str::is_empty) {
            return Err(format!("{} was skipped without a reason", r["case"]).into());
        }
    }
    if !out.status.success() {
        return Err(format!("exit status {} with every case passing", out.status).into());
    }
    Ok(())
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
    assert!(
        names.len() >= 16,
        "the catalogue lists only {} cases",
        names.len()
    );
    let trials = names
        .into_iter()
        .map(|name| {
            let ignored = name.starts_with("stress-");
            Trial::test(name.clone(), move || run_case(&name)).with_ignored_flag(ignored)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
