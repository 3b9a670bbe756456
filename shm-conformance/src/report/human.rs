//! `PASS fork seed-blog-write (3 ms)`, one line a case, then, when foreign
//! peers ran, a summary by peer, direction and capability (the catalogue
//! file a case is in: basic, errors, layout, lifecycle, patterns, ...) that
//! a peer's maintainer can paste into their own README, then the counts.

use std::collections::BTreeMap;
use std::io::Write;

use super::words::{arrangement, message, not_run};
use super::{Report, Summary};
use crate::record::{NotRun, Outcome, Record};

/// The columns of the per-capability table after passed and failed: the
/// skips, by why.
const SKIPS: [NotRun; 4] = [
    NotRun::NotClaimed,
    NotRun::Deviation,
    NotRun::OutsideProtocol,
    NotRun::NoPart,
];

pub(super) struct Human {
    out: Box<dyn Write>,
    /// (peer direction, capability) -> passed, failed, each of [`SKIPS`],
    /// and any other skip (not here, unavailable).
    peers: BTreeMap<(String, String), [usize; 7]>,
}

impl Human {
    pub(super) fn new(out: Box<dyn Write>) -> Human {
        Human {
            out,
            peers: BTreeMap::new(),
        }
    }

    /// The per-capability table of the foreign peers' runs, as Markdown.
    fn capabilities(&mut self) -> std::io::Result<()> {
        if self.peers.is_empty() {
            return Ok(());
        }
        writeln!(
            self.out,
            "\nBy peer, direction and capability (catalogue file):\n"
        )?;
        let skips: Vec<&str> = SKIPS.iter().map(|w| not_run(*w)).collect();
        writeln!(
            self.out,
            "| peer, direction | capability | passed | failed | skipped: {} | other skips |",
            skips.join(" | ")
        )?;
        writeln!(self.out, "|---|---|---|---|---|---|---|---|---|")?;
        for ((peer, file), counts) in &self.peers {
            let cells: Vec<String> = counts.iter().map(usize::to_string).collect();
            writeln!(self.out, "| {peer} | {file} | {} |", cells.join(" | "))?;
        }
        Ok(())
    }
}

impl Report for Human {
    fn case(&mut self, run: &Record) -> std::io::Result<()> {
        if let Some(peer) = super::words::peer_column(run) {
            let counts = self.peers.entry((peer, run.case.file.clone())).or_default();
            let skip = |why| {
                SKIPS
                    .iter()
                    .position(|w| Some(*w) == why)
                    .map_or(6, |i| i + 2)
            };
            counts[match run.outcome {
                Outcome::Passed => 0,
                Outcome::Failed => 1,
                Outcome::Skipped => skip(run.not_run),
            }] += 1;
        }
        let word = match run.outcome {
            Outcome::Passed => "PASS",
            Outcome::Failed => "FAIL",
            Outcome::Skipped => "SKIP",
        };
        let ms = run.duration.as_millis();
        write!(
            self.out,
            "{word} {} {} ({ms} ms)",
            arrangement(run),
            run.case.name
        )?;
        if !run.message.is_empty() {
            write!(self.out, ": {}", message(run))?;
        }
        writeln!(self.out)?;
        self.out.flush()
    }

    fn finish(&mut self, s: &Summary) -> std::io::Result<()> {
        self.capabilities()?;
        writeln!(self.out, "\nran in {:.2} s", s.duration.as_secs_f64())?;
        if !s.not_run.is_empty() {
            let why: Vec<String> = s
                .not_run
                .iter()
                .map(|(w, n)| format!("{n} {}", not_run(*w)))
                .collect();
            writeln!(self.out, "not run: {}", why.join(", "))?;
        }
        writeln!(
            self.out,
            "{} passed, {} failed, {} skipped",
            s.passed, s.failed, s.skipped
        )?;
        self.out.flush()
    }
}
