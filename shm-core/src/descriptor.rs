//! The JSON array descriptor: what one process sends another so it can
//! re-attach a shared array by name.
//!
//! Canonical form (what [`Descriptor::to_json`] emits, keys in this order):
//!
//! ```json
//! {"name": "shmc_5f2a9c0e7b1d4a63", "shape": [5, 5], "dtype": "<f8",
//!  "order": "C", "offset": 0, "nbytes": 200, "segment_size": 200}
//! ```
//!
//! Every key is always emitted; `segment_size` is `null` when the size the
//! creator asked for is not known (a short-form descriptor that was never
//! attached), so that emit and parse are exact inverses.
//!
//! Input rules ([`Descriptor::from_json`]):
//! - `name`, `shape` and `dtype` are required; the seeds' short form
//!   `{"name", "shape", "dtype": "float64"}` is a valid descriptor.
//! - `order` (`"C"` or `"F"`) defaults to `"C"`, `offset` to 0. `nbytes`, when
//!   present, must equal product(shape) x itemsize. `segment_size` is the size
//!   the creator asked for and must hold `offset + nbytes`.
//! - Unknown keys are ignored; known keys of the wrong type are errors.
//! - `dtype` is anything [`DType::from_json`] reads.
//! - The Wetlands 2.6 payload
//!   `{"__wetlands_codec__": {"id": "wetlands.numpy-shm", "version": 1,
//!   "kind": "ndarray", "name", "shape", "dtype", "nbytes", "segment_size"}}`
//!   is read too. Wetlands sends empty arrays with `"name": null` and no
//!   segment, so `name` may be null exactly when `nbytes` is 0.
//!
//! Validation: the name follows [`crate::name::validate`]; at most
//! [`MAX_DIMS`] dimensions; the byte count is computed with checked
//! arithmetic and must fit in `isize`; `offset` is a multiple of the item
//! size. Parsing never panics, whatever the input.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::name;

/// The most dimensions a descriptor may have (numpy's `NPY_MAXDIMS` since 2.0).
pub const MAX_DIMS: usize = 64;

/// The key that wraps a Wetlands codec payload.
pub const WETLANDS_MARKER: &str = "__wetlands_codec__";
/// The Wetlands codec id for shared-memory numpy arrays.
pub const WETLANDS_CODEC_ID: &str = "wetlands.numpy-shm";

/// Element order of the array in the segment; `"C"` or `"F"` in JSON and
/// TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize)]
pub enum Order {
    /// Row-major (numpy's default): the last index varies fastest.
    #[default]
    C,
    /// Column-major: the first index varies fastest.
    F,
}

impl Order {
    /// `"C"` or `"F"`, as descriptors write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::C => "C",
            Order::F => "F",
        }
    }
}

/// A validated description of an n-dimensional array in a named segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    name: Option<String>,
    shape: Vec<usize>,
    dtype: DType,
    order: Order,
    offset: usize,
    nbytes: usize,
    segment_size: Option<usize>,
}

impl Descriptor {
    /// Describes a C-order array at offset 0 of the segment `name`.
    pub fn new(name: &str, shape: &[usize], dtype: DType) -> Result<Descriptor> {
        Descriptor::build(Some(name), shape, dtype, Order::C, 0, None)
    }

    /// Builds a descriptor from all its parts, checking every rule.
    pub fn build(
        name: Option<&str>,
        shape: &[usize],
        dtype: DType,
        order: Order,
        offset: usize,
        segment_size: Option<usize>,
    ) -> Result<Descriptor> {
        let bad = |m: String| Err(Error::InvalidDescriptor(m));
        if shape.len() > MAX_DIMS {
            return bad(format!(
                "{} dimensions, at most {MAX_DIMS} are allowed",
                shape.len()
            ));
        }
        let nbytes = byte_count(shape, dtype.itemsize()).ok_or_else(|| {
            Error::InvalidDescriptor(format!(
                "shape {shape:?} of {dtype} overflows the addressable byte count"
            ))
        })?;
        let name = match name {
            Some(n) => Some(name::validate(n)?.to_owned()),
            None if nbytes == 0 => None,
            None => return bad("name is null but the array has bytes".into()),
        };
        if offset % dtype.itemsize() != 0 {
            return bad(format!(
                "offset {offset} is not a multiple of the item size {}",
                dtype.itemsize()
            ));
        }
        let end = offset
            .checked_add(nbytes)
            .filter(|&e| e <= isize::MAX as usize)
            .ok_or_else(|| Error::InvalidDescriptor("offset + nbytes overflows".into()))?;
        if let Some(size) = segment_size {
            if size < end {
                return bad(format!(
                    "segment_size {size} cannot hold offset {offset} + nbytes {nbytes}"
                ));
            }
        }
        Ok(Descriptor {
            name,
            shape: shape.to_vec(),
            dtype,
            order,
            offset,
            nbytes,
            segment_size,
        })
    }

    /// The segment's name without a leading slash; `None` only for an empty
    /// array that references no segment (Wetlands' form).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The array's shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The element order.
    pub fn order(&self) -> Order {
        self.order
    }

    /// Byte offset of the first element in the segment.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Bytes the array occupies: product(shape) x itemsize.
    pub fn nbytes(&self) -> usize {
        self.nbytes
    }

    /// Number of elements: product(shape) (1 for a 0-d array).
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the array has no elements (some dimension is 0).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The size the creator asked for, when known.
    pub fn segment_size(&self) -> Option<usize> {
        self.segment_size
    }

    /// Bytes the segment must hold at least: offset + nbytes.
    pub fn required_size(&self) -> usize {
        self.offset + self.nbytes
    }

    /// The same descriptor with another dtype of the same item size (for
    /// example the other byte order).
    pub fn with_dtype(&self, dtype: DType) -> Result<Descriptor> {
        Descriptor::build(
            self.name(),
            &self.shape,
            dtype,
            self.order,
            self.offset,
            self.segment_size,
        )
    }

    /// Parses a descriptor from JSON text (either form; see the module docs).
    pub fn from_json(text: &str) -> Result<Descriptor> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::InvalidDescriptor(format!("not valid JSON: {e}")))?;
        Descriptor::from_value(&value)
    }

    /// Parses a descriptor from a JSON value (either form).
    pub fn from_value(value: &Value) -> Result<Descriptor> {
        let Value::Object(map) = value else {
            return Err(Error::InvalidDescriptor(format!(
                "a descriptor is a JSON object, found {}",
                kind_of(value)
            )));
        };
        match map.get(WETLANDS_MARKER) {
            Some(payload) => wetlands::from_wetlands(payload),
            None => from_map(map, false),
        }
    }

    /// The canonical JSON form, on one line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.canonical()).expect("a descriptor always serialises")
    }

    /// The canonical form as a JSON value (keys in canonical order only when
    /// serialised with [`Descriptor::to_json`]).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self.canonical()).expect("a descriptor always serialises")
    }

    /// The canonical form, to serialise inside another object.
    pub(crate) fn canonical(&self) -> Canonical<'_> {
        Canonical {
            name: self.name.as_deref(),
            shape: &self.shape,
            dtype: self.dtype.to_string(),
            order: self.order.as_str(),
            offset: self.offset,
            nbytes: self.nbytes,
            segment_size: self.segment_size,
        }
    }
}

impl std::str::FromStr for Descriptor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Descriptor> {
        Descriptor::from_json(s)
    }
}

impl std::fmt::Display for Descriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_json())
    }
}

/// A descriptor's canonical form as serde writes it (keys in this order).
#[derive(Serialize)]
pub(crate) struct Canonical<'a> {
    name: Option<&'a str>,
    shape: &'a [usize],
    dtype: String,
    order: &'static str,
    offset: usize,
    nbytes: usize,
    segment_size: Option<usize>,
}

/// product(shape) x itemsize, or `None` on overflow past `isize::MAX`.
pub(crate) fn byte_count(shape: &[usize], itemsize: usize) -> Option<usize> {
    shape
        .iter()
        .try_fold(itemsize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= isize::MAX as usize)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(key: &str, expected: &str, found: &Value) -> Error {
    Error::InvalidDescriptor(format!(
        "\"{key}\" must be {expected}, found {}",
        kind_of(found)
    ))
}

/// An optional non-negative integer; `null` counts as absent.
fn uint(map: &Map<String, Value>, key: &str) -> Result<Option<usize>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| wrong_type(key, "a non-negative integer", v)),
    }
}

fn from_map(map: &Map<String, Value>, wetlands: bool) -> Result<Descriptor> {
    let missing = |k: &str| Error::InvalidDescriptor(format!("missing required key \"{k}\""));
    let name = match map.get("name").ok_or_else(|| missing("name"))? {
        Value::String(s) => Some(s.as_str()),
        Value::Null => None,
        other => return Err(wrong_type("name", "a string", other)),
    };
    let shape_value = map.get("shape").ok_or_else(|| missing("shape"))?;
    let Value::Array(dims) = shape_value else {
        return Err(wrong_type(
            "shape",
            "an array of non-negative integers",
            shape_value,
        ));
    };
    if dims.len() > MAX_DIMS {
        return Err(Error::InvalidDescriptor(format!(
            "{} dimensions, at most {MAX_DIMS} are allowed",
            dims.len()
        )));
    }
    let shape = dims
        .iter()
        .map(|d| {
            d.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| wrong_type("shape", "an array of non-negative integers", d))
        })
        .collect::<Result<Vec<usize>>>()?;
    let dtype = DType::from_json(map.get("dtype").ok_or_else(|| missing("dtype"))?)?;
    let order = match map.get("order") {
        None => Order::C,
        Some(Value::String(s)) if s == "C" => Order::C,
        Some(Value::String(s)) if s == "F" => Order::F,
        Some(Value::String(s)) => {
            return Err(Error::InvalidDescriptor(format!(
                "order must be \"C\" or \"F\", found {s:?}"
            )));
        }
        Some(other) => return Err(wrong_type("order", "a string", other)),
    };
    let offset = uint(map, "offset")?.unwrap_or(0);
    let nbytes = uint(map, "nbytes")?;
    let mut segment_size = uint(map, "segment_size")?;
    if wetlands && name.is_none() {
        if segment_size != Some(0) {
            return Err(Error::InvalidDescriptor(
                "a Wetlands array without a segment must have segment_size 0".into(),
            ));
        }
        segment_size = None;
    }
    let d = Descriptor::build(name, &shape, dtype, order, offset, segment_size)?;
    if let Some(n) = nbytes {
        if n != d.nbytes {
            return Err(Error::InvalidDescriptor(format!(
                "nbytes is {n}, but shape {shape:?} of {} needs {}",
                d.dtype, d.nbytes
            )));
        }
    }
    Ok(d)
}

mod checks;
mod wetlands;

#[cfg(test)]
mod tests;
