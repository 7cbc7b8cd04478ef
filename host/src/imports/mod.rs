//! The host side of the WIT `xaa:token/host` interface: one file per import. Failures are
//! returned as WIT errors (the component fails closed on them), never as traps.

pub mod clock;
pub mod entropy;
pub mod jwks;
pub mod redis_replay;
pub mod replay;
pub mod verify;

use std::time::{Duration, Instant};

use wasmtime::StoreLimits;

use crate::bindings::xaa::token::{host, types};

/// What an instance's imports are wired to. Cloned into every replacement instance, so the
/// replay store (an `Arc`) survives a trap.
#[derive(Clone)]
pub struct Imports {
    /// Clock.
    pub clock: clock::Clock,
    /// JWK Set fetcher.
    pub jwks: std::sync::Arc<dyn jwks::JwksFetcher>,
    /// Replay store.
    pub replay: std::sync::Arc<dyn replay::ReplayStore>,
    /// Native verifier, or `None` for the component's pure-Rust path.
    pub verifier: Option<verify::NativeVerifier>,
}

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
    /// Time accounting of the current export call.
    pub budget: CallBudget,
    /// Answer `fetch-jwks` with `would-block`: a call made on an async worker must not wait
    /// for the network (the caller fetches what `pending-jwks-fetches` lists, elsewhere).
    pub offline: bool,
    /// Set when an offline call was answered `would-block`: its caller must fetch and ask
    /// again.
    pub deferred_fetch: bool,
}

/// Time accounting of one export call: the guest may run `limit`; time the host spends in
/// imports (a JWKS fetch, a replay-store round trip) is not the guest's.
#[derive(Clone, Copy, Debug)]
pub struct CallBudget {
    /// When the current call started.
    pub started: Instant,
    /// Time spent inside host imports during the current call.
    pub in_imports: Duration,
    /// Guest time allowed per call.
    pub limit: Duration,
}

impl CallBudget {
    /// A budget of `limit` per call.
    pub fn new(limit: Duration) -> Self {
        CallBudget {
            started: Instant::now(),
            in_imports: Duration::ZERO,
            limit,
        }
    }

    /// Guest execution time so far in this call.
    pub fn guest_time(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.in_imports)
    }

    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let value = f();
        self.in_imports += start.elapsed();
        value
    }
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
        if self.offline {
            self.deferred_fetch = true;
            return Err(types::FetchError::WouldBlock);
        }
        let jwks = &self.jwks;
        self.budget.time(|| jwks.fetch(&uri))
    }

    fn replay_insert(&mut self, key: String, expires_at: i64) -> Result<bool, types::ReplayError> {
        let now = self.clock.now();
        let replay = &self.replay;
        self.budget
            .time(|| replay.insert(&key, expires_at, now))
            .map_err(types::ReplayError::Unavailable)
    }

    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        entropy::random_bytes(len)
    }

    fn register_public_key(&mut self, alg: types::Algorithm, key: types::PublicKey) -> Option<u32> {
        self.verifier.as_ref()?.register_public_key(alg, &key)
    }

    fn verify_signature(
        &mut self,
        key: u32,
        signing_input: String,
        signature: String,
    ) -> types::AcceleratedVerify {
        match &self.verifier {
            Some(verifier) => verifier.verify(key, &signing_input, &signature),
            None => types::AcceleratedVerify::NotOffered,
        }
    }

    fn register_signing_key(&mut self, d: Vec<u8>, public_point: Vec<u8>) -> Option<u32> {
        self.verifier
            .as_ref()?
            .register_signing_key(&d, &public_point)
    }

    fn sign_es256(&mut self, key: u32, signing_input: String) -> Option<String> {
        self.verifier.as_ref()?.sign_es256(key, &signing_input)
    }
}
