//! The host side of the WIT `xaa:token/host` interface: one file per import. Failures are
//! returned as WIT errors (the component fails closed on them), never as traps.

pub mod clock;
pub mod entropy;
pub mod jwks;
pub mod replay;
pub mod verify;

use wasmtime::StoreLimits;

use crate::bindings::xaa::token::{host, types};

/// Per-store state: what the imports need, plus the store's resource limits.
pub struct HostState {
    /// Wall and monotonic time.
    pub clock: clock::Clock,
    /// JWK Set fetching.
    pub jwks: std::sync::Arc<dyn jwks::JwksFetcher>,
    /// Shared replay store.
    pub replay: std::sync::Arc<dyn replay::ReplayStore>,
    /// Native signature verification, if enabled.
    pub verifier: Option<verify::NativeVerifier>,
    /// Memory and table limits of the store.
    pub limits: StoreLimits,
}

impl types::Host for HostState {}

impl host::Host for HostState {
    fn now(&mut self) -> i64 {
        self.clock.now()
    }

    fn monotonic_millis(&mut self) -> u64 {
        self.clock.monotonic_millis()
    }

    fn fetch_jwks(&mut self, uri: String) -> Result<types::JwksResponse, types::FetchError> {
        self.jwks.fetch(&uri)
    }

    fn replay_insert(&mut self, key: String, expires_at: i64) -> Result<bool, types::ReplayError> {
        let now = self.clock.now();
        self.replay
            .insert(&key, expires_at, now)
            .map_err(types::ReplayError::Unavailable)
    }

    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        entropy::random_bytes(len)
    }

    fn verify_signature(
        &mut self,
        alg: types::Algorithm,
        key: types::PublicKey,
        message: Vec<u8>,
        signature: Vec<u8>,
    ) -> types::AcceleratedVerify {
        match &self.verifier {
            Some(verifier) => verifier.verify(alg, &key, &message, &signature),
            None => types::AcceleratedVerify::NotOffered,
        }
    }
}
