//! `xaa conformance`: a conformance suite for ID-JAG resource authorization servers (and the
//! IdP and resource-server roles of this component).
//!
//! - The cases are data: `tests/vectors/conformance/suite.json`, in the `xaa-conformance/1`
//!   format of the `xaa-vectors` crate, written by the test kit's generator
//!   (`xaa-suite generate`, crate `xaa-testkit`), which this binary does not carry.
//! - [`run`]: runs a suite against any build of the component; [`client_call`] runs its
//!   `client` steps. `xaa conformance configs` writes the suite's configurations as JSON
//!   (serde's form of the generated bindings) for the other hosts that run the suite.
//! - [`remote`]: black-box mode against any resource authorization server over HTTP, signing
//!   its ID-JAGs with [`crate::es256`].

pub mod client_call;
pub mod remote;
pub mod run;
