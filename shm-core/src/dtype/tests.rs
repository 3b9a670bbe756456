use super::*;
use serde_json::json;

fn canon(s: &str) -> String {
    DType::parse(s).unwrap().to_string()
}

#[test]
fn type_strings_keep_their_byte_order() {
    assert_eq!(canon("<f8"), "<f8");
    assert_eq!(canon(">i4"), ">i4");
    assert_eq!(canon("<c16"), "<c16");
    assert_eq!(canon(">c8"), ">c8");
    assert_eq!(canon("<f2"), "<f2");
    assert_eq!(canon("|u1"), "|u1");
    assert_eq!(canon("|b1"), "|b1");
}

#[test]
fn one_byte_types_have_no_byte_order() {
    assert_eq!(canon("<u1"), "|u1");
    assert_eq!(canon(">i1"), "|i1");
    assert_eq!(canon("b1"), "|b1");
}

#[test]
fn native_markers_resolve_to_this_machine() {
    let native = ByteOrder::NATIVE.code();
    assert_eq!(canon("=i8"), format!("{native}i8"));
    assert_eq!(canon("f4"), format!("{native}f4"));
    assert_eq!(canon("|f8"), format!("{native}f8"));
    assert!(DType::parse("=i8").unwrap().is_native());
}

#[test]
fn numpy_names_are_native() {
    let n = ByteOrder::NATIVE.code();
    for (name, s) in [
        ("float64", "f8"),
        ("float32", "f4"),
        ("float16", "f2"),
        ("int16", "i2"),
        ("int32", "i4"),
        ("int64", "i8"),
        ("uint16", "u2"),
        ("uint32", "u4"),
        ("uint64", "u8"),
        ("complex64", "c8"),
        ("complex128", "c16"),
    ] {
        let dt = DType::parse(name).unwrap();
        assert_eq!(dt.to_string(), format!("{n}{s}"), "{name}");
        assert_eq!(dt.name(), name);
    }
    assert_eq!(canon("uint8"), "|u1");
    assert_eq!(canon("int8"), "|i1");
    assert_eq!(canon("bool"), "|b1");
    assert_eq!(DType::parse("bool").unwrap().name(), "bool");
}

#[test]
fn char_codes_match_numpy() {
    let n = ByteOrder::NATIVE.code();
    assert_eq!(canon("d"), format!("{n}f8"));
    assert_eq!(canon("e"), format!("{n}f2"));
    assert_eq!(canon("?"), "|b1");
    assert_eq!(canon(">D"), ">c16");
    assert_eq!(canon("B"), "|u1");
}

#[test]
fn unsupported_kinds_name_the_input() {
    for bad in [
        "O", "<U10", "|S5", "<M8[ns]", "<m8", "|V8", "object", "<f16", "<c32", "<i3",
    ] {
        match DType::parse(bad) {
            Err(Error::UnsupportedDtype { input, reason }) => {
                assert_eq!(input, bad);
                assert!(!reason.is_empty());
            }
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
}

#[test]
fn wetlands_object_form() {
    let dt = DType::from_json(&json!({"kind": "scalar", "value": "<f8"})).unwrap();
    assert_eq!(dt.to_string(), "<f8");
    assert!(matches!(
        DType::from_json(&json!({"kind": "structured", "fields": []})),
        Err(Error::UnsupportedDtype { .. })
    ));
    assert!(matches!(
        DType::from_json(&json!({"kind": "scalar", "value": 8})),
        Err(Error::InvalidDescriptor(_))
    ));
    assert!(matches!(
        DType::from_json(&json!(8)),
        Err(Error::InvalidDescriptor(_))
    ));
}

#[test]
fn swapped_and_native() {
    let be = DType::parse(">f8").unwrap();
    assert_eq!(be.swapped().to_string(), "<f8");
    assert_eq!(be.native().byte_order(), ByteOrder::NATIVE);
    let u1 = DType::parse("u1").unwrap();
    assert_eq!(u1.swapped(), u1);
}

#[test]
fn all_native_covers_fourteen_types() {
    let all = DType::all_native();
    assert_eq!(all.len(), 14);
    assert!(all.iter().all(DType::is_native));
}
