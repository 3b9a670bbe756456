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
    let err =
        parse(json!({"name": "a", "shape": [5, 5], "dtype": "<f4", "nbytes": 200})).unwrap_err();
    assert!(err.to_string().contains("needs 100"), "{err}");
    assert!(parse(json!({"name": "a", "shape": [5, 5], "dtype": "<f4", "nbytes": 100})).is_ok());
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
    let small = json!({"name": "a", "shape": [2], "dtype": "<f8", "offset": 8, "segment_size": 16});
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
    let payload =
        json!({WETLANDS_MARKER: {"id": "wetlands.core", "version": 1, "kind": "int", "value": 1}});
    assert!(matches!(parse(payload), Err(Error::InvalidDescriptor(_))));
}

#[test]
fn garbage_text_is_an_error() {
    for text in ["", "{", "null", "[]", "\"x\"", "{\"name\":", "\u{0}"] {
        assert!(Descriptor::from_json(text).is_err(), "{text:?}");
    }
}
