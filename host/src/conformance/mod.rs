//! `xaa conformance`: a conformance suite for ID-JAG resource authorization servers (and the
//! IdP and resource-server roles of this component).
//!
//! - [`suite`]: the versioned vector format (`xaa-conformance/1`).
//! - [`fixtures`], [`mint`]: the fixed world and deterministic token minting.
//! - [`cases`]: every case, grouped by where its rule lives (catalog rows, spec rules,
//!   Wycheproof, the specs' own examples); `xaa conformance generate` writes them to
//!   `tests/vectors/conformance/suite.json`.
//! - [`run`]: runs a suite against any build of the component.
//! - [`remote`]: black-box mode against any resource authorization server over HTTP.

pub mod cases;
pub mod fixtures;
pub mod mint;
pub mod remote;
pub mod run;
pub mod suite;
