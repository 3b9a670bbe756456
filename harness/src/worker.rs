//! The worker: performs resolved [`Request`]s with shm-core on behalf of
//! one actor, and answers each with a [`Reply`].
//!
//! The same worker runs in the runner process (the parent) and in every
//! child, forked or spawned. Replies carry either a value as text or a typed
//! error kind, so cases can expect errors as data.

use shm_core::foreign::sharedarray;
use shm_core::{DType, Descriptor, Error, LeasedSegment, Scalar, Segment, SharedArray};

use crate::pattern;
use crate::request::{Reply, Request};

/// Performs operations on behalf of one actor; holds at most one array.
#[derive(Default)]
pub(crate) struct Worker {
    array: Option<SharedArray>,
}

type Answer = Result<String, Reply>;

fn err(e: Error) -> Reply {
    Reply::from_error(&e)
}

impl Worker {
    /// Performs `op`. `KillSelf` and `Exit` are the caller's to act on.
    pub(crate) fn perform(&mut self, op: &Request) -> Reply {
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

    fn try_perform(&mut self, op: &Request) -> Answer {
        match op {
            Request::Create {
                shape,
                dtype,
                fill,
                name,
                layout,
            } => {
                let dtype = DType::parse(dtype).map_err(err)?;
                let fill = fill
                    .as_deref()
                    .map(|f| Scalar::parse(dtype, f))
                    .transpose()
                    .map_err(err)?;
                let mut array = match layout.as_deref() {
                    None => SharedArray::create_dtype(name.as_deref(), shape, dtype),
                    Some(sharedarray::LAYOUT) => sharedarray::create(name.as_deref(), shape, dtype),
                    Some(other) => Err(Error::InvalidArgument(format!("unknown layout {other:?}"))),
                }
                .map_err(err)?;
                if let Some(v) = fill {
                    array.fill(v).map_err(err)?;
                }
                let json = match layout {
                    Some(_) => sharedarray::descriptor_json(array.descriptor()),
                    None => array.descriptor().to_json(),
                };
                self.array = Some(array);
                Ok(json)
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
                let a = self.array()?;
                let want = DType::parse(dtype).map_err(err)?;
                typed_view(a, want).map_err(err)?;
                Ok("ok".into())
            }
            Request::Set { index, value } => {
                let a = self.array_mut()?;
                let index = resolve_index(a.descriptor().shape(), index)?;
                let v = Scalar::parse(a.descriptor().dtype(), value).map_err(err)?;
                a.set(&index, v).map_err(err)?;
                Ok("ok".into())
            }
            Request::Get { index } => {
                let a = self.array()?;
                let index = resolve_index(a.descriptor().shape(), index)?;
                Ok(a.get(&index).map_err(err)?.to_string())
            }
            Request::Sum => Ok(self.array()?.sum().map_err(err)?.to_string()),
            Request::Fill { value } => {
                let a = self.array_mut()?;
                let v = Scalar::parse(a.descriptor().dtype(), value).map_err(err)?;
                a.fill(v).map_err(err)?;
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
            Request::Pattern { seed } => {
                let a = self.array_mut()?;
                let dtype = a.descriptor().dtype();
                pattern::write(dtype, a.bytes_mut(), *seed).map_err(err)?;
                Ok("ok".into())
            }
            Request::CheckPattern { seed } => {
                let a = self.array()?;
                match pattern::check(a.descriptor().dtype(), a.bytes(), *seed).map_err(err)? {
                    None => Ok("ok".into()),
                    Some(wrong) => Err(Reply::mismatch(wrong)),
                }
            }
            Request::Emit => Ok(self.array()?.descriptor().to_json()),
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
                    .map_or("no-lease", |(_, v)| verdict_word(*v))
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
        }
    }
}

/// A verdict as cases and `shm-harness clean` spell it.
pub(crate) fn verdict_word(v: shm_core::lease::Verdict) -> &'static str {
    use shm_core::lease::Verdict;
    match v {
        Verdict::Reclaimed => "reclaimed",
        Verdict::AlreadyGone => "already-gone",
        Verdict::HolderAlive => "holder-alive",
        Verdict::HandedOver => "handed-over",
        Verdict::Lent => "lent",
    }
}

fn name_is_current(w: &Worker, name: &str) -> bool {
    w.array
        .as_ref()
        .and_then(|a| a.descriptor().name())
        .is_some_and(|n| n == name.trim_start_matches('/'))
}

/// Elements `[start, end)` of part `part` of `parts` equal slabs of `len`.
pub(crate) fn part_range(len: usize, parts: usize, part: usize) -> (usize, usize) {
    let parts = parts.max(1);
    (len * part / parts, len * (part + 1) / parts)
}

/// Negative indices count from the end, as in Python.
fn resolve_index(shape: &[usize], index: &[i64]) -> Result<Vec<usize>, Reply> {
    if index.len() != shape.len() {
        return Err(err(Error::InvalidArgument(format!(
            "index {index:?} has {} dimensions, the array {}",
            index.len(),
            shape.len()
        ))));
    }
    index
        .iter()
        .zip(shape)
        .map(|(&i, &n)| {
            let r = if i < 0 { n as i64 + i } else { i };
            usize::try_from(r).ok().filter(|&r| r < n).ok_or_else(|| {
                err(Error::InvalidArgument(format!(
                    "index {index:?} is outside {shape:?}"
                )))
            })
        })
        .collect()
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
