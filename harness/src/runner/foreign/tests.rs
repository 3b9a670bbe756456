use super::*;

fn spec() -> PeerSpec {
    PeerSpec {
        name: "p".into(),
        argv: vec!["p".into()],
        form: "canonical",
        unsupported: vec![("float16".into(), "no half floats".into())],
        swapped: false,
        empty: true,
        serve: false,
        layout: None,
        side_unsupported: None,
        named_create: true,
        deviations: vec![(
            "seed-blog-write".into(),
            Side::Attaches,
            "a known difference".into(),
        )],
    }
}

fn case(name: &str) -> Case {
    let all = crate::cases::load(None).unwrap();
    all.into_iter().find(|c| c.name == name).expect(name)
}

#[test]
fn the_contract_a_peer_claims_decides_what_it_plays() {
    let peer = spec();
    assert_eq!(
        not_applicable(&case("seed-blog-write"), &peer, Side::Creates),
        None
    );
    assert_eq!(
        not_applicable(&case("seed-blog-write"), &peer, Side::Attaches).as_deref(),
        Some("a known difference")
    );
    let why = not_applicable(&case("pattern-float16"), &peer, Side::Creates).unwrap();
    assert!(why.contains("no half floats"), "{why}");
    let why = not_applicable(&case("swapped-child-writes-int16"), &peer, Side::Creates);
    assert!(why.unwrap().contains("byte order"));
    let why = not_applicable(&case("unlink-while-attached"), &peer, Side::Creates);
    assert!(why.is_some(), "rust_only cases stay with Rust");
}

#[test]
fn steps_a_peer_cannot_express_are_named_in_the_reason() {
    let why = not_applicable(&case("create-existing"), &spec(), Side::Attaches).unwrap();
    assert_eq!(why, "the peer command line has no create-segment");
}
