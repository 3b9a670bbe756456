//! What travels between the runner and an actor: a [`Request`] the worker
//! can always execute (a case step after the runner resolved it), and the
//! [`Reply`]. Both are JSON lines on the child's pipes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exit::{HarnessKind, Kind};

/// One request, fully resolved: no defaults, names or forms left to fill
/// in. The fields mean what the step schema (`cases/step.rs`) says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub(crate) enum Request {
    Create {
        shape: Vec<usize>,
        dtype: String,
        fill: Option<String>,
        name: Option<String>,
        layout: Option<String>,
    },
    CreateSegment {
        name: String,
        size: usize,
    },
    Attach {
        descriptor: Value,
    },
    View {
        dtype: String,
    },
    Set {
        index: Vec<i64>,
        value: String,
    },
    Get {
        index: Vec<i64>,
    },
    Sum,
    Fill {
        value: String,
    },
    FillPart {
        parts: usize,
        part: usize,
        value: String,
    },
    CheckParts {
        parts: usize,
        value: Option<String>,
        upto: Option<usize>,
    },
    Pattern {
        seed: u64,
    },
    CheckPattern {
        seed: u64,
    },
    Emit,
    Unlink {
        name: String,
    },
    Probe {
        name: String,
    },
    Mode,
    Disown,
    Adopt,
    Close,
    Clean {
        name: String,
    },
    Sleep {
        ms: u64,
    },
    WriteLoop {
        ms: u64,
    },
    KillSelf,
    Exit,
}

/// What an actor answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reply {
    /// Success, with the value as text (`ok` when there is none).
    Ok(String),
    /// A typed failure.
    Error {
        /// What kind of failure.
        kind: Kind,
        /// What happened, for people.
        message: String,
    },
}

impl Reply {
    /// The reply for a library error.
    pub(crate) fn from_error(e: &shm_core::Error) -> Reply {
        Reply::Error {
            kind: e.kind().into(),
            message: e.to_string(),
        }
    }

    /// The reply for a check that found a wrong value.
    pub(crate) fn mismatch(message: String) -> Reply {
        Reply::Error {
            kind: Kind::Harness(HarnessKind::Mismatch),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_replies_round_trip_as_json_lines() {
        let r = Request::FillPart {
            parts: 2,
            part: 1,
            value: "2".into(),
        };
        let line = serde_json::to_string(&r).unwrap();
        assert_eq!(line, r#"{"op":"fill-part","parts":2,"part":1,"value":"2"}"#);
        assert_eq!(serde_json::from_str::<Request>(&line).unwrap(), r);
        let e = Reply::from_error(&shm_core::Error::NotFound { name: "x".into() });
        let line = serde_json::to_string(&e).unwrap();
        assert!(line.contains(r#""kind":"NotFound""#), "{line}");
        assert_eq!(serde_json::from_str::<Reply>(&line).unwrap(), e);
    }

    #[test]
    fn the_runners_own_actions_are_not_requests() {
        assert!(serde_json::from_str::<Request>(r#"{"op":"kill","target":"c"}"#).is_err());
    }
}
