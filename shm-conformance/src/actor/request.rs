//! What travels between the runner and an actor: a [`Request`] the worker
//! can always execute (a case step after the runner resolved it), and the
//! [`Reply`]. Both are JSON lines on the child's pipes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use shm_core::DType;
use shm_protocol::create::Layout;
use shm_protocol::exit::{HarnessKind, Kind};
use shm_protocol::operation::PeerOp;

/// One request, fully resolved: no defaults, names or forms left to fill
/// in. The fields mean what the step schema (`cases/step.rs`) says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum Request {
    Create {
        shape: Vec<usize>,
        dtype: DType,
        fill: Option<String>,
        name: Option<String>,
        #[serde(default)]
        layout: Layout,
    },
    CreateSegment {
        name: String,
        size: usize,
    },
    Attach {
        descriptor: Value,
    },
    View {
        dtype: DType,
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

impl Request {
    /// The request as one of the peer protocol's operations, if it is one
    /// (`get`, `set`, `sum`, `fill`, `emit`, `pattern`, `check-pattern`).
    pub fn peer_op(&self) -> Option<PeerOp> {
        Some(match self {
            Request::Get { index } => PeerOp::Get(index.clone()),
            Request::Set { index, value } => PeerOp::Set(index.clone(), value.clone()),
            Request::Sum => PeerOp::Sum,
            Request::Fill { value } => PeerOp::Fill(value.clone()),
            Request::Emit => PeerOp::Emit,
            Request::Pattern { seed } => PeerOp::Pattern(*seed),
            Request::CheckPattern { seed } => PeerOp::CheckPattern(*seed),
            _ => return None,
        })
    }
}

/// What an actor answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
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
    pub fn from_error(e: &shm_core::Error) -> Reply {
        Reply::Error {
            kind: e.kind().into(),
            message: e.to_string(),
        }
    }

    /// The reply for a check that found a wrong value.
    pub fn mismatch(message: String) -> Reply {
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
