//! The step schema: what a catalogue case's `steps = [...]` may say. This
//! is the one place it is documented.
//!
//! A step is a TOML table: who acts (`on`), what they do (`op` and its
//! fields), and what must come of it:
//!
//! ```toml
//! { on = "child", op = "set", index = [0, 0], value = "1" }
//! { on = "parent", op = "sum", expect = "1" }
//! { on = ["w1", "w2"], op = "fill-part", parts = 2 }
//! { on = "child", op = "attach", override = { dtype = "<i8" }, expect_error = "DtypeMismatch" }
//! ```
//!
//! `on` is `parent` (the runner itself), any other name (a child process,
//! started on first use, forked or spawned by the run's mode), or a list of
//! children that act in parallel: each is sent its request before any reply
//! is read.
//!
//! Outcomes: `expect` (the reply's value; numbers compare by value, and
//! `$descriptor` is the creator's canonical descriptor), `expect_text` (the
//! reply's text, byte for byte: how a value prints, PEER-PROTOCOL section
//! 6), `expect_error` (an
//! error kind: one of `shm_core::ErrorKind`'s names such as `NotFound` or
//! `SizeMismatch`, or the harness's `Mismatch`), `expect_exit` (for `exit`,
//! `kill-self` and `kill`: `0` or `killed`). `os = ["linux", "macos",
//! "windows", "unix"]` limits a step to some systems: per-OS expectations
//! are data. Where the difference is not the OS but what it does with
//! sizes, say that instead: `exact-sizes` (segments report the size asked
//! for: Linux) or `page-rounded` (rounded up to whole pages: macOS,
//! Windows, and the macOS emulation on Linux). `wait = false` sends the request without reading the reply.
//!
//! Operations (`op`), with their fields; names default to the current
//! array's (the one created last), and `"$name"` says so explicitly:
//!
//! | op | fields | does |
//! |---|---|---|
//! | `create` | `shape`, `dtype` (default: the case's), `fill`, `name`, `layout` (`sharedarray`) | creates an array; replies its descriptor |
//! | `create-segment` | `size`, `name` | creates a raw segment and drops (unlinks) it at once |
//! | `attach` | `form` (`canonical`, `short`: the seeds' three keys, `wetlands`), `override = {...}` (keys replaced, to lie about the array) | attaches to the current array's descriptor |
//! | `view` | `dtype` (`{dtype}` is the case's) | makes a typed view; `ok` |
//! | `get`, `set` | `index` (negative counts from the end), `value` | one element |
//! | `sum`, `fill` | `value` for fill | every element |
//! | `fill-part` | `parts`, `part` (default: the actor's place in `on`), `value` (default part + 1) | one of `parts` equal slabs |
//! | `check-parts` | `parts`, `value`, `upto` | each part holds its value |
//! | `pattern`, `check-pattern` | `seed` | the deterministic pattern (`shm_protocol::pattern`) |
//! | `emit` | | the attached array's canonical descriptor |
//! | `unlink`, `probe`, `clean` | `name` | remove the name; `exists` or `NotFound`; the lease verdict |
//! | `mode` | | the permission bits, `0600` |
//! | `disown`, `adopt`, `close` | | hand over, take over, drop the array |
//! | `sleep`, `write-loop` | `ms` | wait; write round-robin |
//! | `kill-self`, `exit` | | end the actor (SIGKILL, or normally) |
//! | `kill` | `target`, `max_delay_ms` | the runner SIGKILLs a child after a random delay |
//!
//! A step is data; the runner resolves it (fills in shape, dtype, names,
//! descriptor forms and part numbers) into a [`crate::actor::Request`]
//! that a worker can always execute. `kill` is the runner's own action and
//! never becomes a request.

use serde::Deserialize;
use serde_json::{Map, Value};

use shm_core::DType;
use shm_protocol::create::Layout;
use shm_protocol::exit::Kind;
use shm_protocol::form::Form;

/// One step of a case, as written.
#[derive(Debug, Clone, Deserialize)]
pub struct Step {
    /// Who acts.
    pub on: Actors,
    /// What they do.
    #[serde(flatten)]
    pub op: StepOp,
    /// The reply's value must equal this.
    #[serde(default)]
    pub expect: Option<String>,
    /// The reply's text must be exactly this.
    #[serde(default)]
    pub expect_text: Option<String>,
    /// The reply must be this error kind.
    #[serde(default)]
    pub expect_error: Option<Kind>,
    /// How the actor must end (`0`, `killed`).
    #[serde(default)]
    pub expect_exit: Option<ExpectedExit>,
    /// Operating systems this step applies to (default: all).
    #[serde(default)]
    pub os: Option<Vec<String>>,
    /// Whether to wait for the reply (default true).
    #[serde(default = "yes")]
    pub wait: bool,
}

fn yes() -> bool {
    true
}

/// How a process must end, as `expect_exit` says: an exit code (`"0"`,
/// `"2"`), `"killed"` (by any signal; on Windows, any non-zero code, as
/// `TerminateProcess` leaves), or a signal's name (`"SIGKILL"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum ExpectedExit {
    /// This exit code.
    Code(i32),
    /// Killed, by any signal.
    Killed,
    /// Killed by this signal.
    Signal(String),
}

impl TryFrom<String> for ExpectedExit {
    type Error = String;
    fn try_from(text: String) -> Result<ExpectedExit, String> {
        if text == "killed" {
            Ok(ExpectedExit::Killed)
        } else if let Ok(code) = text.parse::<i32>() {
            Ok(ExpectedExit::Code(code))
        } else if text.starts_with("SIG") {
            Ok(ExpectedExit::Signal(text))
        } else {
            Err(format!(
                "expect_exit {text:?} is not an exit code, killed or a signal name"
            ))
        }
    }
}

impl std::fmt::Display for ExpectedExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedExit::Code(c) => write!(f, "{c}"),
            ExpectedExit::Killed => f.write_str("killed"),
            ExpectedExit::Signal(s) => f.write_str(s),
        }
    }
}

/// One actor or several acting in parallel.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Actors {
    /// One actor.
    One(String),
    /// Several children, each sent the request before any reply is read.
    Many(Vec<String>),
}

impl Actors {
    /// The actors' names, in order.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Actors::One(n) => vec![n.as_str()],
            Actors::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// What a step does, as written (see the module docs for each).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum StepOp {
    Create {
        #[serde(default)]
        shape: Option<Vec<usize>>,
        #[serde(default)]
        dtype: Option<DType>,
        #[serde(default)]
        fill: Option<String>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        layout: Option<Layout>,
    },
    CreateSegment {
        #[serde(default)]
        name: Option<String>,
        size: usize,
    },
    Attach {
        #[serde(default)]
        form: Option<Form>,
        #[serde(default, rename = "override")]
        overrides: Option<Map<String, Value>>,
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
        #[serde(default)]
        part: usize,
        #[serde(default)]
        value: Option<String>,
    },
    CheckParts {
        parts: usize,
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
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
        #[serde(default)]
        name: Option<String>,
    },
    Probe {
        #[serde(default)]
        name: Option<String>,
    },
    Mode,
    Disown,
    Adopt,
    Close,
    Clean {
        #[serde(default)]
        name: Option<String>,
    },
    Sleep {
        ms: u64,
    },
    WriteLoop {
        ms: u64,
    },
    KillSelf,
    Kill {
        target: String,
        #[serde(default)]
        max_delay_ms: u64,
    },
    Exit,
}

impl StepOp {
    /// The operation's name as cases write it (`fill-part`).
    pub fn name(&self) -> &'static str {
        match self {
            StepOp::Create { .. } => "create",
            StepOp::CreateSegment { .. } => "create-segment",
            StepOp::Attach { .. } => "attach",
            StepOp::View { .. } => "view",
            StepOp::Set { .. } => "set",
            StepOp::Get { .. } => "get",
            StepOp::Sum => "sum",
            StepOp::Fill { .. } => "fill",
            StepOp::FillPart { .. } => "fill-part",
            StepOp::CheckParts { .. } => "check-parts",
            StepOp::Pattern { .. } => "pattern",
            StepOp::CheckPattern { .. } => "check-pattern",
            StepOp::Emit => "emit",
            StepOp::Unlink { .. } => "unlink",
            StepOp::Probe { .. } => "probe",
            StepOp::Mode => "mode",
            StepOp::Disown => "disown",
            StepOp::Adopt => "adopt",
            StepOp::Close => "close",
            StepOp::Clean { .. } => "clean",
            StepOp::Sleep { .. } => "sleep",
            StepOp::WriteLoop { .. } => "write-loop",
            StepOp::KillSelf => "kill-self",
            StepOp::Kill { .. } => "kill",
            StepOp::Exit => "exit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(text: &str) -> Result<Step, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn steps_read_their_fields_and_outcomes() {
        let s = step(
            r#"on = ["a", "b"]
op = "fill-part"
parts = 2
expect_error = "NotFound""#,
        )
        .unwrap();
        assert_eq!(s.on.names(), ["a", "b"]);
        assert!(matches!(
            s.op,
            StepOp::FillPart {
                parts: 2,
                part: 0,
                value: None
            }
        ));
        assert_eq!(s.op.name(), "fill-part");
        assert_eq!(s.expect_error.map(|k| k.name()), Some("NotFound"));
        assert!(s.wait);
    }

    #[test]
    fn unknown_ops_kinds_and_forms_are_refused_at_load() {
        assert!(step("on = \"parent\"\nop = \"frobnicate\"").is_err());
        assert!(step("on = \"parent\"\nop = \"sum\"\nexpect_error = \"Other\"").is_err());
        assert!(step("on = \"child\"\nop = \"attach\"\nform = \"long\"").is_err());
    }
}
