//! Who holds an object: which segments and streams some live process still
//! has open or mapped, so that `clean` can resolve a transfer once its
//! parties are gone.
//!
//! On Linux every process's open files (`/proc/PID/fd/*`, followed with
//! `stat`) and shared mappings (`/proc/PID/maps`, whose device and inode
//! columns name the object, see proc(5)) are read once per scan, and an
//! object is held when its device and inode are among them. Processes
//! whose files this user may not read are not counted: they cannot hold
//! this user's 0600 segments, and a pipe passed to another user is beyond
//! what `clean` can see. Other systems offer no such view without
//! privileges: there [`scan`] returns `None` and transfers stay spared.

use std::collections::HashSet;

use super::ledger::StreamKey;

/// The objects live processes hold, as `(device, inode)` pairs.
#[derive(Debug, Default)]
pub(super) struct Holders {
    objects: HashSet<(u64, u64)>,
}

impl Holders {
    /// Whether some live process holds segment `name` (open or mapped).
    pub(super) fn hold_segment(&self, name: &str) -> bool {
        segment_object(name).is_some_and(|o| self.objects.contains(&o))
    }

    /// Whether a message on `stream` can still be read: some live process
    /// holds the stream's object, or it is a file that still exists.
    pub(super) fn hold_stream(&self, stream: &StreamKey) -> bool {
        if let Some(path) = &stream.path {
            return std::fs::metadata(path).is_ok_and(|m| Some(identity(&m)) == stream.object);
        }
        stream.object.is_some_and(|o| self.objects.contains(&o))
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The device and inode of segment `name`'s object.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn segment_object(name: &str) -> Option<(u64, u64)> {
    std::fs::metadata(format!("/dev/shm/{name}"))
        .ok()
        .map(|m| identity(&m))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn segment_object(_: &str) -> Option<(u64, u64)> {
    None
}

/// Every object some readable live process holds, or `None` where the OS
/// cannot tell (macOS, and so its emulation: `--cfg shm_emulate_macos`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn scan() -> Option<Holders> {
    if cfg!(shm_emulate_macos) {
        return None;
    }
    let mut holders = Holders::default();
    for entry in std::fs::read_dir("/proc").ok()?.filter_map(|e| e.ok()) {
        let pid = entry.file_name();
        if !pid.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let dir = entry.path();
        if let Ok(fds) = std::fs::read_dir(dir.join("fd")) {
            for fd in fds.filter_map(|e| e.ok()) {
                if let Ok(m) = std::fs::metadata(fd.path()) {
                    holders.objects.insert(identity(&m));
                }
            }
        }
        if let Ok(maps) = std::fs::read_to_string(dir.join("maps")) {
            holders
                .objects
                .extend(maps.lines().filter_map(mapped_object));
        }
    }
    Some(holders)
}

/// No view of other processes' files here.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn scan() -> Option<Holders> {
    None
}

/// The `(device, inode)` of one `/proc/PID/maps` line's object, for lines
/// that map one (`address perms offset major:minor inode path`).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn mapped_object(line: &str) -> Option<(u64, u64)> {
    let mut fields = line.split_whitespace().skip(3);
    let (major, minor) = fields.next()?.split_once(':')?;
    let inode: u64 = fields.next()?.parse().ok()?;
    let major = u64::from_str_radix(major, 16).ok()?;
    let minor = u64::from_str_radix(minor, 16).ok()?;
    (inode != 0).then(|| (nix::sys::stat::makedev(major, minor), inode))
}

impl StreamKey {
    /// The key of the stream behind `fd`, for a queue named `id`: its
    /// device and inode, and its path when it is a regular file.
    #[cfg(unix)]
    pub fn of(id: &str, fd: std::os::fd::BorrowedFd<'_>) -> StreamKey {
        use std::os::fd::AsRawFd;
        let stat = nix::sys::stat::fstat(fd).ok();
        // `dev_t` is u64 on Linux but i32 on macOS: the casts are needed there.
        #[allow(clippy::unnecessary_cast)]
        let object = stat.map(|s| (s.st_dev as u64, s.st_ino as u64));
        let is_file = stat.is_some_and(|s| {
            nix::sys::stat::SFlag::from_bits_truncate(s.st_mode)
                .contains(nix::sys::stat::SFlag::S_IFREG)
        });
        let path = if is_file && cfg!(any(target_os = "linux", target_os = "android")) {
            std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        } else {
            None
        };
        StreamKey {
            id: id.to_owned(),
            object,
            path,
        }
    }

    /// A key that names only the queue: nothing is known of its object.
    pub fn unknown(id: &str) -> StreamKey {
        StreamKey {
            id: id.to_owned(),
            object: None,
            path: None,
        }
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    #[test]
    fn maps_lines_name_their_objects() {
        let line = "7f0000000000-7f0000001000 rw-s 00000000 00:1a 4242   /dev/shm/x";
        assert_eq!(
            mapped_object(line),
            Some((nix::sys::stat::makedev(0, 0x1a), 4242))
        );
        assert_eq!(mapped_object("7f00-7f01 r-xp 00000000 00:00 0 "), None);
    }

    #[test]
    #[cfg_attr(
        shm_emulate_macos,
        ignore = "the macOS emulation, as macOS, has no /proc to scan"
    )]
    fn a_pipe_is_held_while_an_end_is_open_and_not_after() {
        use std::os::fd::AsFd;
        let (read, write) = nix::unistd::pipe().unwrap();
        let key = StreamKey::of("q", write.as_fd());
        assert!(scan().unwrap().hold_stream(&key), "this process holds it");
        drop((read, write));
        assert!(!scan().unwrap().hold_stream(&key));
        assert!(!scan().unwrap().hold_stream(&StreamKey::unknown("q")));
    }

    #[test]
    #[cfg_attr(
        shm_emulate_macos,
        ignore = "the macOS emulation, as macOS, has no /proc to scan"
    )]
    fn a_mapped_segment_is_held() {
        let s = crate::segment::Segment::create_unique(8).unwrap();
        assert!(scan().unwrap().hold_segment(s.name()));
    }
}
