//! `PASS fork seed-blog-write (3 ms)`, one line a case, then, when foreign
//! peers ran, a summary by peer, direction and capability (the catalogue
//! file a case is in: basic, errors, layout, lifecycle, patterns, ...) that
//! a peer's maintainer can paste into their own README, then the counts.

use std::collections::BTreeMap;
use std::io::Write;

use super::words::arrangement;
use super::{Report, Summary};
use crate::record::{Outcome, Record};

pub(super) struct Human {
    out: Box<dyn Write>,
    /// (peer direction, capability) -> (passed, failed, skipped).
    peers: BTreeMap<(String, String), [usize; 3]>,
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
        writeln!(
            self.out,
            "| peer, direction | capability | passed | failed | skipped |"
        )?;
        writeln!(self.out, "|---|---|---|---|---|")?;
        for ((peer, file), [p, f, s]) in &self.peers {
            writeln!(self.out, "| {peer} | {file} | {p} | {f} | {s} |")?;
        }
        Ok(())
    }
}

impl Report for Human {
    fn case(&mut self, run: &Record) -> std::io::Result<()> {
        if let Some(peer) = super::words::peer_column(run) {
            let counts = self.peers.entry((peer, run.case.file.clone())).or_default();
            counts[match run.outcome {
                Outcome::Passed => 0,
                Outcome::Failed => 1,
                Outcome::Skipped => 2,
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
            write!(self.out, ": {}", run.message)?;
        }
        writeln!(self.out)?;
        self.out.flush()
    }

    fn finish(&mut self, s: &Summary) -> std::io::Result<()> {
        self.capabilities()?;
        writeln!(self.out, "\nran in {:.2} s", s.duration.as_secs_f64())?;
        writeln!(
            self.out,
            "{} passed, {} failed, {} skipped",
            s.passed, s.failed, s.skipped
        )?;
        self.out.flush()
    }
}
