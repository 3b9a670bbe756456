use super::trailer::{HEAD, dtype_of, typenum};
use super::*;
use crate::scalar::Scalar;

fn dt(s: &str) -> DType {
    DType::parse(s).unwrap()
}

/// A segment image: `data` bytes of zeros, then the trailer.
fn image(shape: &[usize], dtype: DType, layout: Layout) -> Vec<u8> {
    let t = Trailer::new(shape, dtype).unwrap();
    let mut bytes = vec![0u8; t.nbytes()];
    bytes.extend(t.encode(layout).unwrap());
    bytes
}

#[test]
fn layout_sizes_match_the_c_struct() {
    if size_of::<usize>() == 8 {
        assert_eq!(Layout::Numpy2.size(), 548);
        assert_eq!(Layout::Numpy1.size(), 292);
    }
    assert_eq!(Layout::Numpy2.max_dims(), 64);
    assert_eq!(Layout::Numpy1.max_dims(), 32);
}

/// The bytes SharedArray 3.2.4 (built against numpy 2.3) wrote for
/// `create("/x", (2, 3), dtype="int32")` on x86-64 Linux, first 60 bytes.
#[test]
#[cfg(all(target_endian = "little", target_pointer_width = "64"))]
fn encoding_matches_sharedarray_byte_for_byte() {
    let t = Trailer::new(&[2, 3], dt("int32")).unwrap();
    let bytes = t.encode(Layout::Numpy2).unwrap();
    let mut want = Vec::new();
    want.extend_from_slice(b"[SharedArray]\0\0\0");
    want.extend_from_slice(&24u64.to_le_bytes()); // size
    want.extend_from_slice(&5i32.to_le_bytes()); // NPY_INT
    want.extend_from_slice(&4i32.to_le_bytes()); // itemsize
    want.extend_from_slice(&2i32.to_le_bytes()); // ndims
    want.extend_from_slice(&2i64.to_le_bytes());
    want.extend_from_slice(&3i64.to_le_bytes());
    assert_eq!(&bytes[..want.len()], &want[..]);
    assert!(bytes[want.len()..].iter().all(|&b| b == 0));
    assert_eq!(bytes.len(), 548);
}

#[test]
fn every_native_dtype_round_trips_in_both_layouts() {
    for dtype in DType::all_native() {
        for shape in [&[2usize, 3][..], &[], &[0, 4], &[1, 1, 1, 7]] {
            for layout in [Layout::Numpy2, Layout::Numpy1] {
                let img = image(shape, dtype, layout);
                let t = Trailer::decode(&img, layout).unwrap();
                assert_eq!(t.dtype(), dtype);
                assert_eq!(t.shape(), shape);
                let (found, which) = Trailer::find(&img).unwrap();
                assert_eq!((found, which), (t, layout), "{dtype} {shape:?}");
            }
        }
    }
}

#[test]
fn type_numbers_are_numpys() {
    let num = |s: &str| typenum(dt(s)).unwrap();
    assert_eq!(num("bool"), 0);
    assert_eq!(num("int8"), 1);
    assert_eq!(num("uint8"), 2);
    assert_eq!(num("int16"), 3);
    assert_eq!(num("uint32"), 6);
    assert_eq!(num("float16"), 23);
    assert_eq!(num("float32"), 11);
    assert_eq!(num("float64"), 12);
    assert_eq!(num("complex64"), 14);
    assert_eq!(num("complex128"), 15);
    let long64 = size_of::<std::ffi::c_long>() == 8;
    assert_eq!(num("int64"), if long64 { 7 } else { 9 });
    // Either spelling of a 64-bit integer reads back as int64.
    assert_eq!(dtype_of(9, 8).unwrap(), dt("int64"));
    assert_eq!(dtype_of(8, 8).unwrap(), dt("uint64"));
    assert_eq!(dtype_of(7, 4).unwrap(), dt("int32"));
}

#[test]
fn non_native_dtypes_are_refused() {
    let swapped = dt("float64").swapped();
    assert!(matches!(
        Trailer::new(&[3], swapped),
        Err(Error::UnsupportedDtype { .. })
    ));
}

#[test]
fn unmodelled_type_numbers_are_unsupported() {
    for typenum in [13, 16, 17, 18, 21, 99, -1] {
        assert!(
            matches!(dtype_of(typenum, 16), Err(Error::UnsupportedDtype { .. })),
            "{typenum}"
        );
    }
}

fn corrupt(at_from_trailer: usize, bytes: &[u8]) -> Result<Trailer> {
    let mut img = image(&[2, 3], dt("float64"), Layout::Numpy2);
    let start = img.len() - Layout::Numpy2.size();
    img[start + at_from_trailer..start + at_from_trailer + bytes.len()].copy_from_slice(bytes);
    Trailer::decode(&img, Layout::Numpy2)
}

#[test]
fn inconsistent_trailers_are_invalid_data() {
    let w = size_of::<usize>();
    let cases: Vec<(&str, Result<Trailer>)> = vec![
        ("magic", corrupt(0, b"[SharedArrax]")),
        ("size", corrupt(16, &47usize.to_ne_bytes())),
        ("itemsize", corrupt(20 + w, &4i32.to_ne_bytes())),
        ("ndims", corrupt(24 + w, &65i32.to_ne_bytes())),
        ("negative ndims", corrupt(24 + w, &(-1i32).to_ne_bytes())),
        ("negative dim", corrupt(HEAD, &(-2isize).to_ne_bytes())),
        ("too short", Trailer::decode(&[0u8; 100], Layout::Numpy2)),
    ];
    for (what, r) in cases {
        assert!(matches!(r, Err(Error::InvalidData(_))), "{what}: {r:?}");
    }
}

#[test]
fn data_must_fit_before_the_trailer() {
    // A trailer claiming 48 data bytes in an object with room for 8.
    let t = Trailer::new(&[6], dt("float64")).unwrap();
    let mut img = vec![0u8; 8];
    img.extend(t.encode(Layout::Numpy2).unwrap());
    assert!(matches!(
        Trailer::decode(&img, Layout::Numpy2),
        Err(Error::InvalidData(_))
    ));
}

#[test]
fn a_plain_segment_has_no_trailer() {
    let err = Trailer::find(&[7u8; 4096]).unwrap_err();
    assert!(matches!(err, Error::InvalidData(_)), "{err}");
}

#[test]
fn a_wrong_numpy2_trailer_is_not_read_as_numpy1() {
    let mut img = image(&[2], dt("int32"), Layout::Numpy2);
    let start = img.len() - Layout::Numpy2.size();
    img[start + 16] ^= 1; // size no longer agrees
    assert!(matches!(Trailer::find(&img), Err(Error::InvalidData(_))));
}

#[test]
fn descriptor_json_adds_the_layout() {
    let d = Descriptor::new("abc", &[2], dt("<i4")).unwrap();
    let line = descriptor_json(&d);
    assert!(line.ends_with(",\"layout\":\"sharedarray\"}"), "{line}");
    // Still an ordinary descriptor to readers that ignore the layout.
    assert_eq!(Descriptor::from_json(&line).unwrap(), d);
}

#[test]
fn from_json_leaves_other_descriptors_alone() {
    assert_eq!(
        from_json(r#"{"name":"a","shape":[1],"dtype":"<f8"}"#).unwrap(),
        None
    );
    assert_eq!(from_json("not json").unwrap(), None);
    assert!(matches!(
        from_json(r#"{"name":"a","layout":"other"}"#),
        Err(Error::InvalidDescriptor(_))
    ));
    assert!(matches!(
        from_json(r#"{"layout":"sharedarray"}"#),
        Err(Error::InvalidDescriptor(_))
    ));
}

#[test]
fn created_segments_attach_by_name_alone() {
    let mut made = create(None, &[2, 3], dt("int16")).unwrap();
    let name = made.segment().unwrap().name().to_owned();
    assert!(made.segment().unwrap().is_owner());
    // The segment's real length: exact on Linux, page-rounded elsewhere,
    // so attaching by name alone sees the same size.
    let real = made.segment().unwrap().len();
    assert_eq!(made.descriptor().segment_size(), Some(real));
    if crate::segment::EXACT_SIZES {
        assert_eq!(real, 12 + Layout::Numpy2.size());
    }
    made.set(&[1, 2], Scalar::Int(-7)).unwrap();

    let seen = attach(&name).unwrap();
    assert_eq!(seen.descriptor().shape(), &[2, 3]);
    assert_eq!(seen.descriptor().dtype(), dt("int16"));
    assert_eq!(seen.get(&[1, 2]).unwrap(), Scalar::Int(-7));
    assert!(!seen.segment().unwrap().is_owner());

    let json =
        format!(r#"{{"name":"{name}","layout":"sharedarray","shape":[2,3],"dtype":"int16"}}"#);
    assert_eq!(from_json(&json).unwrap().unwrap(), *seen.descriptor());
    let wrong = format!(r#"{{"name":"{name}","layout":"sharedarray","dtype":"<f8"}}"#);
    assert!(matches!(
        from_json(&wrong),
        Err(Error::DtypeMismatch { .. })
    ));
    let wrong = format!(r#"{{"name":"{name}","layout":"sharedarray","shape":[3,2]}}"#);
    assert!(matches!(from_json(&wrong), Err(Error::InvalidData(_))));
    drop(seen);
    drop(made);
    assert!(matches!(attach(&name), Err(Error::NotFound { .. })));
}

#[test]
fn empty_and_zero_d_arrays_are_created() {
    for shape in [&[][..], &[0, 3]] {
        let made = create(None, shape, dt("float32")).unwrap();
        let name = made.segment().unwrap().name().to_owned();
        let seen = attach(&name).unwrap();
        assert_eq!(seen.descriptor().shape(), shape);
    }
}

#[test]
fn a_plain_segment_is_not_a_sharedarray() {
    let plain = SharedArray::create(&[4], 1.5f64).unwrap();
    let name = plain.segment().unwrap().name().to_owned();
    let err = attach(&name).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidData(m) if m.contains(&name)),
        "{err}"
    );
}
