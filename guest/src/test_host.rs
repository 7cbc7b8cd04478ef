//! A fixed host for the crate's tests (unit and, with `internals`, integration): pinned clock, no network, every replay key new,
//! no native verifier; and the managed connection those tests share.

use std::collections::{HashSet, VecDeque};

use crate::config::Connection;
use crate::host::{Accelerated, FetchError, Host, JwksResponse, PublicKeyRef};
use crate::jose_header::Alg;

/// See the module doc. The wall clock follows the monotonic one; JWK Set fetches are
/// answered from a script, if one is given.
#[derive(Debug, Default)]
pub struct FixedHost {
    /// Seconds since the epoch `now` returns at `monotonic_ms` 0 (0 means 1_800_000_000).
    pub now: i64,
    /// Monotonic milliseconds; `now` moves on by their whole seconds.
    pub monotonic_ms: u64,
    /// The answers to JWK Set fetches, in order; offline once none is left.
    pub jwks: VecDeque<Result<JwksResponse, FetchError>>,
    /// The URIs fetched, in order.
    pub fetched: Vec<String>,
}

impl FixedHost {
    /// The fixed host whose clock reads `now`.
    pub fn at(now: i64) -> Self {
        FixedHost {
            now,
            ..FixedHost::default()
        }
    }
}

impl Host for FixedHost {
    fn now(&mut self) -> i64 {
        let start = if self.now == 0 {
            1_800_000_000
        } else {
            self.now
        };
        start + (self.monotonic_ms / 1000) as i64
    }
    fn monotonic_millis(&mut self) -> u64 {
        self.monotonic_ms
    }
    fn fetch_jwks(&mut self, uri: &str) -> Result<JwksResponse, FetchError> {
        self.fetched.push(uri.to_owned());
        self.jwks
            .pop_front()
            .unwrap_or_else(|| Err(FetchError::Failed("offline".into())))
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

/// The fixed host with memory, for tests of single use: a replay key seen before is refused,
/// and each random draw differs from the last (so every issued `jti` is new).
#[derive(Debug, Default)]
pub struct RememberingHost {
    /// Clock, network and verifier.
    pub fixed: FixedHost,
    seen: HashSet<String>,
    draws: u8,
}

impl Host for RememberingHost {
    fn now(&mut self) -> i64 {
        self.fixed.now()
    }
    fn monotonic_millis(&mut self) -> u64 {
        self.fixed.monotonic_millis()
    }
    fn fetch_jwks(&mut self, uri: &str) -> Result<JwksResponse, FetchError> {
        self.fixed.fetch_jwks(uri)
    }
    fn replay_insert(&mut self, key: &str, _: i64) -> Result<bool, String> {
        Ok(self.seen.insert(key.to_owned()))
    }
    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        self.draws = self.draws.wrapping_add(1);
        vec![self.draws; len as usize]
    }
    fn verify_signature(
        &mut self,
        alg: Alg,
        key: PublicKeyRef<'_>,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Accelerated {
        self.fixed
            .verify_signature(alg, key, signing_input, signature)
    }
}

/// A managed connection for tests: `client` may reach `audience` for `resources`, with the
/// scopes `chat.read` and `chat.history`, for every user, with ID-JAGs of 120 s, and is
/// known there as `<client>@<audience>`.
pub fn connection(client: &str, audience: &str, resources: &[&str]) -> Connection {
    Connection {
        client_id: client.into(),
        audience: audience.into(),
        audience_aliases: vec![],
        resources: resources.iter().map(|r| r.to_string()).collect(),
        scopes: vec!["chat.read".into(), "chat.history".into()],
        client_id_at_audience: format!("{client}@{audience}"),
        id_jag_lifetime: Some(120),
        required_acr: None,
        max_auth_age: None,
        users: None,
        groups: None,
    }
}
