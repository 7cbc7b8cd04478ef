//! Project Wycheproof `json_web_signature_test.json` (401 cases) against this project.
//!
//! Wycheproof tokens are bare JWS objects (no `typ`, payload `"foo"`), not RFC 9068 access
//! tokens, so every case runs through the JWS layer (compact split → header policy → `alg`
//! allow-list → key from the group's JWK Set → signature): natively with the pure-Rust and
//! the aws-lc-rs verifier, and through the component (Wasmtime) with its
//! `verify-jws-signature` export on both verifier paths; all four must agree.
//! Every case also runs through the component as an access token, where it must be
//! refused with the same code whenever the refusal comes before `typ`. Finally, for every group
//! whose key our policy accepts, an RFC 9068 access token is minted with the group's private key
//! and validated end to end through the component, on both verifier paths.

use crate::common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{json, Value};

use xaa_guest::base64url;
use xaa_guest::compact;
use xaa_guest::error::Code;
use xaa_guest::jose_header::{self, Alg};
use xaa_guest::jwks;
use xaa_guest::jws::{self, VerifiedBy};
use xaa_host::wit;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/wycheproof/json_web_signature_test.json"
);

/// Where the JWS layer stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Compact,
    Header,
    Alg,
    KeySet,
    KeySelect,
    Signature,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Accepted(VerifiedBy),
    Rejected(Stage, Code),
}

impl Outcome {
    /// The outcome without the verifier that decided (pure and native must agree on this).
    fn verdict(self) -> Result<(), (Stage, Code)> {
        match self {
            Outcome::Accepted(_) => Ok(()),
            Outcome::Rejected(stage, code) => Err((stage, code)),
        }
    }
}

/// The component's JWS layer, natively, in the validators' order (minus `typ`): the allow-list
/// is every algorithm this component verifies.
fn jws_layer(token: &str, jwks_doc: &str, host: &mut NativeHost) -> Outcome {
    let jws = match compact::split(token) {
        Ok(jws) => jws,
        Err(r) => return Outcome::Rejected(Stage::Compact, r.code),
    };
    let header = match jose_header::parse(&jws.header) {
        Ok(h) => h,
        Err(r) => return Outcome::Rejected(Stage::Header, r.code),
    };
    let alg = match header.check_alg(&Alg::ALL) {
        Ok(alg) => alg,
        Err(r) => return Outcome::Rejected(Stage::Alg, r.code),
    };
    let set = match jwks::parse(jwks_doc) {
        Ok(set) => set,
        Err(_) => return Outcome::Rejected(Stage::KeySet, Code::KeyRejected),
    };
    let key = match set.select(header.kid.as_deref(), alg) {
        Ok(key) => key.clone(),
        Err(miss) => {
            let r = jwks::miss_rejection(miss, header.kid.as_deref(), alg);
            return Outcome::Rejected(Stage::KeySelect, r.code);
        }
    };
    match jws::verify(host, alg, &key, jws.signing_input, &jws.signature) {
        Ok((_, by)) => Outcome::Accepted(by),
        Err(r) => Outcome::Rejected(Stage::Signature, r.code),
    }
}

/// The group's verification key as a one-key JWK Set: its public JWK, or (HMAC groups, which
/// have none) its private one, which our policy must refuse.
fn group_jwks(group: &Value) -> String {
    let jwk = group
        .get("public")
        .or_else(|| group.get("private"))
        .expect("a group key");
    json!({ "keys": [jwk] }).to_string()
}

fn token_text(test: &Value) -> String {
    match &test["jws"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The header's JSON object, if the token's first segment decodes to one.
fn header_of(token: &str) -> Option<Value> {
    let first = token.split('.').next()?;
    serde_json::from_slice(&base64url::decode(first)?).ok()
}

fn load() -> Value {
    let text = std::fs::read_to_string(VECTORS).expect("read the Wycheproof JWS vectors");
    serde_json::from_str(&text).expect("vectors are JSON")
}

#[derive(Default)]
struct Tally {
    counts: BTreeMap<&'static str, usize>,
}

impl Tally {
    fn add(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1;
    }
    fn get(&self, what: &str) -> usize {
        self.counts.get(what).copied().unwrap_or(0)
    }
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Compact => "rejected by compact serialization",
        Stage::Header => "rejected by header policy",
        Stage::Alg => "rejected: alg not allowed",
        Stage::KeySet => "rejected: group key refused by key policy",
        Stage::KeySelect => "rejected: no key for kid/alg",
        Stage::Signature => "rejected: signature invalid",
    }
}

#[test]
fn every_wycheproof_jws_case_at_the_jws_layer() {
    let vectors = load();
    let groups = vectors["testGroups"].as_array().unwrap();
    let mut total = 0usize;
    let mut valid = Tally::default();
    let mut invalid = Tally::default();
    let mut flagged = Tally::default();
    // The same cases through the component (Wasmtime), on both verifier paths.
    let mut component_native = Harness::new();
    let mut component_pure = Harness::pure_rust();
    let all_algs: Vec<String> = Alg::ALL.iter().map(|a| a.name().to_string()).collect();
    let mut through_component = 0usize;
    for group in groups {
        let jwks_doc = group_jwks(group);
        let symmetric = group.get("public").is_none();
        let key_usable = jwks::parse(&jwks_doc).is_ok();
        for test in group["tests"].as_array().unwrap() {
            total += 1;
            let id = test["tcId"].as_u64().unwrap();
            let token = token_text(test);
            let result = test["result"].as_str().unwrap();
            let flags: Vec<&str> = test["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            let pure = jws_layer(&token, &jwks_doc, &mut NativeHost::new(false));
            let native = jws_layer(&token, &jwks_doc, &mut NativeHost::new(true));
            let ctx = format!(
                "tcId {id} ({}, {result}, {:?}): pure {pure:?}, native {native:?}",
                test["comment"], flags
            );
            assert_eq!(pure.verdict(), native.verdict(), "paths disagree: {ctx}");
            for component in [&mut component_native, &mut component_pure] {
                let verdict = component
                    .validator
                    .verify_jws_signature(&token, &jwks_doc, &all_algs);
                match (&verdict, pure) {
                    (wit::JwsVerdict::SignatureValid(_), Outcome::Accepted(_)) => {}
                    (wit::JwsVerdict::Rejected(r), Outcome::Rejected(Stage::KeySet, _)) => {
                        assert_eq!(r.code, "key_rejected", "{ctx}")
                    }
                    (wit::JwsVerdict::Rejected(r), Outcome::Rejected(_, code)) => {
                        assert_eq!(r.code, code.as_str(), "component vs JWS layer: {ctx}")
                    }
                    _ => panic!("component {verdict:?} vs JWS layer {pure:?}: {ctx}"),
                }
            }
            through_component += 1;
            if let Outcome::Accepted(by) = pure {
                assert_eq!(by, VerifiedBy::Component, "{ctx}");
            }
            if let Outcome::Accepted(by) = native {
                assert_eq!(by, VerifiedBy::Host, "{ctx}");
            }

            // Flags and shapes that the compact/header policy alone must refuse.
            let embedded_jwk = header_of(&token).is_some_and(|h| h.get("jwk").is_some());
            // (whether it applies, the stage and code that must refuse it, its tally label)
            #[rustfmt::skip]
            let policy = [
                (flags.contains(&"JsonSerialization"), Stage::Compact, Code::Malformed, "JsonSerialization -> malformed"),
                (flags.contains(&"AlgIsNone"), Stage::Alg, Code::AlgNotAllowed, "AlgIsNone -> alg_not_allowed"),
                (embedded_jwk, Stage::Header, Code::HeaderForbidden, "embedded jwk -> header_forbidden"),
            ];
            for (applies, stage, code, label) in policy {
                if applies {
                    assert_eq!(pure, Outcome::Rejected(stage, code), "{label}: {ctx}");
                    flagged.add(label);
                }
            }

            match (result, pure) {
                ("valid", Outcome::Accepted(_)) => valid.add("accepted"),
                ("valid", Outcome::Rejected(stage, code)) => {
                    // A valid case may be refused only by policy: HMAC, an algorithm outside
                    // ES256/RS256/PS256, or a key our policy refuses.
                    if symmetric {
                        valid.add("refused: HMAC (symmetric key group)");
                    } else if stage == Stage::Alg {
                        assert_eq!(code, Code::AlgNotAllowed, "{ctx}");
                        valid.add("refused: alg not allowed (RS384/PS384/PS512/ES512...)");
                        if !key_usable {
                            valid.add("  of which the group key is also refused by key policy");
                        }
                    } else if stage == Stage::Compact && token.split('.').nth(1) == Some("") {
                        // compact.rs refuses an empty payload segment: a JWT always carries a
                        // claims set (RFC 7519 §7.2), so this is policy, not a verification bug.
                        assert_eq!(code, Code::Malformed, "{ctx}");
                        valid.add("refused: compact policy (empty payload segment)");
                    } else if stage == Stage::KeySet {
                        assert!(!key_usable, "{ctx}");
                        valid.add("refused: key policy");
                    } else {
                        panic!("a valid case with an allowed alg and key was refused: {ctx}");
                    }
                }
                ("invalid", Outcome::Accepted(_)) => panic!("an invalid case was accepted: {ctx}"),
                ("invalid", Outcome::Rejected(stage, _)) => {
                    invalid.add(stage_name(stage));
                    if symmetric {
                        invalid.add("  (in HMAC groups)");
                    }
                }
                ("acceptable", _) => invalid.add("acceptable (either way)"),
                (other, _) => panic!("unknown result {other:?}: {ctx}"),
            }
        }
    }

    println!(
        "wycheproof JWS: {total} cases ({through_component} also through the component, twice)"
    );
    assert_eq!(through_component, total);
    for (what, n) in &valid.counts {
        println!("  valid   {what}: {n}");
    }
    for (what, n) in &invalid.counts {
        println!("  invalid {what}: {n}");
    }
    for (what, n) in &flagged.counts {
        println!("  flagged {what}: {n}");
    }
    assert_eq!(total, vectors["numberOfTests"].as_u64().unwrap() as usize);
    assert!(
        valid.get("accepted") > 0,
        "some valid ES256/RS256/PS256 cases verify"
    );
    assert!(valid.get("refused: HMAC (symmetric key group)") > 0);
    assert!(valid.get("refused: alg not allowed (RS384/PS384/PS512/ES512...)") > 0);
    assert!(invalid.get("rejected: signature invalid") > 0);
    assert!(invalid.get("rejected by compact serialization") > 0);
    assert!(invalid.get("rejected: group key refused by key policy") > 0);
    assert!(invalid.get("rejected: alg not allowed") > 0);
    assert!(flagged.get("JsonSerialization -> malformed") > 0);
    assert!(flagged.get("AlgIsNone -> alg_not_allowed") > 0);
    assert!(flagged.get("embedded jwk -> header_forbidden") > 0);
}

/// A resource-server-only configuration trusting one group's key.
fn rs_config(jwks_doc: String, algorithms: Vec<String>) -> wit::Config {
    let mut c = config();
    c.authorization_server = None;
    let rs = c.resource_server.as_mut().unwrap();
    rs.keys = wit::KeySource::Inline(jwks_doc);
    rs.algorithms = algorithms;
    c
}

/// The algorithms to configure for a group: the key's own `alg` if it is one of ours, else all.
fn group_algorithms(group: &Value) -> Vec<String> {
    let declared = group
        .get("public")
        .and_then(|k| k.get("alg"))
        .and_then(Value::as_str)
        .and_then(Alg::from_name);
    match declared {
        Some(alg) => vec![alg.name().to_owned()],
        None => Alg::ALL.iter().map(|a| a.name().to_owned()).collect(),
    }
}

fn b64_big(value: &Value, member: &str) -> rsa::BigUint {
    let text = value[member].as_str().unwrap();
    rsa::BigUint::from_bytes_be(&base64url::decode(text).unwrap())
}

/// Mints an RFC 9068 access token with the group's private key, if the group's key is one of
/// ours (ES256 on P-256, or RSA with an RS256/PS256 `alg`).
fn mint_with_group_key(group: &Value, alg: Alg) -> Option<String> {
    let private = group.get("private")?;
    let mut header = at_header();
    header["alg"] = json!(alg.name());
    match private.get("kid") {
        Some(kid) => header["kid"] = kid.clone(),
        None => {
            header.as_object_mut().unwrap().remove("kid");
        }
    }
    let claims = at_claims();
    match (private["kty"].as_str()?, alg) {
        ("EC", Alg::Es256) if private["crv"] == "P-256" => {
            let d = base64url::decode(private["d"].as_str()?)?;
            let key = p256::ecdsa::SigningKey::from_slice(&d).ok()?;
            Some(mint(&header, &claims, Signer::Es256(&key)))
        }
        ("RSA", Alg::Rs256 | Alg::Ps256) => {
            let key = rsa::RsaPrivateKey::from_components(
                b64_big(private, "n"),
                b64_big(private, "e"),
                b64_big(private, "d"),
                vec![b64_big(private, "p"), b64_big(private, "q")],
            )
            .ok()?;
            let signer = if alg == Alg::Rs256 {
                Signer::Rs256(&key)
            } else {
                Signer::Ps256(&key)
            };
            Some(mint(&header, &claims, signer))
        }
        _ => None,
    }
}

/// Flips one bit in the middle of the signature segment's decoded bytes.
fn tamper(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut bytes = base64url::decode(sig).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    format!("{input}.{}", base64url::encode(&bytes))
}

#[test]
fn every_wycheproof_group_through_the_component() {
    let vectors = load();
    let groups = vectors["testGroups"].as_array().unwrap();
    let mut tally = Tally::default();
    for (index, group) in groups.iter().enumerate() {
        let jwks_doc = group_jwks(group);
        let algorithms = group_algorithms(group);
        let key_usable = jwks::parse(&jwks_doc).is_ok();
        let config = rs_config(jwks_doc.clone(), algorithms.clone());
        let refused = refusals(config.clone());
        if !refused.is_empty() {
            assert!(
                !key_usable || group.get("public").is_none(),
                "group {index} ({}): configuration refused although the JWS layer accepts \
                 its key: {refused:?}",
                group["comment"]
            );
            tally.add("groups whose key the configuration refuses (key policy)");
            continue;
        }
        assert!(
            key_usable,
            "group {index}: configured with a key the JWS layer refuses"
        );
        tally.add("groups configured");
        for native in [false, true] {
            let mut h = Harness::with(config.clone(), imports(native));
            for test in group["tests"].as_array().unwrap() {
                let token = token_text(test);
                let got = h.access_token(&token);
                let layer = jws_layer(&token, &jwks_doc, &mut NativeHost::new(native));
                // Before `typ`, the component and the JWS layer stop at the same check; after
                // it, a Wycheproof token (no `typ: at+jwt`) is refused as typ_mismatch.
                let expected = match layer {
                    Outcome::Rejected(Stage::Compact | Stage::Header, code) => code.as_str(),
                    _ => Code::TypMismatch.as_str(),
                };
                assert_eq!(
                    got, expected,
                    "group {index} tcId {} (native {native}): layer {layer:?}",
                    test["tcId"]
                );
                tally.add(if native {
                    "wycheproof tokens refused by the component (native)"
                } else {
                    "wycheproof tokens refused by the component (pure Rust)"
                });
            }
            // The complete token path with the group's own key.
            for name in &algorithms {
                let alg = Alg::from_name(name).unwrap();
                let Some(token) = mint_with_group_key(group, alg) else {
                    continue;
                };
                assert_eq!(
                    h.access_token(&token),
                    "valid",
                    "group {index} {name} (native {native})"
                );
                h.validator.clear_token_cache().unwrap();
                assert_eq!(
                    h.access_token(&tamper(&token)),
                    "signature_invalid",
                    "group {index} {name} tampered (native {native})"
                );
                tally.add(if native {
                    "minted access tokens valid end to end (native)"
                } else {
                    "minted access tokens valid end to end (pure Rust)"
                });
            }
        }
    }
    for (what, n) in &tally.counts {
        println!("  component: {what}: {n}");
    }
    assert!(tally.get("groups configured") > 0);
    assert!(tally.get("groups whose key the configuration refuses (key policy)") > 0);
    assert!(tally.get("minted access tokens valid end to end (native)") > 0);
    assert_eq!(
        tally.get("minted access tokens valid end to end (native)"),
        tally.get("minted access tokens valid end to end (pure Rust)")
    );
}
