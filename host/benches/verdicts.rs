//! Verdict cost: ID-JAG (ES256, RS256) through the component with and without the native
//! verify accelerator, the same guest code compiled natively, and `jsonwebtoken` [aws_lc_rs]
//! as the baseline; plus the cached access-token verdict, instantiation cost, and one whole
//! token-endpoint exchange against the bare ID-JAG verdict.
//!
//! Run: `cargo bench -p xaa-host --bench verdicts`. Results and discussion: BENCHMARKS.md.
//!
//! ID-JAG `jti`s are single-use, so every ID-JAG row cycles through [`N_TOKENS`] distinct
//! tokens and uses a replay store that accepts every key: each iteration performs the full
//! check, signature included. Every row is asserted valid once, outside the timed loop.
#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rsa::traits::PublicKeyParts;
use serde::Deserialize;
use serde_json::{json, Value};

use common::{NativeHost, Signer, AS_ISSUER, CLIENT, IDP_ISSUER, NOW, RESOURCE};
use xaa_host::imports::replay::ReplayStore;
use xaa_host::wit;
use xaa_host::{Imports, Validator};

/// Distinct ID-JAGs minted per algorithm; iterations cycle through them.
const N_TOKENS: usize = 256;

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Which {
    Es256,
    Rs256,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Es256 => "ES256",
            Which::Rs256 => "RS256",
        }
    }

    fn header(self) -> Value {
        match self {
            Which::Es256 => json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec"}),
            Which::Rs256 => json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-rsa"}),
        }
    }

    fn signer(self) -> Signer<'static> {
        let k = common::keys();
        match self {
            Which::Es256 => Signer::Es256(&k.idp_ec),
            Which::Rs256 => Signer::Rs256(&k.idp_rsa),
        }
    }
}

/// `N_TOKENS` distinct baseline ID-JAGs with claims timed around `now`.
fn id_jags(which: Which, now: i64) -> Vec<String> {
    (0..N_TOKENS)
        .map(|i| {
            let mut claims = common::id_jag_claims(&format!("bench-{}-{i:04}", which.name()));
            common::merge(
                &mut claims,
                json!({"iat": now - 10, "exp": now + 290, "auth_time": now - 100}),
            );
            common::mint(&which.header(), &claims, which.signer())
        })
        .collect()
}

/// Cycles through a token list.
struct Cycle<'a> {
    tokens: &'a [String],
    next: usize,
}

impl<'a> Cycle<'a> {
    fn new(tokens: &'a [String]) -> Self {
        Cycle { tokens, next: 0 }
    }

    fn next(&mut self) -> &'a str {
        let token = &self.tokens[self.next];
        self.next = (self.next + 1) % self.tokens.len();
        token
    }
}

// ---------------------------------------------------------------------------------------
// (a), (b): through the component
// ---------------------------------------------------------------------------------------

/// A replay store that accepts every key, so cycled `jti`s never short-circuit a verdict.
struct AcceptAll;

impl ReplayStore for AcceptAll {
    fn insert(&self, _key: &str, _expires_at: i64, _now: i64) -> Result<bool, String> {
        Ok(true)
    }
}

fn component(native: bool) -> Validator {
    let imports = Imports {
        replay: Arc::new(AcceptAll),
        ..common::imports(native)
    };
    Validator::new(common::runtime(), imports, common::config()).expect("configure")
}

fn is_valid(verdict: &wit::Verdict) -> bool {
    matches!(verdict, wit::Verdict::Valid(_))
}

// ---------------------------------------------------------------------------------------
// (c): the guest crate compiled natively
// ---------------------------------------------------------------------------------------

fn guest_key_source(source: &wit::KeySource) -> xaa_guest::config::KeySource {
    match source {
        wit::KeySource::Inline(doc) => xaa_guest::config::KeySource::Inline(doc.clone()),
        wit::KeySource::Uri(uri) => xaa_guest::config::KeySource::Uri(uri.clone()),
    }
}

/// The WIT configuration, as the guest crate's native type (field for field).
fn guest_config(c: &wit::Config) -> xaa_guest::config::Config {
    use xaa_guest::config as g;
    g::Config {
        authorization_server: c.authorization_server.as_ref().map(|a| {
            g::AuthorizationServerConfig {
                issuer: a.issuer.clone(),
                resources: a.resources.clone(),
                max_assertion_lifetime: a.max_assertion_lifetime,
                leeway: a.leeway,
                resource_root_slash_equivalence: a.resource_root_slash_equivalence,
                trusted_issuers: a
                    .trusted_issuers
                    .iter()
                    .map(|t| g::TrustedIssuerConfig {
                        issuer: t.issuer.clone(),
                        keys: guest_key_source(&t.keys),
                        algorithms: t.algorithms.clone(),
                        subject_namespace: t.subject_namespace.clone(),
                        tenant_required: t.tenant_required,
                    })
                    .collect(),
                // The benchmarks validate tokens; none of them serves a token endpoint.
                token_endpoint: None,
            }
        }),
        resource_server: c.resource_server.as_ref().map(|r| g::ResourceServerConfig {
            resource: r.resource.clone(),
            issuer: r.issuer.clone(),
            keys: guest_key_source(&r.keys),
            algorithms: r.algorithms.clone(),
            leeway: r.leeway,
            resource_metadata_url: r.resource_metadata_url.clone(),
            resource_root_slash_equivalence: r.resource_root_slash_equivalence,
            required_scopes: Vec::new(),
        }),
        identity_provider: None,
        jwks_cache: g::JwksCacheConfig {
            min_ttl: c.jwks_cache.min_ttl,
            max_ttl: c.jwks_cache.max_ttl,
            refresh_cooldown: c.jwks_cache.refresh_cooldown,
            max_stale: c.jwks_cache.max_stale,
        },
        token_cache_size: c.token_cache_size,
    }
}

fn native_guest() -> xaa_guest::Validator {
    let mut validator = xaa_guest::Validator::new();
    validator
        .configure(&guest_config(&common::config()))
        .expect("native configure");
    validator
}

// ---------------------------------------------------------------------------------------
// (d): jsonwebtoken 11 [aws_lc_rs]
// ---------------------------------------------------------------------------------------

/// The ID-JAG claims `jsonwebtoken` must find (a missing one fails deserialization).
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct IdJagClaims {
    iss: String,
    sub: String,
    aud: String,
    client_id: String,
    jti: String,
    iat: i64,
    exp: i64,
    resource: String,
    scope: Option<String>,
    auth_time: Option<i64>,
    amr: Option<Vec<String>>,
}

struct Jwt {
    key: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

impl Jwt {
    fn new(which: Which) -> Self {
        use jsonwebtoken::{Algorithm, DecodingKey, Validation};
        let k = common::keys();
        let (alg, key) = match which {
            Which::Es256 => {
                let point = k.idp_ec.verifying_key().to_encoded_point(false);
                let x = xaa_guest::base64url::encode(point.x().unwrap());
                let y = xaa_guest::base64url::encode(point.y().unwrap());
                (
                    Algorithm::ES256,
                    DecodingKey::from_ec_components(&x, &y).unwrap(),
                )
            }
            Which::Rs256 => (
                Algorithm::RS256,
                DecodingKey::from_rsa_raw_components(
                    &k.idp_rsa.n().to_bytes_be(),
                    &k.idp_rsa.e().to_bytes_be(),
                ),
            ),
        };
        let mut validation = Validation::new(alg);
        validation.algorithms = vec![alg];
        validation.leeway = 60;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[IDP_ISSUER]);
        validation.set_audience(&[AS_ISSUER]);
        validation.set_required_spec_claims(&["iss", "sub", "aud", "exp", "iat", "jti"]);
        Jwt { key, validation }
    }

    /// The checks a minimal hand-rolled ID-JAG validator would make on top of `decode`.
    fn validate(&self, token: &str) -> bool {
        let Ok(data) = jsonwebtoken::decode::<IdJagClaims>(token, &self.key, &self.validation)
        else {
            return false;
        };
        let c = &data.claims;
        data.header.typ.as_deref() == Some("oauth-id-jag+jwt")
            && c.client_id == CLIENT
            && c.resource == RESOURCE
            && c.exp - c.iat <= 300
            && !c.jti.is_empty()
    }
}

fn wall_clock() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap()
}

// ---------------------------------------------------------------------------------------
// Benches
// ---------------------------------------------------------------------------------------

fn id_jag_rows(c: &mut Criterion, which: Which) {
    // The component and the native guest run at the pinned NOW; jsonwebtoken reads the wall
    // clock, so its tokens carry the same claims timed around the real time (same lengths).
    let tokens = id_jags(which, NOW);
    let jwt_tokens = id_jags(which, wall_clock());
    let mut group = c.benchmark_group(format!("id_jag_{}", which.name()));

    for (label, native) in [
        ("a_component_native_verify", true),
        ("b_component_pure_rust", false),
    ] {
        let mut validator = component(native);
        for token in &tokens {
            let verdict = validator.validate_id_jag(token, CLIENT);
            assert!(is_valid(&verdict), "{label} {}: {verdict:?}", which.name());
        }
        let mut cycle = Cycle::new(&tokens);
        group.bench_function(label, |b| {
            b.iter(|| black_box(validator.validate_id_jag(black_box(cycle.next()), CLIENT)));
        });
    }

    for (label, accelerate) in [
        ("c_guest_native_pure_rust", false),
        ("c2_guest_native_aws_lc", true),
    ] {
        let mut validator = native_guest();
        let mut host = NativeHost::new(accelerate);
        for token in &tokens {
            let verdict = validator.validate_id_jag(&mut host, token, CLIENT);
            assert!(
                matches!(verdict, xaa_guest::Verdict::Valid(_)),
                "{label} {}: {verdict:?}",
                which.name()
            );
        }
        let mut cycle = Cycle::new(&tokens);
        group.bench_function(label, |b| {
            b.iter(|| {
                black_box(validator.validate_id_jag(&mut host, black_box(cycle.next()), CLIENT))
            });
        });
    }

    let jwt = Jwt::new(which);
    for token in &jwt_tokens {
        assert!(jwt.validate(token), "d_jsonwebtoken {}", which.name());
    }
    // Negative controls: the baseline really checks the signature, aud and typ.
    let mut tampered = jwt_tokens[0].clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    assert!(!jwt.validate(&tampered), "tampered signature accepted");
    let mut wrong_aud = common::id_jag_claims("neg-aud");
    common::merge(
        &mut wrong_aud,
        json!({"aud": "https://elsewhere.example", "iat": wall_clock(), "exp": wall_clock() + 200}),
    );
    assert!(!jwt.validate(&common::mint(&which.header(), &wrong_aud, which.signer())));
    let mut header = which.header();
    common::merge(&mut header, json!({"typ": "JWT"}));
    let mut claims = common::id_jag_claims("neg-typ");
    common::merge(
        &mut claims,
        json!({"iat": wall_clock(), "exp": wall_clock() + 200}),
    );
    assert!(!jwt.validate(&common::mint(&header, &claims, which.signer())));

    let mut cycle = Cycle::new(&jwt_tokens);
    group.bench_function("d_jsonwebtoken_aws_lc", |b| {
        b.iter(|| black_box(jwt.validate(black_box(cycle.next()))));
    });
    group.finish();
}

/// Diagnostic: the whole pipeline up to (not including) the signature primitive, for each
/// algorithm. The signature is one byte short, so the verdict is `signature_invalid` right
/// after key selection and the length check; no verifier (native or pure) runs.
fn pre_verify_rows(c: &mut Criterion) {
    let mut group = c.benchmark_group("pre_verify_reject");
    for which in [Which::Es256, Which::Rs256] {
        let short = match which {
            Which::Es256 => 63,
            Which::Rs256 => 255,
        };
        let token = common::mint(
            &which.header(),
            &common::id_jag_claims("pre-verify"),
            Signer::Raw(vec![0x5a; short]),
        );
        let mut validator = component(true);
        match validator.validate_id_jag(&token, CLIENT) {
            wit::Verdict::Rejected(r) => assert_eq!(r.code, "signature_invalid"),
            other => panic!("expected signature_invalid: {other:?}"),
        }
        group.bench_function(format!("{}_component", which.name()), |b| {
            b.iter(|| black_box(validator.validate_id_jag(black_box(&token), CLIENT)));
        });
        let mut native = native_guest();
        let mut host = NativeHost::new(true);
        let verdict = native.validate_id_jag(&mut host, &token, CLIENT);
        assert_eq!(
            verdict.code(),
            Some(xaa_guest::error::Code::SignatureInvalid),
            "{verdict:?}"
        );
        group.bench_function(format!("{}_guest_native", which.name()), |b| {
            b.iter(|| black_box(native.validate_id_jag(&mut host, black_box(&token), CLIENT)));
        });
    }
    group.finish();
}

fn id_jag_es256(c: &mut Criterion) {
    id_jag_rows(c, Which::Es256);
}

fn id_jag_rs256(c: &mut Criterion) {
    id_jag_rows(c, Which::Rs256);
}

fn access_token_rows(c: &mut Criterion) {
    let token = common::access_token(json!({}));
    let mut group = c.benchmark_group("access_token");
    for (label, native) in [
        ("cached_component_native", true),
        ("cached_component_pure_rust", false),
    ] {
        let mut validator = component(native);
        for _ in 0..3 {
            let verdict = validator.validate_access_token(&token);
            assert!(is_valid(&verdict), "{label}: {verdict:?}");
        }
        group.bench_function(label, |b| {
            b.iter(|| black_box(validator.validate_access_token(black_box(&token))));
        });
    }
    // For contrast: a cache miss every time (one extra export call to clear the cache).
    let mut validator = component(true);
    validator.clear_token_cache().unwrap();
    assert!(is_valid(&validator.validate_access_token(&token)));
    group.bench_function("uncached_component_native_incl_clear", |b| {
        b.iter(|| {
            validator.clear_token_cache().unwrap();
            black_box(validator.validate_access_token(black_box(&token)))
        });
    });
    group.finish();
}

fn instantiate_rows(c: &mut Criterion) {
    let runtime = common::runtime();
    let config = common::config();
    let mut group = c.benchmark_group("instantiate");
    // Includes building the imports, cloning the config and dropping the instance.
    assert!(Validator::new(runtime.clone(), common::imports(true), config.clone()).is_ok());
    group.bench_function("validator_new_incl_configure", |b| {
        b.iter(|| {
            black_box(
                Validator::new(
                    runtime.clone(),
                    common::imports(true),
                    black_box(config.clone()),
                )
                .unwrap(),
            )
        });
    });
    bare_instantiate(&mut group);
    group.finish();
}

/// Instantiation alone: a store from the shared runtime (same limits and epoch callback as
/// every instance) plus `InstancePre::instantiate`, without `configure`.
fn bare_instantiate(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let runtime = common::runtime();
    let imports = common::imports(true);
    {
        let mut s = runtime.new_store(&imports);
        let xaa = runtime.instance_pre().instantiate(&mut s).unwrap();
        let configured = xaa
            .xaa_token_validator()
            .call_configure(&mut s, &common::config())
            .unwrap();
        assert!(configured.is_ok(), "bare instance refused the config");
    }
    group.bench_function("bare_store_and_instantiate", |b| {
        b.iter(|| {
            let mut s = runtime.new_store(&imports);
            let xaa = runtime.instance_pre().instantiate(&mut s).unwrap();
            black_box((s, xaa))
        });
    });
}

/// Load-robust ratios: on a shared machine, rows measured seconds apart see different load.
/// This alternates blocks of the component row (a) and the native-guest-with-aws-lc row (c2)
/// with blocks of the baseline (d), and prints the median over rounds of the per-round ratio.
fn paired_ratios(_c: &mut Criterion) {
    const ROUNDS: usize = 41;
    const BLOCK: usize = 100;
    fn per_op(mut f: impl FnMut()) -> f64 {
        let start = std::time::Instant::now();
        for _ in 0..BLOCK {
            f();
        }
        start.elapsed().as_secs_f64() * 1e6 / BLOCK as f64
    }
    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }
    for which in [Which::Es256, Which::Rs256] {
        let tokens = id_jags(which, NOW);
        let jwt_tokens = id_jags(which, wall_clock());
        let mut component = component(true);
        let mut native = native_guest();
        let mut host = NativeHost::new(true);
        let jwt = Jwt::new(which);
        let (mut ca, mut cc, mut cd) = (
            Cycle::new(&tokens),
            Cycle::new(&tokens),
            Cycle::new(&jwt_tokens),
        );
        let (mut a, mut c2, mut d, mut a_d, mut c2_d) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..ROUNDS {
            let ta = per_op(|| {
                assert!(is_valid(&component.validate_id_jag(ca.next(), CLIENT)));
            });
            let td = per_op(|| assert!(jwt.validate(cd.next())));
            let tc = per_op(|| {
                let v = native.validate_id_jag(&mut host, cc.next(), CLIENT);
                assert!(matches!(v, xaa_guest::Verdict::Valid(_)));
            });
            a.push(ta);
            d.push(td);
            c2.push(tc);
            a_d.push(ta / td);
            c2_d.push(tc / td);
        }
        println!(
            "paired_ratios/{}: median µs/op a={:.2} c2={:.2} d={:.2}; median per-round ratio a/d={:.3} c2/d={:.3} ({ROUNDS} rounds x {BLOCK} ops, assert inside)",
            which.name(),
            median(a),
            median(c2),
            median(d),
            median(a_d),
            median(c2_d),
        );
    }
}

// ---------------------------------------------------------------------------------------
// The token endpoint: one jwt-bearer exchange, HTTP-shaped, through the component
// ---------------------------------------------------------------------------------------

/// The baseline configuration plus a token endpoint: the AS signs with `as_ec`, and
/// [`CLIENT`] authenticates with `client_secret_basic`.
fn endpoint_config() -> wit::Config {
    use sha2::Digest as _;
    let mut config = common::config();
    let mut signing = common::ec_jwk(&common::keys().as_ec, "as-ec", json!({}));
    signing["d"] = json!(xaa_guest::base64url::encode(
        &common::keys().as_ec.to_bytes()
    ));
    let digest: String = sha2::Sha256::digest(b"bench-secret")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if let Some(a) = config.authorization_server.as_mut() {
        a.token_endpoint = Some(wit::TokenEndpointConfig {
            url: None,
            jwks_uri: None,
            signing_keys: vec![signing.to_string()],
            signing_kid: None,
            access_token_lifetime: None,
            may_outlive_assertion: false,
            client_assertion_algorithms: None,
            allow_public_clients: false,
            clients: vec![wit::ClientRegistration {
                client_id: CLIENT.into(),
                credential: wit::ClientCredential::SecretBasic(digest),
                resources: vec![RESOURCE.into()],
                scopes: vec!["chat.read".into(), "chat.history".into()],
                grant_types: None,
                issuers: Vec::new(),
            }],
        });
    }
    config
}

fn token_request(assertion: &str) -> wit::HttpRequest {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:bench-secret"));
    let header = |name: &str, value: String| wit::Header {
        name: name.into(),
        value,
    };
    wit::HttpRequest {
        method: "POST".into(),
        path: "/token".into(),
        headers: vec![
            header("Content-Type", "application/x-www-form-urlencoded".into()),
            header("Authorization", format!("Basic {basic}")),
        ],
        body: format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
        )
        .into_bytes(),
    }
}

/// (a) the ID-JAG verdict alone, the baseline of this group; (b) the whole exchange: request
/// parsing, client authentication, the same verdict, and an RFC 9068 token signed with ES256
/// by the component's pure-Rust p256 (no signing accelerator exists yet).
fn token_endpoint_rows(c: &mut Criterion) {
    let tokens = id_jags(Which::Es256, NOW);
    let requests: Vec<wit::HttpRequest> = tokens.iter().map(|t| token_request(t)).collect();
    let imports = || Imports {
        replay: Arc::new(AcceptAll),
        ..common::imports(true)
    };
    let mut validator =
        Validator::new(common::runtime(), imports(), endpoint_config()).expect("configure");
    for request in &requests {
        let response = validator.authorization_server_http(request).unwrap();
        assert_eq!(
            response.status,
            200,
            "{:?}",
            String::from_utf8_lossy(&response.body)
        );
    }
    let mut group = c.benchmark_group("token_endpoint_ES256");
    let mut cycle = Cycle::new(&tokens);
    group.bench_function("a_validate_id_jag_native_verify", |b| {
        b.iter(|| black_box(validator.validate_id_jag(black_box(cycle.next()), CLIENT)));
    });
    let mut next = 0;
    group.bench_function("b_token_request_incl_es256_issue", |b| {
        b.iter(|| {
            let request = &requests[next];
            next = (next + 1) % requests.len();
            black_box(validator.authorization_server_http(black_box(request)))
        });
    });
    group.finish();
}

fn short() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = short();
    targets = id_jag_es256, id_jag_rs256, access_token_rows, instantiate_rows, pre_verify_rows, token_endpoint_rows, paired_ratios
}
criterion_main!(benches);
