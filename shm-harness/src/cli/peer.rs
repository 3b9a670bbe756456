//! The reference peer's commands (`create`, `peer`, `unlink`, `queue`), as
//! clap types: the protocol's words, parsed as every peer must parse them.

use clap::{Args, Subcommand};

/// The arguments of `create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Shape as comma-separated sizes: `5,5`; empty (`""`) for a 0-d array.
    #[arg(long, allow_hyphen_values = true)]
    pub shape: String,
    /// numpy dtype: `float64`, `<f8`, `>i4`, `bool`, ...
    #[arg(long, default_value = "float64")]
    pub dtype: String,
    /// Segment name (default: a generated `shmc_` name).
    #[arg(long)]
    pub name: Option<String>,
    /// Value written to every element (default 0).
    #[arg(long, allow_hyphen_values = true)]
    pub fill: Option<String>,
    /// Leave the segment in place and exit at once (hand it over). On
    /// Windows the mapping lives only while a handle is open, so it is gone
    /// when this exits unless another process holds it.
    #[arg(long)]
    pub keep: bool,
    /// Print the Wetlands `wetlands.numpy-shm` payload instead of the
    /// canonical descriptor.
    #[arg(long)]
    pub wetlands: bool,
    /// Make a SharedArray-compatible segment (data, then SharedArray's
    /// shape/dtype trailer) and print the canonical descriptor with
    /// `"layout": "sharedarray"`. Native byte order only.
    #[arg(long, conflicts_with = "wetlands")]
    pub sharedarray: bool,
}

/// The arguments of `peer`. Options and operation words come in any
/// order (protocol section 5): `--descriptor D get 1,2` and
/// `get 1,2 --descriptor=D` are the same command.
#[derive(Debug, Args)]
pub struct PeerArgs {
    /// The descriptor: JSON text, `@FILE`, or `-` for stdin.
    #[arg(long, allow_hyphen_values = true)]
    pub descriptor: Option<String>,
    /// The operation: `sum`, `get I,J,..`, `set I,J,.. VALUE`, `fill VALUE`,
    /// `emit` (print the attached array's canonical descriptor),
    /// `pattern SEED`, `check-pattern SEED`. Values may begin with `-`.
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
    pub op: Vec<String>,
}

impl PeerArgs {
    /// The descriptor argument and the operation's words, wherever among
    /// the words `--descriptor D` or `--descriptor=D` was given.
    pub fn split(&self) -> Result<(String, Vec<String>), String> {
        let mut descriptor = self.descriptor.clone();
        let mut words = Vec::new();
        let mut rest = self.op.iter();
        while let Some(word) = rest.next() {
            let given = if word == "--descriptor" {
                Some(rest.next().cloned().ok_or("--descriptor needs a value")?)
            } else {
                word.strip_prefix("--descriptor=").map(str::to_owned)
            };
            match (given, &descriptor) {
                (Some(_), Some(_)) => return Err("--descriptor given twice".into()),
                (Some(d), None) => descriptor = Some(d),
                (None, _) => words.push(word.clone()),
            }
        }
        let descriptor = descriptor.ok_or("peer needs --descriptor JSON|@FILE|-")?;
        Ok((descriptor, words))
    }
}

/// The arguments of `unlink`.
#[derive(Debug, Args)]
pub struct UnlinkArgs {
    /// The segment's name (a leading slash is accepted).
    pub name: String,
}

/// The arguments of `queue`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    /// Which end of the queue.
    #[command(subcommand)]
    pub command: QueueCommand,
}

/// The two ends of a queue.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Make COUNT arrays, array i filled with i, and write one message per
    /// array to stdout; exit 0 once all are sent, leaving them in transit.
    Send(QueueSendArgs),
    /// Read messages from stdin until the end of the stream, print
    /// `INDEX SUM` for each array and free it.
    Recv(QueueRecvArgs),
}

/// The arguments of `queue send`.
#[derive(Debug, Args)]
pub struct QueueSendArgs {
    /// Shape of each array: `3,4`; empty for 0-d.
    #[arg(long, allow_hyphen_values = true)]
    pub shape: String,
    /// numpy dtype of each array.
    #[arg(long, default_value = "float64")]
    pub dtype: String,
    /// How many arrays.
    #[arg(long)]
    pub count: u64,
    /// After the end message, wait until stdin closes before exiting.
    #[arg(long)]
    pub hold: bool,
    /// Lend the arrays from a pool of SLOTS slots instead of moving them:
    /// stdin is the back channel, one release message per line (a
    /// receiver's `{"type": "release", ...}` lines); when every slot is
    /// out the sender waits for one. After the end message it serves
    /// releases until stdin closes, then unlinks the pool.
    #[arg(long, value_name = "SLOTS", value_parser = clap::value_parser!(u64).range(1..))]
    pub pool: Option<u64>,
}

/// The arguments of `queue recv`. A lent array (from `send --pool`) is
/// given back, once its line is printed (or when held, at the end), by a
/// release message on stdout: a JSON line among the `INDEX SUM` lines,
/// for the sender's stdin.
#[derive(Debug, Args)]
pub struct QueueRecvArgs {
    /// Keep every array until stdin closes after the end message, then
    /// free them all.
    #[arg(long, conflicts_with = "take")]
    pub hold: bool,
    /// Take only K arrays, then close the queue: the rest of the stream is
    /// read and every array on it freed at once.
    #[arg(long, value_name = "K")]
    pub take: Option<u64>,
    /// Stop reading after K arrays and wait to be killed, leaving the rest
    /// unread on the stream (for crash tests).
    #[arg(long, value_name = "K", conflicts_with = "take")]
    pub stall_after: Option<u64>,
}
