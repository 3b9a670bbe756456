//! Running the peer under check: one command to its end, a held `create`,
//! a `serve` session; and what section 9 asks of every ending.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::peer::PeerSpec;
use crate::process::{ChildProc, Exit, Launcher, NoReply};
use shm_protocol::form::name_in;

/// How one command of the peer ended and what it printed.
#[derive(Debug)]
pub(super) struct Output {
    /// How it ended.
    pub(super) exit: Exit,
    /// Everything on stdout.
    pub(super) stdout: String,
    /// Everything on stderr.
    pub(super) stderr: String,
}

impl Output {
    /// A success (section 9): exit 0, nothing on stderr; its stdout.
    pub(super) fn ok(&self) -> Result<&str, String> {
        match (&self.exit, self.stderr.is_empty()) {
            (Exit::Code(0), true) => Ok(&self.stdout),
            (Exit::Code(0), false) => {
                Err(format!("succeeded but wrote on stderr: {:?}", self.stderr))
            }
            _ => Err(format!("{}: {}", self.exit, self.stderr.trim())),
        }
    }

    /// A failure with `code` (section 9): exactly one line on stderr,
    /// starting `error: `, and nothing on stdout.
    pub(super) fn failed(&self, code: i32) -> Result<(), String> {
        if self.exit != Exit::Code(code) {
            return Err(format!(
                "{}, expected exit code {code} (stdout {:?}, stderr {:?})",
                self.exit, self.stdout, self.stderr
            ));
        }
        one_error_line(&self.stderr, &self.stdout)
    }
}

/// Section 9's shape of a failure's output.
pub(super) fn one_error_line(stderr: &str, stdout: &str) -> Result<(), String> {
    let lines = stderr.matches('\n').count();
    if !stderr.starts_with("error: ") || lines != 1 || !stderr.ends_with('\n') {
        return Err(format!(
            "stderr must be one line starting `error: `, was {stderr:?}"
        ));
    }
    if !stdout.is_empty() {
        return Err(format!("a failure printed on stdout: {stdout:?}"));
    }
    Ok(())
}

/// The peer, and how its processes start.
pub(super) struct Peer<'a> {
    pub(super) spec: &'a PeerSpec,
    pub(super) launcher: &'a mut Launcher,
    pub(super) timeout: Duration,
    /// Every segment name a `create` of it printed, so that what a broken
    /// peer leaves is found and removed after the check.
    pub(super) printed: Vec<String>,
}

impl Peer<'_> {
    /// `PEER ARGS`.
    pub(super) fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.spec.argv[0]);
        c.args(&self.spec.argv[1..]).args(args);
        c
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.timeout
    }

    /// Runs `PEER ARGS` to its end, `stdin` written to it first.
    pub(super) fn run(&mut self, args: &[&str], stdin: Option<&str>) -> Result<Output, String> {
        let deadline = self.deadline();
        let mut p = self
            .launcher
            .spawn(self.command(args))
            .map_err(|e| format!("cannot start the peer: {e}"))?;
        if let Some(text) = stdin {
            p.write_raw(text.as_bytes()).map_err(|e| e.to_string())?;
        }
        p.close_stdin();
        let stdout = read_all(&mut p, deadline)?;
        let exit = p.wait(deadline).ok_or_else(|| {
            p.kill();
            format!("{} did not end in {:?}", args.join(" "), self.timeout)
        })?;
        if args.first() == Some(&"create") {
            self.remember(&stdout);
        }
        Ok(Output {
            exit,
            stdout,
            stderr: p.stderr(),
        })
    }

    /// Notes the segment names in `printed`, whatever form its lines have.
    fn remember(&mut self, printed: &str) {
        let names = printed
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| name_in(&v).map(str::to_owned));
        self.printed.extend(names);
    }

    /// Starts a held `PEER create ARGS` and reads its descriptor line.
    pub(super) fn hold(&mut self, args: &[&str]) -> Result<Held, String> {
        let mut create = vec!["create"];
        create.extend_from_slice(args);
        let mut process = self
            .launcher
            .spawn(self.command(&create))
            .map_err(|e| format!("cannot start the peer: {e}"))?;
        match process.read_line(self.deadline()) {
            Ok(Some(line)) => Ok(Held {
                name: {
                    let before = self.printed.len();
                    self.remember(&line);
                    self.printed.get(before).cloned()
                },
                process,
                line,
                timeout: self.timeout,
            }),
            Ok(None) => {
                let exit = process.wait(self.deadline());
                Err(format!(
                    "create {} printed no descriptor ({}): {}",
                    args.join(" "),
                    exit.map(|e| e.to_string()).unwrap_or_default(),
                    process.stderr().trim()
                ))
            }
            Err(e) => Err(format!("create {}: {e}", args.join(" "))),
        }
    }

    /// Starts `PEER serve`.
    pub(super) fn serve(&mut self) -> Result<Served, String> {
        let process = self
            .launcher
            .spawn(self.command(&["serve"]))
            .map_err(|e| format!("cannot start the peer: {e}"))?;
        Ok(Served {
            process,
            timeout: self.timeout,
        })
    }
}

/// Reads `p`'s stdout to its end by `deadline`.
fn read_all(p: &mut ChildProc, deadline: Instant) -> Result<String, String> {
    let mut out = String::new();
    loop {
        match p.read_line(deadline) {
            Ok(Some(line)) => out.push_str(&line),
            Ok(None) => return Ok(out),
            Err(NoReply::TimedOut) => {
                p.kill();
                return Err("timed out".into());
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// A held creator: its process and the line it printed. Dropped unreleased
/// (a check that failed half-way), it is released, killed if it must be,
/// and its segment removed.
pub(super) struct Held {
    pub(super) process: ChildProc,
    /// The name its line gives, if any.
    name: Option<String>,
    /// The descriptor line, as printed (newline included).
    pub(super) line: String,
    timeout: Duration,
}

impl Held {
    /// The descriptor line without its newline.
    pub(super) fn descriptor(&self) -> &str {
        self.line.trim_end_matches('\n')
    }

    /// Waits for the creator to end by itself: how it ended, what else it
    /// printed, its stderr.
    pub(super) fn ended(mut self) -> Result<Output, String> {
        self.name = None;
        let deadline = Instant::now() + self.timeout;
        let stdout = read_all(&mut self.process, deadline)?;
        let exit = self
            .process
            .wait(deadline)
            .ok_or("the creator did not end in time")?;
        Ok(Output {
            exit,
            stdout,
            stderr: self.process.stderr(),
        })
    }

    /// Releases it by closing its stdin: it must unlink and exit 0 with
    /// nothing more on stdout or stderr (section 5.2).
    pub(super) fn release(mut self) -> Result<(), String> {
        self.process.close_stdin();
        let out = self.ended()?;
        out.ok().and_then(|printed| match printed {
            "" => Ok(()),
            more => Err(format!("the creator printed more after its line: {more:?}")),
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(name) = self.name.take() else { return };
        self.process.close_stdin();
        if self.process.wait(Instant::now() + self.timeout).is_none() {
            self.process.kill();
        }
        let _ = shm_core::lease::unlink(&name);
    }
}

/// A `serve` session.
pub(super) struct Served {
    pub(super) process: ChildProc,
    timeout: Duration,
}

impl Served {
    /// Writes `line` and a newline to serve's stdin.
    pub(super) fn send(&mut self, line: &str) -> Result<(), String> {
        self.process
            .write_raw(format!("{line}\n").as_bytes())
            .map_err(|e| e.to_string())
    }

    /// The next answer line, parsed: `code`, `stdout`, `stderr` (key order
    /// and spacing free, section 10).
    pub(super) fn answer(&mut self) -> Result<Output, String> {
        let deadline = Instant::now() + self.timeout;
        let line = match self.process.read_line(deadline) {
            Ok(Some(line)) => line,
            Ok(None) => return Err("serve ended before answering".into()),
            Err(e) => return Err(format!("serve: {e}")),
        };
        #[derive(serde::Deserialize)]
        struct Answer {
            code: i32,
            stdout: String,
            stderr: String,
        }
        let a: Answer = serde_json::from_str(line.trim_end()).map_err(|e| {
            format!("serve answered {line:?}, not {{\"code\", \"stdout\", \"stderr\"}}: {e}")
        })?;
        Ok(Output {
            exit: Exit::Code(a.code),
            stdout: a.stdout,
            stderr: a.stderr,
        })
    }

    /// Sends the words of one `peer` command and reads the answer.
    pub(super) fn ask(&mut self, words: &[&str]) -> Result<Output, String> {
        self.send(&serde_json::to_string(words).expect("words serialise"))?;
        self.answer()
    }

    /// Closes stdin: serve must exit 0 with nothing more printed.
    pub(super) fn end(mut self) -> Result<(), String> {
        self.process.close_stdin();
        let deadline = Instant::now() + self.timeout;
        let rest = read_all(&mut self.process, deadline)?;
        let exit = self
            .process
            .wait(deadline)
            .ok_or("serve did not end at end of input")?;
        match (exit, rest.is_empty()) {
            (Exit::Code(0), true) => Ok(()),
            (exit, _) => Err(format!(
                "serve ended with {exit} at end of input, printing {rest:?}: {}",
                self.process.stderr().trim()
            )),
        }
    }
}

/// Writes `text` to a new file in `dir`, for `--descriptor @FILE`.
pub(super) fn file_with(dir: &std::path::Path, name: &str, text: &str) -> Result<String, String> {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.to_string_lossy().into_owned())
}

/// Runs `cmd` (its stdin and stdout already set) to its end within
/// `timeout`, killing it after; how it ended and its stderr.
#[cfg(unix)]
pub(super) fn run_raw(
    mut cmd: Command,
    timeout: Duration,
) -> Result<(std::process::ExitStatus, String), String> {
    let mut child = cmd
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the peer: {e}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("did not end in {timeout:?}"));
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
    }
    Ok((status, stderr))
}

/// Asks the peer `peer` commands: through one `serve` session when the
/// peer offers it (an interpreter started once), else one process each.
#[derive(Default)]
pub(super) struct Asker {
    served: Option<Served>,
}

impl Asker {
    /// `PEER peer --descriptor D WORDS...`.
    pub(super) fn peer(
        &mut self,
        peer: &mut Peer<'_>,
        descriptor: &str,
        words: &[&str],
    ) -> Result<Output, String> {
        let mut all = vec!["peer", "--descriptor", descriptor];
        all.extend_from_slice(words);
        if !peer.spec.serve {
            return peer.run(&all, None);
        }
        if self.served.is_none() {
            self.served = Some(peer.serve()?);
        }
        let served = self.served.as_mut().expect("started above");
        served.ask(&all)
    }

    /// Ends the `serve` session, if one was started: it must exit 0.
    pub(super) fn end(self) -> Result<(), String> {
        self.served.map_or(Ok(()), Served::end)
    }
}
