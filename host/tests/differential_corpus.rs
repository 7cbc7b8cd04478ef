//! The committed differential corpus, `tests/vectors/differential.json`.
//!
//! This test builds, deterministically, a corpus of a few hundred tokens — valid ES256, RS256
//! and PS256 ID-JAGs and RFC 9068 access tokens from the fixed test keys, and systematic
//! mutations of them (header, payload, encoding, signature) — and records for each token OUR
//! verdict through the component (`valid` or the rejection code), on the native verifier path,
//! after checking that the component's pure-Rust verifier gives the very same verdict. Each case
//! names a verification profile: the JWK Set (public keys only) and the verification parameters
//! (issuer, audience, required `typ`, allowed algorithms, pinned time, leeway, required claims)
//! that a strict third-party verifier needs to judge the same token with equivalent options.
//!
//! `scripts/differential` replays the corpus through PyJWT, joserfc (tests/differential/peers.py)
//! and panva/jose (tests/differential/peers.mjs) and compares: a token WE accept that a strict
//! peer rejects fails the run; tokens we reject that a peer accepts are reported, grouped by our
//! code, with the rule that makes us stricter (tests/differential/README.md).
//!
//! Cases run in order on ONE instance (so the `replay` cases see their predecessors); every
//! other ID-JAG carries its case id as `jti`, so no case is judged as a replay by accident.
//! The regenerated corpus must equal the committed file byte for byte; after an intended change:
//!
//! ```text
//! XAA_UPDATE_VECTORS=1 cargo test --release --workspace --test it differential_corpus::
//! ```

use crate::common;
use crate::vectors_file;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use rand_chacha::rand_core::SeedableRng;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use xaa_guest::base64url::encode as b64;

const FORMAT: &str = "xaa-differential/1";
const REGENERATE: &str =
    "XAA_UPDATE_VECTORS=1 cargo test --release --workspace --test it differential_corpus::";
const DESCRIPTION: &str = "Differential corpus for xaa_token.wasm: each case is a token, the \
name of the verification profile a strict peer must use for it (`profiles`: the public JWK Set, \
issuer, audience, required typ, allowed algorithms, pinned `now`, leeway, required claims), and \
`ours`: the component's verdict (`valid` or the rejection code), computed by \
host/tests/differential_corpus.rs with the cases run in order on one instance. \
scripts/differential compares it with PyJWT, joserfc and panva/jose.";

/// The configured leeway of both roles (common::config).
const LEEWAY: i64 = 60;
/// The configured `max_assertion_lifetime` of the authorization server.
const MAX_LIFETIME: i64 = 300;
/// The token size cap of the component (README: token > 8 KiB is `limit_exceeded`).
const TOKEN_CAP: usize = 8192;
/// P-256 group order n.
const N_HEX: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
/// DER `SEQUENCE { INTEGER 0, INTEGER 0 }`, base64url (`MAYCAQACAQA`).
const DER_ZERO: &str = "MAYCAQACAQA";

const VALID: &str = "valid";
const HEADER: &str = "header";
const PAYLOAD: &str = "payload";
const ENCODING: &str = "encoding";
const SIGNATURE: &str = "signature";
const REPLAY: &str = "replay";

/// Hand-picked verdicts that guard the generator against silently rewriting the corpus.
const PINNED: &[(&str, &str)] = &[
    ("valid/jag-es256", "valid"),
    ("valid/jag-rs256", "valid"),
    ("valid/jag-ps256", "valid"),
    ("valid/at-es256", "valid"),
    ("header/alg-none-empty-sig", "alg_not_allowed"),
    ("header/alg-hs256-jwk-secret", "alg_not_allowed"),
    ("header/typ-missing", "typ_mismatch"),
    ("header/jwk-trusted-genuine", "header_forbidden"),
    ("header/dup-alg-es256-none", "malformed"),
    ("payload/exp-missing", "claim_invalid"),
    ("payload/dup-exp-far-then-good", "malformed"),
    ("payload/exp-boundary-expired", "expired"),
    ("encoding/sig-std-alphabet", "malformed"),
    ("signature/es256-high-s-twin", "valid"),
    ("signature/es256-der", "signature_invalid"),
    ("replay/second", "replayed"),
];

// ---------------------------------------------------------------------------------------
// Profiles: what a strict peer verifies each token against
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    /// An ID-JAG of the main IdP at the authorization server, presented by CLIENT.
    IdJag,
    /// An ID-JAG of the second trusted IdP (its own key set and allow-list).
    IdJagOther,
    /// An RFC 9068 access token at the resource server.
    AccessToken,
}

impl Profile {
    fn name(self) -> &'static str {
        match self {
            Profile::IdJag => "id-jag",
            Profile::IdJagOther => "id-jag-other-idp",
            Profile::AccessToken => "access-token",
        }
    }

    fn is_id_jag(self) -> bool {
        self != Profile::AccessToken
    }
}

fn other_jwks() -> Value {
    json!({"keys": [ec_jwk(&keys().other_ec, "other-ec", json!({}))]})
}

/// The profiles, from the same values as the baseline configuration (common::config).
fn profiles() -> Value {
    let jag_required = json!([
        "iss",
        "sub",
        "aud",
        "client_id",
        "jti",
        "exp",
        "iat",
        "resource"
    ]);
    let jag = |issuer: &str, jwks: Value, algorithms: Value| {
        json!({
            "kind": "id-jag",
            "issuer": issuer,
            "audience": AS_ISSUER,
            "typ": "oauth-id-jag+jwt",
            "algorithms": algorithms,
            "leeway": LEEWAY,
            "max_token_age": MAX_LIFETIME,
            "required_claims": jag_required.clone(),
            "client_id": CLIENT,
            "resources": [RESOURCE],
            "jwks": jwks,
        })
    };
    json!({
        "id-jag": jag(IDP_ISSUER, idp_jwks(), json!(["ES256", "RS256", "PS256"])),
        "id-jag-other-idp": jag(OTHER_IDP, other_jwks(), json!(["ES256"])),
        "access-token": {
            "kind": "access-token",
            "issuer": AS_ISSUER,
            "audience": RESOURCE,
            "typ": "at+jwt",
            "algorithms": ["ES256"],
            "leeway": LEEWAY,
            "max_token_age": null,
            "required_claims": ["iss", "sub", "aud", "client_id", "jti", "exp", "iat"],
            "client_id": null,
            "resources": null,
            "jwks": as_jwks(),
        },
    })
}

// ---------------------------------------------------------------------------------------
// Corpus collection
// ---------------------------------------------------------------------------------------

struct Case {
    id: String,
    category: &'static str,
    profile: Profile,
    catalog: Option<&'static str>,
    mutation: String,
    token: String,
}

#[derive(Default)]
struct Corpus {
    cases: Vec<Case>,
    ids: BTreeSet<String>,
}

impl Corpus {
    /// Adds the case `id`, its token built by `token` from the id (which the builders make
    /// the token's `jti`, so no two cases share one).
    fn add(
        &mut self,
        category: &'static str,
        profile: Profile,
        catalog: Option<&'static str>,
        id: &str,
        mutation: &str,
        token: impl FnOnce(&str) -> String,
    ) {
        assert!(
            id.starts_with(&format!("{category}/")),
            "{id}: id must start with its category"
        );
        assert!(self.ids.insert(id.to_owned()), "duplicate case id {id}");
        self.cases.push(Case {
            id: id.to_owned(),
            category,
            profile,
            catalog,
            mutation: mutation.to_owned(),
            token: token(id),
        });
    }
}

// ---------------------------------------------------------------------------------------
// Token builders (every builder takes the case id, which becomes the `jti`)
// ---------------------------------------------------------------------------------------

/// `base` with `changes` merged in (a null change removes the member).
fn with(mut base: Value, changes: Value) -> Value {
    merge(&mut base, changes);
    base
}

/// `base` with one member set verbatim (a null stays a JSON null).
fn set(mut base: Value, name: &str, value: Value) -> Value {
    base[name] = value;
    base
}

fn jag_claims(id: &str) -> Value {
    id_jag_claims(id)
}

fn other_claims(id: &str) -> Value {
    set(jag_claims(id), "iss", json!(OTHER_IDP))
}

fn at_claims_for(id: &str) -> Value {
    set(at_claims(), "jti", json!(id))
}

fn jag_hdr(alg: &str, kid: &str) -> Value {
    json!({"typ": "oauth-id-jag+jwt", "alg": alg, "kid": kid})
}

/// An ES256 ID-JAG signed by idp-ec, header and claim changes merged in.
fn jag(id: &str, header: Value, claims: Value) -> String {
    let header = with(id_jag_header(), header);
    let claims = with(jag_claims(id), claims);
    mint(&header, &claims, Signer::Es256(&keys().idp_ec))
}

/// An ES256 ID-JAG signed by idp-ec with these exact claims.
fn jag_of(claims: &Value) -> String {
    mint(&id_jag_header(), claims, Signer::Es256(&keys().idp_ec))
}

fn jag_rs(id: &str, header: Value, claims: Value) -> String {
    let header = with(jag_hdr("RS256", "idp-rsa"), header);
    let claims = with(jag_claims(id), claims);
    mint(&header, &claims, Signer::Rs256(&keys().idp_rsa))
}

fn jag_ps(id: &str, header: Value, claims: Value) -> String {
    let header = with(jag_hdr("PS256", "idp-rsa"), header);
    let claims = with(jag_claims(id), claims);
    mint(&header, &claims, Signer::Ps256(&keys().idp_rsa))
}

/// An ES256 access token signed by as-ec, header and claim changes merged in.
fn at(id: &str, header: Value, claims: Value) -> String {
    let header = with(at_header(), header);
    let claims = with(at_claims_for(id), claims);
    mint(&header, &claims, Signer::Es256(&keys().as_ec))
}

fn at_of(claims: &Value) -> String {
    mint(&at_header(), claims, Signer::Es256(&keys().as_ec))
}

/// The ID-JAG claims of `id` with this exact header text, signed by idp-ec.
fn jag_header_text(id: &str, header: &str) -> String {
    mint_raw(
        header,
        &jag_claims(id).to_string(),
        Signer::Es256(&keys().idp_ec),
    )
}

/// The baseline ID-JAG header with this exact payload text, signed by idp-ec.
fn jag_payload_text(payload: &str) -> String {
    mint_raw(
        &id_jag_header().to_string(),
        payload,
        Signer::Es256(&keys().idp_ec),
    )
}

fn at_payload_text(payload: &str) -> String {
    mint_raw(
        &at_header().to_string(),
        payload,
        Signer::Es256(&keys().as_ec),
    )
}

/// Mints over exact header and payload *bytes* (not necessarily UTF-8).
fn mint_bytes(header: &[u8], payload: &[u8], signer: Signer<'_>) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    sign_input(&input, signer)
}

/// Signs this exact signing-input text (whatever its encoding) and appends the signature.
fn sign_input(input: &str, signer: Signer<'_>) -> String {
    let sig = sign(input, &signer);
    format!("{input}.{}", b64(&sig))
}

/// A JSON object text with one more member text appended (`{"a":1}` + `"b":2`).
fn append_member(object: &str, member: &str) -> String {
    assert!(object.ends_with('}'));
    format!("{},{member}}}", &object[..object.len() - 1])
}

/// A JSON object text with one member text prepended.
fn prepend_member(object: &str, member: &str) -> String {
    assert!(object.starts_with('{'));
    format!("{{{member},{}", &object[1..])
}

fn unb64(text: &str) -> Vec<u8> {
    xaa_guest::base64url::decode(text).unwrap()
}

fn sig_of(token: &str) -> Vec<u8> {
    unb64(&parts(token).2)
}

/// Standard base64 with padding.
fn std_b64(bytes: &[u8]) -> String {
    let mut s = b64(bytes).replace('-', "+").replace('_', "/");
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    s
}

/// A base64url segment with `=` padding to a multiple of four.
fn padded(segment: &str) -> String {
    let mut s = segment.to_owned();
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    s
}

/// The same bytes with non-zero unused trailing bits (a non-canonical encoding).
fn non_canonical(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *text.as_bytes().last().unwrap();
    let index = ALPHABET.iter().position(|c| *c == last).unwrap();
    assert!(matches!(text.len() % 4, 2 | 3), "no unused trailing bits");
    assert_eq!(index & 1, 0, "already non-canonical");
    let mut out = text[..text.len() - 1].to_owned();
    out.push(ALPHABET[index | 1] as char);
    out
}

/// A JSON object text padded with spaces (legal JSON whitespace) until its base64url form has
/// unused trailing bits.
fn with_trailing_bits(object: &str) -> String {
    let mut text = object.to_owned();
    while b64(text.as_bytes()).len().is_multiple_of(4) {
        text.insert(text.len() - 1, ' ');
    }
    text
}

/// DER `INTEGER` of a big-endian unsigned value.
fn der_int(bytes: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    let mut out = vec![0x02, u8::try_from(v.len()).unwrap()];
    out.extend(v);
    out
}

/// The DER (ASN.1) form of a raw `r || s` ES256 signature.
fn der_sig(raw: &[u8]) -> Vec<u8> {
    let mut body = der_int(&raw[..32]);
    body.extend(der_int(&raw[32..]));
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap()];
    out.extend(body);
    out
}

/// RSASSA-PSS SHA-256 with a chosen salt length (deterministic RNG).
fn pss_with_salt(key: &RsaPrivateKey, input: &str, salt: usize) -> Vec<u8> {
    let digest = Sha256::digest(input.as_bytes());
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7518);
    key.sign_with_rng(&mut rng, rsa::Pss::new_with_salt::<Sha256>(salt), &digest)
        .unwrap()
}

fn signing_input(token: &str) -> String {
    let (h, p, _) = parts(token);
    format!("{h}.{p}")
}

/// A catalog row, or none ("").
fn catalog(row: &'static str) -> Option<&'static str> {
    (!row.is_empty()).then_some(row)
}

/// A token (or claims text) transformation.
type Mutate = Box<dyn Fn(&str) -> String>;

/// `depth` nested arrays, closed or not.
fn nested(depth: usize, closed: bool) -> String {
    let mut s = "[".repeat(depth);
    if closed {
        s.push_str(&"]".repeat(depth));
    }
    s
}

// ---------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------

// One case a line: the rows read as a table, wider than rustfmt would leave them.
#[rustfmt::skip]
fn valid_cases(c: &mut Corpus) {
    use Profile::*;
    let k = keys();
    c.add(VALID, IdJag, None, "valid/jag-es256", "baseline ES256 ID-JAG (kid idp-ec)", |id| jag(id, json!({}), json!({})));
    c.add(VALID, IdJag, None, "valid/jag-es256-second-key", "ES256 ID-JAG signed by idp-ec-2 (a JWK without use/alg)", |id| mint(&jag_hdr("ES256", "idp-ec-2"), &jag_claims(id), Signer::Es256(&k.idp_ec2)));
    c.add(VALID, IdJag, None, "valid/jag-rs256", "baseline RS256 ID-JAG (kid idp-rsa)", |id| jag_rs(id, json!({}), json!({})));
    c.add(VALID, IdJag, None, "valid/jag-ps256", "baseline PS256 ID-JAG (kid idp-rsa, salt 32)", |id| jag_ps(id, json!({}), json!({})));
    c.add(VALID, IdJag, Some("K10"), "valid/jag-rs256-no-kid", "RS256 without kid: one RSA key in the set", |id| jag_rs(id, json!({"kid": null}), json!({})));
    c.add(VALID, IdJag, Some("K10"), "valid/jag-ps256-no-kid", "PS256 without kid: one RSA key in the set", |id| jag_ps(id, json!({"kid": null}), json!({})));
    c.add(VALID, IdJagOther, None, "valid/jag-other-idp", "ES256 ID-JAG of the second trusted IdP (kid other-ec)", |id| mint(&jag_hdr("ES256", "other-ec"), &other_claims(id), Signer::Es256(&k.other_ec)));
    c.add(VALID, IdJagOther, Some("K10"), "valid/jag-other-idp-no-kid", "second IdP without kid: its set has one key", |id| mint(&json!({"typ": "oauth-id-jag+jwt", "alg": "ES256"}), &other_claims(id), Signer::Es256(&k.other_ec)));
    c.add(VALID, IdJag, None, "valid/jag-minimal-claims", "only the required claims (no scope, auth_time, amr)", |id| jag(id, json!({}), json!({"scope": null, "auth_time": null, "amr": null})));
    c.add(VALID, IdJag, None, "valid/jag-with-nbf", "nbf = now - 10", |id| jag(id, json!({}), json!({"nbf": NOW - 10})));
    c.add(VALID, AccessToken, None, "valid/at-es256", "baseline RFC 9068 access token (kid as-ec)", |id| at(id, json!({}), json!({})));
    c.add(VALID, AccessToken, Some("K10"), "valid/at-no-kid", "access token without kid: the AS set has one key", |id| at(id, json!({"kid": null}), json!({})));
    c.add(VALID, AccessToken, None, "valid/at-minimal-claims", "no scope claim", |id| at(id, json!({}), json!({"scope": null})));
    c.add(VALID, AccessToken, None, "valid/at-with-nbf", "nbf = now - 10", |id| at(id, json!({}), json!({"nbf": NOW - 10})));
}

#[allow(clippy::too_many_lines)]
// One case a line: the rows read as a table, wider than rustfmt would leave them.
#[rustfmt::skip]
fn header_cases(c: &mut Corpus) {
    use Profile::*;
    let k = keys();
    let att = |id: &str, header: Value| mint(&header, &jag_claims(id), Signer::Es256(&k.attacker));

    // --- alg ---------------------------------------------------------------------------
    c.add(HEADER, IdJag, Some("A01"), "header/alg-none-empty-sig", "alg none, empty signature", |id| with_sig(&jag(id, json!({"alg": "none"}), json!({})), &[]));
    c.add(HEADER, IdJag, Some("A01"), "header/alg-none-no-kid-empty-sig", "alg none without kid, empty signature", |id| mint(&json!({"typ": "oauth-id-jag+jwt", "alg": "none"}), &jag_claims(id), Signer::Raw(Vec::new())));
    c.add(HEADER, IdJag, Some("A03"), "header/alg-none-genuine-es256-sig", "alg none with a genuine ES256 signature over the same input", |id| jag(id, json!({"alg": "none"}), json!({})));
    for (name, alg) in [
        ("none-capital", "None"),
        ("none-upper", "NONE"),
        ("none-mixed", "nOnE"),
    ] {
        let id = format!("header/alg-{name}-empty-sig");
        c.add(HEADER, IdJag, Some("A02"), &id, &format!("alg {alg:?}, empty signature"), |id| with_sig(&jag(id, json!({"alg": alg}), json!({})), &[]));
    }
    // HS256 keyed with public key material (algorithm confusion).
    let point = k.idp_ec.verifying_key().to_encoded_point(false);
    let mut spki = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
    spki.extend_from_slice(point.as_bytes());
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", std_b64(&spki));
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        ("jwk", ec_jwk(&k.idp_ec, "idp-ec", json!({"use": "sig"})).to_string().into_bytes()),
        ("jwks", idp_jwks().to_string().into_bytes()),
        ("x", point.x().unwrap().to_vec()),
        ("spki-pem", pem.into_bytes()),
        ("rsa-n", k.idp_rsa.n().to_bytes_be()),
    ];
    for (what, secret) in secrets {
        let id = format!("header/alg-hs256-{what}-secret");
        let unsigned = jag(&id, json!({"alg": "HS256"}), json!({}));
        let mac = hmac_sha256(&secret, signing_input(&unsigned).as_bytes());
        c.add(HEADER, IdJag, Some("A05"), &id, &format!("HS256 MAC keyed with the IdP's public key ({what})"), |_| with_sig(&unsigned, &mac));
    }
    for alg in ["HS384", "HS512"] {
        let id = format!("header/alg-{}", alg.to_ascii_lowercase());
        c.add(HEADER, IdJag, Some("A05"), &id, &format!("alg {alg}"), |id| jag(id, json!({"alg": alg}), json!({})));
    }
    for (name, alg) in [
        ("lower", "es256"),
        ("mixed", "Es256"),
        ("trailing-space", "ES256 "),
        ("leading-space", " ES256"),
        ("nul", "ES256\u{0}"),
    ] {
        let id = format!("header/alg-es256-{name}");
        c.add(HEADER, IdJag, Some("A02"), &id, &format!("alg {alg:?} with a genuine ES256 signature"), |id| jag(id, json!({"alg": alg}), json!({})));
    }
    for alg in ["ES384", "ES512"] {
        let id = format!("header/alg-{}", alg.to_ascii_lowercase());
        c.add(HEADER, IdJag, Some("A08"), &id, &format!("alg {alg} over a P-256 key"), |id| jag(id, json!({"alg": alg}), json!({})));
    }
    for alg in [
        "EdDSA", "Ed25519", "ES256K", "RS384", "RS512", "PS384", "PS512",
    ] {
        let id = format!("header/alg-{}", alg.to_ascii_lowercase());
        c.add(HEADER, IdJag, Some("A10"), &id, &format!("alg {alg}: not configured for the issuer"), |id| jag(id, json!({"alg": alg}), json!({})));
    }
    for alg in [
        "RSA-OAEP",
        "RSA1_5",
        "dir",
        "ECDH-ES",
        "A128KW",
        "PBES2-HS256+A128KW",
    ] {
        let id = format!("header/alg-{}", alg.to_ascii_lowercase().replace('+', "-"));
        c.add(HEADER, IdJag, Some("A11"), &id, &format!("JWE key-management alg {alg}"), |id| jag(id, json!({"alg": alg}), json!({})));
    }
    c.add(HEADER, IdJag, Some("A04"), "header/alg-missing", "no alg", |id| jag(id, json!({"alg": null}), json!({})));
    for (name, alg) in [
        ("null", Value::Null),
        ("number", json!(256)),
        ("array", json!(["ES256"])),
        ("object", json!({"name": "ES256"})),
        ("true", json!(true)),
        ("empty", json!("")),
    ] {
        let id = format!("header/alg-{name}");
        let header = json!({"typ": "oauth-id-jag+jwt", "alg": alg, "kid": "idp-ec"});
        c.add(HEADER, IdJag, Some("A04"), &id, &format!("alg {alg}"), |id| jag_header_text(id, &header.to_string()));
    }
    c.add(HEADER, IdJag, Some("A07"), "header/alg-rs256-kid-ec", "RS256 signed by idp-rsa, naming the EC key idp-ec", |id| jag_rs(id, json!({"kid": "idp-ec"}), json!({})));
    c.add(HEADER, IdJag, Some("A07"), "header/alg-ps256-kid-ec", "PS256 signed by idp-rsa, naming the EC key idp-ec", |id| jag_ps(id, json!({"kid": "idp-ec"}), json!({})));
    c.add(HEADER, IdJag, Some("A07"), "header/alg-es256-kid-rsa", "ES256 signed by idp-ec, naming the RSA key idp-rsa", |id| jag(id, json!({"kid": "idp-rsa"}), json!({})));
    c.add(HEADER, IdJagOther, Some("A10"), "header/alg-rs256-other-idp", "RS256 for the second IdP, which allows only ES256", |id| mint(&jag_hdr("RS256", "other-ec"), &other_claims(id), Signer::Rs256(&k.idp_rsa)));

    // --- typ ---------------------------------------------------------------------------
    c.add(HEADER, IdJag, Some("T01"), "header/typ-missing", "no typ", |id| jag(id, json!({"typ": null}), json!({})));
    for (name, typ) in [
        ("jwt", "JWT"),
        ("jwt-lower", "jwt"),
        ("at-jwt", "at+jwt"),
        ("application-at-jwt", "application/at+jwt"),
        ("id-token-jwt", "id_token+jwt"),
        ("no-suffix", "oauth-id-jag"),
        ("trailing-space", "oauth-id-jag+jwt "),
        ("leading-space", " oauth-id-jag+jwt"),
        ("parameter", "oauth-id-jag+jwt; charset=utf-8"),
        ("double-prefix", "application/application/oauth-id-jag+jwt"),
        ("other-prefix", "text/oauth-id-jag+jwt"),
        ("nul", "oauth-id-jag+jwt\u{0}"),
        ("empty", ""),
    ] {
        let id = format!("header/typ-{name}");
        c.add(HEADER, IdJag, Some("T02"), &id, &format!("typ {typ:?}"), |id| jag(id, json!({"typ": typ}), json!({})));
    }
    for (name, typ) in [
        ("application-prefix", "application/oauth-id-jag+jwt"),
        ("upper", "OAUTH-ID-JAG+JWT"),
        ("mixed-prefix", "Application/OAuth-ID-JAG+JWT"),
    ] {
        let id = format!("header/typ-{name}");
        c.add(HEADER, IdJag, Some("T02"), &id, &format!("typ {typ:?}: RFC 7515 §4.1.9 (case-insensitive, optional application/)"), |id| jag(id, json!({"typ": typ}), json!({})));
    }
    for (name, typ) in [
        ("number", json!(42)),
        ("null", Value::Null),
        ("array", json!(["oauth-id-jag+jwt"])),
        ("object", json!({})),
    ] {
        let id = format!("header/typ-{name}");
        let header = json!({"typ": typ, "alg": "ES256", "kid": "idp-ec"});
        c.add(HEADER, IdJag, Some("T01"), &id, &format!("typ {typ}"), |id| jag_header_text(id, &header.to_string()));
    }
    c.add(HEADER, IdJag, Some("T06"), "header/typ-access-token-as-id-jag", "a genuine access token (typ at+jwt, AS key) presented as an ID-JAG", |id| at(id, json!({}), json!({})));
    c.add(HEADER, IdJag, Some("T06"), "header/typ-id-jag-retyped-as-jwt-by-as-key", "ID-JAG claims signed by the AS key (kid as-ec)", |id| mint(&jag_hdr("ES256", "as-ec"), &jag_claims(id), Signer::Es256(&k.as_ec)));

    // --- kid ---------------------------------------------------------------------------
    c.add(HEADER, IdJag, Some("K10"), "header/kid-missing", "ES256 without kid: two ES256 keys in the set", |id| jag(id, json!({"kid": null}), json!({})));
    for (name, kid, row) in [
        ("unknown", "idp-ec-3".to_owned(), "K09"),
        ("empty", String::new(), "K09"),
        ("upper", "IDP-EC".to_owned(), "K06"),
        ("trailing-space", "idp-ec ".to_owned(), "K06"),
        ("nul", "idp-ec\u{0}".to_owned(), "K06"),
        ("other-issuer-key", "other-ec".to_owned(), "K09"),
        ("as-key", "as-ec".to_owned(), "K09"),
        ("path", "../../../dev/null".to_owned(), "K05"),
        ("url", "https://idp.example.com/jwks#idp-ec".to_owned(), "K05"),
        ("sql", "' UNION SELECT 'k' --".to_owned(), "K06"),
        ("crlf", "idp-ec\r\nX-Injected: yes".to_owned(), "K06"),
        ("256-bytes", "k".repeat(256), "K08"),
        ("257-bytes", "k".repeat(257), "K08"),
    ] {
        let id = format!("header/kid-{name}");
        c.add(HEADER, IdJag, catalog(row), &id, &format!("kid {:?}", if kid.len() > 40 {format!("{} bytes", kid.len())} else {kid.clone()}), |id| jag(id, json!({"kid": kid}), json!({})));
    }
    for (name, kid) in [
        ("number", json!(123)),
        ("null", Value::Null),
        ("array", json!(["idp-ec"])),
        ("object", json!({"$ne": null})),
    ] {
        let id = format!("header/kid-{name}");
        let header = json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": kid});
        c.add(HEADER, IdJag, Some("K07"), &id, &format!("kid {kid}"), |id| jag_header_text(id, &header.to_string()));
    }

    // --- crit, b64 -----------------------------------------------------------------------
    for (name, extra, row) in [
        ("exp", json!({"crit": ["exp"], "exp": NOW + 290}), "H01"),
        ("exp-absent", json!({"crit": ["exp"]}), "H01"),
        ("unknown-ext", json!({"crit": ["urn:example:ext"], "urn:example:ext": true}), "H01"),
        ("url-ext", json!({"crit": ["http://example.com/ext"]}), "H01"),
        ("empty", json!({"crit": []}), "H02"),
        ("string", json!({"crit": "alg"}), "H02"),
        ("alg", json!({"crit": ["alg"]}), "H02"),
        ("kid-typ", json!({"crit": ["kid", "typ"]}), "H02"),
        ("number", json!({"crit": 7}), "H02"),
        ("object", json!({"crit": {}}), "H02"),
        ("b64-true", json!({"crit": ["b64"], "b64": true}), "H03"),
        ("b64-false", json!({"crit": ["b64"], "b64": false}), "H03"),
    ] {
        let id = format!("header/crit-{name}");
        c.add(HEADER, IdJag, catalog(row), &id, &format!("header + {extra}"), |id| jag(id, extra, json!({})));
    }
    for (name, value) in [("false", false), ("true", true)] {
        let id = format!("header/b64-{name}-without-crit");
        c.add(HEADER, IdJag, Some("H03"), &id, &format!("b64 {value} without crit (payload still base64url)"), |id| jag(id, json!({"b64": value}), json!({})));
    }

    // --- key-carrying parameters -----------------------------------------------------------
    let attacker_jwk = ec_jwk(&k.attacker, "attacker", json!({}));
    c.add(HEADER, IdJag, Some("K01"), "header/jwk-attacker", "embedded jwk of the attacker, signed by the attacker (kid attacker)", |id| att(id, with(id_jag_header(), json!({"kid": "attacker", "jwk": attacker_jwk.clone()}))));
    c.add(HEADER, IdJag, Some("K01"), "header/jwk-attacker-trusted-kid", "embedded jwk of the attacker under the trusted kid, signed by the attacker", |id| att(id, with(id_jag_header(), json!({"jwk": attacker_jwk.clone()}))));
    c.add(HEADER, IdJag, Some("K01"), "header/jwk-trusted-genuine", "embedded jwk of the trusted key, genuine idp-ec signature", |id| jag(id, json!({"jwk": ec_jwk(&k.idp_ec, "idp-ec", json!({}))}), json!({})));
    c.add(HEADER, IdJag, Some("K02"), "header/jku-attacker", "jku to an attacker JWK Set, signed by the attacker (kid attacker)", |id| att(id, with(id_jag_header(), json!({"kid": "attacker", "jku": "https://attacker.example/jwks.json"}))));
    for (name, extra, row) in [
        ("jku-genuine", json!({"jku": "https://idp.example.com/jwks"}), "K02"),
        ("x5u-genuine", json!({"x5u": "https://attacker.example/cert.pem"}), "K03"),
        ("x5c-genuine", json!({"x5c": [std_b64(b"not really a certificate")]}), "K03"),
        ("x5c-empty", json!({"x5c": []}), "K03"),
    ] {
        let id = format!("header/{name}");
        c.add(HEADER, IdJag, catalog(row), &id, &format!("header + {extra}, genuine idp-ec signature"), |id| jag(id, extra, json!({})));
    }
    for (name, extra) in [
        ("x5t", json!({"x5t": "dGh1bWJwcmludA"})),
        ("x5t-s256", json!({"x5t#S256": "c2hhMjU2LXRodW1icHJpbnQ"})),
    ] {
        let id = format!("header/{name}-hint");
        c.add(HEADER, IdJag, Some("K04"), &id, &format!("header + {extra}: a hint, ignored"), |id| jag(id, extra, json!({})));
    }

    // --- cty, zip, JWE parameters ------------------------------------------------------------
    for cty in ["JWT", "json", "application/json", ""] {
        let id = format!("header/cty-{}", if cty.is_empty() {"empty".to_owned()} else {cty.replace('/', "-").to_ascii_lowercase()});
        c.add(HEADER, IdJag, Some("H04"), &id, &format!("cty {cty:?}"), |id| jag(id, json!({"cty": cty}), json!({})));
    }
    for (name, extra, row) in [
        ("zip-def", json!({"zip": "DEF"}), "H06"),
        ("enc", json!({"enc": "A256GCM"}), "H05"),
        ("epk", json!({"epk": attacker_jwk}), "H05"),
        ("iv-tag", json!({"iv": "AAAAAAAAAAAAAAAA", "tag": "AAAAAAAAAAAAAAAAAAAAAA"}), "H05"),
        ("apu-apv", json!({"apu": "YQ", "apv": "Yg"}), "H05"),
        ("p2c", json!({"p2c": 2_147_483_647, "p2s": "c2FsdA"}), "H07"),
    ] {
        let id = format!("header/{name}");
        c.add(HEADER, IdJag, catalog(row), &id, &format!("header + {extra}"), |id| jag(id, extra, json!({})));
    }

    // --- extra members (ignored, RFC 7515 §4) ------------------------------------------------
    let mut wide = json!({});
    for i in 0..40 {
        wide[format!("m{i}")] = json!("v");
    }
    for (name, extra) in [
        ("private", json!({"x-custom": "v"})),
        ("nested", json!({"ext": {"a": [1, {"b": null}], "c": 1.5}})),
        ("wide", wide),
        ("unicode-name", json!({"ñame": "välue"})),
        ("replicated-iss", json!({"iss": IDP_ISSUER})),
        ("replicated-exp", json!({"exp": NOW + 290})),
    ] {
        let id = format!("header/extra-{name}");
        c.add(HEADER, IdJag, Some("S22"), &id, "unrecognized header members", |id| jag(id, extra, json!({})));
    }

    // --- duplicate members ---------------------------------------------------------------------
    for (name, header) in [
        ("alg-es256-none", r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","alg":"none"}"#),
        ("alg-none-es256", r#"{"typ":"oauth-id-jag+jwt","alg":"none","kid":"idp-ec","alg":"ES256"}"#),
        ("alg-same", r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","alg":"ES256"}"#),
        ("kid", r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"attacker","kid":"idp-ec"}"#),
        ("typ", r#"{"typ":"JWT","alg":"ES256","kid":"idp-ec","typ":"oauth-id-jag+jwt"}"#),
        ("escaped-name", r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","\u0061lg":"ES256"}"#),
        ("crit", r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","crit":["exp"],"crit":[]}"#),
    ] {
        let id = format!("header/dup-{name}");
        c.add(HEADER, IdJag, Some("S18"), &id, &format!("header text {header}"), |id| jag_header_text(id, header));
    }

    // --- header text shapes ----------------------------------------------------------------------
    for (name, header) in [
        ("array", "[]"),
        ("string", "\"x\""),
        ("null", "null"),
        ("number", "1"),
        ("true", "true"),
        ("array-of-object", r#"[{"alg":"ES256"}]"#),
    ] {
        let id = format!("header/not-object-{name}");
        c.add(HEADER, IdJag, Some("S17"), &id, &format!("header text {header}"), |id| jag_header_text(id, header));
    }
    for (name, header, row) in [
        ("pretty-crlf", "{\"typ\":\"oauth-id-jag+jwt\",\r\n \"alg\":\"ES256\",\r\n \"kid\":\"idp-ec\"}", "S15"),
        ("outer-whitespace", " \t{\"typ\":\"oauth-id-jag+jwt\",\"alg\":\"ES256\",\"kid\":\"idp-ec\"}\n ", "S15"),
        ("escaped-name", r#"{"\u0074yp":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec"}"#, "S15"),
        ("escaped-value", r#"{"typ":"oauth-id-jag+jwt","alg":"ES\u0032\u0035\u0036","kid":"idp-ec"}"#, "S15"),
        ("bom", "\u{feff}{\"typ\":\"oauth-id-jag+jwt\",\"alg\":\"ES256\",\"kid\":\"idp-ec\"}", "S15"),
        ("lone-surrogate", r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","x":"\ud800"}"#, "S15"),
        ("trailing-garbage", r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec"}x"#, "S17"),
        ("two-objects", r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec"}{}"#, "S17"),
        ("deep-17", &format!(r#"{{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","x":{}}}"#, nested(17, true)), "S20"),
        ("deep-8", &format!(r#"{{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","x":{}}}"#, nested(8, true)), "S20"),
    ] {
        let id = format!("header/text-{name}");
        c.add(HEADER, IdJag, catalog(row), &id, &format!("header text {header:?}"), |id| jag_header_text(id, header));
    }
    let id = "header/text-invalid-utf8";
    let mut bad = id_jag_header().to_string().into_bytes();
    let pos = bad.len() - 3;
    bad.insert(pos, 0xff);
    c.add(HEADER, IdJag, Some("S15"), id, "a 0xFF byte inside the kid value", |id| mint_bytes(&bad, jag_claims(id).to_string().as_bytes(), Signer::Es256(&k.idp_ec)));

    // --- access-token headers -----------------------------------------------------------------
    c.add(HEADER, AccessToken, Some("A01"), "header/at-alg-none-empty-sig", "alg none, empty signature", |id| mint(&json!({"typ": "at+jwt", "alg": "none"}), &at_claims_for(id), Signer::Raw(Vec::new())));
    let id = "header/at-alg-hs256-jwk-secret";
    let unsigned = at(id, json!({"alg": "HS256"}), json!({}));
    let secret = ec_jwk(&k.as_ec, "as-ec", json!({"alg": "ES256"})).to_string();
    c.add(HEADER, AccessToken, Some("A05"), id, "HS256 MAC keyed with the AS public JWK", |_| with_sig(&unsigned, &hmac_sha256(secret.as_bytes(), signing_input(&unsigned).as_bytes())));
    c.add(HEADER, AccessToken, Some("A10"), "header/at-alg-rs256", "RS256 (signed by idp-rsa, kid as-ec): the resource allows only ES256", |id| mint(&json!({"typ": "at+jwt", "alg": "RS256", "kid": "as-ec"}), &at_claims_for(id), Signer::Rs256(&k.idp_rsa)));
    c.add(HEADER, AccessToken, Some("A08"), "header/at-alg-es384", "alg ES384", |id| at(id, json!({"alg": "ES384"}), json!({})));
    c.add(HEADER, AccessToken, Some("T04"), "header/at-typ-missing", "no typ", |id| at(id, json!({"typ": null}), json!({})));
    for (name, typ, row) in [
        ("jwt", "JWT", "T04"),
        ("jwt-lower", "jwt", "T04"),
        ("id-jag", "oauth-id-jag+jwt", "T06"),
        ("parameter", "at+jwt; charset=utf-8", "T04"),
        ("application-prefix", "application/at+jwt", "T04"),
        ("upper", "AT+JWT", "T04"),
    ] {
        let id = format!("header/at-typ-{name}");
        c.add(HEADER, AccessToken, catalog(row), &id, &format!("typ {typ:?}"), |id| at(id, json!({"typ": typ}), json!({})));
    }
    c.add(HEADER, AccessToken, Some("T05"), "header/at-oidc-id-token", "an OIDC ID token (typ JWT, aud = client, nonce) signed by the AS key", |id| mint(&json!({"typ": "JWT", "alg": "ES256", "kid": "as-ec"}), &json!({"iss": AS_ISSUER, "sub": "U019488227", "aud": CLIENT, "azp": CLIENT, "nonce": "n-0S6_WzA2Mj", "client_id": CLIENT, "jti": id, "iat": NOW - 10, "exp": NOW + 290}), Signer::Es256(&k.as_ec)));
    c.add(HEADER, AccessToken, Some("T06"), "header/at-id-jag-as-access-token", "a genuine ID-JAG presented as an access token", |id| jag(id, json!({}), json!({})));
    for (name, kid, row) in [("unknown", "as-ec-2", "K09"), ("idp-key", "idp-ec", "K09")] {
        let id = format!("header/at-kid-{name}");
        c.add(HEADER, AccessToken, catalog(row), &id, &format!("kid {kid:?}"), |id| at(id, json!({"kid": kid}), json!({})));
    }
    for (name, extra, row) in [
        ("crit-exp", json!({"crit": ["exp"], "exp": NOW + 290}), "H01"),
        ("jku-genuine", json!({"jku": "https://as.example.com/jwks"}), "K02"),
        ("jwk-trusted-genuine", json!({"jwk": ec_jwk(&k.as_ec, "as-ec", json!({}))}), "K01"),
        ("zip-def", json!({"zip": "DEF"}), "H06"),
        ("cty-jwt", json!({"cty": "JWT"}), "H04"),
        ("b64-false", json!({"b64": false}), "H03"),
        ("x5t-hint", json!({"x5t": "dGh1bWJwcmludA"}), "K04"),
    ] {
        let id = format!("header/at-{name}");
        c.add(HEADER, AccessToken, catalog(row), &id, &format!("header + {extra}"), |id| at(id, extra, json!({})));
    }
    c.add(HEADER, AccessToken, Some("S18"), "header/at-dup-alg", "alg twice (ES256, ES256)", |id| mint_raw(r#"{"typ":"at+jwt","alg":"ES256","kid":"as-ec","alg":"ES256"}"#, &at_claims_for(id).to_string(), Signer::Es256(&k.as_ec)));
}

#[allow(clippy::too_many_lines)]
// One case a line: the rows read as a table, wider than rustfmt would leave them.
#[rustfmt::skip]
fn payload_cases(c: &mut Corpus) {
    use Profile::*;
    let k = keys();

    // --- required claims missing ---------------------------------------------------------
    for (name, row) in [
        ("iss", "C13"),
        ("sub", "C20"),
        ("aud", "C14"),
        ("client_id", "J01"),
        ("jti", "C10"),
        ("exp", "C01"),
        ("iat", "C10"),
        ("resource", "J02"),
    ] {
        let id = format!("payload/{}-missing", name.replace('_', "-"));
        c.add(PAYLOAD, IdJag, catalog(row), &id, &format!("no {name}"), |id| jag(id, json!({}), json!({name: null})));
    }
    for (name, row) in [
        ("iss", "C13"),
        ("sub", "C20"),
        ("aud", "C14"),
        ("client_id", ""),
        ("jti", "C10"),
        ("exp", "C01"),
        ("iat", "C10"),
    ] {
        let id = format!("payload/at-{}-missing", name.replace('_', "-"));
        c.add(PAYLOAD, AccessToken, catalog(row), &id, &format!("no {name}"), |id| at(id, json!({}), json!({name: null})));
    }

    // --- null and empty values --------------------------------------------------------------
    for name in ["sub", "jti", "client_id", "exp", "iat", "iss", "aud"] {
        let id = format!("payload/{}-null", name.replace('_', "-"));
        c.add(PAYLOAD, IdJag, Some("C05"), &id, &format!("{name}: null"), |id| jag_of(&set(jag_claims(id), name, Value::Null)));
    }
    for name in ["sub", "jti", "client_id", "iss", "aud", "resource"] {
        let id = format!("payload/{}-empty", name.replace('_', "-"));
        c.add(PAYLOAD, IdJag, Some("C20"), &id, &format!("{name}: \"\""), |id| jag(id, json!({}), json!({name: ""})));
    }
    for name in ["sub", "jti", "client_id"] {
        let id = format!("payload/at-{}-empty", name.replace('_', "-"));
        c.add(PAYLOAD, AccessToken, Some("C20"), &id, &format!("{name}: \"\""), |id| at(id, json!({}), json!({name: ""})));
    }
    for name in ["jti", "sub"] {
        let id = format!("payload/at-{name}-null");
        c.add(PAYLOAD, AccessToken, Some("C05"), &id, &format!("{name}: null"), |id| at_of(&set(at_claims_for(id), name, Value::Null)));
    }

    // --- wrong JSON types ----------------------------------------------------------------------
    let types: Vec<(&str, &str, Value, &str)> = vec![
        ("exp", "string", json!((NOW + 290).to_string()), "C02"),
        ("iat", "string", json!((NOW - 10).to_string()), "C02"),
        ("nbf", "string", json!((NOW - 10).to_string()), "C02"),
        ("exp", "true", json!(true), "C05"),
        ("exp", "array", json!([NOW + 290]), "C05"),
        ("exp", "object", json!({}), "C05"),
        ("iss", "number", json!(42), "C13"),
        ("iss", "array", json!([IDP_ISSUER]), "C13"),
        ("aud", "number", json!(42), "C17"),
        ("aud", "array-number", json!([123]), "C17"),
        ("aud", "array-empty", json!([]), "C17"),
        ("aud", "object", json!({"aud": AS_ISSUER}), "C17"),
        ("sub", "number", json!(12345), "C20"),
        ("sub", "array", json!(["U019488227"]), "C20"),
        ("jti", "number", json!(123), "J06"),
        ("jti", "array", json!(["a"]), "J06"),
        ("client_id", "number", json!(42), "J01"),
        ("client_id", "array", json!([CLIENT]), "J01"),
        ("scope", "array", json!(["chat.read"]), "C22"),
        ("scope", "number", json!(7), "C22"),
        ("resource", "number", json!(42), "J02"),
        ("auth_time", "string", json!("yesterday"), "C02"),
        ("amr", "string", json!("mfa"), "C23"),
    ];
    for (name, what, value, row) in types {
        let id = format!("payload/{}-{what}", name.replace('_', "-"));
        c.add(PAYLOAD, IdJag, catalog(row), &id, &format!("{name}: {value}"), |id| jag_of(&set(jag_claims(id), name, value)));
    }
    let at_types: Vec<(&str, &str, Value, &str)> = vec![
        ("exp", "string", json!((NOW + 290).to_string()), "C02"),
        ("iat", "string", json!((NOW - 10).to_string()), "C02"),
        ("nbf", "string", json!((NOW - 10).to_string()), "C02"),
        ("iss", "array", json!([AS_ISSUER]), "C13"),
        ("aud", "array-with-number", json!([RESOURCE, 123]), "C17"),
        ("sub", "number", json!(12345), "C20"),
        ("jti", "number", json!(123), "J06"),
        ("client_id", "number", json!(42), ""),
        ("scope", "array", json!(["chat.read"]), "C22"),
    ];
    for (name, what, value, row) in at_types {
        let id = format!("payload/at-{}-{what}", name.replace('_', "-"));
        c.add(PAYLOAD, AccessToken, catalog(row), &id, &format!("{name}: {value}"), |id| at_of(&set(at_claims_for(id), name, value)));
    }

    // --- time boundaries (now pinned, leeway 60) -----------------------------------------------
    let jag_times: Vec<(&str, Value, &str, &str)> = vec![
        ("exp-boundary-expired", json!({"iat": NOW - LEEWAY - 100, "exp": NOW - LEEWAY}), "C06", "exp = now - leeway"),
        ("exp-boundary-inside", json!({"iat": NOW - LEEWAY - 100, "exp": NOW - LEEWAY + 1}), "C06", "exp = now - leeway + 1"),
        ("exp-now", json!({"iat": NOW - 100, "exp": NOW}), "C06", "exp = now (inside the leeway)"),
        ("nbf-boundary-inside", json!({"nbf": NOW + LEEWAY}), "C07", "nbf = now + leeway"),
        ("nbf-boundary-future", json!({"nbf": NOW + LEEWAY + 1}), "C07", "nbf = now + leeway + 1"),
        ("iat-boundary-inside", json!({"iat": NOW + LEEWAY}), "C08", "iat = now + leeway"),
        ("iat-boundary-future", json!({"iat": NOW + LEEWAY + 1, "exp": NOW + LEEWAY + 100}), "C08", "iat = now + leeway + 1"),
        ("iat-now", json!({"iat": NOW}), "C08", "iat = now"),
        ("lifetime-max", json!({"iat": NOW - 10, "exp": NOW - 10 + MAX_LIFETIME}), "C09", "exp - iat = max_assertion_lifetime"),
        ("lifetime-over", json!({"iat": NOW - 10, "exp": NOW - 10 + MAX_LIFETIME + 1}), "C09", "exp - iat = max_assertion_lifetime + 1"),
        ("lifetime-far-exp", json!({"exp": 253_402_300_799_i64}), "C09", "exp = 9999-12-31T23:59:59Z"),
        ("iat-far-past", json!({"iat": NOW - 1000, "exp": NOW + 10}), "C09", "iat = now - 1000, exp = now + 10"),
        ("exp-fraction-expired", json!({"iat": NOW - 100, "exp": (NOW - LEEWAY) as f64 + 0.5}), "C06", "exp = now - leeway + 0.5 (rounds down)"),
        ("exp-fraction-valid", json!({"exp": (NOW + 100) as f64 + 0.75}), "C06", "exp = now + 100.75"),
        ("nbf-fraction-future", json!({"nbf": (NOW + LEEWAY) as f64 + 0.5}), "C07", "nbf = now + leeway + 0.5 (rounds up)"),
        ("nbf-fraction-valid", json!({"nbf": NOW as f64 - 0.5}), "C07", "nbf = now - 0.5"),
        ("iat-fraction-future", json!({"iat": (NOW + LEEWAY) as f64 + 0.5, "exp": NOW + 200}), "C08", "iat = now + leeway + 0.5 (rounds up)"),
        ("iat-fraction-valid", json!({"iat": (NOW - 10) as f64 - 0.25}), "C08", "iat = now - 10.25"),
        ("exp-zero", json!({"exp": 0}), "C04", "exp = 0"),
        ("exp-negative", json!({"exp": -1}), "C04", "exp = -1"),
        ("exp-year-10000", json!({"exp": 253_402_300_800_i64}), "C04", "exp = 253402300800"),
        ("exp-1e308", json!({"exp": 1e308}), "C04", "exp = 1e308"),
        ("exp-i64-max", json!({"exp": i64::MAX}), "C04", "exp = 2^63 - 1"),
        ("exp-u64-max", json!({"exp": u64::MAX}), "C04", "exp = 2^64 - 1"),
        ("iat-zero", json!({"iat": 0}), "C04", "iat = 0"),
        ("iat-negative", json!({"iat": -1}), "C04", "iat = -1"),
        ("iat-1e308", json!({"iat": 1e308}), "C04", "iat = 1e308"),
        ("nbf-negative", json!({"nbf": -1}), "C04", "nbf = -1"),
        ("nbf-1e308", json!({"nbf": 1e308}), "C04", "nbf = 1e308"),
    ];
    for (name, changes, row, what) in jag_times {
        let id = format!("payload/{name}");
        c.add(PAYLOAD, IdJag, catalog(row), &id, what, |id| jag(id, json!({}), changes));
    }
    let at_times: Vec<(&str, Value, &str, &str)> = vec![
        ("exp-boundary-expired", json!({"iat": NOW - 200, "exp": NOW - LEEWAY}), "C06", "exp = now - leeway"),
        ("exp-boundary-inside", json!({"iat": NOW - 200, "exp": NOW - LEEWAY + 1}), "C06", "exp = now - leeway + 1"),
        ("nbf-boundary-inside", json!({"nbf": NOW + LEEWAY}), "C07", "nbf = now + leeway"),
        ("nbf-boundary-future", json!({"nbf": NOW + LEEWAY + 1}), "C07", "nbf = now + leeway + 1"),
        ("iat-boundary-inside", json!({"iat": NOW + LEEWAY}), "C08", "iat = now + leeway"),
        ("iat-boundary-future", json!({"iat": NOW + LEEWAY + 1}), "C08", "iat = now + leeway + 1"),
        ("exp-fraction-expired", json!({"iat": NOW - 200, "exp": (NOW - LEEWAY) as f64 + 0.5}), "C06", "exp = now - leeway + 0.5"),
        ("nbf-fraction-future", json!({"nbf": (NOW + LEEWAY) as f64 + 0.5}), "C07", "nbf = now + leeway + 0.5"),
        ("exp-max-date", json!({"exp": 253_402_300_799_i64}), "C04", "exp = 9999-12-31T23:59:59Z"),
        ("exp-year-10000", json!({"exp": 253_402_300_800_i64}), "C04", "exp = 253402300800"),
        ("exp-1e308", json!({"exp": 1e308}), "C04", "exp = 1e308"),
        ("iat-long-ago", json!({"iat": NOW - 315_360_000}), "C08", "iat = now - 10 years"),
    ];
    for (name, changes, row, what) in at_times {
        let id = format!("payload/at-{name}");
        c.add(PAYLOAD, AccessToken, catalog(row), &id, what, |id| at(id, json!({}), changes));
    }
    // Number literals that serde's Value would not print.
    for (name, literal, row) in [
        ("exp-exponent", "1.80000029E9", "C04"),
        ("exp-1e400", "1e400", "C04"),
        ("exp-decimal-zero", "1800000290.0", "C04"),
        ("exp-negative-zero-fraction", "-0.0", "C04"),
    ] {
        let id = format!("payload/{name}");
        let text = jag_claims(&id).to_string().replace(&format!("\"exp\":{}", NOW + 290), &format!("\"exp\":{literal}"));
        assert!(text.contains(literal));
        c.add(PAYLOAD, IdJag, catalog(row), &id, &format!("exp literal {literal}"), |_| jag_payload_text(&text));
    }

    // --- audience, issuer, bindings ------------------------------------------------------------
    let jag_values: Vec<(&str, Value, &str)> = vec![
        ("aud-array-one", json!({"aud": [AS_ISSUER]}), "C15"),
        ("aud-array-two", json!({"aud": [AS_ISSUER, "https://other-as.example.com"]}), "C15"),
        ("aud-array-two-reversed", json!({"aud": ["https://other-as.example.com", AS_ISSUER]}), "C15"),
        ("aud-array-same-twice", json!({"aud": [AS_ISSUER, AS_ISSUER]}), "C15"),
        ("aud-trailing-slash", json!({"aud": format!("{AS_ISSUER}/")}), "C18"),
        ("aud-prefix", json!({"aud": "https://as.example.co"}), "C18"),
        ("aud-other-as", json!({"aud": "https://other-as.example.com"}), "C19"),
        ("iss-trailing-slash", json!({"iss": format!("{IDP_ISSUER}/")}), "C11"),
        ("iss-upper-host", json!({"iss": "https://IDP.EXAMPLE.COM"}), "C11"),
        ("iss-http", json!({"iss": "http://idp.example.com"}), "C11"),
        ("iss-homoglyph", json!({"iss": "https://idp.examp\u{43e}le.com"}), "C11"),
        ("iss-untrusted", json!({"iss": "https://evil-idp.example.com"}), "J04"),
        ("iss-self", json!({"iss": AS_ISSUER}), "T06"),
        ("client-id-other", json!({"client_id": "another-client"}), "J01"),
        ("client-id-upper", json!({"client_id": CLIENT.to_ascii_uppercase()}), "J01"),
        ("resource-other", json!({"resource": OTHER_RESOURCE}), "J02"),
        ("resource-trailing-slash", json!({"resource": format!("{RESOURCE}/")}), "J02"),
        ("resource-array-one", json!({"resource": [RESOURCE]}), "J02"),
        ("resource-array-two", json!({"resource": [RESOURCE, OTHER_RESOURCE]}), "J02"),
        ("cnf", json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}), ""),
        ("extra-claims", json!({"act": {"sub": "admin"}, "may_act": {"sub": "root"}, "role": "admin", "groups": ["admins"]}), "C23"),
        ("jti-256-bytes", json!({"jti": "m".repeat(256)}), "J06"),
        ("jti-257-bytes", json!({"jti": "j".repeat(257)}), "J06"),
        ("sub-newline", json!({"sub": "U01\nadmin"}), "C20"),
        ("sub-nul", json!({"sub": "U01\u{0}"}), "C20"),
        ("sub-crlf", json!({"sub": "U01\r\n"}), "C20"),
        ("sub-emoji", json!({"sub": "U01\u{1f600}"}), "C20"),
        ("scope-empty", json!({"scope": ""}), "C22"),
        ("scope-double-space", json!({"scope": "chat.read  chat.history"}), "C22"),
    ];
    for (name, changes, row) in jag_values {
        let id = format!("payload/{name}");
        c.add(PAYLOAD, IdJag, catalog(row), &id, &format!("claims + {changes}"), |id| jag(id, json!({}), changes));
    }
    c.add(PAYLOAD, IdJagOther, Some("J04"), "payload/iss-other-idp-with-idp-key", "iss = second IdP, signed by the first IdP's key (kid idp-ec)", |id| mint(&id_jag_header(), &other_claims(id), Signer::Es256(&k.idp_ec)));
    c.add(PAYLOAD, IdJagOther, Some("J04"), "payload/iss-other-idp-no-kid-idp-key", "iss = second IdP, no kid, signed by the first IdP's key", |id| mint(&json!({"typ": "oauth-id-jag+jwt", "alg": "ES256"}), &other_claims(id), Signer::Es256(&k.idp_ec)));
    let at_values: Vec<(&str, Value, &str)> = vec![
        ("aud-array-among", json!({"aud": [OTHER_RESOURCE, RESOURCE, "https://x.example.com"]}), "C15"),
        ("aud-array-without", json!({"aud": [OTHER_RESOURCE, "https://x.example.com"]}), "C15"),
        ("aud-trailing-slash", json!({"aud": format!("{RESOURCE}/")}), "C18"),
        ("aud-other-resource", json!({"aud": OTHER_RESOURCE}), "C19"),
        ("iss-idp", json!({"iss": IDP_ISSUER}), "C11"),
        ("iss-trailing-slash", json!({"iss": format!("{AS_ISSUER}/")}), "C11"),
        ("cnf", json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}), ""),
        ("jti-257-bytes", json!({"jti": "j".repeat(257)}), "J06"),
        ("sub-newline", json!({"sub": "U01\nadmin"}), "C20"),
        ("extra-claims", json!({"groups": ["admins"], "roles": ["x"], "entitlements": []}), "C23"),
    ];
    for (name, changes, row) in at_values {
        let id = format!("payload/at-{name}");
        c.add(PAYLOAD, AccessToken, catalog(row), &id, &format!("claims + {changes}"), |id| at(id, json!({}), changes));
    }

    // --- duplicate claims (text) -----------------------------------------------------------------
    for (name, member, first) in [
        ("exp-far-then-good", format!(r#""exp":{}"#, NOW + 100_000), true),
        ("exp-good-then-expired", format!(r#""exp":{}"#, NOW - 1000), false),
        ("aud-evil-then-good", r#""aud":"https://evil.example.com""#.to_owned(), true),
        ("aud-good-then-evil", r#""aud":"https://evil.example.com""#.to_owned(), false),
        ("iss-evil-then-good", r#""iss":"https://evil.example.com""#.to_owned(), true),
        ("client-id-other-then-good", r#""client_id":"someone-else""#.to_owned(), true),
        ("jti-twice", r#""jti":"payload/dup-other""#.to_owned(), true),
        ("sub-twice", r#""sub":"admin""#.to_owned(), true),
        ("escaped-exp", format!(r#""\u0065xp":{}"#, NOW + 100_000), true),
    ] {
        let id = format!("payload/dup-{name}");
        let base = jag_claims(&id).to_string();
        let text = if first {
            prepend_member(&base, &member)
        } else {
            append_member(&base, &member)
        };
        c.add(PAYLOAD, IdJag, Some("S19"), &id, &format!("{member} {} the claims", if first { "before" } else { "after" }), |_| jag_payload_text(&text));
    }
    for (name, member, first) in [
        ("aud-other-then-good", format!(r#""aud":"{OTHER_RESOURCE}""#), true),
        ("aud-good-then-other", format!(r#""aud":"{OTHER_RESOURCE}""#), false),
    ] {
        let id = format!("payload/at-dup-{name}");
        let base = at_claims_for(&id).to_string();
        let text = if first {
            prepend_member(&base, &member)
        } else {
            append_member(&base, &member)
        };
        c.add(PAYLOAD, AccessToken, Some("S19"), &id, &format!("{member} {} the claims", if first { "before" } else { "after" }), |_| at_payload_text(&text));
    }

    // --- payload text: encoding and shape ---------------------------------------------------------
    let id = "payload/text-invalid-utf8";
    let bad: Vec<u8> = jag_claims(id)
        .to_string()
        .replacen("U019488227", "U01\u{1}", 1)
        .into_bytes()
        .into_iter()
        .map(|b| if b == 1 { 0xff } else { b })
        .collect();
    c.add(PAYLOAD, IdJag, Some("S15"), id, "a 0xFF byte inside sub", |_| mint_bytes(id_jag_header().to_string().as_bytes(), &bad, Signer::Es256(&k.idp_ec)));
    let id = "payload/text-overlong-utf8";
    let bad: Vec<u8> = jag_claims(id)
        .to_string()
        .replacen("U019488227", "U01\u{1}", 1)
        .into_bytes()
        .into_iter()
        .flat_map(|b| if b == 1 { vec![0xc0, 0xaf] } else { vec![b] })
        .collect();
    c.add(PAYLOAD, IdJag, Some("S15"), id, "an overlong UTF-8 encoding of '/' inside sub", |_| mint_bytes(id_jag_header().to_string().as_bytes(), &bad, Signer::Es256(&k.idp_ec)));
    let id = "payload/at-text-invalid-utf8";
    let bad: Vec<u8> = at_claims_for(id)
        .to_string()
        .replacen("U019488227", "U01\u{1}", 1)
        .into_bytes()
        .into_iter()
        .map(|b| if b == 1 { 0xff } else { b })
        .collect();
    c.add(PAYLOAD, AccessToken, Some("S15"), id, "a 0xFF byte inside sub", |_| mint_bytes(at_header().to_string().as_bytes(), &bad, Signer::Es256(&k.as_ec)));
    let texts: Vec<(&str, Mutate, &str, &str)> = vec![
        ("lone-surrogate", Box::new(|t: &str| t.replacen("U019488227", "U\\ud800", 1)), "S15", "sub with a lone surrogate escape \\ud800"),
        ("surrogate-pair", Box::new(|t: &str| t.replacen("U019488227", "U\\ud83d\\ude00", 1)), "S15", "sub with an escaped surrogate pair (valid)"),
        ("bom", Box::new(|t: &str| format!("\u{feff}{t}")), "S15", "UTF-8 BOM before the claims"),
        ("pretty", Box::new(|t: &str| { serde_json::to_string_pretty(&serde_json::from_str::<Value>(t).unwrap()).unwrap() }), "S15", "pretty-printed claims (newlines, indentation)"),
        ("outer-whitespace", Box::new(|t: &str| format!(" \r\n\t{t}\n ")), "S15", "whitespace around the claims object"),
        ("raw-tab-in-string", Box::new(|t: &str| t.replacen("U019488227", "U01\t9488227", 1)), "S15", "an unescaped TAB inside sub"),
        ("trailing-garbage", Box::new(|t: &str| format!("{t}x")), "S17", "text after the claims object"),
        ("two-objects", Box::new(|t: &str| format!("{t}{{}}")), "S17", "a second object after the claims"),
        ("trailing-comma", Box::new(|t: &str| format!("{},}}", &t[..t.len() - 1])), "S17", "a trailing comma"),
        ("single-quotes", Box::new(|t: &str| t.replacen("\"sub\"", "'sub'", 1)), "S17", "a single-quoted member name"),
        ("nan", Box::new(|t: &str| append_member(t, "\"x\":NaN")), "S17", "NaN literal in an extra claim"),
        ("deep-17", Box::new(|t: &str| append_member(t, &format!("\"x\":{}", nested(17, true)))), "S20", "an extra claim nested 17 deep"),
        ("deep-10", Box::new(|t: &str| append_member(t, &format!("\"x\":{}", nested(10, true)))), "S20", "an extra claim nested 10 deep"),
        ("big-number-extra", Box::new(|t: &str| append_member(t, "\"x\":1e400")), "S17", "an extra claim 1e400"),
        ("escaped-names", Box::new(|t: &str| t.replacen("\"iss\"", "\"\\u0069ss\"", 1)), "S15", "the iss member name spelled with an escape"),
    ];
    for (name, edit, row, what) in texts {
        let id = format!("payload/text-{name}");
        let text = edit(&jag_claims(&id).to_string());
        c.add(PAYLOAD, IdJag, catalog(row), &id, what, |_| jag_payload_text(&text));
    }
    for (name, edit, what) in [
        ("bom", Box::new(|t: &str| format!("\u{feff}{t}")) as Mutate, "UTF-8 BOM before the claims"),
        ("lone-surrogate", Box::new(|t: &str| t.replacen("U019488227", "U\\ud800", 1)), "sub with a lone surrogate escape"),
    ] {
        let id = format!("payload/at-text-{name}");
        let text = edit(&at_claims_for(&id).to_string());
        c.add(PAYLOAD, AccessToken, Some("S15"), &id, what, |_| at_payload_text(&text));
    }
    for (name, text) in [
        ("array", "[]"),
        ("null", "null"),
        ("string", "\"x\""),
        ("number", "1"),
        ("empty", ""),
    ] {
        let id = format!("payload/not-object-{name}");
        c.add(PAYLOAD, IdJag, Some("S17"), &id, &format!("claims text {text:?}"), |_| jag_payload_text(text));
    }

    // --- size ---------------------------------------------------------------------------------------
    let padded_jag = |n: usize, id: &str| jag(id, json!({}), json!({"pad": "x".repeat(n)}));
    let mut n = 4000;
    while padded_jag(n + 1, "payload/size-at-cap").len() <= TOKEN_CAP {
        n += 1;
    }
    let id = "payload/size-at-cap";
    let token = padded_jag(n, id);
    assert!(token.len() <= TOKEN_CAP);
    c.add(PAYLOAD, IdJag, Some("S08"), id, &format!("a padding claim: token of {} bytes (the cap is {TOKEN_CAP})", token.len()), |_| token);
    let id = "payload/size-over-cap";
    let token = padded_jag(n + 8, id);
    assert!(token.len() > TOKEN_CAP);
    c.add(PAYLOAD, IdJag, Some("S08"), id, &format!("a padding claim: token of {} bytes", token.len()), |_| token);
}

#[allow(clippy::too_many_lines)]
// One case a line: the rows read as a table, wider than rustfmt would leave them.
#[rustfmt::skip]
fn encoding_cases(c: &mut Corpus) {
    use Profile::*;
    let k = keys();
    let es = || Signer::Es256(&k.idp_ec);

    // --- S09: padding --------------------------------------------------------------------------
    let id = "encoding/header-padded-after-signing";
    let (h, p, s) = parts(&jag(id, json!({}), json!({})));
    let h = if h.len().is_multiple_of(4) {
        h
    } else {
        padded(&h)
    };
    c.add(ENCODING, IdJag, Some("S09"), id, "'=' padding on the header; signature over the unpadded input", |_| format!("{h}.{p}.{s}"));
    // A header that needs padding, then signed over the padded text.
    let id = "encoding/header-padded-signed";
    let header = with_trailing_bits(&id_jag_header().to_string());
    let input = format!("{}.{}", padded(&b64(header.as_bytes())), b64(jag_claims(id).to_string().as_bytes()));
    c.add(ENCODING, IdJag, Some("S09"), id, "'=' padding on the header, signature over the padded input", |_| sign_input(&input, es()));
    let id = "encoding/payload-padded-after-signing";
    let claims = with_trailing_bits(&jag_claims(id).to_string());
    let (h, p, s) = parts(&jag_payload_text(&claims));
    c.add(ENCODING, IdJag, Some("S09"), id, "'=' padding on the payload; signature over the unpadded input", |_| format!("{h}.{}.{s}", padded(&p)));
    let id = "encoding/payload-padded-signed";
    let claims = with_trailing_bits(&jag_claims(id).to_string());
    let input = format!("{}.{}", b64(id_jag_header().to_string().as_bytes()), padded(&b64(claims.as_bytes())));
    c.add(ENCODING, IdJag, Some("S09"), id, "'=' padding on the payload, signature over the padded input", |_| sign_input(&input, es()));
    let id = "encoding/sig-padded";
    let (h, p, s) = parts(&jag(id, json!({}), json!({})));
    assert_eq!(s.len() % 4, 2);
    c.add(ENCODING, IdJag, Some("S09"), id, "'==' padding on the ES256 signature", |_| format!("{h}.{p}.{}", padded(&s)));
    let id = "encoding/sig-one-pad";
    let (h, p, s) = parts(&jag(id, json!({}), json!({})));
    c.add(ENCODING, IdJag, Some("S09"), id, "a single '=' after the signature", |_| format!("{h}.{p}.{s}="));
    let id = "encoding/at-sig-padded";
    let (h, p, s) = parts(&at(id, json!({}), json!({})));
    c.add(ENCODING, AccessToken, Some("S09"), id, "'==' padding on the signature", |_| format!("{h}.{p}.{}", padded(&s)));
    let id = "encoding/rs256-sig-padded";
    let (h, p, s) = parts(&jag_rs(id, json!({}), json!({})));
    let s = if s.len().is_multiple_of(4) {
        format!("{s}==")
    } else {
        padded(&s)
    };
    c.add(ENCODING, IdJag, Some("S09"), id, "padding on the RS256 signature", |_| format!("{h}.{p}.{s}"));

    // --- S10: standard alphabet and other characters ------------------------------------------------
    // A signature with both '-' and '_' (deterministic search over the scope).
    let id = "encoding/sig-std-alphabet";
    let (h, p, s) = {
        let mut i = 0;
        loop {
            let token = jag(id, json!({}), json!({"scope": format!("chat.read s{i}")}));
            let (h, p, s) = parts(&token);
            if s.contains('-') && s.contains('_') {
                break (h, p, s);
            }
            i += 1;
        }
    };
    c.add(ENCODING, IdJag, Some("S10"), id, "signature in the standard base64 alphabet ('+', '/')", |_| format!("{h}.{p}.{}", s.replace('-', "+").replace('_', "/")));
    let id = "encoding/payload-std-alphabet-signed";
    let claims = set(jag_claims(id), "x", json!("??????>>>>>>"));
    let p = b64(claims.to_string().as_bytes());
    assert!(p.contains('_') || p.contains('-'));
    let input = format!("{}.{}", b64(id_jag_header().to_string().as_bytes()), p.replace('-', "+").replace('_', "/"));
    c.add(ENCODING, IdJag, Some("S10"), id, "payload in the standard alphabet, signature over that text", |_| sign_input(&input, es()));
    let id = "encoding/header-std-alphabet-signed";
    let header = with(id_jag_header(), json!({"x": "??????>>>>>>"}));
    let h = b64(header.to_string().as_bytes());
    assert!(h.contains('_') || h.contains('-'));
    let input = format!("{}.{}", h.replace('-', "+").replace('_', "/"), b64(jag_claims(id).to_string().as_bytes()));
    c.add(ENCODING, IdJag, Some("S10"), id, "header in the standard alphabet, signature over that text", |_| sign_input(&input, es()));
    let id = "encoding/at-sig-std-alphabet";
    let (h, p, s) = {
        let mut i = 0;
        loop {
            let token = at(id, json!({}), json!({"scope": format!("chat.read s{i}")}));
            let (h, p, s) = parts(&token);
            if s.contains('-') || s.contains('_') {
                break (h, p, s);
            }
            i += 1;
        }
    };
    c.add(ENCODING, AccessToken, Some("S10"), id, "signature in the standard base64 alphabet", |_| format!("{h}.{p}.{}", s.replace('-', "+").replace('_', "/")));
    for (name, ch) in [
        ("bang", '!'),
        ("percent", '%'),
        ("backslash", '\\'),
        ("equals-inside", '='),
    ] {
        let id = format!("encoding/sig-char-{name}");
        let (h, p, s) = parts(&jag(&id, json!({}), json!({})));
        let mut sig = s.into_bytes();
        sig[10] = ch as u8;
        c.add(ENCODING, IdJag, Some("S10"), &id, &format!("{ch:?} inside the signature"), |_| format!("{h}.{p}.{}", String::from_utf8(sig).unwrap()));
    }

    // --- S11: non-canonical trailing bits ----------------------------------------------------------
    let id = "encoding/sig-non-canonical";
    let (h, p, s) = parts(&jag(id, json!({}), json!({})));
    c.add(ENCODING, IdJag, Some("S11"), id, "non-zero unused bits in the last signature character", |_| format!("{h}.{p}.{}", non_canonical(&s)));
    let id = "encoding/at-sig-non-canonical";
    let (h, p, s) = parts(&at(id, json!({}), json!({})));
    c.add(ENCODING, AccessToken, Some("S11"), id, "non-zero unused bits in the last signature character", |_| format!("{h}.{p}.{}", non_canonical(&s)));
    let id = "encoding/payload-non-canonical-signed";
    let claims = with_trailing_bits(&jag_claims(id).to_string());
    let input = format!("{}.{}", b64(id_jag_header().to_string().as_bytes()), non_canonical(&b64(claims.as_bytes())));
    c.add(ENCODING, IdJag, Some("S11"), id, "non-canonical payload encoding, signature over that text", |_| sign_input(&input, es()));
    let id = "encoding/header-non-canonical-signed";
    let header = with_trailing_bits(&id_jag_header().to_string());
    let input = format!("{}.{}", non_canonical(&b64(header.as_bytes())), b64(jag_claims(id).to_string().as_bytes()));
    c.add(ENCODING, IdJag, Some("S11"), id, "non-canonical header encoding, signature over that text", |_| sign_input(&input, es()));
    let id = "encoding/rs256-sig-non-canonical";
    let (h, p, s) = parts(&jag_rs(id, json!({}), json!({})));
    if matches!(s.len() % 4, 2 | 3) {
        c.add(ENCODING, IdJag, Some("S11"), id, "non-canonical RS256 signature encoding", |_| format!("{h}.{p}.{}", non_canonical(&s)));
    }

    // --- S12: impossible lengths ---------------------------------------------------------------------
    let id = "encoding/sig-length-1-mod-4";
    let (h, p, s) = parts(&jag(id, json!({}), json!({})));
    c.add(ENCODING, IdJag, Some("S12"), id, "signature segment of length 1 mod 4 (one extra 'A')", |_| format!("{h}.{p}.{s}AAA"));
    let id = "encoding/payload-length-1-mod-4";
    let (h, p, s) = parts(&jag(id, json!({}), json!({})));
    let mut cut = p.len();
    while cut % 4 != 1 {
        cut -= 1;
    }
    c.add(ENCODING, IdJag, Some("S12"), id, "payload cut to a length of 1 mod 4", |_| format!("{h}.{}.{s}", &p[..cut]));

    // --- S01–S06: structure ---------------------------------------------------------------------------
    c.add(ENCODING, IdJag, Some("S01"), "encoding/empty-token", "the empty string", |_| String::new());
    let base = jag("encoding/structure-base", json!({}), json!({}));
    let (h, p, s) = parts(&base);
    let structure: Vec<(&str, String, &str, &str)> = vec![
        ("two-segments", format!("{h}.{p}"), "S02", "header.payload"),
        ("no-dots", format!("{h}{p}{s}"), "S02", "three segments without dots"),
        ("trailing-dot", format!("{h}.{p}.{s}."), "S03", "a trailing dot"),
        ("four-segments", format!("{h}.{p}.{s}.x"), "S03", "four segments"),
        ("six-segments", format!("{h}.{p}.{s}.{h}.{p}"), "S03", "six segments"),
        ("empty-header", format!(".{p}.{s}"), "S04", "empty header segment"),
        ("empty-payload", format!("{h}..{s}"), "S04", "empty payload segment"),
        ("empty-signature", format!("{h}.{p}."), "G01", "empty signature segment"),
        ("only-dots", "..".to_owned(), "S04", "two dots"),
        ("dots-4000", ".".repeat(4000), "S07", "4000 dots"),
        ("jwe", format!("{}.{}.{}.{}.{}", b64(br#"{"alg":"RSA-OAEP","enc":"A256GCM","typ":"oauth-id-jag+jwt"}"#), b64(&[7u8; 256]), b64(&[1u8; 12]), b64(b"ciphertext"), b64(&[2u8; 16])), "S05", "a five-segment JWE"),
        ("json-flattened", json!({"payload": p, "protected": h, "signature": s}).to_string(), "S06", "flattened JWS JSON serialization"),
        ("json-general", json!({"payload": p, "signatures": [{"protected": h, "signature": s}]}).to_string(), "S06", "general JWS JSON serialization"),
        ("leading-space", format!(" {base}"), "S13", "a leading space"),
        ("trailing-space", format!("{base} "), "S13", "a trailing space"),
        ("trailing-lf", format!("{base}\n"), "S13", "a trailing LF"),
        ("trailing-crlf", format!("{base}\r\n"), "S13", "a trailing CRLF"),
        ("tab-in-signature", format!("{h}.{p}.{}\t{}", &s[..40], &s[40..]), "S13", "a TAB inside the signature"),
        ("space-before-dot", format!("{h} .{p}.{s}"), "S13", "a space before a dot"),
        ("lf-after-dot", format!("{h}.\n{p}.{s}"), "S13", "a LF after a dot"),
        ("bearer-prefix", format!("Bearer {base}"), "S13", "the 'Bearer ' prefix"),
        ("non-ascii-suffix", format!("{base}é"), "S14", "a trailing 'é'"),
        ("one-dot-leader", format!("{h}\u{2024}{p}.{s}"), "S14", "U+2024 ONE DOT LEADER instead of a dot"),
        ("fullwidth-in-signature", format!("{h}.{p}.\u{ff21}{}", &s[1..]), "S14", "a fullwidth 'Ａ' in the signature"),
        ("bom-prefix", format!("\u{feff}{base}"), "S14", "a BOM before the token"),
        ("sig-9000-chars", format!("{h}.{p}.{}", "A".repeat(9000)), "S08", "a 9000-character signature segment"),
        ("header-9000-chars", format!("{}.{p}.{s}", "A".repeat(9000)), "S08", "a 9000-character header segment"),
    ];
    for (name, token, row, what) in structure {
        let id = format!("encoding/{name}");
        c.add(ENCODING, IdJag, catalog(row), &id, what, |_| token);
    }
    c.add(ENCODING, IdJag, Some("S04"), "encoding/signed-empty-payload", "an empty payload segment with a genuine signature", |_| mint_raw(&id_jag_header().to_string(), "", es()));
    c.add(ENCODING, IdJag, Some("S17"), "encoding/signed-non-json-payload", "a payload of plain text with a genuine signature", |_| mint_raw(&id_jag_header().to_string(), "hello", es()));
    let id = "encoding/rfc7797-unencoded";
    let header = b64(br#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","b64":false,"crit":["b64"]}"#);
    let payload = jag_claims(id).to_string();
    c.add(ENCODING, IdJag, Some("H03"), id, "RFC 7797 unencoded payload (raw JSON in the payload segment), signed", |_| sign_input(&format!("{header}.{payload}"), es()));
    c.add(ENCODING, AccessToken, Some("S13"), "encoding/at-trailing-lf", "a trailing LF", |id| format!("{}\n", at(id, json!({}), json!({}))));
}

#[allow(clippy::too_many_lines)]
// One case a line: the rows read as a table, wider than rustfmt would leave them.
#[rustfmt::skip]
fn signature_cases(c: &mut Corpus) {
    use Profile::*;
    let k = keys();
    let n = hex(N_HEX);

    // --- ES256 ID-JAG ------------------------------------------------------------------------------
    let es_cases: Vec<(&str, &str, &str, Mutate)> = vec![
        ("flip-r", "G10", "one bit flipped in r", Box::new(|t: &str| { let mut s = sig_of(t); s[31] ^= 1; with_sig(t, &s) })),
        ("flip-s", "G10", "one bit flipped in s", Box::new(|t: &str| { let mut s = sig_of(t); s[63] ^= 1; with_sig(t, &s) })),
        ("flip-header", "G10", "the case bit of the first typ letter flipped in the header", Box::new(|t: &str| { let (h, p, s) = parts(t); let mut header = unb64(&h); let at = header.windows(5).position(|w| w == b"oauth").unwrap(); header[at] ^= 0x20; format!("{}.{p}.{s}", b64(&header)) })),
        ("flip-payload", "G10", "the low bit of a sub digit flipped in the payload", Box::new(|t: &str| { let (h, p, s) = parts(t); let mut payload = unb64(&p); let at = payload.windows(10).position(|w| w == b"U019488227").unwrap() + 9; payload[at] ^= 1; format!("{h}.{}.{s}", b64(&payload)) })),
        ("truncated-63", "G05", "the last byte dropped (63 bytes)", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &s[..63]) })),
        ("leading-byte-dropped", "G05", "the first byte dropped (63 bytes)", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &s[1..]) })),
        ("extended-65", "G05", "a zero byte appended (65 bytes)", Box::new(|t: &str| { let mut s = sig_of(t); s.push(0); with_sig(t, &s) })),
        ("zero-prefixed-65", "G05", "a zero byte prepended (65 bytes)", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &[&[0u8][..], &s].concat()) })),
        ("empty", "G01", "no signature bytes", Box::new(|t: &str| with_sig(t, &[]))),
        ("zero-64", "G02", "64 zero bytes (r = s = 0)", Box::new(|t: &str| with_sig(t, &[0u8; 64]))),
        ("r-zero", "G03", "r = 0 with the genuine s", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &[&[0u8; 32][..], &s[32..]].concat()) })),
        ("s-zero", "G03", "the genuine r with s = 0", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &[&s[..32], &[0u8; 32][..]].concat()) })),
        ("r-n", "G03", "r = n with the genuine s", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &[&hex(N_HEX)[..], &s[32..]].concat()) })),
        ("s-n", "G03", "the genuine r with s = n", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &[&s[..32], &hex(N_HEX)[..]].concat()) })),
        ("s-plus-n-overflow", "G03", "s + n does not fit: s = 0xff..ff", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &[&s[..32], &[0xffu8; 32][..]].concat()) })),
        ("r-s-swapped", "G10", "r and s swapped", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &[&s[32..], &s[..32]].concat()) })),
        ("der", "G04", "the genuine signature DER-encoded", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &der_sig(&s)) })),
        ("der-zero", "G04", "DER SEQUENCE { 0, 0 } (MAYCAQACAQA)", Box::new(|t: &str| { let (h, p, _) = parts(t); format!("{h}.{p}.{DER_ZERO}") })),
    ];
    for (name, row, what, mutate) in es_cases {
        let id = format!("signature/es256-{name}");
        let token = jag(&id, json!({}), json!({}));
        c.add(SIGNATURE, IdJag, catalog(row), &id, what, |_| mutate(&token));
    }
    let id = "signature/es256-high-s-twin";
    let token = jag(id, json!({}), json!({}));
    let sig = sig_of(&token);
    c.add(SIGNATURE, IdJag, Some("G06"), id, "the high-S twin (r, n - s) of a genuine signature", |_| with_sig(&token, &[&sig[..32], &sub(&n, &sig[32..])].concat()));
    let id = "signature/es256-high-s-twin-der";
    let token = jag(id, json!({}), json!({}));
    let sig = sig_of(&token);
    c.add(SIGNATURE, IdJag, Some("G04"), id, "the high-S twin, DER-encoded", |_| with_sig(&token, &der_sig(&[&sig[..32], &sub(&n, &sig[32..])].concat())));
    for (name, what, signer) in [
        ("attacker-key", "signed by the attacker's key under kid idp-ec", Signer::Es256(&k.attacker)),
        ("second-idp-key", "signed by idp-ec-2 under kid idp-ec", Signer::Es256(&k.idp_ec2)),
        ("other-issuer-key", "signed by the second IdP's key under kid idp-ec", Signer::Es256(&k.other_ec)),
        ("as-key", "signed by the AS key under kid idp-ec", Signer::Es256(&k.as_ec)),
    ] {
        let id = format!("signature/es256-{name}");
        c.add(SIGNATURE, IdJag, Some("K23"), &id, what, |id| mint(&id_jag_header(), &jag_claims(id), signer));
    }
    let id = "signature/es256-transplanted";
    let donor = jag("signature/es256-donor", json!({}), json!({}));
    let token = jag(id, json!({}), json!({}));
    c.add(SIGNATURE, IdJag, Some("G10"), id, "a genuine signature of another token", |_| with_sig(&token, &sig_of(&donor)));
    let id = "signature/es256-rsa-bytes";
    let token = jag(id, json!({}), json!({}));
    let rsa_sig = sign(&signing_input(&token), &Signer::Rs256(&k.idp_rsa));
    c.add(SIGNATURE, IdJag, Some("G05"), id, "an RS256 signature (256 bytes) under alg ES256", |_| with_sig(&token, &rsa_sig));

    // --- RS256 ---------------------------------------------------------------------------------------
    let rsa_n = k.idp_rsa.n().to_bytes_be();
    let rs_cases: Vec<(&str, &str, &str, Mutate)> = vec![
        ("flip", "G10", "one bit flipped", Box::new(|t: &str| { let mut s = sig_of(t); s[200] ^= 0x10; with_sig(t, &s) })),
        ("zero-prefixed", "G07", "a zero byte prepended (257 bytes)", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &[&[0u8][..], &s].concat()) })),
        ("truncated", "G07", "the last byte dropped (255 bytes)", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &s[..255]) })),
        ("empty", "G01", "no signature bytes", Box::new(|t: &str| with_sig(t, &[]))),
        ("modulus", "G09", "s = n", Box::new(move |t: &str| with_sig(t, &rsa_n))),
        ("all-ff", "G09", "s = 2^2048 - 1", Box::new(|t: &str| with_sig(t, &[0xffu8; 256]))),
        ("zero", "G09", "s = 0 (256 zero bytes)", Box::new(|t: &str| with_sig(t, &[0u8; 256]))),
        ("unprefixed-pkcs1", "G08", "PKCS#1 v1.5 without the DigestInfo prefix", Box::new(|t: &str| { let digest = Sha256::digest(signing_input(t).as_bytes()); with_sig(t, &keys().idp_rsa.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &digest).unwrap()) })),
        ("pss-bytes", "G08", "a PS256 signature under alg RS256", Box::new(|t: &str| { with_sig(t, &sign(&signing_input(t), &Signer::Ps256(&keys().idp_rsa))) })),
    ];
    for (name, row, what, mutate) in rs_cases {
        let id = format!("signature/rs256-{name}");
        let token = jag_rs(&id, json!({}), json!({}));
        c.add(SIGNATURE, IdJag, catalog(row), &id, what, |_| mutate(&token));
    }
    // s + n, congruent to a valid signature, when it fits the modulus length.
    let limit = BigUint::from(1u8) << 2048usize;
    let found = (0..200).find_map(|i| {
        let token = jag_rs("signature/rs256-s-plus-n", json!({}), json!({"scope": format!("chat.read s{i}")}));
        let s_plus_n = BigUint::from_bytes_be(&sig_of(&token)) + k.idp_rsa.n();
        (s_plus_n < limit).then(|| with_sig(&token, &s_plus_n.to_bytes_be()))
    });
    c.add(SIGNATURE, IdJag, Some("G09"), "signature/rs256-s-plus-n", "s + n (congruent to the genuine signature, 256 bytes)", |_| found.unwrap());

    // --- PS256 ---------------------------------------------------------------------------------------
    for (name, row, what) in [
        ("flip", "G10", "one bit flipped"),
        ("truncated", "G07", "the last byte dropped"),
    ] {
        let id = format!("signature/ps256-{name}");
        let token = jag_ps(&id, json!({}), json!({}));
        let mut sig = sig_of(&token);
        if name == "flip" {
            sig[17] ^= 0x01;
        } else {
            sig.pop();
        }
        c.add(SIGNATURE, IdJag, catalog(row), &id, what, |_| with_sig(&token, &sig));
    }
    let id = "signature/ps256-pkcs1-bytes";
    let token = jag_ps(id, json!({}), json!({}));
    c.add(SIGNATURE, IdJag, Some("G08"), id, "an RS256 (PKCS#1 v1.5) signature under alg PS256", |_| with_sig(&token, &sign(&signing_input(&token), &Signer::Rs256(&k.idp_rsa))));
    for salt in [0usize, 20, 48, 64, 222] {
        let id = format!("signature/ps256-salt-{salt}");
        let token = jag_ps(&id, json!({}), json!({}));
        c.add(SIGNATURE, IdJag, Some("G08"), &id, &format!("RSASSA-PSS with a {salt}-byte salt (RFC 7518 §3.5: the salt is the hash size, 32)"), |_| with_sig(&token, &pss_with_salt(&k.idp_rsa, &signing_input(&token), salt)));
    }

    // --- access tokens ----------------------------------------------------------------------------------
    let at_cases: Vec<(&str, &str, &str, Mutate)> = vec![
        ("flip-s", "G10", "one bit flipped in s", Box::new(|t: &str| { let mut s = sig_of(t); s[63] ^= 1; with_sig(t, &s) })),
        ("zero-64", "G02", "64 zero bytes", Box::new(|t: &str| with_sig(t, &[0u8; 64]))),
        ("truncated-63", "G05", "63 bytes", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &s[..63]) })),
        ("der", "G04", "DER-encoded", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &der_sig(&s)) })),
        ("high-s-twin", "G06", "the high-S twin", Box::new(|t: &str| { let s = sig_of(t); with_sig(t, &[&s[..32], &sub(&hex(N_HEX), &s[32..])].concat()) })),
    ];
    for (name, row, what, mutate) in at_cases {
        let id = format!("signature/at-{name}");
        let token = at(&id, json!({}), json!({}));
        c.add(SIGNATURE, AccessToken, catalog(row), &id, what, |_| mutate(&token));
    }
    c.add(SIGNATURE, AccessToken, Some("K23"), "signature/at-attacker-key", "signed by the attacker's key under kid as-ec", |id| mint(&at_header(), &at_claims_for(id), Signer::Es256(&k.attacker)));
    c.add(SIGNATURE, AccessToken, Some("K23"), "signature/at-idp-key", "signed by the IdP key under kid as-ec", |id| mint(&at_header(), &at_claims_for(id), Signer::Es256(&k.idp_ec)));
}

// One case a line: the rows read as a table, wider than rustfmt would leave them.
#[rustfmt::skip]
fn replay_cases(c: &mut Corpus) {
    use Profile::*;
    let token = jag("replay/first", json!({}), json!({}));
    c.add(REPLAY, IdJag, Some("J05"), "replay/first", "an ID-JAG, first presentation", |_| token.clone());
    c.add(REPLAY, IdJag, Some("J05"), "replay/second", "the same ID-JAG again", |_| token);
    c.add(REPLAY, IdJag, Some("J05"), "replay/resigned-same-jti", "a re-signed ID-JAG with the same (iss, jti) and another scope", |_| jag("replay/first", json!({}), json!({"scope": "chat.read"})));
    let id = "replay/at-twice-first";
    let token = at(id, json!({}), json!({}));
    c.add(REPLAY, AccessToken, None, id, "an access token, first presentation", |_| token.clone());
    c.add(REPLAY, AccessToken, None, "replay/at-twice-second", "the same access token again (bearer tokens are reusable)", |_| token);
}

fn build() -> Corpus {
    let mut c = Corpus::default();
    valid_cases(&mut c);
    header_cases(&mut c);
    payload_cases(&mut c);
    encoding_cases(&mut c);
    signature_cases(&mut c);
    replay_cases(&mut c);
    c
}

// ---------------------------------------------------------------------------------------
// Our verdicts and the file
// ---------------------------------------------------------------------------------------

fn verdict(h: &mut Harness, case: &Case) -> String {
    if case.profile.is_id_jag() {
        h.id_jag(&case.token)
    } else {
        h.access_token(&case.token)
    }
}

fn corpus_json() -> Value {
    let corpus = build();
    let mut native = Harness::new();
    let mut pure = Harness::pure_rust();
    let mut disagreements = Vec::new();
    let mut cases = Vec::new();
    for case in &corpus.cases {
        let ours = verdict(&mut native, case);
        let ours_pure = verdict(&mut pure, case);
        if ours != ours_pure {
            disagreements.push(format!("{}: native {ours}, pure-Rust {ours_pure}", case.id));
        }
        cases.push(json!({
            "id": case.id,
            "category": case.category,
            "profile": case.profile.name(),
            "catalog": case.catalog,
            "mutation": case.mutation,
            "token": case.token,
            "ours": ours,
        }));
    }
    assert!(
        disagreements.is_empty(),
        "the component's verifier paths disagree:\n{}",
        disagreements.join("\n")
    );
    json!({
        "format": FORMAT,
        "description": DESCRIPTION,
        "generator": "host/tests/differential_corpus.rs",
        "now": NOW,
        "categories": {
            VALID: "valid ES256/RS256/PS256 ID-JAGs and RFC 9068 access tokens from the fixed test keys",
            HEADER: "JOSE header mutations: alg, typ, kid, crit, b64, key-carrying and JWE parameters, extra and duplicate members, header text",
            PAYLOAD: "claims mutations: each required claim missing, null, empty or of the wrong type; time boundaries at the pinned clock; out-of-range and fractional dates; audience, issuer and bindings; duplicate claims; claims text encoding and shape; size",
            ENCODING: "compact-serialization mutations: padding, standard alphabet, non-canonical base64url, impossible lengths, segment count, empty segments, whitespace, non-ASCII, JSON serializations",
            SIGNATURE: "signature-byte mutations: bit flips, truncation and extension, zero and out-of-range scalars, high-S twin, DER, wrong keys, RSA length/range/padding, PSS salt lengths",
            REPLAY: "the same token presented twice on one instance",
        },
        "profiles": profiles(),
        "cases": cases,
    })
}

fn summary(cases: &[Value]) -> String {
    let mut per: BTreeMap<(String, bool), usize> = BTreeMap::new();
    for case in cases {
        let key = (
            case["category"].as_str().unwrap().to_owned(),
            case["ours"] == "valid",
        );
        *per.entry(key).or_default() += 1;
    }
    let mut out = format!("{} cases:", cases.len());
    for category in [VALID, HEADER, PAYLOAD, ENCODING, SIGNATURE, REPLAY] {
        let valid = per.get(&(category.to_owned(), true)).copied().unwrap_or(0);
        let rejected = per.get(&(category.to_owned(), false)).copied().unwrap_or(0);
        out.push_str(&format!(
            " {category} {} ({valid} valid),",
            valid + rejected
        ));
    }
    out.pop();
    out
}

#[test]
fn differential_corpus_matches_committed_file() {
    let corpus = corpus_json();
    let cases = corpus["cases"].as_array().unwrap();
    assert!(cases.len() >= 250, "{} cases", cases.len());
    vectors_file::assert_pinned(cases, "ours", PINNED);
    // Every case of the valid category is valid; every profile is used.
    for case in cases.iter().filter(|c| c["category"] == VALID) {
        assert_eq!(case["ours"], "valid", "{}", case["id"]);
    }
    eprintln!("differential: {}", summary(cases));

    vectors_file::write_or_compare(
        "differential.json",
        &corpus,
        cases.len(),
        REGENERATE,
        "scripts/differential",
    );
}
