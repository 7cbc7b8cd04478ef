//! JWS signature verification (RFC 7515 §5.2, RFC 7518 §3.3–3.5) over the exact received
//! bytes.
//!
//! Format checks happen here, identically for both paths, before any verifier runs: ES256
//! signatures are exactly 64 bytes of `r || s` with 0 < r, s < n (G01–G05); RSA signatures
//! are exactly the modulus length (G07). Then the host's native verifier is asked, and the
//! pure-Rust verifiers (jwt-compact over p256 / rsa) run when it offers nothing.
//! [`SignatureOk`] is minted only by [`verify`].

use jwt_compact::alg::{Es256, Rsa, RsaSignature};
use jwt_compact::{Algorithm, AlgorithmSignature};

use crate::compact;
use crate::error::{Code, Rejection};
use crate::host::{Accelerated, Host, PublicKeyRef};
use crate::jose_header::{self, Alg};
use crate::jwk::{KeyMaterial, TrustedKey};
use crate::jwks::{self, KeySet};

/// Proof that a signature verified. Only [`verify`] constructs it.
#[derive(Debug)]
pub struct SignatureOk(());

/// Which verifier decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifiedBy {
    /// The host's native verifier.
    Host,
    /// The component's pure-Rust verifier.
    Component,
}

/// Verifies `signature` over `signing_input` with `key` for `alg`.
pub fn verify(
    host: &mut dyn Host,
    alg: Alg,
    key: &TrustedKey,
    signing_input: &str,
    signature: &[u8],
) -> Result<(SignatureOk, VerifiedBy), Rejection> {
    let invalid = |why: &str| Rejection::new(Code::SignatureInvalid, why.to_owned());
    let message = signing_input.as_bytes();
    match (&key.material, alg) {
        (KeyMaterial::EcP256 { key: vk, sec1 }, Alg::Es256) => {
            if signature.len() != 64 {
                return Err(invalid("ES256 signature is not 64 bytes of r || s"));
            }
            // Refuses r or s equal to zero or not below the group order (G02, G03).
            let sig = <p256::ecdsa::Signature as AlgorithmSignature>::try_from_slice(signature)
                .map_err(|_| invalid("ES256 signature scalars out of range"))?;
            match host.verify_signature(alg, PublicKeyRef::EcP256(sec1), message, signature) {
                Accelerated::Valid => Ok((SignatureOk(()), VerifiedBy::Host)),
                Accelerated::Invalid => Err(invalid("signature does not verify")),
                Accelerated::NotOffered => {
                    if Es256.verify_signature(&sig, vk, message) {
                        Ok((SignatureOk(()), VerifiedBy::Component))
                    } else {
                        Err(invalid("signature does not verify"))
                    }
                }
            }
        }
        (KeyMaterial::Rsa { key: pk, n, e }, Alg::Rs256 | Alg::Ps256) => {
            if signature.len() != n.len() {
                return Err(invalid(
                    "RSA signature length differs from the modulus length",
                ));
            }
            match host.verify_signature(alg, PublicKeyRef::Rsa { n, e }, message, signature) {
                Accelerated::Valid => Ok((SignatureOk(()), VerifiedBy::Host)),
                Accelerated::Invalid => Err(invalid("signature does not verify")),
                Accelerated::NotOffered => {
                    let verifier = if alg == Alg::Rs256 {
                        Rsa::rs256()
                    } else {
                        Rsa::ps256()
                    };
                    let sig = RsaSignature::try_from_slice(signature)
                        .map_err(|_| invalid("RSA signature unreadable"))?;
                    if verifier.verify_signature(&sig, pk, message) {
                        Ok((SignatureOk(()), VerifiedBy::Component))
                    } else {
                        Err(invalid("signature does not verify"))
                    }
                }
            }
        }
        // Key selection only hands out keys that permit `alg`; this arm keeps the match total.
        _ => Err(Rejection::new(
            Code::KeyRejected,
            format!("{} cannot verify {}", key.label(), alg.name()),
        )),
    }
}

/// A compact JWS whose structure and header policy passed, with its `alg` allowed; nothing
/// about its signature or claims is known yet.
#[derive(Debug)]
pub struct HeaderChecked<'a> {
    jws: compact::UntrustedJws<'a>,
    kid: Option<String>,
    typ: Option<String>,
    alg: Alg,
}

/// The JWS layer up to key selection, without `typ`: compact split → header policy → `alg`
/// in `allowed`.
pub fn check_header<'a>(token: &'a str, allowed: &[Alg]) -> Result<HeaderChecked<'a>, Rejection> {
    let jws = compact::split(token)?;
    let header = jose_header::parse(&jws.header)?;
    let alg = header.check_alg(allowed)?;
    Ok(HeaderChecked {
        jws,
        kid: header.kid,
        typ: header.typ,
        alg,
    })
}

impl HeaderChecked<'_> {
    /// The header's `typ`, as received.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The payload bytes, NOT yet verified: only for finding which keys to verify with.
    pub fn payload_unverified(&self) -> &[u8] {
        &self.jws.payload
    }

    /// Selects the key from `keys` and verifies the signature; returns the payload bytes.
    /// Checks no claim: the profiles (`id_jag`, `access_token`) are what accept tokens.
    pub fn verify(
        self,
        host: &mut dyn Host,
        keys: &KeySet,
    ) -> Result<(Vec<u8>, VerifiedBy), Rejection> {
        let kid = self.kid.as_deref();
        let key = keys
            .select(kid, self.alg)
            .map_err(|miss| jwks::miss_rejection(miss, kid, self.alg))?;
        let (_, by) = verify(
            host,
            self.alg,
            key,
            self.jws.signing_input,
            &self.jws.signature,
        )?;
        Ok((self.jws.payload, by))
    }
}

/// [`sign_es256`], with the host's native signer when it offers one and its signature verifies
/// (natively) under `key`'s public point; otherwise the pure-Rust signer. A host whose
/// signer is broken therefore costs speed, never a bad token.
pub fn sign_es256_with(
    host: &mut dyn Host,
    header_json: &str,
    payload_json: &str,
    key: &p256::ecdsa::SigningKey,
) -> String {
    let signing_input = format!(
        "{}.{}",
        crate::base64url::encode(header_json.as_bytes()),
        crate::base64url::encode(payload_json.as_bytes())
    );
    let point = key.verifying_key().to_encoded_point(false);
    let d = key.to_bytes();
    if let Some(signature) = host.sign_es256(&d, point.as_bytes(), signing_input.as_bytes()) {
        let checked = signature.len() == 64
            && host.verify_signature(
                Alg::Es256,
                PublicKeyRef::EcP256(point.as_bytes()),
                signing_input.as_bytes(),
                &signature,
            ) == Accelerated::Valid;
        if checked {
            return format!("{signing_input}.{}", crate::base64url::encode(&signature));
        }
    }
    let signature = Es256.sign(key, signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        crate::base64url::encode(&signature.to_bytes())
    )
}

/// Signs `header_json` and `payload_json` (exact bytes) with an ES256 key and returns the
/// compact serialization. ECDSA nonces are deterministic (RFC 6979): no randomness needed.
pub fn sign_es256(header_json: &str, payload_json: &str, key: &p256::ecdsa::SigningKey) -> String {
    let signing_input = format!(
        "{}.{}",
        crate::base64url::encode(header_json.as_bytes()),
        crate::base64url::encode(payload_json.as_bytes())
    );
    let signature = Es256.sign(key, signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        crate::base64url::encode(&signature.to_bytes())
    )
}
