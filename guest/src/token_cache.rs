//! The verified access-token cache: a client reusing one access token for a session pays
//! for the signature once (DESIGN §9).
//!
//! Keyed by the exact token string (never by its signature: G06), bounded in entries and
//! bytes, first-in first-out eviction, and an entry never outlives its token's `exp`: a hit
//! re-checks `exp` against the current time and the leeway, so a cached verdict cannot
//! extend a token's life. Nor does it outlive the trust it was given: an entry is kept at
//! most [`MAX_CACHE_TRUST_SECS`] after its verification, and remembers the key that verified
//! it, which the caller checks is still published before using a hit (`access_token`).
//! Cleared on reconfiguration and on request.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::jwk::TrustedKey;
use crate::VerifiedToken;

/// Longest a verified token is trusted from the cache before its signature is checked again.
pub const MAX_CACHE_TRUST_SECS: i64 = 300;

/// One remembered verdict: the token, the key that verified it, and when.
#[derive(Debug)]
struct Entry {
    verified: VerifiedToken,
    key: Arc<TrustedKey>,
    verified_at: i64,
}

/// Upper bound on the bytes of cached token strings.
const MAX_CACHED_BYTES: usize = 32 * 1024 * 1024;

/// A bounded map from token to verified result.
#[derive(Debug, Default)]
pub struct TokenCache {
    capacity: usize,
    bytes: usize,
    entries: HashMap<String, Entry>,
    order: VecDeque<String>,
    hits: u64,
    misses: u64,
}

impl TokenCache {
    /// A cache of `capacity` entries (0 disables it).
    pub fn new(capacity: usize) -> Self {
        TokenCache {
            capacity,
            ..TokenCache::default()
        }
    }

    /// A cached verdict still valid at `now` (with `leeway`) and verified less than
    /// [`MAX_CACHE_TRUST_SECS`] ago, with the key that verified it; `None` otherwise (an
    /// expired or too old entry is dropped).
    pub fn get(
        &mut self,
        token: &str,
        now: i64,
        leeway: u32,
    ) -> Option<(VerifiedToken, Arc<TrustedKey>)> {
        let Some(hit) = self.entries.get(token) else {
            self.misses += 1;
            return None;
        };
        let unexpired = i128::from(hit.verified.expires_at()) > i128::from(now) - i128::from(leeway);
        // A wall clock that stepped back makes the age negative: a miss, so that the full
        // verification judges `iat` / `nbf` against the new time.
        let recent = (0..=MAX_CACHE_TRUST_SECS).contains(&now.saturating_sub(hit.verified_at));
        if unexpired && recent {
            self.hits += 1;
            return Some((hit.verified.clone(), Arc::clone(&hit.key)));
        }
        self.misses += 1;
        self.forget(token);
        None
    }

    /// Drops one entry (its key was withdrawn, say).
    pub fn forget(&mut self, token: &str) {
        if self.entries.remove(token).is_some() {
            self.order.retain(|t| t != token);
            self.bytes -= token.len();
        }
    }

    /// Hits and misses since the last call (for a host's metrics), then zero.
    pub fn take_stats(&mut self) -> (u64, u64) {
        let stats = (self.hits, self.misses);
        self.hits = 0;
        self.misses = 0;
        stats
    }

    /// Remembers a token verified at `now` with `key`.
    pub fn put(&mut self, token: &str, verified: &VerifiedToken, key: Arc<TrustedKey>, now: i64) {
        if self.capacity == 0 || self.entries.contains_key(token) {
            return;
        }
        while self.entries.len() >= self.capacity || self.bytes + token.len() > MAX_CACHED_BYTES {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if self.entries.remove(&oldest).is_some() {
                self.bytes -= oldest.len();
            }
        }
        self.bytes += token.len();
        self.entries.insert(
            token.to_owned(),
            Entry {
                verified: verified.clone(),
                key,
                verified_at: now,
            },
        );
        self.order.push_back(token.to_owned());
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.bytes = 0;
    }

    // Used only outside the component (host, fuzz crate, tests), through `internals`.
    #[cfg(any(test, feature = "internals"))]
    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    // Used only outside the component (host, fuzz crate, tests), through `internals`.
    #[cfg(any(test, feature = "internals"))]
    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(expires_at: i64) -> VerifiedToken {
        VerifiedToken::for_tests("alice").with_expires_at(expires_at)
    }

    fn key() -> Arc<TrustedKey> {
        let set = crate::jwks::parse(
            r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#,
        )
        .unwrap();
        Arc::clone(&set.keys[0])
    }

    #[test]
    fn an_entry_is_trusted_for_five_minutes_at_most() {
        let mut cache = TokenCache::new(4);
        cache.put("a", &verified(10_000), key(), 100);
        assert!(cache.get("a", 100 + MAX_CACHE_TRUST_SECS, 0).is_some());
        assert!(cache.get("a", 101 + MAX_CACHE_TRUST_SECS, 0).is_none());
        assert!(cache.is_empty(), "a too old entry is dropped");
        // A wall clock that steps back is not a younger entry: a miss.
        cache.put("b", &verified(10_000), key(), 100);
        assert!(cache.get("b", 99, 0).is_none());
    }

    #[test]
    fn stats_count_hits_and_misses_and_reset_when_taken() {
        let mut cache = TokenCache::new(4);
        assert!(cache.get("a", 100, 0).is_none());
        cache.put("a", &verified(200), key(), 100);
        assert!(cache.get("a", 150, 0).is_some());
        assert!(cache.get("a", 150, 0).is_some());
        // Expired: a miss, and the entry goes.
        assert!(cache.get("a", 250, 0).is_none());
        assert_eq!(cache.take_stats(), (2, 2));
        assert_eq!(cache.take_stats(), (0, 0));
        assert!(cache.is_empty());
    }
}
