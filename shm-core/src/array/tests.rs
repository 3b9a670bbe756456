use super::*;
use crate::error::SizeExpectation;
use crate::segment;
use ndarray::{Array, arr2};
use num_complex::Complex;

#[test]
fn seed_blog_scenario_in_one_process() {
    let parent = SharedArray::create(&[5, 5], 0.0f64).unwrap();
    let json = parent.descriptor().to_json();
    let mut child = SharedArray::attach_as::<f64>(&Descriptor::from_json(&json).unwrap()).unwrap();
    child.view_mut::<f64>().unwrap()[[0, 0]] = 1.0;
    let view = parent.view::<f64>().unwrap();
    assert_eq!(view[[0, 0]], 1.0);
    assert_eq!(view.sum(), 1.0);
    assert_eq!(parent.sum().unwrap(), Scalar::F64(1.0));
}

#[test]
fn from_array_copies_values_and_shape() {
    let src = arr2(&[[1i32, 2, 3], [4, 5, 6]]);
    let shared = SharedArray::from_array(&src).unwrap();
    assert_eq!(shared.descriptor().shape(), &[2, 3]);
    assert_eq!(shared.view::<i32>().unwrap(), src.into_dyn());
    assert_eq!(shared.get(&[1, 2]).unwrap(), Scalar::Int(6));
}

#[test]
fn undersized_segment_is_a_size_mismatch() {
    let a = SharedArray::create(&[4], 0u8).unwrap();
    let lying = Descriptor::new(
        a.descriptor().name().unwrap(),
        &[8],
        DType::parse("u1").unwrap(),
    )
    .unwrap();
    if EXACT_SIZES {
        let err = SharedArray::attach(&lying).unwrap_err();
        assert!(
            matches!(
                err,
                Error::SizeMismatch {
                    expected: SizeExpectation::AtLeast(8),
                    ..
                }
            ),
            "{err}"
        );
    } else {
        // Page-rounded sizes (macOS, Windows): 8 bytes fit the page the OS
        // gave a 4-byte segment; one byte past the real size does not.
        let real = a.segment().unwrap().len();
        assert!(real >= 4096 && real % 4096 == 0, "{real}");
        assert!(SharedArray::attach(&lying).is_ok());
        let past = Descriptor::new(
            a.descriptor().name().unwrap(),
            &[real + 1],
            DType::parse("u1").unwrap(),
        )
        .unwrap();
        let err = SharedArray::attach(&past).unwrap_err();
        assert!(
            matches!(
                err,
                Error::SizeMismatch {
                    expected: SizeExpectation::AtLeast(n),
                    found,
                    ..
                } if n == real + 1 && found == real
            ),
            "{err}"
        );
    }
}

#[test]
fn dev_blog_dtype_mismatch_is_a_typed_error() {
    // The creator shares a (5, 5) float64 array: 200 bytes.
    let a = SharedArray::create(&[5, 5], 0.0f64).unwrap();
    let name = a.descriptor().name().unwrap();
    // A reader that believes it is float32 and says the segment is 100 bytes.
    let f32_desc = Descriptor::build(
        Some(name),
        &[5, 5],
        DType::parse("float32").unwrap(),
        Order::C,
        0,
        Some(100),
    )
    .unwrap();
    let attached = SharedArray::attach(&f32_desc);
    if EXACT_SIZES {
        let err = attached.unwrap_err();
        assert!(
            matches!(
                err,
                Error::SizeMismatch {
                    expected: SizeExpectation::Exactly(100),
                    found: 200,
                    ..
                }
            ),
            "{err}"
        );
    } else {
        // Page-rounded sizes cannot tell 100 from 200 bytes: the size check
        // passes and only the element type below catches the reader.
        assert!(attached.is_ok());
    }
    // With the right descriptor, asking for f32 elements is refused too.
    let err = SharedArray::attach_as::<f32>(a.descriptor()).unwrap_err();
    assert!(matches!(err, Error::DtypeMismatch { .. }), "{err}");
    let attached = SharedArray::attach(a.descriptor()).unwrap();
    assert!(matches!(
        attached.view::<f32>(),
        Err(Error::DtypeMismatch { .. })
    ));
}

#[test]
fn non_native_byte_order_gives_bytes_not_views() {
    let other = f64::dtype().swapped();
    let mut a = SharedArray::create_dtype(None, &[2], other).unwrap();
    a.set(&[1], Scalar::F64(1.5)).unwrap();
    assert!(matches!(
        a.view::<f64>(),
        Err(Error::NonNativeByteOrder { .. })
    ));
    assert_eq!(a.get(&[1]).unwrap(), Scalar::F64(1.5));
    let mut expected = 1.5f64.to_ne_bytes();
    expected.reverse();
    assert_eq!(&a.bytes()[8..], &expected);
}

#[test]
fn fortran_order_views_and_indices_agree() {
    let d = Descriptor::new("unused", &[2, 3], DType::parse("u2").unwrap()).unwrap();
    let a = SharedArray::create_dtype(None, d.shape(), d.dtype()).unwrap();
    let f =
        Descriptor::build(a.descriptor().name(), &[2, 3], d.dtype(), Order::F, 0, None).unwrap();
    let mut fa = SharedArray::attach(&f).unwrap();
    fa.set(&[1, 0], Scalar::Int(7)).unwrap();
    // Column-major: element [1, 0] is the second in memory.
    assert_eq!(&fa.bytes()[2..4], &7u16.to_ne_bytes());
    assert_eq!(&fa.bytes()[..2], &[0, 0]);
    assert_eq!(fa.view::<u16>().unwrap()[[1, 0]], 7);
}

#[test]
fn empty_and_zero_d_arrays() {
    let empty = SharedArray::create(&[3, 0], 0.0f32).unwrap();
    assert_eq!(empty.descriptor().nbytes(), 0);
    assert_eq!(empty.descriptor().segment_size(), Some(1));
    let again = SharedArray::attach_as::<f32>(empty.descriptor()).unwrap();
    assert_eq!(again.view::<f32>().unwrap().shape(), &[3, 0]);
    assert_eq!(again.sum().unwrap(), Scalar::F64(0.0));

    let mut scalar = SharedArray::create(&[], 0i64).unwrap();
    scalar.set(&[], Scalar::Int(-5)).unwrap();
    assert_eq!(scalar.view::<i64>().unwrap().first(), Some(&-5));
}

#[test]
fn wetlands_empty_array_attaches_without_a_segment() {
    let payload = serde_json::json!({"__wetlands_codec__": {
        "id": "wetlands.numpy-shm", "version": 1, "kind": "ndarray", "name": null,
        "shape": [0], "dtype": {"kind": "scalar", "value": "<f8"}, "nbytes": 0, "segment_size": 0}});
    let d = Descriptor::from_value(&payload).unwrap();
    let a = SharedArray::attach(&d).unwrap();
    assert!(a.segment().is_none());
    assert_eq!(a.view::<f64>().unwrap().len(), 0);
}

#[test]
fn every_element_type_views_and_sums() {
    let a = SharedArray::from_array(&Array::from(vec![true, false, true])).unwrap();
    assert_eq!(a.sum().unwrap(), Scalar::Int(2));
    let c = SharedArray::from_array(&Array::from(vec![
        Complex::new(1.0f64, 2.0),
        Complex::new(0.5, -1.0),
    ]))
    .unwrap();
    assert_eq!(c.sum().unwrap(), Scalar::C128(Complex::new(1.5, 1.0)));
    let h = SharedArray::create(&[4], crate::f16::from_f32(0.5)).unwrap();
    assert_eq!(h.sum().unwrap(), Scalar::F64(2.0));
    let u = SharedArray::from_array(&Array::from(vec![u64::MAX, u64::MAX])).unwrap();
    assert_eq!(u.sum().unwrap(), Scalar::Int(2 * u64::MAX as i128));
}

#[test]
fn corrupt_bool_bytes_are_refused_as_views() {
    let mut a = SharedArray::create(&[4], false).unwrap();
    a.bytes_mut()[2] = 7;
    assert!(matches!(a.view::<bool>(), Err(Error::InvalidData(_))));
    // Scalar access still works and reads any non-zero byte as true.
    assert_eq!(a.get(&[2]).unwrap(), Scalar::Bool(true));
}

#[test]
fn index_and_value_errors() {
    let mut a = SharedArray::create(&[2, 2], 0u8).unwrap();
    assert!(matches!(a.get(&[2, 0]), Err(Error::InvalidArgument(_))));
    assert!(matches!(a.get(&[0]), Err(Error::InvalidArgument(_))));
    assert!(matches!(
        a.set(&[0, 0], Scalar::Int(256)),
        Err(Error::InvalidArgument(_))
    ));
    a.fill(Scalar::Int(3)).unwrap();
    assert_eq!(a.sum().unwrap(), Scalar::Int(12));
}

#[test]
fn dropping_the_creator_unlinks_but_attached_arrays_do_not() {
    let a = SharedArray::create(&[2], 0u32).unwrap();
    let name = a.descriptor().name().unwrap().to_owned();
    drop(SharedArray::attach(a.descriptor()).unwrap());
    assert!(segment::Segment::attach(&name).is_ok());
    drop(a);
    assert!(matches!(
        segment::Segment::attach(&name),
        Err(Error::NotFound { .. })
    ));
}
