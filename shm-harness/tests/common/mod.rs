//! Helpers shared by the CLI tests: the binary, a held `create` process, and
//! guards that remove segments even when a test fails.
#![allow(dead_code)] // each test binary uses some of these

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use shm_core::Descriptor;

/// The `shm-harness` binary under test.
pub(crate) fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shm-harness"))
}

/// Unlinks a segment name on drop, ignoring "not found".
pub(crate) struct Unlink(pub(crate) String);

impl Drop for Unlink {
    fn drop(&mut self) {
        let _ = shm_core::lease::unlink(&self.0);
    }
}

/// A running `shm-harness create`, holding its segment while its stdin is
/// open. Dropping it kills the process and unlinks the segment.
pub(crate) struct Held {
    pub(crate) child: Child,
    pub(crate) descriptor: Descriptor,
    pub(crate) line: String,
    pub(crate) stdout: BufReader<ChildStdout>,
    _unlink: Unlink,
}

impl Held {
    /// Starts `create` with `args` and reads its descriptor line.
    pub(crate) fn start(args: &[&str]) -> Held {
        let mut child = bin()
            .arg("create")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn create");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read descriptor line");
        let descriptor = Descriptor::from_json(line.trim()).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("create printed {line:?}: {e}")
        });
        let name = descriptor.name().expect("named").to_owned();
        Held {
            child,
            descriptor,
            line: line.trim().to_owned(),
            stdout,
            _unlink: Unlink(name),
        }
    }

    /// The segment's name.
    pub(crate) fn name(&self) -> &str {
        self.descriptor.name().expect("named")
    }

    /// Closes stdin and waits: the process should unlink and exit 0.
    pub(crate) fn release(mut self) -> std::process::ExitStatus {
        drop(self.child.stdin.take());
        self.child.wait().expect("wait for create")
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `shm-harness peer --descriptor D OP...` and returns (code, stdout, stderr).
pub(crate) fn peer(descriptor: &str, op: &[&str]) -> (i32, String, String) {
    let out = bin()
        .args(["peer", "--descriptor", descriptor])
        .args(op)
        .output()
        .expect("run peer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
