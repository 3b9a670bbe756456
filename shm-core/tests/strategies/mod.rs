//! proptest strategies shared by the property and fuzz tests.
#![allow(dead_code)] // each test binary uses some of these

use proptest::prelude::*;
use serde_json::Value;
use shm_core::{DType, Descriptor, Order};

/// Any modelled dtype, in either byte order.
pub(crate) fn dtype() -> impl Strategy<Value = DType> {
    (0..DType::all_native().len(), any::<bool>()).prop_map(|(i, swap)| {
        let d = DType::all_native()[i];
        if swap { d.swapped() } else { d }
    })
}

/// A portable segment name.
pub(crate) fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,30}".prop_filter("not . or ..", |n| n != "." && n != "..")
}

/// A valid descriptor: up to 8 dimensions (zero-length ones included), any
/// dtype, either order, an aligned offset and maybe a larger segment.
pub(crate) fn descriptor() -> impl Strategy<Value = Descriptor> {
    (
        name(),
        prop::collection::vec(0usize..12, 0..=8),
        dtype(),
        any::<bool>(),
        0usize..4,
        prop::option::of(0usize..4096),
    )
        .prop_map(|(name, shape, dtype, fortran, offset_items, extra)| {
            let order = if fortran { Order::F } else { Order::C };
            let offset = offset_items * dtype.itemsize();
            let probe = Descriptor::build(Some(&name), &shape, dtype, order, offset, None)
                .expect("strategy builds valid descriptors");
            let size = extra.map(|e| probe.required_size() + e);
            Descriptor::build(Some(&name), &shape, dtype, order, offset, size)
                .expect("strategy builds valid descriptors")
        })
}

/// Any JSON value, nested a few levels.
pub(crate) fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("<f8"),
            Just("float32"),
            Just("|b1"),
            Just("C"),
            Just("shmc_x")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("name".to_owned()),
                        Just("shape".to_owned()),
                        Just("dtype".to_owned()),
                        Just("order".to_owned()),
                        Just("offset".to_owned()),
                        Just("nbytes".to_owned()),
                        Just("segment_size".to_owned()),
                        Just("kind".to_owned()),
                        Just("value".to_owned()),
                        Just("__wetlands_codec__".to_owned()),
                        ".{0,6}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A valid descriptor's JSON with one structural mutation: a key removed, a
/// value replaced by arbitrary JSON, a key added, or the text cut short.
pub(crate) fn mutated_descriptor() -> impl Strategy<Value = String> {
    (
        descriptor(),
        0usize..4,
        0usize..8,
        json(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(d, how, key, junk, cut)| {
            let mut v = d.to_value();
            let map = v.as_object_mut().expect("descriptors are objects");
            let keys: Vec<String> = map.keys().cloned().collect();
            let k = &keys[key % keys.len()];
            match how {
                0 => {
                    map.remove(k);
                }
                1 => {
                    map.insert(k.clone(), junk);
                }
                2 => {
                    map.insert("extra".into(), junk);
                }
                _ => {
                    let text = v.to_string();
                    return text[..cut.index(text.len() + 1)].to_owned();
                }
            }
            v.to_string()
        })
}
