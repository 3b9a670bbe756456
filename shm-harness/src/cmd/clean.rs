//! `shm-harness clean`: reclaim the segments whose creator died.
//!
//! It reads the lease ledger (see `shm_core::lease`) and, for each lease,
//! spares the segment when its holder (the creator, or the process that
//! adopted it) is alive, or when it was handed over for adoption; otherwise
//! it unlinks the segment and forgets the lease. A holder is alive when its
//! pid exists *and* that process started when the lease says, so a reused
//! pid does not save a dead creator's segment.

use std::process::ExitCode;

use shm_core::lease::{self, Verdict};

use shm_harness::cli::CleanArgs;
use shm_protocol::exit::{SEGMENT_FAILED, fail};

/// `shm-harness clean [--dry-run]`.
pub(super) fn clean(args: &CleanArgs) -> ExitCode {
    let decided = match lease::reclaim(None, args.dry_run) {
        Ok(d) => d,
        Err(e) => return fail(SEGMENT_FAILED, e),
    };
    let mut reclaimed = 0;
    for (l, verdict) in &decided {
        let why = match verdict {
            Verdict::Reclaimed => {
                reclaimed += 1;
                format!("holder pid {} is gone", l.pid)
            }
            Verdict::AlreadyGone => "the segment was already gone".to_owned(),
            Verdict::HolderAlive => format!("holder pid {} is alive", l.pid),
            Verdict::HandedOver => "handed over, awaiting adoption".to_owned(),
            Verdict::Lent => format!(
                "holder pid {} is gone, but its arrays lent on a stream may still be read",
                l.pid
            ),
        };
        let word = match (verdict, args.dry_run) {
            (Verdict::Reclaimed, true) => "would-reclaim",
            (v, _) => v.word(),
        };
        println!("{word} {} ({why})", l.name);
    }
    let verb = if args.dry_run {
        "would reclaim"
    } else {
        "reclaimed"
    };
    println!("{verb} {reclaimed} of {} leased segments", decided.len());
    ExitCode::SUCCESS
}
