//! Generated bindings of the `xaa` world, and nothing else.
#![allow(missing_docs)] // generated code; the WIT file carries the documentation

wasmtime::component::bindgen!({
    world: "xaa",
    path: "../wit",
});
