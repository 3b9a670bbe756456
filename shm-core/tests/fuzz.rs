//! Fuzz-style runs of the parsers: at least 100,000 inputs each, zero panics.
//!
//! Ignored by default (they take a while); CI runs them with
//! `cargo test -p shm-core --test fuzz -- --ignored`. `FUZZ_CASES` sets the
//! count.

mod strategies;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use shm_core::{DType, Descriptor};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Runs `check` on `cases()` inputs and counts the runs; a panic inside fails
/// the test with the input that caused it.
fn fuzz<S: Strategy>(strategy: S, check: impl Fn(S::Value)) -> u32
where
    S::Value: std::fmt::Debug,
{
    let runs = std::cell::Cell::new(0u32);
    runner()
        .run(&strategy, |input| {
            check(input);
            runs.set(runs.get() + 1);
            Ok(())
        })
        .unwrap();
    runs.get()
}

#[test]
#[ignore = "slow: run with --ignored"]
fn descriptor_parser_on_arbitrary_bytes() {
    let n = fuzz(prop::collection::vec(any::<u8>(), 0..256), |bytes| {
        let _ = Descriptor::from_json(&String::from_utf8_lossy(&bytes));
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            let _ = Descriptor::from_value(&v);
        }
    });
    assert!(n >= cases());
}

#[test]
#[ignore = "slow: run with --ignored"]
fn descriptor_parser_on_mutated_descriptors() {
    let n = fuzz(strategies::mutated_descriptor(), |text| {
        if let Ok(d) = Descriptor::from_json(&text) {
            // Whatever parses must emit and parse back to itself.
            assert_eq!(Descriptor::from_json(&d.to_json()).unwrap(), d);
        }
    });
    assert!(n >= cases());
}

#[test]
#[ignore = "slow: run with --ignored"]
fn dtype_parser_on_arbitrary_strings() {
    let n = fuzz(
        prop_oneof![".{0,16}", "[<>=|!@]?[a-zA-Z?][0-9]{0,3}"],
        |s| {
            if let Ok(d) = DType::parse(&s) {
                assert_eq!(DType::parse(&d.to_string()).unwrap(), d);
            }
        },
    );
    assert!(n >= cases());
}
