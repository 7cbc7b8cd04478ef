//! `verify-signature` and `sign-es256`: the optional native crypto (aws-lc-rs). The component
//! has already checked signature formats and picked the key; this only runs the primitive,
//! which is ~30× faster natively than pure-Rust inside wasm (perf-anchors.md; BENCHMARKS.md
//! for signing). The component checks every native signature with `verify-signature`.
//!
//! Parsed keys are cached (bounded) so a key is parsed once, not once per token: the
//! component hands over the same key bytes for every token of an issuer, and the same
//! signing key for every token it issues.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, ParsedPublicKey, RsaPublicKeyComponents};

use crate::bindings::xaa::token::types::{AcceleratedVerify, Algorithm, PublicKey};

/// Most parsed keys kept; the cache is emptied when it would grow past this.
pub const MAX_CACHED_KEYS: usize = 256;

type CacheKey = (u8, Vec<u8>);

/// Most signing keys kept (a token endpoint signs with one key at a time).
pub const MAX_CACHED_SIGNING_KEYS: usize = 16;

/// Native verification and ES256 signing with aws-lc-rs. Clones share the key caches.
#[derive(Clone, Default)]
pub struct NativeVerifier {
    parsed: Arc<Mutex<HashMap<CacheKey, ParsedPublicKey>>>,
    signing: Arc<Mutex<HashMap<Vec<u8>, Arc<EcdsaKeyPair>>>>,
}

impl std::fmt::Debug for NativeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NativeVerifier(aws-lc-rs)")
    }
}

fn parse(alg: Algorithm, key: &PublicKey) -> Option<ParsedPublicKey> {
    match (alg, key) {
        (Algorithm::Es256, PublicKey::EcP256(point)) => {
            ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).ok()
        }
        (Algorithm::Rs256, PublicKey::Rsa(k)) => RsaPublicKeyComponents { n: &k.n, e: &k.e }
            .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
            .ok(),
        (Algorithm::Ps256, PublicKey::Rsa(k)) => RsaPublicKeyComponents { n: &k.n, e: &k.e }
            .to_parsed_public_key(&signature::RSA_PSS_2048_8192_SHA256)
            .ok(),
        _ => None,
    }
}

fn cache_key(alg: Algorithm, key: &PublicKey) -> CacheKey {
    let tag = match alg {
        Algorithm::Es256 => 0,
        Algorithm::Rs256 => 1,
        Algorithm::Ps256 => 2,
    };
    let bytes = match key {
        PublicKey::EcP256(point) => point.clone(),
        PublicKey::Rsa(k) => {
            let mut bytes = (k.n.len() as u32).to_be_bytes().to_vec();
            bytes.extend_from_slice(&k.n);
            bytes.extend_from_slice(&k.e);
            bytes
        }
    };
    (tag, bytes)
}

impl NativeVerifier {
    /// A verifier with an empty key cache.
    pub fn new() -> Self {
        NativeVerifier::default()
    }

    /// Verifies, or says it does not offer this combination.
    pub fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        message: &[u8],
        sig: &[u8],
    ) -> AcceleratedVerify {
        let id = cache_key(alg, key);
        let cached = self.parsed.lock().ok().and_then(|c| c.get(&id).cloned());
        let parsed = match cached {
            Some(parsed) => parsed,
            None => {
                let Some(parsed) = parse(alg, key) else {
                    // Keys the component accepted but aws-lc refuses: let the component
                    // decide with its own verifier rather than guess.
                    return AcceleratedVerify::NotOffered;
                };
                if let Ok(mut cache) = self.parsed.lock() {
                    if cache.len() >= MAX_CACHED_KEYS {
                        cache.clear();
                    }
                    cache.insert(id, parsed.clone());
                }
                parsed
            }
        };
        if parsed.verify_sig(message, sig).is_ok() {
            AcceleratedVerify::Valid
        } else {
            AcceleratedVerify::Invalid
        }
    }

    /// ES256 (r || s) of `message` with the P-256 scalar `d` of `point`; `None` when aws-lc
    /// refuses the pair (the component then signs itself).
    pub fn sign_es256(&self, d: &[u8], point: &[u8], message: &[u8]) -> Option<Vec<u8>> {
        let cached = self.signing.lock().ok().and_then(|c| c.get(d).cloned());
        let pair = match cached {
            Some(pair) => pair,
            None => {
                let pair = Arc::new(
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        d,
                        point,
                    )
                    .ok()?,
                );
                if let Ok(mut cache) = self.signing.lock() {
                    if cache.len() >= MAX_CACHED_SIGNING_KEYS {
                        cache.clear();
                    }
                    cache.insert(d.to_vec(), Arc::clone(&pair));
                }
                pair
            }
        };
        pair.sign(&SystemRandom::new(), message)
            .ok()
            .map(|sig| sig.as_ref().to_vec())
    }
}
