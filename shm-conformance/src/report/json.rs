//! JSON lines: one object a case run, then `{"summary": {...}}`.

use std::io::Write;

use serde_json::json;

use super::{Report, Summary, words};
use crate::record::Record;

pub(super) struct JsonLines {
    out: Box<dyn Write>,
}

impl JsonLines {
    pub(super) fn new(out: Box<dyn Write>) -> JsonLines {
        JsonLines { out }
    }
}

impl Report for JsonLines {
    fn case(&mut self, run: &Record) -> std::io::Result<()> {
        let line = json!({
            "case": run.case.name,
            "file": run.case.file,
            "mode": words::mode(run.mode),
            "peer": words::peer_column(run),
            "outcome": words::outcome(run.outcome),
            "not_run": run.not_run.map(words::not_run_key),
            "duration_ms": run.duration.as_millis() as u64,
            "message": run.message,
        });
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }

    fn finish(&mut self, s: &Summary) -> std::io::Result<()> {
        let not_run: serde_json::Map<String, serde_json::Value> = s
            .not_run
            .iter()
            .map(|(why, n)| (words::not_run_key(*why).to_owned(), (*n).into()))
            .collect();
        let line = json!({"summary": {
            "passed": s.passed,
            "failed": s.failed,
            "skipped": s.skipped,
            "not_run": not_run,
            "duration_ms": s.duration.as_millis() as u64,
        }});
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }
}
