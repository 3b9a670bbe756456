//! The ledger directory and the lease records in it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::name;

/// The environment variable that overrides the ledger's location.
pub const LEDGER_ENV: &str = "SHM_NDARRAY_LEASES";

/// Who holds a segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The segment's name.
    pub name: String,
    /// The creator's (or adopter's) process id.
    pub pid: u32,
    /// That process's start time as the OS reports it, when available.
    pub start: Option<String>,
    /// The holder disowned the segment for another process to adopt.
    pub handed_over: bool,
    /// The stream a handed-over segment travels on (a queue's pipe or
    /// socket), when the sender knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamKey>,
}

/// The operating-system object a queue's messages travel through, as the
/// sender saw it: `clean` spares a segment in transit while any process
/// still holds that object, since a message in it can still be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamKey {
    /// The queue's stream id, as its messages carry it.
    pub id: String,
    /// The object's device and inode (`fstat` of the sender's end), when known.
    pub object: Option<(u64, u64)>,
    /// For a regular file, its path: a message written to a file can be
    /// read as long as the file exists.
    pub path: Option<String>,
}

/// The ledger directory, created if needed, or `None` when there is no safe
/// place for one (or on Windows, which needs none).
pub fn ledger_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        return None;
    }
    let dir = match std::env::var_os(LEDGER_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => match std::env::var_os("XDG_RUNTIME_DIR") {
            Some(d) if !d.is_empty() => PathBuf::from(d).join("shm-ndarray-leases"),
            _ => std::env::temp_dir().join(format!("shm-ndarray-leases-{}", uid())),
        },
    };
    ensure_private_dir(&dir).then_some(dir)
}

#[cfg(unix)]
fn uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

#[cfg(not(unix))]
fn uid() -> u32 {
    0
}

/// Creates `dir` with mode 0700, or checks that an existing one is a real
/// directory owned by this user and closed to others.
#[cfg(unix)]
fn ensure_private_dir(dir: &Path) -> bool {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir);
    match std::fs::symlink_metadata(dir) {
        Ok(m) => m.is_dir() && m.uid() == uid() && m.mode() & 0o022 == 0,
        Err(_) => false,
    }
}

#[cfg(not(unix))]
fn ensure_private_dir(_: &Path) -> bool {
    false
}

fn lease_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.json"))
}

/// Records this process as the holder of `name` (best effort); a
/// handed-over segment may name the stream it travels on.
pub(super) fn record(name: &str, handed_over: bool, stream: Option<&StreamKey>) {
    let Some(dir) = ledger_dir() else { return };
    let pid = std::process::id();
    let lease = Lease {
        name: name.to_owned(),
        pid,
        start: super::process::start_time(pid),
        handed_over,
        stream: stream.cloned(),
    };
    let text = serde_json::to_string(&lease).expect("leases serialise");
    // Write a temporary file and rename it, so readers never see half a lease.
    let tmp = dir.join(format!(".{name}.{pid}.tmp"));
    if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, lease_path(&dir, name)).is_err()
    {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Forgets the lease of `name` (best effort).
pub(super) fn remove(name: &str) {
    if let Some(dir) = ledger_dir() {
        let _ = std::fs::remove_file(lease_path(&dir, name));
    }
}

/// Every lease in the ledger (unreadable or foreign files are skipped).
pub fn list() -> Vec<Lease> {
    let Some(dir) = ledger_dir() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut leases: Vec<Lease> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|t| serde_json::from_str::<Lease>(&t).ok())
        .filter(|l| name::validate(&l.name).is_ok())
        .collect();
    leases.sort_by(|a, b| a.name.cmp(&b.name));
    leases
}
