//! `replay-insert`: atomic insert-if-absent of a key until it expires.
//!
//! The in-memory store is bounded; when full it first drops expired keys, and if still full
//! it answers "unavailable" so the component fails closed rather than forget a key early.

use std::collections::HashMap;
use std::sync::Mutex;

/// A replay store shared by every instance of a process ([`MemoryReplayStore`]) or by several
/// processes ([`super::redis_replay::RedisReplayStore`]).
pub trait ReplayStore: Send + Sync {
    /// Inserts `key` until `expires_at` if absent: `Ok(true)` when new, `Ok(false)` when
    /// present and unexpired, `Err` when the store cannot answer.
    fn insert(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, String>;
}

/// Default capacity of [`MemoryReplayStore`].
pub const DEFAULT_REPLAY_CAPACITY: usize = 1_000_000;

/// A bounded in-process store.
#[derive(Debug)]
pub struct MemoryReplayStore {
    capacity: usize,
    keys: Mutex<HashMap<String, i64>>,
}

impl MemoryReplayStore {
    /// A store holding at most `capacity` unexpired keys.
    pub fn new(capacity: usize) -> Self {
        MemoryReplayStore {
            capacity,
            keys: Mutex::new(HashMap::new()),
        }
    }
}

impl ReplayStore for MemoryReplayStore {
    fn insert(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, String> {
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| "replay store lock poisoned".to_string())?;
        if let Some(&until) = keys.get(key) {
            if until >= now {
                return Ok(false);
            }
        }
        if keys.len() >= self.capacity && !keys.contains_key(key) {
            keys.retain(|_, until| *until >= now);
            if keys.len() >= self.capacity {
                return Err(format!("replay store full ({} keys)", self.capacity));
            }
        }
        keys.insert(key.to_owned(), expires_at);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_once_then_seen_then_expired() {
        let store = MemoryReplayStore::new(2);
        assert_eq!(store.insert("a", 100, 50), Ok(true));
        assert_eq!(store.insert("a", 100, 60), Ok(false));
        assert_eq!(store.insert("a", 200, 101), Ok(true));
    }

    #[test]
    fn full_store_fails_closed() {
        let store = MemoryReplayStore::new(2);
        assert_eq!(store.insert("a", 100, 50), Ok(true));
        assert_eq!(store.insert("b", 100, 50), Ok(true));
        assert!(store.insert("c", 100, 50).is_err());
        assert_eq!(
            store.insert("c", 300, 150),
            Ok(true),
            "expired keys make room"
        );
    }
}
