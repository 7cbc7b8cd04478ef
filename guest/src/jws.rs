//! JWS signature verification (RFC 7515 §5.2, RFC 7518 §3.3–3.5) over the exact received
//! bytes.
//!
//! Format checks happen here, identically for both paths, before any verifier runs: ES256
//! signatures are exactly 64 bytes of `r || s` with 0 < r, s < n (G01–G05); RSA signatures
//! are exactly the modulus length (G07). Then the host's native verifier is asked, and the
//! pure-Rust verifiers (jwt-compact over p256 / rsa) run when it offers nothing.
//! [`SignatureOk`] is minted only by [`verify`].
//!
//! Every token kind (ID-JAG, access token, ID token and refresh token, client assertion, the
//! diagnostic signature check) runs the same pipeline, parameterised by its `typ` rule, its
//! `alg` allow-list and its key source: [`open`] (compact → header → `typ`) →
//! [`Opened::check_alg`] → [`AlgChecked::verify`] (key → signature). The stages are separate
//! so a kind may read the unverified payload in between (the ID-JAG's `iss` chooses the
//! allow-list and keys).

use jwt_compact::alg::{Es256, Rsa, RsaSignature};
use jwt_compact::{Algorithm, AlgorithmSignature};

use std::sync::Arc;

use crate::compact;
use crate::error::{escape_for_log, Code, Rejection};
use crate::explain::Trace;
use crate::host::{Accelerated, Host, PublicKeyRef};
use crate::jose_header::{self, typ_matches, Alg};
use crate::jwk::{KeyMaterial, TrustedKey};
use crate::jwks::{self, KeySet};
use crate::key_store::{KeyOrigin, KeyStore, SourceId};

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

/// The `typ` a token kind must carry (RFC 8725 §3.11) or must not (§3.12). Media types
/// compare without their `application/` prefix, case-insensitively.
#[derive(Clone, Copy, Debug)]
pub enum TypRule<'a> {
    /// Exactly this type; an absent `typ` is refused (ID-JAG, RFC 9068 access token, the
    /// development refresh token).
    Exactly(&'a str),
    /// This type or none (an OpenID Connect ID token: `JWT`).
    ExactlyOrAbsent(&'a str),
    /// Anything but these types (a client assertion must not be another kind of token).
    NoneOf(&'a [&'a str]),
    /// Not checked: the JWS layer alone, for diagnostics and conformance vectors.
    Unchecked,
}

impl TypRule<'_> {
    fn check(self, header: &jose_header::Header) -> Result<(), Rejection> {
        let typ = header.typ.as_deref();
        let refused = |what: &str| {
            Rejection::new(
                Code::TypMismatch,
                format!(
                    "typ \"{}\" is not {what}",
                    escape_for_log(typ.unwrap_or("(absent)"), 64)
                ),
            )
        };
        match (self, typ) {
            (TypRule::Exactly(expected), _) => header.check_typ(expected),
            (TypRule::ExactlyOrAbsent(_), None) | (TypRule::Unchecked, _) => Ok(()),
            (TypRule::ExactlyOrAbsent(expected), Some(typ)) if typ_matches(typ, expected) => Ok(()),
            (TypRule::ExactlyOrAbsent(expected), Some(_)) => {
                Err(refused(&format!("{expected:?} (or absent)")))
            }
            (TypRule::NoneOf(refused_types), Some(typ))
                if refused_types.iter().any(|t| typ_matches(typ, t)) =>
            {
                Err(refused("a type accepted here"))
            }
            (TypRule::NoneOf(_), _) => Ok(()),
        }
    }
}

/// Where the verifying key comes from.
pub enum Keys<'k> {
    /// One source of the instance's key store: a trusted issuer's inline or fetched JWK Set.
    Store {
        /// The instance's keys.
        store: &'k mut KeyStore,
        /// Which source.
        source: SourceId,
    },
    /// A fixed JWK Set: the IdP's own keys, a client's registered keys, a diagnostic set.
    Set(&'k KeySet),
}

/// A compact JWS whose structure, header policy and `typ` passed; nothing about its `alg`,
/// signature or claims is known yet. The first stage of the one JWS pipeline every token
/// kind runs: [`open`] → [`Opened::check_alg`] → [`AlgChecked::verify`].
#[derive(Debug)]
pub struct Opened<'a> {
    jws: compact::UntrustedJws<'a>,
    header: jose_header::Header,
}

/// An [`Opened`] JWS whose `alg` is in the token kind's allow-list.
#[derive(Debug)]
pub struct AlgChecked<'a> {
    jws: compact::UntrustedJws<'a>,
    kid: Option<String>,
    #[cfg(any(test, feature = "internals"))]
    typ: Option<String>,
    alg: Alg,
}

/// A JWS whose signature verified under a trusted key; its payload is still to be read by
/// the token kind's claim rules.
#[derive(Debug)]
pub struct Verified {
    /// The payload bytes (decoded), exactly as signed.
    pub payload: Vec<u8>,
    /// The proof [`verify`] minted.
    pub proof: SignatureOk,
    /// The key that verified it.
    pub key: Arc<TrustedKey>,
}

/// Stage 1: compact split (`compact`) → header policy (`header`) → `typ` (`header.typ`,
/// recorded unless [`TypRule::Unchecked`]).
pub fn open<'a>(
    token: &'a str,
    typ: TypRule<'_>,
    trace: &mut Trace,
) -> Result<Opened<'a>, Rejection> {
    let jws = trace.step("compact", compact::split(token), |j| {
        format!("3 segments, {} signature bytes", j.signature.len())
    })?;
    let header = trace.step("header", jose_header::parse(&jws.header), |h| {
        format!(
            "alg \"{}\", no forbidden parameter",
            escape_for_log(&h.alg, 16)
        )
    })?;
    match typ {
        TypRule::Unchecked => {}
        TypRule::Exactly(expected) => {
            trace.step("header.typ", typ.check(&header), |_| {
                format!("typ is {expected}")
            })?;
        }
        _ => {
            trace.step("header.typ", typ.check(&header), |_| "typ accepted".into())?;
        }
    }
    Ok(Opened { jws, header })
}

impl<'a> Opened<'a> {
    /// The payload bytes, NOT yet verified: only for finding which keys to verify with.
    pub fn payload_unverified(&self) -> &[u8] {
        &self.jws.payload
    }

    /// Stage 2: the header's `alg` is in `allowed` (`header.alg`); `allowed_for` qualifies
    /// the allow-list in the explanation (e.g. " for this issuer").
    pub fn check_alg(
        self,
        allowed: &[Alg],
        allowed_for: &str,
        trace: &mut Trace,
    ) -> Result<AlgChecked<'a>, Rejection> {
        let alg = trace.step("header.alg", self.header.check_alg(allowed), |a| {
            format!("{} is allowed{allowed_for}", a.name())
        })?;
        Ok(AlgChecked {
            jws: self.jws,
            kid: self.header.kid,
            #[cfg(any(test, feature = "internals"))]
            typ: self.header.typ,
            alg,
        })
    }
}

/// Stages 1 and 2 without `typ` and without a trace: compact split → header policy → `alg`
/// in `allowed` (the JWS layer alone, for diagnostics and the fuzz targets).
pub fn check_header<'a>(token: &'a str, allowed: &[Alg]) -> Result<AlgChecked<'a>, Rejection> {
    let mut off = Trace::off();
    open(token, TypRule::Unchecked, &mut off)?.check_alg(allowed, "", &mut off)
}

impl AlgChecked<'_> {
    // Used only outside the component (host, fuzz crate, tests), through `internals`.
    #[cfg(any(test, feature = "internals"))]
    /// The header's `typ`, as received.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The payload bytes, NOT yet verified: only for finding which keys to verify with.
    pub fn payload_unverified(&self) -> &[u8] {
        &self.jws.payload
    }

    /// Stage 3: the key for (`kid`, `alg`) from `keys` (`key`) → the signature over the
    /// received bytes (`signature`). Checks no claim: the token kinds are what accept tokens.
    pub fn verify(
        self,
        host: &mut dyn Host,
        keys: Keys<'_>,
        trace: &mut Trace,
    ) -> Result<Verified, Rejection> {
        let (kid, alg) = (self.kid.as_deref(), self.alg);
        let selected = match keys {
            Keys::Store { store, source } => store.select(host, source, kid, alg),
            Keys::Set(set) => set
                .select(kid, alg)
                .map(|key| (Arc::clone(key), KeyOrigin::Configured))
                .map_err(|miss| jwks::miss_rejection(miss, kid, alg)),
        };
        let (key, _origin) =
            trace.step("key", selected, |(k, o)| format!("{} ({o:?})", k.label()))?;
        let (proof, _by) = trace.step(
            "signature",
            verify(host, alg, &key, self.jws.signing_input, &self.jws.signature),
            |(_, by)| format!("{} verified by {by:?}", alg.name()),
        )?;
        Ok(Verified {
            payload: self.jws.payload,
            proof,
            key,
        })
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

// Used only outside the component (host, fuzz crate, tests), through `internals`.
#[cfg(any(test, feature = "internals"))]
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
