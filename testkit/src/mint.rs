//! Minting tokens for vectors: compact JWS over the EXACT header and payload text given
//! (so a case can carry duplicate members, odd whitespace or invalid UTF-8), signed with a
//! fixed key, deterministically. Each minted token remembers how it was made, for
//! `xaa conformance run --explain`.

use crate::base64url::encode as b64;
use p256::ecdsa::SigningKey;
use rand_chacha::rand_core::SeedableRng;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures::{keys, merge, AS_ISSUER, CLIENT, IDP_ISSUER, NOW, RESOURCE};

/// How to sign.
pub enum Signer<'a> {
    /// ES256 (RFC 6979 deterministic).
    Es256(&'a SigningKey),
    /// RS256 (PKCS #1 v1.5, deterministic).
    Rs256(&'a RsaPrivateKey),
    /// PS256 with a 32-byte salt from a fixed-seed RNG (deterministic).
    Ps256(&'a RsaPrivateKey),
    /// These signature bytes, verbatim.
    Raw(Vec<u8>),
}

impl Signer<'_> {
    fn describe(&self) -> String {
        let k = keys();
        let ec_name = |key: &SigningKey| {
            [
                (&k.idp_ec, "idp-ec"),
                (&k.idp_ec2, "idp-ec-2"),
                (&k.other_ec, "other-ec"),
                (&k.as_ec, "as-ec"),
                (&k.attacker, "attacker"),
                (&k.client, "jwt-client-1"),
            ]
            .iter()
            .find(|(candidate, _)| candidate.to_bytes() == key.to_bytes())
            .map_or("an unnamed P-256 key", |(_, name)| name)
        };
        match self {
            Signer::Es256(key) => format!("ES256 with {}", ec_name(key)),
            Signer::Rs256(_) => "RS256 with idp-rsa".into(),
            Signer::Ps256(_) => "PS256 with idp-rsa".into(),
            Signer::Raw(bytes) => format!("raw signature bytes ({} bytes)", bytes.len()),
        }
    }
}

/// The signature bytes over `signing_input`.
pub fn sign(signing_input: &str, signer: &Signer<'_>) -> Vec<u8> {
    match signer {
        Signer::Es256(key) => {
            use p256::ecdsa::signature::Signer as _;
            let sig: p256::ecdsa::Signature = key.sign(signing_input.as_bytes());
            sig.to_bytes().to_vec()
        }
        Signer::Rs256(key) => {
            let digest = Sha256::digest(signing_input.as_bytes());
            key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest)
                .unwrap_or_default()
        }
        Signer::Ps256(key) => {
            let digest = Sha256::digest(signing_input.as_bytes());
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7518);
            key.sign_with_rng(&mut rng, rsa::Pss::new_with_salt::<Sha256>(32), &digest)
                .unwrap_or_default()
        }
        Signer::Raw(bytes) => bytes.clone(),
    }
}

/// A token and how it was made.
#[derive(Clone, Debug)]
pub struct Minted {
    /// The compact token (or any string a case presents as one).
    pub token: String,
    /// How it was made (shown by `--explain`), if it was minted here.
    pub how: Option<Value>,
}

impl Minted {
    /// A token given verbatim (malformed inputs, Wycheproof vectors).
    pub fn verbatim(token: impl Into<String>) -> Self {
        Minted {
            token: token.into(),
            how: None,
        }
    }
}

/// A compact JWS over the exact `header` and `payload` text.
pub fn mint_raw(header: &str, payload: &str, signer: Signer<'_>) -> Minted {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let signature = sign(&input, &signer);
    Minted {
        token: format!("{input}.{}", b64(&signature)),
        how: Some(json!({
            "header": header,
            "payload": payload,
            "signed": signer.describe(),
        })),
    }
}

/// A compact JWS from JSON values.
pub fn mint(header: &Value, claims: &Value, signer: Signer<'_>) -> Minted {
    mint_raw(&header.to_string(), &claims.to_string(), signer)
}

/// The baseline ID-JAG header (ES256, kid `idp-ec`).
pub fn id_jag_header() -> Value {
    json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec"})
}

/// The baseline ID-JAG claims; `jti` must be unique per case.
pub fn id_jag_claims(jti: &str) -> Value {
    json!({
        "iss": IDP_ISSUER, "sub": "U019488227", "aud": AS_ISSUER, "client_id": CLIENT,
        "jti": jti, "iat": NOW - 10, "exp": NOW + 290, "resource": RESOURCE,
        "scope": "chat.read chat.history", "auth_time": NOW - 100, "amr": ["mfa"],
    })
}

/// A baseline ID-JAG with claim changes merged in (`null` removes a claim), ES256 idp-ec.
pub fn id_jag(jti: &str, changes: Value) -> Minted {
    let mut claims = id_jag_claims(jti);
    merge(&mut claims, changes);
    mint(&id_jag_header(), &claims, Signer::Es256(&keys().idp_ec))
}

/// The baseline access-token header.
pub fn at_header() -> Value {
    json!({"typ": "at+jwt", "alg": "ES256", "kid": "as-ec"})
}

/// The baseline access-token claims.
pub fn at_claims() -> Value {
    json!({
        "iss": AS_ISSUER, "sub": "U019488227", "aud": RESOURCE, "client_id": CLIENT,
        "jti": "at-1", "iat": NOW - 10, "exp": NOW + 290, "scope": "chat.read",
    })
}

/// A baseline access token with claim changes merged in, ES256 as-ec.
pub fn access_token(changes: Value) -> Minted {
    let mut claims = at_claims();
    merge(&mut claims, changes);
    mint(&at_header(), &claims, Signer::Es256(&keys().as_ec))
}

/// An ID token of the IdP for `sub`, issued to the IdP client, with changes merged in.
pub fn id_token(sub: &str, changes: Value) -> Minted {
    let mut claims = json!({
        "iss": IDP_ISSUER, "sub": sub, "aud": crate::fixtures::IDP_CLIENT,
        "jti": format!("idt-{sub}"), "iat": NOW - 30, "exp": NOW + 3600, "auth_time": NOW - 30,
    });
    merge(&mut claims, changes);
    mint(
        &json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"}),
        &claims,
        Signer::Es256(&keys().idp_ec),
    )
}

/// An ID token the IdP refuses as a subject token, and why.
pub struct RefusedIdToken {
    /// The case-id suffix naming the flaw.
    pub slug: &'static str,
    /// The flawed ID token.
    pub token: Minted,
    /// The rejection reason the audit event records.
    pub reason: &'static str,
    /// The flaw in words.
    pub what: &'static str,
}

/// The IdP's rule 4 (the ID token issued by this IdP to this client), as data shared by the
/// suite and the host tests: a good ID token (alice, for [`crate::fixtures::IDP_CLIENT`],
/// id `jti`) and each way of breaking it, one flaw at a time (one per line).
#[rustfmt::skip]
pub fn refused_id_tokens(jti: &str) -> (Minted, Vec<RefusedIdToken>) {
    let k = keys();
    let client = crate::fixtures::IDP_CLIENT;
    // The suite's second IdP client (`WINDSURF` in the HTTP cases).
    let other_client = "windsurf";
    let base = json!({
        "iss": IDP_ISSUER, "sub": "alice", "aud": client, "jti": jti,
        "iat": NOW - 30, "exp": NOW + 3600,
    });
    let header = json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"});
    let signed = |changes: Value| { let mut claims = base.clone(); merge(&mut claims, changes); mint(&header, &claims, Signer::Es256(&k.idp_ec)) };
    let refused = |slug, token, reason, what| RefusedIdToken { slug, token, reason, what };
    let flaws = vec![
        refused("signature-forged", mint(&header, &base, Signer::Es256(&k.attacker)), "signature_invalid", "signed by another key under the IdP's kid"),
        refused("key-not-a-signing-key", mint(&json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec-2"}), &base, Signer::Es256(&k.idp_ec2)), "key_not_found", "signed by a key that is not one of the IdP's signing keys"),
        refused("alg-rs256", mint(&json!({"typ": "JWT", "alg": "RS256", "kid": "idp-ec"}), &base, Signer::Rs256(&k.idp_rsa)), "alg_not_allowed", "RS256 (the IdP signs ES256)"),
        refused("other-issuer", signed(json!({"iss": crate::fixtures::OTHER_IDP})), "issuer_mismatch", "iss another IdP"),
        refused("other-client", signed(json!({"aud": other_client})), "audience_mismatch", "aud another client"),
        refused("two-audiences", signed(json!({"aud": [client, other_client]})), "audience_mismatch", "aud this client and another"),
        refused("expired", signed(json!({"iat": NOW - 7200, "exp": NOW - 3600})), "expired", "expired"),
        refused("issued-in-future", signed(json!({"iat": NOW + 3600, "exp": NOW + 7200})), "issued_in_future", "issued in the future"),
        refused("not-yet-valid", signed(json!({"nbf": NOW + 3600})), "not_yet_valid", "nbf in the future"),
        refused("sub-missing", signed(json!({"sub": null})), "claim_invalid", "no sub"),
    ];
    (mint(&header, &base, Signer::Es256(&k.idp_ec)), flaws)
}

/// The P-256 field prime p, big-endian hex (coordinates at or above it are out of range).
pub const P_HEX: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

/// Big-endian `a + k` for a small k, same width (wrapping): the value just past a bound,
/// for out-of-range coordinates and scalars.
pub fn add_small(a: &[u8], k: u8) -> Vec<u8> {
    let mut out = a.to_vec();
    let mut carry = u16::from(k);
    for byte in out.iter_mut().rev() {
        let sum = u16::from(*byte) + carry;
        *byte = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    out
}

/// HMAC-SHA256 (RFC 2104), enough for forging HS256 tokens (algorithm confusion).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}
