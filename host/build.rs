#![allow(clippy::expect_used, clippy::panic)] // a build script: failures must stop the build, loudly.
//! Builds the component for the host to embed: compiles `xaa-guest` for
//! `wasm32-unknown-unknown` (profile `guest`) in a nested cargo with its own target
//! directory, wraps the core module into a component with `wit-component`, and writes it to
//! `$OUT_DIR/xaa_token.wasm` (embedded by `include_bytes!`) and next to the `xaa` binary
//! (`target/<profile>/xaa_token.wasm`) for the Python and JavaScript hosts.
//!
//! Set `XAA_COMPONENT_WASM=/path/to/component.wasm` to embed a prebuilt component instead.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// Environment passed to the nested cargo; everything else (RUSTFLAGS, clippy's wrapper,
/// coverage flags, this build script's own CARGO_* variables) would leak the outer build's
/// settings into the wasm build.
const PASS_THROUGH: &[&str] = &[
    "PATH",
    "HOME",
    "TMPDIR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "RUSTC",
    "CARGO_MAKEFLAGS",
    "CARGO_NET_OFFLINE",
    "CARGO_HTTP_CAINFO",
    "SSL_CERT_FILE",
    "HTTPS_PROXY",
    "https_proxy",
];

fn main() {
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .expect("host/ lives in the workspace")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for watched in ["guest/src", "guest/Cargo.toml", "wit", "Cargo.lock"] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    println!("cargo:rerun-if-env-changed=XAA_COMPONENT_WASM");

    let component = match env::var("XAA_COMPONENT_WASM") {
        Ok(path) => fs::read(&path).unwrap_or_else(|e| panic!("XAA_COMPONENT_WASM={path}: {e}")),
        Err(_) => encode(&build_guest(&workspace)),
    };
    let digest = Sha256::digest(&component);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    println!("cargo:rustc-env=XAA_COMPONENT_SHA256={hex}");
    fs::write(out_dir.join("xaa_token.wasm"), &component).expect("write OUT_DIR/xaa_token.wasm");
    // OUT_DIR is target/<profile>/build/xaa-host-<hash>/out: publish beside the binary.
    if let Some(profile_dir) = out_dir.ancestors().nth(3) {
        let _ = fs::write(profile_dir.join("xaa_token.wasm"), &component);
    }
}

fn build_guest(workspace: &Path) -> Vec<u8> {
    let target_dir = workspace.join("target").join("guest-build");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .env_clear()
        .args([
            "build",
            "--package",
            "xaa-guest",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "guest",
            "--locked",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    for name in PASS_THROUGH {
        if let Ok(value) = env::var(name) {
            command.env(name, value);
        }
    }
    let output = command
        .output()
        .expect("run the nested cargo that builds the guest");
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint = if stderr.contains("wasm32-unknown-unknown")
            && stderr.contains("target may not be installed")
        {
            "\nhint: run `rustup target add wasm32-unknown-unknown` (scripts/setup does it)"
        } else {
            ""
        };
        panic!("building the xaa-guest component failed:\n{stderr}{hint}");
    }
    let module = target_dir.join("wasm32-unknown-unknown/guest/xaa_guest.wasm");
    fs::read(&module).unwrap_or_else(|e| panic!("{}: {e}", module.display()))
}

fn encode(module: &[u8]) -> Vec<u8> {
    wit_component::ComponentEncoder::default()
        .module(module)
        .and_then(|encoder| encoder.validate(true).encode())
        .unwrap_or_else(|e| panic!("wrapping the guest module into a component failed: {e:?}"))
}
