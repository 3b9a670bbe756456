//! [`Relay`]: the runner in the middle of a queue's stream. It reads every
//! line the sender writes (so it knows every segment the stream carries),
//! writes to the receiver what the steps say, takes the receiver's lines
//! as they come (so neither side fills its pipe), and for a pool case
//! carries each release the receiver prints back to the sender's stdin.

use std::time::{Duration, Instant};

use shm_core::queue::wire::Message;

use crate::process::ChildProc;

/// Both ends' processes and everything read from and written to them.
pub(super) struct Relay {
    /// The sending end, once started (`None` again once let go of).
    pub(super) sender: Option<ChildProc>,
    /// The receiving end, once started.
    pub(super) receiver: Option<ChildProc>,
    /// When the run's time is up.
    pub(super) deadline: Instant,
    /// The pool's slots, for a pool case.
    pub(super) pool: Option<u64>,
    /// The sender's lines, as read: open, arrays, end.
    pub(super) stream: Vec<String>,
    /// The segments the stream carries, in order.
    pub(super) names: Vec<String>,
    /// How many array messages the sender wrote so far.
    pub(super) arrays: u64,
    /// The sender's end message was read.
    pub(super) sender_done: bool,
    /// The stream's id, from its open message.
    pub(super) stream_id: Option<String>,
    /// How many of `stream`'s lines went to the receiver.
    pub(super) forwarded: usize,
    /// The next array message's sequence number, as the receiver counts.
    pub(super) seq: u64,
    /// How many releases went back to the sender.
    pub(super) released: u64,
    /// The receiver's output lines so far (its releases aside).
    pub(super) printed: Vec<String>,
}

impl Relay {
    /// A relay with no ends yet.
    pub(super) fn new(deadline: Instant, pool: Option<u64>) -> Relay {
        Relay {
            sender: None,
            receiver: None,
            deadline,
            pool,
            stream: Vec::new(),
            names: Vec::new(),
            arrays: 0,
            sender_done: false,
            stream_id: None,
            forwarded: 0,
            seq: 0,
            released: 0,
            printed: Vec::new(),
        }
    }

    /// Reads the started sender's stream to the end message, or, for a
    /// pool sender of `count` arrays, as far as its slots let it write.
    pub(super) fn read_stream(&mut self, count: u64) -> Result<(), String> {
        while !self.sender_done {
            // A pool sender with more arrays than slots waits for releases.
            if self
                .pool
                .is_some_and(|slots| count > slots && self.arrays >= slots)
            {
                break;
            }
            let sender = self.sender.as_mut().ok_or("no sender")?;
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

    /// Forwards the stream's lines through array `upto` (exclusive), or all
    /// (for a pool case, reading the sender's lines as its slots come back).
    pub(super) fn forward(&mut self, upto: Option<u64>) -> Result<(), String> {
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

    /// Writes a line to the receiver, taking its output as it comes so
    /// neither side fills its pipe.
    pub(super) fn write(&mut self, line: &str) -> Result<(), String> {
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
    pub(super) fn drain(&mut self) -> Result<(), String> {
        while let Some(receiver) = self.receiver.as_mut() {
            match receiver.try_read_line().map_err(|e| e.to_string())? {
                Some(line) => self.take_printed(line)?,
                None => break,
            }
        }
        Ok(())
    }

    /// Waits until the receiver has printed `upto` lines.
    pub(super) fn wait_printed(&mut self, upto: u64) -> Result<(), String> {
        while (self.printed.len() as u64) < upto {
            let receiver = self.receiver.as_mut().ok_or("no receiver")?;
            let line = next_line(receiver, self.deadline, "the receiver", self.printed.len())?;
            self.take_printed(line)?;
        }
        self.drain()
    }

    /// Keeps a line the receiver printed; a release goes on to the sender
    /// (which may be gone: then it is dropped, as a dead end's pipe would).
    fn take_printed(&mut self, line: String) -> Result<(), String> {
        let line = line.trim_end();
        if !line.starts_with('{') {
            self.printed.push(line.to_owned());
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

    /// The messages forwarded so far, parsed.
    pub(super) fn forwarded_messages(&self) -> impl Iterator<Item = Message> + '_ {
        self.stream[..self.forwarded]
            .iter()
            .filter_map(|l| Message::parse(l).ok())
    }

    /// The messages not forwarded yet, parsed.
    pub(super) fn pending_messages(&self) -> impl Iterator<Item = Message> + '_ {
        self.stream[self.forwarded..]
            .iter()
            .filter_map(|l| Message::parse(l).ok())
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
