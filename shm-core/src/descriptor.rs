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

/// Element order of the array in the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Row-major (numpy's default): the last index varies fastest.
    #[default]
    C,
    /// Column-major: the first index varies fastest.
    F,
}

impl Order {
    fn as_str(self) -> &'static str {
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
            Some(payload) => from_wetlands(payload),
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

    fn canonical(&self) -> Canonical<'_> {
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

    /// The Wetlands 2.6 `wetlands.numpy-shm` v1 payload for this array.
    ///
    /// Wetlands reads only C-order arrays at offset 0, and an empty array as
    /// `name: null` with `segment_size: 0`; other descriptors are refused.
    pub fn to_wetlands_value(&self) -> Result<Value> {
        if self.order != Order::C || self.offset != 0 {
            return Err(Error::InvalidDescriptor(
                "Wetlands payloads describe C-order arrays at offset 0 only".into(),
            ));
        }
        let (name, segment_size) = if self.nbytes == 0 {
            (Value::Null, 0)
        } else {
            (
                Value::from(self.name.clone()),
                self.segment_size.unwrap_or(self.nbytes),
            )
        };
        Ok(serde_json::json!({
            WETLANDS_MARKER: {
                "id": WETLANDS_CODEC_ID,
                "version": 1,
                "kind": "ndarray",
                "name": name,
                "shape": self.shape,
                "dtype": {"kind": "scalar", "value": self.dtype.to_string()},
                "nbytes": self.nbytes,
                "segment_size": segment_size,
            }
        }))
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

#[derive(Serialize)]
struct Canonical<'a> {
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

impl Descriptor {
    /// The same descriptor with `segment_size` set (it must hold
    /// `offset + nbytes`).
    pub fn with_segment_size(&self, size: usize) -> Result<Descriptor> {
        Descriptor::build(
            self.name(),
            &self.shape,
            self.dtype,
            self.order,
            self.offset,
            Some(size),
        )
    }
}

fn from_wetlands(payload: &Value) -> Result<Descriptor> {
    let Value::Object(map) = payload else {
        return Err(wrong_type(WETLANDS_MARKER, "an object", payload));
    };
    let id = map.get("id").and_then(Value::as_str);
    let version = map.get("version").and_then(Value::as_u64);
    let kind = map.get("kind").and_then(Value::as_str);
    if id != Some(WETLANDS_CODEC_ID) || version != Some(1) || kind != Some("ndarray") {
        return Err(Error::InvalidDescriptor(format!(
            "expected a Wetlands payload with id \"{WETLANDS_CODEC_ID}\", version 1 and kind \"ndarray\", found id {:?}, version {:?}, kind {:?}",
            id, version, kind
        )));
    }
    for key in ["nbytes", "segment_size"] {
        if !map.contains_key(key) {
            return Err(Error::InvalidDescriptor(format!(
                "a Wetlands payload requires \"{key}\""
            )));
        }
    }
    from_map(map, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Descriptor> {
        Descriptor::from_value(&v)
    }

    #[test]
    fn seed_short_form_is_valid_and_canonicalised() {
        let d = parse(json!({"name": "psm_abc", "shape": [5, 5], "dtype": "float64"})).unwrap();
        assert_eq!(d.nbytes(), 200);
        let n = crate::dtype::ByteOrder::NATIVE.code();
        assert_eq!(
            d.to_json(),
            format!(
                r#"{{"name":"psm_abc","shape":[5,5],"dtype":"{n}f8","order":"C","offset":0,"nbytes":200,"segment_size":null}}"#
            )
        );
    }

    #[test]
    fn canonical_output_parses_back_to_the_same() {
        let d = Descriptor::build(
            Some("x"),
            &[2, 3],
            DType::parse(">i4").unwrap(),
            Order::F,
            8,
            Some(4096),
        )
        .unwrap();
        assert_eq!(Descriptor::from_json(&d.to_json()).unwrap(), d);
    }

    #[test]
    fn leading_slash_in_name_is_dropped() {
        let d = parse(json!({"name": "/abc", "shape": [1], "dtype": "<u2"})).unwrap();
        assert_eq!(d.name(), Some("abc"));
    }

    #[test]
    fn unknown_keys_are_ignored_known_keys_are_typed() {
        assert!(parse(json!({"name": "a", "shape": [1], "dtype": "u1", "extra": [1, 2]})).is_ok());
        for bad in [
            json!({"name": 5, "shape": [1], "dtype": "u1"}),
            json!({"name": "a", "shape": "1", "dtype": "u1"}),
            json!({"name": "a", "shape": [1.5], "dtype": "u1"}),
            json!({"name": "a", "shape": [-1], "dtype": "u1"}),
            json!({"name": "a", "shape": [1], "dtype": "u1", "offset": "0"}),
            json!({"name": "a", "shape": [1], "dtype": "u1", "order": "K"}),
            json!({"name": "a", "shape": [1], "dtype": "u1", "order": 1}),
            json!({"name": "a", "shape": [1], "dtype": "u1", "nbytes": -1}),
            json!({"shape": [1], "dtype": "u1"}),
            json!({"name": "a", "dtype": "u1"}),
            json!({"name": "a", "shape": [1]}),
            json!([1, 2]),
        ] {
            assert!(
                matches!(parse(bad.clone()), Err(Error::InvalidDescriptor(_))),
                "{bad} was not an InvalidDescriptor"
            );
        }
    }

    #[test]
    fn nbytes_must_match_shape_and_dtype() {
        let err = parse(json!({"name": "a", "shape": [5, 5], "dtype": "<f4", "nbytes": 200}))
            .unwrap_err();
        assert!(err.to_string().contains("needs 100"), "{err}");
        assert!(
            parse(json!({"name": "a", "shape": [5, 5], "dtype": "<f4", "nbytes": 100})).is_ok()
        );
    }

    #[test]
    fn byte_count_overflow_is_an_error_not_a_panic() {
        let huge = json!({"name": "a", "shape": [u64::MAX, u64::MAX], "dtype": "<f8"});
        assert!(matches!(parse(huge), Err(Error::InvalidDescriptor(_))));
        let big = json!({"name": "a", "shape": [1u64 << 62], "dtype": "<f8"});
        assert!(matches!(parse(big), Err(Error::InvalidDescriptor(_))));
    }

    #[test]
    fn too_many_dimensions_are_refused() {
        let shape = vec![1; MAX_DIMS + 1];
        assert!(parse(json!({"name": "a", "shape": shape, "dtype": "u1"})).is_err());
        let shape = vec![1; MAX_DIMS];
        assert!(parse(json!({"name": "a", "shape": shape, "dtype": "u1"})).is_ok());
    }

    #[test]
    fn offset_must_be_aligned_and_fit_the_segment() {
        assert!(parse(json!({"name": "a", "shape": [2], "dtype": "<f8", "offset": 4})).is_err());
        assert!(parse(json!({"name": "a", "shape": [2], "dtype": "<f8", "offset": 8})).is_ok());
        let small =
            json!({"name": "a", "shape": [2], "dtype": "<f8", "offset": 8, "segment_size": 16});
        assert!(parse(small).is_err());
    }

    #[test]
    fn zero_d_and_empty_arrays() {
        let scalar = parse(json!({"name": "a", "shape": [], "dtype": "<f8"})).unwrap();
        assert_eq!((scalar.len(), scalar.nbytes()), (1, 8));
        let empty = parse(json!({"name": "a", "shape": [3, 0], "dtype": "<f8"})).unwrap();
        assert_eq!(
            (empty.len(), empty.nbytes(), empty.is_empty()),
            (0, 0, true)
        );
    }

    #[test]
    fn invalid_names_are_typed_errors() {
        let e = parse(json!({"name": "a/b", "shape": [1], "dtype": "u1"})).unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }));
        let e = parse(json!({"name": null, "shape": [1], "dtype": "u1"})).unwrap_err();
        assert!(matches!(e, Error::InvalidDescriptor(_)));
    }

    #[test]
    fn wetlands_payload_round_trips() {
        let payload = json!({WETLANDS_MARKER: {
            "id": "wetlands.numpy-shm", "version": 1, "kind": "ndarray",
            "name": "wls_0123456789abcdef01234567", "shape": [2, 3],
            "dtype": {"kind": "scalar", "value": "<i8"}, "nbytes": 48, "segment_size": 48}});
        let d = parse(payload.clone()).unwrap();
        assert_eq!(d.shape(), &[2, 3]);
        assert_eq!(d.dtype().to_string(), "<i8");
        assert_eq!(d.segment_size(), Some(48));
        assert_eq!(d.to_wetlands_value().unwrap(), payload);
    }

    #[test]
    fn wetlands_empty_array_has_no_segment() {
        let payload = json!({WETLANDS_MARKER: {
            "id": "wetlands.numpy-shm", "version": 1, "kind": "ndarray",
            "name": null, "shape": [0, 4],
            "dtype": {"kind": "scalar", "value": "<f4"}, "nbytes": 0, "segment_size": 0}});
        let d = parse(payload.clone()).unwrap();
        assert_eq!(d.name(), None);
        assert_eq!(d.to_wetlands_value().unwrap(), payload);
    }

    #[test]
    fn wetlands_payload_of_another_codec_is_refused() {
        let payload = json!({WETLANDS_MARKER: {"id": "wetlands.core", "version": 1, "kind": "int", "value": 1}});
        assert!(matches!(parse(payload), Err(Error::InvalidDescriptor(_))));
    }

    #[test]
    fn garbage_text_is_an_error() {
        for text in ["", "{", "null", "[]", "\"x\"", "{\"name\":", "\u{0}"] {
            assert!(Descriptor::from_json(text).is_err(), "{text:?}");
        }
    }
}
