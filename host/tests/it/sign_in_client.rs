//! The client's check of a provider's ID token before `xaa login` stores it
//! (`validate-id-token`, OpenID Connect Core §3.1.3.7), through the component: one good
//! token per algorithm, and one row per rule that refuses a token differing from it in that
//! rule only. Expected outcomes are written by hand.

use crate::common::*;

use serde_json::{json, Value};
use xaa_host::Validator;
use xaa_testkit::fixtures::idp_jwks;

const OP: &str = IDP_ISSUER;
const CLIENT_ID: &str = "mcp-client";
const NONCE: &str = "n-0S6_WzA2Mj";

fn claims(changes: Value) -> Value {
    let mut claims = json!({
        "iss": OP, "sub": "alice", "aud": CLIENT_ID, "nonce": NONCE,
        "iat": NOW - 5, "exp": NOW + 600, "auth_time": NOW - 5,
    });
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

fn es256(header: Value, changes: Value) -> String {
    mint(&header, &claims(changes), Signer::Es256(&keys().idp_ec))
}

/// "valid", or the verdict code the component names.
fn verdict(validator: &mut Validator, token: &str) -> String {
    let jwks = idp_jwks().to_string();
    match validator
        .client(|s, c| c.call_validate_id_token(s, token, OP, CLIENT_ID, NONCE, &jwks))
        .unwrap()
    {
        Ok(claims) => {
            let claims: Value = serde_json::from_str(&claims).unwrap();
            assert_eq!(claims["sub"], "alice");
            "valid".into()
        }
        Err(why) => why.split(':').next().unwrap().to_owned(),
    }
}

#[test]
fn a_providers_id_token_is_checked_before_it_is_stored() {
    let mut v = Validator::unconfigured(runtime(), imports(true)).unwrap();
    let ec = json!({"alg": "ES256", "kid": "idp-ec"});
    let rows: Vec<(&str, String, &str)> = vec![
        ("ES256, no typ", es256(ec.clone(), json!({})), "valid"),
        (
            "typ JWT",
            es256(
                json!({"alg": "ES256", "kid": "idp-ec", "typ": "JWT"}),
                json!({}),
            ),
            "valid",
        ),
        (
            "RS256",
            mint(
                &json!({"alg": "RS256", "kid": "idp-rsa"}),
                &claims(json!({})),
                Signer::Rs256(&keys().idp_rsa),
            ),
            "valid",
        ),
        (
            "PS256",
            mint(
                &json!({"alg": "PS256", "kid": "idp-rsa"}),
                &claims(json!({})),
                Signer::Ps256(&keys().idp_rsa),
            ),
            "valid",
        ),
        (
            "aud a list with this client, azp this client",
            es256(
                ec.clone(),
                json!({"aud": [CLIENT_ID, "other"], "azp": CLIENT_ID}),
            ),
            "valid",
        ),
        (
            "no jti (providers need not send one)",
            es256(ec.clone(), json!({"jti": null})),
            "valid",
        ),
        (
            "another nonce: a replayed or injected token",
            es256(ec.clone(), json!({"nonce": "other"})),
            "claim_invalid",
        ),
        (
            "no nonce",
            es256(ec.clone(), json!({"nonce": null})),
            "claim_invalid",
        ),
        (
            "another audience",
            es256(ec.clone(), json!({"aud": "other-client"})),
            "audience_mismatch",
        ),
        (
            "several audiences without azp",
            es256(ec.clone(), json!({"aud": [CLIENT_ID, "other"]})),
            "audience_mismatch",
        ),
        (
            "azp another client",
            es256(ec.clone(), json!({"azp": "other"})),
            "audience_mismatch",
        ),
        (
            "another issuer",
            es256(ec.clone(), json!({"iss": "https://evil.example"})),
            "issuer_mismatch",
        ),
        (
            "expired beyond the 60 s leeway",
            es256(ec.clone(), json!({"exp": NOW - 61})),
            "expired",
        ),
        (
            "issued in the future",
            es256(ec.clone(), json!({"iat": NOW + 120})),
            "issued_in_future",
        ),
        (
            "no sub",
            es256(ec.clone(), json!({"sub": null})),
            "claim_invalid",
        ),
        (
            "typ at+jwt (an access token)",
            es256(
                json!({"alg": "ES256", "kid": "idp-ec", "typ": "at+jwt"}),
                json!({}),
            ),
            "typ_mismatch",
        ),
        (
            "signed by a key not in the JWK Set",
            mint(&ec, &claims(json!({})), Signer::Es256(&keys().attacker)),
            "signature_invalid",
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64_json(&json!({"alg": "none"})),
                b64_json(&claims(json!({})))
            ),
            "alg_not_allowed",
        ),
    ];
    for (why, token, expected) in &rows {
        assert_eq!(verdict(&mut v, token), *expected, "{why}");
    }
}

fn b64_json(value: &Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}
