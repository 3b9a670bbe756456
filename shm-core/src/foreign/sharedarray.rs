//! SharedArray 3.x (PyPI `SharedArray`, a C extension for numpy): arrays
//! that carry their shape and dtype in a trailer at the end of the segment,
//! so that a name alone is enough to attach.
//!
//! ```no_run
//! use shm_core::foreign::sharedarray;
//!
//! // Python: a = SharedArray.create("/frames", (5, 5), dtype="float64")
//! let a = sharedarray::attach("frames")?;
//! assert_eq!(a.descriptor().shape(), &[5, 5]);
//! # Ok::<(), shm_core::Error>(())
//! ```
//!
//! # Segment layout (read from SharedArray 3.2.4's C source)
//!
//! `SharedArray.create(name, shape, dtype)` (`src/shared_array_create.c`)
//! opens the object with `shm_open(name, O_RDWR|O_CREAT|O_EXCL, 0666)`,
//! sizes it to `nbytes + sizeof(struct array_meta)` with one `ftruncate`,
//! takes the size back from `fstat` (page-rounded on macOS) and maps it all.
//! The array's data starts at offset 0, in C order and this machine's byte
//! order; the trailer `struct array_meta` (`src/shared_array.h`, declared
//! `__attribute__((packed))`, every field in the machine's byte order)
//! fills the last bytes of the object *as `fstat` reports its size*:
//!
//! | offset | bytes | C field                      | meaning                                          |
//! |-------:|------:|------------------------------|--------------------------------------------------|
//! |      0 |    16 | `char magic[16]`             | `"[SharedArray]"`, NUL-padded (`strncpy`)        |
//! |     16 |     8 | `size_t size`                | data bytes: itemsize x product(dims)             |
//! |     24 |     4 | `int typenum`                | numpy type number (`NPY_BOOL` = 0 .. `NPY_HALF` = 23) |
//! |     28 |     4 | `int itemsize`               | bytes per element                                |
//! |     32 |     4 | `int ndims`                  | number of dimensions, 0 to `NPY_MAXDIMS`         |
//! |     36 | 8 x `NPY_MAXDIMS` | `npy_intp dims[NPY_MAXDIMS]` | the shape; entries past `ndims` are unused |
//!
//! The sizes are for 64-bit targets (`size_t` and `npy_intp` are
//! pointer-sized; this module uses the target's pointer width). `NPY_MAXDIMS`
//! comes from the numpy headers SharedArray was compiled against: 64 since
//! numpy 2.0, so the trailer is 548 bytes ([`Layout::Numpy2`]), and 32 before,
//! 292 bytes ([`Layout::Numpy1`]). SharedArray ships no wheels; pip builds it
//! against the numpy of the build environment. [`Trailer::find`] tries the
//! numpy 2 layout first, then the numpy 1 one.
//!
//! `SharedArray.attach(name)` (`src/shared_array_attach.c`) maps the whole
//! object, compares the magic with `strncmp` and builds the array from
//! `typenum`, `itemsize`, `ndims` and `dims`; it checks nothing else. This
//! module checks more: `size`, `itemsize` and `typenum` must agree with each
//! other and the data must fit before the trailer.
//!
//! What the layout cannot say, and so SharedArray cannot share:
//!
//! - **Byte order.** The type number has none: `create(..., dtype=">i4")`
//!   makes a native int32 array. [`Trailer::new`] refuses non-native dtypes.
//! - **Fortran order** and offsets: data is always C order at offset 0.
//! - `longdouble`, `clongdouble`, strings, objects, datetimes and structured
//!   types, which shm-core does not model either.
//!
//! # Names and permissions
//!
//! SharedArray passes the name to `shm_open` unchanged (after stripping a
//! `shm://` prefix; `file://` names are plain files). shm-core opens `"/" +
//! name`, so a SharedArray name `"/frames"` (or `"shm:///frames"`) is the
//! shm-core name `frames` on every system; plain `"frames"` is the same
//! object only on Linux, where glibc drops leading slashes.
//!
//! SharedArray creates objects with mode `0666` less the umask (`0644` under
//! the usual umask 022, `0666` under 000): other local users can read them,
//! and write them when the umask allows. Segments [`create`]d here are `0600`
//! like every shm-core segment; SharedArray attaches them all the same (as
//! the same user). SharedArray never unlinks on its own: its `delete(name)`
//! does, and so does dropping the owner [`create`] returns.

use std::mem::size_of;

use serde_json::Value;

use crate::array::SharedArray;
use crate::descriptor::{Descriptor, Order, byte_count};
use crate::dtype::{ByteOrder, DType, Kind};
use crate::error::{Error, Result};
use crate::segment::Segment;

/// The key of a descriptor that names a SharedArray segment.
pub const LAYOUT_KEY: &str = "layout";
/// The value of [`LAYOUT_KEY`] for SharedArray segments.
pub const LAYOUT: &str = "sharedarray";

/// The magic at the start of the trailer: `"[SharedArray]"` and three NULs.
pub const MAGIC: &[u8; 16] = b"[SharedArray]\0\0\0";
/// The part of [`MAGIC`] SharedArray's `strncmp` compares: up to the first NUL.
const MAGIC_TEXT: &[u8] = b"[SharedArray]\0";

/// Bytes before `dims`: magic, `size_t size`, `int typenum, itemsize, ndims`.
const HEAD: usize = 16 + size_of::<usize>() + 3 * 4;

/// numpy type numbers (`enum NPY_TYPES` in numpy's `ndarraytypes.h`).
mod npy {
    pub(super) const BOOL: i32 = 0;
    pub(super) const BYTE: i32 = 1;
    pub(super) const UBYTE: i32 = 2;
    pub(super) const SHORT: i32 = 3;
    pub(super) const USHORT: i32 = 4;
    pub(super) const INT: i32 = 5;
    pub(super) const UINT: i32 = 6;
    pub(super) const LONG: i32 = 7;
    pub(super) const ULONG: i32 = 8;
    pub(super) const LONGLONG: i32 = 9;
    pub(super) const ULONGLONG: i32 = 10;
    pub(super) const FLOAT: i32 = 11;
    pub(super) const DOUBLE: i32 = 12;
    pub(super) const LONGDOUBLE: i32 = 13;
    pub(super) const CFLOAT: i32 = 14;
    pub(super) const CDOUBLE: i32 = 15;
    pub(super) const CLONGDOUBLE: i32 = 16;
    pub(super) const HALF: i32 = 23;
}

/// Which numpy headers the SharedArray build used, which fixes the length
/// of `dims` and so the size of the trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// numpy 2.x headers: `NPY_MAXDIMS` = 64, a 548-byte trailer on 64-bit
    /// targets. What pip builds today, and what [`create`] writes.
    Numpy2,
    /// numpy 1.x headers: `NPY_MAXDIMS` = 32, a 292-byte trailer on 64-bit
    /// targets.
    Numpy1,
}

impl Layout {
    /// `NPY_MAXDIMS` of this layout: the length of `dims`.
    pub fn max_dims(self) -> usize {
        match self {
            Layout::Numpy2 => 64,
            Layout::Numpy1 => 32,
        }
    }

    /// The trailer's size in bytes on this target.
    pub fn size(self) -> usize {
        HEAD + self.max_dims() * size_of::<isize>()
    }
}

/// The trailer's contents: the array's dtype (always native) and shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    dtype: DType,
    shape: Vec<usize>,
    nbytes: usize,
}

impl Trailer {
    /// The trailer for a C-order array of `shape` and `dtype`.
    ///
    /// Errors: [`Error::UnsupportedDtype`] for a dtype not in this machine's
    /// byte order (the trailer cannot record one);
    /// [`Error::InvalidDescriptor`] for more than 64 dimensions or a byte
    /// count that overflows.
    pub fn new(shape: &[usize], dtype: DType) -> Result<Trailer> {
        typenum(dtype)?;
        let max = Layout::Numpy2.max_dims();
        if shape.len() > max {
            return Err(Error::InvalidDescriptor(format!(
                "{} dimensions, SharedArray holds at most {max}",
                shape.len()
            )));
        }
        let nbytes = byte_count(shape, dtype.itemsize()).ok_or_else(|| {
            Error::InvalidDescriptor(format!("shape {shape:?} of {dtype} overflows"))
        })?;
        Ok(Trailer {
            dtype,
            shape: shape.to_vec(),
            nbytes,
        })
    }

    /// The element type, in this machine's byte order.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The array's shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The data bytes before the trailer: itemsize x product(shape).
    pub fn nbytes(&self) -> usize {
        self.nbytes
    }

    /// The trailer's bytes in `layout`, to be written at the very end of the
    /// segment. Fails with [`Error::InvalidDescriptor`] when the shape has
    /// more dimensions than the layout holds.
    pub fn encode(&self, layout: Layout) -> Result<Vec<u8>> {
        if self.shape.len() > layout.max_dims() {
            return Err(Error::InvalidDescriptor(format!(
                "{} dimensions do not fit the {layout:?} trailer (at most {})",
                self.shape.len(),
                layout.max_dims()
            )));
        }
        let int = |n: usize| i32::try_from(n).expect("item sizes and dimension counts are small");
        let mut out = Vec::with_capacity(layout.size());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.nbytes.to_ne_bytes());
        out.extend_from_slice(&typenum(self.dtype)?.to_ne_bytes());
        out.extend_from_slice(&int(self.dtype.itemsize()).to_ne_bytes());
        out.extend_from_slice(&int(self.shape.len()).to_ne_bytes());
        for i in 0..layout.max_dims() {
            let d = self.shape.get(i).copied().unwrap_or(0);
            // `byte_count` bounded the product, and so each dimension, by isize::MAX.
            let d = isize::try_from(d).expect("dimensions fit isize");
            out.extend_from_slice(&d.to_ne_bytes());
        }
        debug_assert_eq!(out.len(), layout.size());
        Ok(out)
    }

    /// Reads the trailer of `layout` from the end of `segment` (the whole
    /// mapping) and checks it: the magic, a modelled type number whose item
    /// size agrees, at most `NPY_MAXDIMS` non-negative dimensions, and a
    /// `size` that equals itemsize x product(dims) and fits before the
    /// trailer.
    ///
    /// Errors: [`Error::InvalidData`] when the bytes are not a consistent
    /// trailer, [`Error::UnsupportedDtype`] for a type shm-core does not
    /// model (`longdouble`, strings, objects, ...).
    pub fn decode(segment: &[u8], layout: Layout) -> Result<Trailer> {
        let bad = |why: String| Err(Error::InvalidData(why));
        let Some(start) = segment.len().checked_sub(layout.size()) else {
            return bad(format!(
                "{} bytes cannot hold a {}-byte SharedArray trailer",
                segment.len(),
                layout.size()
            ));
        };
        let t = &segment[start..];
        if &t[..MAGIC_TEXT.len()] != MAGIC_TEXT {
            return bad(format!(
                "no \"[SharedArray]\" magic {} bytes before the end",
                layout.size()
            ));
        }
        let word = size_of::<usize>();
        let size = usize::from_ne_bytes(t[16..16 + word].try_into().expect("pointer-sized"));
        let int = |k: usize| i32::from_ne_bytes(t[k..k + 4].try_into().expect("4 bytes"));
        let (typenum, itemsize, ndims) = (int(16 + word), int(20 + word), int(24 + word));
        let dtype = dtype_of(typenum, itemsize)?;
        let ndims = usize::try_from(ndims)
            .ok()
            .filter(|&n| n <= layout.max_dims())
            .ok_or_else(|| {
                Error::InvalidData(format!(
                    "ndims {ndims} is outside 0..={}",
                    layout.max_dims()
                ))
            })?;
        let mut shape = Vec::with_capacity(ndims);
        for k in 0..ndims {
            let at = HEAD + k * size_of::<isize>();
            let d = isize::from_ne_bytes(t[at..at + size_of::<isize>()].try_into().expect("word"));
            match usize::try_from(d) {
                Ok(d) => shape.push(d),
                Err(_) => return bad(format!("dimension {k} is negative ({d})")),
            }
        }
        let trailer = Trailer::new(&shape, dtype)
            .map_err(|e| Error::InvalidData(format!("inconsistent trailer: {e}")))?;
        if trailer.nbytes != size {
            return bad(format!(
                "size is {size}, but shape {shape:?} of {dtype} needs {}",
                trailer.nbytes
            ));
        }
        if size > start {
            return bad(format!(
                "{size} data bytes do not fit before the trailer ({start} bytes)"
            ));
        }
        Ok(trailer)
    }

    /// Finds the trailer at the end of `segment`: the numpy 2 layout first,
    /// then the numpy 1 one. A trailer with the magic but wrong contents is
    /// an error; no magic in either place is [`Error::InvalidData`].
    pub fn find(segment: &[u8]) -> Result<(Trailer, Layout)> {
        let mut first = None;
        for layout in [Layout::Numpy2, Layout::Numpy1] {
            match Trailer::decode(segment, layout) {
                Ok(t) => return Ok((t, layout)),
                Err(e) => {
                    let has_magic = segment
                        .len()
                        .checked_sub(layout.size())
                        .is_some_and(|s| segment[s..].starts_with(MAGIC_TEXT));
                    if has_magic {
                        return Err(e);
                    }
                    first.get_or_insert(e);
                }
            }
        }
        Err(first.expect("two layouts were tried"))
    }
}

/// numpy's type number for `dtype`, as numpy itself picks it: `int64` is
/// `NPY_LONG` where C `long` has 64 bits (Linux, macOS) and `NPY_LONGLONG`
/// elsewhere.
fn typenum(dtype: DType) -> Result<i32> {
    if !dtype.is_native() {
        return Err(Error::UnsupportedDtype {
            input: dtype.to_string(),
            reason:
                "SharedArray records no byte order: its arrays are always in this machine's order"
                    .into(),
        });
    }
    let long64 = size_of::<std::ffi::c_long>() == 8;
    Ok(match (dtype.kind(), dtype.itemsize()) {
        (Kind::Bool, _) => npy::BOOL,
        (Kind::Int, 1) => npy::BYTE,
        (Kind::Int, 2) => npy::SHORT,
        (Kind::Int, 4) => npy::INT,
        (Kind::Int, _) if long64 => npy::LONG,
        (Kind::Int, _) => npy::LONGLONG,
        (Kind::UInt, 1) => npy::UBYTE,
        (Kind::UInt, 2) => npy::USHORT,
        (Kind::UInt, 4) => npy::UINT,
        (Kind::UInt, _) if long64 => npy::ULONG,
        (Kind::UInt, _) => npy::ULONGLONG,
        (Kind::Float, 2) => npy::HALF,
        (Kind::Float, 4) => npy::FLOAT,
        (Kind::Float, _) => npy::DOUBLE,
        (Kind::Complex, 8) => npy::CFLOAT,
        (Kind::Complex, _) => npy::CDOUBLE,
    })
}

/// The native dtype of a type number and item size from a trailer.
fn dtype_of(typenum: i32, itemsize: i32) -> Result<DType> {
    let (kind, fixed) = match typenum {
        npy::BOOL => (Kind::Bool, Some(1)),
        npy::BYTE => (Kind::Int, Some(1)),
        npy::UBYTE => (Kind::UInt, Some(1)),
        npy::SHORT => (Kind::Int, Some(2)),
        npy::USHORT => (Kind::UInt, Some(2)),
        npy::INT => (Kind::Int, Some(4)),
        npy::UINT => (Kind::UInt, Some(4)),
        // C `long` is 4 or 8 bytes depending on the writer's platform.
        npy::LONG => (Kind::Int, None),
        npy::ULONG => (Kind::UInt, None),
        npy::LONGLONG => (Kind::Int, Some(8)),
        npy::ULONGLONG => (Kind::UInt, Some(8)),
        npy::HALF => (Kind::Float, Some(2)),
        npy::FLOAT => (Kind::Float, Some(4)),
        npy::DOUBLE => (Kind::Float, Some(8)),
        npy::CFLOAT => (Kind::Complex, Some(8)),
        npy::CDOUBLE => (Kind::Complex, Some(16)),
        npy::LONGDOUBLE | npy::CLONGDOUBLE => {
            return Err(Error::UnsupportedDtype {
                input: format!("SharedArray typenum {typenum}"),
                reason: "long double types are not supported".into(),
            });
        }
        other => {
            return Err(Error::UnsupportedDtype {
                input: format!("SharedArray typenum {other}"),
                reason: "only bool, integer, float and complex types are supported".into(),
            });
        }
    };
    let size = usize::try_from(itemsize)
        .ok()
        .filter(|&s| fixed.is_none_or(|f| f == s));
    size.and_then(|s| DType::new(kind, s, ByteOrder::NATIVE).ok())
        .ok_or_else(|| {
            Error::InvalidData(format!(
                "itemsize {itemsize} does not fit numpy type number {typenum}"
            ))
        })
}

/// Reads the trailer of the SharedArray segment `name` and describes its
/// array: C order at offset 0, `segment_size` the object's size.
///
/// Errors: those of [`Segment::attach`] ([`Error::NotFound`], ...), and
/// [`Error::InvalidData`] naming the segment when it holds no valid trailer.
pub fn descriptor(name: &str) -> Result<Descriptor> {
    let segment = Segment::attach(name)?;
    let (trailer, _) = Trailer::find(segment.as_bytes()).map_err(|e| match e {
        Error::InvalidData(why) => Error::InvalidData(format!(
            "segment '{}' holds no SharedArray: {why}",
            segment.name()
        )),
        other => other,
    })?;
    Descriptor::build(
        Some(segment.name()),
        trailer.shape(),
        trailer.dtype(),
        Order::C,
        0,
        Some(segment.len()),
    )
}

/// Attaches the SharedArray segment `name`, by name alone: shape and dtype
/// come from its trailer ([`descriptor`]). Never unlinks.
pub fn attach(name: &str) -> Result<SharedArray> {
    SharedArray::attach(&descriptor(name)?)
}

/// Creates a zero-filled SharedArray-compatible segment, `name` or a
/// generated one: the data at offset 0 and a numpy 2 trailer
/// ([`Layout::Numpy2`]) in the last bytes, so that
/// `SharedArray.attach("/" + name)` finds the array. The result owns the
/// segment (dropping it unlinks) and its descriptor's `segment_size` is data
/// plus trailer. The mode is `0600`, unlike SharedArray's own `0666`.
///
/// Errors: [`Error::UnsupportedDtype`] for a non-native dtype, and those of
/// [`Segment::create`].
pub fn create(name: Option<&str>, shape: &[usize], dtype: DType) -> Result<SharedArray> {
    let trailer = Trailer::new(shape, dtype)?;
    let bytes = trailer.encode(Layout::Numpy2)?;
    let size = trailer
        .nbytes()
        .checked_add(bytes.len())
        .ok_or_else(|| Error::InvalidDescriptor("the segment size overflows".into()))?;
    let mut segment = match name {
        Some(n) => Segment::create(n, size)?,
        None => Segment::create_unique(size)?,
    };
    // At the end of the object as the OS sizes it (page-rounded on macOS),
    // where SharedArray looks.
    let end = segment.len();
    segment.as_bytes_mut()[end - bytes.len()..].copy_from_slice(&bytes);
    let d = Descriptor::build(Some(segment.name()), shape, dtype, Order::C, 0, Some(size))?;
    // On error `segment` still owns the name and unlinks it when dropped.
    let mut array = SharedArray::attach(&d)?;
    // Hand ownership from `segment` to the array's own mapping, in this
    // order so the lease ends naming this process, not "handed over".
    segment.disown();
    if let Some(s) = array.segment_mut() {
        s.adopt();
    }
    Ok(array)
}

/// The descriptor line for a SharedArray segment: the canonical descriptor
/// with `"layout": "sharedarray"` added. Readers that know the layout
/// attach by name and trailer; others read it as a plain array at offset 0.
pub fn descriptor_json(descriptor: &Descriptor) -> String {
    let canonical = descriptor.to_json();
    let body = canonical
        .strip_suffix('}')
        .expect("a descriptor serialises as a JSON object");
    format!("{body},\"{LAYOUT_KEY}\":\"{LAYOUT}\"}}")
}

/// Reads a descriptor with `"layout": "sharedarray"`: attaches the named
/// segment and describes it from its trailer ([`descriptor`]). `shape` and
/// `dtype`, when present, are only checked against the trailer.
///
/// Returns `Ok(None)` for text that is not a JSON object with a `layout`
/// key, so the caller can parse it as an ordinary descriptor.
///
/// Errors: [`Error::InvalidDescriptor`] for another `layout` or a missing
/// name, [`Error::DtypeMismatch`] or [`Error::InvalidData`] when the given
/// dtype or shape disagree with the trailer, and those of [`descriptor`].
pub fn from_json(text: &str) -> Result<Option<Descriptor>> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Ok(None);
    };
    match map.get(LAYOUT_KEY) {
        None => return Ok(None),
        Some(Value::String(s)) if s == LAYOUT => {}
        Some(other) => {
            return Err(Error::InvalidDescriptor(format!(
                "unknown layout {other}: the only layout is \"{LAYOUT}\""
            )));
        }
    }
    let Some(Value::String(name)) = map.get("name") else {
        return Err(Error::InvalidDescriptor(
            "a \"sharedarray\" descriptor needs a string \"name\"".into(),
        ));
    };
    let d = descriptor(name)?;
    if let Some(v) = map.get("dtype") {
        let hint = DType::from_json(v)?;
        if hint != d.dtype() {
            return Err(Error::DtypeMismatch {
                expected: hint.to_string(),
                found: d.dtype().to_string(),
            });
        }
    }
    if let Some(v) = map.get("shape") {
        let hint: Option<Vec<usize>> = v.as_array().and_then(|dims| {
            dims.iter()
                .map(|x| x.as_u64().and_then(|n| usize::try_from(n).ok()))
                .collect()
        });
        if hint.as_deref() != Some(d.shape()) {
            return Err(Error::InvalidData(format!(
                "segment '{name}' holds a SharedArray of shape {:?}, the descriptor says {v}",
                d.shape()
            )));
        }
    }
    Ok(Some(d))
}

#[cfg(test)]
mod tests;
