//! The baseline tokens are valid through the component, on both verifier paths.
use crate::common;
use common::*;
use serde_json::json;

#[test]
fn baseline_id_jag_is_valid_native_and_pure_rust() {
    for mut h in [Harness::new(), Harness::pure_rust()] {
        assert_eq!(h.id_jag(&id_jag("smoke-1", json!({}))), "valid");
        let rsa = mint(
            &json!({"typ":"oauth-id-jag+jwt","alg":"RS256","kid":"idp-rsa"}),
            &id_jag_claims("smoke-rs"),
            Signer::Rs256(&keys().idp_rsa),
        );
        assert_eq!(h.id_jag(&rsa), "valid");
        let pss = mint(
            &json!({"typ":"oauth-id-jag+jwt","alg":"PS256","kid":"idp-rsa"}),
            &id_jag_claims("smoke-ps"),
            Signer::Ps256(&keys().idp_rsa),
        );
        assert_eq!(h.id_jag(&pss), "valid");
        assert_eq!(h.access_token(&access_token(json!({}))), "valid");
    }
}

/// WIT 0.2.0 hands keys to the native verifier once, by handle: the component registers each
/// (algorithm, key) it verifies with, reuses the handle for later tokens, and every verdict
/// above really came from the host (a verifier that is never called registers nothing).
#[test]
fn the_native_verifier_is_used_and_parses_each_key_once() {
    let verifier = xaa_host::imports::verify::NativeVerifier::new();
    let mut imports = imports(true);
    imports.verifier = Some(verifier.clone());
    let mut h = Harness::with(config(), imports);
    let rsa = &keys().idp_rsa;
    for round in 0..2 {
        let jti = |alg: &str| format!("handles-{alg}-{round}");
        let tokens = [
            id_jag(&jti("es"), json!({})),
            mint(
                &json!({"typ":"oauth-id-jag+jwt","alg":"RS256","kid":"idp-rsa"}),
                &id_jag_claims(&jti("rs")),
                Signer::Rs256(rsa),
            ),
            mint(
                &json!({"typ":"oauth-id-jag+jwt","alg":"PS256","kid":"idp-rsa"}),
                &id_jag_claims(&jti("ps")),
                Signer::Ps256(rsa),
            ),
        ];
        for token in &tokens {
            assert_eq!(h.id_jag(token), "valid");
        }
        // One ES256 key, and the RSA key once per algorithm (PKCS#1 v1.5 and PSS parse apart).
        assert_eq!(verifier.registered(), (3, 0), "round {round}");
    }
}

/// The verify and sign imports at their edges: unknown handles are not offered, an
/// undecodable signature is invalid, the same key gets the same handle, a key the algorithm
/// cannot use gets none, and a native signature verifies under the registered public key.
#[test]
fn native_verifier_handles_at_their_edges() {
    use xaa_host::imports::verify::NativeVerifier;
    use xaa_host::wit::{AcceleratedVerify, Algorithm, PublicKey};
    let v = NativeVerifier::new();
    assert_eq!(v.verify(0, "a.b", "AAAA"), AcceleratedVerify::NotOffered);
    let signer = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let point = signer
        .verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    let key = PublicKey::EcP256(point.clone());
    let handle = v.register_public_key(Algorithm::Es256, &key).unwrap();
    assert_eq!(v.register_public_key(Algorithm::Es256, &key), Some(handle));
    assert_eq!(v.register_public_key(Algorithm::Rs256, &key), None);
    assert_eq!(
        v.verify(handle, "a.b", "not base64!"),
        AcceleratedVerify::Invalid
    );
    assert_eq!(
        v.verify(handle + 1, "a.b", "AAAA"),
        AcceleratedVerify::NotOffered
    );

    let signing = v.register_signing_key(&signer.to_bytes(), &point).unwrap();
    let signature = v.sign_es256(signing, "eyJ.eyJ").unwrap();
    assert_eq!(
        signature.len(),
        86,
        "64 bytes of r || s, unpadded base64url"
    );
    assert_eq!(
        v.verify(handle, "eyJ.eyJ", &signature),
        AcceleratedVerify::Valid
    );
    assert_eq!(
        v.verify(handle, "eyJ.eyK", &signature),
        AcceleratedVerify::Invalid
    );
    assert_eq!(v.sign_es256(signing + 1, "eyJ.eyJ"), None);
    assert_eq!(
        v.register_signing_key(&[8; 32], &point),
        Some(signing),
        "one handle per point"
    );
    assert_eq!(v.registered(), (1, 1));
}

/// Past its bound the verifier declines new keys (the component verifies those itself)
/// instead of forgetting handles instances hold.
#[test]
fn native_verifier_key_table_is_bounded() {
    use xaa_host::imports::verify::{NativeVerifier, MAX_KEY_HANDLES};
    use xaa_host::wit::{Algorithm, PublicKey};
    let v = NativeVerifier::new();
    let point = |i: usize| {
        let mut d = [0u8; 32];
        d[24..].copy_from_slice(&(i as u64 + 1).to_be_bytes());
        let key = p256::ecdsa::SigningKey::from_slice(&d).unwrap();
        PublicKey::EcP256(
            key.verifying_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
        )
    };
    for i in 0..MAX_KEY_HANDLES {
        assert_eq!(
            v.register_public_key(Algorithm::Es256, &point(i)),
            Some(i as u32)
        );
    }
    assert_eq!(
        v.register_public_key(Algorithm::Es256, &point(MAX_KEY_HANDLES)),
        None
    );
    assert_eq!(
        v.register_public_key(Algorithm::Es256, &point(3)),
        Some(3),
        "known keys keep theirs"
    );
}
