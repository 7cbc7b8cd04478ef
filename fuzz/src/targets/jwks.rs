//! `jwks_parse`: JWK Set documents (`jwks::parse`, `jwk::parse`, `KeySet::select`) and the JWS
//! layer over them (`verify_jws_signature` with fixed tokens of the IdP EC key and IDP2's RSA
//! key).
//!
//! Invariants: an accepted set is within the caps and holds at least one key; every accepted
//! key passes the K14–K22 rules again here (P-256 point on the curve in uncompressed SEC1, RSA
//! 2048–4096 bits with an odd modulus, minimal encodings and e = 65537, kid within its cap, a
//! declared alg of the key's family, at least one permitted alg), re-serializes to a JWK that
//! parses to the same key, and key selection never hands out a key whose kid or algorithms
//! do not match; a fixed token verifies only when the set holds the real key under its kid.

use std::sync::OnceLock;

use rsa::traits::PublicKeyParts;
use serde_json::json;
use xaa_guest::jose_header::Alg;
use xaa_guest::jwk::{self, JwkOutcome, KeyMaterial, TrustedKey};
use xaa_guest::jwks::{self, Miss};
use xaa_guest::limits::{MAX_JWKS_BYTES, MAX_JWKS_KEYS, MAX_KID_BYTES, RSA_MAX_BITS, RSA_MIN_BITS};
use xaa_guest::{base64url, json};

use crate::fixtures::keys;
use crate::grammar::{sign, KeyChoice};
use crate::host::{FuzzHost, HostSpec, VerifierMode};

fn fixed_token(key: KeyChoice, header: &str) -> String {
    let input = format!(
        "{}.{}",
        base64url::encode(header.as_bytes()),
        base64url::encode(br#"{"iss":"https://idp.example.com","sub":"alice"}"#)
    );
    format!("{input}.{}", base64url::encode(&sign(key, input.as_bytes())))
}

/// (token, kid, alg, the real key's material as (sec1) or (n, e)).
fn tokens() -> &'static [(String, Option<&'static str>, Alg)] {
    static TOKENS: OnceLock<Vec<(String, Option<&'static str>, Alg)>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        vec![
            (fixed_token(KeyChoice::IdpEc, r#"{"alg":"ES256","kid":"idp-ec"}"#), Some("idp-ec"), Alg::Es256),
            (fixed_token(KeyChoice::IdpEc, r#"{"alg":"ES256"}"#), None, Alg::Es256),
            (fixed_token(KeyChoice::Idp2Rs256, r#"{"alg":"RS256","kid":"idp2-rsa"}"#), Some("idp2-rsa"), Alg::Rs256),
            (fixed_token(KeyChoice::Idp2Ps256, r#"{"alg":"PS256","kid":"idp2-rsa"}"#), Some("idp2-rsa"), Alg::Ps256),
        ]
    })
}

fn is_real_key(key: &TrustedKey, alg: Alg) -> bool {
    let k = keys();
    match (&key.material, alg) {
        (KeyMaterial::EcP256 { sec1, .. }, Alg::Es256) => {
            sec1.as_slice() == k.idp_ec.verifying_key().to_encoded_point(false).as_bytes()
        }
        (KeyMaterial::Rsa { n, e, .. }, Alg::Rs256 | Alg::Ps256) => {
            *n == k.idp2_rsa.n().to_bytes_be() && *e == k.idp2_rsa.e().to_bytes_be()
        }
        _ => false,
    }
}

fn check_key(key: &TrustedKey) {
    if let Some(kid) = &key.kid {
        assert!(kid.len() <= MAX_KID_BYTES);
    }
    assert!(!key.algorithms().is_empty(), "a usable key permits no algorithm");
    let mut canonical = json!({});
    match &key.material {
        KeyMaterial::EcP256 { key: vk, sec1 } => {
            assert_eq!(sec1.len(), 65);
            assert_eq!(sec1[0], 4);
            let again = p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1).expect("an accepted point is on P-256");
            assert_eq!(&again, vk);
            assert!(key.declared_alg.is_none_or(|a| a == Alg::Es256));
            canonical = json!({
                "kty": "EC", "crv": "P-256",
                "x": base64url::encode(&sec1[1..33]), "y": base64url::encode(&sec1[33..]),
            });
        }
        KeyMaterial::Rsa { key: pk, n, e } => {
            assert_eq!(e.as_slice(), &[1, 0, 1]);
            assert!(n[0] != 0 && n[n.len() - 1] & 1 == 1);
            let bits = n.len() * 8 - n[0].leading_zeros() as usize;
            assert!((RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits), "RSA key of {bits} bits accepted");
            assert_eq!(pk.n().to_bytes_be(), *n);
            assert!(key.declared_alg.is_none_or(|a| matches!(a, Alg::Rs256 | Alg::Ps256)));
            canonical = json!({"kty": "RSA", "n": base64url::encode(n), "e": base64url::encode(e)});
        }
    }
    if let Some(kid) = &key.kid {
        canonical["kid"] = json!(kid);
    }
    if let Some(alg) = key.declared_alg {
        canonical["alg"] = json!(alg.name());
    }
    let value = json::parse(&canonical.to_string()).expect("canonical JWK is JSON");
    match jwk::parse(&value) {
        JwkOutcome::Usable(again) => {
            assert_eq!(again.kid, key.kid);
            assert_eq!(again.declared_alg, key.declared_alg);
            assert_eq!(again.algorithms(), key.algorithms());
            match (&again.material, &key.material) {
                (KeyMaterial::EcP256 { sec1: a, .. }, KeyMaterial::EcP256 { sec1: b, .. }) => assert_eq!(a, b),
                (KeyMaterial::Rsa { n: a, e: x, .. }, KeyMaterial::Rsa { n: b, e: y, .. }) => {
                    assert_eq!((a, x), (b, y))
                }
                _ => panic!("re-serialized key changed family"),
            }
        }
        other => panic!("a re-serialized accepted key is not usable: {other:?}"),
    }
}

/// The target.
pub fn jwks_parse(data: &[u8]) -> String {
    let document = String::from_utf8_lossy(data);
    let set = match jwks::parse(&document) {
        Err(why) => {
            let word = why.split([' ', ':']).take(3).collect::<Vec<_>>().join(" ");
            return format!("refused:{word}");
        }
        Ok(set) => set,
    };
    assert!(document.len() <= MAX_JWKS_BYTES);
    assert!(!set.keys.is_empty() && set.keys.len() <= MAX_JWKS_KEYS);
    for key in &set.keys {
        check_key(key);
    }
    // Selection: whatever it returns matches the kid and permits the alg; misses are right.
    let mut kids: Vec<Option<&str>> = set.keys.iter().map(|k| k.kid.as_deref()).collect();
    kids.push(None);
    kids.push(Some("no-such-kid"));
    kids.dedup();
    for kid in kids.iter().take(8) {
        for alg in Alg::ALL {
            let candidates: Vec<_> = set
                .keys
                .iter()
                .filter(|k| kid.is_none() || k.kid.as_deref() == *kid)
                .collect();
            let permitted = candidates.iter().filter(|k| k.permits(alg)).count();
            match set.select(*kid, alg) {
                Ok(key) => {
                    assert!(key.permits(alg));
                    assert!(kid.is_none() || key.kid.as_deref() == *kid);
                    assert_eq!(permitted, 1, "selection picked one of several keys");
                }
                Err(Miss::Ambiguous) => assert!(permitted > 1),
                Err(Miss::Incompatible) => assert!(permitted == 0 && !candidates.is_empty()),
                Err(Miss::UnknownKid) => assert!(candidates.is_empty()),
            }
        }
    }
    // A fixed, correctly signed token verifies only under the real key of its kid.
    let mut verified = 0;
    let algorithms = vec!["ES256".to_owned(), "RS256".to_owned(), "PS256".to_owned()];
    for (i, (token, kid, alg)) in tokens().iter().enumerate() {
        let spec = HostSpec {
            verifier: if (data.len() + i) % 2 == 0 { VerifierMode::NotOffered } else { VerifierMode::Native },
            ..HostSpec::default()
        };
        let mut host = FuzzHost::new(&spec);
        if xaa_guest::verify_jws_signature(&mut host, token, &document, &algorithms).is_ok() {
            let key = set.select(*kid, *alg).expect("a verified token has a selectable key");
            assert!(is_real_key(key, *alg), "a signature verified under a key that did not make it");
            verified += 1;
        }
    }
    format!("accepted:{}keys:{verified}verified", set.keys.len().min(4))
}
