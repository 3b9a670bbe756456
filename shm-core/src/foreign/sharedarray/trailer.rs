//! SharedArray's trailer: the magic, element count, numpy type number,
//! item size and dimensions in the last bytes of the segment.

use crate::descriptor::byte_count;
use crate::dtype::{ByteOrder, DType, Kind};
use crate::error::{Error, Result};

/// The magic at the start of the trailer: `"[SharedArray]"` and three NULs.
pub const MAGIC: &[u8; 16] = b"[SharedArray]\0\0\0";
/// The part of [`MAGIC`] SharedArray's `strncmp` compares: up to the first NUL.
const MAGIC_TEXT: &[u8] = b"[SharedArray]\0";

/// Bytes before `dims`: magic, `size_t size`, `int typenum, itemsize, ndims`.
pub(super) const HEAD: usize = 16 + size_of::<usize>() + 3 * 4;

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
pub(super) fn typenum(dtype: DType) -> Result<i32> {
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
pub(super) fn dtype_of(typenum: i32, itemsize: i32) -> Result<DType> {
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
