//! RFC 7515 Appendix A and RFC 7520 §4.1 example JWS objects at the JWS layer.
//!
//! Positive: A.2 (RS256), A.3 (ES256, a randomized but fixed signature) and RFC 7520 §4.1
//! (RS256) verify over the exact received bytes (their payloads carry CR LF whitespace, so a
//! re-serialized payload would not verify), through both the pure-Rust and the native path.
//! Negative: A.1 (HS256) and A.5 (`alg: none`) are refused as `alg_not_allowed`, and neither
//! algorithm can be configured.
//!
//! The tokens and keys are transcribed from the RFCs' text.

use crate::common;

use common::*;
use serde_json::{json, Value};

use xaa_guest::base64url;
use xaa_guest::compact;
use xaa_guest::error::Code;
use xaa_guest::jose_header::{self, Alg};
use xaa_guest::jwks;
use xaa_guest::jws::{self, VerifiedBy};

use xaa_testkit::cases::examples::*;

/// The JWS layer in the validators' order (minus `typ`): `Ok(verifier)` or the rejection code.
fn jws_layer(token: &str, jwks_doc: &str, native: bool) -> Result<VerifiedBy, Code> {
    let jws = compact::split(token).map_err(|r| r.code)?;
    assert_eq!(
        jws.signing_input,
        &token[..token.rfind('.').unwrap()],
        "the signing input is the received bytes"
    );
    let header = jose_header::parse(&jws.header).map_err(|r| r.code)?;
    let alg = header.check_alg(&Alg::ALL).map_err(|r| r.code)?;
    let set = jwks::parse(jwks_doc).map_err(|_| Code::KeyRejected)?;
    let key = set
        .select(header.kid.as_deref(), alg)
        .map_err(|m| jwks::miss_rejection(m, header.kid.as_deref(), alg).code)?
        .clone();
    let mut host = NativeHost::new(native);
    jws::verify(&mut host, alg, &key, jws.signing_input, &jws.signature)
        .map(|(_, by)| by)
        .map_err(|r| r.code)
}

fn positives() -> [(&'static str, &'static str, String, Alg); 3] {
    [
        ("RFC 7515 A.2 (RS256)", A2_RS256, a2_jwks(), Alg::Rs256),
        ("RFC 7515 A.3 (ES256)", A3_ES256, a3_jwks(), Alg::Es256),
        (
            "RFC 7520 §4.1 (RS256)",
            RFC7520_4_1_RS256,
            rfc7520_jwks(),
            Alg::Rs256,
        ),
    ]
}

#[test]
fn positive_fixtures_verify_on_both_paths() {
    for (name, token, jwks_doc, alg) in positives() {
        let header: Value =
            serde_json::from_slice(&base64url::decode(token.split('.').next().unwrap()).unwrap())
                .unwrap();
        assert_eq!(header["alg"], alg.name(), "{name}");
        for (native, by) in [(false, VerifiedBy::Component), (true, VerifiedBy::Host)] {
            assert_eq!(
                jws_layer(token, &jwks_doc, native),
                Ok(by),
                "{name}, native {native}"
            );
        }
    }
}

#[test]
fn positive_fixtures_verify_only_over_the_received_bytes() {
    for (name, token, jwks_doc, _) in positives() {
        let (header, rest) = token.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        let decoded = base64url::decode(payload).unwrap();
        // The same content, re-encoded: RFC 7515's JSON without its CR LF whitespace, RFC
        // 7520's text with one byte changed.
        let altered = match serde_json::from_slice::<Value>(&decoded) {
            Ok(json) => json.to_string().into_bytes(),
            Err(_) => {
                let mut bytes = decoded.clone();
                bytes[0] ^= 0x20;
                bytes
            }
        };
        assert_ne!(altered, decoded, "{name}");
        let forged = format!("{header}.{}.{signature}", base64url::encode(&altered));
        // A flipped signature bit fails too.
        let mut sig = base64url::decode(signature).unwrap();
        let last = sig.len() - 1;
        sig[last] ^= 0x01;
        let flipped = format!("{header}.{payload}.{}", base64url::encode(&sig));
        for (token, what) in [
            (&forged, "payload altered"),
            (&flipped, "signature bit flipped"),
        ] {
            for native in [false, true] {
                assert_eq!(
                    jws_layer(token, &jwks_doc, native),
                    Err(Code::SignatureInvalid),
                    "{name} {what}, native {native}"
                );
            }
        }
    }
}

#[test]
fn positive_fixtures_refuse_the_other_fixtures_key() {
    // A.2's signature under the RFC 7520 key, and the reverse: the kid/alg selection and the
    // signature check keep keys apart.
    assert_eq!(
        jws_layer(A2_RS256, &rfc7520_jwks(), false),
        Err(Code::SignatureInvalid)
    );
    assert_eq!(
        jws_layer(RFC7520_4_1_RS256, &a2_jwks(), false),
        Err(Code::KeyNotFound)
    );
    assert_eq!(
        jws_layer(A3_ES256, &a2_jwks(), false),
        Err(Code::KeyRejected)
    );
}

#[test]
fn a1_hs256_and_a5_none_are_alg_not_allowed() {
    let oct = json!({"keys": [{"kty": "oct", "k": A1_JWK_K}]}).to_string();
    assert!(
        jwks::parse(&oct).is_err(),
        "a symmetric JWK is never trusted"
    );
    for (name, token) in [
        ("RFC 7515 A.1 (HS256)", A1_HS256),
        ("RFC 7515 A.5 (none)", A5_NONE),
    ] {
        assert!(token.starts_with("eyJ"), "{name}");
        for jwks_doc in [a2_jwks(), a3_jwks(), oct.clone()] {
            for native in [false, true] {
                assert_eq!(
                    jws_layer(token, &jwks_doc, native),
                    Err(Code::AlgNotAllowed),
                    "{name}, native {native}"
                );
            }
        }
        // Through the component, as an access token: refused (A.1's typ "JWT" is caught
        // before alg; A.5 has no typ).
        let mut h = Harness::new();
        assert_ne!(h.access_token(token), "valid", "{name}");
    }
    assert!(A5_NONE.ends_with('.'), "A.5 carries an empty signature");
    assert!(!RFC7515_PAYLOAD.is_empty() && A1_HS256.contains(RFC7515_PAYLOAD));
    // Neither algorithm can be configured at all.
    for alg in ["HS256", "none"] {
        let mut c = config();
        c.resource_server.as_mut().unwrap().algorithms = vec![alg.into()];
        assert!(
            !refusals(c).is_empty(),
            "{alg} was accepted in configuration"
        );
    }
}
