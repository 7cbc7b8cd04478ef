//! Linker arguments an extension module needs on macOS (none on Linux).

fn main() {
    pyo3_build_config::add_extension_module_link_args();
}
