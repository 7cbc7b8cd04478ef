//! Project Wycheproof `json_web_signature_test.json` (Apache-2.0, `tests/vectors/wycheproof/`):
//! every case through `verify-jws-signature` with the group's key as a one-key JWK Set and
//! the allow-list ES256, RS256, PS256.
//!
//! Wycheproof's `invalid` means the signature must not verify: any rejection passes. Its
//! `valid` means a permissive library verifies it; here it must verify unless this
//! component's documented policy refuses it first — HMAC (the group key is symmetric), an
//! algorithm outside the allow-list (RS384, PS512, ...), an empty payload segment (a JWT
//! always has a claims set), or a key the JWK policy refuses (`key_ops`/`use` for
//! encryption, RSA keys outside 2048–4096 bits) — and then any rejection passes too, with
//! the policy named in the case title. Which policy applies is read from the vector itself
//! (the header's `alg`, the group key), never from running the component.

use serde_json::{json, Value};

use crate::conformance::suite::{Case, ConfigFiles, Step};

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/wycheproof/json_web_signature_test.json"
));

const SECTION: &str = "Wycheproof JWS";
const ALLOWED: [&str; 3] = ["ES256", "RS256", "PS256"];

/// Extra configurations: none (the JWS layer needs no configuration).
pub(super) fn configs() -> Vec<(String, ConfigFiles)> {
    Vec::new()
}

fn header_alg(token: &str) -> Option<String> {
    let first = token.split('.').next()?;
    let bytes = xaa_guest::base64url::decode(first)?;
    let header: Value = serde_json::from_slice(&bytes).ok()?;
    header.get("alg")?.as_str().map(str::to_owned)
}

/// Why this component's policy refuses a case Wycheproof calls valid, if it does.
fn policy_refusal(group: &Value, token: &str, jwks: &str) -> Option<String> {
    if group.get("public").is_none() {
        return Some("HMAC: a symmetric key is never trusted".into());
    }
    match header_alg(token) {
        Some(alg) if !ALLOWED.contains(&alg.as_str()) => {
            return Some(format!("{alg} is outside the allow-list"))
        }
        None => return Some("no readable alg".into()),
        Some(_) => {}
    }
    if token.split('.').nth(1) == Some("") {
        return Some("an empty payload segment (a JWT always has a claims set)".into());
    }
    if xaa_guest::jwks::parse(jwks).is_err() {
        return Some("the group key is refused by the JWK policy".into());
    }
    None
}

/// The cases.
pub(super) fn cases() -> Vec<Case> {
    let Ok(vectors) = serde_json::from_str::<Value>(VECTORS) else {
        return Vec::new();
    };
    let mut cases = Vec::new();
    for group in vectors["testGroups"].as_array().into_iter().flatten() {
        let key = group.get("public").or_else(|| group.get("private"));
        let jwks = json!({ "keys": [key] }).to_string();
        for test in group["tests"].as_array().into_iter().flatten() {
            let id = test["tcId"].as_u64().unwrap_or(0);
            let token = match &test["jws"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let comment = test["comment"].as_str().unwrap_or("");
            let result = test["result"].as_str().unwrap_or("invalid");
            let (expect, why) = match (result, policy_refusal(group, &token, &jwks)) {
                ("valid", None) => ("signature-valid", "valid".to_owned()),
                ("valid", Some(policy)) => {
                    ("rejected", format!("valid there, refused here: {policy}"))
                }
                (_, _) => ("rejected", "invalid".to_owned()),
            };
            let title = format!(
                "{} tcId {id}: {comment} ({why})",
                group["comment"].as_str().unwrap_or("")
            );
            cases.push(
                Case::new(
                    &format!("wycheproof-jws-{id:03}"),
                    SECTION,
                    &format!("Wycheproof tcId {id}"),
                    "validator",
                    title.trim(),
                )
                .step(Step::jws(&token, &jwks, &ALLOWED, expect)),
            );
        }
    }
    cases
}
