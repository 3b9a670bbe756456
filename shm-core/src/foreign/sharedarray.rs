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

use serde_json::Value;

use crate::array::SharedArray;
use crate::descriptor::{Descriptor, Order};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::lease::LeasedSegment;
use crate::segment::Segment;

/// The key of a descriptor that names a SharedArray segment.
pub const LAYOUT_KEY: &str = "layout";
/// The value of [`LAYOUT_KEY`] for SharedArray segments.
pub const LAYOUT: &str = "sharedarray";

mod trailer;

pub use trailer::{Layout, MAGIC, Trailer};

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
/// segment (dropping it unlinks) and its descriptor's `segment_size` is the
/// segment's size as the OS reports it (data plus trailer, page-rounded on
/// macOS), as an attach by name reads it ([`descriptor`]). The mode is
/// `0600`, unlike SharedArray's own `0666`.
///
/// Errors: [`Error::UnsupportedDtype`] for a non-native dtype, and those of
/// [`LeasedSegment::create`].
pub fn create(name: Option<&str>, shape: &[usize], dtype: DType) -> Result<SharedArray> {
    let trailer = Trailer::new(shape, dtype)?;
    let bytes = trailer.encode(Layout::Numpy2)?;
    let size = trailer
        .nbytes()
        .checked_add(bytes.len())
        .ok_or_else(|| Error::InvalidDescriptor("the segment size overflows".into()))?;
    let mut segment = match name {
        Some(n) => LeasedSegment::create(n, size)?,
        None => LeasedSegment::create_unique(size)?,
    };
    // At the end of the object as the OS sizes it (page-rounded on macOS),
    // where SharedArray looks.
    let all = segment.as_bytes_mut();
    let end = all.len();
    all[end - bytes.len()..].copy_from_slice(&bytes);
    let name = segment.segment().name();
    let d = Descriptor::build(Some(name), shape, dtype, Order::C, 0, Some(end))?;
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
