//! `verify-signature`: the optional native verifier (aws-lc-rs). The component has already
//! checked signature formats and picked the key; this only runs the primitive, which is
//! ~30× faster natively than pure-Rust inside wasm (perf-anchors.md).

use aws_lc_rs::signature::{
    self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm,
};

use crate::bindings::xaa::token::types::{AcceleratedVerify, Algorithm, PublicKey};

/// Native verification with aws-lc-rs.
#[derive(Clone, Copy, Debug, Default)]
pub struct NativeVerifier;

impl NativeVerifier {
    /// Verifies, or says it does not offer this combination.
    pub fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        message: &[u8],
        sig: &[u8],
    ) -> AcceleratedVerify {
        let outcome = match (alg, key) {
            (Algorithm::Es256, PublicKey::EcP256(point)) => {
                verify_with(&signature::ECDSA_P256_SHA256_FIXED, point, message, sig)
            }
            (Algorithm::Rs256, PublicKey::Rsa(k)) => RsaPublicKeyComponents { n: &k.n, e: &k.e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
                .is_ok(),
            (Algorithm::Ps256, PublicKey::Rsa(k)) => RsaPublicKeyComponents { n: &k.n, e: &k.e }
                .verify(&signature::RSA_PSS_2048_8192_SHA256, message, sig)
                .is_ok(),
            _ => return AcceleratedVerify::NotOffered,
        };
        if outcome {
            AcceleratedVerify::Valid
        } else {
            AcceleratedVerify::Invalid
        }
    }
}

fn verify_with(
    alg: &'static dyn VerificationAlgorithm,
    key: &[u8],
    message: &[u8],
    sig: &[u8],
) -> bool {
    UnparsedPublicKey::new(alg, key)
        .verify(message, sig)
        .is_ok()
}
