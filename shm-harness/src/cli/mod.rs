//! The command line, as clap types: the one place that knows them. The
//! runner's commands are here, the reference peer's (`create`, `peer`,
//! `unlink`, `queue`) in `peer.rs`.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

mod peer;

pub use peer::{
    CreateArgs, PeerArgs, QueueArgs, QueueCommand, QueueRecvArgs, QueueSendArgs, UnlinkArgs,
};

/// Parses this process's arguments as `T`. `--help` and `--version` print
/// as clap prints them; a usage error prints one `error: ...` line on
/// stderr, as every other error does (the peer protocol's rule), and exits
/// 2 ([`shm_protocol::exit::BAD_INPUT`]).
pub fn parse<T: Parser>() -> T {
    match T::try_parse() {
        Ok(parsed) => parsed,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "{}", one_line(&e.to_string()));
            std::process::exit(i32::from(shm_protocol::exit::BAD_INPUT));
        }
    }
}

/// `--timeout SECONDS`: a positive, finite number of seconds.
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| "must be a positive number of seconds".to_owned())
}

/// clap's error text up to its usage lines, as one line.
fn one_line(text: &str) -> String {
    let words: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("Usage:"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    format!("{} (see --help)", words.join(" "))
}

/// Conformance runner and reference peer for arrays in named shared memory.
#[derive(Debug, Parser)]
#[command(name = "shm-harness", version, about)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a shared array, print its descriptor as one JSON line, and hold
    /// it until stdin closes or SIGTERM/SIGINT arrives; then unlink it.
    Create(CreateArgs),
    /// Attach to an array by descriptor and do one operation.
    Peer(PeerArgs),
    /// Remove a segment by name.
    Unlink(UnlinkArgs),
    /// Run the conformance catalogue with real processes.
    Run(RunArgs),
    /// List the catalogue, one case a line.
    List(ListArgs),
    /// Print the interop matrix: each peer as creator and as attacher.
    Matrix(MatrixArgs),
    /// Reclaim segments whose creator died.
    Clean(CleanArgs),
    /// Property tests: random arrays through one peer both ways, a failure
    /// shrunk to the smallest case that still fails.
    Prop(PropArgs),
    /// Check one peer command by command: output byte for byte, exit codes
    /// and error lines, the create flow and its signals, attach, forms,
    /// value text, serve.
    CheckPeer(CheckPeerArgs),
    /// Print a schema: the peer manifest's.
    Schema(SchemaArgs),
    /// Measure shared against copied transfers (the shared_numpy workload).
    Speedup(SpeedupArgs),
    /// Send arrays on a queue (stdout) or receive them (stdin).
    Queue(QueueArgs),
    /// A case's child process (internal: the runner re-executes itself).
    #[command(hide = true)]
    Child,
}

/// How cases run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// The runner forks; the child does its part and exits (Unix).
    Fork,
    /// The runner re-executes its own binary (every OS).
    Spawn,
    /// Every mode this OS supports.
    All,
}

/// Report formats of `run` and `matrix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// One line a case and a summary line, for people.
    Human,
    /// JSON lines: one object a case and a summary object.
    Json,
    /// JUnit XML, for CI test-report tabs.
    Junit,
}

/// The arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Process mode.
    #[arg(long, value_enum, default_value = "all")]
    pub mode: ModeArg,
    /// Run only cases whose name contains TEXT (repeatable: any matches).
    #[arg(long = "filter", value_name = "TEXT")]
    pub filters: Vec<String>,
    /// Filters match whole case names instead of substrings.
    #[arg(long)]
    pub exact: bool,
    /// Report format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Peers to run against: rust (default), python, wetlands, sharedarray,
    /// shm_ndarray, shared_memory, all (repeatable).
    #[arg(long = "peer", value_name = "NAME")]
    pub peers: Vec<String>,
    /// Run against the peer this manifest describes, on both sides of every
    /// case it allows (repeatable; schema: `shm-harness schema manifest`).
    /// With no --peer, only the manifests' peers run.
    #[arg(long = "peer-manifest", value_name = "PATH")]
    pub peer_manifests: Vec<std::path::PathBuf>,
    /// Timeout in seconds for each pass over a case's steps (per case and shape).
    #[arg(long, default_value = "10", env = "SHM_HARNESS_TIMEOUT", value_name = "SECONDS", value_parser = seconds)]
    pub timeout: Duration,
    /// Python interpreter for Python peers (default: $SHM_HARNESS_PYTHON, then python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
    /// Run the stress group with N random child kills.
    #[arg(long, value_name = "N")]
    pub stress: Option<u32>,
    /// Case catalogue directory (default: the built-in catalogue).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<std::path::PathBuf>,
}

/// The arguments of `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// List only cases whose name contains TEXT (repeatable).
    #[arg(long = "filter", value_name = "TEXT")]
    pub filters: Vec<String>,
    /// Case catalogue directory (default: the built-in catalogue).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<std::path::PathBuf>,
}

/// Formats of `matrix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MatrixFormat {
    /// A table, for people.
    Human,
    /// One JSON object.
    Json,
}

/// The arguments of `matrix`.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: MatrixFormat,
    /// Peers to include (default: all).
    #[arg(long = "peer", value_name = "NAME")]
    pub peers: Vec<String>,
    /// Include the peer this manifest describes (repeatable).
    #[arg(long = "peer-manifest", value_name = "PATH")]
    pub peer_manifests: Vec<std::path::PathBuf>,
    /// Count only cases whose name contains TEXT (repeatable: any matches).
    #[arg(long = "filter", value_name = "TEXT")]
    pub filters: Vec<String>,
    /// Python interpreter for Python peers.
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
    /// Timeout in seconds for each pass over a case's steps (per case and shape).
    #[arg(long, default_value = "10", env = "SHM_HARNESS_TIMEOUT", value_name = "SECONDS", value_parser = seconds)]
    pub timeout: Duration,
}

/// The arguments of `prop`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["peer", "peer_manifest"]))]
pub struct PropArgs {
    /// The built-in peer to test: cli, python, wetlands, sharedarray,
    /// shm_ndarray, shared_memory.
    #[arg(long, value_name = "NAME")]
    pub peer: Option<String>,
    /// Test the peer this manifest describes (schema: `shm-harness schema manifest`).
    #[arg(long = "peer-manifest", value_name = "PATH")]
    pub peer_manifest: Option<std::path::PathBuf>,
    /// How many random cases to run (after the regressions).
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub cases: u32,
    /// The share of random cases, in percent, that the peer creates (the
    /// rest Rust creates). A peer's create is one process per case, so a
    /// slow interpreter wants a small share.
    #[arg(long = "peer-creates", default_value_t = 25, value_name = "PERCENT",
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub peer_creates: u32,
    /// The seed of the random cases (default: a fresh one, printed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Run only this case, as `prop` prints it after a failure (JSON).
    #[arg(long, value_name = "CASE")]
    pub replay: Option<String>,
    /// Also replay the regressions in FILE (repeatable; schema:
    /// harness/src/prop/case.rs).
    #[arg(long = "regressions", value_name = "FILE")]
    pub regressions: Vec<std::path::PathBuf>,
    /// Python interpreter for Python peers (default: $SHM_HARNESS_PYTHON, then python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
    /// Timeout in seconds for each peer operation.
    #[arg(long, default_value = "10", env = "SHM_HARNESS_TIMEOUT", value_name = "SECONDS", value_parser = seconds)]
    pub timeout: Duration,
}

/// The arguments of `check-peer`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").args(["peer", "peer_manifest"]))]
pub struct CheckPeerArgs {
    /// The built-in peer to check: cli, python, wetlands, sharedarray,
    /// shm_ndarray, shared_memory.
    #[arg(long, value_name = "NAME")]
    pub peer: Option<String>,
    /// Check the peer this manifest describes (`shm-harness schema manifest`).
    #[arg(long = "peer-manifest", value_name = "PATH")]
    pub peer_manifest: Option<std::path::PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Python interpreter for Python peers (default: $SHM_HARNESS_PYTHON, then python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
    /// Timeout in seconds for each command of the peer.
    #[arg(long, default_value = "30", env = "SHM_HARNESS_TIMEOUT", value_name = "SECONDS", value_parser = seconds)]
    pub timeout: Duration,
    /// List the checks and the clause each holds a peer to, and exit.
    #[arg(long, conflicts_with_all = ["peer", "peer_manifest"])]
    pub list: bool,
}

/// The schemas `schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaName {
    /// The peer manifest (`--peer-manifest`).
    Manifest,
}

/// The arguments of `schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    pub which: SchemaName,
}

/// The arguments of `clean`.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Say what would be reclaimed without removing anything.
    #[arg(long)]
    pub dry_run: bool,
}

/// Human or JSON, for `speedup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// A table with times and ratios.
    Human,
    /// One JSON object.
    Json,
}

/// The arguments of `speedup`.
#[derive(Debug, Args)]
pub struct SpeedupArgs {
    /// Number of arrays handed from producer to consumer.
    #[arg(long, default_value_t = 10)]
    pub arrays: usize,
    /// Shape of each array.
    #[arg(long, default_value = "3000,3000")]
    pub shape: String,
    /// dtype of each array.
    #[arg(long, default_value = "float32")]
    pub dtype: String,
    /// Python with numpy for the CPython comparison: auto, off, or a path.
    #[arg(long, default_value = "auto")]
    pub python: String,
    /// The iceoryx2 rows' program (`speedup-iceoryx2`, of the benches
    /// crate): auto (beside this binary), off, or a path.
    #[arg(long, default_value = "auto")]
    pub iceoryx2: String,
    /// Repetitions per figure (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
    /// Internal: be the consumer process that `speedup` spawns.
    #[arg(long, hide = true)]
    pub consumer: bool,
    /// Internal: be the queue consumer that `speedup` spawns (hold or sum).
    #[arg(long, hide = true, value_name = "HOW")]
    pub queue_consumer: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_options_and_words_come_in_any_order() {
        let words = |argv: &[&str]| {
            let mut all = vec!["shm-harness", "peer"];
            all.extend_from_slice(argv);
            match Cli::try_parse_from(all).unwrap().command {
                Command::Peer(args) => args.split(),
                other => panic!("{other:?}"),
            }
        };
        let want = Ok((
            "D".to_owned(),
            vec!["set".to_owned(), "0".into(), "-5".into()],
        ));
        assert_eq!(words(&["--descriptor", "D", "set", "0", "-5"]), want);
        assert_eq!(words(&["set", "0", "-5", "--descriptor", "D"]), want);
        assert_eq!(words(&["set", "--descriptor=D", "0", "-5"]), want);
        assert!(words(&["--descriptor", "D", "sum", "--descriptor", "E"]).is_err());
        assert!(words(&["sum"]).is_err());
    }

    #[test]
    fn usage_errors_are_one_line() {
        let e = Cli::try_parse_from(["shm-harness", "create", "--dtype", "int8"]).unwrap_err();
        let line = one_line(&e.to_string());
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.starts_with("error: ") && line.contains("--shape"),
            "{line}"
        );
        assert!(!line.contains("Usage"), "{line}");
    }
}
