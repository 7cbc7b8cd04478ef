//! A fixed host for the crate's tests (unit and, with `internals`, integration): pinned clock, no network, every replay key new,
//! no native verifier.

use crate::host::{Accelerated, FetchError, Host, JwksResponse, PublicKeyRef};
use crate::jose_header::Alg;

/// See the module doc.
#[derive(Debug, Default)]
pub struct FixedHost {
    /// Seconds since the epoch `now` returns (0 means 1_800_000_000).
    pub now: i64,
}

impl Host for FixedHost {
    fn now(&mut self) -> i64 {
        if self.now == 0 {
            1_800_000_000
        } else {
            self.now
        }
    }
    fn monotonic_millis(&mut self) -> u64 {
        0
    }
    fn fetch_jwks(&mut self, _: &str) -> Result<JwksResponse, FetchError> {
        Err(FetchError::Failed("offline".into()))
    }
    fn replay_insert(&mut self, _: &str, _: i64) -> Result<bool, String> {
        Ok(true)
    }
    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        vec![0x5a; len as usize]
    }
    fn verify_signature(&mut self, _: Alg, _: PublicKeyRef<'_>, _: &[u8], _: &[u8]) -> Accelerated {
        Accelerated::NotOffered
    }
}
