//! The protocol rules of research/specs.md §3b (resource authorization server receiving an
//! ID-JAG) and §3c (resource server receiving an RFC 9068 access token), one test per
//! applicable rule, through the component; configuration refusals; and the `xaa` command's
//! contract.

use crate::common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{json, Value};
use xaa_host::imports::replay::{MemoryReplayStore, ReplayStore};
use xaa_host::wit::{self, Rejection, Verdict};

const LEEWAY: i64 = 60;
const METADATA_URL: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

fn jti() -> String {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    format!("rules-{}", SEQ.fetch_add(1, Ordering::Relaxed))
}

fn jag(changes: Value) -> String {
    id_jag(&jti(), changes)
}

/// A baseline ID-JAG under `header`, signed with `signer`.
fn jag_signed(header: Value, signer: Signer<'_>) -> String {
    mint(&header, &id_jag_claims(&jti()), signer)
}

/// A baseline access token under `header`, signed with `signer`.
fn at_signed(header: Value, signer: Signer<'_>) -> String {
    mint(&header, &at_claims(), signer)
}

fn rejection(verdict: Verdict) -> Rejection {
    match verdict {
        Verdict::Rejected(r) => r,
        Verdict::Valid(t) => panic!("expected a rejection, got a valid token: {t:?}"),
    }
}

// =======================================================================================
// §3b: the resource authorization server validating an ID-JAG
// =======================================================================================

#[test]
fn s3b_r03_compact_jws_only() {
    let mut h = Harness::new();
    let good = jag(json!({}));
    let parts: Vec<&str> = good.split('.').collect();
    // A five-segment JWE-shaped token.
    let jwe = format!(
        "{}.{}.{}.{}.{}",
        parts[0], parts[1], parts[2], parts[1], parts[2]
    );
    assert_eq!(h.id_jag(&jwe), "malformed");
    assert_eq!(h.id_jag(&format!("{}.{}", parts[0], parts[1])), "malformed");
    assert_eq!(h.id_jag(&format!("{good}.")), "malformed");
    // JWS JSON serialization.
    let json_form = json!({"payload": parts[1], "protected": parts[0], "signature": parts[2]});
    assert_eq!(h.id_jag(&json_form.to_string()), "malformed");
    assert_eq!(h.id_jag(&good), "valid");
}

#[test]
fn s3b_r04_typ_and_alg_allow_list() {
    let mut h = Harness::new();
    let k = keys();
    let header = |typ: &str, alg: &str| json!({"typ": typ, "alg": alg, "kid": "idp-ec"});
    // typ: case-insensitive, optional `application/`.
    let token = jag_signed(
        header("Application/OAUTH-ID-JAG+JWT", "ES256"),
        Signer::Es256(&k.idp_ec),
    );
    assert_eq!(h.id_jag(&token), "valid");
    let token = jag_signed(header("JWT", "ES256"), Signer::Es256(&k.idp_ec));
    assert_eq!(h.id_jag(&token), "typ_mismatch");
    // alg: never none, never HS*, exact names only.
    let none = jag_signed(header("oauth-id-jag+jwt", "none"), Signer::Raw(Vec::new()));
    assert_eq!(h.id_jag(&none), "alg_not_allowed");
    let hs = jag_signed(
        header("oauth-id-jag+jwt", "HS256"),
        Signer::Raw(vec![7; 32]),
    );
    assert_eq!(h.id_jag(&hs), "alg_not_allowed");
    let lower = jag_signed(
        header("oauth-id-jag+jwt", "es256"),
        Signer::Es256(&k.idp_ec),
    );
    assert_eq!(h.id_jag(&lower), "alg_not_allowed");
    // Unknown `crit` is refused.
    let crit = jag_signed(
        json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec", "crit": ["exp"]}),
        Signer::Es256(&k.idp_ec),
    );
    assert_eq!(h.id_jag(&crit), "header_forbidden");
}

#[test]
fn s3b_r05_issuer_must_be_in_the_trusted_registry() {
    let mut h = Harness::new();
    assert_eq!(
        h.id_jag(&jag(json!({"iss": "https://unknown-idp.example.com"}))),
        "issuer_untrusted"
    );
    // Several IdPs may be trusted, each explicitly.
    let mut claims = id_jag_claims(&jti());
    merge(&mut claims, json!({"iss": OTHER_IDP}));
    let other = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
        &claims,
        Signer::Es256(&keys().other_ec),
    );
    assert_eq!(h.id_jag(&other), "valid");
    assert_eq!(h.id_jag(&jag(json!({}))), "valid");
}

#[test]
fn s3b_r06_key_from_that_issuers_set_matching_alg() {
    let mut h = Harness::new();
    let k = keys();
    let hdr = |alg: &str, kid: &str| json!({"typ": "oauth-id-jag+jwt", "alg": alg, "kid": kid});
    // A key the issuer does not publish.
    let unknown = jag_signed(hdr("ES256", "attacker"), Signer::Es256(&k.attacker));
    assert_eq!(h.id_jag(&unknown), "key_not_found");
    // The issuer's kid, an attacker's signature.
    let forged = jag_signed(hdr("ES256", "idp-ec"), Signer::Es256(&k.attacker));
    assert_eq!(h.id_jag(&forged), "signature_invalid");
    // kty must match alg: RS256 against the EC key.
    let confused = jag_signed(hdr("RS256", "idp-ec"), Signer::Rs256(&k.idp_rsa));
    assert_eq!(h.id_jag(&confused), "key_rejected");
    // A key embedded in the header is never a trust source.
    let embedded = jag_signed(
        json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "attacker",
               "jwk": ec_jwk(&k.attacker, "attacker", json!({}))}),
        Signer::Es256(&k.attacker),
    );
    assert_eq!(h.id_jag(&embedded), "header_forbidden");
    // A key marked for encryption is not used for signatures.
    let mut config = config();
    config
        .authorization_server
        .as_mut()
        .unwrap()
        .trusted_issuers[0]
        .keys = wit::KeySource::Inline(
        json!({"keys": [
            ec_jwk(&k.idp_ec, "idp-ec", json!({"use": "enc"})),
            ec_jwk(&k.idp_ec2, "idp-ec-2", json!({"use": "sig"})),
        ]})
        .to_string(),
    );
    let mut enc = Harness::with(config, imports(true));
    assert_eq!(enc.id_jag(&jag(json!({}))), "key_not_found");
    let second = jag_signed(hdr("ES256", "idp-ec-2"), Signer::Es256(&k.idp_ec2));
    assert_eq!(enc.id_jag(&second), "valid");
}

#[test]
fn s3b_r07_aud_single_value_equal_to_issuer() {
    let mut h = Harness::new();
    assert_eq!(h.id_jag(&jag(json!({"aud": AS_ISSUER}))), "valid");
    assert_eq!(h.id_jag(&jag(json!({"aud": [AS_ISSUER]}))), "valid");
    assert_eq!(
        h.id_jag(&jag(json!({"aud": [AS_ISSUER, RESOURCE]}))),
        "audience_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"aud": format!("{AS_ISSUER}/")}))),
        "audience_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"aud": "https://AS.example.com"}))),
        "audience_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"aud": RESOURCE}))),
        "audience_mismatch"
    );
}

#[test]
fn s3b_r08_client_id_equals_authenticated_client() {
    let mut h = Harness::new();
    let token = jag(json!({}));
    assert_eq!(
        outcome(&h.validator.validate_id_jag(&token, "someone-else")),
        "client_id_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"client_id": "someone-else"}))),
        "client_id_mismatch"
    );
    // A failed presentation does not consume the jti: the right client may still use it.
    assert_eq!(h.id_jag(&token), "valid");
}

#[test]
fn s3b_r09_exp_iat_nbf_and_lifetime() {
    let mut h = Harness::new();
    assert_eq!(h.id_jag(&jag(json!({"exp": null}))), "claim_invalid");
    assert_eq!(h.id_jag(&jag(json!({"iat": null}))), "claim_invalid");
    let boundary = NOW - LEEWAY;
    assert_eq!(
        h.id_jag(&jag(json!({"iat": boundary - 10, "exp": boundary}))),
        "expired"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"iat": boundary - 10, "exp": boundary + 1}))),
        "valid"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"nbf": NOW + LEEWAY + 1}))),
        "not_yet_valid"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"iat": NOW + LEEWAY + 1}))),
        "issued_in_future"
    );
    // exp unreasonably far in the future.
    assert_eq!(
        h.id_jag(&jag(json!({"exp": NOW + 86_400}))),
        "lifetime_too_long"
    );
}

/// A replay store that records what the component asks it.
struct Recording {
    inner: MemoryReplayStore,
    seen: Mutex<Vec<(String, i64)>>,
}

impl ReplayStore for Recording {
    fn insert(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, String> {
        self.seen.lock().unwrap().push((key.to_owned(), expires_at));
        self.inner.insert(key, expires_at, now)
    }
}

/// A replay store that cannot answer.
struct Down;

impl ReplayStore for Down {
    fn insert(&self, _: &str, _: i64, _: i64) -> Result<bool, String> {
        Err("store offline".into())
    }
}

#[test]
fn s3b_r10_jti_required_and_single_use_until_exp() {
    let store = Arc::new(Recording {
        inner: MemoryReplayStore::new(100),
        seen: Mutex::new(Vec::new()),
    });
    let mut imp = imports(true);
    imp.replay = store.clone();
    let mut h = Harness::with(config(), imp);
    assert_eq!(h.id_jag(&jag(json!({"jti": null}))), "claim_invalid");
    let token = jag(json!({}));
    assert_eq!(h.id_jag(&token), "valid");
    assert_eq!(h.id_jag(&token), "replayed");
    // Kept until exp + leeway.
    let seen = store.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].1, NOW + 290 + LEEWAY);
    assert_eq!(seen[0].0, seen[1].0);
    // Fail closed when the store cannot answer.
    let mut imp = imports(true);
    imp.replay = Arc::new(Down);
    let mut down = Harness::with(config(), imp);
    assert_eq!(down.id_jag(&jag(json!({}))), "replay_store_unavailable");
}

#[test]
fn s3b_r11_sub_present() {
    let mut h = Harness::new();
    assert_eq!(h.id_jag(&jag(json!({"sub": null}))), "claim_invalid");
    assert_eq!(h.id_jag(&jag(json!({"sub": ""}))), "claim_invalid");
    assert_eq!(h.id_jag(&jag(json!({"sub": 42}))), "claim_invalid");
    assert_eq!(h.id_jag(&jag(json!({"sub": "U1"}))), "valid");
}

#[test]
fn s3b_r12_own_issuer_is_self_issued() {
    let mut h = Harness::new();
    // Whatever key signed it: the AS never accepts an ID-JAG naming itself as issuer.
    assert_eq!(h.id_jag(&jag(json!({"iss": AS_ISSUER}))), "self_issued");
    let mut claims = id_jag_claims(&jti());
    merge(&mut claims, json!({"iss": AS_ISSUER}));
    let own_key = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "as-ec"}),
        &claims,
        Signer::Es256(&keys().as_ec),
    );
    assert_eq!(h.id_jag(&own_key), "self_issued");
}

#[test]
fn s3b_r13_cnf_present_is_confirmation_unsupported() {
    let mut h = Harness::new();
    let cnf = json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}});
    assert_eq!(h.id_jag(&jag(cnf.clone())), "confirmation_unsupported");
    assert_eq!(
        h.access_token(&access_token(cnf)),
        "confirmation_unsupported"
    );
    assert_eq!(h.id_jag(&jag(json!({}))), "valid");
}

#[test]
fn s3b_r14_resource_must_be_served_here() {
    let mut h = Harness::new();
    assert_eq!(h.id_jag(&jag(json!({"resource": RESOURCE}))), "valid");
    assert_eq!(
        h.id_jag(&jag(json!({"resource": null}))),
        "resource_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"resource": OTHER_RESOURCE}))),
        "resource_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"resource": [RESOURCE, OTHER_RESOURCE]}))),
        "resource_mismatch"
    );
    assert_eq!(h.id_jag(&jag(json!({"resource": 7}))), "claim_invalid");
}

#[test]
fn s3b_r15_scope_is_a_space_separated_string() {
    let mut h = Harness::new();
    assert_eq!(
        h.id_jag(&jag(json!({"scope": "chat.read chat.history"}))),
        "valid"
    );
    assert_eq!(h.id_jag(&jag(json!({"scope": null}))), "valid");
    for scope in [
        json!(""),
        json!("chat.read  chat.history"),
        json!(" chat.read"),
        json!("chat.read "),
        json!("chat.read\tchat.history"),
        json!("chat\"read"),
        json!("chat\\read"),
        json!("chät"),
        json!(["chat.read", "chat.history"]),
        json!(1),
    ] {
        assert_eq!(
            h.id_jag(&jag(json!({ "scope": scope }))),
            "claim_invalid",
            "scope {scope}"
        );
    }
}

#[test]
fn s3b_r19_every_id_jag_failure_is_invalid_grant_400() {
    let mut h = Harness::new();
    let k = keys();
    let replayed = jag(json!({}));
    assert_eq!(h.id_jag(&replayed), "valid");
    let failures: Vec<(&str, String)> = vec![
        ("malformed", "not-a-token".into()),
        (
            "typ_mismatch",
            jag_signed(
                json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"}),
                Signer::Es256(&k.idp_ec),
            ),
        ),
        (
            "alg_not_allowed",
            jag_signed(
                json!({"typ": "oauth-id-jag+jwt", "alg": "none"}),
                Signer::Raw(Vec::new()),
            ),
        ),
        (
            "signature_invalid",
            jag_signed(id_jag_header(), Signer::Es256(&k.attacker)),
        ),
        (
            "issuer_untrusted",
            jag(json!({"iss": "https://evil.example.com"})),
        ),
        ("self_issued", jag(json!({"iss": AS_ISSUER}))),
        ("audience_mismatch", jag(json!({"aud": RESOURCE}))),
        ("client_id_mismatch", jag(json!({"client_id": "x"}))),
        ("expired", jag(json!({"iat": NOW - 1000, "exp": NOW - 900}))),
        ("lifetime_too_long", jag(json!({"exp": NOW + 3000}))),
        (
            "resource_mismatch",
            jag(json!({"resource": OTHER_RESOURCE})),
        ),
        (
            "confirmation_unsupported",
            jag(json!({"cnf": {"jkt": "x"}})),
        ),
        ("claim_invalid", jag(json!({"sub": null}))),
        ("replayed", replayed),
    ];
    for (code, token) in failures {
        let r = rejection(h.validator.validate_id_jag(&token, CLIENT));
        assert_eq!(r.code, code);
        assert_eq!(r.oauth_error, "invalid_grant", "{code}");
        assert_eq!(r.http_status, 400, "{code}");
        assert_eq!(r.www_authenticate, None, "{code}");
    }
}

// =======================================================================================
// §3c: the resource server validating an RFC 9068 access token
// =======================================================================================

#[test]
fn s3c_r01_typ_must_be_at_jwt() {
    let mut h = Harness::new();
    let as_ec = &keys().as_ec;
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
        let token = at_signed(
            json!({"typ": typ, "alg": "ES256", "kid": "as-ec"}),
            Signer::Es256(as_ec),
        );
        assert_eq!(h.access_token(&token), "valid", "typ {typ:?}");
    }
    for typ in ["JWT", "oauth-id-jag+jwt", "text/at+jwt", "at+jwt "] {
        let token = at_signed(
            json!({"typ": typ, "alg": "ES256", "kid": "as-ec"}),
            Signer::Es256(as_ec),
        );
        assert_eq!(h.access_token(&token), "typ_mismatch", "typ {typ:?}");
    }
    let untyped = at_signed(
        json!({"alg": "ES256", "kid": "as-ec"}),
        Signer::Es256(as_ec),
    );
    assert_eq!(h.access_token(&untyped), "typ_mismatch");
}

#[test]
fn s3c_r03_iss_matches_exactly() {
    let mut h = Harness::new();
    for iss in [
        format!("{AS_ISSUER}/"),
        "https://AS.example.com".into(),
        IDP_ISSUER.into(),
    ] {
        assert_eq!(
            h.access_token(&access_token(json!({"iss": iss}))),
            "issuer_mismatch",
            "iss {iss:?}"
        );
    }
    assert_eq!(
        h.access_token(&access_token(json!({"iss": AS_ISSUER}))),
        "valid"
    );
}

#[test]
fn s3c_r04_aud_contains_this_resource() {
    let mut h = Harness::new();
    assert_eq!(
        h.access_token(&access_token(json!({"aud": [OTHER_RESOURCE, RESOURCE]}))),
        "valid"
    );
    assert_eq!(
        h.access_token(&access_token(json!({"aud": [OTHER_RESOURCE]}))),
        "audience_mismatch"
    );
    assert_eq!(
        h.access_token(&access_token(json!({"aud": AS_ISSUER}))),
        "audience_mismatch"
    );
}

#[test]
fn s3c_r05_signature_with_as_keys_and_allowed_alg() {
    let mut h = Harness::new();
    let k = keys();
    let forged = at_signed(at_header(), Signer::Es256(&k.attacker));
    assert_eq!(h.access_token(&forged), "signature_invalid");
    let idp_signed = at_signed(
        json!({"typ": "at+jwt", "alg": "ES256", "kid": "idp-ec"}),
        Signer::Es256(&k.idp_ec),
    );
    assert_eq!(h.access_token(&idp_signed), "key_not_found");
    let none = at_signed(
        json!({"typ": "at+jwt", "alg": "none"}),
        Signer::Raw(Vec::new()),
    );
    assert_eq!(h.access_token(&none), "alg_not_allowed");
    // RS256 is not in this resource server's allow-list.
    let rs = at_signed(
        json!({"typ": "at+jwt", "alg": "RS256", "kid": "as-ec"}),
        Signer::Rs256(&k.idp_rsa),
    );
    assert_eq!(h.access_token(&rs), "alg_not_allowed");
    // One flipped payload bit.
    let good = access_token(json!({}));
    let parts: Vec<&str> = good.split('.').collect();
    let tampered_claims = json!({"scope": "chat.admin"});
    let mut claims = at_claims();
    merge(&mut claims, tampered_claims);
    let payload = xaa_guest::base64url::encode(claims.to_string().as_bytes());
    let spliced = format!("{}.{}.{}", parts[0], payload, parts[2]);
    assert_eq!(h.access_token(&spliced), "signature_invalid");
    assert_eq!(h.access_token(&good), "valid");
}

#[test]
fn s3c_r06_exp_in_the_future_with_leeway() {
    let mut h = Harness::new();
    let boundary = NOW - LEEWAY;
    assert_eq!(
        h.access_token(&access_token(
            json!({"iat": boundary - 100, "exp": boundary})
        )),
        "expired"
    );
    assert_eq!(
        h.access_token(&access_token(
            json!({"iat": boundary - 100, "exp": boundary + 1})
        )),
        "valid"
    );
}

#[test]
fn s3c_r07_failures_are_401_invalid_token_with_challenge() {
    let mut h = Harness::new();
    let failures = [
        access_token(json!({"aud": OTHER_RESOURCE})),
        access_token(json!({"exp": NOW - 1000, "iat": NOW - 2000})),
        access_token(json!({"iss": IDP_ISSUER})),
        at_signed(at_header(), Signer::Es256(&keys().attacker)),
        "garbage".to_string(),
    ];
    for token in failures {
        let r = rejection(h.validator.validate_access_token(&token));
        assert_eq!(r.http_status, 401, "{}", r.code);
        assert_eq!(r.oauth_error, "invalid_token", "{}", r.code);
        let challenge = r.www_authenticate.expect("a WWW-Authenticate challenge");
        assert!(
            challenge.starts_with(r#"Bearer error="invalid_token""#),
            "{challenge}"
        );
        assert!(
            challenge.contains(&format!(r#"resource_metadata="{METADATA_URL}""#)),
            "{challenge}"
        );
    }
}

#[test]
fn s3c_r08_sub_client_id_iat_jti_required() {
    let mut h = Harness::new();
    for name in ["sub", "client_id", "iat", "jti"] {
        assert_eq!(
            h.access_token(&access_token(json!({ name: null }))),
            "claim_invalid",
            "missing {name}"
        );
    }
    assert_eq!(h.access_token(&access_token(json!({}))), "valid");
}

#[test]
fn s3c_r10_only_tokens_for_this_resource_no_passthrough() {
    let mut h = Harness::new();
    // A token for another MCP server.
    assert_eq!(
        h.access_token(&access_token(json!({"aud": OTHER_RESOURCE}))),
        "audience_mismatch"
    );
    // An upstream assertion passed through as if it were an access token.
    assert_eq!(h.access_token(&jag(json!({}))), "typ_mismatch");
}

#[test]
fn s3c_r15_audience_compared_exactly_with_opt_in_root_slash() {
    let mut h = Harness::new();
    assert_eq!(
        h.access_token(&access_token(json!({"aud": format!("{RESOURCE}/")}))),
        "audience_mismatch"
    );
    assert_eq!(
        h.access_token(&access_token(json!({"aud": "https://MCP.example.com/mcp"}))),
        "audience_mismatch"
    );
    // A root resource: `https://mcp.example.com` vs `https://mcp.example.com/`.
    let root = "https://mcp.example.com";
    let with_root = |equivalence: bool| {
        let mut config = config();
        let rs = config.resource_server.as_mut().unwrap();
        rs.resource = root.into();
        rs.resource_root_slash_equivalence = equivalence;
        Harness::with(config, imports(true))
    };
    let slash = access_token(json!({"aud": format!("{root}/")}));
    let exact = access_token(json!({"aud": root}));
    let mut strict = with_root(false);
    assert_eq!(strict.access_token(&slash), "audience_mismatch");
    assert_eq!(strict.access_token(&exact), "valid");
    let mut lenient = with_root(true);
    assert_eq!(lenient.access_token(&slash), "valid");
    assert_eq!(lenient.access_token(&exact), "valid");
    // Equivalence is about the root only, never a path's trailing slash.
    let mut config = config();
    config
        .resource_server
        .as_mut()
        .unwrap()
        .resource_root_slash_equivalence = true;
    let mut path = Harness::with(config, imports(true));
    assert_eq!(
        path.access_token(&access_token(json!({"aud": format!("{RESOURCE}/")}))),
        "audience_mismatch"
    );
}

// =======================================================================================
// Configuration refusals
// =======================================================================================

/// Asserts that `config` is refused with a line whose path starts with `path`.
fn assert_refused(config: wit::Config, path: &str) -> Vec<String> {
    let refusals = refusals(config);
    assert!(
        refusals.iter().any(|r| r.starts_with(path)),
        "no refusal names {path:?}: {refusals:?}"
    );
    refusals
}

fn authorization_server(config: &mut wit::Config) -> &mut wit::AuthorizationServerConfig {
    config.authorization_server.as_mut().unwrap()
}

#[test]
fn config_baseline_is_accepted() {
    assert_eq!(refusals(config()), Vec::<String>::new());
}

#[test]
fn config_refuses_hs256() {
    let mut c = config();
    authorization_server(&mut c).trusted_issuers[0]
        .algorithms
        .push("HS256".into());
    let r = assert_refused(c, "trusted_issuers[0].algorithms[3]");
    assert!(r.iter().any(|l| l.contains("HS256")), "{r:?}");
    let mut c = config();
    c.resource_server.as_mut().unwrap().algorithms = vec!["ES256".into(), "HS256".into()];
    assert_refused(c, "resource_server.algorithms[1]");
}

#[test]
fn config_refuses_none() {
    let mut c = config();
    authorization_server(&mut c).trusted_issuers[1]
        .algorithms
        .push("none".into());
    let r = assert_refused(c, "trusted_issuers[1].algorithms[1]");
    assert!(r.iter().any(|l| l.contains("none")), "{r:?}");
}

#[test]
fn config_refuses_unknown_alg() {
    for alg in ["ES384", "EdDSA", "es256", "RSA-OAEP"] {
        let mut c = config();
        authorization_server(&mut c).trusted_issuers[0]
            .algorithms
            .push(alg.into());
        assert_refused(c, "trusted_issuers[0].algorithms[3]");
    }
}

#[test]
fn config_refuses_leeway_600() {
    let mut c = config();
    authorization_server(&mut c).leeway = Some(600);
    assert_refused(c, "authorization_server.leeway");
    let mut c = config();
    c.resource_server.as_mut().unwrap().leeway = Some(600);
    assert_refused(c, "resource_server.leeway");
    // The maximum itself is accepted.
    let mut c = config();
    authorization_server(&mut c).leeway = Some(300);
    c.resource_server.as_mut().unwrap().leeway = Some(300);
    assert_eq!(refusals(c), Vec::<String>::new());
}

#[test]
fn config_refuses_trusting_own_issuer() {
    let mut c = config();
    authorization_server(&mut c).trusted_issuers[0].issuer = AS_ISSUER.into();
    assert_refused(c, "trusted_issuers[0].issuer");
}

#[test]
fn config_refuses_http_non_loopback_issuer() {
    let mut c = config();
    authorization_server(&mut c).issuer = "http://as.example.com".into();
    assert_refused(c, "authorization_server.issuer");
    let mut c = config();
    authorization_server(&mut c).trusted_issuers[1].issuer = "http://other-idp.example.com".into();
    assert_refused(c, "trusted_issuers[1].issuer");
    let mut c = config();
    c.resource_server.as_mut().unwrap().issuer = "http://as.example.com".into();
    assert_refused(c, "resource_server.issuer");
    // Loopback is the one exception.
    let mut c = config();
    authorization_server(&mut c).issuer = "http://127.0.0.1:8080".into();
    assert_eq!(refusals(c), Vec::<String>::new());
}

#[test]
fn config_refuses_jwks_with_private_member() {
    let k = keys();
    let d = xaa_guest::base64url::encode(&k.idp_ec.to_bytes());
    let mut c = config();
    authorization_server(&mut c).trusted_issuers[0].keys = wit::KeySource::Inline(
        json!({"keys": [ec_jwk(&k.idp_ec, "idp-ec", json!({"d": d}))]}).to_string(),
    );
    assert_refused(c, "trusted_issuers[0].jwks");
    let mut c = config();
    c.resource_server.as_mut().unwrap().keys = wit::KeySource::Inline(
        json!({"keys": [ec_jwk(&k.as_ec, "as-ec", json!({"d": d}))]}).to_string(),
    );
    assert_refused(c, "resource_server.jwks");
}

#[test]
fn config_refuses_empty_trusted_issuers() {
    let mut c = config();
    authorization_server(&mut c).trusted_issuers.clear();
    assert_refused(c, "trusted_issuers");
}

#[test]
fn config_refuses_no_role() {
    let mut c = config();
    c.authorization_server = None;
    c.resource_server = None;
    let r = refusals(c);
    assert!(
        r.iter()
            .any(|l| l.contains("authorization_server") && l.contains("resource_server")),
        "{r:?}"
    );
    // Either role alone is enough.
    let mut c = config();
    c.authorization_server = None;
    assert_eq!(refusals(c), Vec::<String>::new());
    let mut c = config();
    c.resource_server = None;
    assert_eq!(refusals(c), Vec::<String>::new());
}

// =======================================================================================
// The `xaa` command
// =======================================================================================

fn xaa(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xaa"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            input.write_all(bytes).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

/// `xaa dev sample --out <tempdir> --now NOW`.
fn sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = xaa(
        &[
            "dev",
            "sample",
            "--out",
            dir.path().to_str().unwrap(),
            "--now",
            &NOW.to_string(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn cli_validates_sample_id_jags_from_stdin() {
    let dir = sample();
    let config = dir.path().join("xaa.toml");
    let tokens = std::fs::read(dir.path().join("id-jags.txt")).unwrap();
    let now = NOW.to_string();
    let out = xaa(
        &[
            "validate",
            "id-jag",
            "--config",
            config.to_str().unwrap(),
            "--client-id",
            "mcp-client",
            "--now",
            &now,
            "-",
        ],
        Some(&tokens),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[0]["valid"], json!(true));
    let codes: Vec<&Value> = lines[1..].iter().map(|l| &l["code"]).collect();
    assert_eq!(
        codes,
        [
            &json!("replayed"),
            &json!("expired"),
            &json!("client_id_mismatch"),
            &json!("audience_mismatch")
        ]
    );
    for line in &lines[1..] {
        assert_eq!(line["valid"], json!(false));
        assert_eq!(line["oauth_error"], json!("invalid_grant"));
    }
}

#[test]
fn cli_single_valid_token_exits_0_and_explain_adds_checks() {
    let dir = sample();
    let config = dir.path().join("xaa.toml");
    let config = config.to_str().unwrap();
    let tokens = std::fs::read_to_string(dir.path().join("id-jags.txt")).unwrap();
    let first = tokens.lines().next().unwrap();
    let now = NOW.to_string();
    let base = [
        "validate",
        "id-jag",
        "--config",
        config,
        "--client-id",
        "mcp-client",
        "--now",
        &now,
    ];
    let out = xaa(&[&base[..], &[first]].concat(), None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["valid"], json!(true));
    assert_eq!(lines[0]["claims"]["iss"], json!("https://idp.example.com"));
    assert_eq!(lines[0]["claims"]["client_id"], json!("mcp-client"));
    assert!(lines[0].get("checks").is_none());
    // --explain (a fresh process, so a fresh replay store).
    let out = xaa(&[&base[..], &["--explain", first]].concat(), None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines[0]["valid"], json!(true));
    let checks = lines[0]["checks"].as_array().expect("a checks array");
    assert!(!checks.is_empty());
    assert!(checks
        .iter()
        .all(|c| c["name"].is_string() && c["outcome"].is_string()));
    assert!(checks
        .iter()
        .any(|c| c["name"] == json!("signature") && c["outcome"] == json!("passed")));
    // A rejected single token exits 1.
    let second_client = xaa(
        &[
            "validate",
            "id-jag",
            "--config",
            config,
            "--client-id",
            "other",
            "--now",
            &now,
            first,
        ],
        None,
    );
    assert_eq!(second_client.status.code(), Some(1));
}

#[test]
fn cli_bad_config_exits_2_naming_the_field() {
    let dir = sample();
    let path = dir.path().join("xaa.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("leeway = 60\n"), "{text}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, text.replace("leeway = 60\n", "leeway = 600\n")).unwrap();
    let tokens = std::fs::read_to_string(dir.path().join("id-jags.txt")).unwrap();
    let first = tokens.lines().next().unwrap();
    let now = NOW.to_string();
    let out = xaa(
        &[
            "validate",
            "id-jag",
            "--config",
            bad.to_str().unwrap(),
            "--client-id",
            "mcp-client",
            "--now",
            &now,
            first,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("authorization_server.leeway"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn cli_missing_client_id_exits_2() {
    let dir = sample();
    let config = dir.path().join("xaa.toml");
    let out = xaa(
        &[
            "validate",
            "id-jag",
            "--config",
            config.to_str().unwrap(),
            "--now",
            &NOW.to_string(),
            "-",
        ],
        Some(b""),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client-id"));
}

#[test]
fn cli_role_missing_from_config_exits_2() {
    let dir = sample();
    let path = dir.path().join("xaa.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let rs_only = dir.path().join("rs-only.toml");
    let start = text.find("[resource_server]").unwrap();
    std::fs::write(&rs_only, &text[start..]).unwrap();
    let out = xaa(
        &[
            "validate",
            "id-jag",
            "--config",
            rs_only.to_str().unwrap(),
            "--client-id",
            "mcp-client",
            "token",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[authorization_server]"), "{stderr}");
    // The same file serves access tokens.
    let out = xaa(
        &[
            "validate",
            "access-token",
            "--config",
            rs_only.to_str().unwrap(),
            "not-a-token",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["code"], "malformed");
}

#[test]
fn cli_keys_generate_writes_a_private_es256_jwk_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("as-key.json");
    let out = xaa(&["keys", "generate", "--out", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&path).unwrap();
    let key = xaa_guest::signing::parse_private_jwk(&text).unwrap();
    assert_eq!(
        key.kid,
        xaa_guest::signing::thumbprint(key.key.verifying_key()),
        "kid is the RFC 7638 thumbprint"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(public["kid"], key.kid.as_str());
    assert!(public.get("d").is_none(), "only the public half is printed");
    // Never overwrites an existing key.
    let again = xaa(&["keys", "generate", "--out", path.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    // Two keys are different keys.
    let other = dir.path().join("as-key-2.json");
    assert_eq!(
        xaa(
            &["keys", "generate", "--out", other.to_str().unwrap()],
            None
        )
        .status
        .code(),
        Some(0)
    );
    let other =
        xaa_guest::signing::parse_private_jwk(&std::fs::read_to_string(&other).unwrap()).unwrap();
    assert_ne!(other.kid, key.kid);
}

#[test]
fn cli_client_secret_and_hash_secret_agree() {
    let out = xaa(&["keys", "client-secret"], None);
    assert_eq!(out.status.code(), Some(0));
    let made: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = made["client_secret"].as_str().unwrap();
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    let hash = made["client_secret_sha256"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert!(hash
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    let hashed = xaa(
        &["keys", "hash-secret"],
        Some(format!("{secret}\n").as_bytes()),
    );
    assert_eq!(hashed.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&hashed.stdout).trim(), hash);
    // SHA-256("abc"), FIPS 180-2 B.1.
    let abc = xaa(&["keys", "hash-secret"], Some(b"abc\r\n"));
    assert_eq!(
        String::from_utf8_lossy(&abc.stdout).trim(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        xaa(&["keys", "hash-secret"], Some(b"")).status.code(),
        Some(2)
    );
    let again = xaa(&["keys", "client-secret"], None);
    assert_ne!(again.stdout, out.stdout, "a fresh secret each time");
}
