//! Compiled components, shared by every `Engine` of the process that runs the same bytes:
//! an `Engine` per test case or per configuration then costs an instantiation, not a
//! compilation (and not one more epoch ticker thread).

use std::sync::{Arc, Mutex, Weak};

use sha2::{Digest, Sha256};
use xaa_host::runtime::EMBEDDED_COMPONENT;
use xaa_host::{Limits, Runtime};

/// Runtimes alive somewhere in the process, by the SHA-256 (hex) of their component and the
/// id of the process that made them: a child after `fork()` has no epoch ticker thread (threads
/// do not survive a fork), so it must not reuse its parent's runtimes, whose calls would then
/// run without a time limit.
static LIVE: Mutex<Vec<(String, u32, Weak<Runtime>)>> = Mutex::new(Vec::new());

/// The hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The runtime for `wasm` (the embedded component when `None`) and its SHA-256; compiled
/// only when no live runtime has the same bytes. `Err`: the bytes are not a component this
/// host can run (wrong imports or exports, not wasm).
pub(crate) fn runtime_for(wasm: Option<&[u8]>) -> Result<(Arc<Runtime>, String), String> {
    let bytes = wasm.unwrap_or(EMBEDDED_COMPONENT);
    let sha = sha256_hex(bytes);
    let pid = std::process::id();
    let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    live.retain(|(_, made_by, weak)| *made_by == pid && weak.strong_count() > 0);
    if let Some(runtime) = live
        .iter()
        .find(|(s, _, _)| *s == sha)
        .and_then(|(_, _, weak)| weak.upgrade())
    {
        return Ok((runtime, sha));
    }
    // Compiling under the lock: two threads asking for the same new component compile once.
    let runtime = Arc::new(Runtime::new(bytes, Limits::default()).map_err(|e| format!("{e:#}"))?);
    live.push((sha.clone(), pid, Arc::downgrade(&runtime)));
    Ok((runtime, sha))
}
