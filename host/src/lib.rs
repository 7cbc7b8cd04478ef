//! # xaa-host: the Wasmtime host of the xaa-token component
//!
//! The component decides; this crate moves bytes. It compiles the embedded component once
//! ([`runtime::Runtime`]), instantiates it from a pre-linked `XaaPre`, wires the WIT imports
//! to the system clock, an HTTP JWK Set fetcher, a bounded replay store, OS entropy and an
//! optional native verifier ([`imports`]), and runs every call under time and memory limits
//! where a trap becomes a rejection ([`instance::Validator`]). It contains no protocol rule:
//! an `if` on a token value here would be a bug.

pub mod bindings;
pub mod client;
pub mod config_file;
pub mod conformance;
pub mod es256;
pub mod gateway;
pub mod imports;
pub mod instance;
pub mod runtime;
pub mod server;
pub mod sign_in;

pub use bindings::xaa::token::types as wit;
pub use imports::Imports;
pub use instance::{ConfigureError, Validator};
pub use runtime::{Limits, Runtime};

use std::sync::Arc;

/// Imports for a command-line or server process: the system clock (or a pinned one), HTTP
/// JWK Set fetches, an in-memory replay store, and the native verifier when `native` is set.
pub fn default_imports(now: Option<i64>, native: bool) -> Imports {
    Imports {
        clock: now.map_or_else(imports::clock::Clock::system, imports::clock::Clock::pinned),
        jwks: Arc::new(imports::jwks::HttpJwksFetcher::default()),
        replay: Arc::new(imports::replay::MemoryReplayStore::new(
            imports::replay::DEFAULT_REPLAY_CAPACITY,
        )),
        verifier: native.then(imports::verify::NativeVerifier::new),
    }
}
