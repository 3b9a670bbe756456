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

/// A queue case as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueueSpec {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) shape: Vec<usize>,
    #[serde(default)]
    pub(crate) dtype: Option<String>,
    #[serde(default)]
    pub(crate) dtypes: Option<Vec<String>>,
    pub(crate) count: u64,
    #[serde(default)]
    pub(crate) pool: Option<u64>,
    #[serde(default)]
    pub(crate) os: Option<Vec<String>>,
    pub(crate) steps: Vec<QueueStep>,
}

/// One step of a queue case, with the systems it applies to.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct QueueStep {
    /// What happens.
    #[serde(flatten)]
    pub(crate) act: QueueAct,
    /// Operating systems this step applies to (default: all).
    #[serde(default)]
    pub(crate) os: Option<Vec<String>>,
}

/// Which end of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum End {
    /// The process that sends.
    Sender,
    /// The process that receives.
    Receiver,
}

/// What a queue step does (see the module docs for each).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "do", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub(crate) enum QueueAct {
    Send,
    SenderExits {
        #[serde(default)]
        expect_exit: Option<String>,
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
        line: String,
    },
    Lines {
        upto: u64,
    },
    CloseStream,
    ReceiverExits {
        #[serde(default)]
        expect_exit: Option<String>,
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

/// A queue case ready to run: one dtype, its steps for this OS.
#[derive(Debug, Clone)]
pub(crate) struct QueueCase {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) file: String,
    pub(crate) shape: Vec<usize>,
    pub(crate) dtype: String,
    pub(crate) count: u64,
    /// Lent from a pool of this many slots.
    pub(crate) pool: Option<u64>,
    pub(crate) steps: Vec<QueueAct>,
    /// Why the case does not apply here, if it does not.
    pub(crate) not_here: Option<String>,
}

/// One queue case per dtype, with the steps for this OS.
pub(crate) fn expand(stem: &str, spec: QueueSpec) -> Result<Vec<QueueCase>, String> {
    let where_ = |m: &str| format!("{stem}.toml, queue {:?}: {m}", spec.name);
    let dtypes = super::dtypes_of(&spec.name, &spec.dtype, &spec.dtypes).map_err(where_)?;
    if spec.pool == Some(0) {
        return Err(where_("pool needs at least one slot"));
    }
    let pooled = spec.pool.is_some();
    if let Some(s) = spec.steps.iter().find(|s| {
        matches!(s.act, QueueAct::ReusePoolName)
            || matches!(&s.act, QueueAct::Inject { line } if line == "$stale")
    }) {
        if !pooled {
            return Err(where_(&format!("{:?} needs a pool case", s.act)));
        }
    }
    let not_here = super::not_here(&spec.os);
    let steps: Vec<QueueAct> = spec
        .steps
        .iter()
        .filter(|s| super::os_matches(&s.os))
        .map(|s| s.act.clone())
        .collect();
    Ok(dtypes
        .into_iter()
        .map(|dtype| QueueCase {
            name: spec.name.replace("{dtype}", &dtype),
            description: spec.description.clone(),
            file: stem.to_owned(),
            shape: spec.shape.clone(),
            dtype,
            count: spec.count,
            pool: spec.pool,
            steps: steps.clone(),
            not_here: not_here.clone(),
        })
        .collect())
}
