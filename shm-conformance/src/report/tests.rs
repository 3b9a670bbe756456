use std::cell::RefCell;
use std::rc::Rc;

use super::*;
use crate::catalogue::{CaseId, Mode};
use crate::peer::Side;
use crate::record::Arrangement;

/// A writer whose bytes the test can read after the report is done.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn run(case: &str, outcome: Outcome, message: &str, peer: Option<(&str, Side)>) -> Record {
    Record {
        case: CaseId {
            name: case.into(),
            description: "d".into(),
            file: "basic".into(),
        },
        mode: Mode::Spawn,
        arrangement: match peer {
            Some((peer, side)) => Arrangement::Peer {
                peer: peer.into(),
                side,
            },
            None => Arrangement::Rust,
        },
        outcome,
        not_run: None,
        message: message.into(),
        duration: Duration::from_millis(3),
    }
}

fn written(format: Format) -> String {
    let out = Shared::default();
    let mut report = new(format, Box::new(out.clone()));
    let runs = [
        run("a", Outcome::Passed, "", None),
        run(
            "b",
            Outcome::Failed,
            "step 2: expected 1, got 2",
            Some(("python", Side::Creates)),
        ),
        run("c", Outcome::Skipped, "applies to windows only", None),
    ];
    let mut summary = Summary::default();
    for r in &runs {
        summary.add(r);
        report.case(r).unwrap();
    }
    report.finish(&summary).unwrap();
    drop(report);
    String::from_utf8(out.0.borrow().clone()).unwrap()
}

#[test]
fn human_lines_name_the_arrangement_and_end_with_the_counts() {
    let text = written(Format::Human);
    assert!(text.contains("PASS spawn a (3 ms)"), "{text}");
    assert!(
        text.contains("FAIL spawn python creates, rust attaches b (3 ms): step 2"),
        "{text}"
    );
    assert!(
        text.contains("SKIP spawn c (3 ms): applies to windows only"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with("1 passed, 1 failed, 1 skipped"),
        "{text}"
    );
}

#[test]
fn json_lines_are_one_object_a_run_and_a_summary() {
    let text = written(Format::Json);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1]["outcome"], "failed");
    assert_eq!(lines[1]["peer"], "python creates, rust attaches");
    assert_eq!(lines[3]["summary"]["failed"], 1);
}

#[test]
fn junit_marks_failures_and_skips() {
    let text = written(Format::Junit);
    assert!(text.starts_with("<?xml"), "{text}");
    assert!(text.contains("<failure"), "{text}");
    assert!(text.contains("<skipped"), "{text}");
    assert!(text.contains("name=\"a [spawn]\""), "{text}");
}
