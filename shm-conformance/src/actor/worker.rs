//! The worker: performs resolved [`Request`]s with shm-core on behalf of
//! one actor, and answers each with a [`Reply`].
//!
//! The same worker runs in the runner process (the parent) and in every
//! child, forked or spawned. Replies carry either a value as text or a typed
//! error kind, so cases can expect errors as data.

use shm_core::foreign::sharedarray;
use shm_core::{DType, Descriptor, Error, LeasedSegment, Scalar, Segment, SharedArray};
use shm_protocol::create::CreatePlan;
use shm_protocol::form::Form;

use super::request::{Reply, Request};

/// Performs operations on behalf of one actor; holds at most one array.
#[derive(Default)]
pub struct Worker {
    array: Option<SharedArray>,
}

type Answer = Result<String, Reply>;

fn err(e: Error) -> Reply {
    Reply::from_error(&e)
}

impl Worker {
    /// Performs `op`. `KillSelf` and `Exit` are the caller's to act on.
    pub fn perform(&mut self, op: &Request) -> Reply {
        match self.try_perform(op) {
            Ok(text) => Reply::Ok(text),
            Err(reply) => reply,
        }
    }

    fn array(&self) -> Result<&SharedArray, Reply> {
        self.array
            .as_ref()
            .ok_or_else(|| err(Error::InvalidArgument("no array is attached".into())))
    }

    fn array_mut(&mut self) -> Result<&mut SharedArray, Reply> {
        self.array
            .as_mut()
            .ok_or_else(|| err(Error::InvalidArgument("no array is attached".into())))
    }

    fn segment_mut(&mut self) -> Result<&mut LeasedSegment, Reply> {
        self.array_mut()?
            .segment_mut()
            .ok_or_else(|| err(Error::InvalidArgument("the array has no segment".into())))
    }

    /// Performs one of the peer protocol's operations with the one
    /// interpreter every Rust peer uses.
    fn peer_op(&mut self, op: &Request) -> Answer {
        let Some(peer_op) = op.peer_op() else {
            return Err(err(Error::InvalidArgument(format!(
                "{op:?} is not a peer operation"
            ))));
        };
        match peer_op.perform(self.array_mut()?) {
            Ok(line) => Ok(line.unwrap_or_else(|| "ok".into())),
            Err((kind, message)) => Err(Reply::Error { kind, message }),
        }
    }

    fn try_perform(&mut self, op: &Request) -> Answer {
        match op {
            Request::Create {
                shape,
                dtype,
                fill,
                name,
                layout,
            } => {
                let plan = CreatePlan {
                    shape: shape.clone(),
                    dtype: *dtype,
                    fill: fill
                        .as_deref()
                        .map(|f| Scalar::parse(*dtype, f))
                        .transpose()
                        .map_err(err)?,
                    name: name.clone(),
                    layout: *layout,
                    printed: Form::Canonical,
                };
                let (array, line) = plan.make().map_err(err)?;
                self.array = Some(array);
                Ok(line)
            }
            Request::CreateSegment { name, size } => {
                Segment::create(name, *size).map_err(err)?;
                Ok("ok".into())
            }
            Request::Attach { descriptor } => {
                // SharedArray's layout attaches by name, from the trailer.
                let d = match sharedarray::from_json(&descriptor.to_string()).map_err(err)? {
                    Some(d) => d,
                    None => Descriptor::from_value(descriptor).map_err(err)?,
                };
                self.array = None;
                self.array = Some(SharedArray::attach(&d).map_err(err)?);
                Ok("ok".into())
            }
            Request::View { dtype } => {
                typed_view(self.array()?, *dtype).map_err(err)?;
                Ok("ok".into())
            }
            Request::FillPart { parts, part, value } => {
                let a = self.array_mut()?;
                let dtype = a.descriptor().dtype();
                let v = Scalar::parse(dtype, value).map_err(err)?;
                let (start, end) = part_range(a.descriptor().len(), *parts, *part);
                let size = dtype.itemsize();
                for chunk in a.bytes_mut()[start * size..end * size].chunks_exact_mut(size) {
                    v.to_bytes(dtype, chunk).map_err(err)?;
                }
                Ok("ok".into())
            }
            Request::CheckParts { parts, value, upto } => {
                let a = self.array()?;
                let dtype = a.descriptor().dtype();
                let len = a.descriptor().len();
                for part in 0..upto.unwrap_or(*parts) {
                    let text = value.clone().unwrap_or_else(|| (part + 1).to_string());
                    let want = Scalar::parse(dtype, &text).map_err(err)?;
                    let (start, end) = part_range(len, *parts, part);
                    check_elements(a, start..end, |_| want)?;
                }
                Ok("ok".into())
            }
            Request::Unlink { name } => {
                if name_is_current(self, name) {
                    self.segment_mut()?.unlink().map_err(err)?;
                } else {
                    shm_core::lease::unlink(name).map_err(err)?;
                }
                Ok("ok".into())
            }
            Request::Probe { name } => {
                Segment::attach(name).map_err(err)?;
                Ok("exists".into())
            }
            Request::Mode => {
                let mode = self
                    .array()?
                    .segment()
                    .and_then(Segment::mode)
                    .ok_or_else(|| err(Error::InvalidArgument("no permission bits here".into())))?;
                Ok(format!("{mode:04o}"))
            }
            Request::Disown => {
                self.segment_mut()?.disown();
                Ok("ok".into())
            }
            Request::Adopt => {
                self.segment_mut()?.adopt();
                Ok("ok".into())
            }
            Request::Close => {
                self.array = None;
                Ok("ok".into())
            }
            Request::Clean { name } => {
                let decided = shm_core::lease::reclaim(Some(name), false).map_err(err)?;
                Ok(decided
                    .first()
                    .map_or("no-lease", |(_, v)| v.word())
                    .to_owned())
            }
            Request::Sleep { ms } => {
                std::thread::sleep(std::time::Duration::from_millis(*ms));
                Ok("ok".into())
            }
            Request::WriteLoop { ms } => {
                let a = self.array_mut()?;
                let deadline = std::time::Instant::now() + std::time::Duration::from_millis(*ms);
                let bytes = a.bytes_mut();
                let mut i = 0usize;
                while std::time::Instant::now() < deadline && !bytes.is_empty() {
                    bytes[i % bytes.len()] = bytes[i % bytes.len()].wrapping_add(1);
                    i = i.wrapping_add(1);
                }
                Ok("ok".into())
            }
            Request::KillSelf | Request::Exit => Ok("ok".into()),
            Request::Get { .. }
            | Request::Set { .. }
            | Request::Sum
            | Request::Fill { .. }
            | Request::Emit
            | Request::Pattern { .. }
            | Request::CheckPattern { .. } => self.peer_op(op),
        }
    }
}

fn name_is_current(w: &Worker, name: &str) -> bool {
    w.array
        .as_ref()
        .and_then(|a| a.descriptor().name())
        .is_some_and(|n| n == name.trim_start_matches('/'))
}

/// Elements `[start, end)` of part `part` of `parts` equal slabs of `len`.
pub fn part_range(len: usize, parts: usize, part: usize) -> (usize, usize) {
    let parts = parts.max(1);
    (len * part / parts, len * (part + 1) / parts)
}

fn check_elements(
    a: &SharedArray,
    range: std::ops::Range<usize>,
    want: impl Fn(usize) -> Scalar,
) -> Result<(), Reply> {
    let dtype = a.descriptor().dtype();
    let size = dtype.itemsize();
    let bytes = a.bytes();
    for i in range {
        let found = Scalar::from_bytes(dtype, &bytes[i * size..(i + 1) * size]).map_err(err)?;
        let expected = want(i);
        if !found.same_value(&expected) {
            return Err(Reply::mismatch(format!(
                "element {i} (flat): expected {expected}, found {found}"
            )));
        }
    }
    Ok(())
}

/// Makes (and drops) a typed view of `want`, to exercise the element check.
fn typed_view(a: &SharedArray, want: DType) -> Result<(), Error> {
    use shm_core::{Complex, f16};
    macro_rules! try_types {
        ($($t:ty),*) => {
            $(
                if <$t as shm_core::Element>::dtype() == want.native() {
                    return a.view::<$t>().map(drop);
                }
            )*
        };
    }
    try_types!(
        bool,
        i8,
        i16,
        i32,
        i64,
        u8,
        u16,
        u32,
        u64,
        f16,
        f32,
        f64,
        Complex<f32>,
        Complex<f64>
    );
    Err(Error::UnsupportedDtype {
        input: want.to_string(),
        reason: "no Rust element type".into(),
    })
}
