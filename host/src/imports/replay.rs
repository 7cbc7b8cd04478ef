//! `replay-insert`: atomic insert-if-absent of a key until it expires.
//!
//! The in-memory store is bounded twice: in all, and per partition (the issuer of an ID-JAG or
//! the client of a client assertion, the middle part of the component's keys), so that one
//! client flooding assertions fills only its own share and every other client's grants go on.
//! When full it answers "unavailable", so the component fails closed rather than forget a key
//! early. Expired keys leave through a heap ordered by expiry: each insert drops only what is
//! due, never scanning the whole store.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
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

#[derive(Debug, Default)]
struct State {
    keys: HashMap<String, i64>,
    /// (expiry, key), soonest first; an entry whose key was since re-inserted with another
    /// expiry is skipped when it comes up.
    due: BinaryHeap<Reverse<(i64, String)>>,
    per_partition: HashMap<String, usize>,
}

/// A bounded in-process store.
#[derive(Debug)]
pub struct MemoryReplayStore {
    capacity: usize,
    partition_capacity: usize,
    state: Mutex<State>,
}

impl MemoryReplayStore {
    /// A store holding at most `capacity` unexpired keys, a tenth of them per partition.
    pub fn new(capacity: usize) -> Self {
        Self::with_partition_capacity(capacity, (capacity / 10).max(1))
    }

    /// A store holding at most `capacity` unexpired keys, `partition_capacity` per partition.
    pub fn with_partition_capacity(capacity: usize, partition_capacity: usize) -> Self {
        MemoryReplayStore {
            capacity,
            partition_capacity,
            state: Mutex::new(State::default()),
        }
    }
}

/// The partition of a component key `<kind>:<partition>:<id>`: `<kind>:<partition>` (a key
/// of another shape is its own partition).
fn partition(key: &str) -> &str {
    match key.match_indices(':').nth(1) {
        Some((at, _)) => &key[..at],
        None => key,
    }
}

impl State {
    /// Drops every key that expired before `now`.
    fn expire(&mut self, now: i64) {
        while self
            .due
            .peek()
            .is_some_and(|Reverse((until, _))| *until < now)
        {
            let Some(Reverse((until, key))) = self.due.pop() else {
                break;
            };
            if self.keys.get(&key) == Some(&until) {
                self.keys.remove(&key);
                if let Some(count) = self.per_partition.get_mut(partition(&key)) {
                    *count = count.saturating_sub(1);
                    if *count == 0 {
                        self.per_partition.remove(partition(&key));
                    }
                }
            }
        }
    }
}

impl ReplayStore for MemoryReplayStore {
    fn insert(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, String> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| "replay store lock poisoned".to_string())?;
        state.expire(now);
        if state.keys.contains_key(key) {
            return Ok(false);
        }
        if state.keys.len() >= self.capacity {
            return Err(format!("replay store full ({} keys)", self.capacity));
        }
        let part = partition(key);
        let held = state.per_partition.get(part).copied().unwrap_or(0);
        if held >= self.partition_capacity {
            return Err(format!(
                "replay store: this issuer or client already holds {} unexpired keys",
                self.partition_capacity
            ));
        }
        state.per_partition.insert(part.to_owned(), held + 1);
        state.keys.insert(key.to_owned(), expires_at);
        state.due.push(Reverse((expires_at, key.to_owned())));
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
    fn one_client_fills_only_its_own_share() {
        let store = MemoryReplayStore::with_partition_capacity(100, 3);
        for jti in 0..3 {
            let key = format!("client-assertion:aaaa:{jti}");
            assert_eq!(store.insert(&key, 100, 50), Ok(true));
        }
        assert!(store.insert("client-assertion:aaaa:3", 100, 50).is_err());
        // Another client, and the ID-JAGs of an issuer, are not affected.
        assert_eq!(store.insert("client-assertion:bbbb:0", 100, 50), Ok(true));
        assert_eq!(store.insert("id-jag:cccc:0", 100, 50), Ok(true));
        // The flooding client's keys expire and make room again.
        assert_eq!(store.insert("client-assertion:aaaa:3", 200, 101), Ok(true));
    }

    #[test]
    fn expiry_goes_by_the_heap_and_survives_reinsertion() {
        let store = MemoryReplayStore::new(1_000);
        assert_eq!(store.insert("k:p:a", 10, 0), Ok(true));
        assert_eq!(
            store.insert("k:p:a", 30, 11),
            Ok(true),
            "expired, so new again"
        );
        // The first (stale) heap entry of "k:p:a" must not drop the second insertion.
        assert_eq!(store.insert("k:p:b", 40, 20), Ok(true));
        assert_eq!(store.insert("k:p:a", 99, 25), Ok(false));
        let state = store.state.lock().unwrap();
        assert_eq!(state.per_partition.get("k:p"), Some(&2));
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
