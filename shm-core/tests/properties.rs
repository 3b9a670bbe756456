//! Property tests of the descriptor and dtype round trips and of the
//! parsers' refusal to panic. `PROPTEST_CASES` raises the case count.

mod strategies;

use proptest::prelude::*;
use shm_core::{DType, Descriptor};

proptest! {
    #[test]
    fn descriptor_emit_then_parse_is_the_identity(d in strategies::descriptor()) {
        let text = d.to_json();
        prop_assert_eq!(Descriptor::from_json(&text).unwrap(), d.clone());
        // And emitting again gives the same text: the form is canonical.
        prop_assert_eq!(Descriptor::from_json(&text).unwrap().to_json(), text);
    }

    #[test]
    fn wetlands_form_round_trips_for_c_order_at_offset_zero(
        name in strategies::name(),
        shape in prop::collection::vec(0usize..12, 0..=8),
        dtype in strategies::dtype(),
    ) {
        let d = Descriptor::new(&name, &shape, dtype).unwrap();
        let back = Descriptor::from_value(&d.to_wetlands_value().unwrap()).unwrap();
        prop_assert_eq!(back.shape(), d.shape());
        prop_assert_eq!(back.dtype(), d.dtype());
        if d.nbytes() > 0 {
            prop_assert_eq!(back.name(), d.name());
        }
    }

    #[test]
    fn dtype_parse_of_canonical_is_the_identity(d in strategies::dtype()) {
        prop_assert_eq!(DType::parse(&d.to_string()).unwrap(), d);
        prop_assert_eq!(DType::parse(&d.name()).unwrap(), d.native());
    }

    #[test]
    fn descriptor_parser_never_panics_on_strings(s in ".*") {
        let _ = Descriptor::from_json(&s);
    }

    #[test]
    fn descriptor_parser_never_panics_on_json(v in strategies::json()) {
        let _ = Descriptor::from_value(&v);
        let _ = DType::from_json(&v);
    }

    #[test]
    fn dtype_parser_never_panics(s in ".{0,12}") {
        let _ = DType::parse(&s);
    }
}
