//! The operations a case's actors perform, and the worker that performs
//! them with shm-core.
//!
//! The same [`Worker`] runs in the runner process (the parent) and in every
//! child, forked or spawned; requests and replies travel between them as
//! JSON lines. Replies carry either a value as text or a typed error kind
//! (the `shm_core::Error` variant name), so cases can expect errors as data.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shm_core::foreign::sharedarray;
use shm_core::{DType, Descriptor, Error, Scalar, Segment, SharedArray};

use crate::pattern;

/// One operation, as cases spell it (`op = "set"`) and as it travels.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) enum Op {
    /// Create a zero-filled (or `fill`ed) array; replies with its descriptor.
    /// Shape and dtype default to the case's.
    Create {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shape: Option<Vec<usize>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dtype: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fill: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// `sharedarray`: SharedArray's layout (data, then a shape and dtype
        /// trailer); the reply carries `"layout": "sharedarray"`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        layout: Option<String>,
    },
    /// Create a raw segment of `size` bytes (the name defaults to the
    /// current array's); the segment is dropped (unlinked) at once.
    CreateSegment {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        size: usize,
    },
    /// Attach to the current descriptor (the runner fills `descriptor` in,
    /// from `form` and `override`).
    Attach {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        descriptor: Option<Value>,
        /// `canonical` (default), `short` (the seeds' three keys) or `wetlands`.
        #[serde(default, skip_serializing)]
        form: Option<String>,
        /// Keys replaced in the descriptor before it is sent.
        #[serde(default, rename = "override", skip_serializing)]
        overrides: Option<serde_json::Map<String, Value>>,
    },
    /// Make a typed view of `dtype` (a numpy name); replies `ok`.
    View { dtype: String },
    /// Write one element.
    Set { index: Vec<i64>, value: String },
    /// Read one element.
    Get { index: Vec<i64> },
    /// Sum of all elements.
    Sum,
    /// Write every element.
    Fill { value: String },
    /// Write `value` into part `part` of `parts` equal slabs (by flat index);
    /// the runner numbers the actors of a parallel step as parts, and the
    /// value defaults to part + 1.
    FillPart {
        parts: usize,
        #[serde(default)]
        part: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    /// Check that each part k of `parts` holds `value` (default k + 1).
    CheckParts {
        parts: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        /// Only the first `upto` parts are checked (default: all).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upto: Option<usize>,
    },
    /// Write the deterministic pattern into every element.
    Pattern { seed: u64 },
    /// Check every element against the pattern; replies `ok`.
    CheckPattern { seed: u64 },
    /// The attached array's canonical descriptor.
    Emit,
    /// Unlink the current array's name (or `name`).
    Unlink {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// Attach by name only, to see whether the segment exists; replies
    /// `exists` or fails with `NotFound`.
    Probe {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// The segment's permission bits in octal (`0600`).
    Mode,
    /// Stop owning the current segment (it outlives this process).
    Disown,
    /// Take ownership of the current segment (dropping it will unlink).
    Adopt,
    /// Drop the current array (an owner unlinks).
    Close,
    /// Decide the lease of the current segment (or `name`) as `shm-harness
    /// clean` does, reclaiming it if its holder is gone; replies the verdict
    /// (`reclaimed`, `already-gone`, `holder-alive`, `handed-over`) or
    /// `no-lease`.
    Clean {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// Sleep, to test timeouts.
    Sleep { ms: u64 },
    /// Write elements round-robin for `ms` milliseconds (or until killed).
    WriteLoop { ms: u64 },
    /// Kill this process with SIGKILL (Unix) or abort (Windows).
    KillSelf,
    /// (Parent only.) SIGKILL the child `target` after a random delay of up
    /// to `max_delay_ms`.
    Kill {
        target: String,
        #[serde(default)]
        max_delay_ms: u64,
    },
    /// End this actor normally: drop everything and exit 0.
    Exit,
}

/// What an actor answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reply {
    /// Success, with the value as text (`ok` when there is none).
    Ok(String),
    /// A typed failure.
    Error { kind: String, message: String },
}

impl Reply {
    fn from_error(e: &Error) -> Reply {
        Reply::Error {
            kind: error_kind(e).into(),
            message: e.to_string(),
        }
    }

    pub(crate) fn mismatch(message: String) -> Reply {
        Reply::Error {
            kind: "Mismatch".into(),
            message,
        }
    }
}

/// The variant name of an error, as cases name expected errors.
pub(crate) fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::NotFound { .. } => "NotFound",
        Error::AlreadyExists { .. } => "AlreadyExists",
        Error::SizeMismatch { .. } => "SizeMismatch",
        Error::DtypeMismatch { .. } => "DtypeMismatch",
        Error::NonNativeByteOrder { .. } => "NonNativeByteOrder",
        Error::InvalidName { .. } => "InvalidName",
        Error::InvalidDescriptor(_) => "InvalidDescriptor",
        Error::UnsupportedDtype { .. } => "UnsupportedDtype",
        Error::InvalidArgument(_) => "InvalidArgument",
        Error::InvalidData(_) => "InvalidData",
        Error::OutOfSpace { .. } => "OutOfSpace",
        Error::PermissionDenied { .. } => "PermissionDenied",
        Error::Os { .. } => "Os",
        _ => "Other",
    }
}

/// Performs operations on behalf of one actor; holds at most one array.
#[derive(Default)]
pub(crate) struct Worker {
    array: Option<SharedArray>,
}

type OpResult = Result<String, Reply>;

fn err(e: Error) -> Reply {
    Reply::from_error(&e)
}

impl Worker {
    /// A worker holding an already attached array.
    pub(crate) fn with_array(array: SharedArray) -> Worker {
        Worker { array: Some(array) }
    }

    /// Performs `op`. `KillSelf` and `Exit` are the caller's to act on.
    pub(crate) fn perform(&mut self, op: &Op) -> Reply {
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

    fn current_name(&self, name: &Option<String>) -> Result<String, Reply> {
        match name {
            Some(n) => Ok(n.clone()),
            None => self
                .array()?
                .descriptor()
                .name()
                .map(str::to_owned)
                .ok_or_else(|| err(Error::InvalidArgument("the array has no segment".into()))),
        }
    }

    fn segment_mut(&mut self) -> Result<&mut shm_core::LeasedSegment, Reply> {
        self.array_mut()?
            .segment_mut()
            .ok_or_else(|| err(Error::InvalidArgument("the array has no segment".into())))
    }

    fn try_perform(&mut self, op: &Op) -> OpResult {
        match op {
            Op::Create {
                shape,
                dtype,
                fill,
                name,
                layout,
            } => {
                let shape = shape.clone().unwrap_or_default();
                let dtype = DType::parse(dtype.as_deref().unwrap_or("float64")).map_err(err)?;
                let fill = fill
                    .as_deref()
                    .map(|f| Scalar::parse(dtype, f))
                    .transpose()
                    .map_err(err)?;
                let mut array = match layout.as_deref() {
                    None => SharedArray::create_dtype(name.as_deref(), &shape, dtype),
                    Some(sharedarray::LAYOUT) => {
                        sharedarray::create(name.as_deref(), &shape, dtype)
                    }
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
            Op::CreateSegment { name, size } => {
                let name = self.current_name(name)?;
                Segment::create(&name, *size).map_err(err)?;
                Ok("ok".into())
            }
            Op::Attach { descriptor, .. } => {
                let value = descriptor.as_ref().ok_or_else(|| {
                    err(Error::InvalidDescriptor("attach needs a descriptor".into()))
                })?;
                // SharedArray's layout attaches by name, from the trailer.
                let d = match sharedarray::from_json(&value.to_string()).map_err(err)? {
                    Some(d) => d,
                    None => Descriptor::from_value(value).map_err(err)?,
                };
                self.array = None;
                self.array = Some(SharedArray::attach(&d).map_err(err)?);
                Ok("ok".into())
            }
            Op::View { dtype } => {
                let a = self.array()?;
                let want = DType::parse(dtype).map_err(err)?;
                typed_view(a, want).map_err(err)?;
                Ok("ok".into())
            }
            Op::Set { index, value } => {
                let a = self.array_mut()?;
                let index = resolve_index(a.descriptor().shape(), index)?;
                let v = Scalar::parse(a.descriptor().dtype(), value).map_err(err)?;
                a.set(&index, v).map_err(err)?;
                Ok("ok".into())
            }
            Op::Get { index } => {
                let a = self.array()?;
                let index = resolve_index(a.descriptor().shape(), index)?;
                Ok(a.get(&index).map_err(err)?.to_string())
            }
            Op::Sum => Ok(self.array()?.sum().map_err(err)?.to_string()),
            Op::Fill { value } => {
                let a = self.array_mut()?;
                let v = Scalar::parse(a.descriptor().dtype(), value).map_err(err)?;
                a.fill(v).map_err(err)?;
                Ok("ok".into())
            }
            Op::FillPart { parts, part, value } => {
                let a = self.array_mut()?;
                let dtype = a.descriptor().dtype();
                let text = value.clone().unwrap_or_else(|| (part + 1).to_string());
                let v = Scalar::parse(dtype, &text).map_err(err)?;
                let (start, end) = part_range(a.descriptor().len(), *parts, *part);
                let size = dtype.itemsize();
                for chunk in a.bytes_mut()[start * size..end * size].chunks_exact_mut(size) {
                    v.to_bytes(dtype, chunk).map_err(err)?;
                }
                Ok("ok".into())
            }
            Op::CheckParts { parts, value, upto } => {
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
            Op::Pattern { seed } => {
                let a = self.array_mut()?;
                let dtype = a.descriptor().dtype();
                let size = dtype.itemsize();
                for (i, chunk) in a.bytes_mut().chunks_exact_mut(size).enumerate() {
                    pattern::value(dtype, i, *seed)
                        .to_bytes(dtype, chunk)
                        .map_err(err)?;
                }
                Ok("ok".into())
            }
            Op::CheckPattern { seed } => {
                let a = self.array()?;
                let dtype = a.descriptor().dtype();
                check_elements(a, 0..a.descriptor().len(), |i| {
                    // Compare as stored: the pattern narrowed to the dtype.
                    let mut buf = [0u8; 16];
                    let buf = &mut buf[..dtype.itemsize()];
                    pattern::value(dtype, i, *seed)
                        .to_bytes(dtype, buf)
                        .expect("patterns fit their dtype");
                    Scalar::from_bytes(dtype, buf).expect("one element")
                })?;
                Ok("ok".into())
            }
            Op::Emit => Ok(self.array()?.descriptor().to_json()),
            Op::Unlink { name } => {
                let name = self.current_name(name)?;
                if name_is_current(self, &name) {
                    self.segment_mut()?.unlink().map_err(err)?;
                } else {
                    shm_core::lease::unlink(&name).map_err(err)?;
                }
                Ok("ok".into())
            }
            Op::Probe { name } => {
                let name = self.current_name(name)?;
                Segment::attach(&name).map_err(err)?;
                Ok("exists".into())
            }
            Op::Mode => {
                let mode = self
                    .array()?
                    .segment()
                    .and_then(Segment::mode)
                    .ok_or_else(|| err(Error::InvalidArgument("no permission bits here".into())))?;
                Ok(format!("{mode:04o}"))
            }
            Op::Disown => {
                self.segment_mut()?.disown();
                Ok("ok".into())
            }
            Op::Adopt => {
                self.segment_mut()?.adopt();
                Ok("ok".into())
            }
            Op::Close => {
                self.array = None;
                Ok("ok".into())
            }
            Op::Clean { name } => {
                let name = self.current_name(name)?;
                let decided = shm_core::lease::reclaim(Some(&name), false).map_err(err)?;
                Ok(decided
                    .first()
                    .map_or("no-lease", |(_, v)| verdict_word(*v))
                    .to_owned())
            }
            Op::Sleep { ms } => {
                std::thread::sleep(std::time::Duration::from_millis(*ms));
                Ok("ok".into())
            }
            Op::WriteLoop { ms } => {
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
            Op::KillSelf | Op::Exit => Ok("ok".into()),
            Op::Kill { .. } => Err(err(Error::InvalidArgument(
                "kill is the parent's operation".into(),
            ))),
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
