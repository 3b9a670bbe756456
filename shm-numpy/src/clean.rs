//! The lines `clean` prints, word for word those of `shm-harness clean`:
//! one line a lease, `VERDICT NAME (WHY)`, then `reclaimed N of M leased
//! segments` (`would-reclaim` and `would reclaim` in a dry run).

use shm_core::lease::{Lease, Verdict};

/// The verdict's word as the line starts with it: the verdict's own word
/// ([`Verdict::word`]), but `would-reclaim` for one a dry run would
/// reclaim.
pub fn word(verdict: Verdict, dry_run: bool) -> &'static str {
    match (verdict, dry_run) {
        (Verdict::Reclaimed, true) => "would-reclaim",
        (v, _) => v.word(),
    }
}

/// Why the verdict is what it is, as the line says it.
pub fn why(lease: &Lease, verdict: Verdict) -> String {
    match verdict {
        Verdict::Reclaimed => format!("holder pid {} is gone", lease.pid),
        Verdict::AlreadyGone => "the segment was already gone".to_owned(),
        Verdict::HolderAlive => format!("holder pid {} is alive", lease.pid),
        Verdict::HandedOver => "handed over, awaiting adoption".to_owned(),
        Verdict::Lent => format!(
            "holder pid {} is gone, but its arrays lent on a stream may still be read",
            lease.pid
        ),
    }
}

/// The line for one lease.
pub fn line(lease: &Lease, verdict: Verdict, dry_run: bool) -> String {
    format!(
        "{} {} ({})",
        word(verdict, dry_run),
        lease.name,
        why(lease, verdict)
    )
}

/// The last line: how many of `total` leases were (or, in a dry run,
/// would be) reclaimed.
pub fn summary(reclaimed: usize, total: usize, dry_run: bool) -> String {
    let verb = if dry_run {
        "would reclaim"
    } else {
        "reclaimed"
    };
    format!("{verb} {reclaimed} of {total} leased segments")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(name: &str, pid: u32) -> Lease {
        Lease {
            name: name.into(),
            pid,
            start: None,
            handed_over: false,
            stream: None,
        }
    }

    #[test]
    fn lines_read_as_shm_harness_clean_prints_them() {
        let gone = lease("shmc_a", 41);
        let alive = lease("shmc_b", 42);
        assert_eq!(
            line(&gone, Verdict::Reclaimed, false),
            "reclaimed shmc_a (holder pid 41 is gone)"
        );
        assert_eq!(
            line(&gone, Verdict::Reclaimed, true),
            "would-reclaim shmc_a (holder pid 41 is gone)"
        );
        assert_eq!(
            line(&alive, Verdict::HolderAlive, true),
            "holder-alive shmc_b (holder pid 42 is alive)"
        );
        assert_eq!(
            line(&gone, Verdict::Lent, false),
            "lent shmc_a (holder pid 41 is gone, but its arrays lent on a stream may still be read)"
        );
        assert_eq!(
            line(&gone, Verdict::HandedOver, false),
            "handed-over shmc_a (handed over, awaiting adoption)"
        );
        assert_eq!(
            line(&gone, Verdict::AlreadyGone, false),
            "already-gone shmc_a (the segment was already gone)"
        );
        assert_eq!(summary(1, 2, false), "reclaimed 1 of 2 leased segments");
        assert_eq!(summary(1, 2, true), "would reclaim 1 of 2 leased segments");
        assert_eq!(summary(0, 0, false), "reclaimed 0 of 0 leased segments");
    }
}
