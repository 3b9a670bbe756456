//! Finds the Python scripts this crate embeds (`fixtures/python/speedup.py`
//! and the queue's twin `shm_queue.py`). Their one home is the workspace's
//! `fixtures/python/`, read there when the crate sits in the workspace; a
//! packaged crate holds only its own directory, so `ci/package.sh` copies
//! them into `data/` here just before packaging (ignored by git, never
//! edited). `SHM_SPEEDUP_DATA` names the directory the code reads.

use std::path::Path;

fn main() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir
        .parent()
        .expect("the crate has a parent directory");
    let packaged = crate_dir.join("data");
    let root = [workspace, &packaged]
        .into_iter()
        .find(|root| root.join("fixtures/python/speedup.py").is_file())
        .unwrap_or_else(|| {
            panic!(
                "no fixtures/python/speedup.py in {} (the workspace) or {} (the packaged copy ci/package.sh makes)",
                workspace.display(),
                packaged.display()
            )
        });
    println!("cargo::rustc-env=SHM_SPEEDUP_DATA={}", root.display());
    println!("cargo::rerun-if-changed=build.rs");
}
