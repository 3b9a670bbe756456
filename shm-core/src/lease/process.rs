//! Whether the process a lease names is still the one that took it: its pid
//! exists and its start time is the one recorded.
//!
//! Start times are read without spawning anything and without text that
//! depends on the locale or the time zone: on Linux field 22 of
//! `/proc/PID/stat` (clock ticks since boot, see proc(5)); on macOS
//! `proc_pidinfo(PROC_PIDTBSDINFO)`'s `pbi_start_tvsec` and
//! `pbi_start_tvusec` (seconds and microseconds since the epoch, XNU's
//! `proc_info.h`).

/// Whether process `pid` exists and, when `start` is known, started then
/// (so a pid reused by a later process does not pass).
pub(super) fn alive(pid: u32, start: Option<&str>) -> bool {
    if !pid_exists(pid) {
        return false;
    }
    match (start, start_time(pid)) {
        (Some(recorded), Some(now)) => recorded == now,
        // Without start times, a live pid is given the benefit of the doubt.
        _ => true,
    }
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

/// The start time of `pid` as text that only equals itself for the same
/// process, or `None` where the OS does not say.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count
    // fields after its closing parenthesis, where field 3 starts.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_owned)
}

/// The start time of `pid` as `seconds.microseconds` since the epoch.
#[cfg(target_os = "macos")]
pub(super) fn start_time(pid: u32) -> Option<String> {
    darwin::start_time(pid)
}

/// No start time on other systems.
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
pub(super) fn start_time(_: u32) -> Option<String> {
    None
}

#[cfg(target_os = "macos")]
#[allow(unsafe_code)]
mod darwin {
    use nix::libc::{PROC_PIDTBSDINFO, c_int, c_void, proc_bsdinfo, proc_pidinfo};

    pub(super) fn start_time(pid: u32) -> Option<String> {
        let pid = c_int::try_from(pid).ok()?;
        // SAFETY: proc_bsdinfo is plain old data (integers and byte arrays),
        // so all-zero bytes are a valid value.
        let mut info: proc_bsdinfo = unsafe { std::mem::zeroed() };
        let size = c_int::try_from(std::mem::size_of::<proc_bsdinfo>()).ok()?;
        // SAFETY: proc_pidinfo(2) writes at most `size` bytes into the buffer,
        // which is `info`, exactly `size` bytes, live and exclusively borrowed
        // for the call; it returns the number of bytes written, or <= 0.
        let written = unsafe {
            proc_pidinfo(
                pid,
                PROC_PIDTBSDINFO,
                0,
                (&mut info as *mut proc_bsdinfo).cast::<c_void>(),
                size,
            )
        };
        (written == size).then(|| format!("{}.{:06}", info.pbi_start_tvsec, info.pbi_start_tvusec))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_wrong_start_time_is_not() {
        let pid = std::process::id();
        let start = start_time(pid);
        assert!(alive(pid, start.as_deref()));
        if start.is_some() {
            assert!(!alive(pid, Some("0")), "a reused pid must not pass");
        }
    }

    #[cfg(any(target_os = "linux", target_os = "macos"))]
    #[test]
    fn start_times_are_read_and_stable() {
        let pid = std::process::id();
        let first = start_time(pid).expect("this OS reports start times");
        assert_eq!(start_time(pid), Some(first));
    }

    #[test]
    fn a_reaped_child_is_dead() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!alive(pid, Some("1")));
    }
}
