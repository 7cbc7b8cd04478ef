//! What the component asks of its host, as a Rust trait.
//!
//! The wasm build implements it with the WIT imports (`wit.rs`); native tests and benches
//! implement it directly. Nothing else in the guest reaches the outside world.

use crate::jose_header::Alg;

/// A JWK Set response fetched by the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwksResponse {
    /// HTTP status of the final response.
    pub status: u16,
    /// The body, as text.
    pub body: String,
    /// `Cache-Control: max-age`, if the host read one.
    pub max_age: Option<u32>,
}

/// Why a fetch produced no response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// Transport-level failure (log-safe text).
    Failed(String),
    /// The host cannot fetch synchronously; it will fetch later and call `supply_jwks`.
    WouldBlock,
}

/// A public key as the host's native verifier receives it.
#[derive(Clone, Copy, Debug)]
pub enum PublicKeyRef<'a> {
    /// Uncompressed SEC1 point on P-256.
    EcP256(&'a [u8]),
    /// RSA modulus and exponent, big-endian.
    Rsa {
        /// Modulus.
        n: &'a [u8],
        /// Public exponent.
        e: &'a [u8],
    },
}

/// The answer of the host's optional native verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accelerated {
    /// The signature verifies.
    Valid,
    /// The signature does not verify.
    Invalid,
    /// No native verifier: the component verifies itself.
    NotOffered,
}

/// The host interface (WIT `xaa:token/host`).
pub trait Host {
    /// Wall-clock seconds since the Unix epoch.
    fn now(&mut self) -> i64;
    /// Monotonic milliseconds, for cache ages and cooldowns.
    fn monotonic_millis(&mut self) -> u64;
    /// GET a JWK Set URI.
    fn fetch_jwks(&mut self, uri: &str) -> Result<JwksResponse, FetchError>;
    /// Insert `key` until `expires_at` if absent: `Ok(true)` when new, `Ok(false)` when seen.
    fn replay_insert(&mut self, key: &str, expires_at: i64) -> Result<bool, String>;
    /// Secure random bytes.
    fn random_bytes(&mut self, len: u32) -> Vec<u8>;
    /// Native signature verification, if the host has it.
    fn verify_signature(
        &mut self,
        alg: Alg,
        key: PublicKeyRef<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Accelerated;
    /// Native ES256 signing (r || s) with the private scalar `d` of `point`, if the host has
    /// it; `None` lets the component sign in pure Rust.
    fn sign_es256(&mut self, _d: &[u8], _point: &[u8], _message: &[u8]) -> Option<Vec<u8>> {
        None
    }
}
