//! Generated bindings of the `xaa` world, and nothing else.
#![allow(missing_docs)] // generated code; the WIT file carries the documentation

wasmtime::component::bindgen!({
    world: "xaa",
    path: "../wit",
    // `xaa conformance configs` writes the `config` record for the Python and Node runners
    // (serde's default form: snake_case field names, `null` for `none`, a variant case as
    // `{"Case": payload}` or `"Case"` without one); the Python extension
    // (bindings/python/native) reads that form back, for its configurations and `call`.
    additional_derives: [serde::Serialize, serde::Deserialize],
});
