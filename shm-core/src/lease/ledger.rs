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
    /// socket), when the sender knows it; for a segment its holder keeps
    /// (a pool), the stream its arrays are lent on.
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
/// place for one (or on Windows, which needs none): `$SHM_NDARRAY_LEASES`,
/// else `$XDG_RUNTIME_DIR/shm-ndarray-leases`, else, on Linux,
/// `/dev/shm/.shm-ndarray-leases-<uid>` (beside the segments it describes:
/// the same mount namespace, a tmpfs, cleared with them), else
/// `shm-ndarray-leases-<uid>` in the temporary directory.
pub fn ledger_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        return None;
    }
    let set = |var: &str| std::env::var_os(var).filter(|d| !d.is_empty());
    let dir = if let Some(d) = set(LEDGER_ENV) {
        PathBuf::from(d)
    } else if let Some(d) = set("XDG_RUNTIME_DIR") {
        PathBuf::from(d).join("shm-ndarray-leases")
    } else if cfg!(any(target_os = "linux", target_os = "android"))
        && Path::new("/dev/shm").is_dir()
    {
        PathBuf::from(format!("/dev/shm/.shm-ndarray-leases-{}", uid()))
    } else {
        std::env::temp_dir().join(format!("shm-ndarray-leases-{}", uid()))
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
///
/// The record is written in place, not through a temporary file and a
/// rename: a reader that catches it half-written cannot parse it and skips
/// it, and a skipped lease is spared, so a torn read is safe; and a queue
/// writes three records per array, so each costs one open and one write.
pub(super) fn record(name: &str, handed_over: bool, stream: Option<&StreamKey>) {
    let Some(dir) = ledger_dir() else { return };
    let pid = std::process::id();
    let lease = Lease {
        name: name.to_owned(),
        pid,
        start: own_start_time(pid),
        handed_over,
        stream: stream.cloned(),
    };
    let text = serde_json::to_string(&lease).expect("leases serialise");
    let _ = std::fs::write(lease_path(&dir, name), text);
}

/// This process's start time, read once per process (a forked child has
/// another pid, and reads its own).
fn own_start_time(pid: u32) -> Option<String> {
    use std::sync::Mutex;
    static CACHE: Mutex<Option<(u32, Option<String>)>> = Mutex::new(None);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    match &*cache {
        Some((p, start)) if *p == pid => start.clone(),
        _ => {
            let start = super::process::start_time(pid);
            *cache = Some((pid, start.clone()));
            start
        }
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
