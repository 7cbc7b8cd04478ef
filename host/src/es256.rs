//! The ES256 signing the host does itself, with p256 directly (RFC 6979 deterministic, the
//! fixed 64-byte `r || s` of RFC 7518 §3.4): fresh keys for `xaa keys generate` and `xaa dev
//! sample`, the sample tokens, and the black-box conformance mode, which plays an IdP against
//! someone else's server. These sign test inputs and keys, so they come from code independent
//! of the component that judges them; every validation runs through the component.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Longest `kid` accepted (the component's own limit for issuing keys).
const MAX_KID_BYTES: usize = 256;

/// The members of a private EC JWK this module reads (others are ignored).
#[derive(Deserialize)]
struct PrivateJwk {
    kty: String,
    crv: String,
    kid: String,
    d: String,
    x: String,
    y: String,
    alg: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
}

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
        let jwk: PrivateJwk =
            serde_json::from_str(text).map_err(|e| format!("signing key: {e}"))?;
        if (jwk.kty.as_str(), jwk.crv.as_str()) != ("EC", "P-256") {
            return Err("signing key: issuing keys are EC P-256 (ES256) only".into());
        }
        if jwk.alg.is_some_and(|a| a != "ES256") || jwk.key_use.is_some_and(|u| u != "sig") {
            return Err("signing key: \"alg\" must be ES256 and \"use\" sig when given".into());
        }
        if jwk.kid.is_empty() || jwk.kid.len() > MAX_KID_BYTES {
            return Err("signing key: a non-empty \"kid\" of at most 256 bytes is required".into());
        }
        let d = unb64(&jwk.d)
            .filter(|d| d.len() == 32)
            .ok_or("signing key: \"d\" is not a canonical 32-byte base64url scalar")?;
        let key =
            SigningKey::from_slice(&d).map_err(|_| "signing key: \"d\" is not a valid scalar")?;
        let read = EcKey { kid: jwk.kid, key };
        let public = read.public_jwk();
        if public["x"] != jwk.x.as_str() || public["y"] != jwk.y.as_str() {
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
