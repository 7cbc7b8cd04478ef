//! The ES256 signing the host does itself, with p256 directly (RFC 6979 deterministic, the
//! fixed 64-byte `r || s` of RFC 7518 §3.4): fresh keys for `xaa keys generate` and `xaa dev
//! sample`, the sample tokens, and the black-box conformance mode, which plays an IdP against
//! someone else's server. These sign test inputs and keys, so they come from code independent
//! of the component that judges them; every validation runs through the component.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Longest `kid` accepted (the component's own limit for issuing keys).
const MAX_KID_BYTES: usize = 256;

/// An ES256 private key and its `kid`.
pub struct EcKey {
    /// The key id put in every header.
    pub kid: String,
    key: SigningKey,
}

/// base64url without padding (RFC 7515 §2).
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url: the engine refuses padding, stray pad bits and any byte outside the
/// URL-safe alphabet.
pub fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

impl EcKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn random(kid: &str) -> Result<Self, String> {
        loop {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| format!("OS random source: {e}"))?;
            // A scalar ≥ n (probability ~2^-32) is refused by from_slice: draw again.
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                return Ok(EcKey {
                    kid: kid.to_owned(),
                    key,
                });
            }
        }
    }

    /// Reads an EC P-256 private JWK (as `xaa keys generate` writes it): `kty` EC, `crv`
    /// P-256, `d` a canonical 32-byte scalar whose public point equals `x`/`y`, a non-empty
    /// `kid`, `alg` ES256 and `use` sig when present.
    pub fn from_private_jwk(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("signing key: {e}"))?;
        let members = value.as_object().ok_or("signing key: not a JSON object")?;
        let text_member = |name: &str| -> Result<Option<&str>, String> {
            match members.get(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(format!("signing key: \"{name}\" is not a string")),
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
            .and_then(unb64)
            .filter(|d| d.len() == 32)
            .ok_or("signing key: \"d\" is not a canonical 32-byte base64url scalar")?;
        let key =
            SigningKey::from_slice(&d).map_err(|_| "signing key: \"d\" is not a valid scalar")?;
        let read = EcKey { kid, key };
        let public = read.public_jwk();
        if text_member("x")? != public["x"].as_str() || text_member("y")? != public["y"].as_str() {
            return Err("signing key: \"x\"/\"y\" do not match \"d\"".into());
        }
        Ok(read)
    }

    /// A key nobody trusts (kid `attacker`): the scalar is SHA-256 of "attacker", the
    /// suite's fixed attacker key.
    pub fn stranger() -> Result<Self, String> {
        let key = SigningKey::from_slice(&Sha256::digest(b"attacker"))
            .map_err(|_| "the fixed attacker seed is not a P-256 scalar")?;
        Ok(EcKey {
            kid: "attacker".into(),
            key,
        })
    }

    /// The ES256 signature over `signing_input`.
    pub fn sign(&self, signing_input: &str) -> Vec<u8> {
        let signature: Signature = self.key.sign(signing_input.as_bytes());
        signature.to_bytes().to_vec()
    }

    /// A compact JWS over the JSON text of `header` and `claims`.
    pub fn mint(&self, header: &Value, claims: &Value) -> String {
        self.mint_text(&header.to_string(), &claims.to_string())
    }

    /// A compact JWS over the exact `header` and `claims` text.
    pub fn mint_text(&self, header: &str, claims: &str) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        format!("{input}.{}", b64(&self.sign(&input)))
    }

    /// The public JWK, for a JWK Set (`kty`, `crv`, `kid`, `use` sig, `alg` ES256, `x`, `y`).
    pub fn public_jwk(&self) -> Value {
        let point = self.key.verifying_key().to_encoded_point(false);
        json!({
            "kty": "EC", "crv": "P-256", "kid": self.kid, "use": "sig", "alg": "ES256",
            "x": b64(point.x().map(|x| &x[..]).unwrap_or_default()),
            "y": b64(point.y().map(|y| &y[..]).unwrap_or_default()),
        })
    }

    /// The private JWK: the public one and `d`.
    pub fn private_jwk(&self) -> Value {
        let mut jwk = self.public_jwk();
        jwk["d"] = b64(&self.key.to_bytes()).into();
        jwk
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_private_jwk_and_refuses_a_mismatch() {
        let stranger = EcKey::stranger().unwrap_or_else(|e| unreachable!("{e}"));
        let mut jwk = stranger.private_jwk();
        let read = EcKey::from_private_jwk(&jwk.to_string());
        assert_eq!(read.map(|k| k.kid).ok().as_deref(), Some("attacker"));
        jwk["x"] = jwk["y"].clone();
        assert!(EcKey::from_private_jwk(&jwk.to_string()).is_err());
        jwk["kid"] = json!("");
        assert!(EcKey::from_private_jwk(&jwk.to_string()).is_err());
    }

    #[test]
    fn es256_signatures_are_64_bytes_and_deterministic() {
        let key = EcKey::stranger().unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(key.sign("a.b").len(), 64);
        assert_eq!(key.sign("a.b"), key.sign("a.b"));
    }
}
