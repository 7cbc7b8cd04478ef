//! The hostile-input catalog, JOSE layer (`research/security.md` §1, rows S, A, K, H, T and
//! G). One case per row (`S01`), more where a row has variants (`K13-b`); where the test has a
//! positive control (a valid token differing only in the attacked detail) it is a step or a
//! case expecting `valid` (`signature-valid` for the JWS layer).
//!
//! Not expressible as vectors, so left to the cargo tests:
//! - "refused at load" for K14, K16, K17, K19, K20, K21, K22: a configuration whose inline
//!   JWK Set holds the bad key is refused, and the format has no expectation for a refused
//!   configuration. The other half of those tests — a FETCHED JWK Set holding the bad key
//!   drops it, so a token naming it is not verified while the good keys of the same document
//!   still work — is ported through `verify-jws-signature`, which parses its JWK Set with
//!   the same code a fetched document goes through (`jwks::parse`); a case also presents the
//!   bad key alone (`key_rejected`: no usable key) and, where one exists, its well-formed twin
//!   (`signature-valid`), so the verdict hangs on the attacked detail only.
//! - K02 "never fetched" and K09 "refetch at most once per cooldown": they count JWK Set
//!   fetches, which needs a fetcher under test. The verdicts are ported, with inline keys.
//! - K06 "log-safe": that the rejection's description carries no control character (a
//!   vector compares codes only). The verdicts are ported.
//! - The "O(1) extra allocation" of S07 and "before base64 decode" of S08 are not
//!   observable from a verdict; the verdicts are ported with the same megabyte inputs.

use crate::base64url::{decode as unb64, encode as b64};
use p256::ecdsa::SigningKey;
use rand_chacha::rand_core::SeedableRng;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures::{
    as_jwks, ec_jwk, idp_jwks, keys, merge, other_idp_jwks, rsa_jwk, validator_toml, AS_ISSUER,
    CLIENT, NOW, OTHER_IDP, OTHER_RESOURCE,
};
use crate::mint::{
    access_token, add_small, at_claims, at_header, hmac_sha256, id_jag, id_jag_claims,
    id_jag_header, mint, mint_raw, sign, Minted, Signer, P_HEX,
};
use crate::steps::MintedStep;
use xaa_vectors::{Case, ConfigFiles, Step};

/// The trusted IdP's allow-list, for the JWS-layer cases.
const ALLOWED: [&str; 3] = ["ES256", "RS256", "PS256"];
/// P-256 group order n.
const N_HEX: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
/// (n - 1) / 2: an ES256 `s` above this is "high".
const HALF_N_HEX: &str = "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8";
/// DER DigestInfo prefix for SHA-256.
const SHA256_DIGEST_INFO: &str = "3031300d060960864801650304020105000420";

// ---------------------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------------------

/// The `validator` configuration with the trusted IdP's JWK Set file replaced.
fn validator_with_idp_jwks(toml: String, jwks: &Value) -> ConfigFiles {
    ConfigFiles {
        toml,
        files: [
            ("idp.jwks", jwks.to_string()),
            ("other-idp.jwks", other_idp_jwks().to_string()),
            ("as.jwks", as_jwks().to_string()),
        ]
        .into_iter()
        .map(|(name, text)| (name.to_owned(), text))
        .collect(),
    }
}

/// The A09 JWK Set: idp-ec, and idp-rsa pinned to `alg`.
fn a09_jwks(alg: &str) -> Value {
    let k = keys();
    json!({"keys": [
        ec_jwk(&k.idp_ec, "idp-ec", json!({})),
        rsa_jwk(&k.idp_rsa, "idp-rsa", json!({"alg": alg})),
    ]})
}

/// The K13 variants: (config suffix, members merged into idp-ec).
fn k13_variants() -> Vec<(&'static str, Value)> {
    vec![
        ("use-enc", json!({"use": "enc"})),
        ("use-uppercase-sig", json!({"use": "SIG"})),
        ("ops-encrypt", json!({"key_ops": ["encrypt", "wrapKey"]})),
        ("ops-sign", json!({"key_ops": ["sign"]})),
        ("ops-empty", json!({"key_ops": []})),
    ]
}

/// Extra configurations these cases need (name, files), beyond the suite's shared ones.
pub(super) fn configs() -> Vec<(String, ConfigFiles)> {
    let k = keys();
    let mut out = vec![
        (
            "jose-a09-rs256".to_owned(),
            validator_with_idp_jwks(validator_toml(), &a09_jwks("RS256")),
        ),
        (
            "jose-a09-ps256".to_owned(),
            validator_with_idp_jwks(validator_toml(), &a09_jwks("PS256")),
        ),
        (
            // The trusted IdP allows ES256 only (its RSA key has no `alg`).
            "jose-k12-es256-only".to_owned(),
            validator_with_idp_jwks(
                validator_toml().replacen(
                    r#"algorithms = ["ES256", "RS256", "PS256"]"#,
                    r#"algorithms = ["ES256"]"#,
                    1,
                ),
                &idp_jwks(),
            ),
        ),
    ];
    for (suffix, extra) in k13_variants() {
        let jwks = json!({"keys": [
            ec_jwk(&k.idp_ec, "idp-ec", extra),
            ec_jwk(&k.idp_ec2, "idp-ec-2", json!({})),
            rsa_jwk(&k.idp_rsa, "idp-rsa", json!({})),
        ]});
        out.push((
            format!("jose-k13-{suffix}"),
            validator_with_idp_jwks(validator_toml(), &jwks),
        ));
    }
    out.push((
        "jose-k13-ops-verify".to_owned(),
        validator_with_idp_jwks(
            validator_toml(),
            &json!({"keys": [
                ec_jwk(&k.idp_ec, "idp-ec", json!({"key_ops": ["verify"], "use": "sig"})),
            ]}),
        ),
    ));
    out
}

// ---------------------------------------------------------------------------------------
// Helpers (the test side's token surgery, without panics)
// ---------------------------------------------------------------------------------------

fn section(rule: &str) -> &'static str {
    match rule.as_bytes().first() {
        Some(b'S') => "security.md §1 S (structure)",
        Some(b'A') => "security.md §1 A (algorithms)",
        Some(b'K') => "security.md §1 K (keys)",
        Some(b'H') => "security.md §1 H (header)",
        Some(b'T') => "security.md §1 T (typ)",
        _ => "security.md §1 G (signatures)",
    }
}

/// A case whose rule is the id up to the first `-`.
fn case(id: &str, config: &str, title: &str) -> Case {
    let rule = id.split('-').next().unwrap_or(id);
    Case::new(id, section(rule), rule, config, title)
}

/// An ID-JAG presented by the client.
fn jag(minted: Minted, expect: &str) -> Step {
    Step::id_jag(minted, CLIENT, expect)
}

/// An ID-JAG given verbatim.
fn jag_text(token: impl Into<String>, expect: &str) -> Step {
    jag(Minted::verbatim(token), expect)
}

/// An access token.
fn at(minted: Minted, expect: &str) -> Step {
    Step::access_token(minted, expect)
}

/// An access token given verbatim.
fn at_text(token: impl Into<String>, expect: &str) -> Step {
    at(Minted::verbatim(token), expect)
}

/// The JWS layer alone against `jwks` and the IdP's allow-list.
fn jws(minted: &Minted, jwks: &Value, expect: &str) -> Step {
    let mut step = Step::jws(&minted.token, &jwks.to_string(), &ALLOWED, expect);
    step.minted = minted.how.clone();
    step
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .filter_map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// The three segments of a compact token (empty strings for missing ones).
fn parts(token: &str) -> (String, String, String) {
    let mut it = token.splitn(3, '.');
    let mut next = || it.next().unwrap_or_default().to_owned();
    let h = next();
    let p = next();
    let s = next();
    (h, p, s)
}

/// The decoded signature bytes.
fn sig_of(minted: &Minted) -> Vec<u8> {
    unb64(&parts(&minted.token).2).unwrap_or_default()
}

/// The signing input of a token.
fn signing_input(minted: &Minted) -> String {
    let (h, p, _) = parts(&minted.token);
    format!("{h}.{p}")
}

/// The same signing input with these signature bytes (`what` says which, for `--explain`).
fn with_sig(minted: &Minted, sig: &[u8], what: &str) -> Minted {
    let (h, p, _) = parts(&minted.token);
    let mut how = minted.how.clone();
    if let Some(Value::Object(fields)) = how.as_mut() {
        fields.insert("signed".into(), json!(what));
    }
    Minted {
        token: format!("{h}.{p}.{}", b64(sig)),
        how,
    }
}

/// Mints over exact header and payload BYTES (not necessarily UTF-8), ES256 with idp-ec.
fn mint_bytes(header: &[u8], payload: &[u8]) -> Minted {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = sign(&input, &Signer::Es256(&keys().idp_ec));
    Minted {
        token: format!("{input}.{}", b64(&sig)),
        how: Some(json!({
            "header (lossy UTF-8)": String::from_utf8_lossy(header),
            "payload (lossy UTF-8)": String::from_utf8_lossy(payload),
            "signed": "ES256 with idp-ec",
        })),
    }
}

/// The baseline ID-JAG with header changes merged in (null removes), signed by idp-ec.
fn jag_header(jti: &str, changes: Value) -> Minted {
    let mut header = id_jag_header();
    merge(&mut header, changes);
    mint(&header, &id_jag_claims(jti), Signer::Es256(&keys().idp_ec))
}

/// The baseline ID-JAG claims under this exact header text, signed by idp-ec.
fn jag_raw_header(jti: &str, header: &str) -> Minted {
    mint_raw(
        header,
        &id_jag_claims(jti).to_string(),
        Signer::Es256(&keys().idp_ec),
    )
}

/// The baseline ID-JAG header over this exact payload text, signed by idp-ec.
fn jag_raw_payload(payload: &str) -> Minted {
    mint_raw(
        &id_jag_header().to_string(),
        payload,
        Signer::Es256(&keys().idp_ec),
    )
}

/// An ID-JAG signed by idp-ec with a header naming `kid`.
fn jag_with_kid(jti: &str, kid: &str) -> Minted {
    jag_header(jti, json!({"kid": kid}))
}

/// An RS256 ID-JAG signed by idp-rsa.
fn jag_rs256(jti: &str) -> Minted {
    mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-rsa"}),
        &id_jag_claims(jti),
        Signer::Rs256(&keys().idp_rsa),
    )
}

/// A PS256 ID-JAG signed by idp-rsa.
fn jag_ps256(jti: &str) -> Minted {
    mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "PS256", "kid": "idp-rsa"}),
        &id_jag_claims(jti),
        Signer::Ps256(&keys().idp_rsa),
    )
}

/// The baseline access token with header changes merged in, signed by as-ec.
fn at_header_with(changes: Value) -> Minted {
    let mut header = at_header();
    merge(&mut header, changes);
    mint(&header, &at_claims(), Signer::Es256(&keys().as_ec))
}

/// A token signed by `key` with this header over the baseline ID-JAG claims.
fn jag_signed(header: Value, jti: &str, key: &SigningKey) -> Minted {
    mint(&header, &id_jag_claims(jti), Signer::Es256(key))
}

fn attacker_jwk() -> Value {
    ec_jwk(&keys().attacker, "attacker", json!({}))
}

/// The IdP's baseline keys plus `extra`.
fn idp_jwks_plus(extra: Value) -> Value {
    let mut set = idp_jwks();
    if let Some(list) = set.get_mut("keys").and_then(Value::as_array_mut) {
        list.push(extra);
    }
    set
}

/// Big-endian `a - b` (a ≥ b), same width.
fn sub(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b.get(i).copied().unwrap_or(0)) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = u8::try_from(d).unwrap_or_default();
    }
    out
}

/// Big-endian `a + b`, same width; `None` on overflow.
fn add(a: &[u8], b: &[u8]) -> Option<Vec<u8>> {
    let mut out = a.to_vec();
    let mut carry = 0u16;
    for i in (0..out.len()).rev() {
        let v = u16::from(out[i]) + u16::from(b.get(i).copied().unwrap_or(0)) + carry;
        out[i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
    (carry == 0).then_some(out)
}

/// Minimal DER INTEGER for a big-endian unsigned value.
fn der_int(v: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    let mut out = vec![0x02, v.len() as u8];
    out.extend(v);
    out
}

/// Standard base64 with padding (for PEM and OpenSSH).
fn std_b64(bytes: &[u8]) -> String {
    let mut s = b64(bytes).replace('-', "+").replace('_', "/");
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    s
}

/// Raw RSA private operation on an encoded message, left-padded to the modulus length.
fn rsa_raw(key: &RsaPrivateKey, em: &[u8]) -> Vec<u8> {
    let m = BigUint::from_bytes_be(em);
    let s = m.modpow(key.d(), key.n()).to_bytes_be();
    let mut out = vec![0u8; key.size().saturating_sub(s.len())];
    out.extend_from_slice(&s);
    out
}

/// EMSA-PKCS1-v1_5 from parts: `00 01 FF.. 00 || prefix || hash || trailer`, left padded
/// with zero bytes to `k` when `ff_count` is short.
fn pkcs1_em(ff_count: usize, prefix: &[u8], hash: &[u8], trailer: &[u8], k: usize) -> Vec<u8> {
    let mut body = vec![0x01];
    body.extend(vec![0xffu8; ff_count]);
    body.push(0x00);
    body.extend_from_slice(prefix);
    body.extend_from_slice(hash);
    body.extend_from_slice(trailer);
    let mut em = vec![0u8; k.saturating_sub(body.len())];
    em.extend(body);
    em
}

/// The last character of an unpadded base64url value changed so its unused trailing bits
/// are non-zero (the same bytes, non-canonically encoded); `None` when it has none.
fn non_canonical(text: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *text.as_bytes().last()?;
    let index = ALPHABET.iter().position(|c| *c == last)?;
    let unused_mask = match text.len() % 4 {
        2 => 0x0f,
        3 => 0x03,
        _ => return None,
    };
    if index & unused_mask != 0 {
        return None;
    }
    let mut out = text[..text.len() - 1].to_owned();
    out.push(char::from(ALPHABET[index | 1]));
    Some(out)
}

/// A JWK Set case for a bad key (K14–K22): the bad key next to the IdP's good keys is
/// dropped (a token naming it: `key_not_found`) while the good keys still verify; alone it
/// leaves no usable key (`key_rejected`); its well-formed `twin`, if any, verifies `token`.
fn bad_key_case(id: &str, title: &str, bad: &Value, token: &Minted, twin: Option<Value>) -> Case {
    let control = id_jag("fetched-control", json!({}));
    let mut c = case(id, "validator", title)
        .step(jws(token, &idp_jwks_plus(bad.clone()), "key_not_found"))
        .step(jws(
            &control,
            &idp_jwks_plus(bad.clone()),
            "signature-valid",
        ))
        .step(jws(token, &json!({"keys": [bad]}), "key_rejected"));
    if let Some(twin) = twin {
        c = c.step(jws(token, &idp_jwks_plus(twin), "signature-valid"));
    }
    c
}

// ---------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------

/// The cases.
pub(super) fn cases() -> Vec<Case> {
    [
        structure(),
        algorithms(),
        keys_rows(),
        header(),
        typ(),
        signatures(),
    ]
    .concat()
}

/// S: structure and encoding.
fn structure() -> Vec<Case> {
    let mut out = Vec::new();
    let v = "validator";

    out.push(
        case("S01", v, "empty string as an ID-JAG: malformed").step(jag_text("", "malformed")),
    );
    out.push(
        case("S01-b", v, "empty string as an access token: malformed")
            .step(at_text("", "malformed")),
    );

    let (h, p, _) = parts(&id_jag("s02", json!({})).token);
    out.push(
        case(
            "S02",
            v,
            "two segments (h.p, and h p with no separator): malformed",
        )
        .step(jag_text(format!("{h}.{p}"), "malformed"))
        .step(jag_text(format!("{h}{p}"), "malformed")),
    );
    let (ah, ap, _) = parts(&access_token(json!({})).token);
    out.push(
        case("S02-b", v, "access token with two segments: malformed")
            .step(at_text(format!("{ah}.{ap}"), "malformed")),
    );

    let token = id_jag("s03", json!({})).token;
    out.push(
        case(
            "S03",
            v,
            "trailing dot, four segments, two tokens joined: malformed",
        )
        .step(jag_text(format!("{token}."), "malformed"))
        .step(jag_text(format!("{token}.x"), "malformed"))
        .step(jag_text(format!("{token}.{token}"), "malformed")),
    );
    out.push(
        case("S03-b", v, "access token with a trailing dot: malformed").step(at_text(
            format!("{}.", access_token(json!({})).token),
            "malformed",
        )),
    );

    let (h, p, s) = parts(&id_jag("s04", json!({})).token);
    out.push(
        case(
            "S04",
            v,
            "missing header or payload segment (.p.s, h..s): malformed",
        )
        .step(jag_text(format!(".{p}.{s}"), "malformed"))
        .step(jag_text(format!("{h}..{s}"), "malformed")),
    );
    out.push(
        case(
            "S04-b",
            v,
            "a signed empty payload is not a JWT claims set: malformed",
        )
        .step(jag(
            mint_raw(
                &id_jag_header().to_string(),
                "",
                Signer::Es256(&keys().idp_ec),
            ),
            "malformed",
        )),
    );

    let jwe_header = b64(br#"{"alg":"RSA-OAEP","enc":"A256GCM","typ":"oauth-id-jag+jwt"}"#);
    let jwe = format!(
        "{jwe_header}.{}.{}.{}.{}",
        b64(&[7u8; 256]),
        b64(&[1u8; 12]),
        b64(b"ciphertext"),
        b64(&[2u8; 16])
    );
    out.push(
        case(
            "S05",
            v,
            "five-segment JWE compact token as an ID-JAG: malformed",
        )
        .step(jag_text(jwe.clone(), "malformed")),
    );
    out.push(
        case(
            "S05-b",
            v,
            "five-segment JWE compact token as an access token: malformed",
        )
        .step(at_text(jwe, "malformed")),
    );

    let (h, p, s) = parts(&id_jag("s06", json!({})).token);
    let general = json!({"payload": p, "signatures": [{"protected": h, "signature": s}]});
    let flattened = json!({"payload": p, "protected": h, "signature": s});
    out.push(
        case(
            "S06",
            v,
            "JWS JSON serialization, general and flattened: malformed",
        )
        .step(jag_text(general.to_string(), "malformed"))
        .step(jag_text(flattened.to_string(), "malformed")),
    );
    let forged = b64(id_jag_claims("s06-forged").to_string().as_bytes());
    out.push(
        case(
            "S06-b",
            v,
            "compact/JSON polyglot (python-jwt CVE-2022-39227): malformed",
        )
        .step(jag_text(
            format!(
                r#"{{"{h}.{p}.":"","protected":"{h}","payload":"{forged}","signature":"{s}"}}"#
            ),
            "malformed",
        )),
    );

    // 64 KiB: eight times the 8 KiB token cap, enough to show the cap acts before any work
    // (the Rust catalog test uses 1 MiB; the vectors stay small).
    let flood = ".".repeat(64 << 10);
    out.push(
        case(
            "S07",
            v,
            "64 KiB of dots, bare and after `Bearer `: limit_exceeded",
        )
        .step(jag_text(flood.clone(), "limit_exceeded"))
        .step(jag_text(format!("Bearer {flood}"), "limit_exceeded")),
    );
    out.push(
        case(
            "S07-b",
            v,
            "64 KiB of dots as an access token: limit_exceeded",
        )
        .step(at_text(flood, "limit_exceeded")),
    );
    out.push(
        case(
            "S07-c",
            v,
            "4000 dots, within the size cap: malformed (shape check)",
        )
        .step(jag_text(".".repeat(4000), "malformed")),
    );

    let (h, p, _) = parts(&id_jag("s08", json!({})).token);
    out.push(
        case(
            "S08",
            v,
            "signature segment of 64 KiB of non-base64url: limit_exceeded",
        )
        .step(jag_text(
            format!("{h}.{p}.{}", "!".repeat(64 << 10)),
            "limit_exceeded",
        )),
    );
    out.push(
        case("S08-b", v, "header segment of 64 KiB: limit_exceeded").step(jag_text(
            format!("{}.{p}.AA", "A".repeat(64 << 10)),
            "limit_exceeded",
        )),
    );
    let padded = |n: usize| id_jag("s08", json!({"pad": "x".repeat(n)}));
    let mut n = 4000;
    while padded(n + 1).token.len() <= 8192 {
        n += 1;
    }
    out.push(
        case(
            "S08-c",
            v,
            "the largest real token at or under 8 KiB is valid, one byte more is limit_exceeded",
        )
        .step(jag(padded(n), "valid"))
        .step(jag(padded(n + 1), "limit_exceeded")),
    );

    let pad = |seg: &str| {
        let mut seg = seg.to_owned();
        seg.push('=');
        while !seg.len().is_multiple_of(4) {
            seg.push('=');
        }
        seg
    };
    let (h, p, s) = parts(&id_jag("s09", json!({})).token);
    out.push(
        case(
            "S09",
            v,
            "`=` padding on the header, payload or signature segment: malformed",
        )
        .step(jag_text(format!("{}.{p}.{s}", pad(&h)), "malformed"))
        .step(jag_text(format!("{h}.{}.{s}", pad(&p)), "malformed"))
        .step(jag_text(format!("{h}.{p}.{}", pad(&s)), "malformed")),
    );
    let (ah, ap, asig) = parts(&access_token(json!({})).token);
    out.push(
        case(
            "S09-b",
            v,
            "access token with a padded signature segment: malformed",
        )
        .step(at_text(format!("{ah}.{ap}.{}", pad(&asig)), "malformed")),
    );

    let (h, p, s) = parts(&id_jag("s10", json!({})).token);
    let mut c = case(
        "S10",
        v,
        "`+` `/` `\\` `!` `%` `=` inside the signature or payload segment: malformed",
    );
    for bad in ['+', '/', '\\', '!', '%', '='] {
        let replace_at = |seg: &str, at: usize| {
            let mut bytes = seg.as_bytes().to_vec();
            if let Some(b) = bytes.get_mut(at) {
                *b = bad as u8;
            }
            String::from_utf8(bytes).unwrap_or_default()
        };
        c = c
            .step(jag_text(
                format!("{h}.{p}.{}", replace_at(&s, 10)),
                "malformed",
            ))
            .step(jag_text(
                format!("{h}.{}.{s}", replace_at(&p, 5)),
                "malformed",
            ));
    }
    out.push(c);
    let token = id_jag("s10-std", json!({})).token;
    let standard = token.replace('-', "+").replace('_', "/");
    if standard != token {
        out.push(
            case(
                "S10-b",
                v,
                "the whole token in the standard base64 alphabet (jsrsasign CVE-2022-25898): malformed",
            )
            .step(jag_text(standard, "malformed")),
        );
    }

    let (h, p, s) = parts(&id_jag("s12", json!({})).token);
    let cut = |seg: &str| {
        let mut len = seg.len();
        while len % 4 != 1 && len > 0 {
            len -= 1;
        }
        seg[..len].to_owned()
    };
    out.push(
        case("S12", v, "a segment whose length is 1 mod 4: malformed")
            .step(jag_text(format!("{}.{p}.{s}", cut(&h)), "malformed"))
            .step(jag_text(format!("{h}.{}.{s}", cut(&p)), "malformed"))
            .step(jag_text(format!("{h}.{p}.{}", cut(&s)), "malformed"))
            .step(jag_text(format!("{h}.{p}.{s}AAA"), "malformed")),
    );

    let token = id_jag("s13", json!({})).token;
    let (h, p, s) = parts(&token);
    let mut c = case(
        "S13",
        v,
        "whitespace, CR/LF, tab inside or around the token, or a `Bearer ` prefix: malformed",
    );
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
        c = c.step(jag_text(hostile, "malformed"));
    }
    out.push(c);
    out.push(
        case("S13-b", v, "access token with a trailing space: malformed").step(at_text(
            format!("{} ", access_token(json!({})).token),
            "malformed",
        )),
    );

    let token = id_jag("s14", json!({})).token;
    let (h, p, s) = parts(&token);
    out.push(
        case(
            "S14",
            v,
            "non-ASCII characters (é, U+2024 for a dot, fullwidth letter, BOM): malformed",
        )
        .step(jag_text(format!("{token}é"), "malformed"))
        .step(jag_text(format!("{h}\u{2024}{p}.{s}"), "malformed"))
        .step(jag_text(
            format!("{h}.{p}.\u{ff21}{}", &s[1..]),
            "malformed",
        ))
        .step(jag_text(format!("\u{feff}{token}"), "malformed")),
    );

    let header = id_jag_header().to_string();
    let payload = id_jag_claims("s15").to_string();
    let mut bad_header = header.clone().into_bytes();
    let pos = bad_header.len() - 3;
    bad_header.insert(pos, 0xff);
    let bad_payload: Vec<u8> = payload
        .replacen("U019488227", "U01\u{1}", 1)
        .into_bytes()
        .into_iter()
        .flat_map(|b| if b == 1 { vec![0xc0, 0xaf] } else { vec![b] })
        .collect();
    out.push(
        case(
            "S15",
            v,
            "header or payload bytes not valid UTF-8 (0xFF, overlong '/', lone surrogate escape): malformed",
        )
        .step(jag(mint_bytes(&bad_header, payload.as_bytes()), "malformed"))
        .step(jag(mint_bytes(header.as_bytes(), &bad_payload), "malformed"))
        .step(jag(
            jag_raw_payload(&payload.replacen("U019488227", "U\\ud800", 1)),
            "malformed",
        )),
    );

    let mut c = case(
        "S17",
        v,
        "header JSON is not an object ([], \"x\", null, 1, true, [{..}]): malformed",
    );
    for header in ["[]", "\"x\"", "null", "1", "true", "[{\"alg\":\"ES256\"}]"] {
        c = c.step(jag(jag_raw_header("s17", header), "malformed"));
    }
    out.push(c);
    let mut c = case(
        "S17-b",
        v,
        "claims set JSON is not an object ([], \"x\", null, 1): malformed",
    );
    for payload in ["[]", "\"x\"", "null", "1"] {
        c = c.step(jag(jag_raw_payload(payload), "malformed"));
    }
    out.push(c);

    let mut c = case(
        "S18",
        v,
        "duplicate member in the header (alg, kid, typ; also spelled with an escape): malformed",
    );
    for header in [
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","alg":"none"}"#,
        r#"{"typ":"oauth-id-jag+jwt","alg":"none","kid":"idp-ec","alg":"ES256"}"#,
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","alg":"ES256"}"#,
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"attacker","kid":"idp-ec"}"#,
        r#"{"typ":"JWT","alg":"ES256","kid":"idp-ec","typ":"oauth-id-jag+jwt"}"#,
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","\u0061lg":"ES256"}"#,
    ] {
        c = c.step(jag(jag_raw_header("s18", header), "malformed"));
    }
    out.push(c);
    out.push(
        case(
            "S18-b",
            v,
            "access token with a duplicate alg in the header: malformed",
        )
        .step(at(
            mint_raw(
                r#"{"typ":"at+jwt","alg":"ES256","kid":"as-ec","alg":"ES256"}"#,
                &at_claims().to_string(),
                Signer::Es256(&keys().as_ec),
            ),
            "malformed",
        )),
    );

    let base = id_jag_claims("s19").to_string();
    let with = |extra: &str| format!("{},{extra}}}", &base[..base.len() - 1]);
    let mut c = case(
        "S19",
        v,
        "duplicate claim in the payload (exp, aud, iss, client_id, jti twice): malformed",
    );
    for extra in [
        format!(r#""exp":{}"#, NOW + 100_000),
        format!(r#""exp":{}"#, NOW + 290),
        r#""aud":"https://evil.example.com""#.to_owned(),
        format!(r#""aud":"{AS_ISSUER}""#),
        r#""iss":"https://evil.example.com""#.to_owned(),
        r#""client_id":"someone-else""#.to_owned(),
        r#""jti":"s19-other""#.to_owned(),
    ] {
        c = c.step(jag(jag_raw_payload(&with(&extra)), "malformed"));
    }
    out.push(c);
    out.push(
        case(
            "S19-b",
            v,
            "control: the same claims text with a new, distinct member is valid",
        )
        .step(jag(jag_raw_payload(&with(r#""s19_extra":1"#)), "valid")),
    );
    let at_base = at_claims().to_string();
    let at_dup = format!(
        "{},\"aud\":\"{OTHER_RESOURCE}\"}}",
        &at_base[..at_base.len() - 1]
    );
    out.push(
        case(
            "S19-c",
            v,
            "access token with aud twice: malformed (strict claims parse)",
        )
        .step(at(
            mint_raw(
                &at_header().to_string(),
                &at_dup,
                Signer::Es256(&keys().as_ec),
            ),
            "malformed",
        )),
    );

    let nested = |depth: usize, closed: bool| {
        let mut s = "[".repeat(depth);
        if closed {
            s.push_str(&"]".repeat(depth));
        }
        s
    };
    out.push(
        case(
            "S20",
            v,
            "5000 unclosed `[` in a header member: limit_exceeded",
        )
        .step(jag(
            jag_raw_header(
                "s20-a",
                &format!(
                    r#"{{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","x":{}"#,
                    nested(5000, false)
                ),
            ),
            "limit_exceeded",
        )),
    );
    out.push(
        case(
            "S20-b",
            v,
            "20 closed nested arrays in a header member: limit_exceeded",
        )
        .step(jag(
            jag_raw_header(
                "s20-b",
                &format!(
                    r#"{{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","x":{}}}"#,
                    nested(20, true)
                ),
            ),
            "limit_exceeded",
        )),
    );
    let claims = id_jag_claims("s20-c").to_string();
    out.push(
        case("S20-c", v, "4000 unclosed `[` in a claim: limit_exceeded").step(jag(
            jag_raw_payload(&format!(
                "{},\"x\":{}}}",
                &claims[..claims.len() - 1],
                nested(4000, false)
            )),
            "limit_exceeded",
        )),
    );
    out.push(
        case(
            "S20-d",
            v,
            "control: 8 nested arrays in an unknown header member are valid",
        )
        .step(jag(
            jag_raw_header(
                "s20-ok",
                &format!(
                    r#"{{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","x":{}}}"#,
                    nested(8, true)
                ),
            ),
            "valid",
        )),
    );
    out.push(
        case(
            "S20-e",
            v,
            "access token with 3000 unclosed `[` in a claim: limit_exceeded",
        )
        .step(at(
            mint_raw(
                &at_header().to_string(),
                &format!(
                    "{},\"x\":{}}}",
                    &at_base[..at_base.len() - 1],
                    nested(3000, false)
                ),
                Signer::Es256(&keys().as_ec),
            ),
            "limit_exceeded",
        )),
    );

    let mut wide = id_jag_header();
    for i in 0..150 {
        wide[format!("m{i}")] = json!("v");
    }
    let mut claims = id_jag_claims("s22");
    claims["long"] = json!("L".repeat(2500));
    out.push(
        case(
            "S22",
            v,
            "150 header members and a 2500-character claim within the size cap: valid",
        )
        .step(jag(
            mint(&wide, &claims, Signer::Es256(&keys().idp_ec)),
            "valid",
        )),
    );
    merge(&mut wide, json!({"m149": null}));
    wide["jku"] = json!("https://attacker.example/jwks");
    out.push(
        case(
            "S22-b",
            v,
            "the same width with a jku member is judged on content: header_forbidden",
        )
        .step(jag(
            mint(&wide, &claims, Signer::Es256(&keys().idp_ec)),
            "header_forbidden",
        )),
    );
    out
}

/// A: algorithms.
fn algorithms() -> Vec<Case> {
    let mut out = Vec::new();
    let v = "validator";
    let k = keys();

    let (h, p, _) = parts(&jag_header("a01", json!({"alg": "none"})).token);
    out.push(
        case(
            "A01",
            v,
            "alg none with an empty signature: alg_not_allowed",
        )
        .step(jag_text(format!("{h}.{p}."), "alg_not_allowed"))
        .step(jag(
            mint_raw(
                r#"{"typ":"oauth-id-jag+jwt","alg":"none"}"#,
                &id_jag_claims("a01-b").to_string(),
                Signer::Raw(Vec::new()),
            ),
            "alg_not_allowed",
        )),
    );
    out.push(
        case(
            "A01-b",
            v,
            "access token with alg none and no signature: alg_not_allowed",
        )
        .step(at(
            mint(
                &json!({"typ": "at+jwt", "alg": "none"}),
                &at_claims(),
                Signer::Raw(Vec::new()),
            ),
            "alg_not_allowed",
        )),
    );

    let mut c = case(
        "A02",
        v,
        "alg None, NONE, nOnE, \"none \", \" none\" (empty signature): alg_not_allowed",
    );
    for alg in ["None", "NONE", "nOnE", "none ", " none"] {
        let token = jag_header("a02", json!({"alg": alg}));
        c = c.step(jag(
            with_sig(&token, &[], "empty signature"),
            "alg_not_allowed",
        ));
    }
    out.push(c);
    let mut c = case(
        "A02-b",
        v,
        "exact allow-list: a genuine ES256 signature under es256, Es256, \"ES256 \", \"ES256\\0\": alg_not_allowed",
    );
    for alg in ["es256", "Es256", "ES256 ", "ES256\u{0}"] {
        c = c.step(jag(
            jag_header("a02-es", json!({"alg": alg})),
            "alg_not_allowed",
        ));
    }
    out.push(c);

    let token = jag_header("a03", json!({"alg": "none"}));
    out.push(
        case(
            "A03",
            v,
            "alg none with a non-empty signature (a genuine ES256 one, or garbage): alg_not_allowed",
        )
        .step(jag(token.clone(), "alg_not_allowed"))
        .step(jag(with_sig(&token, b"garbage", "the bytes \"garbage\""), "alg_not_allowed")),
    );

    let mut c = case(
        "A04",
        v,
        "alg null, a number, an array, an object, a boolean, or missing: malformed",
    );
    for alg in [
        Value::Null,
        json!(256),
        json!(["ES256"]),
        json!({"name": "ES256"}),
        json!(true),
    ] {
        let header = json!({"typ": "oauth-id-jag+jwt", "alg": alg, "kid": "idp-ec"});
        c = c.step(jag(jag_raw_header("a04", &header.to_string()), "malformed"));
    }
    c = c.step(jag(
        jag_header("a04-missing", json!({"alg": null})),
        "malformed",
    ));
    out.push(c);
    out.push(
        case("A04-b", v, "access token without alg: malformed")
            .step(at(at_header_with(json!({"alg": null})), "malformed")),
    );

    // A05: HS256 keyed with the issuer's public key in every common form.
    let point = k.idp_ec.verifying_key().to_encoded_point(false);
    let sec1 = point.as_bytes().to_vec();
    let mut spki = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
    spki.extend_from_slice(&sec1);
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        std_b64(&spki)
    );
    let ssh_blob: Vec<u8> = [&b"ecdsa-sha2-nistp256"[..], b"nistp256", &sec1]
        .iter()
        .flat_map(|field| {
            let mut out = u32::try_from(field.len())
                .unwrap_or_default()
                .to_be_bytes()
                .to_vec();
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
        ("x", point.x().map(|x| x.to_vec()).unwrap_or_default()),
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
    let mut c = case(
        "A05",
        v,
        "HS256 MAC keyed with the IdP's public key (OpenSSH, JWK, JWK Set, SEC1, x, SPKI DER, PEM, RSA n, RSA JWK): alg_not_allowed",
    );
    for (what, secret) in &secrets {
        for kid in ["idp-ec", "idp-rsa"] {
            let header = json!({"typ": "oauth-id-jag+jwt", "alg": "HS256", "kid": kid});
            let unsigned = mint(&header, &id_jag_claims("a05"), Signer::Raw(Vec::new()));
            let mac = hmac_sha256(secret, signing_input(&unsigned).as_bytes());
            c = c.step(jag(
                with_sig(
                    &unsigned,
                    &mac,
                    &format!("HMAC-SHA256 keyed with the {what}"),
                ),
                "alg_not_allowed",
            ));
        }
    }
    out.push(c);
    let as_jwk = ec_jwk(&k.as_ec, "as-ec", json!({"alg": "ES256"})).to_string();
    let unsigned = mint(
        &json!({"typ": "at+jwt", "alg": "HS256", "kid": "as-ec"}),
        &at_claims(),
        Signer::Raw(Vec::new()),
    );
    let mac = hmac_sha256(as_jwk.as_bytes(), signing_input(&unsigned).as_bytes());
    out.push(
        case(
            "A05-b",
            v,
            "access token: HS256 MAC keyed with the AS's public JWK: alg_not_allowed",
        )
        .step(at(
            with_sig(&unsigned, &mac, "HMAC-SHA256 keyed with the as-ec JWK text"),
            "alg_not_allowed",
        )),
    );
    out.push(
        case("A05-c", v, "HS384 and HS512: alg_not_allowed")
            .step(jag(
                jag_header("a05-hs", json!({"alg": "HS384"})),
                "alg_not_allowed",
            ))
            .step(jag(
                jag_header("a05-hs", json!({"alg": "HS512"})),
                "alg_not_allowed",
            )),
    );

    out.push(
        case(
            "A07",
            v,
            "RS256 or PS256 naming the EC key idp-ec (kty mismatch): key_rejected",
        )
        .step(jag(
            mint(
                &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-ec"}),
                &id_jag_claims("a07"),
                Signer::Rs256(&k.idp_rsa),
            ),
            "key_rejected",
        ))
        .step(jag(
            mint(
                &json!({"typ": "oauth-id-jag+jwt", "alg": "PS256", "kid": "idp-ec"}),
                &id_jag_claims("a07-ps"),
                Signer::Ps256(&k.idp_rsa),
            ),
            "key_rejected",
        )),
    );
    out.push(
        case(
            "A07-b",
            v,
            "the reverse: ES256 naming the RSA key idp-rsa: key_rejected",
        )
        .step(jag(jag_with_kid("a07-rev", "idp-rsa"), "key_rejected")),
    );

    out.push(
        case(
            "A08",
            v,
            "ES384 and ES512 with a P-256 key: alg_not_allowed (refused at the allow-list, before key selection)",
        )
        .step(jag(jag_header("a08", json!({"alg": "ES384"})), "alg_not_allowed"))
        .step(jag(jag_header("a08", json!({"alg": "ES512"})), "alg_not_allowed")),
    );
    out.push(
        case("A08-b", v, "access token with ES384: alg_not_allowed").step(at(
            at_header_with(json!({"alg": "ES384"})),
            "alg_not_allowed",
        )),
    );

    out.push(
        case(
            "A09",
            "jose-a09-rs256",
            "PS256 while the JWK pins alg RS256: key_rejected; RS256 (control): valid",
        )
        .step(jag(jag_ps256("a09-ps"), "key_rejected"))
        .step(jag(jag_rs256("a09-rs"), "valid")),
    );
    out.push(
        case(
            "A09-b",
            "jose-a09-ps256",
            "RS256 while the JWK pins alg PS256: key_rejected; PS256 (control): valid",
        )
        .step(jag(jag_rs256("a09-rs"), "key_rejected"))
        .step(jag(jag_ps256("a09-ps"), "valid")),
    );

    let mut c = case(
        "A10",
        v,
        "EdDSA, ES256K, PS512, RS512, PS384, Ed25519 (not in the issuer's allow-list): alg_not_allowed",
    );
    for alg in ["EdDSA", "ES256K", "PS512", "RS512", "PS384", "Ed25519"] {
        c = c.step(jag(
            jag_header("a10", json!({"alg": alg})),
            "alg_not_allowed",
        ));
    }
    out.push(c);
    let mut claims = id_jag_claims("a10-other");
    claims["iss"] = json!(OTHER_IDP);
    out.push(
        case(
            "A10-b",
            v,
            "RS256 from the second IdP, which allows ES256 only (per-issuer allow-list): alg_not_allowed",
        )
        .step(jag(
            mint(
                &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "other-ec"}),
                &claims,
                Signer::Rs256(&k.idp_rsa),
            ),
            "alg_not_allowed",
        )),
    );
    out.push(
        case(
            "A10-c",
            v,
            "access token with RS256 (the resource server allows ES256 only): alg_not_allowed",
        )
        .step(at(
            mint(
                &json!({"typ": "at+jwt", "alg": "RS256", "kid": "as-ec"}),
                &at_claims(),
                Signer::Rs256(&k.idp_rsa),
            ),
            "alg_not_allowed",
        )),
    );

    let mut c = case(
        "A11",
        v,
        "JWE key-management algs (PBES2-*, RSA1_5, RSA-OAEP, dir, ECDH-ES*, A128KW): alg_not_allowed",
    );
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
        c = c.step(jag(
            jag_header("a11", json!({"alg": alg})),
            "alg_not_allowed",
        ));
    }
    out.push(c);
    out
}

/// K: keys.
fn keys_rows() -> Vec<Case> {
    let mut out = Vec::new();
    let v = "validator";
    let k = keys();

    let mut c = case(
        "K01",
        v,
        "embedded jwk header carrying the attacker's key (kid attacker or idp-ec): header_forbidden",
    );
    for kid in ["attacker", "idp-ec"] {
        let mut header = id_jag_header();
        header["kid"] = json!(kid);
        header["jwk"] = attacker_jwk();
        c = c.step(jag(
            jag_signed(header, "k01", &k.attacker),
            "header_forbidden",
        ));
    }
    out.push(c);
    out.push(
        case(
            "K01-b",
            v,
            "embedded jwk header carrying the TRUSTED key, genuine signature: header_forbidden",
        )
        .step(jag(
            jag_header(
                "k01-trusted",
                json!({"jwk": ec_jwk(&k.idp_ec, "idp-ec", json!({}))}),
            ),
            "header_forbidden",
        )),
    );
    let mut header = at_header();
    header["jwk"] = attacker_jwk();
    out.push(
        case(
            "K01-c",
            v,
            "access token with an embedded attacker jwk: header_forbidden",
        )
        .step(at(
            mint(&header, &at_claims(), Signer::Es256(&k.attacker)),
            "header_forbidden",
        )),
    );

    let mut c = case(
        "K02",
        v,
        "jku header (attacker URL, file:, metadata IP, the IdP's own URL): header_forbidden",
    );
    for jku in [
        "https://attacker.example/jwks.json",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://idp.example.com/jwks",
    ] {
        let mut header = id_jag_header();
        header["jku"] = json!(jku);
        header["kid"] = json!("attacker");
        c = c.step(jag(
            jag_signed(header, "k02", &k.attacker),
            "header_forbidden",
        ));
    }
    out.push(c);

    let cert = std_b64(b"not really a certificate");
    let mut c = case(
        "K03",
        v,
        "x5u URL, or x5c with one, two or no certificates: header_forbidden",
    );
    for extra in [
        json!({"x5u": "https://attacker.example/cert.pem"}),
        json!({"x5c": [cert.clone()]}),
        json!({"x5c": [cert.clone(), cert]}),
        json!({"x5c": []}),
    ] {
        c = c.step(jag(jag_header("k03", extra), "header_forbidden"));
    }
    out.push(c);

    out.push(
        case("K04", v, "x5t and x5t#S256 are tolerated as hints: valid").step(jag(
            jag_header(
                "k04",
                json!({"x5t": "dGh1bWJwcmludA", "x5t#S256": "c2hhMjU2LXRodW1icHJpbnQ"}),
            ),
            "valid",
        )),
    );
    let mut header = id_jag_header();
    header["x5t#S256"] = json!("c2hhMjU2LXRodW1icHJpbnQ");
    out.push(
        case(
            "K04-b",
            v,
            "x5t#S256 never selects a key: the attacker's signature is still signature_invalid",
        )
        .step(jag(
            jag_signed(header, "k04-attacker", &k.attacker),
            "signature_invalid",
        )),
    );

    let mut c = case(
        "K05",
        v,
        "kid as a path or URL (../../../dev/null, /etc/passwd, file:, #fragment): key_not_found",
    );
    for kid in [
        "../../../dev/null",
        "/etc/passwd",
        "/dev/null",
        "file:///dev/null",
        "https://idp.example.com/jwks#idp-ec",
        "idp-ec/../idp-ec",
        "./idp-ec",
    ] {
        c = c.step(jag(jag_with_kid("k05", kid), "key_not_found"));
    }
    out.push(c);

    let mut c = case(
        "K06",
        v,
        "kid with SQL, CRLF, JNDI, NUL injection or a case/space variant of a real kid: key_not_found",
    );
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
        c = c.step(jag(jag_with_kid("k06", kid), "key_not_found"));
    }
    out.push(c);

    let mut c = case(
        "K07",
        v,
        "kid not a string ({\"$ne\":null}, 123, [], [\"idp-ec\"], true, null): malformed",
    );
    for kid in [
        json!({"$ne": null}),
        json!(123),
        json!([]),
        json!(["idp-ec"]),
        json!(true),
    ] {
        c = c.step(jag(jag_header("k07", json!({"kid": kid})), "malformed"));
    }
    c = c.step(jag(
        jag_raw_header(
            "k07-null",
            r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":null}"#,
        ),
        "malformed",
    ));
    out.push(c);

    out.push(
        case("K08", v, "kid of 257 and 4000 bytes: limit_exceeded")
            .step(jag(jag_with_kid("k08", &"k".repeat(257)), "limit_exceeded"))
            .step(jag(
                jag_with_kid("k08", &"k".repeat(4000)),
                "limit_exceeded",
            )),
    );
    out.push(
        case(
            "K08-b",
            v,
            "boundary: a 256-byte kid is within the cap (then unknown): key_not_found",
        )
        .step(jag(jag_with_kid("k08", &"k".repeat(256)), "key_not_found")),
    );

    out.push(
        case(
            "K09",
            v,
            "unknown kid, empty kid, another trusted issuer's kid: key_not_found",
        )
        .step(jag(jag_with_kid("k09", "idp-ec-3"), "key_not_found"))
        .step(jag(jag_with_kid("k09", ""), "key_not_found"))
        .step(jag(jag_with_kid("k09", "other-ec"), "key_not_found")),
    );
    out.push(
        case(
            "K09-b",
            v,
            "access token naming the IdP's kid: key_not_found",
        )
        .step(at(
            at_header_with(json!({"kid": "idp-ec"})),
            "key_not_found",
        )),
    );

    out.push(
        case(
            "K10",
            v,
            "no kid while the issuer's set has two ES256 keys: key_ambiguous",
        )
        .step(jag(
            jag_header("k10", json!({"kid": null})),
            "key_ambiguous",
        )),
    );
    let mut claims = id_jag_claims("k10-other");
    claims["iss"] = json!(OTHER_IDP);
    out.push(
        case(
            "K10-b",
            v,
            "control: no kid with an issuer holding a single key: valid",
        )
        .step(jag(
            mint(
                &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256"}),
                &claims,
                Signer::Es256(&k.other_ec),
            ),
            "valid",
        )),
    );
    out.push(
        case(
            "K10-c",
            v,
            "control: no kid with RS256, for which the set has one candidate: valid",
        )
        .step(jag(
            mint(
                &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256"}),
                &id_jag_claims("k10-rs"),
                Signer::Rs256(&k.idp_rsa),
            ),
            "valid",
        )),
    );

    out.push(
        case(
            "K12",
            v,
            "a JWK without use or alg is usable for ES256: valid",
        )
        .step(jag(
            jag_signed(
                json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec-2"}),
                "k12",
                &k.idp_ec2,
            ),
            "valid",
        )),
    );
    out.push(
        case(
            "K12-b",
            v,
            "its alg is derived from kty/crv: RS256 naming that EC key: key_rejected",
        )
        .step(jag(
            mint(
                &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-ec-2"}),
                &id_jag_claims("k12-rs"),
                Signer::Rs256(&k.idp_rsa),
            ),
            "key_rejected",
        )),
    );
    out.push(
        case(
            "K12-c",
            "jose-k12-es256-only",
            "the allow-list still applies: RS256 with an alg-less RSA key, issuer allows ES256 only: alg_not_allowed",
        )
        .step(jag(jag_rs256("k12-allow"), "alg_not_allowed")),
    );

    for ((suffix, extra), id) in k13_variants()
        .into_iter()
        .zip(["K13", "K13-b", "K13-c", "K13-d", "K13-e"])
    {
        out.push(
            case(
                id,
                &format!("jose-k13-{suffix}"),
                &format!("idp-ec with {extra} is excluded from selection: key_not_found"),
            )
            .step(jag(id_jag("k13", json!({})), "key_not_found")),
        );
    }
    out.push(
        case(
            "K13-f",
            "jose-k13-ops-verify",
            "control: idp-ec with key_ops [\"verify\"] and use sig is kept: valid",
        )
        .step(jag(id_jag("k13-ok", json!({})), "valid")),
    );

    // K14: EC points that are not valid P-256 public keys.
    let good = ec_jwk(&k.attacker, "bad-point", json!({}));
    let y = unb64(good["y"].as_str().unwrap_or_default()).unwrap_or_default();
    let p = hex(P_HEX);
    let token = jag_signed(
        json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "bad-point"}),
        "k14",
        &k.attacker,
    );
    let with_member = |name: &str, value: String| {
        let mut j = good.clone();
        j[name] = json!(value);
        j
    };
    let mut k14 = vec![
        (
            "off the curve (y + 1)",
            with_member("y", b64(&add_small(&y, 1))),
        ),
        ("the identity (x = y = 0)", {
            let mut j = with_member("x", b64(&[0u8; 32]));
            j["y"] = json!(b64(&[0u8; 32]));
            j
        }),
        ("x = p", with_member("x", b64(&p))),
    ];
    if let Some(y_plus_p) = add(&y, &p) {
        k14.push((
            "y + p (a non-reduced coordinate)",
            with_member("y", b64(&y_plus_p)),
        ));
    }
    for ((what, bad), id) in k14.into_iter().zip(["K14", "K14-b", "K14-c", "K14-d"]) {
        out.push(bad_key_case(
            id,
            &format!("EC JWK whose point is {what}: dropped from the set, unusable"),
            &bad,
            &token,
            Some(good.clone()),
        ));
    }

    let good = ec_jwk(&k.attacker, "bad-crv", json!({}));
    let token = jag_signed(
        json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "bad-crv"}),
        "k16",
        &k.attacker,
    );
    for (crv, id) in [
        (json!("P-384"), "K16"),
        (json!("secp256k1"), "K16-b"),
        (json!("p-256"), "K16-c"),
        (json!(null), "K16-d"),
    ] {
        let mut bad = good.clone();
        let what = if crv.is_null() {
            "missing".to_owned()
        } else {
            crv.to_string()
        };
        merge(&mut bad, json!({"crv": crv}));
        out.push(bad_key_case(
            id,
            &format!("EC JWK with crv {what}: dropped from the set, unusable"),
            &bad,
            &token,
            Some(good.clone()),
        ));
    }

    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1717);
    if let Ok(weak) = RsaPrivateKey::new(&mut rng, 1024) {
        let bad = rsa_jwk(&weak, "weak-rsa", json!({}));
        let token = mint(
            &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "weak-rsa"}),
            &id_jag_claims("k17"),
            Signer::Rs256(&weak),
        );
        out.push(bad_key_case(
            "K17",
            "RSA JWK with a 1024-bit modulus: dropped from the set, unusable",
            &bad,
            &token,
            None,
        ));
    }
    let mut n = k.idp_rsa.n().to_bytes_be();
    if let Some(top) = n.first_mut() {
        *top = 0x7f;
    }
    let bad = json!({"kty": "RSA", "kid": "rsa-2047", "n": b64(&n), "e": "AQAB"});
    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "rsa-2047"}),
        &id_jag_claims("k17-2047"),
        Signer::Rs256(&k.idp_rsa),
    );
    out.push(bad_key_case(
        "K17-b",
        "boundary: RSA JWK with a 2047-bit modulus: dropped from the set, unusable",
        &bad,
        &token,
        Some(rsa_jwk(&k.idp_rsa, "rsa-2047", json!({}))),
    ));

    let token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "huge"}),
        &id_jag_claims("k19"),
        Signer::Rs256(&k.idp_rsa),
    );
    let twin = rsa_jwk(&k.idp_rsa, "huge", json!({}));
    let mut huge_n = vec![0xc5u8; 513];
    huge_n[512] |= 1;
    out.push(bad_key_case(
        "K19",
        "RSA JWK with a 4104-bit modulus: dropped from the set, unusable",
        &json!({"kty": "RSA", "kid": "huge", "n": b64(&huge_n), "e": "AQAB"}),
        &token,
        Some(twin.clone()),
    ));
    let real_n = b64(&k.idp_rsa.n().to_bytes_be());
    for (e, what, id) in [
        ("0200000001", "2^33 + 1", "K19-b"),
        ("ffffffffffffffff", "2^64 - 1", "K19-c"),
    ] {
        out.push(bad_key_case(
            id,
            &format!(
                "RSA JWK (the real modulus) with exponent {what}: dropped from the set, unusable"
            ),
            &json!({"kty": "RSA", "kid": "huge", "n": real_n, "e": b64(&hex(e))}),
            &token,
            Some(twin.clone()),
        ));
    }

    // K20: private members in a JWK Set.
    let d = b64(&k.attacker.to_bytes());
    let token = jag_signed(
        json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "leaky"}),
        "k20",
        &k.attacker,
    );
    for (member, id) in ["d", "p", "q", "dp", "dq", "qi", "k"]
        .into_iter()
        .zip(["K20", "K20-b", "K20-c", "K20-d", "K20-e", "K20-f", "K20-g"])
    {
        out.push(bad_key_case(
            id,
            &format!(
                "EC JWK carrying the private member {member:?}: dropped from the set, unusable"
            ),
            &ec_jwk(&k.attacker, "leaky", json!({member: d.clone()})),
            &token,
            Some(ec_jwk(&k.attacker, "leaky", json!({}))),
        ));
    }
    let rsa = &k.idp_rsa;
    let primes = rsa.primes();
    let prime = |i: usize| primes.get(i).map(BigUint::to_bytes_be).unwrap_or_default();
    out.push(bad_key_case(
        "K20-h",
        "a full RSA private JWK (d, p, q): dropped from the set, unusable",
        &rsa_jwk(
            rsa,
            "leaky-rsa",
            json!({
                "d": b64(&rsa.d().to_bytes_be()),
                "p": b64(&prime(0)),
                "q": b64(&prime(1)),
            }),
        ),
        &mint(
            &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "leaky-rsa"}),
            &id_jag_claims("k20-rsa"),
            Signer::Rs256(rsa),
        ),
        Some(rsa_jwk(rsa, "leaky-rsa", json!({}))),
    ));

    // K21: a symmetric key in the set.
    let secret = b64(b"attacker-chosen-hmac-secret-32by");
    let es_naming_sym = jag_with_kid("k21-es", "sym");
    for (bad, id, what) in [
        (
            json!({"kty": "oct", "kid": "sym", "k": secret}),
            "K21",
            "kty oct",
        ),
        (
            json!({"kty": "oct", "kid": "sym", "k": secret, "alg": "HS256", "use": "sig"}),
            "K21-b",
            "kty oct, alg HS256, use sig",
        ),
    ] {
        out.push(bad_key_case(
            id,
            &format!("JWK {what}: dropped from the set; an ES256 token naming it: key_not_found"),
            &bad,
            &es_naming_sym,
            None,
        ));
    }
    let unsigned = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "HS256", "kid": "sym"}),
        &id_jag_claims("k21"),
        Signer::Raw(Vec::new()),
    );
    let mac = hmac_sha256(
        b"attacker-chosen-hmac-secret-32by",
        signing_input(&unsigned).as_bytes(),
    );
    let forged = with_sig(
        &unsigned,
        &mac,
        "HMAC-SHA256 keyed with the oct key's secret",
    );
    let oct_set = idp_jwks_plus(json!({"kty": "oct", "kid": "sym", "k": secret}));
    let mut with_hs = Step::jws(
        &forged.token,
        &oct_set.to_string(),
        &["HS256", "ES256"],
        "alg_not_allowed",
    );
    with_hs.minted = forged.how.clone();
    out.push(
        case(
            "K21-c",
            v,
            "HS256 MAC with the oct key's secret, even with HS256 in the allow-list: alg_not_allowed",
        )
        .step(jws(&forged, &oct_set, "alg_not_allowed"))
        .step(with_hs),
    );

    // K22: non-canonical encodings of key members.
    let ec = ec_jwk(&k.attacker, "enc-ec", json!({}));
    let rsa = rsa_jwk(&k.idp_rsa, "enc-rsa", json!({}));
    let x = ec["x"].as_str().unwrap_or_default().to_owned();
    let y = ec["y"].as_str().unwrap_or_default().to_owned();
    let n = rsa["n"].as_str().unwrap_or_default().to_owned();
    let ec_token = jag_signed(
        json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "enc-ec"}),
        "k22-ec",
        &k.attacker,
    );
    let rsa_token = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "enc-rsa"}),
        &id_jag_claims("k22-rsa"),
        Signer::Rs256(&k.idp_rsa),
    );
    let set = |base: &Value, member: &str, value: String| {
        let mut j = base.clone();
        j[member] = json!(value);
        j
    };
    let mut k22: Vec<(&str, Value, bool)> = vec![
        (
            "EC x with `=` padding",
            set(&ec, "x", format!("{x}=")),
            true,
        ),
        (
            "EC y with non-zero unused trailing bits",
            set(&ec, "y", non_canonical(&y).unwrap_or_default()),
            true,
        ),
        (
            "EC x with a trailing space",
            set(&ec, "x", format!("{x} ")),
            true,
        ),
        (
            "EC x of 33 bytes with a leading zero",
            set(
                &ec,
                "x",
                b64(&[&[0u8][..], &unb64(&x).unwrap_or_default()].concat()),
            ),
            true,
        ),
        (
            "RSA e with `=` padding",
            set(&rsa, "e", "AQAB=".into()),
            false,
        ),
        (
            "RSA e as 00 01 00 01 (not the minimal Base64urlUInt)",
            set(&rsa, "e", "AAEAAQ".into()),
            false,
        ),
        (
            "RSA n with a leading zero byte",
            set(
                &rsa,
                "n",
                b64(&[&[0u8][..], &unb64(&n).unwrap_or_default()].concat()),
            ),
            false,
        ),
        (
            "RSA n in the padded standard alphabet",
            set(&rsa, "n", n.replace('-', "+").replace('_', "/") + "=="),
            false,
        ),
    ];
    if let Some(odd) = non_canonical(&n) {
        k22.push((
            "RSA n with non-zero unused trailing bits",
            set(&rsa, "n", odd),
            false,
        ));
    }
    let ids = [
        "K22", "K22-b", "K22-c", "K22-d", "K22-e", "K22-f", "K22-g", "K22-h", "K22-i",
    ];
    for ((what, bad, is_ec), id) in k22.into_iter().zip(ids) {
        let (token, twin) = if is_ec {
            (&ec_token, ec.clone())
        } else {
            (&rsa_token, rsa.clone())
        };
        out.push(bad_key_case(
            id,
            &format!("{what}: dropped from the set, unusable"),
            &bad,
            token,
            Some(twin),
        ));
    }

    // K23: keys never come from the request.
    let mut header = id_jag_header();
    header["jwk"] = attacker_jwk();
    header["kid"] = json!("attacker");
    out.push(
        case(
            "K23",
            v,
            "the attacker's key in the header, signed by it: header_forbidden",
        )
        .step(jag(
            jag_signed(header, "k23-a", &k.attacker),
            "header_forbidden",
        )),
    );
    out.push(
        case(
            "K23-b",
            v,
            "signed by the attacker under a trusted kid: the trusted key decides: signature_invalid",
        )
        .step(jag(
            jag_signed(id_jag_header(), "k23-b", &k.attacker),
            "signature_invalid",
        )),
    );
    out.push(
        case(
            "K23-c",
            v,
            "the attacker's own kid is in no set: key_not_found",
        )
        .step(jag(
            jag_signed(
                json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "attacker"}),
                "k23-c",
                &k.attacker,
            ),
            "key_not_found",
        )),
    );
    out.push(
        case(
            "K23-d",
            v,
            "keys are scoped per issuer: the other trusted IdP's key signing for this IdP: key_not_found",
        )
        .step(jag(
            jag_signed(
                json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
                "k23-d",
                &k.other_ec,
            ),
            "key_not_found",
        )),
    );
    out.push(
        case(
            "K23-e",
            v,
            "the AS's access-token key signing an ID-JAG: key_not_found",
        )
        .step(jag(
            jag_signed(
                json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "as-ec"}),
                "k23-e",
                &k.as_ec,
            ),
            "key_not_found",
        )),
    );
    out.push(
        case(
            "K23-f",
            v,
            "access token signed by the attacker under the AS's kid: signature_invalid",
        )
        .step(at(
            mint(
                &json!({"typ": "at+jwt", "alg": "ES256", "kid": "as-ec"}),
                &at_claims(),
                Signer::Es256(&k.attacker),
            ),
            "signature_invalid",
        )),
    );
    out
}

/// H: header parameters.
fn header() -> Vec<Case> {
    let mut out = Vec::new();
    let v = "validator";

    let mut c = case(
        "H01",
        v,
        "crit naming a claim (exp) or an unknown extension: header_forbidden",
    );
    for extra in [
        json!({"crit": ["exp"], "exp": NOW + 290}),
        json!({"crit": ["exp"]}),
        json!({"crit": ["urn:example:unknown"], "urn:example:unknown": true}),
        json!({"crit": ["http://example.com/ext"]}),
    ] {
        c = c.step(jag(jag_header("h01", extra), "header_forbidden"));
    }
    out.push(c);
    out.push(
        case(
            "H01-b",
            v,
            "access token with crit [\"exp\"]: header_forbidden",
        )
        .step(at(
            at_header_with(json!({"crit": ["exp"]})),
            "header_forbidden",
        )),
    );

    let mut c = case(
        "H02",
        v,
        "crit empty, not an array, naming registered names (alg, kid, typ), or null: header_forbidden",
    );
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
        c = c.step(jag(
            jag_raw_header("h02", &header.to_string()),
            "header_forbidden",
        ));
    }
    out.push(c);

    let mut c = case(
        "H03",
        v,
        "b64 false (with or without crit [\"b64\"]) or b64 true: header_forbidden",
    );
    for extra in [
        json!({"b64": false}),
        json!({"b64": false, "crit": ["b64"]}),
        json!({"b64": true}),
    ] {
        c = c.step(jag(jag_header("h03", extra), "header_forbidden"));
    }
    out.push(c);
    let h = b64(
        br#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-ec","b64":false,"crit":["b64"]}"#,
    );
    let payload = id_jag_claims("h03-raw").to_string();
    let input = format!("{h}.{payload}");
    let sig = b64(&sign(&input, &Signer::Es256(&keys().idp_ec)));
    out.push(
        case(
            "H03-b",
            v,
            "an actual RFC 7797 unencoded-payload token, attached or detached: malformed",
        )
        .step(jag_text(format!("{input}.{sig}"), "malformed"))
        .step(jag_text(format!("{h}..{sig}"), "malformed")),
    );

    let mut c = case(
        "H04",
        v,
        "cty JWT, jwt, json, application/json or empty: header_forbidden",
    );
    for cty in ["JWT", "jwt", "json", "application/json", ""] {
        c = c.step(jag(
            jag_header("h04", json!({"cty": cty})),
            "header_forbidden",
        ));
    }
    out.push(c);
    out.push(
        case("H04-b", v, "access token with cty JWT: header_forbidden").step(at(
            at_header_with(json!({"cty": "JWT"})),
            "header_forbidden",
        )),
    );

    let mut c = case(
        "H05",
        v,
        "JWE-only header parameters (enc, epk, iv/tag, apu/apv) on a JWS: header_forbidden",
    );
    for extra in [
        json!({"enc": "A256GCM"}),
        json!({"enc": "A128CBC-HS256", "alg": "dir"}),
        json!({"epk": attacker_jwk()}),
        json!({"iv": "AAAAAAAAAAAAAAAA", "tag": "AAAAAAAAAAAAAAAAAAAAAA"}),
        json!({"apu": "YQ", "apv": "Yg"}),
    ] {
        c = c.step(jag(jag_header("h05", extra), "header_forbidden"));
    }
    out.push(c);

    let mut c = case(
        "H06",
        v,
        "zip DEF, def or GZIP: header_forbidden (never inflate)",
    );
    for zip in ["DEF", "def", "GZIP"] {
        c = c.step(jag(
            jag_header("h06", json!({"zip": zip})),
            "header_forbidden",
        ));
    }
    out.push(c);
    out.push(
        case("H06-b", v, "access token with zip DEF: header_forbidden").step(at(
            at_header_with(json!({"zip": "DEF"})),
            "header_forbidden",
        )),
    );

    out.push(
        case(
            "H07",
            v,
            "p2c 2147483647 (with p2s, and with a PBES2 alg): header_forbidden before any KDF",
        )
        .step(jag(
            jag_header("h07", json!({"p2c": 2_147_483_647})),
            "header_forbidden",
        ))
        .step(jag(
            jag_header("h07", json!({"p2c": 2_147_483_647, "p2s": "c2FsdA"})),
            "header_forbidden",
        ))
        .step(jag(
            jag_header(
                "h07",
                json!({"alg": "PBES2-HS512+A256KW", "p2c": 2_147_483_647, "p2s": "c2FsdA"}),
            ),
            "header_forbidden",
        )),
    );
    out
}

/// T: explicit typing.
fn typ() -> Vec<Case> {
    let mut out = Vec::new();
    let v = "validator";
    let k = keys();
    let jag_typed = |header: Value, jti: &str| jag_signed(header, jti, &k.idp_ec);
    let at_typed = |header: Value| mint(&header, &at_claims(), Signer::Es256(&k.as_ec));

    out.push(
        case(
            "T01",
            v,
            "ID-JAG without typ: typ_mismatch (control with typ oauth-id-jag+jwt: valid)",
        )
        .step(jag(jag_typed(id_jag_header(), "t01-control"), "valid"))
        .step(jag(
            jag_typed(json!({"alg": "ES256", "kid": "idp-ec"}), "t01"),
            "typ_mismatch",
        )),
    );

    let mut c = case(
        "T02",
        v,
        "ID-JAG with typ JWT, at+jwt, id_token+jwt, application/at+jwt, oauth-id-jag: typ_mismatch",
    );
    for (i, typ) in [
        "JWT",
        "at+jwt",
        "id_token+jwt",
        "application/at+jwt",
        "oauth-id-jag",
    ]
    .into_iter()
    .enumerate()
    {
        c = c.step(jag(
            jag_typed(
                json!({"typ": typ, "alg": "ES256", "kid": "idp-ec"}),
                &format!("t02-{i}"),
            ),
            "typ_mismatch",
        ));
    }
    out.push(c);
    out.push(
        case(
            "T02-b",
            v,
            "control: typ application/oauth-id-jag+jwt and OAUTH-ID-JAG+JWT (RFC 7515 §4.1.9): valid",
        )
        .step(jag(
            jag_typed(
                json!({"typ": "application/oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec"}),
                "t02-ok-a",
            ),
            "valid",
        ))
        .step(jag(
            jag_typed(
                json!({"typ": "OAUTH-ID-JAG+JWT", "alg": "ES256", "kid": "idp-ec"}),
                "t02-ok-b",
            ),
            "valid",
        )),
    );

    // Found by fuzzing (FUZZING.md): a multi-byte character across the 12-byte
    // `application/` prefix once made the typ comparison panic (a trap in the component).
    let mut c = case(
        "T02-c",
        v,
        "typ with a multi-byte character where `application/` would end: typ_mismatch, never a trap",
    );
    for (i, typ) in ["aaaaaaaaaaaé", "applicationé/x", "ééééééé+jwt"]
        .into_iter()
        .enumerate()
    {
        c = c.step(jag(
            jag_typed(
                json!({"typ": typ, "alg": "ES256", "kid": "idp-ec"}),
                &format!("t02c-{i}"),
            ),
            "typ_mismatch",
        ));
        c = c.step(at(
            at_typed(json!({"typ": typ, "alg": "ES256", "kid": "as-ec"})),
            "typ_mismatch",
        ));
    }
    out.push(c);

    let mut c = case(
        "T04",
        v,
        "access token without typ, or typ JWT, jwt, oauth-id-jag+jwt, \"at+jwt; charset=utf-8\": typ_mismatch (control at+jwt: valid)",
    )
    .step(at(at_typed(at_header()), "valid"))
    .step(at(
        at_typed(json!({"alg": "ES256", "kid": "as-ec"})),
        "typ_mismatch",
    ));
    for typ in ["JWT", "jwt", "oauth-id-jag+jwt", "at+jwt; charset=utf-8"] {
        c = c.step(at(
            at_typed(json!({"typ": typ, "alg": "ES256", "kid": "as-ec"})),
            "typ_mismatch",
        ));
    }
    out.push(c);

    let id_token_claims = json!({
        "iss": AS_ISSUER, "sub": "U019488227", "aud": CLIENT, "azp": CLIENT,
        "nonce": "n-0S6_WzA2Mj", "at_hash": "77QmUPtjPfzWtF2AnpK9RQ",
        "client_id": CLIENT, "jti": "idt-1", "iat": NOW - 10, "exp": NOW + 290,
    });
    out.push(
        case(
            "T05",
            v,
            "OIDC ID token (typ JWT, nonce, at_hash, azp, aud = client) signed by the AS key, as an access token: typ_mismatch",
        )
        .step(at(
            mint(
                &json!({"typ": "JWT", "alg": "ES256", "kid": "as-ec"}),
                &id_token_claims,
                Signer::Es256(&k.as_ec),
            ),
            "typ_mismatch",
        )),
    );
    out.push(
        case(
            "T05-b",
            v,
            "the same ID token retyped at+jwt: its audience (the client) refuses it: audience_mismatch",
        )
        .step(at(
            mint(&at_header(), &id_token_claims, Signer::Es256(&k.as_ec)),
            "audience_mismatch",
        )),
    );

    let at_token = access_token(json!({}));
    let idj = id_jag("t06", json!({}));
    out.push(
        case(
            "T06",
            v,
            "an access token as an ID-JAG and an ID-JAG as an access token: typ_mismatch; retyped, issuer and keys keep them apart",
        )
        .step(jag(at_token.clone(), "typ_mismatch"))
        .step(at(idj.clone(), "typ_mismatch"))
        .step(jag(
            mint(
                &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "as-ec"}),
                &at_claims(),
                Signer::Es256(&k.as_ec),
            ),
            "self_issued",
        ))
        .step(at(
            jag_signed(
                json!({"typ": "at+jwt", "alg": "ES256", "kid": "idp-ec"}),
                "t06-retyped",
                &k.idp_ec,
            ),
            "key_not_found",
        ))
        .step(at(at_token, "valid"))
        .step(jag(idj, "valid")),
    );
    out
}

/// G: signature bytes.
fn signatures() -> Vec<Case> {
    let mut out = Vec::new();
    let v = "validator";
    let k = keys();
    let n = hex(N_HEX);

    out.push(
        case(
            "G01",
            v,
            "ES256 ID-JAG with a zero-length signature: signature_invalid",
        )
        .step(jag(
            with_sig(&id_jag("g01", json!({})), &[], "empty signature"),
            "signature_invalid",
        )),
    );
    out.push(
        case(
            "G01-b",
            v,
            "RS256 ID-JAG with a zero-length signature: signature_invalid",
        )
        .step(jag(
            with_sig(&jag_rs256("g01-rs"), &[], "empty signature"),
            "signature_invalid",
        )),
    );
    out.push(
        case(
            "G01-c",
            v,
            "access token with a zero-length signature: signature_invalid",
        )
        .step(at(
            with_sig(&access_token(json!({})), &[], "empty signature"),
            "signature_invalid",
        )),
    );

    out.push(
        case(
            "G02",
            v,
            "ES256 signature of 64 zero bytes (psychic signature, CVE-2022-21449): signature_invalid",
        )
        .step(jag(
            with_sig(&id_jag("g02", json!({})), &[0u8; 64], "64 zero bytes"),
            "signature_invalid",
        )),
    );
    out.push(
        case(
            "G02-b",
            v,
            "access token with 64 zero signature bytes: signature_invalid",
        )
        .step(at(
            with_sig(&access_token(json!({})), &[0u8; 64], "64 zero bytes"),
            "signature_invalid",
        )),
    );

    let p = hex(P_HEX);
    let zero = vec![0u8; 32];
    let one = add_small(&zero, 1);
    let token = id_jag("g03", json!({}));
    let specials = [
        ("0", zero.clone()),
        ("1", one.clone()),
        ("n", n.clone()),
        ("n+1", add_small(&n, 1)),
        ("n-1", sub(&n, &one)),
        ("p", p.clone()),
        ("p+1", add_small(&p, 1)),
        ("2^256-1", vec![0xff; 32]),
    ];
    let s_values = [
        ("0", zero.clone()),
        ("n", n.clone()),
        ("p", p.clone()),
        ("p+1", add_small(&p, 1)),
        ("n-1", sub(&n, &one)),
        ("1", one.clone()),
    ];
    let mut c = case(
        "G03",
        v,
        "ES256 with r and s from {0, 1, n, n±1, p, p+1, 2^256-1} × {0, 1, n, n-1, p, p+1}: signature_invalid",
    );
    for (r_name, r) in &specials {
        for (s_name, s) in &s_values {
            c = c.step(jag(
                with_sig(
                    &token,
                    &[r.as_slice(), s.as_slice()].concat(),
                    &format!("r = {r_name}, s = {s_name}"),
                ),
                "signature_invalid",
            ));
        }
    }
    out.push(c);
    let real = sig_of(&token);
    let (r, s) = real.split_at(32.min(real.len()));
    let mut c = case(
        "G03-b",
        v,
        "the real r with s = n, and with s + n (congruent to the real s): signature_invalid",
    )
    .step(jag(
        with_sig(&token, &[r, n.as_slice()].concat(), "real r, s = n"),
        "signature_invalid",
    ));
    if let Some(s_plus_n) = add(s, &n) {
        c = c.step(jag(
            with_sig(&token, &[r, &s_plus_n].concat(), "real r, s + n"),
            "signature_invalid",
        ));
    }
    out.push(c);

    let token = id_jag("g04", json!({}));
    let (h, p, _) = parts(&token.token);
    out.push(
        case(
            "G04",
            v,
            "ES256 signature `MAYCAQACAQA` (DER SEQUENCE {0, 0}): signature_invalid",
        )
        .step(jag_text(
            format!("{h}.{p}.MAYCAQACAQA"),
            "signature_invalid",
        )),
    );
    let sig = sig_of(&token);
    let mut body = der_int(&sig[..32]);
    body.extend(der_int(&sig[32..]));
    let mut der = vec![0x30, body.len() as u8];
    der.extend(body);
    out.push(
        case(
            "G04-b",
            v,
            "the genuine ES256 signature re-encoded as DER (70–72 bytes): signature_invalid",
        )
        .step(jag(
            with_sig(&token, &der, "the genuine signature, DER-encoded"),
            "signature_invalid",
        )),
    );

    let token = id_jag("g05", json!({}));
    let sig = sig_of(&token);
    let mut c = case(
        "G05",
        v,
        "ES256 signature of 63, 65, 64+1, 128 bytes (stripped, added, padded r): signature_invalid",
    );
    for (what, bad) in [
        ("first byte stripped (63)", sig[1..].to_vec()),
        ("last byte stripped (63)", sig[..63].to_vec()),
        ("zero byte prepended (65)", [&[0u8][..], &sig].concat()),
        ("zero byte appended (65)", [&sig[..], &[0u8]].concat()),
        (
            "r with a leading zero (33 + 32)",
            [&[0u8][..], &sig[..32], &sig[32..]].concat(),
        ),
        (
            "r with a byte stripped (31 + 32)",
            [&sig[1..32], &sig[32..]].concat(),
        ),
        ("the signature twice (128)", [&sig[..], &sig[..]].concat()),
    ] {
        c = c.step(jag(with_sig(&token, &bad, what), "signature_invalid"));
    }
    out.push(c);

    let half = hex(HALF_N_HEX);
    let token = id_jag("g06", json!({}));
    let sig = sig_of(&token);
    let (r, s) = sig.split_at(32);
    let twin_s = sub(&n, s);
    let twin = with_sig(&token, &[r, &twin_s].concat(), "the ES256 twin (r, n - s)");
    out.push(
        case(
            "G06",
            v,
            "the high-S twin (r, n − s) of a valid signature: valid; then the original: replayed (replay keyed by jti)",
        )
        .step(jag(twin.clone(), "valid"))
        .step(jag(token.clone(), "replayed")),
    );
    let high = if twin_s.as_slice() > half.as_slice() {
        twin
    } else {
        token
    };
    out.push(
        case(
            "G06-b",
            v,
            "whichever of the two has s > n/2 (high-S): valid",
        )
        .step(jag(high, "valid")),
    );
    let at_token = access_token(json!({}));
    let sig = sig_of(&at_token);
    let (r, s) = sig.split_at(32);
    out.push(
        case(
            "G06-c",
            v,
            "access token with the high-S twin signature: valid",
        )
        .step(at(
            with_sig(
                &at_token,
                &[r, &sub(&n, s)].concat(),
                "the ES256 twin (r, n - s)",
            ),
            "valid",
        )),
    );

    let token = jag_rs256("g07");
    let sig = sig_of(&token);
    out.push(
        case(
            "G07",
            v,
            "RS256 signature with one or two zero bytes prepended, or one byte stripped: signature_invalid",
        )
        .step(jag(
            with_sig(&token, &[&[0u8][..], &sig].concat(), "00 || signature"),
            "signature_invalid",
        ))
        .step(jag(
            with_sig(&token, &[&[0u8, 0u8][..], &sig].concat(), "00 00 || signature"),
            "signature_invalid",
        ))
        .step(jag(
            with_sig(&token, &sig[1..], "signature without its first byte"),
            "signature_invalid",
        )),
    );
    let ps = jag_ps256("g07-ps");
    let ps_sig = sig_of(&ps);
    out.push(
        case(
            "G07-b",
            v,
            "PS256 signature with a zero byte prepended: signature_invalid",
        )
        .step(jag(
            with_sig(&ps, &[&[0u8][..], &ps_sig].concat(), "00 || signature"),
            "signature_invalid",
        )),
    );

    // G08: PKCS #1 v1.5 encodings signed with the raw RSA operation.
    let key = &k.idp_rsa;
    let size = key.size();
    let unsigned = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-rsa"}),
        &id_jag_claims("g08"),
        Signer::Raw(Vec::new()),
    );
    let hash = Sha256::digest(signing_input(&unsigned).as_bytes()).to_vec();
    let di = hex(SHA256_DIGEST_INFO);
    let full = size - 3 - di.len() - hash.len();
    let good = pkcs1_em(full, &di, &hash, &[], size);
    let mut bad_ff = good.clone();
    bad_ff[10] = 0xfe;
    let mut block_two = good.clone();
    block_two[1] = 0x02;
    let mut no_separator = good.clone();
    no_separator[2 + full] = 0xff;
    let ber = hex("308131300d060960864801650304020105000420");
    let missing_null: Vec<u8> = hex("302f300b0609608648016503040201")
        .into_iter()
        .chain(hex("0420"))
        .collect();
    let wrong_oid = hex("3031300d060960864801650304020205000420");
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("bad padding byte", bad_ff),
        ("block type 2", block_two),
        ("no zero separator", no_separator),
        ("BER DigestInfo", pkcs1_em(full - 1, &ber, &hash, &[], size)),
        (
            "missing NULL",
            pkcs1_em(
                size - 3 - missing_null.len() - 32,
                &missing_null,
                &hash,
                &[],
                size,
            ),
        ),
        (
            "wrong hash OID",
            pkcs1_em(full, &wrong_oid, &hash, &[], size),
        ),
        ("short padding", pkcs1_em(3, &di, &hash, &[], size)),
        (
            "no DigestInfo",
            pkcs1_em(size - 3 - 32, &[], &hash, &[], size),
        ),
        (
            "trailing garbage",
            pkcs1_em(full - 4, &di, &hash, &[1, 2, 3, 4], size),
        ),
    ];
    let mut c = case(
        "G08",
        v,
        "RS256 PKCS#1 v1.5: bad padding, block type 2, no separator, BER DigestInfo, missing NULL, wrong OID, short padding, no DigestInfo, trailing garbage: signature_invalid",
    );
    for (what, em) in variants {
        c = c.step(jag(
            with_sig(
                &unsigned,
                &rsa_raw(key, &em),
                &format!("raw RSA over EM: {what}"),
            ),
            "signature_invalid",
        ));
    }
    out.push(c);
    out.push(
        case(
            "G08-b",
            v,
            "control: the same raw RSA construction with correct EMSA-PKCS1-v1_5 padding: valid",
        )
        .step(jag(
            with_sig(
                &unsigned,
                &rsa_raw(key, &good),
                "raw RSA over a correct EMSA-PKCS1-v1_5 encoding",
            ),
            "valid",
        )),
    );

    // G09: a signature integer at or above the modulus.
    let modulus = key.n().clone();
    let limit = BigUint::from(1u8) << 2048usize;
    let found = (0..200).find_map(|i| {
        let token = jag_rs256(&format!("g09-{i}"));
        let s_plus_n = BigUint::from_bytes_be(&sig_of(&token)) + &modulus;
        (s_plus_n < limit).then(|| (token, s_plus_n.to_bytes_be()))
    });
    if let Some((token, s_plus_n)) = found {
        out.push(
            case(
                "G09",
                v,
                "RSA signature integer ≥ n (s + n, s = n, s = 2^2048 − 1): signature_invalid",
            )
            .step(jag(
                with_sig(&token, &s_plus_n, "s + n"),
                "signature_invalid",
            ))
            .step(jag(
                with_sig(&token, &modulus.to_bytes_be(), "s = n"),
                "signature_invalid",
            ))
            .step(jag(
                with_sig(&token, &[0xff; 256], "s = 2^2048 - 1"),
                "signature_invalid",
            )),
        );
    }

    let token = id_jag("g10", json!({}));
    let (h, p, s) = parts(&token.token);
    let mut header = unb64(&h).unwrap_or_default();
    if let Some(at) = header.windows(5).position(|w| w == b"oauth") {
        header[at] ^= 0x20;
    }
    let mut payload = unb64(&p).unwrap_or_default();
    if let Some(at) = payload.windows(10).position(|w| w == b"U019488227") {
        payload[at + 9] ^= 0x01;
    }
    let sig = unb64(&s).unwrap_or_default();
    let mut flip_s = sig.clone();
    flip_s[63] ^= 0x01;
    let mut flip_r = sig;
    flip_r[31] ^= 0x01;
    out.push(
        case(
            "G10",
            v,
            "one bit flipped in the header (typ case bit), payload (sub), s or r: signature_invalid",
        )
        .step(jag_text(format!("{}.{p}.{s}", b64(&header)), "signature_invalid"))
        .step(jag_text(format!("{h}.{}.{s}", b64(&payload)), "signature_invalid"))
        .step(jag(with_sig(&token, &flip_s, "low bit of s flipped"), "signature_invalid"))
        .step(jag(with_sig(&token, &flip_r, "low bit of r flipped"), "signature_invalid")),
    );
    let rs = jag_rs256("g10-rs");
    let mut sig = sig_of(&rs);
    sig[200] ^= 0x10;
    out.push(
        case(
            "G10-b",
            v,
            "RS256 signature with one bit flipped: signature_invalid",
        )
        .step(jag(
            with_sig(&rs, &sig, "one bit of the RSA signature flipped"),
            "signature_invalid",
        )),
    );
    let at_token = access_token(json!({}));
    let mut sig = sig_of(&at_token);
    sig[63] ^= 0x01;
    out.push(
        case(
            "G10-c",
            v,
            "access token with one signature bit flipped: signature_invalid",
        )
        .step(at(
            with_sig(&at_token, &sig, "low bit of s flipped"),
            "signature_invalid",
        )),
    );
    out
}
