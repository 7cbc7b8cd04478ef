//! The committed `tests/vectors/conformance/suite.json` and the differential corpus derived
//! from it, `tests/vectors/differential.json`, are exactly what the generator writes (and it
//! writes the same bytes twice): a case changed here without regenerating the vectors fails
//! `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use xaa_testkit::cases::suite;
use xaa_testkit::differential::differential;
use xaa_testkit::{DIFFERENTIAL_PATH, SUITE_PATH};

/// Panics unless the committed file at `path` (from the repository root) is `generated`.
fn assert_committed(path: &str, generated: &str) {
    let committed = std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_default();
    assert!(
        committed == generated,
        "{path} is stale: run `cargo run --release -p xaa-testkit --bin xaa-suite -- generate`"
    );
}

#[test]
fn generation_is_deterministic_and_matches_the_committed_vectors() {
    let a = suite().unwrap().to_json().unwrap();
    let b = suite().unwrap().to_json().unwrap();
    assert_eq!(a, b, "two generations differ");
    assert_committed(SUITE_PATH, &a);
}

#[test]
fn the_differential_corpus_is_derived_from_the_committed_suite() {
    let suite = suite().unwrap();
    let a = differential(&suite).unwrap().text;
    let b = differential(&suite).unwrap().text;
    assert_eq!(a, b, "two generations differ");
    assert_committed(DIFFERENTIAL_PATH, &a);
}
