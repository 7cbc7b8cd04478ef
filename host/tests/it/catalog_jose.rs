//! Hostile-input catalog, JOSE layer (security.md §1 rows S, A, G, K, H), through the
//! component. One test per row: each builds the hostile token from the baseline and asserts
//! the exact rejection code, on the native and the pure-Rust verifier paths.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use xaa_guest::base64url::encode as b64;
use xaa_host::imports::jwks::JwksFetcher;
use xaa_host::wit::{self, Verdict};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// P-256 group order n.
const N_HEX: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
/// P-256 field prime p.
const P_HEX: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
/// (n - 1) / 2: an ES256 `s` above this is "high".
const HALF_N_HEX: &str = "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8";

/// Big-endian `a + k` for a small k, same width.
fn add_small(a: &[u8], k: u8) -> Vec<u8> {
    let mut out = a.to_vec();
    let mut carry = u16::from(k);
    for byte in out.iter_mut().rev() {
        let sum = u16::from(*byte) + carry;
        *byte = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    out
}

/// Decodes an unpadded base64url segment (test side; lenient is fine here).
fn unb64(text: &str) -> Vec<u8> {
    xaa_guest::base64url::decode(text).unwrap()
}

/// The decoded signature bytes.
fn sig_of(token: &str) -> Vec<u8> {
    unb64(&parts(token).2)
}

/// Mints over exact header and payload *bytes* (not necessarily UTF-8).
fn mint_bytes(header: &[u8], payload: &[u8], signer: Signer<'_>) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = sign(&input, &signer);
    format!("{input}.{}", b64(&sig))
}

/// An RS256 ID-JAG signed by idp-rsa.
fn jag_rs256(jti: &str) -> String {
    mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-rsa"}),
        &id_jag_claims(jti),
        Signer::Rs256(&keys().idp_rsa),
    )
}

/// Fresh harnesses on both verifier paths: a token's code on each.
fn codes_jag(token: &str) -> (String, String) {
    (
        Harness::new().id_jag(token),
        Harness::pure_rust().id_jag(token),
    )
}

/// Asserts an ID-JAG's code on both verifier paths (fresh harness each, so no replay state).
#[track_caller]
fn assert_jag(token: &str, expected: &str) {
    let (native, pure) = codes_jag(token);
    assert_eq!(native, expected, "native verifier path");
    assert_eq!(pure, expected, "pure-Rust verifier path");
}

/// Asserts an access token's code on both verifier paths.
#[track_caller]
fn assert_at(token: &str, expected: &str) {
    assert_eq!(
        Harness::new().access_token(token),
        expected,
        "native verifier path"
    );
    assert_eq!(
        Harness::pure_rust().access_token(token),
        expected,
        "pure-Rust verifier path"
    );
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

/// Standard base64 with padding (for PEM).
fn std_b64(bytes: &[u8]) -> String {
    let mut s = b64(bytes).replace('-', "+").replace('_', "/");
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    s
}

/// Raw RSA private operation on an encoded message: the signature bytes, modulus length.
fn rsa_raw(key: &RsaPrivateKey, em: &[u8]) -> Vec<u8> {
    let m = BigUint::from_bytes_be(em);
    assert!(&m < key.n());
    let s = m.modpow(key.d(), key.n()).to_bytes_be();
    let mut out = vec![0u8; key.size() - s.len()];
    out.extend_from_slice(&s);
    out
}

const SHA256_DIGEST_INFO: &str = "3031300d060960864801650304020105000420";

/// EMSA-PKCS1-v1_5 built from parts: `00 01 FF.. 00 || prefix || hash || trailer`, left
/// padded with zero bytes when `ff_count` is short.
fn pkcs1_em(ff_count: usize, prefix: &[u8], hash: &[u8], trailer: &[u8], k: usize) -> Vec<u8> {
    let mut body = vec![0x01];
    body.extend(vec![0xffu8; ff_count]);
    body.push(0x00);
    body.extend_from_slice(prefix);
    body.extend_from_slice(hash);
    body.extend_from_slice(trailer);
    assert!(body.len() < k, "EM too long");
    let mut em = vec![0u8; k - body.len()];
    em.extend(body);
    em
}

/// The signing input of a token.
fn signing_input(token: &str) -> String {
    let (h, p, _) = parts(token);
    format!("{h}.{p}")
}

// ---------------------------------------------------------------------------------------
// Positive control
// ---------------------------------------------------------------------------------------

#[test]
fn positive_control_baselines_are_valid() {
    assert_jag(&id_jag("control-es", json!({})), "valid");
    assert_jag(&jag_rs256("control-rs"), "valid");
    assert_at(&access_token(json!({})), "valid");
    // The helpers themselves produce valid tokens when nothing hostile is changed.
    assert_jag(&jag_header("control-h", json!({})), "valid");
    assert_jag(
        &jag_raw_header("control-raw", &id_jag_header().to_string()),
        "valid",
    );
    assert_at(&at_header_with(json!({})), "valid");
}

// ---------------------------------------------------------------------------------------
// S: structure and encoding
// ---------------------------------------------------------------------------------------

#[test]
fn s01_empty_string_is_malformed() {
    assert_jag("", "malformed");
    assert_at("", "malformed");
}

#[test]
fn s02_two_segments_is_malformed() {
    let (h, p, _) = parts(&id_jag("s02", json!({})));
    assert_jag(&format!("{h}.{p}"), "malformed");
    assert_jag(&format!("{h}{p}"), "malformed");
    let (h, p, _) = parts(&access_token(json!({})));
    assert_at(&format!("{h}.{p}"), "malformed");
}

#[test]
fn s03_trailing_dot_or_extra_segments_is_malformed() {
    let token = id_jag("s03", json!({}));
    assert_jag(&format!("{token}."), "malformed");
    assert_jag(&format!("{token}.x"), "malformed");
    assert_jag(&format!("{token}.{token}"), "malformed");
    assert_at(&format!("{}.", access_token(json!({}))), "malformed");
}

#[test]
fn s04_missing_header_or_payload_segment_is_malformed() {
    let (h, p, s) = parts(&id_jag("s04", json!({})));
    assert_jag(&format!(".{p}.{s}"), "malformed");
    assert_jag(&format!("{h}..{s}"), "malformed");
    // An empty payload that is *signed* is still not a claims set.
    let signed_empty = mint_raw(
        &id_jag_header().to_string(),
        "",
        Signer::Es256(&keys().idp_ec),
    );
    assert_jag(&signed_empty, "malformed");
}

#[test]
fn s05_five_segment_jwe_is_malformed() {
    let header = b64(br#"{"alg":"RSA-OAEP","enc":"A256GCM","typ":"oauth-id-jag+jwt"}"#);
    let jwe = format!(
        "{header}.{}.{}.{}.{}",
        b64(&[7u8; 256]),
        b64(&[1u8; 12]),
        b64(b"ciphertext"),
        b64(&[2u8; 16])
    );
    assert_jag(&jwe, "malformed");
    assert_at(&jwe, "malformed");
}

#[test]
fn s06_json_serialization_is_malformed() {
    let (h, p, s) = parts(&id_jag("s06", json!({})));
    let general = json!({"payload": p, "signatures": [{"protected": h, "signature": s}]});
    let flattened = json!({"payload": p, "protected": h, "signature": s});
    assert_jag(&general.to_string(), "malformed");
    assert_jag(&flattened.to_string(), "malformed");
    // python-jwt CVE-2022-39227 polyglot: a compact token inside a JSON object.
    let forged = b64(id_jag_claims("s06-forged").to_string().as_bytes());
    let polyglot =
        format!(r#"{{"{h}.{p}.":"","protected":"{h}","payload":"{forged}","signature":"{s}"}}"#);
    assert_jag(&polyglot, "malformed");
}

#[test]
fn s07_dot_flood_is_limit_or_malformed() {
    let flood = ".".repeat(1 << 20);
    assert_jag(&flood, "limit_exceeded");
    assert_jag(&format!("Bearer {flood}"), "limit_exceeded");
    assert_at(&flood, "limit_exceeded");
    // Within the size cap the shape check refuses it.
    assert_jag(&".".repeat(4000), "malformed");
}

#[test]
fn s08_oversized_token_is_limit_before_decode() {
    let (h, p, _) = parts(&id_jag("s08", json!({})));
    // A signature segment of megabytes, of characters that would not even decode.
    assert_jag(
        &format!("{h}.{p}.{}", "!".repeat(1 << 20)),
        "limit_exceeded",
    );
    // A header segment of megabytes.
    assert_jag(&format!("{}.{p}.AA", "A".repeat(1 << 20)), "limit_exceeded");
    // Boundary: the largest real token at or under 8 KiB is valid, the next one over is not.
    let padded = |n: usize, jti: &str| id_jag(jti, json!({"pad": "x".repeat(n)}));
    let mut n = 4000;
    while padded(n + 1, "s08").len() <= 8192 {
        n += 1;
    }
    let at_cap = padded(n, "s08");
    assert!(
        at_cap.len() <= 8192 && at_cap.len() > 8185,
        "{}",
        at_cap.len()
    );
    assert_jag(&at_cap, "valid");
    let over = padded(n + 1, "s08");
    assert!(over.len() > 8192);
    assert_jag(&over, "limit_exceeded");
}

#[test]
fn s09_base64_padding_is_malformed() {
    let (h, p, s) = parts(&id_jag("s09", json!({})));
    let pad = |seg: &str| {
        let mut seg = seg.to_owned();
        seg.push('=');
        while !seg.len().is_multiple_of(4) {
            seg.push('=');
        }
        seg
    };
    assert_jag(&format!("{}.{p}.{s}", pad(&h)), "malformed");
    assert_jag(&format!("{h}.{}.{s}", pad(&p)), "malformed");
    assert_eq!(s.len() % 4, 2, "86-char ES256 signature");
    assert_jag(&format!("{h}.{p}.{}", pad(&s)), "malformed");
    let (h, p, s) = parts(&access_token(json!({})));
    assert_at(&format!("{h}.{p}.{}", pad(&s)), "malformed");
}

#[test]
fn s10_non_base64url_characters_are_malformed() {
    let (h, p, s) = parts(&id_jag("s10", json!({})));
    for bad in ['+', '/', '\\', '!', '%', '='] {
        let mut sig = s.clone().into_bytes();
        sig[10] = bad as u8;
        let sig = String::from_utf8(sig).unwrap();
        assert_jag(&format!("{h}.{p}.{sig}"), "malformed");
        let mut payload = p.clone().into_bytes();
        payload[5] = bad as u8;
        let payload = String::from_utf8(payload).unwrap();
        assert_jag(&format!("{h}.{payload}.{s}"), "malformed");
    }
    // The whole token in the standard alphabet (jsrsasign CVE-2022-25898), when it differs.
    let token = id_jag("s10-std", json!({}));
    let standard = token.replace('-', "+").replace('_', "/");
    if standard != token {
        assert_jag(&standard, "malformed");
    }
}

#[test]
fn s12_segment_length_one_mod_four_is_malformed() {
    let (h, p, s) = parts(&id_jag("s12", json!({})));
    let cut = |seg: &str| {
        let mut len = seg.len();
        while len % 4 != 1 {
            len -= 1;
        }
        seg[..len].to_owned()
    };
    assert_jag(&format!("{}.{p}.{s}", cut(&h)), "malformed");
    assert_jag(&format!("{h}.{}.{s}", cut(&p)), "malformed");
    assert_jag(&format!("{h}.{p}.{}", cut(&s)), "malformed");
    assert_jag(&format!("{h}.{p}.{s}AAA"), "malformed");
}

#[test]
fn s13_whitespace_is_malformed() {
    let token = id_jag("s13", json!({}));
    let (h, p, s) = parts(&token);
    for hostile in [
        format!(" {token}"),
        format!("{token} "),
        format!("{token}\n"),
        format!("{token}\r\n"),
        format!("\t{token}"),
        format!("{h}.\r\n{p}.{s}"),
        format!("{h}.{p}.{}\t{}", &s[..40], &s[40..]),
        format!("{h} .{p}.{s}"),
        format!("Bearer {token}"),
    ] {
        assert_jag(&hostile, "malformed");
    }
    assert_at(&format!("{} ", access_token(json!({}))), "malformed");
}

#[test]
fn s14_non_ascii_is_malformed() {
    let token = id_jag("s14", json!({}));
    let (h, p, s) = parts(&token);
    assert_jag(&format!("{token}é"), "malformed");
    // U+2024 ONE DOT LEADER in place of a dot.
    assert_jag(&format!("{h}\u{2024}{p}.{s}"), "malformed");
    // Fullwidth letter inside the signature.
    assert_jag(&format!("{h}.{p}.\u{ff21}{}", &s[1..]), "malformed");
    assert_jag(&format!("\u{feff}{token}"), "malformed");
}

#[test]
fn s15_header_or_payload_not_utf8_is_malformed() {
    let header = id_jag_header().to_string();
    let payload = id_jag_claims("s15").to_string();
    // Invalid byte inside a header string value; the signature is genuine.
    let mut bad_header = header.clone().into_bytes();
    let pos = bad_header.len() - 3;
    bad_header.insert(pos, 0xff);
    assert_jag(
        &mint_bytes(
            &bad_header,
            payload.as_bytes(),
            Signer::Es256(&keys().idp_ec),
        ),
        "malformed",
    );
    // Overlong encoding of '/' in the payload.
    let bad_payload = payload.replacen("U019488227", "U01\u{1}", 1).into_bytes();
    let bad_payload: Vec<u8> = bad_payload
        .into_iter()
        .flat_map(|b| if b == 1 { vec![0xc0, 0xaf] } else { vec![b] })
        .collect();
    assert_jag(
        &mint_bytes(
            header.as_bytes(),
            &bad_payload,
            Signer::Es256(&keys().idp_ec),
        ),
        "malformed",
    );
    // A lone surrogate escape is not a Unicode scalar either.
    assert_jag(
        &jag_raw_payload(&payload.replacen("U019488227", "U\\ud800", 1)),
        "malformed",
    );
}

#[test]
fn s17_header_not_an_object_is_malformed() {
    for header in ["[]", "\"x\"", "null", "1", "true", "[{\"alg\":\"ES256\"}]"] {
        assert_jag(&jag_raw_header("s17", header), "malformed");
    }
    // The same for the claims set.
    for payload in ["[]", "\"x\"", "null", "1"] {
        assert_jag(&jag_raw_payload(payload), "malformed");
    }
}

#[test]
fn s18_duplicate_header_member_is_malformed() {
    for header in [
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","alg":"none"}"#,
        r#"{"typ":"oauth-id-jag+jwt","alg":"none","kid":"idp-ec","alg":"ES256"}"#,
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","alg":"ES256"}"#,
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"attacker","kid":"idp-ec"}"#,
        r#"{"typ":"JWT","alg":"ES256","kid":"idp-ec","typ":"oauth-id-jag+jwt"}"#,
        // The same name spelled with an escape is still a duplicate.
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","\u0061lg":"ES256"}"#,
    ] {
        assert_jag(&jag_raw_header("s18", header), "malformed");
    }
    let at = mint_raw(
        r#"{"typ":"at+jwt","alg":"ES256","kid":"as-ec","alg":"ES256"}"#,
        &at_claims().to_string(),
        Signer::Es256(&keys().as_ec),
    );
    assert_at(&at, "malformed");
}

#[test]
fn s19_duplicate_claim_is_malformed() {
    let base = id_jag_claims("s19").to_string();
    let with = |extra: &str| format!("{},{extra}}}", &base[..base.len() - 1]);
    for extra in [
        format!(r#""exp":{}"#, NOW + 100_000),
        format!(r#""exp":{}"#, NOW + 290),
        r#""aud":"https://evil.example.com""#.to_owned(),
        format!(r#""aud":"{AS_ISSUER}""#),
        r#""iss":"https://evil.example.com""#.to_owned(),
        r#""client_id":"someone-else""#.to_owned(),
        r#""jti":"s19-other""#.to_owned(),
    ] {
        assert_jag(&jag_raw_payload(&with(&extra)), "malformed");
    }
    // Control: the same text with a new, distinct member is accepted.
    assert_jag(&jag_raw_payload(&with(r#""s19_extra":1"#)), "valid");
    // Access-token path: the signature verifies, then the strict claims parse refuses it.
    let at = at_claims().to_string();
    let at = format!("{},\"aud\":\"{OTHER_RESOURCE}\"}}", &at[..at.len() - 1]);
    let token = mint_raw(&at_header().to_string(), &at, Signer::Es256(&keys().as_ec));
    assert_at(&token, "malformed");
}

#[test]
fn s20_deep_nesting_is_limit_exceeded() {
    let nested = |depth: usize, closed: bool| {
        let mut s = "[".repeat(depth);
        if closed {
            s.push_str(&"]".repeat(depth));
        }
        s
    };
    // In the header, unclosed (10 000 would exceed the size cap first; 5 000 fits).
    let header = format!(
        r#"{{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","x":{}"#,
        nested(5000, false)
    );
    let token = jag_raw_header("s20-a", &header);
    assert!(token.len() <= 8192, "{}", token.len());
    assert_jag(&token, "limit_exceeded");
    // In the header, closed and just past the cap.
    let header = format!(
        r#"{{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","x":{}}}"#,
        nested(20, true)
    );
    assert_jag(&jag_raw_header("s20-b", &header), "limit_exceeded");
    // In the claims.
    let base = id_jag_claims("s20-c").to_string();
    let payload = format!(
        "{},\"x\":{}}}",
        &base[..base.len() - 1],
        nested(4000, false)
    );
    let token = jag_raw_payload(&payload);
    assert!(token.len() <= 8192, "{}", token.len());
    assert_jag(&token, "limit_exceeded");
    // Control: shallow nesting of an unknown member is fine.
    let header = format!(
        r#"{{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","x":{}}}"#,
        nested(8, true)
    );
    assert_jag(&jag_raw_header("s20-ok", &header), "valid");
    // Access-token path (claims after the signature).
    let at = at_claims().to_string();
    let at = format!("{},\"x\":{}}}", &at[..at.len() - 1], nested(3000, false));
    let token = mint_raw(&at_header().to_string(), &at, Signer::Es256(&keys().as_ec));
    assert_at(&token, "limit_exceeded");
}

#[test]
fn s22_wide_json_within_cap_is_judged_on_content() {
    let mut header = id_jag_header();
    for i in 0..150 {
        header[format!("m{i}")] = json!("v");
    }
    let mut claims = id_jag_claims("s22");
    claims["long"] = json!("L".repeat(2500));
    let token = mint(&header, &claims, Signer::Es256(&keys().idp_ec));
    assert!(token.len() <= 8192, "{}", token.len());
    assert_jag(&token, "valid");
    // The same width with hostile content is judged on the content.
    header["m149"] = json!(null);
    header["jku"] = json!("https://attacker.example/jwks");
    let token = mint(&header, &claims, Signer::Es256(&keys().idp_ec));
    assert_jag(&token, "header_forbidden");
}

// ---------------------------------------------------------------------------------------
// A: algorithm
// ---------------------------------------------------------------------------------------

#[test]
fn a01_alg_none_empty_signature_is_alg_not_allowed() {
    let token = jag_header("a01", json!({"alg": "none"}));
    let (h, p, _) = parts(&token);
    assert_jag(&format!("{h}.{p}."), "alg_not_allowed");
    let bare = mint_raw(
        r#"{"typ":"oauth-id-jag+jwt","alg":"none"}"#,
        &id_jag_claims("a01-b").to_string(),
        Signer::Raw(Vec::new()),
    );
    assert_jag(&bare, "alg_not_allowed");
    let at = mint(
        &json!({"typ": "at+jwt", "alg": "none"}),
        &at_claims(),
        Signer::Raw(Vec::new()),
    );
    assert_at(&at, "alg_not_allowed");
}

#[test]
fn a02_alg_none_case_variants_are_alg_not_allowed() {
    for alg in ["None", "NONE", "nOnE", "none ", " none"] {
        let token = jag_header("a02", json!({"alg": alg}));
        assert_jag(&with_sig(&token, &[]), "alg_not_allowed");
    }
    // The allow-list is exact: a genuine ES256 signature under "es256" is still refused.
    for alg in ["es256", "Es256", "ES256 ", "ES256\u{0}"] {
        assert_jag(
            &jag_header("a02-es", json!({"alg": alg})),
            "alg_not_allowed",
        );
    }
}

#[test]
fn a03_alg_none_with_signature_is_alg_not_allowed() {
    // Signature bytes that are a genuine ES256 signature over the same input.
    let token = jag_header("a03", json!({"alg": "none"}));
    assert!(!parts(&token).2.is_empty());
    assert_jag(&token, "alg_not_allowed");
    assert_jag(&with_sig(&token, b"garbage"), "alg_not_allowed");
}

#[test]
fn a04_alg_missing_or_not_a_string_is_malformed() {
    for alg in [
        Value::Null,
        json!(256),
        json!(["ES256"]),
        json!({"name": "ES256"}),
        json!(true),
    ] {
        let header = json!({"typ": "oauth-id-jag+jwt", "alg": alg, "kid": "idp-ec"});
        assert_jag(&jag_raw_header("a04", &header.to_string()), "malformed");
    }
    // `null` as a merge value would remove the member, so missing is this case:
    assert_jag(
        &jag_header("a04-missing", json!({"alg": null})),
        "malformed",
    );
    assert_at(&at_header_with(json!({"alg": null})), "malformed");
}

#[test]
fn a05_hs256_with_public_key_is_alg_not_allowed() {
    let k = keys();
    let point = k.idp_ec.verifying_key().to_encoded_point(false);
    let sec1 = point.as_bytes().to_vec();
    let mut spki = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
    spki.extend_from_slice(&sec1);
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        std_b64(&spki)
    );
    // OpenSSH public-key line: string "ecdsa-sha2-nistp256", string "nistp256", string Q.
    let ssh_blob: Vec<u8> = [&b"ecdsa-sha2-nistp256"[..], b"nistp256", &sec1]
        .iter()
        .flat_map(|field| {
            let mut out = (field.len() as u32).to_be_bytes().to_vec();
            out.extend_from_slice(field);
            out
        })
        .collect();
    let openssh = format!("ecdsa-sha2-nistp256 {} idp", std_b64(&ssh_blob));
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        ("openssh", openssh.into_bytes()),
        (
            "jwk json",
            ec_jwk(&k.idp_ec, "idp-ec", json!({}))
                .to_string()
                .into_bytes(),
        ),
        ("jwk set json", idp_jwks().to_string().into_bytes()),
        ("sec1", sec1),
        ("x", point.x().unwrap().to_vec()),
        ("spki der", spki),
        ("pem", pem.into_bytes()),
        ("rsa n", k.idp_rsa.n().to_bytes_be()),
        (
            "rsa jwk json",
            rsa_jwk(&k.idp_rsa, "idp-rsa", json!({}))
                .to_string()
                .into_bytes(),
        ),
    ];
    for (what, secret) in secrets {
        for kid in ["idp-ec", "idp-rsa"] {
            let header = json!({"typ": "oauth-id-jag+jwt", "alg": "HS256", "kid": kid});
            let unsigned = mint(&header, &id_jag_claims("a05"), Signer::Raw(Vec::new()));
            let input = signing_input(&unsigned);
            let mac = hmac_sha256(&secret, input.as_bytes());
            assert_eq!(
                Harness::new().id_jag(&with_sig(&unsigned, &mac)),
                "alg_not_allowed",
                "{what}"
            );
        }
    }
    // Access-token path with the AS key as the MAC secret.
    let as_jwk = ec_jwk(&k.as_ec, "as-ec", json!({"alg": "ES256"})).to_string();
    let unsigned = mint(
        &json!({"typ": "at+jwt", "alg": "HS256", "kid": "as-ec"}),
        &at_claims(),
        Signer::Raw(Vec::new()),
    );
    let mac = hmac_sha256(as_jwk.as_bytes(), signing_input(&unsigned).as_bytes());
    assert_at(&with_sig(&unsigned, &mac), "alg_not_allowed");
    // Every HMAC variant.
    for alg in ["HS384", "HS512"] {
        assert_jag(
            &jag_header("a05-hs", json!({"alg": alg})),
            "alg_not_allowed",
        );
    }
}

#[test]
fn a07_rs256_with_ec_key_is_key_rejected() {
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-ec"}),
        &id_jag_claims("a07"),
        Signer::Rs256(&keys().idp_rsa),
    );
    assert_jag(&token, "key_rejected");
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "PS256", "kid": "idp-ec"}),
        &id_jag_claims("a07-ps"),
        Signer::Ps256(&keys().idp_rsa),
    );
    assert_jag(&token, "key_rejected");
    // The reverse: ES256 naming the RSA key.
    assert_jag(&jag_with_kid("a07-rev", "idp-rsa"), "key_rejected");
}

#[test]
fn a08_es384_es512_with_p256_key_is_alg_not_allowed() {
    // Catalog class is KEY_REJECTED; our pipeline refuses these algs at the allow-list,
    // before key selection, since the component never verifies ES384/ES512.
    for alg in ["ES384", "ES512"] {
        let token = jag_header("a08", json!({"alg": alg}));
        assert_jag(&token, "alg_not_allowed");
    }
    assert_at(&at_header_with(json!({"alg": "ES384"})), "alg_not_allowed");
}

#[test]
fn a09_token_alg_must_match_jwk_alg_is_key_rejected() {
    let k = keys();
    let ps = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "PS256", "kid": "idp-rsa"}),
        &id_jag_claims("a09-ps"),
        Signer::Ps256(&k.idp_rsa),
    );
    let rs = jag_rs256("a09-rs");
    let pinned = |alg: &str| {
        config_with_idp_jwks(&json!({"keys": [
            ec_jwk(&k.idp_ec, "idp-ec", json!({})),
            rsa_jwk(&k.idp_rsa, "idp-rsa", json!({"alg": alg})),
        ]}))
    };
    for native in [true, false] {
        let mut h = Harness::with(pinned("RS256"), imports(native));
        assert_eq!(h.id_jag(&ps), "key_rejected");
        assert_eq!(h.id_jag(&rs), "valid", "control");
        let mut h = Harness::with(pinned("PS256"), imports(native));
        assert_eq!(h.id_jag(&rs), "key_rejected");
        assert_eq!(h.id_jag(&ps), "valid", "control");
    }
}

#[test]
fn a10_alg_not_configured_for_issuer_is_alg_not_allowed() {
    for alg in ["EdDSA", "ES256K", "PS512", "RS512", "PS384", "Ed25519"] {
        assert_jag(&jag_header("a10", json!({"alg": alg})), "alg_not_allowed");
    }
    // RS256 is supported by the component and allowed for the IdP, but OTHER_IDP allows
    // only ES256: the allow-list is per issuer.
    let mut claims = id_jag_claims("a10-other");
    claims["iss"] = json!(OTHER_IDP);
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "other-ec"}),
        &claims,
        Signer::Rs256(&keys().idp_rsa),
    );
    assert_jag(&token, "alg_not_allowed");
    // The resource server allows only ES256.
    let at = mint(
        &json!({"typ": "at+jwt", "alg": "RS256", "kid": "as-ec"}),
        &at_claims(),
        Signer::Rs256(&keys().idp_rsa),
    );
    assert_at(&at, "alg_not_allowed");
}

#[test]
fn a11_jwe_key_management_algs_are_alg_not_allowed() {
    for alg in [
        "PBES2-HS256+A128KW",
        "PBES2-HS512+A256KW",
        "RSA1_5",
        "RSA-OAEP",
        "dir",
        "ECDH-ES",
        "ECDH-ES+A128KW",
        "A128KW",
    ] {
        assert_jag(&jag_header("a11", json!({"alg": alg})), "alg_not_allowed");
    }
}

// ---------------------------------------------------------------------------------------
// G: signature bytes
// ---------------------------------------------------------------------------------------

#[test]
fn g01_zero_length_signature_is_signature_invalid() {
    assert_jag(
        &with_sig(&id_jag("g01", json!({})), &[]),
        "signature_invalid",
    );
    assert_jag(&with_sig(&jag_rs256("g01-rs"), &[]), "signature_invalid");
    assert_at(
        &with_sig(&access_token(json!({})), &[]),
        "signature_invalid",
    );
}

#[test]
fn g02_psychic_zero_signature_is_signature_invalid() {
    assert_jag(
        &with_sig(&id_jag("g02", json!({})), &[0u8; 64]),
        "signature_invalid",
    );
    assert_at(
        &with_sig(&access_token(json!({})), &[0u8; 64]),
        "signature_invalid",
    );
}

#[test]
fn g03_out_of_range_scalars_are_signature_invalid() {
    let n = hex(N_HEX);
    let p = hex(P_HEX);
    let zero = vec![0u8; 32];
    let one = add_small(&zero, 1);
    let specials = [
        zero.clone(),
        one.clone(),
        n.clone(),
        add_small(&n, 1),
        sub(&n, &one),
        p.clone(),
        add_small(&p, 1),
        vec![0xff; 32],
    ];
    let token = id_jag("g03", json!({}));
    let real = sig_of(&token);
    for r in &specials {
        for s in [&zero, &n, &p, &add_small(&p, 1), &sub(&n, &one), &one] {
            let sig = [r.as_slice(), s.as_slice()].concat();
            assert_eq!(
                Harness::new().id_jag(&with_sig(&token, &sig)),
                "signature_invalid"
            );
            assert_eq!(
                Harness::pure_rust().id_jag(&with_sig(&token, &sig)),
                "signature_invalid"
            );
        }
    }
    // The real r with s + n (same value mod n) and the real s with r + n where they fit.
    let (r, s) = real.split_at(32);
    assert_jag(
        &with_sig(&token, &[r, sub(&n, &zero).as_slice()].concat()),
        "signature_invalid",
    );
    let s_plus_n = {
        let mut out = s.to_vec();
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let v = u16::from(out[i]) + u16::from(n[i]) + carry;
            out[i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        (carry == 0).then_some(out)
    };
    if let Some(s2) = s_plus_n {
        assert_jag(&with_sig(&token, &[r, &s2].concat()), "signature_invalid");
    }
}

/// Minimal DER INTEGER for a big-endian unsigned value.
fn der_int(v: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    let mut out = vec![0x02, v.len() as u8];
    out.extend(v);
    out
}

#[test]
fn g04_der_encoded_ecdsa_signature_is_signature_invalid() {
    let token = id_jag("g04", json!({}));
    // "MAYCAQACAQA": SEQUENCE { INTEGER 0, INTEGER 0 }.
    assert_eq!(unb64("MAYCAQACAQA"), hex("3006020100020100"));
    let (h, p, _) = parts(&token);
    assert_jag(&format!("{h}.{p}.MAYCAQACAQA"), "signature_invalid");
    // The genuine signature re-encoded as DER (70–72 bytes).
    let sig = sig_of(&token);
    let mut body = der_int(&sig[..32]);
    body.extend(der_int(&sig[32..]));
    let mut der = vec![0x30, body.len() as u8];
    der.extend(body);
    assert!((70..=72).contains(&der.len()), "{}", der.len());
    assert_jag(&with_sig(&token, &der), "signature_invalid");
}

#[test]
fn g05_wrong_length_ecdsa_signature_is_signature_invalid() {
    let token = id_jag("g05", json!({}));
    let sig = sig_of(&token);
    let prefixed = [&[0u8][..], &sig].concat();
    let suffixed = [&sig[..], &[0u8]].concat();
    // r with a leading zero byte added (33 + 32), and r with one byte stripped (31 + 32).
    let r_padded = [&[0u8][..], &sig[..32], &sig[32..]].concat();
    for bad in [
        sig[1..].to_vec(),
        sig[..63].to_vec(),
        prefixed,
        suffixed,
        r_padded,
        [&sig[1..32], &sig[32..]].concat(),
        [&sig[..], &sig[..]].concat(),
    ] {
        assert_jag(&with_sig(&token, &bad), "signature_invalid");
    }
}

#[test]
fn g06_high_s_twin_is_accepted_and_replay_is_keyed_by_jti() {
    let n = hex(N_HEX);
    let half = hex(HALF_N_HEX);
    let token = id_jag("g06", json!({}));
    let sig = sig_of(&token);
    let (r, s) = sig.split_at(32);
    let twin_s = sub(&n, s);
    let twin = with_sig(&token, &[r, &twin_s].concat());
    assert_ne!(twin, token);
    // Exactly one of s, n - s is high.
    assert_ne!(s > half.as_slice(), twin_s.as_slice() > half.as_slice());
    let high = if twin_s.as_slice() > half.as_slice() {
        &twin
    } else {
        &token
    };
    assert_jag(high, "valid");
    assert_jag(&twin, "valid");
    // One harness: the twin is the same assertion (iss, jti), so it is a replay.
    for mut h in [Harness::new(), Harness::pure_rust()] {
        assert_eq!(h.id_jag(&twin), "valid");
        assert_eq!(h.id_jag(&token), "replayed");
    }
    // Access-token path.
    let at = access_token(json!({}));
    let sig = sig_of(&at);
    let (r, s) = sig.split_at(32);
    assert_at(&with_sig(&at, &[r, &sub(&n, s)].concat()), "valid");
}

#[test]
fn g07_rsa_signature_with_prepended_zero_is_signature_invalid() {
    let token = jag_rs256("g07");
    let sig = sig_of(&token);
    assert_eq!(sig.len(), 256);
    assert_jag(
        &with_sig(&token, &[&[0u8][..], &sig].concat()),
        "signature_invalid",
    );
    assert_jag(
        &with_sig(&token, &[&[0u8, 0u8][..], &sig].concat()),
        "signature_invalid",
    );
    assert_jag(&with_sig(&token, &sig[1..]), "signature_invalid");
    let ps = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "PS256", "kid": "idp-rsa"}),
        &id_jag_claims("g07-ps"),
        Signer::Ps256(&keys().idp_rsa),
    );
    let sig = sig_of(&ps);
    assert_jag(
        &with_sig(&ps, &[&[0u8][..], &sig].concat()),
        "signature_invalid",
    );
}

#[test]
fn g08_pkcs1_padding_variants_are_signature_invalid() {
    let key = &keys().idp_rsa;
    let k = key.size();
    let unsigned = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-rsa"}),
        &id_jag_claims("g08"),
        Signer::Raw(Vec::new()),
    );
    let hash = Sha256::digest(signing_input(&unsigned).as_bytes()).to_vec();
    let di = hex(SHA256_DIGEST_INFO);
    let full = k - 3 - di.len() - hash.len();
    // Control: the raw construction with correct padding is valid.
    let good = pkcs1_em(full, &di, &hash, &[], k);
    assert_eq!(good[0], 0);
    assert_jag(&with_sig(&unsigned, &rsa_raw(key, &good)), "valid");

    let mut bad_ff = good.clone();
    bad_ff[10] = 0xfe;
    let mut block_two = good.clone();
    block_two[1] = 0x02;
    let mut no_separator = good.clone();
    no_separator[2 + full] = 0xff;
    // BER: the outer SEQUENCE length in long form.
    let ber = hex("308131300d060960864801650304020105000420");
    // DigestInfo without the NULL parameters.
    let missing_null = hex("302f300b0609608648016503040201")
        .into_iter()
        .chain(hex("0420"))
        .collect::<Vec<u8>>();
    // SHA-384 OID around a SHA-256 hash.
    let wrong_oid = hex("3031300d060960864801650304020205000420");
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("bad padding byte", bad_ff),
        ("block type 2", block_two),
        ("no zero separator", no_separator),
        ("BER DigestInfo", pkcs1_em(full - 1, &ber, &hash, &[], k)),
        (
            "missing NULL",
            pkcs1_em(
                k - 3 - missing_null.len() - 32,
                &missing_null,
                &hash,
                &[],
                k,
            ),
        ),
        ("wrong hash OID", pkcs1_em(full, &wrong_oid, &hash, &[], k)),
        ("short padding", pkcs1_em(3, &di, &hash, &[], k)),
        ("no DigestInfo", pkcs1_em(k - 3 - 32, &[], &hash, &[], k)),
        (
            "trailing garbage",
            pkcs1_em(full - 4, &di, &hash, &[1, 2, 3, 4], k),
        ),
    ];
    for (what, em) in variants {
        assert_eq!(em.len(), k, "{what}");
        let token = with_sig(&unsigned, &rsa_raw(key, &em));
        let (native, pure) = codes_jag(&token);
        assert_eq!(native, "signature_invalid", "native: {what}");
        assert_eq!(pure, "signature_invalid", "pure-Rust: {what}");
    }
}

#[test]
fn g09_rsa_signature_not_below_modulus_is_signature_invalid() {
    let key = &keys().idp_rsa;
    let n = key.n().clone();
    let limit = BigUint::from(1u8) << 2048usize;
    // Find a token whose signature s has s + n < 2^2048, so s + n fits the modulus length
    // and is congruent to a valid signature.
    let mut found = None;
    for i in 0..200 {
        let token = jag_rs256(&format!("g09-{i}"));
        let s = BigUint::from_bytes_be(&sig_of(&token));
        let s_plus_n = &s + &n;
        if s_plus_n < limit {
            found = Some((token, s_plus_n.to_bytes_be()));
            break;
        }
    }
    let (token, s_plus_n) = found.expect("a signature small enough for s + n");
    assert_eq!(s_plus_n.len(), 256);
    assert_jag(&with_sig(&token, &s_plus_n), "signature_invalid");
    // s = n and s = 2^2048 - 1.
    assert_jag(&with_sig(&token, &n.to_bytes_be()), "signature_invalid");
    assert_jag(&with_sig(&token, &[0xff; 256]), "signature_invalid");
}

#[test]
fn g10_one_bit_flip_is_signature_invalid() {
    let token = id_jag("g10", json!({}));
    let (h, p, s) = parts(&token);
    // Header: flip the case bit of the first typ letter (typ compares case-insensitively, so
    // the header still passes every check before the signature).
    let mut header = unb64(&h);
    let at = header.windows(5).position(|w| w == b"oauth").unwrap();
    header[at] ^= 0x20;
    assert_jag(&format!("{}.{p}.{s}", b64(&header)), "signature_invalid");
    // Payload: flip the low bit of the last digit of sub.
    let mut payload = unb64(&p);
    let at = payload
        .windows(10)
        .position(|w| w == b"U019488227")
        .unwrap()
        + 9;
    payload[at] ^= 0x01;
    assert_jag(&format!("{h}.{}.{s}", b64(&payload)), "signature_invalid");
    // Signature: flip the low bit of s and of r.
    let mut sig = unb64(&s);
    sig[63] ^= 0x01;
    assert_jag(&with_sig(&token, &sig), "signature_invalid");
    let mut sig = unb64(&s);
    sig[31] ^= 0x01;
    assert_jag(&with_sig(&token, &sig), "signature_invalid");
    // RSA.
    let rs = jag_rs256("g10-rs");
    let mut sig = sig_of(&rs);
    sig[200] ^= 0x10;
    assert_jag(&with_sig(&rs, &sig), "signature_invalid");
    // Access token.
    let at_token = access_token(json!({}));
    let mut sig = sig_of(&at_token);
    sig[63] ^= 0x01;
    assert_at(&with_sig(&at_token, &sig), "signature_invalid");
}

// ---------------------------------------------------------------------------------------
// K: keys
// ---------------------------------------------------------------------------------------

fn attacker_jwk() -> Value {
    ec_jwk(&keys().attacker, "attacker", json!({}))
}

#[test]
fn k01_embedded_jwk_is_header_forbidden() {
    for kid in ["attacker", "idp-ec"] {
        let mut header = id_jag_header();
        header["kid"] = json!(kid);
        header["jwk"] = attacker_jwk();
        let token = mint(
            &header,
            &id_jag_claims("k01"),
            Signer::Es256(&keys().attacker),
        );
        assert_jag(&token, "header_forbidden");
    }
    // Even with the *trusted* key embedded and a genuine signature.
    let token = jag_header(
        "k01-trusted",
        json!({"jwk": ec_jwk(&keys().idp_ec, "idp-ec", json!({}))}),
    );
    assert_jag(&token, "header_forbidden");
    let mut header = at_header();
    header["jwk"] = attacker_jwk();
    assert_at(
        &mint(&header, &at_claims(), Signer::Es256(&keys().attacker)),
        "header_forbidden",
    );
}

#[test]
fn k02_jku_is_header_forbidden_and_never_fetched() {
    for jku in [
        "https://attacker.example/jwks.json",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://idp.example.com/jwks",
    ] {
        let mut header = id_jag_header();
        header["jku"] = json!(jku);
        header["kid"] = json!("attacker");
        let token = mint(
            &header,
            &id_jag_claims("k02"),
            Signer::Es256(&keys().attacker),
        );
        // Keys fetched from a jwks_uri: a token-driven fetch would show in the count.
        for native in [true, false] {
            let (mut h, calls) = fetched_harness(&idp_jwks(), native);
            assert_eq!(h.id_jag(&token), "header_forbidden", "{jku}");
            assert_eq!(calls.load(Ordering::SeqCst), 0, "a token drove a fetch");
        }
    }
}

#[test]
fn k03_x5u_and_x5c_are_header_forbidden() {
    let cert = std_b64(b"not really a certificate");
    for extra in [
        json!({"x5u": "https://attacker.example/cert.pem"}),
        json!({"x5c": [cert.clone()]}),
        json!({"x5c": [cert.clone(), cert]}),
        json!({"x5c": []}),
    ] {
        assert_jag(&jag_header("k03", extra), "header_forbidden");
    }
}

#[test]
fn k04_x5t_is_ignored_as_a_hint() {
    // Tolerated, never trusted: with the trusted kid the token is valid...
    let token = jag_header(
        "k04",
        json!({"x5t": "dGh1bWJwcmludA", "x5t#S256": "c2hhMjU2LXRodW1icHJpbnQ"}),
    );
    assert_jag(&token, "valid");
    // ...and it never selects a key: an attacker signature with an x5t is still refused.
    let mut header = id_jag_header();
    header["x5t#S256"] = json!("c2hhMjU2LXRodW1icHJpbnQ");
    let token = mint(
        &header,
        &id_jag_claims("k04-attacker"),
        Signer::Es256(&keys().attacker),
    );
    assert_jag(&token, "signature_invalid");
}

#[test]
fn k05_path_or_url_kid_is_key_not_found() {
    for kid in [
        "../../../dev/null",
        "/etc/passwd",
        "/dev/null",
        "file:///dev/null",
        "https://idp.example.com/jwks#idp-ec",
        "idp-ec/../idp-ec",
        "./idp-ec",
    ] {
        assert_jag(&jag_with_kid("k05", kid), "key_not_found");
    }
}

#[test]
fn k06_injection_kid_is_key_not_found_and_log_safe() {
    for kid in [
        "' UNION SELECT 'k' --",
        "idp-ec' OR '1'='1",
        "idp-ec\r\nX-Injected: yes",
        "idp-ec\n",
        "${jndi:ldap://attacker.example/a}",
        "idp-ec\u{0}",
        "IDP-EC",
        "idp-ec ",
    ] {
        let token = jag_with_kid("k06", kid);
        assert_jag(&token, "key_not_found");
        match Harness::new().validator.validate_id_jag(&token, CLIENT) {
            Verdict::Rejected(r) => {
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
fn k07_non_string_kid_is_malformed() {
    for kid in [
        json!({"$ne": null}),
        json!(123),
        json!([]),
        json!(["idp-ec"]),
        json!(true),
    ] {
        assert_jag(&jag_header("k07", json!({"kid": kid})), "malformed");
    }
    // null as a JSON value (not removal).
    let header = r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":null}"#;
    assert_jag(&jag_raw_header("k07-null", header), "malformed");
}

#[test]
fn k08_long_kid_is_limit_exceeded() {
    assert_jag(&jag_with_kid("k08", &"k".repeat(257)), "limit_exceeded");
    assert_jag(&jag_with_kid("k08", &"k".repeat(4000)), "limit_exceeded");
    // Boundary: 256 bytes is within the cap (then simply unknown).
    assert_jag(&jag_with_kid("k08", &"k".repeat(256)), "key_not_found");
}

#[test]
fn k09_unknown_kid_is_key_not_found() {
    assert_jag(&jag_with_kid("k09", "idp-ec-3"), "key_not_found");
    assert_jag(&jag_with_kid("k09", ""), "key_not_found");
    // The kid of another trusted issuer's key is unknown for this issuer.
    assert_jag(&jag_with_kid("k09", "other-ec"), "key_not_found");
    assert_at(&at_header_with(json!({"kid": "idp-ec"})), "key_not_found");
    // Fetched keys: the unknown kid refetches at most once per cooldown.
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
fn k10_no_kid_with_several_candidates_is_key_ambiguous() {
    // idp-ec and idp-ec-2 both verify ES256.
    let token = jag_header("k10", json!({"kid": null}));
    assert_jag(&token, "key_ambiguous");
    // Control: OTHER_IDP has a single key, so no kid is fine.
    let mut claims = id_jag_claims("k10-other");
    claims["iss"] = json!(OTHER_IDP);
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256"}),
        &claims,
        Signer::Es256(&keys().other_ec),
    );
    assert_jag(&token, "valid");
    // Without a kid, RS256 has exactly one candidate (idp-rsa) in the IdP's set.
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256"}),
        &id_jag_claims("k10-rs"),
        Signer::Rs256(&keys().idp_rsa),
    );
    assert_jag(&token, "valid");
}

#[test]
fn k12_jwk_without_use_or_alg_is_usable_within_allow_list() {
    // idp-ec-2 has neither use nor alg: usable for ES256.
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec-2"}),
        &id_jag_claims("k12"),
        Signer::Es256(&keys().idp_ec2),
    );
    assert_jag(&token, "valid");
    // Its alg is derived from kty/crv: not RS256.
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-ec-2"}),
        &id_jag_claims("k12-rs"),
        Signer::Rs256(&keys().idp_rsa),
    );
    assert_jag(&token, "key_rejected");
    // The issuer allow-list still applies: with only ES256 allowed, an alg-less RSA key
    // does not make RS256 acceptable.
    let mut cfg = config();
    cfg.authorization_server.as_mut().unwrap().trusted_issuers[0].algorithms = vec!["ES256".into()];
    let mut h = Harness::with(cfg, imports(true));
    assert_eq!(h.id_jag(&jag_rs256("k12-allow")), "alg_not_allowed");
}

#[test]
fn k13_enc_or_non_verify_key_is_excluded() {
    let k = keys();
    for extra in [
        json!({"use": "enc"}),
        json!({"use": "SIG"}),
        json!({"key_ops": ["encrypt", "wrapKey"]}),
        json!({"key_ops": ["sign"]}),
        json!({"key_ops": []}),
    ] {
        let jwks = json!({"keys": [
            ec_jwk(&k.idp_ec, "idp-ec", extra.clone()),
            ec_jwk(&k.idp_ec2, "idp-ec-2", json!({})),
            rsa_jwk(&k.idp_rsa, "idp-rsa", json!({})),
        ]});
        let cfg = config_with_idp_jwks(&jwks);
        assert!(
            refusals(cfg.clone()).is_empty(),
            "{extra}: ignored, not refused"
        );
        for native in [true, false] {
            let mut h = Harness::with(cfg.clone(), imports(native));
            assert_eq!(
                h.id_jag(&id_jag("k13", json!({}))),
                "key_not_found",
                "{extra}"
            );
        }
    }
    // Control: key_ops including verify keeps the key.
    let jwks = json!({"keys": [
        ec_jwk(&k.idp_ec, "idp-ec", json!({"key_ops": ["verify"], "use": "sig"})),
    ]});
    let mut h = Harness::with(config_with_idp_jwks(&jwks), imports(true));
    assert_eq!(h.id_jag(&id_jag("k13-ok", json!({}))), "valid");
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
    let mut cfg = config();
    let jwks = idp_jwks_plus(json!({"kty": "oct", "kid": "sym", "k": secret}));
    cfg.authorization_server.as_mut().unwrap().trusted_issuers[0].keys =
        wit::KeySource::Uri("https://idp.example.com/jwks".into());
    let mut imp = imports(true);
    imp.jwks = Arc::new(ServeJwks {
        body: jwks.to_string(),
        calls: Arc::new(AtomicUsize::new(0)),
    });
    let mut h = Harness::with(cfg, imp);
    let unsigned = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "HS256", "kid": "sym"}),
        &id_jag_claims("k21"),
        Signer::Raw(Vec::new()),
    );
    let mac = hmac_sha256(
        b"attacker-chosen-hmac-secret-32by",
        signing_input(&unsigned).as_bytes(),
    );
    assert_eq!(h.id_jag(&with_sig(&unsigned, &mac)), "alg_not_allowed");
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

#[test]
fn k23_keys_never_come_from_the_request() {
    let k = keys();
    // The attacker's key in the header is refused outright.
    let mut header = id_jag_header();
    header["jwk"] = attacker_jwk();
    header["kid"] = json!("attacker");
    let token = mint(&header, &id_jag_claims("k23-a"), Signer::Es256(&k.attacker));
    assert_jag(&token, "header_forbidden");
    // Signed by the attacker under a trusted kid: the trusted key is used, and fails.
    let token = mint(
        &id_jag_header(),
        &id_jag_claims("k23-b"),
        Signer::Es256(&k.attacker),
    );
    assert_jag(&token, "signature_invalid");
    // The attacker's own kid is not in any set.
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "attacker"}),
        &id_jag_claims("k23-c"),
        Signer::Es256(&k.attacker),
    );
    assert_jag(&token, "key_not_found");
    // Keys are scoped per issuer: another trusted issuer's key cannot sign for the IdP.
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
        &id_jag_claims("k23-d"),
        Signer::Es256(&k.other_ec),
    );
    assert_jag(&token, "key_not_found");
    // The access-token path: the AS key for ID-JAGs, the IdP key for access tokens.
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "as-ec"}),
        &id_jag_claims("k23-e"),
        Signer::Es256(&k.as_ec),
    );
    assert_jag(&token, "key_not_found");
    let at = mint(
        &json!({"typ": "at+jwt", "alg": "ES256", "kid": "as-ec"}),
        &at_claims(),
        Signer::Es256(&k.attacker),
    );
    assert_at(&at, "signature_invalid");
}

// ---------------------------------------------------------------------------------------
// H: header parameters
// ---------------------------------------------------------------------------------------

#[test]
fn h01_crit_naming_claim_or_unknown_is_header_forbidden() {
    for extra in [
        json!({"crit": ["exp"], "exp": NOW + 290}),
        json!({"crit": ["exp"]}),
        json!({"crit": ["urn:example:unknown"], "urn:example:unknown": true}),
        json!({"crit": ["http://example.com/ext"]}),
    ] {
        assert_jag(&jag_header("h01", extra), "header_forbidden");
    }
    assert_at(
        &at_header_with(json!({"crit": ["exp"]})),
        "header_forbidden",
    );
}

#[test]
fn h02_crit_empty_or_not_array_or_registered_is_header_forbidden() {
    for crit in [
        json!([]),
        json!("alg"),
        json!(["alg"]),
        json!(["kid", "typ"]),
        json!(7),
        json!({}),
        json!(null),
    ] {
        let header = json!({
            "typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec", "crit": crit,
        });
        assert_jag(
            &jag_raw_header("h02", &header.to_string()),
            "header_forbidden",
        );
    }
}

#[test]
fn h03_b64_is_header_forbidden() {
    for extra in [
        json!({"b64": false}),
        json!({"b64": false, "crit": ["b64"]}),
        json!({"b64": true}),
    ] {
        assert_jag(&jag_header("h03", extra), "header_forbidden");
    }
    // An actual RFC 7797 unencoded-payload token.
    let header = b64(
        br#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","b64":false,"crit":["b64"]}"#,
    );
    let payload = id_jag_claims("h03-raw").to_string();
    let input = format!("{header}.{payload}");
    let sig = sign(&input, &Signer::Es256(&keys().idp_ec));
    // The payload is not base64url (braces, quotes), so it fails as a compact JWS...
    assert_jag(&format!("{input}.{}", b64(&sig)), "malformed");
    // ...and detached (empty payload segment) it fails too.
    assert_jag(&format!("{header}..{}", b64(&sig)), "malformed");
}

#[test]
fn h04_cty_is_header_forbidden() {
    for cty in ["JWT", "jwt", "json", "application/json", ""] {
        assert_jag(&jag_header("h04", json!({"cty": cty})), "header_forbidden");
    }
    assert_at(&at_header_with(json!({"cty": "JWT"})), "header_forbidden");
}

#[test]
fn h05_enc_on_jws_is_header_forbidden() {
    for extra in [
        json!({"enc": "A256GCM"}),
        json!({"enc": "A128CBC-HS256", "alg": "dir"}),
        json!({"epk": attacker_jwk()}),
        json!({"iv": "AAAAAAAAAAAAAAAA", "tag": "AAAAAAAAAAAAAAAAAAAAAA"}),
        json!({"apu": "YQ", "apv": "Yg"}),
    ] {
        assert_jag(&jag_header("h05", extra), "header_forbidden");
    }
}

#[test]
fn h06_zip_is_header_forbidden() {
    for zip in ["DEF", "def", "GZIP"] {
        assert_jag(&jag_header("h06", json!({"zip": zip})), "header_forbidden");
    }
    assert_at(&at_header_with(json!({"zip": "DEF"})), "header_forbidden");
}

#[test]
fn h07_p2c_is_header_forbidden_before_any_kdf() {
    assert_jag(
        &jag_header("h07", json!({"p2c": 2_147_483_647})),
        "header_forbidden",
    );
    assert_jag(
        &jag_header("h07", json!({"p2c": 2_147_483_647, "p2s": "c2FsdA"})),
        "header_forbidden",
    );
    // With a PBES2 alg the header rule still decides first (structure before allow-list).
    assert_jag(
        &jag_header(
            "h07",
            json!({"alg": "PBES2-HS512+A256KW", "p2c": 2_147_483_647, "p2s": "c2FsdA"}),
        ),
        "header_forbidden",
    );
}

// ---------------------------------------------------------------------------------------
// Both verifier paths agree on the whole hostile set
// ---------------------------------------------------------------------------------------

#[test]
fn hostile_set_codes_are_identical_native_and_pure_rust() {
    let n = hex(N_HEX);
    let es = id_jag("eq-es", json!({}));
    let es_sig = sig_of(&es);
    let rs = jag_rs256("eq-rs");
    let rs_sig = sig_of(&rs);
    let at = access_token(json!({}));
    let at_sig = sig_of(&at);
    let (h, p, s) = parts(&es);
    let mut flipped = es_sig.clone();
    flipped[63] ^= 1;
    let mut rs_flipped = rs_sig.clone();
    rs_flipped[100] ^= 1;
    let twin_of = id_jag("eq-twin", json!({}));
    let twin_sig = sig_of(&twin_of);
    let twin = with_sig(
        &twin_of,
        &[&twin_sig[..32], &sub(&n, &twin_sig[32..])].concat(),
    );
    let attacker = mint(
        &id_jag_header(),
        &id_jag_claims("eq-att"),
        Signer::Es256(&keys().attacker),
    );
    // (ID-JAG path?, token, expected code)
    let set: Vec<(bool, String, &str)> = vec![
        (true, es.clone(), "valid"),
        (true, rs.clone(), "valid"),
        (false, at.clone(), "valid"),
        (true, String::new(), "malformed"),
        (true, format!("{h}.{p}"), "malformed"),
        (true, format!("{h}.{p}.{s}."), "malformed"),
        (true, ".".repeat(1 << 20), "limit_exceeded"),
        (true, format!("{h}.{p}.{s}=="), "malformed"),
        (true, format!(" {h}.{p}.{s}"), "malformed"),
        (
            true,
            jag_raw_header(
                "eq-dup",
                r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","alg":"none"}"#,
            ),
            "malformed",
        ),
        (
            true,
            jag_header("eq-none", json!({"alg": "none"})),
            "alg_not_allowed",
        ),
        (
            true,
            jag_header("eq-hs", json!({"alg": "HS256"})),
            "alg_not_allowed",
        ),
        (true, jag_with_kid("eq-a07", "idp-rsa"), "key_rejected"),
        (true, with_sig(&es, &[]), "signature_invalid"),
        (true, with_sig(&es, &[0u8; 64]), "signature_invalid"),
        (
            true,
            with_sig(&es, &[n.as_slice(), &es_sig[32..]].concat()),
            "signature_invalid",
        ),
        (true, with_sig(&es, &es_sig[1..]), "signature_invalid"),
        (true, with_sig(&es, &flipped), "signature_invalid"),
        (true, twin, "valid"),
        (
            true,
            with_sig(&rs, &[&[0u8][..], &rs_sig].concat()),
            "signature_invalid",
        ),
        (true, with_sig(&rs, &rs_flipped), "signature_invalid"),
        (
            true,
            with_sig(&rs, &keys().idp_rsa.n().to_bytes_be()),
            "signature_invalid",
        ),
        (true, attacker, "signature_invalid"),
        (
            true,
            jag_with_kid("eq-k05", "../../../dev/null"),
            "key_not_found",
        ),
        (
            true,
            jag_with_kid("eq-k08", &"k".repeat(300)),
            "limit_exceeded",
        ),
        (
            true,
            jag_header("eq-k10", json!({"kid": null})),
            "key_ambiguous",
        ),
        (
            true,
            jag_header("eq-k01", json!({"jwk": attacker_jwk()})),
            "header_forbidden",
        ),
        (
            true,
            jag_header("eq-h01", json!({"crit": ["exp"]})),
            "header_forbidden",
        ),
        (
            true,
            jag_header("eq-h06", json!({"zip": "DEF"})),
            "header_forbidden",
        ),
        (false, with_sig(&at, &[0u8; 64]), "signature_invalid"),
        (false, with_sig(&at, &at_sig[..63]), "signature_invalid"),
        (
            false,
            at_header_with(json!({"alg": "none"})),
            "alg_not_allowed",
        ),
        (
            false,
            at_header_with(json!({"jku": "https://a.example/j"})),
            "header_forbidden",
        ),
    ];
    let mut native = Harness::new();
    let mut pure = Harness::pure_rust();
    let run = |h: &mut Harness, jag: bool, token: &str| {
        if jag {
            h.id_jag(token)
        } else {
            h.access_token(token)
        }
    };
    for (i, (jag, token, expected)) in set.iter().enumerate() {
        let a = run(&mut native, *jag, token);
        let b = run(&mut pure, *jag, token);
        assert_eq!(a, b, "entry {i}: native and pure-Rust differ");
        assert_eq!(a, *expected, "entry {i}");
    }
}
