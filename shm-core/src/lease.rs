//! Leases: who created each segment, so that the segments of creators that
//! died can be reclaimed (`shm-harness clean`) and no others.
//!
//! Creating a segment records a lease: the segment's name, the creator's pid
//! and its process start time, so that a pid reused by a later process is not
//! mistaken for the creator. [`Segment::disown`](crate::Segment::disown)
//! marks the lease handed over (the segment is meant to outlive its creator;
//! it is spared), [`Segment::adopt`](crate::Segment::adopt) records the
//! adopter as the new holder, and unlinking removes the lease.
//!
//! The ledger is a directory with one small JSON file a segment, named after
//! it: `$SHM_NDARRAY_LEASES` if set, else `$XDG_RUNTIME_DIR/shm-ndarray-leases`,
//! else `shm-ndarray-leases-<uid>` in the temporary directory. It is created
//! with mode 0700 and refused if another user owns it or can write it, so no
//! one else can make [`reclaim`] remove your segments. Every process of the
//! same user finds the same ledger; macOS, which cannot list its shared
//! memory objects, needs nothing else. Windows needs no ledger: a mapping
//! disappears with its last handle, so [`reclaim`] finds nothing there.
//!
//! A lease is a record, not a lock: writing one never makes creation fail.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
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
}

/// What [`reclaim`] decided for one lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The holder is gone: the segment was unlinked (or would be, in a dry run).
    Reclaimed,
    /// The holder is gone and so was the segment: only the lease was removed.
    AlreadyGone,
    /// The holder is alive: spared.
    HolderAlive,
    /// The segment was handed over and awaits adoption: spared.
    HandedOver,
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

/// Records this process as the holder of `name` (best effort).
pub(crate) fn record(name: &str, handed_over: bool) {
    let Some(dir) = ledger_dir() else { return };
    let pid = std::process::id();
    let lease = Lease {
        name: name.to_owned(),
        pid,
        start: start_time(pid),
        handed_over,
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
pub(crate) fn remove(name: &str) {
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

/// Whether the process a lease names is still the one that took it.
pub fn holder_alive(lease: &Lease) -> bool {
    if !pid_exists(lease.pid) {
        return false;
    }
    match (&lease.start, start_time(lease.pid)) {
        (Some(recorded), Some(now)) => *recorded == now,
        // Without start times, a live pid is given the benefit of the doubt.
        _ => true,
    }
}

/// Decides every lease (or only `only`'s) and, unless `dry_run`, unlinks
/// the segments whose holder is gone and removes their leases.
pub fn reclaim(only: Option<&str>, dry_run: bool) -> Result<Vec<(Lease, Verdict)>> {
    let only = only.map(name::validate).transpose()?;
    let mut decided = Vec::new();
    for lease in list() {
        if only.is_some_and(|n| n != lease.name) {
            continue;
        }
        let verdict = if lease.handed_over {
            Verdict::HandedOver
        } else if holder_alive(&lease) {
            Verdict::HolderAlive
        } else {
            let result = if dry_run {
                crate::Segment::attach(&lease.name).map(drop)
            } else {
                crate::segment::unlink(&lease.name)
            };
            match result {
                Ok(()) => Verdict::Reclaimed,
                Err(Error::NotFound { .. }) => {
                    if !dry_run {
                        remove(&lease.name);
                    }
                    Verdict::AlreadyGone
                }
                Err(e) => return Err(e),
            }
        };
        decided.push((lease, verdict));
    }
    Ok(decided)
}

#[cfg(unix)]
fn pid_exists(pid: u32) -> bool {
    use nix::errno::Errno;
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
        Ok(()) | Err(Errno::EPERM) => true,
        Err(_) => false,
    }
}

#[cfg(not(unix))]
fn pid_exists(_: u32) -> bool {
    true
}

/// The start time of `pid`: on Linux field 22 of `/proc/PID/stat` (clock
/// ticks since boot); on macOS what `ps -o lstart=` prints.
fn start_time(pid: u32) -> Option<String> {
    if cfg!(any(target_os = "linux", target_os = "android")) {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name (field 2) may hold spaces and parentheses: count
        // fields after its closing parenthesis, where field 3 starts.
        let rest = &stat[stat.rfind(')')? + 1..];
        rest.split_whitespace().nth(19).map(str::to_owned)
    } else if cfg!(target_os = "macos") {
        let out = std::process::Command::new("ps")
            .args(["-o", "lstart=", "-p", &pid.to_string()])
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    } else {
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_wrong_start_time_is_not() {
        let pid = std::process::id();
        let me = Lease {
            name: "x".into(),
            pid,
            start: start_time(pid),
            handed_over: false,
        };
        assert!(holder_alive(&me));
        if me.start.is_some() {
            let impostor = Lease {
                start: Some("0".into()),
                ..me.clone()
            };
            assert!(!holder_alive(&impostor), "a reused pid must not pass");
        }
    }

    #[test]
    fn a_reaped_child_is_dead() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let gone = Lease {
            name: "x".into(),
            pid,
            start: Some("1".into()),
            handed_over: false,
        };
        assert!(!holder_alive(&gone));
    }

    #[test]
    fn create_disown_adopt_and_unlink_keep_the_ledger_true() {
        let mut s = crate::Segment::create_unique(8).unwrap();
        let name = s.name().to_owned();
        let find = || list().into_iter().find(|l| l.name == name);
        let lease = find().expect("create records a lease");
        assert_eq!((lease.pid, lease.handed_over), (std::process::id(), false));
        s.disown();
        assert!(find().unwrap().handed_over);
        s.adopt();
        assert!(!find().unwrap().handed_over);
        assert_eq!(
            reclaim(Some(&name), true).unwrap()[0].1,
            Verdict::HolderAlive
        );
        s.unlink().unwrap();
        assert!(find().is_none(), "unlink removes the lease");
    }
}
