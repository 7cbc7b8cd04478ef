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
        let hit = self.entries.get(token)?;
        if i128::from(hit.expires_at) > i128::from(now) - i128::from(leeway) {
            return Some(hit.clone());
        }
        self.entries.remove(token);
        self.order.retain(|t| t != token);
        self.bytes -= token.len();
        None
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
