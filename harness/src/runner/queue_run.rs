//! One queue case run: a real sender and a real receiver with the runner in
//! the middle of their stream (schema: `cases/queue.rs`).
//!
//! The runner reads the sender's whole stream, so it knows every segment
//! the stream carries; it forwards messages when a step says so, and kills
//! either side between steps, so every crash point is deterministic. While
//! it holds the stream's pipes it is a party to the transfers (a relay, as
//! a pipe's buffer is); `let-go` ends that. For a pool case it is also the
//! back channel: every release the receiver prints goes to the sender's
//! stdin as it is read, and the stream is read as far as the free slots
//! let the sender write it.

use std::process::Command;
use std::time::{Duration, Instant};

use shm_core::lease;
use shm_core::pool::Pool;
use shm_core::queue::wire::Message;
use shm_core::segment::Segment;
use shm_core::{Descriptor, Error};

use super::process::ChildProc;
use super::{CaseRun, Mode, Settings, outcome_of};
use crate::cases::{End, QueueAct, QueueCase};
#[cfg(unix)]
use crate::exit::Kind;
use crate::queue::{Plan, RecvHow};
#[cfg(unix)]
use crate::queue::{recv_on, send_on, send_pooled};

/// How long the ends get to exit after a run before they are killed.
const GRACE: Duration = Duration::from_secs(5);

/// How one end of a queue runs.
#[derive(Debug, Clone)]
pub(crate) enum QueueEnd {
    /// This binary's queue code in a forked child (Unix).
    Fork,
    /// This binary re-executed as `shm-harness queue ...`.
    Spawn,
    /// The Python twin: its argv (interpreter and `shm_queue.py`).
    Twin(Vec<String>),
}

/// Who runs each end, and the report's label for it.
#[derive(Debug, Clone)]
pub(crate) struct Ends {
    /// The sending end.
    pub(crate) sender: QueueEnd,
    /// The receiving end.
    pub(crate) receiver: QueueEnd,
    /// The report's mode column.
    pub(crate) mode: Mode,
    /// The report's peer column (`python sends`), if a twin plays.
    pub(crate) peer: Option<String>,
}

impl Ends {
    /// Both ends in Rust, made the way `mode` makes children.
    pub(crate) fn rust(mode: Mode) -> Ends {
        let end = match mode {
            Mode::Fork => QueueEnd::Fork,
            Mode::Spawn => QueueEnd::Spawn,
        };
        Ends {
            sender: end.clone(),
            receiver: end,
            mode,
            peer: None,
        }
    }

    /// The twin on one end (`sends`: the sender), spawned Rust on the other.
    pub(crate) fn twin(argv: &[String], sends: bool) -> Ends {
        let twin = QueueEnd::Twin(argv.to_vec());
        let (sender, receiver) = if sends {
            (twin, QueueEnd::Spawn)
        } else {
            (QueueEnd::Spawn, twin)
        };
        Ends {
            sender,
            receiver,
            mode: Mode::Spawn,
            peer: Some(Ends::twin_label(sends)),
        }
    }

    /// The report's peer column for the twin's runs: `python sends` or
    /// `python receives`.
    pub(crate) fn twin_label(sends: bool) -> String {
        format!("python {}", if sends { "sends" } else { "receives" })
    }
}

/// Runs `case` with `ends` and reports how it went.
pub(crate) fn run_queue_case(case: &QueueCase, ends: &Ends, settings: &Settings) -> CaseRun {
    let started = Instant::now();
    let fork_here = !cfg!(unix) && matches!(ends.mode, Mode::Fork);
    let skip = case
        .not_here
        .clone()
        .or_else(|| fork_here.then(|| "fork mode needs Unix".to_owned()));
    let (outcome, message) = outcome_of(skip, || run(case, ends, settings));
    CaseRun {
        case: case.name.clone(),
        description: case.description.clone(),
        file: case.file.clone(),
        mode: ends.mode.name().to_owned(),
        peer: ends.peer.clone(),
        outcome,
        message,
        duration: started.elapsed(),
    }
}

fn run(case: &QueueCase, ends: &Ends, settings: &Settings) -> Result<(), String> {
    let shape = case
        .shape
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let plan = Plan::parse(&shape, &case.dtype, case.count).map_err(|e| format!("case: {e}"))?;
    let mut run = QueueRun {
        ends: ends.clone(),
        plan,
        shape,
        pool: case.pool,
        sender_done: false,
        arrays: 0,
        stream_id: None,
        released: 0,
        replacement: None,
        deadline: Instant::now() + settings.timeout,
        sender: None,
        receiver: None,
        stream: Vec::new(),
        names: Vec::new(),
        forwarded: 0,
        seq: 0,
        lines: Vec::new(),
        stalled: false,
    };
    let result = case.steps.iter().enumerate().try_for_each(|(i, act)| {
        run.step(act)
            .map_err(|e| format!("step {} ({}): {e}", i + 1, name(act)))
    });
    let leaks = run.teardown();
    result?;
    if leaks.is_empty() {
        Ok(())
    } else {
        Err(format!("segments left behind: {}", leaks.join(", ")))
    }
}

fn name(act: &QueueAct) -> &'static str {
    match act {
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

struct QueueRun {
    ends: Ends,
    plan: Plan,
    shape: String,
    /// The pool's slots, for a pool case.
    pool: Option<u64>,
    /// The sender's end message was read.
    sender_done: bool,
    /// How many array messages the sender wrote so far.
    arrays: u64,
    /// The stream's id, from its open message.
    stream_id: Option<String>,
    /// How many releases went back to the sender.
    released: u64,
    /// The pool the runner made under the sender's pool's name.
    replacement: Option<Pool>,
    deadline: Instant,
    sender: Option<ChildProc>,
    receiver: Option<ChildProc>,
    /// The sender's lines, as read: open, arrays, end.
    stream: Vec<String>,
    /// The segments the stream carries, in order.
    names: Vec<String>,
    /// How many of `stream`'s lines went to the receiver.
    forwarded: usize,
    /// The next array message's sequence number, as the receiver counts.
    seq: u64,
    /// The receiver's output lines so far.
    lines: Vec<String>,
    /// The receiver stops reading at some point and waits to be killed.
    stalled: bool,
}

impl QueueRun {
    fn step(&mut self, act: &QueueAct) -> Result<(), String> {
        match act {
            QueueAct::Send => self.send(),
            QueueAct::SenderExits { expect_exit } => {
                let expected = expect_exit.as_deref().unwrap_or("0");
                let sender = self.sender.as_mut().ok_or("no sender")?;
                sender.close_stdin();
                match sender.wait(self.deadline) {
                    Some(exit) if exit.matches(expected) => Ok(()),
                    Some(exit) => Err(format!(
                        "the sender ended with {exit}, expected {expected}: {}",
                        sender.stderr().trim()
                    )),
                    None => Err("the sender did not exit".into()),
                }
            }
            QueueAct::Kill { target } => {
                let end = match target {
                    End::Sender => self.sender.as_mut(),
                    End::Receiver => self.receiver.as_mut(),
                };
                end.ok_or(format!("no {target:?} to kill"))?.kill();
                Ok(())
            }
            QueueAct::Recv {
                hold,
                take,
                stall_after,
            } => {
                let how = RecvHow {
                    hold: *hold,
                    take: *take,
                    stall_after: *stall_after,
                };
                self.receiver = Some(self.start_receiver(how)?);
                self.stalled = stall_after.is_some();
                Ok(())
            }
            QueueAct::Forward { upto } => self.forward(*upto),
            QueueAct::Inject { line } => {
                let line = self.injected(line)?;
                self.write(&line)
            }
            QueueAct::Lines { upto } => self.lines(*upto),
            QueueAct::CloseStream => {
                self.receiver.as_mut().ok_or("no receiver")?.close_stdin();
                Ok(())
            }
            QueueAct::ReceiverExits { expect_exit } => {
                let expected = expect_exit.as_deref().unwrap_or("0");
                let deadline = self.deadline;
                let receiver = self.receiver.as_mut().ok_or("no receiver")?;
                let exit = receiver.wait(deadline).ok_or("the receiver did not exit")?;
                let stderr = receiver.stderr();
                self.drain()?;
                self.check_lines(self.lines.len() as u64)?;
                if exit.matches(expected) {
                    Ok(())
                } else {
                    Err(format!(
                        "the receiver ended with {exit}, expected {expected}: {}",
                        stderr.trim()
                    ))
                }
            }
            QueueAct::LetGo => {
                if let Some(mut sender) = self.sender.take() {
                    sender.close_stdin();
                    sender.wait(self.deadline);
                }
                if let Some(receiver) = self.receiver.as_mut() {
                    receiver.close_stdin();
                }
                Ok(())
            }
            QueueAct::Clean => {
                for n in &self.names {
                    lease::reclaim(Some(n), false).map_err(|e| format!("clean: {e}"))?;
                }
                Ok(())
            }
            QueueAct::Exist { expect } => {
                let found = self.existing().len() as u64;
                if found == *expect {
                    Ok(())
                } else {
                    Err(format!(
                        "{found} of the stream's {} segments exist, expected {expect}",
                        self.names.len()
                    ))
                }
            }
            QueueAct::Leases { expect } => {
                let leases = lease::list();
                let found = self
                    .names
                    .iter()
                    .filter(|n| leases.iter().any(|l| &l.name == *n))
                    .count() as u64;
                if found == *expect {
                    Ok(())
                } else {
                    Err(format!(
                        "{found} of the stream's segments have a lease, expected {expect}"
                    ))
                }
            }
            QueueAct::UnlinkRest => {
                for n in &self.names {
                    let _ = lease::unlink(n);
                }
                Ok(())
            }
            QueueAct::ReusePoolName => self.reuse_pool_name(),
        }
    }

    /// Starts the sender and reads its stream to the end message.
    fn send(&mut self) -> Result<(), String> {
        #[cfg(unix)]
        let (plan, pool) = (self.plan.clone(), self.pool);
        let sender = match &self.ends.sender {
            #[cfg(unix)]
            QueueEnd::Fork => ChildProc::fork_with(move |back, out| match pool {
                Some(slots) => code(send_pooled(out, back, &plan, slots)),
                None => code(send_on(out, back, &plan, true)),
            }),
            #[cfg(not(unix))]
            QueueEnd::Fork => return Err("fork mode needs Unix".into()),
            QueueEnd::Spawn => {
                ChildProc::spawn_command(self.command(&this_binary()?, &["queue", "send"]))
            }
            QueueEnd::Twin(argv) => ChildProc::spawn_command(self.command(argv, &["send"])),
        }
        .map_err(|e| e.to_string())?;
        // Kept at once, so that a failure from here on still ends it.
        self.sender = Some(sender);
        while !self.sender_done {
            let sender = self.sender.as_mut().expect("kept above");
            // A pool sender with more arrays than slots waits for releases.
            let (count, read) = (self.plan.count, self.arrays);
            if self
                .pool
                .is_some_and(|slots| count > slots && read >= slots)
            {
                break;
            }
            let line = next_line(sender, self.deadline, "the sender", self.stream.len())?;
            self.take_sent(line)?;
        }
        Ok(())
    }

    /// Keeps a line the sender wrote, and the segment it names.
    fn take_sent(&mut self, line: String) -> Result<(), String> {
        let message =
            Message::parse(&line).map_err(|e| format!("the sender wrote {line:?}: {e}"))?;
        self.stream.push(line);
        match message {
            Message::Array { descriptor, .. } => {
                self.arrays += 1;
                let name = descriptor.name().unwrap_or_default();
                if !self.names.iter().any(|n| n == name) {
                    self.names.push(name.to_owned());
                }
            }
            Message::End { .. } => self.sender_done = true,
            Message::Open { stream } => self.stream_id = Some(stream),
            Message::Release { .. } => {}
        }
        Ok(())
    }

    /// Reads the sender's next line while passing the receiver's releases
    /// back, for a pool sender that waits for a free slot.
    fn pull(&mut self) -> Result<(), String> {
        loop {
            self.drain()?;
            let sender = self.sender.as_mut().ok_or("the stream stops: no sender")?;
            if let Some(line) = sender.try_read_line().map_err(|e| e.to_string())? {
                return self.take_sent(line);
            }
            if Instant::now() > self.deadline {
                return Err(format!(
                    "the sender wrote {} arrays and then nothing ({} releases went back)",
                    self.arrays, self.released
                ));
            }
            if let Some(exit) = sender.wait(Instant::now()) {
                return Err(format!(
                    "the sender ended with {exit} before its end message: {}",
                    sender.stderr().trim()
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn start_receiver(&self, how: RecvHow) -> Result<ChildProc, String> {
        let mut words: Vec<String> = Vec::new();
        if how.hold {
            words.push("--hold".into());
        }
        if let Some(k) = how.take {
            words.extend(["--take".into(), k.to_string()]);
        }
        if let Some(k) = how.stall_after {
            words.extend(["--stall-after".into(), k.to_string()]);
        }
        let recv_words = |first: &[&str]| {
            let mut all: Vec<String> = first.iter().map(|s| (*s).to_owned()).collect();
            all.extend(words.iter().cloned());
            all
        };
        match &self.ends.receiver {
            #[cfg(unix)]
            QueueEnd::Fork => {
                ChildProc::fork_with(move |input, out| code(recv_on(input, out, how)))
            }
            #[cfg(not(unix))]
            QueueEnd::Fork => return Err("fork mode needs Unix".into()),
            QueueEnd::Spawn => {
                let mut command = Command::new(&this_binary()?[0]);
                command.args(recv_words(&["queue", "recv"]));
                ChildProc::spawn_command(command)
            }
            QueueEnd::Twin(argv) => {
                let mut command = Command::new(&argv[0]);
                command.args(&argv[1..]).args(recv_words(&["recv"]));
                ChildProc::spawn_command(command)
            }
        }
        .map_err(|e| e.to_string())
    }

    /// `argv` and the sender's words: `send --shape S --dtype D --count N`,
    /// and `--hold` or, for a pool case, `--pool SLOTS`.
    fn command(&self, argv: &[String], words: &[&str]) -> Command {
        let mut command = Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .args(words)
            .arg(format!("--shape={}", self.shape))
            .args(["--dtype", &self.plan.dtype.to_string()])
            .args(["--count", &self.plan.count.to_string()]);
        match self.pool {
            Some(slots) => command.args(["--pool", &slots.to_string()]),
            None => command.arg("--hold"),
        };
        command
    }

    /// Forwards the stream's lines through array `upto` (exclusive), or all
    /// (for a pool case, reading the sender's lines as its slots come back).
    fn forward(&mut self, upto: Option<u64>) -> Result<(), String> {
        loop {
            if self.forwarded == self.stream.len() {
                if self.pool.is_none() || self.sender_done {
                    break;
                }
                if upto.is_some_and(|k| self.seq >= k) {
                    break;
                }
                self.pull()?;
                continue;
            }
            let line = self.stream[self.forwarded].clone();
            match Message::parse(&line) {
                Ok(Message::Array { seq, .. }) if upto.is_some_and(|k| seq >= k) => break,
                Ok(Message::Array { .. }) => self.seq += 1,
                Ok(Message::End { .. }) if upto.is_some() => break,
                _ => {}
            }
            self.write(&line)?;
            self.forwarded += 1;
        }
        Ok(())
    }

    /// The line an `inject` step writes.
    fn injected(&mut self, line: &str) -> Result<String, String> {
        let descriptor = match line {
            "$missing" => {
                Descriptor::new("shmq_missing_segment", &self.plan.shape, self.plan.dtype)
            }
            "$stale" => return self.stale(),
            "$end" => return Ok(Message::End { count: self.seq }.to_line()),
            "$undersized" => {
                let next = self.stream[self.forwarded..]
                    .iter()
                    .find_map(|l| match Message::parse(l) {
                        Ok(Message::Array { descriptor, .. }) => Some(descriptor),
                        _ => None,
                    })
                    .ok_or("no array left to lie about")?;
                // A thousand times the array, and at least a MiB: more than
                // any segment it could be, exact or rounded up to pages.
                let n: usize = self.plan.shape.iter().product();
                Descriptor::new(
                    next.name().unwrap_or_default(),
                    &[(n.max(1) * 1000).max((1 << 20) / self.plan.dtype.itemsize())],
                    self.plan.dtype,
                )
            }
            text => return Ok(format!("{text}\n")),
        }
        .map_err(|e| e.to_string())?;
        let seq = self.seq;
        self.seq += 1;
        Ok(Message::Array {
            seq,
            descriptor,
            pool: None,
        }
        .to_line())
    }

    /// Writes to the receiver, taking its output as it comes so neither
    /// side fills its pipe.
    fn write(&mut self, line: &str) -> Result<(), String> {
        let receiver = self.receiver.as_mut().ok_or("no receiver")?;
        let text = if line.ends_with('\n') {
            line.to_owned()
        } else {
            format!("{line}\n")
        };
        receiver
            .write_raw(text.as_bytes())
            .map_err(|e| e.to_string())?;
        self.drain()
    }

    /// Takes every line the receiver has written so far.
    fn drain(&mut self) -> Result<(), String> {
        while let Some(receiver) = self.receiver.as_mut() {
            match receiver.try_read_line().map_err(|e| e.to_string())? {
                Some(line) => self.take_printed(line)?,
                None => break,
            }
        }
        Ok(())
    }

    /// Keeps a line the receiver printed; a release goes on to the sender
    /// (which may be gone: then it is dropped, as a dead end's pipe would).
    fn take_printed(&mut self, line: String) -> Result<(), String> {
        let line = line.trim_end();
        if !line.starts_with('{') {
            self.lines.push(line.to_owned());
            return Ok(());
        }
        match Message::parse(line) {
            Ok(Message::Release { .. }) => {
                self.released += 1;
                if let Some(sender) = self.sender.as_mut() {
                    let _ = sender.write_raw(format!("{line}\n").as_bytes());
                }
                Ok(())
            }
            _ => Err(format!("the receiver printed {line:?}")),
        }
    }

    /// The `$stale` line: a lent array message forwarded before whose slot
    /// the stream has lent again since, as the next array.
    fn stale(&mut self) -> Result<String, String> {
        let lent: Vec<_> = self.stream[..self.forwarded]
            .iter()
            .filter_map(|l| match Message::parse(l) {
                Ok(Message::Array {
                    descriptor,
                    pool: Some(p),
                    ..
                }) => Some((descriptor, p)),
                _ => None,
            })
            .collect();
        let (descriptor, pool) = lent
            .iter()
            .find(|(_, p)| {
                lent.iter()
                    .any(|(_, q)| q.slot == p.slot && q.generation != p.generation)
            })
            .cloned()
            .ok_or("no slot of the stream was lent twice yet")?;
        let seq = self.seq;
        self.seq += 1;
        Ok(Message::Array {
            seq,
            descriptor,
            pool: Some(pool),
        }
        .to_line())
    }

    /// The `reuse-pool-name` step: another pool under the sender's pool's
    /// name, one slot of it filled as the next array and sent as that.
    fn reuse_pool_name(&mut self) -> Result<(), String> {
        let (name, slots, bytes) = match (self.names.first(), self.pool) {
            (Some(n), Some(slots)) => (n.clone(), slots as usize, self.plan.nbytes().max(1)),
            _ => return Err("no pool to reuse the name of".into()),
        };
        if self
            .sender
            .as_mut()
            .is_some_and(|s| s.wait(Instant::now()).is_none())
        {
            return Err("the sender still lives (its pool would unlink the new one)".into());
        }
        lease::unlink(&name).map_err(|e| format!("unlink the pool: {e}"))?;
        let mut pool = Pool::create_named(&name, slots, bytes).map_err(|e| e.to_string())?;
        let loan = pool
            .lend(&self.plan.shape, self.plan.dtype)
            .map_err(|e| e.to_string())?
            .ok_or("the new pool has no free slot")?;
        let value = crate::queue::value_for(self.plan.dtype, self.seq);
        let bytes = pool.bytes_mut(&loan).map_err(|e| e.to_string())?;
        shm_core::scalar::fill(self.plan.dtype, value, bytes).map_err(|e| e.to_string())?;
        let seq = self.seq;
        self.seq += 1;
        let line = Message::Array {
            seq,
            descriptor: loan.descriptor().clone(),
            pool: Some(loan.pool_ref()),
        }
        .to_line();
        self.replacement = Some(pool);
        self.write(&line)
    }

    /// Waits for the receiver's lines for arrays `0..upto`, and checks them.
    fn lines(&mut self, upto: u64) -> Result<(), String> {
        while (self.lines.len() as u64) < upto {
            let receiver = self.receiver.as_mut().ok_or("no receiver")?;
            let line = next_line(receiver, self.deadline, "the receiver", self.lines.len())?;
            self.take_printed(line)?;
        }
        self.drain()?;
        self.check_lines(upto)
    }

    /// The receiver's lines are exactly those of arrays `0..upto`.
    fn check_lines(&self, upto: u64) -> Result<(), String> {
        if self.lines.len() as u64 != upto {
            return Err(format!(
                "the receiver printed {} lines, expected {upto}",
                self.lines.len()
            ));
        }
        for (i, got) in self.lines.iter().enumerate() {
            let want = self.plan.line(i as u64).map_err(|e| e.to_string())?;
            if *got != want {
                return Err(format!("the receiver printed {got:?}, expected {want:?}"));
            }
        }
        Ok(())
    }

    /// The stream's segments that exist now.
    fn existing(&self) -> Vec<String> {
        self.names
            .iter()
            .filter(|n| !matches!(Segment::attach(n), Err(Error::NotFound { .. })))
            .cloned()
            .collect()
    }

    /// Ends both sides; removes (and returns) what the stream left behind.
    fn teardown(&mut self) -> Vec<String> {
        let grace = Instant::now() + GRACE;
        if self.stalled {
            if let Some(receiver) = self.receiver.as_mut() {
                receiver.kill();
            }
        }
        for end in [self.sender.as_mut(), self.receiver.as_mut()]
            .into_iter()
            .flatten()
        {
            end.close_stdin();
            if end.wait(grace).is_none() {
                end.kill();
            }
        }
        self.sender = None;
        self.receiver = None;
        self.replacement = None;
        let mut left = self.existing();
        for n in &self.names {
            let _ = lease::unlink(n);
        }
        // Segments the sender made for the stream that the runner never
        // read of (a run that failed half-way): found by their leases.
        for l in lease::list() {
            if l.stream.as_ref().map(|k| &k.id) == self.stream_id.as_ref()
                && self.stream_id.is_some()
                && lease::unlink(&l.name).is_ok()
            {
                left.push(l.name);
            }
        }
        left
    }
}

/// The next line `end` writes by `deadline`, or how it stopped: `who`, the
/// `before` lines it wrote first, its exit and its stderr.
fn next_line(
    end: &mut ChildProc,
    deadline: Instant,
    who: &str,
    before: usize,
) -> Result<String, String> {
    match end.read_line(deadline) {
        Ok(Some(line)) => Ok(line),
        Ok(None) => {
            let exit = end.wait(deadline);
            Err(format!(
                "{who} stopped after {before} lines ({}): {}",
                exit.map(|e| e.to_string()).unwrap_or_default(),
                end.stderr().trim()
            ))
        }
        Err(e) => Err(format!("{who}: {e}")),
    }
}

/// The exit code for a forked queue end's result (its error is the exit
/// code's; a forked child's stderr is the runner's, kept for the report).
#[cfg(unix)]
fn code(result: Result<(), Error>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => i32::from(Kind::from(e.kind()).exit_code()),
    }
}

fn this_binary() -> Result<Vec<String>, String> {
    std::env::current_exe()
        .map(|p| vec![p.to_string_lossy().into_owned()])
        .map_err(|e| format!("current_exe: {e}"))
}
