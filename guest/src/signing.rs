//! The authorization server's own signing keys (groundwork for issue 3): ES256 private JWKs
//! read strictly, their public JWK Set for `/jwks.json`, and RFC 7638 thumbprints as key ids.
//! Issuing keys are ES256 only (security.md I02: no RSA private-key operations; RFC 6979
//! nonces need no randomness).

use p256::ecdsa::{SigningKey, VerifyingKey};
use serde::Serialize;

use crate::base64url;
use crate::json::{self, Json};
use crate::jwk::{KeyMaterial, TrustedKey};
use crate::limits::MAX_KID_BYTES;

/// One issuing key.
#[derive(Clone, Debug)]
pub struct IssuingKey {
    /// Key id published in the JWK Set and put in every token header.
    pub kid: String,
    /// The private key.
    pub key: SigningKey,
}

/// A role's issuing keys: every one is published, `keys[current]` signs.
#[derive(Clone, Debug)]
pub struct SigningKeys {
    /// The keys, in configured order.
    pub keys: Vec<IssuingKey>,
    /// Index of the key that signs.
    pub current: usize,
}

impl SigningKeys {
    /// The key that signs; `Err` is the log-safe description of the server error.
    pub fn current(&self) -> Result<&IssuingKey, &'static str> {
        self.keys.get(self.current).ok_or("no signing key")
    }
}

/// The `x` and `y` coordinates of a P-256 public key, base64url.
fn coordinates(key: &VerifyingKey) -> (String, String) {
    let point = key.to_encoded_point(false);
    let encode = |c: Option<&p256::FieldBytes>| c.map(|b| base64url::encode(b)).unwrap_or_default();
    (encode(point.x()), encode(point.y()))
}

/// RFC 7638 JWK thumbprint (SHA-256, base64url) of a P-256 public key.
pub fn thumbprint(key: &VerifyingKey) -> String {
    use sha2::{Digest, Sha256};
    let (x, y) = coordinates(key);
    // Required members only, in lexicographic order, no whitespace (RFC 7638 §3.2).
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    base64url::encode(&Sha256::digest(canonical.as_bytes()))
}

/// Reads an ES256 private JWK: `kty` EC, `crv` P-256, `d` a canonical 32-byte scalar whose
/// public point equals `x`/`y`, a non-empty `kid`, `alg` ES256 and `use` sig when present.
pub fn parse_private_jwk(text: &str) -> Result<IssuingKey, String> {
    let value = json::parse(text).map_err(|e| format!("signing key: {e}"))?;
    let members = value.as_object().ok_or("signing key: not a JSON object")?;
    let text_member = |name: &str| -> Result<Option<&str>, String> {
        match members.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!(
                "signing key: \"{name}\" is a {}",
                other.type_name()
            )),
        }
    };
    if text_member("kty")? != Some("EC") || text_member("crv")? != Some("P-256") {
        return Err("signing key: issuing keys are EC P-256 (ES256) only".into());
    }
    if text_member("alg")?.is_some_and(|a| a != "ES256") {
        return Err("signing key: \"alg\" must be ES256".into());
    }
    if text_member("use")?.is_some_and(|u| u != "sig") {
        return Err("signing key: \"use\" must be sig".into());
    }
    let kid = text_member("kid")?
        .filter(|k| !k.is_empty() && k.len() <= MAX_KID_BYTES)
        .ok_or("signing key: a non-empty \"kid\" of at most 256 bytes is required")?
        .to_owned();
    let d = text_member("d")?
        .and_then(base64url::decode)
        .filter(|d| d.len() == 32)
        .ok_or("signing key: \"d\" is not a canonical 32-byte base64url scalar")?;
    let key = SigningKey::from_slice(&d).map_err(|_| "signing key: \"d\" is not a valid scalar")?;
    let (x, y) = coordinates(key.verifying_key());
    if text_member("x")? != Some(x.as_str()) || text_member("y")? != Some(y.as_str()) {
        return Err("signing key: \"x\"/\"y\" do not match \"d\"".into());
    }
    Ok(IssuingKey { kid, key })
}

/// The public JWK Set of issuing keys (what `/jwks.json` serves).
pub fn public_jwks(keys: &[IssuingKey]) -> Result<String, String> {
    #[derive(Serialize)]
    struct Jwk<'a> {
        kty: &'a str,
        crv: &'a str,
        x: String,
        y: String,
        kid: &'a str,
        #[serde(rename = "use")]
        usage: &'a str,
        alg: &'a str,
    }
    #[derive(Serialize)]
    struct Set<'a> {
        keys: Vec<Jwk<'a>>,
    }
    let keys = keys
        .iter()
        .map(|k| {
            let (x, y) = coordinates(k.key.verifying_key());
            Jwk {
                kty: "EC",
                crv: "P-256",
                x,
                y,
                kid: &k.kid,
                usage: "sig",
                alg: "ES256",
            }
        })
        .collect();
    serde_json::to_string(&Set { keys }).map_err(|e| format!("jwks: {e}"))
}

/// Whether an issuing key is also a trusted verification key (refused: an authorization
/// server must never accept what it signed itself as coming from elsewhere; I03, T06).
pub fn is_trusted_elsewhere(issuing: &IssuingKey, trusted: &TrustedKey) -> bool {
    match &trusted.material {
        KeyMaterial::EcP256 { key, .. } => key == issuing.key.verifying_key(),
        KeyMaterial::Rsa { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private_jwk(d: &[u8; 32], kid: &str) -> String {
        let key = SigningKey::from_slice(d).unwrap();
        let (x, y) = coordinates(key.verifying_key());
        format!(
            r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","d":"{}","x":"{x}","y":"{y}"}}"#,
            base64url::encode(d)
        )
    }

    #[test]
    fn reads_a_private_jwk_and_publishes_only_public_members() {
        let key = parse_private_jwk(&private_jwk(&[3; 32], "as-1")).unwrap();
        assert_eq!(key.kid, "as-1");
        let jwks = public_jwks(std::slice::from_ref(&key)).unwrap();
        assert!(!jwks.contains("\"d\""), "{jwks}");
        let set = crate::jwks::parse(&jwks).unwrap();
        assert!(is_trusted_elsewhere(&key, &set.keys[0]));
        let other = parse_private_jwk(&private_jwk(&[4; 32], "as-2")).unwrap();
        assert!(!is_trusted_elsewhere(&other, &set.keys[0]));
    }

    #[test]
    fn refuses_bad_private_jwks() {
        let good = private_jwk(&[3; 32], "as-1");
        let mismatched = good.replace(
            &format!("\"d\":\"{}\"", base64url::encode(&[3; 32])),
            &format!("\"d\":\"{}\"", base64url::encode(&[5; 32])),
        );
        for bad in [
            mismatched,
            good.replace("\"kid\":\"as-1\"", "\"kid\":\"\""),
            good.replace("P-256", "P-384"),
            good.replace("\"kty\":\"EC\"", "\"kty\":\"RSA\""),
            good.replace("\"kid\"", "\"alg\":\"HS256\",\"kid\""),
            r#"{"kty":"oct","k":"AAAA","kid":"x"}"#.to_owned(),
            "not json".to_owned(),
        ] {
            assert!(parse_private_jwk(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rfc9449_example_key_thumbprint() {
        // RFC 9449 §4.1's proof key and the `jkt` RFC 9449 §6.1 gives for it.
        let x = base64url::decode("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs").unwrap();
        let y = base64url::decode("9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA").unwrap();
        let point = p256::EncodedPoint::from_affine_coordinates(
            x.as_slice().into(),
            y.as_slice().into(),
            false,
        );
        let key = VerifyingKey::from_encoded_point(&point).unwrap();
        assert_eq!(
            thumbprint(&key),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        );
    }

    #[test]
    fn rfc7638_thumbprint_shape() {
        let key = SigningKey::from_slice(&[3; 32]).unwrap();
        let t = thumbprint(key.verifying_key());
        assert_eq!(t.len(), 43);
        assert_eq!(t, thumbprint(key.verifying_key()));
        assert_ne!(
            t,
            thumbprint(SigningKey::from_slice(&[4; 32]).unwrap().verifying_key())
        );
    }
}
