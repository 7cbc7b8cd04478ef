//! # xaa-testkit: the test kit
//!
//! What tests, the fuzz crate and the conformance suite share, written once and with no
//! dependency on the component (`xaa-guest`) or its host: the expected outcomes here are
//! written by hand, never computed by the code under test.
//!
//! - [`fixtures`]: the fixed world (identifiers, deterministic keys, JWK Sets, configurations).
//! - [`mint`]: compact JWS over exact header and payload bytes, signed deterministically.
//! - [`base64url`], [`form`]: the encodings tokens and requests are written in.
//! - [`cases`] (feature `suite`): every conformance case; [`cases::suite`] is what
//!   `xaa-suite generate` writes to `tests/vectors/conformance/suite.json`.
//! - [`differential`] (feature `suite`): the differential corpus derived from the suite, which
//!   `xaa-suite generate` writes to `tests/vectors/differential.json`.

pub mod base64url;
#[cfg(feature = "suite")]
pub mod cases;
#[cfg(feature = "suite")]
pub mod differential;
pub mod fixtures;
pub mod form;
pub mod mint;
#[cfg(feature = "suite")]
pub mod steps;

/// Where the generated suite is committed, relative to the repository root.
pub const SUITE_PATH: &str = "tests/vectors/conformance/suite.json";

/// Where the differential corpus derived from the suite is committed, relative to the
/// repository root.
pub const DIFFERENTIAL_PATH: &str = "tests/vectors/differential.json";
