//! The specifications' own examples: RFC 7515 Appendix A and RFC 7520 §4.1 JWS objects at
//! the JWS layer (transcribed from the RFCs' text; `host/tests/rfc_fixtures.rs` uses the same
//! constants), and the ID-JAG draft's example claims sets, minted with the suite's IdP key
//! and validated at a resource authorization server configured with the draft's identifiers
//! and clock. RFC 7523 §4's example claims (no `typ`, `jti` or `client_id`) must fail.

use serde_json::json;

use crate::fixtures::{idp_jwks, keys, CLIENT};
use crate::mint::{mint, Signer};
use crate::steps::MintedStep;
use xaa_vectors::{Case, ConfigFiles, Step};

/// The payload RFC 7515 A.1–A.3 and A.5 share, as a literal for `concat!`.
macro_rules! rfc7515_payload {
    () => {
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    };
}

/// RFC 7515 A.1–A.3 and A.5 share this payload: `{"iss":"joe",\r\n "exp":1300819380,\r\n
/// "http://example.com/is_root":true}`.
pub const RFC7515_PAYLOAD: &str = rfc7515_payload!();

/// RFC 7515 A.1: HMAC SHA-256 (header `{"typ":"JWT",\r\n "alg":"HS256"}`).
pub const A1_HS256: &str = concat!(
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9",
    ".",
    rfc7515_payload!(),
    ".",
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
);
/// RFC 7515 A.1's symmetric key.
pub const A1_JWK_K: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

/// RFC 7515 A.2: RSASSA-PKCS1-v1_5 SHA-256 (header `{"alg":"RS256"}`).
pub const A2_RS256: &str = concat!(
    "eyJhbGciOiJSUzI1NiJ9",
    ".",
    rfc7515_payload!(),
    ".",
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7",
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4",
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K",
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv",
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB",
    "p0igcN_IoypGlUPQGe77Rw"
);
/// RFC 7515 A.2's RSA modulus (e = AQAB).
pub const A2_N: &str = concat!(
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4Ql",
    "L-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUs",
    "LA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud",
    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
);

/// RFC 7515 A.3: ECDSA P-256 SHA-256 (header `{"alg":"ES256"}`). ECDSA is randomized; this is
/// the one signature the RFC prints, and it verifies as a fixed value.
pub const A3_ES256: &str = concat!(
    "eyJhbGciOiJFUzI1NiJ9",
    ".",
    rfc7515_payload!(),
    ".",
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
);
/// RFC 7515 A.3's public key coordinates.
pub const A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
/// RFC 7515 A.3's public key, y.
pub const A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

/// RFC 7515 A.5: an Unsecured JWS (header `{"alg":"none"}`, empty signature).
pub const A5_NONE: &str = concat!(
    "eyJhbGciOiJub25lIn0",
    ".",
    rfc7515_payload!(),
    "."
);

/// RFC 7520 §4.1: RSA v1.5 signature (Figure 13, compact serialization).
pub const RFC7520_4_1_RS256: &str = concat!(
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
pub const RFC7520_KID: &str = "bilbo.baggins@hobbiton.example";
/// RFC 7520 §3.3's RSA modulus (e = AQAB).
pub const RFC7520_N: &str = concat!(
    "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMa",
    "JMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6c",
    "S6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwd",
    "q_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw"
);

/// RFC 7515 A.2's key as a JWK Set.
pub fn a2_jwks() -> String {
    json!({"keys": [{"kty": "RSA", "n": A2_N, "e": "AQAB"}]}).to_string()
}

/// RFC 7515 A.3's key as a JWK Set.
pub fn a3_jwks() -> String {
    json!({"keys": [{"kty": "EC", "crv": "P-256", "x": A3_X, "y": A3_Y}]}).to_string()
}

/// RFC 7520 §3.3's RSA public key as a JWK Set.
pub fn rfc7520_jwks() -> String {
    json!({"keys": [{
        "kty": "RSA", "kid": RFC7520_KID, "use": "sig", "n": RFC7520_N, "e": "AQAB",
    }]})
    .to_string()
}

/// RFC 7515 A.1's symmetric key as a JWK Set (never trusted).
pub fn a1_jwks() -> String {
    json!({"keys": [{"kty": "oct", "k": A1_JWK_K}]}).to_string()
}

const JWS_SECTION: &str = "RFC 7515 / RFC 7520 examples";
const ID_JAG_SECTION: &str = "ID-JAG draft examples";
const ALLOWED: [&str; 3] = ["ES256", "RS256", "PS256"];

/// The draft's identifiers: §4.3.4 (`acme`) and the end-to-end flow of specs.md §5 (`mcp`).
fn draft_toml(as_issuer: &str, idp: &str, resource: &str) -> String {
    format!(
        r#"[authorization_server]
issuer = "{as_issuer}"
resources = ["{resource}"]
max_assertion_lifetime = 1000

[[trusted_issuers]]
issuer = "{idp}"
jwks_file = "idp.jwks"
algorithms = ["ES256"]
"#
    )
}

/// Extra configurations: the draft's identifiers.
pub(super) fn configs() -> Vec<(String, ConfigFiles)> {
    let files = [("idp.jwks".to_owned(), idp_jwks().to_string())]
        .into_iter()
        .collect::<std::collections::BTreeMap<_, _>>();
    vec![
        (
            "examples-draft-4.3.4".into(),
            ConfigFiles {
                toml: draft_toml(
                    "https://acme.chat.example/",
                    "https://acme.idp.example/",
                    "https://api.chat.example/",
                ),
                files: files.clone(),
            },
        ),
        (
            "examples-draft-flow".into(),
            ConfigFiles {
                toml: draft_toml(
                    "https://auth.chat.example/",
                    "https://acme.idp.example",
                    "https://mcp.chat.example/",
                ),
                files,
            },
        ),
    ]
}

/// Within the draft examples' validity window (`iat` 1311280970, `exp` 1311281970).
const DRAFT_NOW: i64 = 1_311_281_000;

/// The cases.
pub(super) fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (id, title, token, jwks) in [
        (
            "example-rfc7515-a2",
            "RFC 7515 A.2 (RS256) verifies over the received bytes",
            A2_RS256,
            a2_jwks(),
        ),
        (
            "example-rfc7515-a3",
            "RFC 7515 A.3 (ES256) verifies over the received bytes",
            A3_ES256,
            a3_jwks(),
        ),
        (
            "example-rfc7520-4.1",
            "RFC 7520 §4.1 (RS256) verifies over the received bytes",
            RFC7520_4_1_RS256,
            rfc7520_jwks(),
        ),
    ] {
        cases.push(Case::new(id, JWS_SECTION, title.split(" verifies").next().unwrap_or(title), "validator", title).step(Step::jws(token, &jwks, &ALLOWED, "signature-valid")));
    }
    cases.push(Case::new("example-rfc7515-a1-hs256", JWS_SECTION, "RFC 7515 A.1", "validator", "RFC 7515 A.1 (HS256): HMAC is never allowed, whatever the key").step(Step::jws(A1_HS256, &a1_jwks(), &ALLOWED, "alg_not_allowed")).step(Step::jws(A1_HS256, &a3_jwks(), &ALLOWED, "alg_not_allowed")));
    cases.push(Case::new("example-rfc7515-a5-none", JWS_SECTION, "RFC 7515 A.5", "validator", "RFC 7515 A.5 (alg none, empty signature) is refused").step(Step::jws(A5_NONE, &a3_jwks(), &ALLOWED, "alg_not_allowed")));
    cases.push(Case::new("example-rfc7515-a2-other-key", JWS_SECTION, "RFC 7515 A.2 / RFC 7520 §4.1", "validator", "each example's signature fails under the other example's key").step(Step::jws(A2_RS256, &rfc7520_jwks(), &ALLOWED, "signature_invalid")).step(Step::jws(RFC7520_4_1_RS256, &a2_jwks(), &ALLOWED, "key_not_found")));

    let header = json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec"});
    let idp = Signer::Es256(&keys().idp_ec);
    let draft_4_3_4 = json!({
        "jti": "9e43f81b64a33f20116179", "iss": "https://acme.idp.example/",
        "sub": "U019488227", "aud": "https://acme.chat.example/", "client_id": CLIENT,
        "exp": 1_311_281_970, "iat": 1_311_280_970, "resource": "https://api.chat.example/",
        "scope": "chat.read chat.history", "auth_time": 1_311_280_970,
        "amr": ["mfa", "phrh", "hwk", "user"],
    });
    cases.push(Case::new("example-draft-4.3.4", ID_JAG_SECTION, "ID-JAG draft §4.3.4", "examples-draft-4.3.4", "the draft's example ID-JAG claims, signed by the IdP, are valid at the draft's AS; once").at(DRAFT_NOW).step(Step::id_jag(mint(&header, &draft_4_3_4, idp), CLIENT, "valid")).step(Step::id_jag(mint(&header, &draft_4_3_4, Signer::Es256(&keys().idp_ec)), CLIENT, "replayed")));
    let flow = json!({
        "jti": "9e43f81b64a33f20116179", "iss": "https://acme.idp.example",
        "sub": "U019488227", "email": "user@example.com", "aud": "https://auth.chat.example/",
        "resource": "https://mcp.chat.example/", "client_id": CLIENT,
        "exp": 1_311_281_970, "iat": 1_311_280_970, "scope": "chat.read chat.history",
    });
    cases.push(Case::new("example-draft-flow", ID_JAG_SECTION, "ID-JAG draft §4 flow", "examples-draft-flow", "the end-to-end example's ID-JAG (issuer without a trailing slash) is valid at its AS").at(DRAFT_NOW).step(Step::id_jag(mint(&header, &flow, Signer::Es256(&keys().idp_ec)), CLIENT, "valid")));
    let mut slash = flow.clone();
    slash["iss"] = json!("https://acme.idp.example/");
    cases.push(Case::new("example-draft-flow-issuer-slash", ID_JAG_SECTION, "ID-JAG draft §4 flow; specs.md §7 item 10", "examples-draft-flow", "the examples mix issuers with and without a trailing slash: compared byte for byte").at(DRAFT_NOW).step(Step::id_jag(mint(&header, &slash, Signer::Es256(&keys().idp_ec)), CLIENT, "issuer_untrusted")));
    let rfc7523 = json!({
        "iss": "https://jwt-idp.example.com", "sub": "mailto:mike@example.com",
        "aud": "https://jwt-rp.example.net", "nbf": 1_300_815_780, "exp": 1_300_819_380,
        "http://claims.example.com/member": true,
    });
    cases.push(Case::new("example-rfc7523-4", ID_JAG_SECTION, "RFC 7523 §4; ID-JAG draft §3.1", "examples-draft-flow", "RFC 7523's example assertion (no typ, jti or client_id) is not an ID-JAG").at(1_300_816_000).step(Step::id_jag(mint(&json!({"alg": "ES256", "kid": "16"}), &rfc7523, Signer::Es256(&keys().idp_ec)), CLIENT, "typ_mismatch")));
    cases
}
