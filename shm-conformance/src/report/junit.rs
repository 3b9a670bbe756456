//! JUnit XML through quick-junit: one test suite a catalogue file, one test
//! case a case run (named `case [arrangement]`).

use std::collections::BTreeMap;
use std::io::Write;

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use super::words::arrangement;
use super::{Report, Summary};
use crate::record::{Outcome, Record};

pub(super) struct Junit {
    out: Box<dyn Write>,
    suites: BTreeMap<String, TestSuite>,
}

impl Junit {
    pub(super) fn new(out: Box<dyn Write>) -> Junit {
        Junit {
            out,
            suites: BTreeMap::new(),
        }
    }
}

impl Report for Junit {
    fn case(&mut self, run: &Record) -> std::io::Result<()> {
        let mut status = match run.outcome {
            Outcome::Passed => TestCaseStatus::success(),
            Outcome::Failed => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Outcome::Skipped => TestCaseStatus::skipped(),
        };
        if !run.message.is_empty() {
            status.set_message(super::words::message(run));
        }
        let mut case = TestCase::new(format!("{} [{}]", run.case.name, arrangement(run)), status);
        case.set_classname(format!("shm-harness.{}", run.case.file));
        case.set_time(run.duration);
        case.set_system_out(run.case.description.as_str());
        self.suites
            .entry(run.case.file.clone())
            .or_insert_with(|| TestSuite::new(run.case.file.as_str()))
            .add_test_case(case);
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> std::io::Result<()> {
        let mut report = JunitReport::new("shm-harness");
        report.set_time(s.duration);
        report.add_test_suites(std::mem::take(&mut self.suites).into_values());
        let xml = report.to_string().map_err(std::io::Error::other)?;
        self.out.write_all(xml.as_bytes())?;
        self.out.flush()
    }
}
