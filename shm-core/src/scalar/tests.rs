use super::*;

fn dt(s: &str) -> DType {
    DType::parse(s).unwrap()
}

fn round_trip(dtype: &str, text: &str) -> String {
    let d = dt(dtype);
    let v = Scalar::parse(d, text).unwrap();
    let mut buf = vec![0u8; d.itemsize()];
    v.to_bytes(d, &mut buf).unwrap();
    Scalar::from_bytes(d, &buf).unwrap().to_string()
}

#[test]
fn integers_round_trip_at_their_limits() {
    assert_eq!(round_trip("<i1", "-128"), "-128");
    assert_eq!(round_trip(">i2", "-2"), "-2");
    assert_eq!(
        round_trip(">u8", "18446744073709551615"),
        "18446744073709551615"
    );
    assert_eq!(
        round_trip("<i8", "-9223372036854775808"),
        "-9223372036854775808"
    );
}

#[test]
fn out_of_range_values_are_refused() {
    for (d, v) in [
        ("u1", "256"),
        ("u1", "-1"),
        ("<i2", "40000"),
        ("<f4", "1e39"),
        ("|b1", "2"),
        ("<i4", "1.5"),
    ] {
        assert!(
            matches!(Scalar::parse(dt(d), v), Err(Error::InvalidArgument(_))),
            "{d} {v}"
        );
    }
}

#[test]
fn floats_print_shortest_round_trip_decimals() {
    assert_eq!(round_trip("<f4", "0.1"), "0.1");
    assert_eq!(round_trip("<f8", "0.1"), "0.1");
    assert_eq!(round_trip("<f8", "1"), "1.0");
    assert_eq!(round_trip(">f8", "-2.5"), "-2.5");
    assert_eq!(round_trip("<f2", "0.1"), "0.1");
    // numpy prints float16(65504) as 65500.0: the shortest text that reads back.
    assert_eq!(round_trip("<f2", "65504"), "65500.0");
    assert_eq!(round_trip("<f8", "nan"), "nan");
    assert_eq!(round_trip("<f4", "-inf"), "-inf");
    assert_eq!(round_trip("<f8", "1e300"), "1e300");
}

#[test]
fn complex_values_use_python_syntax() {
    assert_eq!(round_trip("<c16", "1+2j"), "(1.0+2.0j)");
    assert_eq!(round_trip(">c8", "(1.5-2j)"), "(1.5-2.0j)");
    assert_eq!(round_trip("<c16", "3j"), "(0.0+3.0j)");
    assert_eq!(round_trip("<c16", "-1e-3-1e+2j"), "(-0.001-100.0j)");
    assert_eq!(round_trip("<c8", "4"), "(4.0+0.0j)");
    assert!(Scalar::parse(dt("<c16"), "1+j+").is_err());
}

#[test]
fn bools_accept_python_spellings() {
    assert_eq!(round_trip("|b1", "True"), "true");
    assert_eq!(round_trip("|b1", "0"), "false");
    assert!(Scalar::parse(dt("|b1"), "yes").is_err());
}

#[test]
fn byte_order_is_honoured() {
    let mut buf = [0u8; 4];
    Scalar::Int(1).to_bytes(dt(">i4"), &mut buf).unwrap();
    assert_eq!(buf, [0, 0, 0, 1]);
    Scalar::Int(1).to_bytes(dt("<i4"), &mut buf).unwrap();
    assert_eq!(buf, [1, 0, 0, 0]);
    let mut c = [0u8; 8];
    Scalar::C64(Complex::new(1.0, 0.0))
        .to_bytes(dt(">c8"), &mut c)
        .unwrap();
    assert_eq!(c, [0x3f, 0x80, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn values_compare_across_representations() {
    assert!(Scalar::F64(1.0).same_value(&Scalar::F32(1.0)));
    assert!(Scalar::F64(2.0).same_value(&Scalar::Int(2)));
    assert!(Scalar::F64(f64::NAN).same_value(&Scalar::F16(f16::NAN)));
    assert!(!Scalar::F64(0.5).same_value(&Scalar::F64(0.25)));
    assert!(!Scalar::Bool(true).same_value(&Scalar::Int(2)));
    assert!(
        Scalar::C128(Complex::new(1.0, -1.0)).same_value(&Scalar::C64(Complex::new(1.0, -1.0)))
    );
}

#[test]
fn sum_and_fill_over_bytes_in_either_order() {
    let be = dt(">i2");
    let mut bytes = [0u8; 6];
    fill(be, Scalar::Int(-3), &mut bytes).unwrap();
    assert_eq!(bytes, [0xff, 0xfd, 0xff, 0xfd, 0xff, 0xfd]);
    assert_eq!(sum(be, &bytes).unwrap(), Scalar::Int(-9));
    assert!(fill(be, Scalar::Int(1 << 20), &mut bytes).is_err());
    assert_eq!(
        sum(dt("<c8"), &[]).unwrap(),
        Scalar::C128(Complex::new(0.0, 0.0))
    );
}

#[test]
fn garbage_text_is_an_error() {
    for d in ["<f8", "<i4", "<c16", "|b1"] {
        for t in ["", "abc", "1..2", "--1", "1+"] {
            assert!(Scalar::parse(dt(d), t).is_err(), "{d} {t:?}");
        }
    }
}
