//! The queue-case schema: what a catalogue file's `[[queue]]` tables may
//! say. This is the one place it is documented.
//!
//! A queue case runs a real sender and a real receiver (`shm-harness queue
//! send|recv`, forked or spawned, or the Python twin
//! `fixtures/python/shm_queue.py`) with the runner in the middle of their
//! stream: it reads every message the sender writes, forwards them to the
//! receiver when a step says so, and can kill either side at any point, so
//! crash points are steps, not timing.
//!
//! ```toml
//! [[queue]]
//! name = "queue-sender-killed-first"
//! description = "..."
//! shape = [3, 4]
//! dtype = "float32"          # or dtypes = [...] with {dtype} in the name
//! count = 5
//! os = ["unix"]              # optional, as for cases
//! steps = [
//!     { do = "send" },
//!     { do = "kill", target = "sender" },
//!     { do = "clean" },
//!     { do = "exist", expect = 5 },
//!     { do = "recv" },
//!     { do = "forward" },
//!     { do = "lines", upto = 5 },
//!     { do = "receiver-exits" },
//!     { do = "exist", expect = 0 },
//! ]
//! ```
//!
//! | step | fields | does |
//! |---|---|---|
//! | `send` | | starts the sender (it holds after its end message) and reads its whole stream; with a pool, as much as its slots allow (the rest is read as `forward` needs it, while the receiver's releases go back) |
//! | `sender-exits` | `expect_exit` (default `0`) | closes the sender's stdin (for a pool: its back channel); it must end so |
//! | `kill` | `target` (`sender`, `receiver`) | SIGKILL, and reap |
//! | `recv` | `hold`, `take`, `stall_after` | starts the receiver with those options of `queue recv` |
//! | `forward` | `upto` | writes the stream to the receiver: up to array `upto` (exclusive), or everything left and the end message |
//! | `inject` | `line` | writes one line of its own: any text, or `$missing` (the next array message naming a segment that does not exist), `$undersized` (the next array, claiming a thousand times its elements and at least a MiB, more than any page-rounded segment), `$stale` (a lent array forwarded before whose slot has been lent again since, sent again as the next array: a stale holder's reference) or `$end` (the end message, counting what the receiver was sent) |
//! | `reuse-pool-name` | | (a pool case, its sender gone) unlinks the pool and creates another under its name, lends a slot filled as the next array, and sends that as the next array: the receiver must map the new pool, not trust its cached mapping |
//! | `lines` | `upto` | the receiver's lines so far are `INDEX SUM` for arrays `0..upto` |
//! | `close-stream` | | closes the receiver's stdin (the stream stops there) |
//! | `receiver-exits` | `expect_exit` (default `0`) | the receiver must end so: `0`, `2`, `3` |
//! | `let-go` | | the runner lets go of the stream (it relayed; it is no party) |
//! | `clean` | | `clean` over the stream's leases |
//! | `exist` | `expect` | how many of the stream's segments exist |
//! | `leases` | `expect` | how many of the stream's segments have a lease |
//! | `unlink-rest` | | unlinks what the stream left (where the OS cannot reclaim it) |
//!
//! `pool = SLOTS` makes the case lend its arrays from a pool of that many
//! slots (`queue send --pool SLOTS`); the runner, in the middle, forwards
//! each release the receiver writes to the sender's stdin, its back
//! channel. `exist` and `leases` then count the pool's one segment.
//!
//! Any step takes `os = [...]` as case steps do. After the steps, both
//! sides are ended and any segment of the stream still there is removed
//! and fails the run.

use serde::Deserialize;
use shm_core::DType;

use super::{CaseId, ExpectedExit};
use crate::platform::{not_here, os_matches};

/// A queue case as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QueueSpec {
    name: String,
    description: String,
    shape: Vec<usize>,
    #[serde(default)]
    dtype: Option<String>,
    #[serde(default)]
    dtypes: Option<Vec<String>>,
    count: u64,
    #[serde(default)]
    pool: Option<u64>,
    #[serde(default)]
    os: Option<Vec<String>>,
    steps: Vec<QueueStep>,
}

/// One step of a queue case, with the systems it applies to.
#[derive(Debug, Clone, Deserialize)]
struct QueueStep {
    /// What happens.
    #[serde(flatten)]
    act: QueueAct,
    /// Operating systems this step applies to (default: all).
    #[serde(default)]
    os: Option<Vec<String>>,
}

/// Which end of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum End {
    /// The process that sends.
    Sender,
    /// The process that receives.
    Receiver,
}

/// What a queue step does (see the module docs for each).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "do", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum QueueAct {
    Send,
    SenderExits {
        #[serde(default)]
        expect_exit: Option<ExpectedExit>,
    },
    Kill {
        target: End,
    },
    Recv {
        #[serde(default)]
        hold: bool,
        #[serde(default)]
        take: Option<u64>,
        #[serde(default)]
        stall_after: Option<u64>,
    },
    Forward {
        #[serde(default)]
        upto: Option<u64>,
    },
    Inject {
        line: Injected,
    },
    Lines {
        upto: u64,
    },
    CloseStream,
    ReceiverExits {
        #[serde(default)]
        expect_exit: Option<ExpectedExit>,
    },
    LetGo,
    Clean,
    Exist {
        expect: u64,
    },
    Leases {
        expect: u64,
    },
    UnlinkRest,
    ReusePoolName,
}

impl QueueAct {
    /// The step's name as cases write it (`sender-exits`).
    pub fn name(&self) -> &'static str {
        match self {
            QueueAct::Send => "send",
            QueueAct::SenderExits { .. } => "sender-exits",
            QueueAct::Kill { .. } => "kill",
            QueueAct::Recv { .. } => "recv",
            QueueAct::Forward { .. } => "forward",
            QueueAct::Inject { .. } => "inject",
            QueueAct::Lines { .. } => "lines",
            QueueAct::CloseStream => "close-stream",
            QueueAct::ReceiverExits { .. } => "receiver-exits",
            QueueAct::LetGo => "let-go",
            QueueAct::Clean => "clean",
            QueueAct::Exist { .. } => "exist",
            QueueAct::Leases { .. } => "leases",
            QueueAct::UnlinkRest => "unlink-rest",
            QueueAct::ReusePoolName => "reuse-pool-name",
        }
    }
}

/// The line an `inject` step writes: one of the runner's faults, or any
/// text as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum Injected {
    /// `$missing`: the next array message, naming a segment that does not
    /// exist.
    Missing,
    /// `$undersized`: the next array, claiming more than any segment holds.
    Undersized,
    /// `$stale`: a lent array whose slot was lent again since.
    Stale,
    /// `$end`: the end message, counting what the receiver was sent.
    End,
    /// Any other text, written as it is.
    Text(String),
}

impl From<String> for Injected {
    fn from(text: String) -> Injected {
        match text.as_str() {
            "$missing" => Injected::Missing,
            "$undersized" => Injected::Undersized,
            "$stale" => Injected::Stale,
            "$end" => Injected::End,
            _ => Injected::Text(text),
        }
    }
}

/// A queue case ready to run: one dtype, its steps for this OS.
#[derive(Debug, Clone)]
pub struct QueueCase {
    /// Its name, description and file.
    pub id: CaseId,
    /// Each array's shape.
    pub shape: Vec<usize>,
    /// Each array's dtype.
    pub dtype: DType,
    /// How many arrays the sender sends.
    pub count: u64,
    /// Lent from a pool of this many slots.
    pub pool: Option<u64>,
    /// The steps that apply to this OS.
    pub steps: Vec<QueueAct>,
    /// Why the case does not apply here, if it does not.
    pub not_here: Option<String>,
}

/// One queue case per dtype, with the steps for this OS.
pub(super) fn expand(stem: &str, spec: QueueSpec) -> Result<Vec<QueueCase>, String> {
    let where_ = |m: &str| format!("{stem}.toml, queue {:?}: {m}", spec.name);
    let dtypes = super::dtypes_of(&spec.name, &spec.dtype, &spec.dtypes).map_err(where_)?;
    if spec.pool == Some(0) {
        return Err(where_("pool needs at least one slot"));
    }
    let pooled = spec.pool.is_some();
    if let Some(s) = spec.steps.iter().find(|s| {
        matches!(s.act, QueueAct::ReusePoolName)
            || matches!(
                &s.act,
                QueueAct::Inject {
                    line: Injected::Stale
                }
            )
    }) {
        if !pooled {
            return Err(where_(&format!("{:?} needs a pool case", s.act)));
        }
    }
    let not_here = not_here(spec.os.as_deref());
    let steps: Vec<QueueAct> = spec
        .steps
        .iter()
        .filter(|s| os_matches(s.os.as_deref()))
        .map(|s| s.act.clone())
        .collect();
    dtypes
        .into_iter()
        .map(|written| {
            Ok(QueueCase {
                id: CaseId {
                    name: spec.name.replace("{dtype}", &written),
                    description: spec.description.clone(),
                    file: stem.to_owned(),
                },
                shape: spec.shape.clone(),
                dtype: DType::parse(&written).map_err(|e| where_(&e.to_string()))?,
                count: spec.count,
                pool: spec.pool,
                steps: steps.clone(),
                not_here: not_here.clone(),
            })
        })
        .collect()
}
