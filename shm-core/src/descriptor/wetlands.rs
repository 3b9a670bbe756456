//! The Wetlands 2.6 `wetlands.numpy-shm` v1 payload, read and written.

use serde_json::Value;

use super::{Descriptor, Order, WETLANDS_CODEC_ID, WETLANDS_MARKER, from_map, wrong_type};
use crate::error::{Error, Result};

impl Descriptor {
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

/// Reads the payload inside the `__wetlands_codec__` marker.
pub(super) fn from_wetlands(payload: &Value) -> Result<Descriptor> {
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
