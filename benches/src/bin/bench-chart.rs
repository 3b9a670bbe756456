//! Draws the benchmark charts (SVG) and a Markdown table of results from
//! criterion's saved estimates.
//!
//! ```text
//! bench-chart [--criterion DIR] [--chart handoff|end_to_end|all] [--out-dir DIR] [--table]
//! ```
//!
//! `--criterion` defaults to `$CRITERION_HOME`, else
//! `$CARGO_TARGET_DIR/criterion`, else `target/criterion`; `--out-dir`
//! defaults to `docs`, where `<chart>.svg` is written; `--table` also prints
//! every result as a Markdown table on stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use benches::chart;

const USAGE: &str = "usage: bench-chart [--criterion DIR] [--chart handoff|end_to_end|all] [--out-dir DIR] [--table]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut dir = chart::default_dir();
    let mut out_dir = PathBuf::from("docs");
    let mut which = String::from("all");
    let mut table = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--criterion" => dir = PathBuf::from(value("--criterion")?),
            "--out-dir" => out_dir = PathBuf::from(value("--out-dir")?),
            "--chart" => which = value("--chart")?,
            "--table" => table = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let estimates = chart::read_estimates(&dir)
        .map_err(|e| format!("cannot read criterion data in {}: {e}", dir.display()))?;
    let specs: Vec<_> = chart::CHARTS
        .iter()
        .filter(|s| which == "all" || s.name == which)
        .collect();
    if specs.is_empty() {
        return Err(format!("unknown chart {which:?}\n{USAGE}"));
    }
    for spec in specs {
        let svg = chart::draw_svg(spec.title, &chart::lines(spec, &estimates))?;
        let path = out_dir.join(format!("{}.svg", spec.name));
        std::fs::write(&path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if table {
        print!("{}", chart::markdown_table(&estimates));
    }
    Ok(())
}
