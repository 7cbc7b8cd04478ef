//! RFC 7515 Appendix A and RFC 7520 §4.1 example JWS objects at the JWS layer.
//!
//! Positive: A.2 (RS256), A.3 (ES256, a randomized but fixed signature) and RFC 7520 §4.1
//! (RS256) verify over the exact received bytes (their payloads carry CR LF whitespace, so a
//! re-serialized payload would not verify), through both the pure-Rust and the native path.
//! Negative: A.1 (HS256) and A.5 (`alg: none`) are refused as `alg_not_allowed`, and neither
//! algorithm can be configured.
//!
//! The tokens and keys are transcribed from the RFCs' text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use serde_json::{json, Value};

use xaa_guest::base64url;
use xaa_guest::compact;
use xaa_guest::error::Code;
use xaa_guest::jose_header::{self, Alg};
use xaa_guest::jwks;
use xaa_guest::jws::{self, VerifiedBy};

/// RFC 7515 A.1–A.3 and A.5 share this payload: `{"iss":"joe",\r\n "exp":1300819380,\r\n
/// "http://example.com/is_root":true}`.
const RFC7515_PAYLOAD: &str =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

/// RFC 7515 A.1: HMAC SHA-256 (header `{"typ":"JWT",\r\n "alg":"HS256"}`).
const A1_HS256: &str = concat!(
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
);
/// RFC 7515 A.1's symmetric key.
const A1_JWK_K: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

/// RFC 7515 A.2: RSASSA-PKCS1-v1_5 SHA-256 (header `{"alg":"RS256"}`).
const A2_RS256: &str = concat!(
    "eyJhbGciOiJSUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7",
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4",
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K",
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv",
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB",
    "p0igcN_IoypGlUPQGe77Rw"
);
/// RFC 7515 A.2's RSA modulus (e = AQAB).
const A2_N: &str = concat!(
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4Ql",
    "L-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUs",
    "LA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud",
    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
);

/// RFC 7515 A.3: ECDSA P-256 SHA-256 (header `{"alg":"ES256"}`). ECDSA is randomized; this is
/// the one signature the RFC prints, and it verifies as a fixed value.
const A3_ES256: &str = concat!(
    "eyJhbGciOiJFUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
);
/// RFC 7515 A.3's public key coordinates.
const A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

/// RFC 7515 A.5: an Unsecured JWS (header `{"alg":"none"}`, empty signature).
const A5_NONE: &str = concat!(
    "eyJhbGciOiJub25lIn0",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    "."
);

/// RFC 7520 §4.1: RSA v1.5 signature (Figure 13, compact serialization).
const RFC7520_4_1_RS256: &str = concat!(
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX",
    "hhbXBsZSJ9",
    ".",
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH",
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk",
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm",
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4",
    ".",
    "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmK",
    "ZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4J",
    "IwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8w",
    "W1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluP",
    "xUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_f",
    "cIe8u9ipH84ogoree7vjbU5y18kDquDg"
);
/// RFC 7520 §3.3 (Figure 3): the public half of the RSA key "bilbo.baggins@hobbiton.example".
const RFC7520_KID: &str = "bilbo.baggins@hobbiton.example";
const RFC7520_N: &str = concat!(
    "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMa",
    "JMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6c",
    "S6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwd",
    "q_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw"
);

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

fn a2_jwks() -> String {
    json!({"keys": [{"kty": "RSA", "n": A2_N, "e": "AQAB"}]}).to_string()
}

fn a3_jwks() -> String {
    json!({"keys": [{"kty": "EC", "crv": "P-256", "x": A3_X, "y": A3_Y}]}).to_string()
}

fn rfc7520_jwks() -> String {
    json!({"keys": [{
        "kty": "RSA", "kid": RFC7520_KID, "use": "sig", "n": RFC7520_N, "e": "AQAB",
    }]})
    .to_string()
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
        assert_eq!(
            jws_layer(token, &jwks_doc, false),
            Ok(VerifiedBy::Component),
            "{name}, pure Rust"
        );
        assert_eq!(
            jws_layer(token, &jwks_doc, true),
            Ok(VerifiedBy::Host),
            "{name}, native"
        );
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
        for native in [false, true] {
            assert_eq!(
                jws_layer(&forged, &jwks_doc, native),
                Err(Code::SignatureInvalid),
                "{name}, native {native}"
            );
        }
        // A flipped signature bit fails too.
        let mut sig = base64url::decode(signature).unwrap();
        let last = sig.len() - 1;
        sig[last] ^= 0x01;
        let flipped = format!("{header}.{payload}.{}", base64url::encode(&sig));
        for native in [false, true] {
            assert_eq!(
                jws_layer(&flipped, &jwks_doc, native),
                Err(Code::SignatureInvalid),
                "{name} flipped, native {native}"
            );
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
