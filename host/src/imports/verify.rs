//! `register-public-key`, `verify-signature`, `register-signing-key` and `sign-es256`: the
//! optional native crypto (aws-lc-rs). The component has already checked signature formats
//! and picked the key; this only runs the primitive, which is ~30× faster natively than
//! pure-Rust inside wasm (perf-anchors.md; BENCHMARKS.md for signing). The component checks
//! every native signature with `verify-signature`.
//!
//! A key is parsed once, when the component registers it, and named by a handle after that:
//! no key bytes cross the boundary per token. Handles are indexes into append-only tables
//! shared by every instance of a pool (clones share them), the same key always gets the same
//! handle, and past [`MAX_KEY_HANDLES`] the verifier declines new keys (the component then
//! verifies in pure Rust) rather than forget a handle an instance still uses.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, ParsedPublicKey, RsaPublicKeyComponents};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::bindings::xaa::token::types::{AcceleratedVerify, Algorithm, PublicKey};

/// Most distinct keys registered per kind (public, signing); keys a trusted issuer publishes
/// over a process's life stay far below it.
pub const MAX_KEY_HANDLES: usize = 1024;

/// One kind of registered key: the parsed keys by handle, and the handle of each key's bytes.
struct Table<K> {
    keys: Vec<Arc<K>>,
    handles: HashMap<Vec<u8>, u32>,
}

impl<K> Default for Table<K> {
    fn default() -> Self {
        Table {
            keys: Vec::new(),
            handles: HashMap::new(),
        }
    }
}

impl<K> Table<K> {
    fn register(&mut self, id: Vec<u8>, parse: impl FnOnce() -> Option<K>) -> Option<u32> {
        if let Some(&handle) = self.handles.get(&id) {
            return Some(handle);
        }
        if self.keys.len() >= MAX_KEY_HANDLES {
            return None;
        }
        let handle = u32::try_from(self.keys.len()).ok()?;
        self.keys.push(Arc::new(parse()?));
        self.handles.insert(id, handle);
        Some(handle)
    }

    fn get(&self, handle: u32) -> Option<Arc<K>> {
        self.keys.get(handle as usize).cloned()
    }
}

/// Native verification and ES256 signing with aws-lc-rs. Clones share the key tables.
#[derive(Clone, Default)]
pub struct NativeVerifier {
    public: Arc<RwLock<Table<ParsedPublicKey>>>,
    signing: Arc<RwLock<Table<EcdsaKeyPair>>>,
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

/// The table key of (alg, key): length-prefixed so no two pairs share bytes.
fn key_id(alg: Algorithm, key: &PublicKey) -> Vec<u8> {
    let tag = match alg {
        Algorithm::Es256 => 0,
        Algorithm::Rs256 => 1,
        Algorithm::Ps256 => 2,
    };
    let mut id = vec![tag];
    match key {
        PublicKey::EcP256(point) => id.extend_from_slice(point),
        PublicKey::Rsa(k) => {
            id.extend_from_slice(&(k.n.len() as u32).to_be_bytes());
            id.extend_from_slice(&k.n);
            id.extend_from_slice(&k.e);
        }
    }
    id
}

impl NativeVerifier {
    /// A verifier with no keys registered.
    pub fn new() -> Self {
        NativeVerifier::default()
    }

    /// The handle of (alg, key), registering it on first sight; `None` for a key aws-lc
    /// refuses (the component then decides with its own verifier rather than guess) or past
    /// the table bound.
    pub fn register_public_key(&self, alg: Algorithm, key: &PublicKey) -> Option<u32> {
        let mut table = self.public.write().ok()?;
        table.register(key_id(alg, key), || parse(alg, key))
    }

    /// Verifies `signature` (base64url, as in the token) over `signing_input` with the key of
    /// `handle`, or says it does not know the handle.
    pub fn verify(&self, handle: u32, signing_input: &str, signature: &str) -> AcceleratedVerify {
        let Some(key) = self.public.read().ok().and_then(|t| t.get(handle)) else {
            return AcceleratedVerify::NotOffered;
        };
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
            return AcceleratedVerify::Invalid;
        };
        if key.verify_sig(signing_input.as_bytes(), &signature).is_ok() {
            AcceleratedVerify::Valid
        } else {
            AcceleratedVerify::Invalid
        }
    }

    /// The handle of the P-256 signing key with scalar `d` and public `point`; `None` when
    /// aws-lc refuses the pair (the component then signs itself).
    pub fn register_signing_key(&self, d: &[u8], point: &[u8]) -> Option<u32> {
        let mut table = self.signing.write().ok()?;
        table.register(point.to_vec(), || {
            EcdsaKeyPair::from_private_key_and_public_key(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                d,
                point,
            )
            .ok()
        })
    }

    /// ES256 (r || s, base64url) of `signing_input` with the signing key of `handle`.
    pub fn sign_es256(&self, handle: u32, signing_input: &str) -> Option<String> {
        let pair = self.signing.read().ok()?.get(handle)?;
        let signature = pair
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .ok()?;
        Some(URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    /// How many public and signing keys are registered.
    pub fn registered(&self) -> (usize, usize) {
        let count = |n: Option<usize>| n.unwrap_or(0);
        (
            count(self.public.read().ok().map(|t| t.keys.len())),
            count(self.signing.read().ok().map(|t| t.keys.len())),
        )
    }
}
