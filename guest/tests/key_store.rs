//! JWK Set handling owned by the component, driven natively with a scripted host: lifetime
//! clamping, one refetch per cooldown on an unknown kid, stale serving within the window,
//! never replacing a good set with a bad one, and the would-block / supply path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use p256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};
use xaa_guest::base64url::encode as b64;
use xaa_guest::config::{CachePolicy, ValidKeySource};
use xaa_guest::issue::{sign, AccessTokenClaims};
use xaa_guest::key_store::{KeyOrigin, KeyStore};
use xaa_guest::signing::IssuingKey;
use xaa_guest::test_host::FixedHost;
use xaa_guest::Alg;
use xaa_guest::Code;
use xaa_guest::{FetchError, Host, JwksResponse};

const URI: &str = "https://idp.example.com/jwks";

/// How many JWK Sets the host fetched (each from [`URI`]).
fn fetches(host: &FixedHost) -> usize {
    assert!(
        host.fetched.iter().all(|uri| uri == URI),
        "{:?}",
        host.fetched
    );
    host.fetched.len()
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

/// A key store with one source, [`URI`], and the scripted host that answers its fetches.
struct Fixture {
    store: KeyStore,
    id: usize,
    host: FixedHost,
}

fn setup(responses: Vec<Result<JwksResponse, FetchError>>) -> Fixture {
    let mut store = KeyStore::new(policy());
    let id = store.add(&ValidKeySource::Uri(URI.into()));
    let host = FixedHost {
        monotonic_ms: 1_000,
        jwks: responses.into(),
        ..FixedHost::default()
    };
    Fixture { store, id, host }
}

impl Fixture {
    /// Where the ES256 key `kid` came from, or why there is none.
    fn select(&mut self, kid: &str) -> Result<KeyOrigin, Code> {
        self.store
            .select(&mut self.host, self.id, Some(kid), Alg::Es256)
            .map(|(_, origin)| origin)
            .map_err(|r| r.code)
    }

    /// [`Self::select`] once the clock has moved on by `ms`.
    fn select_after(&mut self, ms: u64, kid: &str) -> Result<KeyOrigin, Code> {
        self.host.monotonic_ms += ms;
        self.select(kid)
    }
}

/// A store that fetched a good set with "a" for 60 s and asked for "a" again 61 s later, its
/// refetch answered by `then`: the fixture and that second answer.
fn expired_after_a_good_set(
    then: Vec<Result<JwksResponse, FetchError>>,
) -> (Fixture, Result<KeyOrigin, Code>) {
    let mut f = setup([vec![ok(jwks(&["a"]), Some(60))], then].concat());
    f.select("a").unwrap();
    let refreshed = f.select_after(61_000, "a");
    (f, refreshed)
}

/// A resource server (RS, issuer AS) whose keys come from [`URI`].
fn resource_server() -> xaa_guest::Validator {
    use xaa_guest::config::{Config, KeySource, ResourceServerConfig};
    let mut validator = xaa_guest::Validator::new();
    validator
        .configure(&Config {
            resource_server: Some(ResourceServerConfig {
                resource: "https://mcp.example.com/mcp".into(),
                issuer: "https://as.example.com".into(),
                keys: KeySource::Uri(URI.into()),
                algorithms: vec!["ES256".into()],
                leeway: Some(0),
                resource_metadata_url: None,
                resource_root_slash_equivalence: false,
                required_scopes: Vec::new(),
            }),
            ..Config::default()
        })
        .unwrap();
    validator
}

/// An access token signed by the key [`jwks`] publishes as `kid`, valid for an hour.
fn access_token(host: &mut FixedHost, kid: &str) -> String {
    let key = IssuingKey {
        kid: kid.into(),
        key: SigningKey::from_slice(&Sha256::digest(kid.as_bytes())).unwrap(),
    };
    let now = host.now();
    let claims = AccessTokenClaims {
        iss: "https://as.example.com".into(),
        sub: "alice".into(),
        aud: "https://mcp.example.com/mcp".into(),
        client_id: "c".into(),
        iat: now,
        exp: now + 3600,
        jti: "j".into(),
        scope: None,
        authentication: Default::default(),
    };
    sign(host, "at+jwt", &key, &claims).unwrap()
}

fn verdict_code(validator: &mut xaa_guest::Validator, host: &mut FixedHost, token: &str) -> String {
    match validator.validate_access_token(host, token) {
        xaa_guest::Verdict::Valid(_) => "valid".into(),
        xaa_guest::Verdict::Rejected(r) => r.rejection.code.as_str().into(),
    }
}

#[test]
fn first_use_fetches_then_serves_from_cache_within_ttl() {
    let mut f = setup(vec![ok(jwks(&["a"]), Some(300))]);
    assert_eq!(f.select("a"), Ok(KeyOrigin::Fresh));
    assert_eq!(f.select_after(299_000, "a"), Ok(KeyOrigin::Fresh));
    assert_eq!(fetches(&f.host), 1);
}

#[test]
fn max_age_is_clamped_to_the_policy() {
    // max-age 5 s is raised to min_ttl (60 s): no refetch at 30 s.
    let mut f = setup(vec![ok(jwks(&["a"]), Some(5)), ok(jwks(&["a"]), None)]);
    f.select("a").unwrap();
    f.select_after(30_000, "a").unwrap();
    assert_eq!(fetches(&f.host), 1);
    // max-age of a year is lowered to max_ttl (600 s): refetch after it.
    let mut f = setup(vec![
        ok(jwks(&["a"]), Some(31_536_000)),
        ok(jwks(&["a"]), None),
    ]);
    f.select("a").unwrap();
    f.select_after(600_001, "a").unwrap();
    assert_eq!(fetches(&f.host), 2);
}

#[test]
fn k09_unknown_kid_refetches_once_per_cooldown() {
    let mut f = setup(vec![
        ok(jwks(&["a"]), None),
        ok(jwks(&["a"]), None),
        ok(jwks(&["a", "b"]), None),
    ]);
    f.select("a").unwrap();
    // Within the cooldown of the first fetch: no refetch, key_not_found.
    assert_eq!(f.select_after(10_000, "b"), Err(Code::KeyNotFound));
    assert_eq!(fetches(&f.host), 1);
    // After the cooldown: one refetch; it does not have "b" yet.
    assert_eq!(f.select_after(25_000, "b"), Err(Code::KeyNotFound));
    assert_eq!(fetches(&f.host), 2);
    // A flood of random kids inside the next cooldown costs nothing.
    for i in 0..100 {
        assert_eq!(f.select(&format!("random-{i}")), Err(Code::KeyNotFound));
    }
    assert_eq!(fetches(&f.host), 2);
    // Rotation: after the cooldown, the new key appears.
    assert_eq!(f.select_after(30_000, "b"), Ok(KeyOrigin::Fresh));
    assert_eq!(fetches(&f.host), 3);
}

#[test]
fn failed_refresh_serves_stale_within_the_window_then_fails_closed() {
    let refused = || Err(FetchError::Failed("connection refused".into()));
    let (mut f, refreshed) = expired_after_a_good_set(vec![refused(), refused()]);
    assert_eq!(refreshed, Ok(KeyOrigin::Stale));
    f.host.monotonic_ms += 3_600_000;
    let err = f
        .store
        .select(&mut f.host, f.id, Some("a"), Alg::Es256)
        .unwrap_err();
    assert_eq!(err.code, Code::KeysUnavailable);
    assert!(err.detail.contains("connection refused"), "{}", err.detail);
}

#[test]
fn a_bad_document_never_replaces_a_good_set() {
    for bad in [
        ok("not json".into(), None),
        ok(r#"{"keys":[{"kty":"oct","k":"AAAA"}]}"#.into(), None),
        Ok(JwksResponse {
            status: 500,
            body: jwks(&["b"]),
            max_age: None,
        }),
        ok("x".repeat(300 * 1024), None),
    ] {
        let (f, refreshed) = expired_after_a_good_set(vec![bad]);
        assert_eq!(refreshed, Ok(KeyOrigin::Stale));
        assert_eq!(fetches(&f.host), 2);
    }
}

#[test]
fn a_published_empty_set_revokes_every_key_at_once() {
    // The issuer empties its JWK Set: from the next fetch on, nothing verifies, instead of
    // the last good set being served for the whole stale window (issue 11).
    let (f, refreshed) = expired_after_a_good_set(vec![ok(r#"{"keys":[]}"#.into(), Some(60))]);
    assert_eq!(refreshed, Err(Code::KeyNotFound));
    assert_eq!(fetches(&f.host), 2);
    // An inline (configured) set still needs a usable key.
    assert!(xaa_guest::jwks::parse(r#"{"keys":[]}"#).is_err());
}

#[test]
fn a_cached_verdict_ends_when_its_key_leaves_the_set() {
    // "a" signs; the set rotates to "b" only: the token verified under "a" must stop
    // passing from the cache as soon as the new set is fetched (issue 11).
    let mut host = setup(vec![ok(jwks(&["a"]), Some(60)), ok(jwks(&["b"]), Some(60))]).host;
    let mut rs = resource_server();
    let token = access_token(&mut host, "a");
    assert_eq!(verdict_code(&mut rs, &mut host, &token), "valid");
    host.monotonic_ms += 1_000;
    assert_eq!(verdict_code(&mut rs, &mut host, &token), "valid");
    assert_eq!(fetches(&host), 1, "the second verdict came from the cache");
    host.monotonic_ms += 60_000;
    assert_eq!(verdict_code(&mut rs, &mut host, &token), "key_not_found");
    assert_eq!(fetches(&host), 2);
}

#[test]
fn a_cached_verdict_is_trusted_for_five_minutes_then_checked_again() {
    // The set stays the same, with a long lifetime: after 5 minutes the cache hands the token
    // back to full verification, which fetches nothing new and still finds the key.
    let mut host = setup(vec![
        ok(jwks(&["a"]), Some(600)),
        Err(FetchError::Failed("not needed".into())),
    ])
    .host;
    let mut rs = resource_server();
    let token = access_token(&mut host, "a");
    assert_eq!(verdict_code(&mut rs, &mut host, &token), "valid");
    host.monotonic_ms += 301_000;
    assert_eq!(verdict_code(&mut rs, &mut host, &token), "valid");
    let (hits, misses) = rs.take_token_cache_stats();
    assert_eq!(
        (hits, misses),
        (0, 2),
        "the second lookup was too old to be a hit"
    );
}

#[test]
fn nothing_fetched_yet_is_keys_unavailable_not_invalid() {
    let mut f = setup(vec![Err(FetchError::Failed("dns".into()))]);
    assert_eq!(f.select("a"), Err(Code::KeysUnavailable));
    // Inside the cooldown the failed source is not hammered.
    assert_eq!(f.select("a"), Err(Code::KeysUnavailable));
    assert_eq!(fetches(&f.host), 1);
}

#[test]
fn would_block_lists_the_uri_and_supply_fills_it() {
    let mut f = setup(vec![Err(FetchError::WouldBlock)]);
    assert_eq!(f.select("a"), Err(Code::KeysUnavailable));
    assert_eq!(f.store.pending(), vec![URI.to_string()]);
    f.store.supply(
        URI,
        &JwksResponse {
            status: 200,
            body: jwks(&["a"]),
            max_age: None,
        },
        f.host.monotonic_ms,
    );
    assert!(f.store.pending().is_empty());
    assert_eq!(f.select("a"), Ok(KeyOrigin::Fresh));
    assert_eq!(fetches(&f.host), 1);
}
