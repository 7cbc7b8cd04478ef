//! The verified access-token cache: a client reusing one access token for a session pays
//! for the signature once (DESIGN §9).
//!
//! Keyed by the exact token string (never by its signature: G06), bounded in entries and
//! bytes, first-in first-out eviction, and an entry never outlives its token's `exp`: a hit
//! re-checks `exp` against the current time and the leeway, so a cached verdict cannot
//! extend a token's life. Cleared on reconfiguration and on request.

use std::collections::{HashMap, VecDeque};

use crate::VerifiedToken;

/// Upper bound on the bytes of cached token strings.
const MAX_CACHED_BYTES: usize = 32 * 1024 * 1024;

/// A bounded map from token to verified result.
#[derive(Debug, Default)]
pub struct TokenCache {
    capacity: usize,
    bytes: usize,
    entries: HashMap<String, VerifiedToken>,
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

    /// A cached verdict still valid at `now` (with `leeway`), if any.
    pub fn get(&mut self, token: &str, now: i64, leeway: u32) -> Option<VerifiedToken> {
        let Some(hit) = self.entries.get(token) else {
            self.misses += 1;
            return None;
        };
        if i128::from(hit.expires_at) > i128::from(now) - i128::from(leeway) {
            self.hits += 1;
            return Some(hit.clone());
        }
        self.misses += 1;
        self.entries.remove(token);
        self.order.retain(|t| t != token);
        self.bytes -= token.len();
        None
    }

    /// Hits and misses since the last call (for a host's metrics), then zero.
    pub fn take_stats(&mut self) -> (u64, u64) {
        let stats = (self.hits, self.misses);
        self.hits = 0;
        self.misses = 0;
        stats
    }

    /// Remembers a verified token.
    pub fn put(&mut self, token: &str, verified: &VerifiedToken) {
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
        self.entries.insert(token.to_owned(), verified.clone());
        self.order.push_back(token.to_owned());
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.bytes = 0;
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(expires_at: i64) -> VerifiedToken {
        VerifiedToken {
            issuer: "https://as.example.com".into(),
            subject: "alice".into(),
            audience: vec!["https://mcp.example.com/mcp".into()],
            client_id: None,
            scope: None,
            resource: Vec::new(),
            jwt_id: "j".into(),
            issued_at: 0,
            expires_at,
            claims_json: "{}".into(),
            auth_time: None,
            acr: None,
            amr: None,
            tenant: None,
        }
    }

    #[test]
    fn stats_count_hits_and_misses_and_reset_when_taken() {
        let mut cache = TokenCache::new(4);
        assert!(cache.get("a", 100, 0).is_none());
        cache.put("a", &verified(200));
        assert!(cache.get("a", 150, 0).is_some());
        assert!(cache.get("a", 150, 0).is_some());
        // Expired: a miss, and the entry goes.
        assert!(cache.get("a", 250, 0).is_none());
        assert_eq!(cache.take_stats(), (2, 2));
        assert_eq!(cache.take_stats(), (0, 0));
        assert!(cache.is_empty());
    }
}
