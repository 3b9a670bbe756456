//! Finds the data this crate embeds, and embeds the case catalogue
//! (`fixtures/cases/*.toml`) in the binary, so `shm-harness run` works
//! from any directory and on any machine.
//!
//! The data has one home, the workspace: `fixtures/` (the cases, the peer
//! manifests and their schema, the built-in Python peers, the bad-input
//! table, the property tests' regressions) and `python/shm_peer_kit/`. In
//! the workspace this crate reads them there. A packaged crate (a `.crate`
//! file, crates.io, `cargo install` from a registry) holds only its own
//! directory, so `ci/package.sh` copies the same files into `data/` here
//! just before packaging: a copy made for the package, ignored by git and
//! never edited. `SHM_CONFORMANCE_DATA` tells the code (the `data!` macro)
//! which of the two it reads: the workspace's whenever it is there.

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The directory holding `fixtures/` and `python/shm_peer_kit/`.
fn data_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir
        .parent()
        .expect("the crate has a parent directory");
    let packaged = crate_dir.join("data");
    for root in [workspace, &packaged] {
        if root.join("fixtures/cases").is_dir() && root.join("python/shm_peer_kit").is_dir() {
            return root.to_path_buf();
        }
    }
    panic!(
        "no fixtures/cases and python/shm_peer_kit in {} (the workspace) or {} (the packaged copy ci/package.sh makes)",
        workspace.display(),
        packaged.display()
    );
}

fn main() {
    let root = data_root();
    println!("cargo::rustc-env=SHM_CONFORMANCE_DATA={}", root.display());
    let dir = root.join("fixtures/cases");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/cases exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// The built-in catalogue: (file stem, TOML text).\npub(crate) const CATALOGUE: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        println!("cargo::rerun-if-changed={}", path.display());
        let stem = path.file_stem().expect("a file name").to_string_lossy();
        let text = std::fs::read_to_string(path).expect("readable case file");
        writeln!(out, "    ({stem:?}, {text:?}),").expect("write to a String");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("catalogue.rs");
    std::fs::write(dest, out).expect("write catalogue.rs");
}
