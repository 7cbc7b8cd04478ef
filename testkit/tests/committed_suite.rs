//! The committed `tests/vectors/conformance/suite.json` is exactly what the generator writes
//! (and the generator writes the same bytes twice): a case changed here without regenerating
//! the vectors fails `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use xaa_testkit::cases::suite;
use xaa_testkit::SUITE_PATH;

#[test]
fn generation_is_deterministic_and_matches_the_committed_vectors() {
    let a = suite().unwrap().to_json().unwrap();
    let b = suite().unwrap().to_json().unwrap();
    assert_eq!(a, b, "two generations differ");
    let path = format!("{}/../{SUITE_PATH}", env!("CARGO_MANIFEST_DIR"));
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == a,
        "{SUITE_PATH} is stale: run `cargo run --release -p xaa-testkit --bin xaa-suite -- generate`"
    );
}
