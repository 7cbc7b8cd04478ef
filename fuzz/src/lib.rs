//! The harness behind the cargo-fuzz targets in `fuzz_targets/`: each target is one line
//! that calls a function here, so the seed-corpus generator (`src/bin/gen_corpus.rs`) and the
//! regression replays run exactly the code the fuzzer runs.
//!
//! Everything calls the NATIVE `xaa-guest` rlib. A panic anywhere — in the guest or in one
//! of the invariant checks here — is a finding.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod fixtures;
pub mod grammar;
pub mod host;
pub mod targets;

pub use targets::{compact_header, jwks_parse, structured_verify, token_request};
