//! A numpy-compatible model of the element types this library shares.
//!
//! A [`DType`] is a kind (bool, signed or unsigned integer, float, complex),
//! an item size in bytes and a byte order. It parses the spellings numpy
//! accepts for these types and prints numpy's `dtype.str` form, which is the
//! canonical spelling in descriptors:
//!
//! | input | canonical |
//! |---|---|
//! | `float64`, `double`, `d`, `<f8`, `=f8` (on little-endian machines) | `<f8` |
//! | `>i4` | `>i4` |
//! | `bool`, `?`, `b1`, `<b1` | `\|b1` |
//! | `uint8`, `B`, `u1` | `\|u1` |
//! | `complex128`, `D`, `c16` | `<c16` |
//! | `{"kind": "scalar", "value": "<f8"}` (the Wetlands object form) | `<f8` |
//!
//! Numpy kinds outside this model (object `O`, strings `S`/`U`, datetimes `M`/`m`,
//! void and structured `V`, `float128`, `complex256`) are refused with
//! [`Error::UnsupportedDtype`], naming the input.

use std::fmt;

use serde_json::Value;

use crate::error::{Error, Result};

/// The kind of an element, numpy's `dtype.kind` restricted to what is modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `b`: one byte, 0 or 1.
    Bool,
    /// `i`: two's-complement signed integer.
    Int,
    /// `u`: unsigned integer.
    UInt,
    /// `f`: IEEE 754 binary float.
    Float,
    /// `c`: a pair of IEEE 754 floats, real part first.
    Complex,
}

impl Kind {
    /// numpy's one-letter kind code.
    pub fn code(self) -> char {
        match self {
            Kind::Bool => 'b',
            Kind::Int => 'i',
            Kind::UInt => 'u',
            Kind::Float => 'f',
            Kind::Complex => 'c',
        }
    }
}

/// The byte order of an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `<`: least significant byte first.
    Little,
    /// `>`: most significant byte first.
    Big,
    /// `|`: one-byte types, where order does not apply.
    NotApplicable,
}

impl ByteOrder {
    /// The byte order of the machine this code runs on.
    pub const NATIVE: ByteOrder = if cfg!(target_endian = "little") {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };

    /// numpy's byte-order character: `<`, `>` or `|`.
    pub fn code(self) -> char {
        match self {
            ByteOrder::Little => '<',
            ByteOrder::Big => '>',
            ByteOrder::NotApplicable => '|',
        }
    }
}

/// An element type: kind, item size and byte order.
///
/// Only valid combinations can be built: `b1`, `i1`..`i8`, `u1`..`u8`,
/// `f2`, `f4`, `f8`, `c8`, `c16`. One-byte types always have
/// [`ByteOrder::NotApplicable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DType {
    kind: Kind,
    itemsize: usize,
    order: ByteOrder,
}

impl DType {
    /// Builds a dtype from its parts. A one-byte type's order becomes
    /// [`ByteOrder::NotApplicable`]; a multi-byte type given
    /// `NotApplicable` gets the native order (numpy does the same for `|f8`).
    pub fn new(kind: Kind, itemsize: usize, order: ByteOrder) -> Result<DType> {
        let ok = match kind {
            Kind::Bool => itemsize == 1,
            Kind::Int | Kind::UInt => matches!(itemsize, 1 | 2 | 4 | 8),
            Kind::Float => matches!(itemsize, 2 | 4 | 8),
            Kind::Complex => matches!(itemsize, 8 | 16),
        };
        if !ok {
            return Err(Error::UnsupportedDtype {
                input: format!("{}{}{}", order.code(), kind.code(), itemsize),
                reason: format!("no {}-byte {:?} type is supported", itemsize, kind),
            });
        }
        let order = match (itemsize, order) {
            (1, _) => ByteOrder::NotApplicable,
            (_, ByteOrder::NotApplicable) => ByteOrder::NATIVE,
            (_, o) => o,
        };
        Ok(DType {
            kind,
            itemsize,
            order,
        })
    }

    /// The element kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The size of one element in bytes (numpy's `itemsize`).
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// The byte order.
    pub fn byte_order(&self) -> ByteOrder {
        self.order
    }

    /// Whether elements are stored in this machine's byte order (always true
    /// for one-byte types).
    pub fn is_native(&self) -> bool {
        matches!(self.order, ByteOrder::NotApplicable) || self.order == ByteOrder::NATIVE
    }

    /// The same type in the other byte order (unchanged for one-byte types).
    pub fn swapped(&self) -> DType {
        let order = match self.order {
            ByteOrder::Little => ByteOrder::Big,
            ByteOrder::Big => ByteOrder::Little,
            ByteOrder::NotApplicable => ByteOrder::NotApplicable,
        };
        DType { order, ..*self }
    }

    /// The same type in this machine's byte order.
    pub fn native(&self) -> DType {
        if self.is_native() {
            *self
        } else {
            self.swapped()
        }
    }

    /// numpy's `dtype.name`: `float64`, `int8`, `bool`, `complex128`, ...
    pub fn name(&self) -> String {
        match self.kind {
            Kind::Bool => "bool".into(),
            Kind::Int => format!("int{}", self.itemsize * 8),
            Kind::UInt => format!("uint{}", self.itemsize * 8),
            Kind::Float => format!("float{}", self.itemsize * 8),
            Kind::Complex => format!("complex{}", self.itemsize * 8),
        }
    }

    /// Every dtype this library models, each in its native byte order.
    pub fn all_native() -> Vec<DType> {
        let mut all = Vec::new();
        for (kind, sizes) in [
            (Kind::Bool, &[1][..]),
            (Kind::Int, &[1, 2, 4, 8][..]),
            (Kind::UInt, &[1, 2, 4, 8][..]),
            (Kind::Float, &[2, 4, 8][..]),
            (Kind::Complex, &[8, 16][..]),
        ] {
            for &size in sizes {
                all.push(DType::new(kind, size, ByteOrder::NATIVE).expect("valid combination"));
            }
        }
        all
    }

    /// Parses a dtype given as a string: a type string with optional byte
    /// order (`<f8`, `>i4`, `|u1`, `=i8`, `b1`), a numpy name (`float64`,
    /// `uint8`, `bool`, `double`, ...) or a one-character type code (`d`, `f`,
    /// `e`, `?`, `q`, ...).
    pub fn parse(input: &str) -> Result<DType> {
        let s = input.trim();
        if let Some(dt) = from_name(s) {
            return Ok(dt);
        }
        let (order, rest) = match s.chars().next() {
            Some('<') => (Some(ByteOrder::Little), &s[1..]),
            Some('>') | Some('!') => (Some(ByteOrder::Big), &s[1..]),
            Some('=') | Some('@') => (Some(ByteOrder::NATIVE), &s[1..]),
            Some('|') => (Some(ByteOrder::NotApplicable), &s[1..]),
            _ => (None, s),
        };
        let order_or_native = order.unwrap_or(ByteOrder::NATIVE);
        let mut chars = rest.chars();
        let Some(code) = chars.next() else {
            return Err(unsupported(input, "empty type string"));
        };
        let digits = chars.as_str();
        if digits.is_empty() {
            if let Some((kind, size)) = from_char_code(code) {
                return DType::new(kind, size, order_or_native);
            }
        }
        let kind = match code {
            'b' => Kind::Bool,
            'i' => Kind::Int,
            'u' => Kind::UInt,
            'f' => Kind::Float,
            'c' => Kind::Complex,
            'O' => {
                return Err(unsupported(
                    input,
                    "object arrays hold pointers, which cannot be shared",
                ));
            }
            'S' | 'a' | 'U' => return Err(unsupported(input, "string dtypes are not supported")),
            'M' | 'm' => {
                return Err(unsupported(
                    input,
                    "datetime and timedelta dtypes are not supported",
                ));
            }
            'V' => {
                return Err(unsupported(
                    input,
                    "void and structured dtypes are not supported",
                ));
            }
            _ => return Err(unsupported(input, "not a numpy type string or name")),
        };
        let size: usize = digits
            .parse()
            .map_err(|_| unsupported(input, "the item size after the kind is not a number"))?;
        DType::new(kind, size, order_or_native).map_err(|_| {
            unsupported(
                input,
                &format!("no {size}-byte {} type is supported", kind_word(kind)),
            )
        })
    }

    /// Parses a dtype given as JSON: a string (see [`DType::parse`]) or the
    /// Wetlands object form `{"kind": "scalar", "value": "<f8"}`.
    pub fn from_json(value: &Value) -> Result<DType> {
        match value {
            Value::String(s) => DType::parse(s),
            Value::Object(map) => {
                let kind = map.get("kind").and_then(Value::as_str);
                match (kind, map.get("value")) {
                    (Some("scalar"), Some(Value::String(s))) => DType::parse(s),
                    (Some("scalar"), _) => Err(Error::InvalidDescriptor(
                        "dtype object of kind \"scalar\" needs a string \"value\"".into(),
                    )),
                    (Some(other), _) => Err(unsupported(
                        &value.to_string(),
                        &format!("dtype object kind {other:?} is not supported (only \"scalar\")"),
                    )),
                    (None, _) => Err(Error::InvalidDescriptor(
                        "a dtype object needs a string \"kind\"".into(),
                    )),
                }
            }
            other => Err(Error::InvalidDescriptor(format!(
                "dtype must be a string or an object, found {other}"
            ))),
        }
    }
}

impl fmt::Display for DType {
    /// numpy's `dtype.str`: byte order, kind, item size (`<f8`, `|b1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.order.code(),
            self.kind.code(),
            self.itemsize
        )
    }
}

impl std::str::FromStr for DType {
    type Err = Error;
    fn from_str(s: &str) -> Result<DType> {
        DType::parse(s)
    }
}

/// Written as numpy's `dtype.str` (`<f8`).
impl serde::Serialize for DType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Read from any string [`DType::parse`] reads (`float64`, `<f8`, `>i4`).
impl<'de> serde::Deserialize<'de> for DType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<DType, D::Error> {
        let text = String::deserialize(d)?;
        DType::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn unsupported(input: &str, reason: &str) -> Error {
    Error::UnsupportedDtype {
        input: input.to_owned(),
        reason: reason.to_owned(),
    }
}

fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "bool",
        Kind::Int => "signed integer",
        Kind::UInt => "unsigned integer",
        Kind::Float => "float",
        Kind::Complex => "complex",
    }
}

/// numpy names, native byte order.
fn from_name(s: &str) -> Option<DType> {
    let (kind, size) = match s {
        "bool" | "bool_" | "bool8" => (Kind::Bool, 1),
        "int8" | "byte" => (Kind::Int, 1),
        "int16" | "short" => (Kind::Int, 2),
        "int32" | "intc" => (Kind::Int, 4),
        "int64" | "longlong" => (Kind::Int, 8),
        "uint8" | "ubyte" => (Kind::UInt, 1),
        "uint16" | "ushort" => (Kind::UInt, 2),
        "uint32" | "uintc" => (Kind::UInt, 4),
        "uint64" | "ulonglong" => (Kind::UInt, 8),
        "float16" | "half" => (Kind::Float, 2),
        "float32" | "single" => (Kind::Float, 4),
        "float64" | "double" | "float" => (Kind::Float, 8),
        "complex64" | "csingle" => (Kind::Complex, 8),
        "complex128" | "cdouble" | "complex" => (Kind::Complex, 16),
        _ => return None,
    };
    Some(DType::new(kind, size, ByteOrder::NATIVE).expect("valid combination"))
}

/// numpy's one-character type codes (`dtype.char`), with fixed sizes.
fn from_char_code(c: char) -> Option<(Kind, usize)> {
    Some(match c {
        '?' => (Kind::Bool, 1),
        'b' => (Kind::Int, 1),
        'B' => (Kind::UInt, 1),
        'h' => (Kind::Int, 2),
        'H' => (Kind::UInt, 2),
        'i' => (Kind::Int, 4),
        'I' => (Kind::UInt, 4),
        'q' => (Kind::Int, 8),
        'Q' => (Kind::UInt, 8),
        'e' => (Kind::Float, 2),
        'f' => (Kind::Float, 4),
        'd' => (Kind::Float, 8),
        'F' => (Kind::Complex, 8),
        'D' => (Kind::Complex, 16),
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
