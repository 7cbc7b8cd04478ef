//! The Wasmtime engine, the compiled component and the pre-linked `XaaPre`: built once per
//! process, shared by every instance; and the stores instances live in, with their limits.
//!
//! Execution is bounded by epoch interruption: a ticker thread advances the engine's epoch
//! every [`EPOCH_TICK`]; when a call's deadline passes, a callback compares the time the
//! *guest* has run (wall time minus time spent in host imports, so a slow JWKS fetch does
//! not count) with [`Limits::time_per_call`] and interrupts the guest past it. Epochs cost
//! far less than fuel metering (fuel added ~4 µs, 15 %, to every RS256 verdict).
//!
//! Compiling the component with Cranelift takes ~0.2 s; the compiled artifact is cached on
//! disk (keyed by the component's SHA-256 and the engine's compatibility hash) in a private
//! directory, so later processes deserialize it in ~1 ms. Set `XAA_NO_COMPILE_CACHE=1` to
//! disable the disk cache.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::error::Context as _;
use wasmtime::Result;
use wasmtime::{Config, Engine, Store, StoreLimitsBuilder, UpdateDeadline};

use crate::bindings::{Xaa, XaaPre};
use crate::imports::{CallBudget, HostState, Imports};

/// The component this host was built with (see build.rs).
pub static EMBEDDED_COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/xaa_token.wasm"));

/// How often the engine's epoch advances; the granularity of the time budget.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Execution limits applied to every call into the component.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Guest execution time one export call may use before it is interrupted (time spent in
    /// host imports is not counted).
    pub time_per_call: Duration,
    /// Linear memory one instance may grow to, in bytes.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // The slowest legitimate call, a pure-Rust RSA-4096 verify in wasm, takes a few
            // milliseconds; a hostile input that looped would be cut off after a second.
            time_per_call: Duration::from_secs(1),
            memory_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Engine + compiled component + linker, ready to instantiate.
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) pre: XaaPre<HostState>,
    pub(crate) limits: Limits,
}

impl Runtime {
    /// A runtime for the embedded component.
    pub fn embedded(limits: Limits) -> Result<Self> {
        Self::new(EMBEDDED_COMPONENT, limits)
    }

    /// A runtime for a component given as bytes (e.g. `--component PATH`).
    pub fn new(component_bytes: &[u8], limits: Limits) -> Result<Self> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config)?;
        start_epoch_ticker(&engine);
        let component = load_component(&engine, component_bytes)?;
        let mut linker = Linker::<HostState>::new(&engine);
        Xaa::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)?;
        let pre = XaaPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Runtime {
            engine,
            pre,
            limits,
        })
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The pre-linked component (for hosts that manage stores themselves).
    pub fn instance_pre(&self) -> &XaaPre<HostState> {
        &self.pre
    }

    /// A store for one instance: host state wired to `imports`, the memory cap, and the
    /// epoch callback that enforces the per-call time budget.
    pub fn new_store(&self, imports: &Imports) -> Store<HostState> {
        let state = HostState {
            clock: imports.clock.clone(),
            jwks: imports.jwks.clone(),
            replay: imports.replay.clone(),
            verifier: imports.verifier.clone(),
            limits: StoreLimitsBuilder::new()
                .memory_size(self.limits.memory_bytes)
                .instances(16)
                .trap_on_grow_failure(true)
                .build(),
            budget: CallBudget::new(self.limits.time_per_call),
            offline: false,
            deferred_fetch: false,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.epoch_deadline_callback(|ctx| {
            let budget = &ctx.data().budget;
            Ok(if budget.guest_time() >= budget.limit {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Continue(1)
            })
        });
        begin_call(&mut store);
        store
    }
}

/// Starts the budget of one export call: resets the guest clock and arms the deadline
/// (immediately, for a budget shorter than one tick).
pub fn begin_call(store: &mut Store<HostState>) {
    let budget = &mut store.data_mut().budget;
    budget.started = Instant::now();
    budget.in_imports = Duration::ZERO;
    let ticks = if budget.limit < EPOCH_TICK { 0 } else { 1 };
    store.set_epoch_deadline(ticks);
}

/// One ticker thread per engine; it stops when the engine is dropped.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let _ = std::thread::Builder::new()
        .name("xaa-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(EPOCH_TICK);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => break,
            }
        });
}

fn load_component(engine: &Engine, bytes: &[u8]) -> Result<Component> {
    let cache = if std::env::var_os("XAA_NO_COMPILE_CACHE").is_some() {
        None
    } else {
        cache_file(engine, bytes)
    };
    if let Some(path) = &cache {
        if let Some(component) = deserialize_cached(engine, path) {
            return Ok(component);
        }
    }
    let component = Component::new(engine, bytes).context("compiling the component")?;
    if let Some(path) = &cache {
        if let Ok(serialized) = component.serialize() {
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, serialized).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
    }
    Ok(component)
}

fn cache_file(engine: &Engine, bytes: &[u8]) -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let dir = base.join("xaa-token");
    private_dir(&dir)?;
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let wasm: String = Sha256::digest(bytes)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(dir.join(format!("{wasm}-{:016x}.cwasm", hasher.finish())))
}

/// Creates (or accepts) a cache directory only if it is private to this user: a compiled
/// artifact is native code, so nobody else may be able to write it.
#[cfg(unix)]
fn private_dir(dir: &Path) -> Option<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir);
    let meta = std::fs::symlink_metadata(dir).ok()?;
    // SAFETY-free check: compare with the owner of a file we just created ourselves.
    let probe = dir.join(format!(".owner-{}", std::process::id()));
    std::fs::write(&probe, b"").ok()?;
    let me = std::fs::metadata(&probe).ok()?.uid();
    let _ = std::fs::remove_file(&probe);
    let private = meta.is_dir() && meta.uid() == me && meta.permissions().mode() & 0o077 == 0;
    private.then_some(())
}

#[cfg(not(unix))]
fn private_dir(_dir: &Path) -> Option<()> {
    None
}

#[allow(unsafe_code)]
fn deserialize_cached(engine: &Engine, path: &Path) -> Option<Component> {
    // SAFETY: `Component::deserialize_file` trusts the file to be a compiled artifact made by
    // this engine. The file sits in a directory that `private_dir` verified is owned by this
    // user and writable by nobody else, its name binds the component's hash and the engine's
    // compatibility hash, and it was written by `load_component` from `Component::serialize`.
    unsafe { Component::deserialize_file(engine, path) }.ok()
}

/// The SHA-256, imports and exports of a component, as JSON (for `xaa component info` and
/// the import-list test).
pub fn describe(bytes: &[u8]) -> Result<serde_json::Value> {
    use sha2::{Digest, Sha256};
    let engine = Engine::default();
    let component = Component::new(&engine, bytes)?;
    let ty = component.component_type();
    let imports: Vec<String> = ty
        .imports(&engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    let exports: Vec<String> = ty
        .exports(&engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    let sha: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(serde_json::json!({
        "sha256": sha,
        "bytes": bytes.len(),
        "imports": imports,
        "exports": exports,
    }))
}
