//! The hostile-input catalog (research/security.md §1) rows that a conformance vector cannot
//! express, through the component on the native and the pure-Rust verifier paths. Every other
//! row is a case of tests/vectors/conformance/suite.json (inputs and expected codes ported
//! from the tests that were here), which `conformance::the_committed_suite_passes_on_both_verifier_paths`
//! runs on both paths. Deleted here, with the suite cases that cover them:
//! - Positive controls: baseline-id-jag-valid, baseline-access-token-valid, and each row's
//!   `valid` control.
//! - S01-S22 (structure, encoding): S01(b) S02(b) S03(b) S04(b) S05(b) S06(b) S07(b,c) S08(b,c) S09(b) S10(b) S12 S13(b) S14 S15 S17(b) S18(b) S19(b,c) S20(b,c,d,e) S22(b).
//! - A01-A11 (algorithm): A01(b) A02(b) A03 A04(b) A05(b,c) A07(b) A08(b) A09(b) A10(b,c) A11.
//! - G01-G10 (signature bytes): G01(b,c) G02(b) G03(b) G04(b) G05 G06(b,c) G07(b) G08(b) G09 G10(b,c).
//! - K01, K03-K05, K07, K08, K10, K12, K13, K23, and the verdicts of K02, K06, K09: K01(b,c) K02 K03 K04(b) K05 K06 K07 K08(b) K09(b) K10(b,c) K12(b,c) K13(b,c,d,e,f) K23(b,c,d,e,f).
//! - H01-H07 (header parameters): H01(b) H02 H03(b) H04(b) H05 H06(b) H07.
//! - T01-T06 (explicit typing, was catalog_claims.rs): T01 T02(b,c) T04 T05(b) T06.
//! - C01-C23 (claims, was catalog_claims.rs): C01-a/b C02-a/b C04-a/b C05-a/b C06-a/b/c/d C07-a/b C08-a/b C09 C10-a/b C11-a/b C13-a/b C14-a/b C15-a/b C17-a/b C18-a/b C19-a/b C20-a/b C22-a/b C23-a/b.
//! - J01-J06 (ID-JAG bindings, was catalog_claims.rs): J01-a/b/c J02 J04-a/b J05 J06-a/b.
//! - Native and pure-Rust paths agree on the hostile set: every case above, run on both paths.
//!
//! Kept: K02 (a `jku` never drives a fetch) and K09 (an unknown kid refetches at most once per
//! cooldown) count fetches, K02 on the suite's own tokens; K06 checks, on the suite's tokens,
//! that the rejection's description is log-safe; K14,
//! K16, K17, K19-K22 check that a configuration whose inline JWK Set holds the bad key is
//! refused at load (the suite has no expectation for a refused configuration).

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use xaa_host::imports::jwks::JwksFetcher;
use xaa_host::wit::{self, Verdict};
use xaa_testkit::base64url::encode as b64;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Decodes an unpadded base64url segment (test side; lenient is fine here).
fn unb64(text: &str) -> Vec<u8> {
    xaa_testkit::base64url::decode(text).unwrap()
}

/// The baseline configuration with the first trusted issuer's inline JWK Set replaced.
fn config_with_idp_jwks(jwks: &Value) -> wit::Config {
    let mut cfg = config();
    cfg.authorization_server.as_mut().unwrap().trusted_issuers[0].keys =
        wit::KeySource::Inline(jwks.to_string());
    cfg
}

/// The IdP's baseline keys plus `extra`.
fn idp_jwks_plus(extra: Value) -> Value {
    let mut set = idp_jwks();
    set["keys"].as_array_mut().unwrap().push(extra);
    set
}

/// Asserts an inline JWK Set holding `bad` (next to the good IdP keys) refuses the config.
#[track_caller]
fn assert_jwks_refused(bad: Value) {
    let refusals = refusals(config_with_idp_jwks(&idp_jwks_plus(bad.clone())));
    assert!(
        refusals.iter().any(|r| r.contains("jwks")),
        "inline JWK Set with {bad} was not refused: {refusals:?}"
    );
}

/// A fetcher that serves one JWK Set document and counts its calls.
struct ServeJwks {
    body: String,
    calls: Arc<AtomicUsize>,
}

impl JwksFetcher for ServeJwks {
    fn fetch(&self, _uri: &str) -> Result<wit::JwksResponse, wit::FetchError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(wit::JwksResponse {
            status: 200,
            body: self.body.clone(),
            max_age: Some(300),
        })
    }
}

/// A harness whose IdP keys are *fetched* (jwks_uri) as `jwks`; `native` picks the path.
fn fetched_harness(jwks: &Value, native: bool) -> (Harness, Arc<AtomicUsize>) {
    let mut cfg = config();
    cfg.authorization_server.as_mut().unwrap().trusted_issuers[0].keys =
        wit::KeySource::Uri("https://idp.example.com/jwks".into());
    let calls = Arc::new(AtomicUsize::new(0));
    let mut imp = imports(native);
    imp.jwks = Arc::new(ServeJwks {
        body: jwks.to_string(),
        calls: calls.clone(),
    });
    (Harness::with(cfg, imp), calls)
}

/// Asserts a fetched JWK Set holding `bad` never makes `token` (which names the bad key's
/// kid) valid: the bad key is dropped at load, so the kid is unknown.
#[track_caller]
fn assert_fetched_bad_key_unusable(bad: Value, token: &str) {
    for native in [true, false] {
        let (mut h, _) = fetched_harness(&idp_jwks_plus(bad.clone()), native);
        assert_eq!(h.id_jag(token), "key_not_found", "native={native}");
        // The good keys of the same document still work.
        assert_eq!(
            h.id_jag(&id_jag("fetched-control", json!({}))),
            "valid",
            "native={native}"
        );
    }
}

/// An ID-JAG signed by idp-ec with a header naming `kid`.
fn jag_with_kid(jti: &str, kid: &str) -> String {
    jag_header(jti, json!({"kid": kid}))
}

// ---------------------------------------------------------------------------------------
// G: signature bytes
// ---------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// K: keys
// ---------------------------------------------------------------------------------------

/// K02's tokens are the suite's (case `K02`: `jku` an attacker URL, `file:`, a metadata IP,
/// the IdP's own URL; verdict `header_forbidden`); what the suite cannot see is that none of
/// them makes the host fetch anything.
#[test]
fn k02_jku_is_header_forbidden_and_never_fetched() {
    let tokens = suite_tokens("K02");
    assert_eq!(tokens.len(), 4);
    for (token, verdict) in tokens {
        // Keys fetched from a jwks_uri: a token-driven fetch would show in the count.
        for native in [true, false] {
            let (mut h, calls) = fetched_harness(&idp_jwks(), native);
            assert_eq!(h.id_jag(&token), verdict, "native={native}");
            assert_eq!(calls.load(Ordering::SeqCst), 0, "a token drove a fetch");
        }
    }
}

/// K06's tokens are the suite's (case `K06`: a kid with SQL, CRLF, JNDI, NUL injection or a
/// variant of a real kid; verdict `key_not_found` on both paths there); what the suite cannot
/// see is the rejection's description, which must stay log-safe.
#[test]
fn k06_injection_kid_is_key_not_found_and_log_safe() {
    let tokens = suite_tokens("K06");
    assert_eq!(tokens.len(), 8);
    for (token, verdict) in tokens {
        match Harness::new().validator.validate_id_jag(&token, CLIENT) {
            Verdict::Rejected(r) => {
                assert_eq!(r.code, verdict);
                assert!(
                    !r.description.chars().any(char::is_control),
                    "control characters reach the description: {:?}",
                    r.description
                );
            }
            Verdict::Valid(_) => panic!("valid"),
        }
    }
}

#[test]
fn k09_unknown_kid_refetches_at_most_once_per_cooldown() {
    // The verdicts of unknown kids (inline keys) are the suite's K09 and K09-b; what a
    // vector cannot see is how often a fetched set is fetched again.
    for native in [true, false] {
        let (mut h, calls) = fetched_harness(&idp_jwks(), native);
        for i in 0..5 {
            assert_eq!(
                h.id_jag(&jag_with_kid(&format!("k09-{i}"), &format!("rotated-{i}"))),
                "key_not_found"
            );
        }
        assert!(
            calls.load(Ordering::SeqCst) <= 2,
            "{}",
            calls.load(Ordering::SeqCst)
        );
    }
}

#[test]
fn k14_invalid_ec_point_is_refused_at_load() {
    let good = ec_jwk(&keys().attacker, "bad-point", json!({}));
    let y = unb64(good["y"].as_str().unwrap());
    let zero = b64(&[0u8; 32]);
    let p = hex(P_HEX);
    let off_curve = {
        let mut j = good.clone();
        j["y"] = json!(b64(&add_small(&y, 1)));
        j
    };
    let identity = {
        let mut j = good.clone();
        j["x"] = json!(zero.clone());
        j["y"] = json!(zero);
        j
    };
    let x_ge_p = {
        let mut j = good.clone();
        j["x"] = json!(b64(&p));
        j
    };
    // A real coordinate in a non-reduced form (y + p), when it fits in 32 bytes.
    let y_plus_p = {
        let mut out = y.clone();
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let v = u16::from(out[i]) + u16::from(p[i]) + carry;
            out[i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        (carry == 0).then(|| {
            let mut j = good.clone();
            j["y"] = json!(b64(&out));
            j
        })
    };
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "bad-point"}),
        &id_jag_claims("k14"),
        Signer::Es256(&keys().attacker),
    );
    for bad in [Some(off_curve), Some(identity), Some(x_ge_p), y_plus_p]
        .into_iter()
        .flatten()
    {
        assert_jwks_refused(bad.clone());
        assert_fetched_bad_key_unusable(bad, &token);
    }
}

#[test]
fn k16_non_p256_curve_is_refused_at_load() {
    let good = ec_jwk(&keys().attacker, "bad-crv", json!({}));
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "bad-crv"}),
        &id_jag_claims("k16"),
        Signer::Es256(&keys().attacker),
    );
    for crv in [
        json!("P-384"),
        json!("secp256k1"),
        json!("p-256"),
        json!(null),
    ] {
        let mut bad = good.clone();
        merge(&mut bad, json!({"crv": crv}));
        assert_jwks_refused(bad.clone());
        assert_fetched_bad_key_unusable(bad, &token);
    }
}

#[test]
fn k17_weak_rsa_key_is_refused_at_load() {
    let mut rng =
        <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::seed_from_u64(1717);
    let weak = RsaPrivateKey::new(&mut rng, 1024).unwrap();
    let bad = rsa_jwk(&weak, "weak-rsa", json!({}));
    assert_jwks_refused(bad.clone());
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "weak-rsa"}),
        &id_jag_claims("k17"),
        Signer::Rs256(&weak),
    );
    assert_fetched_bad_key_unusable(bad, &token);
    // Boundary: 2047 bits (a 256-byte modulus with the top bit clear).
    let mut n = keys().idp_rsa.n().to_bytes_be();
    n[0] = 0x7f;
    let bad = json!({"kty": "RSA", "kid": "rsa-2047", "n": b64(&n), "e": "AQAB"});
    assert_jwks_refused(bad);
}

#[test]
fn k19_huge_rsa_modulus_or_exponent_is_refused_at_load() {
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "huge"}),
        &id_jag_claims("k19"),
        Signer::Rs256(&keys().idp_rsa),
    );
    // A 4104-bit odd modulus.
    let mut n = vec![0xc5u8; 513];
    n[512] |= 1;
    let bad = json!({"kty": "RSA", "kid": "huge", "n": b64(&n), "e": "AQAB"});
    assert_jwks_refused(bad.clone());
    assert_fetched_bad_key_unusable(bad, &token);
    // The real modulus with exponent 2^33 + 1, and with a 64-bit exponent.
    let real_n = b64(&keys().idp_rsa.n().to_bytes_be());
    for e in [hex("0200000001"), hex("ffffffffffffffff")] {
        let bad = json!({"kty": "RSA", "kid": "huge", "n": real_n, "e": b64(&e)});
        assert_jwks_refused(bad.clone());
        assert_fetched_bad_key_unusable(bad, &token);
    }
}

#[test]
fn k20_private_members_are_refused_at_load() {
    let k = keys();
    let d = b64(&k.attacker.to_bytes());
    for member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
        let bad = ec_jwk(&k.attacker, "leaky", json!({member: d.clone()}));
        assert_jwks_refused(bad);
    }
    // A full RSA private JWK.
    let rsa = &k.idp_rsa;
    let primes = rsa.primes();
    let bad = rsa_jwk(
        rsa,
        "leaky-rsa",
        json!({
            "d": b64(&rsa.d().to_bytes_be()),
            "p": b64(&primes[0].to_bytes_be()),
            "q": b64(&primes[1].to_bytes_be()),
        }),
    );
    assert_jwks_refused(bad);
    // Fetched: a correctly signed token naming the leaky key is still not accepted.
    let bad = ec_jwk(&k.attacker, "leaky", json!({"d": d}));
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "leaky"}),
        &id_jag_claims("k20"),
        Signer::Es256(&k.attacker),
    );
    assert_fetched_bad_key_unusable(bad, &token);
}

#[test]
fn k21_oct_key_is_refused_at_load() {
    let secret = b64(b"attacker-chosen-hmac-secret-32by");
    for bad in [
        json!({"kty": "oct", "kid": "sym", "k": secret}),
        json!({"kty": "oct", "kid": "sym", "k": secret, "alg": "HS256", "use": "sig"}),
    ] {
        assert_jwks_refused(bad);
    }
    // Even an alg the issuer allows does not make HS256 with the oct secret acceptable.
    let jwks = idp_jwks_plus(json!({"kty": "oct", "kid": "sym", "k": secret}));
    let (mut h, _) = fetched_harness(&jwks, true);
    // The suite's K21-c forgery: HMAC-SHA256 keyed with the oct key's secret.
    let (forged, verdict) = &suite_tokens("K21-c")[0];
    assert_eq!(verdict, "alg_not_allowed");
    assert_eq!(h.id_jag(forged), "alg_not_allowed");
    // And an ES256 token naming the oct kid finds no key.
    assert_eq!(h.id_jag(&jag_with_kid("k21-es", "sym")), "key_not_found");
}

/// Changes the last character of an unpadded base64url value so its unused trailing bits
/// are non-zero (the same bytes, non-canonically encoded).
fn non_canonical(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *text.as_bytes().last().unwrap();
    let index = ALPHABET.iter().position(|c| *c == last).unwrap();
    let unused_mask = match text.len() % 4 {
        2 => 0x0f,
        3 => 0x03,
        _ => panic!("no trailing bits"),
    };
    assert_eq!(index & unused_mask, 0);
    let mut out = text[..text.len() - 1].to_owned();
    out.push(ALPHABET[index | 1] as char);
    out
}

#[test]
fn k22_non_canonical_key_encoding_is_refused_at_load() {
    let k = keys();
    let ec = ec_jwk(&k.attacker, "enc-ec", json!({}));
    let rsa = rsa_jwk(&k.idp_rsa, "enc-rsa", json!({}));
    let x = ec["x"].as_str().unwrap().to_owned();
    let y = ec["y"].as_str().unwrap().to_owned();
    let n = rsa["n"].as_str().unwrap().to_owned();
    assert_eq!(x.len() % 4, 3, "32 bytes encode to 43 characters");
    let mut bads = vec![
        {
            let mut j = ec.clone();
            j["x"] = json!(format!("{x}="));
            j
        },
        {
            let mut j = ec.clone();
            j["y"] = json!(non_canonical(&y));
            j
        },
        {
            let mut j = ec.clone();
            j["x"] = json!(format!("{x} "));
            j
        },
        {
            // A 33-byte x with a leading zero.
            let mut j = ec.clone();
            j["x"] = json!(b64(&[&[0u8][..], &unb64(&x)].concat()));
            j
        },
        {
            let mut j = rsa.clone();
            j["e"] = json!("AQAB=");
            j
        },
        {
            // 00 01 00 01: not the minimal Base64urlUInt.
            let mut j = rsa.clone();
            j["e"] = json!("AAEAAQ");
            j
        },
        {
            let mut j = rsa.clone();
            j["n"] = json!(b64(&[&[0u8][..], &unb64(&n)].concat()));
            j
        },
        {
            let mut j = rsa.clone();
            j["n"] = json!(n.replace('-', "+").replace('_', "/") + "==");
            j
        },
    ];
    if !n.len().is_multiple_of(4) {
        let mut j = rsa.clone();
        j["n"] = json!(non_canonical(&n));
        bads.push(j);
    }
    for bad in bads {
        assert_jwks_refused(bad);
    }
}
