//! JWK Sets owned by the component: inline sets parsed at configuration, fetched sets cached
//! with a lifetime, refreshed on an unknown `kid` at most once per cooldown, and served stale
//! for a bounded window when refetching fails. The host only performs the GET.
//!
//! Rules (security.md §4): the lifetime is the host-reported `max-age` clamped to
//! [min_ttl, max_ttl]; a set is parsed once per distinct document; a failed or invalid fetch
//! never replaces a good set; every source fetches at most once per cooldown, so a flood of
//! random `kid`s costs one fetch; unknown issuers never fetch (only configured sources exist
//! here). A host that cannot fetch synchronously answers `would-block`; the URI is then
//! listed by [`KeyStore::pending`] until [`KeyStore::supply`] hands the response in.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::config::{CachePolicy, ValidKeySource};
use crate::error::{Code, Rejection};
use crate::host::{FetchError, Host, JwksResponse};
use crate::jose_header::Alg;
use crate::jwk::TrustedKey;
use crate::jwks::{self, KeySet, Miss};

/// Identifies one key source inside a [`KeyStore`].
pub type SourceId = usize;

#[derive(Debug)]
struct Cached {
    set: KeySet,
    digest: [u8; 32],
    fetched_at_ms: u64,
    ttl_ms: u64,
}

#[derive(Debug)]
struct Remote {
    uri: String,
    current: Option<Cached>,
    last_attempt_ms: Option<u64>,
    last_error: Option<String>,
    pending: bool,
}

#[derive(Debug)]
enum Source {
    Static(KeySet),
    Remote(Remote),
}

/// All key sources of one configured instance.
#[derive(Debug)]
pub struct KeyStore {
    sources: Vec<Source>,
    policy: CachePolicy,
}

/// What a lookup used, for `explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    /// A JWK Set from the configuration.
    Configured,
    /// A fetched set within its lifetime.
    Fresh,
    /// A fetched set past its lifetime, within the stale window.
    Stale,
}

impl KeyStore {
    /// An empty store with a cache policy.
    pub fn new(policy: CachePolicy) -> Self {
        KeyStore {
            sources: Vec::new(),
            policy,
        }
    }

    /// Registers a validated source and returns its id.
    pub fn add(&mut self, source: &ValidKeySource) -> SourceId {
        self.sources.push(match source {
            ValidKeySource::Inline(set) => Source::Static(set.clone()),
            ValidKeySource::Uri(uri) => Source::Remote(Remote {
                uri: uri.clone(),
                current: None,
                last_attempt_ms: None,
                last_error: None,
                pending: false,
            }),
        });
        self.sources.len() - 1
    }

    /// Finds the key for (`kid`, `alg`) in one source, fetching or refetching as the policy
    /// allows.
    pub fn select(
        &mut self,
        host: &mut dyn Host,
        id: SourceId,
        kid: Option<&str>,
        alg: Alg,
    ) -> Result<(Arc<TrustedKey>, KeyOrigin), Rejection> {
        let policy = self.policy;
        let Some(source) = self.sources.get_mut(id) else {
            return Err(Rejection::new(Code::NotConfigured, "unknown key source"));
        };
        let remote = match source {
            Source::Static(set) => {
                return set
                    .select(kid, alg)
                    .map(|k| (k.clone(), KeyOrigin::Configured))
                    .map_err(|m| jwks::miss_rejection(m, kid, alg))
            }
            Source::Remote(remote) => remote,
        };
        let now = host.monotonic_millis();
        if !remote.is_fresh(now) && remote.may_fetch(now, &policy) {
            remote.fetch(host, now, &policy);
        }
        let origin = remote.usable_origin(now, &policy)?;
        let Some(cached) = &remote.current else {
            return Err(remote.unavailable());
        };
        match cached.set.select(kid, alg) {
            Ok(key) => Ok((key.clone(), origin)),
            Err(Miss::UnknownKid) if remote.may_fetch(now, &policy) => {
                // Rotation: one refetch for an unknown kid, then decide on what it brought.
                remote.fetch(host, now, &policy);
                let origin = remote.usable_origin(now, &policy)?;
                let Some(cached) = &remote.current else {
                    return Err(remote.unavailable());
                };
                cached
                    .set
                    .select(kid, alg)
                    .map(|k| (k.clone(), origin))
                    .map_err(|m| jwks::miss_rejection(m, kid, alg))
            }
            Err(miss) => Err(jwks::miss_rejection(miss, kid, alg)),
        }
    }

    /// Whether `key` is still one of source `id`'s keys, judged as [`KeyStore::select`] would
    /// judge a token now (a set past its lifetime is refetched when the cooldown allows; past
    /// the stale window nothing is trusted). For a cached verdict: a key the issuer has
    /// withdrawn must stop vouching for the tokens it signed.
    pub fn still_has(&mut self, host: &mut dyn Host, id: SourceId, key: &TrustedKey) -> bool {
        let policy = self.policy;
        match self.sources.get_mut(id) {
            None => false,
            Some(Source::Static(set)) => set.keys.iter().any(|k| k.same_key(key)),
            Some(Source::Remote(remote)) => {
                let now = host.monotonic_millis();
                if !remote.is_fresh(now) && remote.may_fetch(now, &policy) {
                    remote.fetch(host, now, &policy);
                }
                remote.usable_origin(now, &policy).is_ok()
                    && remote
                        .current
                        .as_ref()
                        .is_some_and(|c| c.set.keys.iter().any(|k| k.same_key(key)))
            }
        }
    }

    /// URIs a non-blocking host should fetch and hand to [`KeyStore::supply`].
    pub fn pending(&self) -> Vec<String> {
        let mut uris: Vec<String> = Vec::new();
        for source in &self.sources {
            if let Source::Remote(r) = source {
                if r.pending && !uris.contains(&r.uri) {
                    uris.push(r.uri.clone());
                }
            }
        }
        uris
    }

    /// Accepts a response fetched outside `fetch-jwks` for every source with this URI.
    pub fn supply(&mut self, uri: &str, response: &JwksResponse, now_ms: u64) {
        let policy = self.policy;
        for source in &mut self.sources {
            if let Source::Remote(r) = source {
                if r.uri == uri {
                    r.pending = false;
                    r.last_attempt_ms = Some(now_ms);
                    r.accept(Ok(response.clone()), now_ms, &policy);
                }
            }
        }
    }
}

impl Remote {
    fn is_fresh(&self, now: u64) -> bool {
        self.current
            .as_ref()
            .is_some_and(|c| now.saturating_sub(c.fetched_at_ms) < c.ttl_ms)
    }

    fn may_fetch(&self, now: u64, policy: &CachePolicy) -> bool {
        self.last_attempt_ms
            .is_none_or(|last| now.saturating_sub(last) >= policy.cooldown_ms)
    }

    fn usable_origin(&self, now: u64, policy: &CachePolicy) -> Result<KeyOrigin, Rejection> {
        match &self.current {
            Some(c) if now.saturating_sub(c.fetched_at_ms) < c.ttl_ms => Ok(KeyOrigin::Fresh),
            Some(c) if now.saturating_sub(c.fetched_at_ms) < c.ttl_ms + policy.max_stale_ms => {
                Ok(KeyOrigin::Stale)
            }
            _ => Err(self.unavailable()),
        }
    }

    fn unavailable(&self) -> Rejection {
        let why = self
            .last_error
            .as_deref()
            .unwrap_or("no JWK Set fetched yet");
        Rejection::new(
            Code::KeysUnavailable,
            format!("keys from {} unavailable: {why}", self.uri),
        )
    }

    fn fetch(&mut self, host: &mut dyn Host, now: u64, policy: &CachePolicy) {
        self.last_attempt_ms = Some(now);
        let result = host.fetch_jwks(&self.uri);
        if matches!(result, Err(FetchError::WouldBlock)) {
            self.pending = true;
        }
        self.accept(result, now, policy);
    }

    fn accept(&mut self, result: Result<JwksResponse, FetchError>, now: u64, policy: &CachePolicy) {
        let response = match result {
            Ok(r) if r.status == 200 => r,
            Ok(r) => {
                self.last_error = Some(format!("HTTP status {}", r.status));
                return;
            }
            Err(FetchError::Failed(why)) => {
                self.last_error = Some(why);
                return;
            }
            Err(FetchError::WouldBlock) => {
                self.last_error = Some("waiting for the host to fetch".into());
                return;
            }
        };
        let ttl_ms = response
            .max_age
            .map_or(policy.max_ttl_ms, |s| u64::from(s) * 1000)
            .clamp(policy.min_ttl_ms, policy.max_ttl_ms);
        let digest: [u8; 32] = Sha256::digest(response.body.as_bytes()).into();
        if let Some(current) = &mut self.current {
            if current.digest == digest {
                // Same document: renew its lifetime without parsing it again.
                current.fetched_at_ms = now;
                current.ttl_ms = ttl_ms;
                self.last_error = None;
                return;
            }
        }
        match jwks::parse_published(&response.body) {
            Ok(set) => {
                self.current = Some(Cached {
                    set,
                    digest,
                    fetched_at_ms: now,
                    ttl_ms,
                });
                self.last_error = None;
            }
            Err(why) => self.last_error = Some(why),
        }
    }
}
