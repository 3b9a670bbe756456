//! What a queue case checks: the receiver's lines, which of the stream's
//! segments exist or have a lease, and, at the end, that nothing of the
//! stream is left behind.

use shm_core::lease;
use shm_core::segment::Segment;
use shm_protocol::queue_ends::Plan;

/// The receiver's lines are exactly those of arrays `0..upto` of `plan`.
pub(super) fn lines(printed: &[String], plan: &Plan, upto: u64) -> Result<(), String> {
    if printed.len() as u64 != upto {
        return Err(format!(
            "the receiver printed {} lines, expected {upto}",
            printed.len()
        ));
    }
    for (i, got) in printed.iter().enumerate() {
        let want = plan.line(i as u64).map_err(|e| e.to_string())?;
        if *got != want {
            return Err(format!("the receiver printed {got:?}, expected {want:?}"));
        }
    }
    Ok(())
}

/// The segments of `names` that exist now.
pub(super) fn existing(names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|n| Segment::exists(n))
        .cloned()
        .collect()
}

/// `expect` of the stream's segments exist.
pub(super) fn exist(names: &[String], expect: u64) -> Result<(), String> {
    let found = existing(names).len() as u64;
    if found == expect {
        Ok(())
    } else {
        Err(format!(
            "{found} of the stream's {} segments exist, expected {expect}",
            names.len()
        ))
    }
}

/// `expect` of the stream's segments have a lease.
pub(super) fn leases(names: &[String], expect: u64) -> Result<(), String> {
    let leases = lease::list();
    let found = names
        .iter()
        .filter(|n| leases.iter().any(|l| &l.name == *n))
        .count() as u64;
    if found == expect {
        Ok(())
    } else {
        Err(format!(
            "{found} of the stream's segments have a lease, expected {expect}"
        ))
    }
}

/// Removes what the stream left behind, and returns its names: the
/// stream's segments that still exist, and the segments the sender made
/// for the stream `stream_id` that the runner never read of (a run that
/// failed half-way), found by their leases.
pub(super) fn left_behind(names: &[String], stream_id: Option<&str>) -> Vec<String> {
    let mut left = existing(names);
    for n in names {
        let _ = lease::unlink(n);
    }
    if let Some(id) = stream_id {
        for l in lease::list() {
            if l.stream.as_ref().is_some_and(|k| k.id == id) && lease::unlink(&l.name).is_ok() {
                left.push(l.name);
            }
        }
    }
    left
}
