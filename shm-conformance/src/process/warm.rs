//! Python children forked from a warm interpreter (Linux): the runner's way
//! to start many short Python processes without paying, each time, for the
//! interpreter's start and numpy's import (most of each one's life).
//!
//! The server is `fixtures/python/forkserver.py`, which documents the
//! protocol: the runner sends a command's argv and three pipe ends over an
//! `AF_UNIX` `SOCK_SEQPACKET` socket (`SCM_RIGHTS`), the server forks a child
//! that runs the script as `python SCRIPT ARGS...` would, and reports its pid
//! and, once it has reaped it, how it ended. Each child is a process of its
//! own, so every check on processes (exit codes, kills, leases naming its
//! pid) holds as for a spawned one.
//!
//! Only this binary's own Python scripts go through it (the built-in peers
//! and the queue's twin, run by the run's interpreter with no options).
//! Everything else is spawned, outside peers written in Python included: an
//! implementation under test runs in an interpreter of its own, as its
//! users run it. `SHM_HARNESS_WARM=0` turns it off.
//!
//! A run's [`super::Launcher`] owns its [`Warm`] (nothing here is global):
//! the peer registry says which interpreter and scripts are this binary's
//! own, and the launcher ends the server at the end of the run.

use std::collections::HashMap;
use std::fs::File;
use std::io::IoSlice;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::fcntl::OFlag;
use nix::sys::socket::{
    AddressFamily, ControlMessage, MsgFlags, Shutdown, SockFlag, SockType, recv, sendmsg, shutdown,
    socketpair,
};
use nix::unistd::Pid;
use serde_json::{Value, json};

use super::ending::{Exit, NoReply, signal_name};

/// How long the server gets to answer a request.
const REPLY_WITHIN: Duration = Duration::from_secs(30);

/// The warm launcher of one run: the interpreter and the server script it
/// was offered, and the server, started on first use.
pub(super) struct Warm {
    python: String,
    script: PathBuf,
    server: Option<Server>,
}

/// A child the server forked: its pid and the runner's end of its stderr.
pub(super) struct WarmChild {
    /// Its process id.
    pub(super) pid: Pid,
    /// Its stderr, until it is read.
    pub(super) stderr: Option<File>,
    /// Where the server reports how it ended.
    exits: Arc<Mutex<HashMap<i32, Exit>>>,
}

/// A warm child with the runner's ends of its stdin and stdout.
pub(super) type Started = (WarmChild, File, File);

impl WarmChild {
    /// How it ended, once the server has reaped it.
    pub(super) fn ended(&self) -> Option<Exit> {
        self.exits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.pid.as_raw())
    }
}

impl Warm {
    /// A launcher for `python`'s children that run a script in the
    /// directory of `script`, the server's own; `None` when
    /// `SHM_HARNESS_WARM=0` turns it off.
    pub(super) fn new(python: &str, script: &Path) -> Option<Warm> {
        if std::env::var("SHM_HARNESS_WARM").as_deref() == Ok("0") {
            return None;
        }
        Some(Warm {
            python: python.to_owned(),
            script: script.to_path_buf(),
            server: None,
        })
    }

    /// Starts `command` as a warm child, or `None` if it is not for the
    /// server (not this run's interpreter running one of its scripts).
    pub(super) fn spawn(&mut self, command: &Command) -> Option<Result<Started, NoReply>> {
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let ours = self.script.parent().expect("a script in a directory");
        let runs_a_script = args
            .first()
            .is_some_and(|a| a.ends_with(".py") && Path::new(a).parent() == Some(ours));
        if command.get_program() != self.python.as_str() || !runs_a_script {
            return None;
        }
        if self.server.as_mut().is_none_or(|s| !s.alive()) {
            match Server::start(&self.python, &self.script) {
                Ok(s) => self.server = Some(s),
                Err(e) => return Some(Err(e)),
            }
        }
        let s = self.server.as_mut().expect("just started");
        let result = s.fork(command, &args);
        if result.is_err() {
            // A server that failed once is not asked again.
            self.end();
        }
        Some(result)
    }

    /// Ends the server (at the end of a run); its children are the
    /// runner's to end, and already are.
    pub(super) fn end(&mut self) {
        if let Some(mut s) = self.server.take() {
            s.end();
        }
    }
}

/// The server process and the runner's end of its socket.
struct Server {
    process: Child,
    socket: Option<OwnedFd>,
    replies: Receiver<Value>,
    exits: Arc<Mutex<HashMap<i32, Exit>>>,
}

impl Server {
    fn start(python: &str, script: &Path) -> Result<Server, NoReply> {
        let io =
            |what: &str, e: &dyn std::fmt::Display| NoReply::Io(format!("warm server {what}: {e}"));
        let (mine, theirs) = socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(|e| io("socketpair", &e))?;
        let process = Command::new(python)
            .arg(script)
            .stdin(Stdio::from(theirs))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io("start", &e))?;
        let reader = mine.try_clone().map_err(|e| io("socket", &e))?;
        let exits = Arc::new(Mutex::new(HashMap::new()));
        let (tx, replies) = channel();
        let their_exits = Arc::clone(&exits);
        std::thread::spawn(move || read_reports(reader, &tx, &their_exits));
        Ok(Server {
            process,
            socket: Some(mine),
            replies,
            exits,
        })
    }

    fn alive(&mut self) -> bool {
        self.socket.is_some() && matches!(self.process.try_wait(), Ok(None))
    }

    fn fork(&mut self, command: &Command, args: &[String]) -> Result<Started, NoReply> {
        let io =
            |what: &str, e: &dyn std::fmt::Display| NoReply::Io(format!("warm child {what}: {e}"));
        let socket = self.socket.as_ref().ok_or_else(|| io("server", &"ended"))?;
        // Close-on-exec, so that no program the runner spawns meanwhile
        // inherits an end (a stray write end would keep a reader from EOF).
        let pipe = || nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| io("pipe", &e));
        let (stdin_r, stdin_w) = pipe()?;
        let (stdout_r, stdout_w) = pipe()?;
        let (stderr_r, stderr_w) = pipe()?;
        let env: serde_json::Map<String, Value> = command
            .get_envs()
            .map(|(k, v)| {
                let value = v.map_or(Value::Null, |v| Value::from(v.to_string_lossy()));
                (k.to_string_lossy().into_owned(), value)
            })
            .collect();
        let request = json!({
            "argv": args,
            "env": env,
            "cwd": command.get_current_dir().map(|d| d.to_string_lossy().into_owned()),
        })
        .to_string();
        let fds = [
            stdin_r.as_raw_fd(),
            stdout_w.as_raw_fd(),
            stderr_w.as_raw_fd(),
        ];
        sendmsg::<()>(
            socket.as_raw_fd(),
            &[IoSlice::new(request.as_bytes())],
            &[ControlMessage::ScmRights(&fds)],
            MsgFlags::empty(),
            None,
        )
        .map_err(|e| io("request", &e))?;
        // The child has its own copies now; the runner keeps only its ends.
        drop((stdin_r, stdout_w, stderr_w));
        let reply = match self.replies.recv_timeout(REPLY_WITHIN) {
            Ok(reply) => reply,
            Err(RecvTimeoutError::Timeout) => return Err(io("reply", &"timed out")),
            Err(RecvTimeoutError::Disconnected) => return Err(io("reply", &"server ended")),
        };
        let Some(pid) = reply["pid"].as_i64().and_then(|p| i32::try_from(p).ok()) else {
            return Err(io("reply", &reply));
        };
        let child = WarmChild {
            pid: Pid::from_raw(pid),
            stderr: Some(File::from(stderr_r)),
            exits: Arc::clone(&self.exits),
        };
        Ok((child, File::from(stdin_w), File::from(stdout_r)))
    }

    fn end(&mut self) {
        // End of its stdin: the server exits (shut down, not just closed:
        // the report reader holds a copy), and so does the reader.
        if let Some(socket) = self.socket.take() {
            let _ = shutdown(socket.as_raw_fd(), Shutdown::Both);
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while matches!(self.process.try_wait(), Ok(None)) {
            if std::time::Instant::now() >= deadline {
                let _ = self.process.kill();
                let _ = self.process.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// The server's reports: a pid reply goes to the waiting request, an exit
/// into `exits`.
fn read_reports(socket: OwnedFd, replies: &Sender<Value>, exits: &Mutex<HashMap<i32, Exit>>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match recv(socket.as_raw_fd(), &mut buf, MsgFlags::empty()) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let Ok(report) = serde_json::from_slice::<Value>(&buf[..n]) else {
            continue;
        };
        let pid = report["pid"].as_i64().and_then(|p| i32::try_from(p).ok());
        let exit = match (&report["code"], &report["signal"]) {
            (Value::Number(c), _) => c.as_i64().map(|c| Exit::Code(c as i32)),
            (_, Value::Number(s)) => s.as_i64().map(|s| Exit::Signal(signal_name(s as i32))),
            _ => None,
        };
        match (pid, exit) {
            (Some(pid), Some(exit)) => {
                exits
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(pid, exit);
            }
            _ => {
                if replies.send(report).is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::time::Instant;

    const SERVER_SCRIPT: &str = concat!(
        env!("SHM_CONFORMANCE_DATA"),
        "/fixtures/python/forkserver.py"
    );

    fn wait_for(child: &WarmChild) -> Exit {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(exit) = child.ended() {
                return exit;
            }
            assert!(Instant::now() < deadline, "no exit reported");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn children_are_processes_of_their_own_with_pipes_codes_and_signals() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("echo.py");
        std::fs::write(
            &script,
            "import os, sys\n\
             line = sys.stdin.readline().strip()\n\
             print(os.getpid(), sys.argv[1:], os.environ.get('WARM_TEST'), line, flush=True)\n\
             sys.stderr.write('to stderr\\n')\n\
             if line == 'hang':\n    sys.stdin.read()\n\
             sys.exit(int(sys.argv[1]))\n",
        )
        .unwrap();
        let mut server = Server::start("python3", Path::new(SERVER_SCRIPT)).unwrap();
        let script = script.to_string_lossy().into_owned();
        let mut command = Command::new("python3");
        command.env("WARM_TEST", "set");
        let (mut child, mut stdin, mut stdout) = server
            .fork(&command, &[script.clone(), "3".into(), "x y".into()])
            .unwrap();
        writeln!(stdin, "hello").unwrap();
        drop(stdin);
        let mut out = String::new();
        stdout.read_to_string(&mut out).unwrap();
        assert_eq!(
            out,
            format!("{} ['3', 'x y'] set hello\n", child.pid),
            "its own pid, argv, env and stdin"
        );
        assert_ne!(child.pid.as_raw(), server.process.id() as i32);
        assert_eq!(wait_for(&child), Exit::Code(3));
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(err, "to stderr\n");

        // A child killed while it waits is reported killed by SIGKILL.
        let (child, mut stdin, _stdout) = server
            .fork(&Command::new("python3"), &[script, "0".into()])
            .unwrap();
        writeln!(stdin, "hang").unwrap();
        nix::sys::signal::kill(child.pid, nix::sys::signal::Signal::SIGKILL).unwrap();
        assert_eq!(wait_for(&child), Exit::Signal("SIGKILL".into()));
        server.end();
        assert!(!server.alive());
    }
}
