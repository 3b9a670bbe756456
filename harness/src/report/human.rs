//! `PASS fork seed-blog-write (3 ms)`, one line a case, then the counts.

use std::io::Write;

use super::{Report, Summary, arrangement};
use crate::runner::{CaseRun, Outcome};

pub(crate) struct Human {
    out: Box<dyn Write>,
}

impl Human {
    pub(crate) fn new(out: Box<dyn Write>) -> Human {
        Human { out }
    }
}

impl Report for Human {
    fn case(&mut self, run: &CaseRun) -> std::io::Result<()> {
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
            run.case
        )?;
        if !run.message.is_empty() {
            write!(self.out, ": {}", run.message)?;
        }
        writeln!(self.out)?;
        self.out.flush()
    }

    fn finish(&mut self, s: &Summary) -> std::io::Result<()> {
        writeln!(self.out, "\nran in {:.2} s", s.duration.as_secs_f64())?;
        writeln!(
            self.out,
            "{} passed, {} failed, {} skipped",
            s.passed, s.failed, s.skipped
        )?;
        self.out.flush()
    }
}
