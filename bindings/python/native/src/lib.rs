//! # xaa_token._native: the xaa-token component in CPython, through the Wasmtime host
//!
//! A CPython extension (stable ABI, Python >= 3.11) that embeds `xaa_host`: the same
//! component, limits, trap handling and native aws-lc-rs verifier as the `xaa` command. It
//! holds no protocol rule; every verdict is the component's.
//!
//! ```python
//! from xaa_token._native import Engine, Trap
//! engine = Engine(config_json, now=None, accelerators=True, instances=4)
//! engine.validate_access_token(token)
//! # ("valid", issuer, subject, audience: list[str], client_id | None, scope | None,
//! #  resource: list[str], jwt_id, issued_at, expires_at, claims_json)
//! # ("rejected", code, oauth_error, http_status, www_authenticate | None, description)
//! engine.validate_id_jag(token, client_id)                  # the same tuples
//! engine.http("resource-server", "GET", "/mcp", [("Authorization", "Bearer ...")], b"")
//! # (status, [(name, value)], body: bytes, verdict_code | None, audit_event | None)
//! engine.call("client.basic-authorization", '["id", "secret"]')   # JSON in, JSON out
//! ```
//!
//! Build: `cargo build --release --workspace` (or `-p xaa-token-native`); install
//! `target/release/libxaa_token_native.so` as `xaa_token/_native.abi3.so`.

mod convert;
mod engine;
mod exports;
mod pool;
mod runtimes;
mod serde_shape;

use pyo3::prelude::*;

pyo3::create_exception!(
    xaa_token._native,
    Trap,
    pyo3::exceptions::PyRuntimeError,
    "The component trapped (it ran out of time or memory, or failed); the instance was replaced."
);

/// The module `xaa_token._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::Engine>()?;
    m.add("Trap", m.py().get_type::<Trap>())?;
    m.add("MAX_INSTANCES", engine::MAX_INSTANCES)?;
    m.add("MAX_TIME_BUDGET_SECONDS", engine::MAX_TIME_BUDGET_SECONDS)?;
    m.add(
        "EMBEDDED_COMPONENT_SHA256",
        runtimes::sha256_hex(xaa_host::runtime::EMBEDDED_COMPONENT),
    )?;
    Ok(())
}
