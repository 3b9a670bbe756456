//! One property case through one peer, both ways, with the runner's own
//! foreign-peer driver ([`Foreign`]):
//!
//! - Rust creates: a segment of the case's size, bytes outside the array
//!   set to [`OUTSIDE`], the array at its offset and order with the
//!   creator's pattern; the peer attaches and `check-pattern`s it, reads
//!   one element by index (so the order it gives indices is checked), then
//!   writes the attacher's pattern, which Rust checks bit for bit (and that
//!   nothing outside the array changed).
//! - The peer creates (`create --shape --dtype`, held), one of its attaching
//!   processes writes the creator's pattern, Rust attaches and checks every
//!   element's bits, writes the attacher's pattern, and the peer
//!   `check-pattern`s it; when the creator is released its segment must be
//!   gone.
//!
//! Values travel only as pattern seeds, never as text, so the property is
//! about the bits. The attaching peer is one [`Foreign`] kept across cases,
//! so a peer with `serve` starts once per run; it is restarted after a
//! failure. Every segment made here is dropped (unlinked) on every path.

use std::time::{Duration, Instant};

use serde_json::Value;
use shm_core::foreign::sharedarray;
use shm_core::{DType, Descriptor, LeasedSegment, Scalar, SharedArray};
use shm_protocol::create::Layout;
use shm_protocol::pattern;

use super::case::{Creator, OUTSIDE, PropCase, unravel};
use crate::actor::{Reply, Request};
use crate::peer::PeerSpec;
use crate::runner::{PeerActor, Processes};

/// A peer to run cases through.
pub(super) struct Exchange {
    spec: PeerSpec,
    attacher: PeerActor,
    procs: Processes,
    timeout: Duration,
    /// Whether the attacher failed as a process (not as an answer), so it
    /// must be restarted.
    broken: bool,
}

/// A peer's creator, released (stdin closed, waited for) however the case
/// ends.
struct Held(Option<PeerActor>, Duration);

impl Held {
    /// Releases the creator: it must unlink and exit 0 (section 5.2).
    fn release(mut self) -> Result<(), String> {
        match self.0.take() {
            Some(mut creator) => creator.finish(Instant::now() + self.1, None),
            None => Ok(()),
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(mut creator) = self.0.take() {
            // A case that failed already: how the creator ends adds nothing.
            let _ = creator.finish(Instant::now() + self.1, None);
        }
    }
}

impl Exchange {
    /// An exchange with the peer `spec`, its processes started by `procs`,
    /// each operation given `timeout`.
    pub(super) fn new(spec: PeerSpec, procs: Processes, timeout: Duration) -> Exchange {
        Exchange {
            attacher: PeerActor::new(spec.clone()),
            procs,
            spec,
            timeout,
            broken: false,
        }
    }

    /// Ends the attaching peer's processes.
    pub(super) fn finish(&mut self) {
        // The attacher created nothing, so it has no release to check.
        let _ = self.attacher.finish(self.deadline(), None);
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.timeout
    }

    /// Runs `case` (its creator creates, the other side attaches); the
    /// error says which way it ran and how it failed.
    pub(super) fn run(&mut self, case: &PropCase) -> Result<(), String> {
        let result = match case.creator {
            Creator::Rust => self
                .rust_creates(case)
                .map_err(|e| format!("rust creates, {} attaches: {e}", self.spec.name)),
            Creator::Peer => self
                .peer_creates(case)
                .map_err(|e| format!("{} creates, rust attaches: {e}", self.spec.name)),
        };
        if self.broken {
            // A fresh attacher for the next case: nothing of this one lingers.
            self.finish();
            self.attacher = PeerActor::new(self.spec.clone());
            self.broken = false;
        }
        result
    }

    /// Performs `op` with the attaching peer; a failure is an error.
    fn ask(&mut self, op: &Request, what: &str) -> Result<String, String> {
        let deadline = self.deadline();
        match self.attacher.perform(op, deadline, &mut self.procs) {
            Ok(Reply::Ok(text)) => Ok(text),
            Ok(Reply::Error { kind, message }) => Err(format!("peer {what}: {kind}: {message}")),
            Err(e) => {
                self.broken = true;
                Err(format!("peer {what}: {e}"))
            }
        }
    }

    fn rust_creates(&mut self, case: &PropCase) -> Result<(), String> {
        let dtype = case.dtype;
        let (start, end) = (case.offset, case.offset + case.count() * dtype.itemsize());
        if self.spec.layout == Layout::SharedArray {
            let mut a = sharedarray::create(None, &case.shape, dtype).map_err(|e| e.to_string())?;
            pattern::write(dtype, a.bytes_mut(), case.seed).map_err(|e| e.to_string())?;
            let json = sharedarray::descriptor_json(a.descriptor());
            let descriptor: Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
            self.peer_checks_then_writes(descriptor, case)?;
            return compare(dtype, a.bytes(), case.write_seed);
        }
        let size = case.segment_size()?;
        let mut segment = LeasedSegment::create_unique(size).map_err(|e| e.to_string())?;
        let bytes = segment.as_bytes_mut();
        bytes.fill(OUTSIDE);
        pattern::write(dtype, &mut bytes[start..end], case.seed).map_err(|e| e.to_string())?;
        let name = segment.segment().name().to_owned();
        let descriptor = case.descriptor(&name, Some(size))?.to_value();
        self.peer_checks_then_writes(descriptor, case)?;
        let bytes = segment.as_bytes_mut();
        if let Some(at) = (0..size).find(|&i| (i < start || i >= end) && bytes[i] != OUTSIDE) {
            return Err(format!(
                "byte {at} of the segment, outside the array (bytes {start}..{end}), changed to {:#04x}",
                bytes[at]
            ));
        }
        compare(dtype, &bytes[start..end], case.write_seed)
    }

    fn peer_checks_then_writes(
        &mut self,
        descriptor: Value,
        case: &PropCase,
    ) -> Result<(), String> {
        self.ask(&Request::Attach { descriptor }, "attach")?;
        let seed = case.seed;
        self.ask(
            &Request::CheckPattern { seed },
            &format!("check-pattern {seed}"),
        )?;
        self.get_by_index(case)?;
        let seed = case.write_seed;
        self.ask(&Request::Pattern { seed }, &format!("pattern {seed}"))?;
        Ok(())
    }

    /// Reads the element at memory position 1 (0 when there is one) by its
    /// index, so that the order the peer gives indices is checked too; the
    /// printed value compares by value (text carries no NaN payloads).
    fn get_by_index(&mut self, case: &PropCase) -> Result<(), String> {
        let count = case.count();
        if count == 0 {
            return Ok(());
        }
        let dtype = case.dtype;
        let j = usize::from(count > 1);
        let index = unravel(j, &case.shape, case.order);
        let text = self.ask(
            &Request::Get {
                index: index.iter().map(|&i| i as i64).collect(),
            },
            &format!("get {index:?}"),
        )?;
        let want = pattern::stored(dtype, j, case.seed);
        // As stored: the text read at the element's own width.
        let mut buf = [0u8; 16];
        let buf = &mut buf[..dtype.itemsize()];
        let stored = Scalar::parse(dtype, &text)
            .and_then(|v| v.to_bytes(dtype, buf))
            .and_then(|()| Scalar::from_bytes(dtype, buf));
        match stored {
            Ok(found) if found.same_value(&want) => Ok(()),
            Ok(_) => Err(format!(
                "peer get {index:?} (memory position {j} in {} order) printed {text}, expected {want}",
                case.order.as_str()
            )),
            Err(e) => Err(format!("peer get {index:?} printed {text:?}: {e}")),
        }
    }

    fn peer_creates(&mut self, case: &PropCase) -> Result<(), String> {
        let dtype = case.dtype;
        let deadline = self.deadline();
        let mut held = Held(Some(PeerActor::new(self.spec.clone())), self.timeout);
        let create = Request::Create {
            shape: case.shape.clone(),
            dtype,
            fill: None,
            name: None,
            layout: Layout::Bare,
        };
        let creator = held.0.as_mut().expect("made above");
        let line = match creator.perform(&create, deadline, &mut self.procs) {
            Ok(Reply::Ok(line)) => line,
            Ok(Reply::Error { kind, message }) => return Err(format!("create: {kind}: {message}")),
            Err(e) => return Err(format!("create: {e}")),
        };
        let d = match sharedarray::from_json(&line).map_err(|e| e.to_string())? {
            Some(d) => d,
            None => {
                Descriptor::from_json(&line).map_err(|e| format!("create printed {line}: {e}"))?
            }
        };
        if d.shape() != case.shape.as_slice() || d.dtype() != dtype {
            return Err(format!(
                "create printed shape {:?} dtype {}, asked for {:?} {}",
                d.shape(),
                d.dtype(),
                case.shape,
                dtype
            ));
        }
        let value: Value = serde_json::from_str(&line).map_err(|e| e.to_string())?;
        self.ask(&Request::Attach { descriptor: value }, "attach")?;
        let seed = case.seed;
        self.ask(&Request::Pattern { seed }, &format!("pattern {seed}"))?;
        {
            let mut a = SharedArray::attach(&d).map_err(|e| format!("rust attach: {e}"))?;
            compare(dtype, a.bytes(), case.seed)?;
            pattern::write(dtype, a.bytes_mut(), case.write_seed).map_err(|e| e.to_string())?;
        }
        let seed = case.write_seed;
        self.ask(
            &Request::CheckPattern { seed },
            &format!("check-pattern {seed}"),
        )?;
        held.release()?;
        left_behind(d.name())
    }
}

/// Checks every element of `bytes` against the pattern `seed`, bit for bit.
fn compare(dtype: DType, bytes: &[u8], seed: u64) -> Result<(), String> {
    let mut want = vec![0u8; bytes.len()];
    pattern::write(dtype, &mut want, seed).map_err(|e| e.to_string())?;
    let n = dtype.itemsize();
    let wrong = bytes
        .chunks_exact(n)
        .zip(want.chunks_exact(n))
        .position(|(found, want)| found != want);
    let Some(i) = wrong else { return Ok(()) };
    let text = |b: &[u8]| {
        let value = Scalar::from_bytes(dtype, b).map_or_else(|e| e.to_string(), |v| v.to_string());
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!("{value} (bytes {hex})")
    };
    Err(format!(
        "element {i} (memory order) of pattern {seed}: expected {}, found {}",
        text(&want[i * n..(i + 1) * n]),
        text(&bytes[i * n..(i + 1) * n])
    ))
}

/// Fails, and removes it, when the released creator left its segment.
fn left_behind(name: Option<&str>) -> Result<(), String> {
    let Some(name) = name else { return Ok(()) };
    if !cfg!(unix) || shm_core::Segment::attach(name).is_err() {
        return Ok(());
    }
    let _ = shm_core::lease::unlink(name);
    Err(format!(
        "the released creator left its segment {name} (removed now)"
    ))
}
