//! JWK Set handling owned by the component, driven natively with a scripted host: lifetime
//! clamping, one refetch per cooldown on an unknown kid, stale serving within the window,
//! never replacing a good set with a bad one, and the would-block / supply path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::VecDeque;

use p256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};
use xaa_guest::base64url::encode as b64;
use xaa_guest::config::{CachePolicy, ValidKeySource};
use xaa_guest::error::Code;
use xaa_guest::host::{Accelerated, FetchError, Host, JwksResponse, PublicKeyRef};
use xaa_guest::jose_header::Alg;
use xaa_guest::key_store::{KeyOrigin, KeyStore};

const URI: &str = "https://idp.example.com/jwks";

struct Scripted {
    now_ms: u64,
    responses: VecDeque<Result<JwksResponse, FetchError>>,
    fetches: usize,
}

impl Host for Scripted {
    fn now(&mut self) -> i64 {
        1_800_000_000
    }
    fn monotonic_millis(&mut self) -> u64 {
        self.now_ms
    }
    fn fetch_jwks(&mut self, uri: &str) -> Result<JwksResponse, FetchError> {
        assert_eq!(uri, URI);
        self.fetches += 1;
        self.responses
            .pop_front()
            .unwrap_or(Err(FetchError::Failed("script exhausted".into())))
    }
    fn replay_insert(&mut self, _: &str, _: i64) -> Result<bool, String> {
        Ok(true)
    }
    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        vec![0; len as usize]
    }
    fn verify_signature(&mut self, _: Alg, _: PublicKeyRef<'_>, _: &[u8], _: &[u8]) -> Accelerated {
        Accelerated::NotOffered
    }
}

fn jwks(kids: &[&str]) -> String {
    let keys: Vec<String> = kids
        .iter()
        .map(|kid| {
            let key = SigningKey::from_slice(&Sha256::digest(kid.as_bytes())).unwrap();
            let p = key.verifying_key().to_encoded_point(false);
            format!(
                r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","x":"{}","y":"{}"}}"#,
                b64(p.x().unwrap()),
                b64(p.y().unwrap())
            )
        })
        .collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

fn ok(body: String, max_age: Option<u32>) -> Result<JwksResponse, FetchError> {
    Ok(JwksResponse {
        status: 200,
        body,
        max_age,
    })
}

fn policy() -> CachePolicy {
    CachePolicy {
        min_ttl_ms: 60_000,
        max_ttl_ms: 600_000,
        cooldown_ms: 30_000,
        max_stale_ms: 3_600_000,
    }
}

fn setup(responses: Vec<Result<JwksResponse, FetchError>>) -> (KeyStore, usize, Scripted) {
    let mut store = KeyStore::new(policy());
    let id = store.add(&ValidKeySource::Uri(URI.into()));
    let host = Scripted {
        now_ms: 1_000,
        responses: responses.into(),
        fetches: 0,
    };
    (store, id, host)
}

fn select(
    store: &mut KeyStore,
    id: usize,
    host: &mut Scripted,
    kid: &str,
) -> Result<KeyOrigin, Code> {
    store
        .select(host, id, Some(kid), Alg::Es256)
        .map(|(_, origin)| origin)
        .map_err(|r| r.code)
}

#[test]
fn first_use_fetches_then_serves_from_cache_within_ttl() {
    let (mut store, id, mut host) = setup(vec![ok(jwks(&["a"]), Some(300))]);
    assert_eq!(select(&mut store, id, &mut host, "a"), Ok(KeyOrigin::Fresh));
    host.now_ms += 299_000;
    assert_eq!(select(&mut store, id, &mut host, "a"), Ok(KeyOrigin::Fresh));
    assert_eq!(host.fetches, 1);
}

#[test]
fn max_age_is_clamped_to_the_policy() {
    // max-age 5 s is raised to min_ttl (60 s): no refetch at 30 s.
    let (mut store, id, mut host) = setup(vec![ok(jwks(&["a"]), Some(5)), ok(jwks(&["a"]), None)]);
    select(&mut store, id, &mut host, "a").unwrap();
    host.now_ms += 30_000;
    select(&mut store, id, &mut host, "a").unwrap();
    assert_eq!(host.fetches, 1);
    // max-age of a year is lowered to max_ttl (600 s): refetch after it.
    let (mut store, id, mut host) = setup(vec![
        ok(jwks(&["a"]), Some(31_536_000)),
        ok(jwks(&["a"]), None),
    ]);
    select(&mut store, id, &mut host, "a").unwrap();
    host.now_ms += 600_001;
    select(&mut store, id, &mut host, "a").unwrap();
    assert_eq!(host.fetches, 2);
}

#[test]
fn k09_unknown_kid_refetches_once_per_cooldown() {
    let (mut store, id, mut host) = setup(vec![
        ok(jwks(&["a"]), None),
        ok(jwks(&["a"]), None),
        ok(jwks(&["a", "b"]), None),
    ]);
    select(&mut store, id, &mut host, "a").unwrap();
    // Within the cooldown of the first fetch: no refetch, key_not_found.
    host.now_ms += 10_000;
    assert_eq!(
        select(&mut store, id, &mut host, "b"),
        Err(Code::KeyNotFound)
    );
    assert_eq!(host.fetches, 1);
    // After the cooldown: one refetch; it does not have "b" yet.
    host.now_ms += 25_000;
    assert_eq!(
        select(&mut store, id, &mut host, "b"),
        Err(Code::KeyNotFound)
    );
    assert_eq!(host.fetches, 2);
    // A flood of random kids inside the next cooldown costs nothing.
    for i in 0..100 {
        assert_eq!(
            select(&mut store, id, &mut host, &format!("random-{i}")),
            Err(Code::KeyNotFound)
        );
    }
    assert_eq!(host.fetches, 2);
    // Rotation: after the cooldown, the new key appears.
    host.now_ms += 30_000;
    assert_eq!(select(&mut store, id, &mut host, "b"), Ok(KeyOrigin::Fresh));
    assert_eq!(host.fetches, 3);
}

#[test]
fn failed_refresh_serves_stale_within_the_window_then_fails_closed() {
    let (mut store, id, mut host) = setup(vec![
        ok(jwks(&["a"]), Some(60)),
        Err(FetchError::Failed("connection refused".into())),
        Err(FetchError::Failed("connection refused".into())),
    ]);
    select(&mut store, id, &mut host, "a").unwrap();
    host.now_ms += 61_000;
    assert_eq!(select(&mut store, id, &mut host, "a"), Ok(KeyOrigin::Stale));
    host.now_ms += 3_600_000;
    let err = store
        .select(&mut host, id, Some("a"), Alg::Es256)
        .unwrap_err();
    assert_eq!(err.code, Code::KeysUnavailable);
    assert!(err.detail.contains("connection refused"), "{}", err.detail);
}

#[test]
fn a_bad_document_never_replaces_a_good_set() {
    for bad in [
        ok("not json".into(), None),
        ok(r#"{"keys":[]}"#.into(), None),
        ok(r#"{"keys":[{"kty":"oct","k":"AAAA"}]}"#.into(), None),
        Ok(JwksResponse {
            status: 500,
            body: jwks(&["b"]),
            max_age: None,
        }),
        ok("x".repeat(300 * 1024), None),
    ] {
        let (mut store, id, mut host) = setup(vec![ok(jwks(&["a"]), Some(60)), bad]);
        select(&mut store, id, &mut host, "a").unwrap();
        host.now_ms += 61_000;
        assert_eq!(select(&mut store, id, &mut host, "a"), Ok(KeyOrigin::Stale));
        assert_eq!(host.fetches, 2);
    }
}

#[test]
fn nothing_fetched_yet_is_keys_unavailable_not_invalid() {
    let (mut store, id, mut host) = setup(vec![Err(FetchError::Failed("dns".into()))]);
    assert_eq!(
        select(&mut store, id, &mut host, "a"),
        Err(Code::KeysUnavailable)
    );
    // Inside the cooldown the failed source is not hammered.
    assert_eq!(
        select(&mut store, id, &mut host, "a"),
        Err(Code::KeysUnavailable)
    );
    assert_eq!(host.fetches, 1);
}

#[test]
fn would_block_lists_the_uri_and_supply_fills_it() {
    let (mut store, id, mut host) = setup(vec![Err(FetchError::WouldBlock)]);
    assert_eq!(
        select(&mut store, id, &mut host, "a"),
        Err(Code::KeysUnavailable)
    );
    assert_eq!(store.pending(), vec![URI.to_string()]);
    store.supply(
        URI,
        &JwksResponse {
            status: 200,
            body: jwks(&["a"]),
            max_age: None,
        },
        host.now_ms,
    );
    assert!(store.pending().is_empty());
    assert_eq!(select(&mut store, id, &mut host, "a"), Ok(KeyOrigin::Fresh));
    assert_eq!(host.fetches, 1);
}
