//! The host's integration tests: ONE test binary built from topic modules, so the component
//! is compiled and linked once (one `Runtime` per process, see `common`) and `cargo test`
//! links one executable instead of one per file. Each module runs its topic through the real
//! component (the embedded `.wasm` in Wasmtime) or the real `xaa` binary; run one topic with
//! a name filter, e.g. `cargo test --release --workspace --test it jwks_faults::`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod common;

mod catalog;
mod client_cli;
mod component;
mod conformance;
mod gateway;
mod idp_chain;
mod idp_sign_in;
mod jwks_faults;
mod jwks_http;
mod raw_http;
mod replay_redis;
mod rfc_fixtures;
mod rules;
mod serve_as;
mod serve_as_rules;
mod serve_idp;
mod serve_idp_rules;
mod serve_resource;
mod server_limits;
mod sign_in_client;
mod smoke;
mod wycheproof_jws;
