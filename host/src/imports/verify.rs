//! `verify-signature`: the optional native verifier (aws-lc-rs). The component has already
//! checked signature formats and picked the key; this only runs the primitive, which is
//! ~30× faster natively than pure-Rust inside wasm (perf-anchors.md).
//!
//! Parsed keys are cached (bounded) so a key is parsed once, not once per token: the
//! component hands over the same key bytes for every token of an issuer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents};

use crate::bindings::xaa::token::types::{AcceleratedVerify, Algorithm, PublicKey};

/// Most parsed keys kept; the cache is emptied when it would grow past this.
pub const MAX_CACHED_KEYS: usize = 256;

type CacheKey = (u8, Vec<u8>);

/// Native verification with aws-lc-rs. Clones share one key cache.
#[derive(Clone, Default)]
pub struct NativeVerifier {
    parsed: Arc<Mutex<HashMap<CacheKey, ParsedPublicKey>>>,
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
}
