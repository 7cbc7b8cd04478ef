//! Project Wycheproof `json_web_signature_test.json` (Apache-2.0, `tests/vectors/wycheproof/`):
//! every case through `verify-jws-signature` with the group's key as a one-key JWK Set and
//! the allow-list ES256, RS256, PS256.
//!
//! The expectations are Wycheproof's own `result`, and a hand-written table for the cases
//! where this component's verdict does not follow from it. Wycheproof's `invalid` means the
//! signature must not verify: any rejection passes. Its `valid` means a permissive library
//! verifies it; here it must verify unless the component's documented policy refuses it
//! first — HMAC (the group key is symmetric), an algorithm outside the allow-list (RS384,
//! PS512, ...), an empty payload segment (a JWT always has a claims set) — and those cases
//! are listed in [`REFUSED_HERE`] with the policy, which goes into the case title.

use serde_json::{json, Value};

use xaa_vectors::{Case, ConfigFiles, Step};

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/wycheproof/json_web_signature_test.json"
));

const SECTION: &str = "Wycheproof JWS";
const ALLOWED: [&str; 3] = ["ES256", "RS256", "PS256"];

const HMAC: &str = "HMAC: a symmetric key is never trusted";
const EMPTY_PAYLOAD: &str = "an empty payload segment (a JWT always has a claims set)";

/// Wycheproof `valid` cases this component refuses (expected verdict `rejected`): tcId and
/// the policy that refuses it, read off the vector (its group key, its header's `alg`, its
/// payload segment).
const REFUSED_HERE: &[(u64, &str)] = &[
    // Group hs256: the key is `kty: oct`.
    (1, HMAC),
    // Group rs256 (RS256_2048): a detached payload, the payload segment empty.
    (259, EMPTY_PAYLOAD),
    // Groups rs384, rs512: algorithms the allow-list leaves out.
    (264, "RS384 is outside the allow-list"),
    (265, "RS384 is outside the allow-list"),
    (266, "RS384 is outside the allow-list"),
    (267, "RS384 is outside the allow-list"),
    (268, "RS512 is outside the allow-list"),
    (269, "RS512 is outside the allow-list"),
    (270, "RS512 is outside the allow-list"),
    (271, "RS512 is outside the allow-list"),
    // Group ps256: a detached payload.
    (272, EMPTY_PAYLOAD),
    // Groups ps384, ps512.
    (320, "PS384 is outside the allow-list"),
    (321, "PS384 is outside the allow-list"),
    (322, "PS384 is outside the allow-list"),
    (323, "PS384 is outside the allow-list"),
    (325, "PS512 is outside the allow-list"),
    (326, "PS512 is outside the allow-list"),
    (327, "PS512 is outside the allow-list"),
    (328, "PS512 is outside the allow-list"),
    // RFC 7520 §4 examples (their headers say PS384 and ES512; §4.4 is HMAC).
    (346, "PS384 is outside the allow-list"),
    (347, "ES512 is outside the allow-list"),
    (348, HMAC),
    (350, "PS384 is outside the allow-list"),
    (351, "ES512 is outside the allow-list"),
    (352, HMAC),
    // Group base64: HS256 keys.
    (357, HMAC),
    (358, HMAC),
    (359, HMAC),
    (372, HMAC),
    (373, HMAC),
    (376, HMAC),
    (377, HMAC),
];

/// Extra configurations: none (the JWS layer needs no configuration).
pub(super) fn configs() -> Vec<(String, ConfigFiles)> {
    Vec::new()
}

fn refused_here(id: u64) -> Option<&'static str> {
    REFUSED_HERE
        .iter()
        .find(|(tc_id, _)| *tc_id == id)
        .map(|(_, why)| *why)
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
            let (expect, why) = match (result, refused_here(id)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of the table names a case Wycheproof calls `valid` (a row for an `invalid`
    /// one would change nothing and hide a stale table), once.
    #[test]
    fn the_table_names_valid_cases_only_once_each() {
        let vectors: Value = serde_json::from_str(VECTORS).unwrap_or_default();
        let valid: Vec<u64> = vectors["testGroups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["tests"].as_array().into_iter().flatten())
            .filter(|t| t["result"] == "valid")
            .filter_map(|t| t["tcId"].as_u64())
            .collect();
        for (i, (id, _)) in REFUSED_HERE.iter().enumerate() {
            assert!(valid.contains(id), "tcId {id} is not a valid case");
            assert!(
                REFUSED_HERE[..i].iter().all(|(other, _)| other != id),
                "tcId {id} twice"
            );
        }
    }
}
